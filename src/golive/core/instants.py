"""Reading ISO 8601 instants from files and options: one parser, one rule for naive times.

``parse_instant`` accepts what ``datetime.fromisoformat`` accepts plus a trailing ``Z``. It
returns the instant and whether the text had no UTC offset; a naive time is read as UTC, and
each caller decides what naive means for it (an error for ``--now``, "read as UTC, say so"
for report times, "not counted" for sign-offs).
"""

from __future__ import annotations

from datetime import UTC, datetime


def parse_instant(text: object) -> tuple[datetime, bool] | None:
    """``(instant, was_naive)`` for an ISO 8601 string, or None when it is not one."""
    if not isinstance(text, str) or not text.strip():
        return None
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=UTC), True
    return value, False


def parse_aware(text: object) -> datetime | None:
    """An instant that states its UTC offset; None for anything else (naive included)."""
    found = parse_instant(text)
    return found[0] if found is not None and not found[1] else None
