"""What ``golive gate`` starts before the policy language and the gate engine load.

Importing them takes about a third of a second; reading a large evidence directory can
start meanwhile, in a worker process (:func:`golive.services.reading.start`). Only the
``--evidence`` values are picked out of the arguments here: click parses and checks them
all afterwards, and a head start for other files than the gate then reads is dropped.
"""

from __future__ import annotations

from pathlib import Path


def before(args: list[str]) -> None:
    """Start reading the evidence directories ``args`` name with ``--evidence``."""
    paths: list[Path] = []
    rest = iter(args)
    for arg in rest:
        if arg == "--":
            break
        if arg in ("--help", "-h"):
            return
        if arg == "--evidence":
            value = next(rest, None)
            if value is not None:
                paths.append(Path(value))
        elif arg.startswith("--evidence="):
            paths.append(Path(arg.partition("=")[2]))
    if paths:
        from golive.services import reading  # the evidence readers only: nothing heavy

        reading.start(paths)
