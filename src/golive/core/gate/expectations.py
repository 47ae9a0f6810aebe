"""What a policy test expects of a decision, and how a decision falls short of it.

``golive policy test`` runs the gate on fixture evidence, case by case, and compares each
decision with the case's expectation: the verdict, the outcome of named checks, the exact set
of blocking checks, and words a check must mention (a CVE id, a waiver id, a test name). Only
what the case states is compared, so a test pins what matters to its author and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from golive.core.gate.model import CheckResult, Decision


@dataclass(frozen=True, slots=True)
class Expectation:
    """What one case expects; ``None`` or empty means "not compared"."""

    verdict: str | None = None
    checks: Mapping[str, str] = field(default_factory=dict)  # check id -> outcome
    blocking: tuple[str, ...] | None = None  # exactly these checks block
    mentions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # check id -> words


def unmet(expect: Expectation, decision: Decision) -> list[str]:
    """Every way ``decision`` differs from ``expect``, in words; empty when it meets it."""
    problems: list[str] = []
    by_id = {c.id: c for c in decision.checks}
    blocking = sorted(c.id for c in decision.blocking_checks)
    if expect.verdict is not None and decision.verdict.value != expect.verdict:
        why = f" (blocking: {', '.join(blocking)})" if blocking else ""
        problems.append(f"verdict: expected {expect.verdict}, got {decision.verdict.value}{why}")
    for check_id, outcome in expect.checks.items():
        check = by_id.get(check_id)
        if check is None:
            problems.append(_absent(check_id, by_id))
        elif check.outcome.value != outcome:
            problems.append(
                f"check {check_id}: expected {outcome}, got {check.outcome.value}: {check.summary}"
            )
    if expect.blocking is not None and sorted(set(expect.blocking)) != blocking:
        wanted = ", ".join(sorted(set(expect.blocking))) or "none"
        problems.append(f"blocking: expected {wanted}, got {', '.join(blocking) or 'none'}")
    for check_id, words in expect.mentions.items():
        check = by_id.get(check_id)
        if check is None:
            problems.append(_absent(check_id, by_id))
            continue
        text = _text(check)
        problems.extend(
            f"check {check_id}: does not mention {word!r} ({check.summary})"
            for word in words
            if word not in text
        )
    return problems


def _absent(check_id: str, by_id: Mapping[str, CheckResult]) -> str:
    known = ", ".join(sorted(by_id)) or "none"
    return f"check {check_id}: not in the decision (its checks: {known})"


def _text(check: CheckResult) -> str:
    """Everything a check says, and the keys and ids of the findings it lists."""
    parts = [check.summary, check.rule, check.remediation, *check.reasons, *check.facts]
    for view in check.findings:
        parts.append(view.issue.key)
        parts.extend(view.issue.ids)
        parts.extend(view.issue.packages)
        if view.waiver:
            parts.append(view.waiver)
    parts.extend(w.id for w in check.waivers)
    return "\n".join(parts)
