"""Durations as policies write them: ``30s``, ``15m``, ``4h``, ``7d``, ``5bd``, ``1mo``, ``7y``.

Three kinds of clock, never mixed silently:

- *elapsed* (``s m h d w``, and compounds such as ``1h30m``): arithmetic on UTC
  instants; ``1d`` is exactly 24 hours, even across a daylight-saving change;
- *business* (``bd``): business days on a named calendar (time zone, work days,
  holidays); meaningless without one, so the policy must name a calendar;
- *calendar* (``mo``, ``y``): calendar months and years, for retention and
  review cadences ("kept 7 years").
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

Kind = Literal["elapsed", "business", "calendar"]

_ELAPSED_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_ELAPSED_ORDER = ["w", "d", "h", "m", "s"]
_PART = re.compile(r"(\d+)(bd|mo|[smhdwy])")
PATTERN = r"^(?:\d+(?:bd|mo|y)|(?:\d+[wdhms])+)$"
_WHOLE = re.compile(PATTERN)

UNIT_WORDS = {
    "s": "second",
    "m": "minute",
    "h": "hour",
    "d": "day",
    "w": "week",
    "bd": "business day",
    "mo": "month",
    "y": "year",
}


class DurationError(ValueError):
    """A duration string does not follow the ``<number><unit>`` form."""


@dataclass(frozen=True, slots=True, order=True)
class Duration:
    """A parsed duration. Elapsed durations keep seconds; the others keep their count."""

    kind: Kind
    amount: int
    unit: str
    text: str = field(default="", compare=False)

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse a policy duration; raises :class:`DurationError` with a hint on bad input."""
        raw = text.strip()
        if not _WHOLE.match(raw):
            raise DurationError(_explain_bad(raw))
        parts = _PART.findall(raw)
        if len(parts) == 1 and parts[0][1] in ("bd", "mo", "y"):
            amount, unit = int(parts[0][0]), parts[0][1]
            kind: Kind = "business" if unit == "bd" else "calendar"
            return cls(kind, amount, unit, raw)
        units = [unit for _, unit in parts]
        if len(set(units)) != len(units) or units != sorted(units, key=_ELAPSED_ORDER.index):
            raise DurationError(
                f"'{raw}' repeats a unit or lists them out of order; write the largest unit "
                "first, each once (e.g. 1h30m)"
            )
        seconds = sum(int(amount) * _ELAPSED_SECONDS[unit] for amount, unit in parts)
        return cls("elapsed", seconds, "s", raw)

    @property
    def seconds(self) -> int | None:
        """Exact length in seconds for elapsed durations; ``None`` for the other kinds."""
        return self.amount if self.kind == "elapsed" else None

    @property
    def timedelta(self) -> timedelta | None:
        seconds = self.seconds
        return None if seconds is None else timedelta(seconds=seconds)

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    def __str__(self) -> str:
        """As written in the policy (or the canonical form when built in code)."""
        return self.text or self.canonical()

    def canonical(self) -> str:
        """One spelling per length: the largest unit that divides it, else a compound."""
        if self.kind != "elapsed":
            return f"{self.amount}{self.unit}"
        if self.amount == 0:
            return "0s"
        for unit in _ELAPSED_ORDER:
            if self.amount % _ELAPSED_SECONDS[unit] == 0:
                return f"{self.amount // _ELAPSED_SECONDS[unit]}{unit}"
        remaining, out = self.amount, []
        for unit in _ELAPSED_ORDER:
            size = _ELAPSED_SECONDS[unit]
            if remaining >= size:
                out.append(f"{remaining // size}{unit}")
                remaining %= size
        return "".join(out)

    def describe(self) -> str:
        """Words for people: ``15 minutes``, ``5 business days``, ``1 hour 30 minutes``."""
        if self.kind != "elapsed":
            word = UNIT_WORDS[self.unit]
            return f"{self.amount} {word}{'' if self.amount == 1 else 's'}"
        words = []
        for amount, unit in _PART.findall(str(self)):
            word = UNIT_WORDS[unit]
            words.append(f"{amount} {word}{'' if amount == '1' else 's'}")
        return " ".join(words)

    # pydantic integration: a string in the policy, a Duration in the model, a string in JSON.
    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def validate(value: Any) -> Duration:
            if isinstance(value, Duration):
                return value
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                raise ValueError(
                    f"a duration must be text such as '15m', '4h' or '5bd', not {_kind(value)}"
                )
            if isinstance(value, int):
                raise ValueError(
                    f"'{value}' has no unit; write e.g. '{value}m' (minutes), '{value}h' or "
                    f"'{value}d'"
                )
            try:
                return cls.parse(value)
            except DurationError as exc:
                raise ValueError(str(exc)) from None

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda d: d.canonical()),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": PATTERN,
            "description": "A duration: elapsed (30s, 15m, 4h, 1h30m, 7d, 2w), business days "
            "on the rule's calendar (5bd), or calendar months and years (1mo, 7y).",
            "examples": ["15m", "4h", "5bd", "7y"],
        }


def _kind(value: Any) -> str:
    return (
        "a list"
        if isinstance(value, list)
        else "a mapping"
        if isinstance(value, dict)
        else (type(value).__name__)
    )


def _explain_bad(raw: str) -> str:
    if not raw:
        return "the duration is empty; write e.g. '15m', '4h' or '5bd'"
    lowered = raw.lower().replace(" ", "")
    words = {
        "min": "m",
        "mins": "m",
        "minute": "m",
        "minutes": "m",
        "hour": "h",
        "hours": "h",
        "hr": "h",
        "hrs": "h",
        "day": "d",
        "days": "d",
        "week": "w",
        "weeks": "w",
        "sec": "s",
        "secs": "s",
        "seconds": "s",
        "year": "y",
        "years": "y",
        "month": "mo",
        "months": "mo",
        "businessdays": "bd",
        "businessday": "bd",
        "ms": "",
    }
    match = re.match(r"^(\d+)([a-z]+)$", lowered)
    if match and match.group(2) in words and words[match.group(2)]:
        return f"'{raw}' is not a duration; write '{match.group(1)}{words[match.group(2)]}'"
    if re.match(r"^\d+(\.\d+)?$", raw):
        return f"'{raw}' has no unit; write e.g. '{raw}m' (minutes), '{raw}h' or '{raw}d'"
    if re.match(r"^\d+\.\d+", raw):
        return f"'{raw}' uses a fraction; write whole units, e.g. '90m' instead of '1.5h'"
    if re.match(r"^\d+M$", raw):
        return f"'{raw}' is ambiguous; write '{raw[:-1]}mo' for months or '{raw[:-1]}m' for minutes"
    return (
        f"'{raw}' is not a duration; write a whole number and a unit: s, m, h, d, w "
        "(compounds such as 1h30m allowed), bd (business days), mo (months) or y (years)"
    )


def add_to(instant: datetime, duration: Duration) -> datetime:
    """``instant`` plus an elapsed or calendar duration.

    Calendar months and years move the date and keep the wall-clock time; a day that does not
    exist in the target month is clamped (31 January + 1mo is 28 or 29 February). Business days
    need a calendar and are not handled here: ``ValueError``.
    """
    if duration.kind == "elapsed":
        return instant + timedelta(seconds=duration.amount)
    if duration.kind == "calendar":
        months = duration.amount * (12 if duration.unit == "y" else 1)
        total = instant.month - 1 + months
        year, month = instant.year + total // 12, total % 12 + 1
        day = min(instant.day, calendar.monthrange(year, month)[1])
        return instant.replace(year=year, month=month, day=day)
    raise ValueError(f"{duration} counts business days; it needs a calendar")
