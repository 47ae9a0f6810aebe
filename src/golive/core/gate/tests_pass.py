"""``tests_pass``: the candidate's test reports show the tests passed.

Reads every JUnit report among the evidence (after :mod:`golive.evidence.junit` folded reruns
and duplicate records). An empty report, a report with fewer cases than ``min_tests``, a
missing required suite or an incomplete report is an ``error``: a test run that did not
happen must never read as a pass.
"""

from __future__ import annotations

from golive.core.findings import TestCase, TestOutcome, TestReport
from golive.core.gate.context import Context, result, screen
from golive.core.gate.model import CheckResult, Outcome
from golive.core.policy.model import TestsPassGate

_LISTED = 10


def evaluate(gate: TestsPassGate, ctx: Context) -> CheckResult:
    p = gate.params
    rule = _rule(gate)
    items = ctx.facts.reports(TestReport)
    if not items:
        return result(
            gate,
            Outcome.ERROR,
            "no test report among the evidence",
            rule=rule,
            reasons=("no JUnit XML file was found among the evidence",),
            remediation="write the test results as JUnit XML (e.g. pytest --junitxml=report.xml) "
            "and pass the file or its directory with --evidence",
        )
    usable, problems, facts = screen(items, gate, ctx)
    paths = tuple(i.path for i in items)
    if problems:
        return result(
            gate,
            Outcome.ERROR,
            "the test evidence cannot be used",
            rule=rule,
            reasons=tuple(problems),
            facts=tuple(facts),
            evidence=paths,
            remediation="re-run the tests for this candidate and pass the fresh report",
        )
    reports = [i.evidence for i in usable if isinstance(i.evidence, TestReport)]
    cases = [c for r in reports for c in r.cases]
    names = {s.name for r in reports for s in r.suites} | {c.suite for c in cases}
    missing = [s for s in p.suites if s not in names]
    counts = _count(cases)
    facts.append(
        f"{counts['total']} tests: {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['error']} errors, {counts['skipped']} skipped, {counts['flaky']} flaky"
    )
    # what the reader noticed (folded reruns, counters that lie, ambiguous names)
    facts.extend(
        f"{i.path}: {note}"
        for i in usable
        if isinstance(i.evidence, TestReport)
        for note in i.evidence.notes
    )
    if missing:
        return result(
            gate,
            Outcome.ERROR,
            f"required suite {', '.join(repr(m) for m in missing)} is missing",
            rule=rule,
            reasons=tuple(f"no suite named '{m}' in any test report" for m in missing),
            facts=tuple(facts),
            evidence=paths,
            remediation="run every suite the policy requires and pass all their reports",
        )
    if counts["total"] < p.min_tests:
        found = "holds no test cases" if not counts["total"] else f"holds {counts['total']} tests"
        return result(
            gate,
            Outcome.ERROR,
            f"the test evidence {found}; at least {p.min_tests} required",
            rule=rule,
            reasons=(f"the reports {found}; the policy requires at least {p.min_tests}",),
            facts=tuple(facts),
            evidence=paths,
            remediation="check that the test run collected the tests (a wrong path or filter "
            "runs nothing)",
        )
    return _judge(gate, cases, counts, rule, tuple(facts), paths)


def _judge(
    gate: TestsPassGate,
    cases: list[TestCase],
    counts: dict[str, int],
    rule: str,
    facts: tuple[str, ...],
    paths: tuple[str, ...],
) -> CheckResult:
    p = gate.params
    bad: list[TestCase] = []
    flaky: list[TestCase] = []
    skipped: list[TestCase] = []
    lists = {TestOutcome.FAILED: bad, TestOutcome.ERROR: bad, TestOutcome.FLAKY: flaky,
             TestOutcome.SKIPPED: skipped}  # fmt: skip
    for c in cases:  # one pass: a report may hold 100,000 cases, nearly all passed
        if c.outcome is not TestOutcome.PASSED:
            lists[c.outcome].append(c)
    counted_bad = bad + (flaky if p.flaky == "fail" else [])
    executed = counts["total"] - counts["skipped"]
    good = executed - len(counted_bad)
    rate = 100.0 * good / executed if executed else 0.0
    reasons: list[str] = []
    failing = False
    if p.pass_rate >= 100:
        failing = bool(counted_bad)
    elif rate < p.pass_rate:
        failing = True
        reasons.append(f"{rate:.2f}% of executed tests passed; the policy requires {p.pass_rate}%")
    for case in counted_bad[:_LISTED]:
        reasons.append(_line(case))
    if len(counted_bad) > _LISTED:
        reasons.append(f"… and {len(counted_bad) - _LISTED} more")
    if p.skips == "fail" and skipped:
        failing = True
        reasons.append(f"{len(skipped)} tests were skipped; the policy allows no skipped test")
        reasons.extend(_line(c) for c in skipped[:_LISTED])
    if flaky and p.flaky == "warn":
        reasons.append(f"warning: {len(flaky)} tests passed only on a rerun")
        reasons.extend(_line(c) for c in flaky[:_LISTED])
    if failing:
        parts = []
        if bad:
            parts.append(f"{len(bad)} failing")
        if flaky and p.flaky == "fail":
            parts.append(f"{len(flaky)} flaky")
        if p.skips == "fail" and skipped:
            parts.append(f"{len(skipped)} skipped")
        return result(
            gate,
            Outcome.FAIL,
            f"{', '.join(parts) or 'too many failing'} of {counts['total']} tests",
            rule=rule,
            reasons=tuple(reasons),
            facts=facts,
            evidence=paths,
            remediation="fix the failing tests (a test that passes only on a rerun is flaky: "
            "fix it or quarantine it in the policy)",
        )
    return result(
        gate,
        Outcome.PASS,
        f"{good} of {executed} executed tests passed",
        rule=rule,
        reasons=tuple(reasons),
        facts=facts,
        evidence=paths,
    )


def _rule(gate: TestsPassGate) -> str:
    p = gate.params
    parts = [
        "all executed tests pass" if p.pass_rate >= 100 else f"at least {p.pass_rate}% pass",
        f"at least {p.min_tests} tests",
        "skipped tests fail the check" if p.skips == "fail" else "skipped tests allowed",
        {
            "fail": "a test that passes only on rerun fails",
            "warn": "flaky tests warn",
            "pass": "flaky tests pass",
        }[p.flaky],
    ]
    if p.suites:
        parts.append("suites required: " + ", ".join(p.suites))
    return "; ".join(parts)


def _count(cases: list[TestCase]) -> dict[str, int]:
    out = {"total": len(cases), "passed": 0, "failed": 0, "error": 0, "skipped": 0, "flaky": 0}
    for c in cases:
        out[c.outcome._value_] += 1  # _value_: .value is a descriptor call
    return out


def _line(case: TestCase) -> str:
    name = f"{case.classname}::{case.name}" if case.classname else case.name
    label = case.outcome.value.upper()
    first = case.message.strip().splitlines()[0] if case.message.strip() else ""
    tries = f" (after {case.attempts} attempts)" if case.attempts > 1 else ""
    return f"{label} {name}{tries}" + (f": {first[:200]}" if first else "")
