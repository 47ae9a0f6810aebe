"""``golive.commands/v1``: recorded results of the policy's commands (``command_passed``).

``golive gate --run`` writes one (``--record FILE``) after running the policy's
commands; another CI job can then hand it to a later ``golive gate`` as
evidence. The shape::

    {"schema": "golive.commands/v1",
     "commit": "<sha>",                       # optional binding
     "produced_at": "2026-11-24T10:00:00Z",
     "runs": [{"name": "lint", "command": "make lint", "exit_code": 0,
               "duration_s": 12.5, "output_sha256": "…", "timed_out": false,
               "started_at": "2026-11-24T09:59:47Z"}]}

Only a digest of each command's output is kept: output can hold secrets.
"""

from __future__ import annotations

from golive.core.findings import Binding, CommandReport, CommandRun, Completeness
from golive.evidence._doc import Doc

FORMAT = "golive-commands"
SCHEMA = "golive.commands/v1"


def read(doc: Doc) -> CommandReport:
    runs: list[CommandRun] = []
    reasons: list[str] = []
    for run in doc.get("runs").objects():
        name = run.get("name").text()
        if not name:
            raise run.get("name").fail("every run needs a 'name' (the command's id in the policy)")
        code = run.get("exit_code")
        exit_code = None if code.is_null() else code.integer(-1)
        duration = run.get("duration_s").value
        runs.append(
            CommandRun(
                name=name,
                command=run.get("command").text(),
                exit_code=exit_code,
                duration_s=float(duration) if isinstance(duration, int | float) else 0.0,
                output_sha256=run.get("output_sha256").text(),
                timed_out=run.get("timed_out").flag() is True,
                started_at=run.get("started_at").opt_text(),
                error=run.get("error").text(),
            )
        )
    if not runs:
        reasons.append("the file records no command runs")
    commit = doc.get("commit").opt_text()
    return CommandReport(
        source=doc.source,
        format=FORMAT,
        runs=tuple(runs),
        binding=Binding(commits=(commit,) if commit else ()),
        produced_at=doc.get("produced_at").opt_text(),
        completeness=Completeness.of(reasons),
    )
