"""Debts of owed checks, kept locally: ``.golive/debts.jsonl`` next to the sign-offs file.

A check that is ``owed`` where the policy says ``owed: pass_with_debt`` lets the release
pass and opens a debt for its environment and deployable. ``golive gate`` reads the open
debts as facts, the engine says which its decision settles (the check decided ``pass`` or
``waived``), and the gate appends what changed. One JSON object per line, appended
atomically (:func:`golive.files.append_line`)::

    {"schema": "golive.debt/v1", "event": "opened", "check": "tests",
     "environment": "production", "deployable": "api", "at": "2026-11-24T10:00:00Z",
     "ref": "3f2a9c1e..."}
    {"schema": "golive.debt/v1", "event": "settled", "check": "tests", ...}

A debt is open from its ``opened`` line until a ``settled`` line for the same check,
environment and deployable follows.
"""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path

from golive.core.gate.model import Debt, Decision
from golive.core.instants import parse_aware
from golive.errors import Diagnostic, PolicyError
from golive.files import append_line
from golive.records.signoffs import candidate_text

SCHEMA = "golive.debt/v1"
FILE_NAME = "debts.jsonl"


def path_for(signoffs: Path | None, repo: Path) -> Path:
    """The debts file: next to ``--signoffs`` when given, else ``REPO/.golive/debts.jsonl``."""
    if signoffs is not None:
        return signoffs.parent / FILE_NAME
    return repo / ".golive" / FILE_NAME


def open_debts(path: Path, environment: str, deployable: str | None) -> tuple[Debt, ...]:
    """The debts still open for ``environment`` and ``deployable``, oldest first."""
    if not path.is_file():
        return ()
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError([Diagnostic(name, 0, 0, f"cannot be read: {exc}")]) from None
    opened: dict[str, Debt] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PolicyError(
                [Diagnostic(name, number, exc.colno, f"not JSON: {exc.msg}")]
            ) from None
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise PolicyError([Diagnostic(name, number, 1, f"not a {SCHEMA} record")])
        if data.get("environment") != environment or data.get("deployable") != (deployable or ""):
            continue
        check, event = data.get("check"), data.get("event")
        at = parse_aware(data.get("at"))
        if not isinstance(check, str) or not check or at is None:
            raise PolicyError([Diagnostic(name, number, 1, "needs 'check' and 'at' (with offset)")])
        if event == "opened":
            opened.setdefault(check, Debt(check, at, str(data.get("ref") or "")))
        elif event == "settled":
            opened.pop(check, None)
        else:
            raise PolicyError([Diagnostic(name, number, 1, "event is 'opened' or 'settled'")])
    return tuple(opened.values())


def record(path: Path, decision: Decision) -> None:
    """Append the debts ``decision`` opened and settled (nothing when there are none)."""
    already = {d.check for d in decision.open_debts}
    ref = candidate_text(decision.candidate)
    events = [("settled", d.check) for d in decision.settled_debts]
    events += [("opened", c.id) for c in decision.debts if c.id not in already]
    for event, check in events:
        line = {
            "schema": SCHEMA,
            "event": event,
            "check": check,
            "environment": decision.environment,
            "deployable": decision.candidate.deployable or "",
            "at": decision.now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "ref": ref,
        }
        append_line(path, (json.dumps(line, sort_keys=True) + "\n").encode())
