"""Thresholds as policies write them: ``0.02``, ``2%``, ``1500ms``, ``3s``, ``5``.

A :class:`Quantity` keeps the number golive compares (a ratio for percentages,
seconds for latencies) and the text the author wrote, for explanations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

Unit = Literal["", "ratio", "seconds"]
_TEXT = re.compile(r"^(\d+(?:\.\d+)?)\s*(%|ms|s)$")
PATTERN = r"^\d+(\.\d+)?\s*(%|ms|s)$"


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number with its meaning: plain (a count), a ratio (from ``%``) or seconds."""

    value: float
    unit: Unit = ""
    text: str = field(default="", compare=False)

    def __str__(self) -> str:
        return self.text or self.canonical()

    def canonical(self) -> str:
        if self.unit == "ratio":
            return f"{_num(self.value * 100)}%"
        if self.unit == "seconds":
            millis = self.value * 1000
            return f"{_num(millis)}ms" if millis < 1000 or millis % 1000 else f"{_num(self.value)}s"
        return _num(self.value)

    @classmethod
    def parse(cls, raw: Any) -> Quantity:
        if isinstance(raw, Quantity):
            return raw
        if isinstance(raw, bool):
            raise ValueError(
                "a threshold must be a number, a percentage or a latency, not a boolean"
            )
        if isinstance(raw, (int, float)):
            return cls(float(raw), "", str(raw))
        if not isinstance(raw, str):
            raise ValueError(
                "a threshold must be a number, a percentage ('2%') or a latency ('1500ms', '3s')"
            )
        match = _TEXT.match(raw.strip())
        if not match:
            raise ValueError(
                f"'{raw}' is not a threshold; write a number (5), a percentage ('2%') or a "
                "latency ('1500ms', '3s')"
            )
        number, suffix = float(match.group(1)), match.group(2)
        if suffix == "%":
            if number > 100:
                raise ValueError(f"'{raw}' is over 100%")
            return cls(number / 100, "ratio", raw.strip())
        return cls(number / 1000 if suffix == "ms" else number, "seconds", raw.strip())

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls.parse,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda q: q.canonical() if q.unit else q.value
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "anyOf": [{"type": "number"}, {"type": "string", "pattern": PATTERN}],
            "description": "A number, a percentage ('2%') or a latency ('1500ms', '3s').",
        }


def _num(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")
