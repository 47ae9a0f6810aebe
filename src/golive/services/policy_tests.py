"""Run a policy's tests: the gate on fixture evidence, each decision compared with its case.

The CLI turns each case's options into a :class:`~golive.services.gate.GateRequest` exactly as
``golive gate`` turns its command line into one; this module decides and compares, and keeps
the results in the shape every output format is rendered from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from golive.core.gate.expectations import Expectation, unmet
from golive.services import gate as gate_service

SCHEMA = "golive.policy-tests/v1"


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One case's outcome: the verdict it got and every way the decision missed the case."""

    file: str
    index: int
    name: str
    verdict: str
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "index": self.index,
            "name": self.name,
            "result": "pass" if self.passed else "fail",
            "verdict": self.verdict,
            "problems": list(self.problems),
        }


def run_case(
    file: str, index: int, name: str, request: gate_service.GateRequest, expect: Expectation
) -> CaseResult:
    """Decide ``request`` as ``golive gate`` would, and compare with ``expect``."""
    decision = gate_service.evaluate(request)
    return CaseResult(
        file=file,
        index=index,
        name=name,
        verdict=decision.verdict.value,
        problems=tuple(unmet(expect, decision)),
    )


def to_dict(results: Sequence[CaseResult]) -> dict[str, object]:
    """All results as one JSON document (``docs/gate.md``, *Testing a policy*)."""
    failed = sum(1 for r in results if not r.passed)
    return {
        "schema": SCHEMA,
        "cases": len(results),
        "passed": len(results) - failed,
        "failed": failed,
        "results": [r.to_dict() for r in results],
    }
