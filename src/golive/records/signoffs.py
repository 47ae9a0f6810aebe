"""Sign-offs of checklist items: one JSON object per line, appended by ``golive attest``.

The default file is ``.golive/signoffs.jsonl``. Each line is::

    {"schema": "golive.signoff/v1", "item": "rollback-plan", "checklist": "",
     "candidate": "3f2a...@sha256:...", "by": "alice", "role": "release-owner",
     "at": "2026-11-24T09:00:00Z", "link": "https://tickets/CHG-1"}

Appends are atomic: the new line is written with one ``write`` on a file opened with
``O_APPEND`` under an exclusive lock, then flushed to disk, so concurrent ``golive attest``
runs never interleave or tear a line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC
from pathlib import Path
from typing import Any

from golive.core.gate.model import Candidate
from golive.core.gate.sources import SignOff
from golive.core.instants import parse_aware
from golive.errors import Diagnostic, PolicyError
from golive.files import append_line

SCHEMA = "golive.signoff/v1"
DEFAULT_PATH = Path(".golive") / "signoffs.jsonl"
_FIELDS = ("item", "candidate", "by", "role", "at")


def append(path: Path, signoff: SignOff) -> None:
    record = {
        "schema": SCHEMA,
        "item": signoff.item,
        "checklist": signoff.checklist,
        "candidate": signoff.candidate,
        "by": signoff.by,
        "role": signoff.role,
        "at": signoff.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "link": signoff.link,
    }
    append_line(path, (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode())


def read(path: Path) -> tuple[SignOff, ...]:
    """Every sign-off in ``path``; a malformed line is an error naming its line and field."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError([Diagnostic(name, 0, 0, "no such sign-offs file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError([Diagnostic(name, 0, 0, f"cannot be read: {exc}")]) from None
    out: list[SignOff] = []
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
        for key in _FIELDS:
            if not isinstance(data.get(key), str) or not data[key]:
                raise PolicyError([Diagnostic(name, number, 1, "missing or empty", path=key)])
        at = parse_aware(data["at"])
        if at is None:
            raise PolicyError(
                [Diagnostic(name, number, 1, "not a date and time with a UTC offset", path="at")]
            )
        out.append(
            SignOff(
                item=data["item"],
                candidate=data["candidate"],
                by=data["by"],
                role=data["role"],
                at=at,
                link=str(data.get("link") or ""),
                checklist=str(data.get("checklist") or ""),
            )
        )
    return tuple(out)


def candidate_text(candidate: Candidate) -> str:
    """The candidate as ``golive attest --candidate`` writes it: ``COMMIT@sha256:D[,sha256:D]``."""
    return "@".join(p for p in (candidate.commit or "", ",".join(candidate.digests)) if p)


def from_stored(rows: Iterable[Mapping[str, Any]], candidate: Candidate) -> tuple[SignOff, ...]:
    """Sign-offs ingested through the API (``signoffs`` rows) as the checklist gate reads them.

    The rows were selected by the candidate's deployable and version; a row that also names a
    candidate (``golive attest --publish``) keeps it, so the gate still checks it names this
    commit or digest. A row without a role keeps an empty role: it does not count, and the
    decision says why.
    """
    fallback = candidate_text(candidate)
    return tuple(
        SignOff(
            item=str(row["item"]),
            candidate=str(row.get("candidate") or fallback),
            by=str(row["signer"]),
            role=str(row.get("role") or ""),
            at=row["time"],
            link=str(row.get("link") or ""),
            checklist=str(row.get("checklist") or ""),
        )
        for row in rows
    )
