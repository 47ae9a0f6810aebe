"""The release gate: a pure decision over a policy, facts and ``now``.

:func:`decide` is the one entry point; :mod:`golive.core.gate.model` holds the values it
takes and returns. Checks live one module per gate type; :data:`engine.CHECKS` maps a type
to its evaluator.
"""

from golive.core.gate.engine import CHECKS, STAGES, applicable, decide, settles
from golive.core.gate.model import (
    DECISION_SCHEMA,
    Candidate,
    CheckResult,
    Debt,
    Decision,
    EvidenceItem,
    Facts,
    FindingStatus,
    FindingView,
    Outcome,
    Verdict,
    WaiverStatus,
)
from golive.core.gate.waivers import Waiver, WaiverFile

__all__ = [
    "CHECKS",
    "DECISION_SCHEMA",
    "STAGES",
    "Candidate",
    "CheckResult",
    "Debt",
    "Decision",
    "EvidenceItem",
    "Facts",
    "FindingStatus",
    "FindingView",
    "Outcome",
    "Verdict",
    "Waiver",
    "WaiverFile",
    "WaiverStatus",
    "applicable",
    "decide",
    "settles",
]
