"""The compiled merge folds and orders findings exactly as the Python merge does, and the
security check counts them exactly as in Python."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from golive import native
from golive.core import dedupe
from golive.core.dedupe import merge, python_merge
from golive.core.findings import (
    Finding,
    FindingKind,
    Location,
    ResolvedSeverity,
    Severity,
    Suppression,
    VexAnalysis,
)
from golive.core.gate import security
from golive.core.gate.model import FindingStatus

pytestmark = pytest.mark.skipif(not native.enabled(), reason="golive._native is not built")

# few distinct values, so that groups, equal keys and aliases happen often
_NAME = st.sampled_from(
    ["a", "b", "é", "中", "\U0001f600", "A", "a b", "", "ab\x00", "abcdefgh", "abcdefghi",
     "abcdefgh\xff", "abcdefgi"]
)  # fmt: skip
_IDS = st.sampled_from(
    ["CVE-2024-1", "cve-2024-1", "GHSA-aaaa-bbbb-cccc", "PYSEC-2024-1", "CVE-2023-9", "X-1"]
)
_FINDINGS = st.builds(
    Finding,
    kind=st.sampled_from(list(FindingKind)),
    tool=st.sampled_from(["semgrep", "trivy", "grype"]),
    source=_NAME,
    rule_id=st.one_of(_NAME, _IDS),
    title=_NAME,
    severity=st.builds(ResolvedSeverity, level=st.sampled_from(list(Severity)), provenance=_NAME),
    location=st.none()
    | st.builds(Location, path=_NAME, line=st.integers(0, 3), column=st.integers(0, 2)),
    ids=st.lists(_IDS, max_size=3).map(tuple),
    fingerprint=st.sampled_from(["", "f1", "f2"]),
)


def _same(found: tuple[dedupe.Issue, ...], expected: tuple[dedupe.Issue, ...]) -> None:
    assert found == expected
    # the very finding objects, in the same order, not equal copies
    assert [[id(f) for f in i.findings] for i in found] == [
        [id(f) for f in i.findings] for i in expected
    ]


@settings(max_examples=500, deadline=None)
@given(findings=st.lists(_FINDINGS, max_size=25))
def test_compiled_merge_equals_python_merge(findings: list[Finding]) -> None:
    _same(merge(findings), python_merge(findings))


def test_duplicates_fold_and_order_is_kept_among_equal_keys() -> None:
    high = ResolvedSeverity(Severity.HIGH, "x")
    at = Location("app.py", 3, 1)
    a1 = Finding(FindingKind.CODE, "semgrep", "s1", "r", "t", high, at, fingerprint="f")
    a2 = Finding(FindingKind.CODE, "semgrep", "s2", "r", "t", high, at, fingerprint="f")
    # same key (r@app.py:3), another tool: another issue, after the first
    b = Finding(FindingKind.CODE, "bandit", "s3", "r", "t", high, at, fingerprint="f")
    low = Finding(FindingKind.CODE, "semgrep", "s4", "a", "t", ResolvedSeverity(Severity.LOW, "x"))
    issues = merge([low, a1, b, a2])
    assert [i.key for i in issues] == ["r@app.py:3", "r@app.py:3", "a"]
    assert [len(i.findings) for i in issues] == [2, 1, 1]
    assert issues[0].findings == (a1, a2)
    assert issues[1].findings == (b,)
    _same(issues, python_merge([low, a1, b, a2]))


def test_vulnerability_aliases_fold_across_tools() -> None:
    sev = ResolvedSeverity(Severity.CRITICAL, "CVSS 3.1 vector -> 9.8")
    trivy = Finding(
        FindingKind.VULNERABILITY, "trivy", "t.json", "CVE-2024-1", "x", sev,
        ids=("CVE-2024-1", "GHSA-aaaa-bbbb-cccc"),
    )  # fmt: skip
    grype = Finding(
        FindingKind.VULNERABILITY, "grype", "g.json", "GHSA-aaaa-bbbb-cccc", "x",
        ResolvedSeverity(Severity.MEDIUM, "grype Medium -> medium"), ids=("GHSA-aaaa-bbbb-cccc",),
    )  # fmt: skip
    (issue,) = merge([grype, trivy])
    assert issue.key == "CVE-2024-1"
    assert issue.severity.level is Severity.CRITICAL
    assert issue.findings == (grype, trivy)


def test_an_issue_the_compiled_sort_cannot_order_is_sorted_in_python(monkeypatch) -> None:
    class Odd(str):  # a str subclass: the C sort takes exact str only
        pass

    sev = ResolvedSeverity(Severity.LOW, "x")
    findings = [
        Finding(FindingKind.CODE, "t", "s", Odd("b"), "t", sev),
        Finding(FindingKind.CODE, "t", "s", "a", "t", sev),
    ]
    assert [i.key for i in merge(findings)] == ["a", "b"]
    _same(merge(findings), python_merge(findings))


def test_errors_of_the_python_parts_propagate(monkeypatch) -> None:
    def broken(members: list[Finding]) -> dedupe.Issue:
        raise RuntimeError("boom")

    monkeypatch.setattr(dedupe, "_issue", broken)
    sev = ResolvedSeverity(Severity.LOW, "x")
    vuln = Finding(FindingKind.VULNERABILITY, "t", "s", "CVE-1", "t", sev, ids=("CVE-1",))
    with pytest.raises(RuntimeError, match="boom"):
        merge([vuln])


# ---- the security check's counting: compiled and Python helpers agree ----------------------

_COUNTING_FINDINGS = st.builds(
    Finding,
    kind=st.sampled_from(list(FindingKind)),
    tool=st.sampled_from(["semgrep", "trivy"]),
    source=_NAME,
    rule_id=_NAME,
    title=_NAME,
    severity=st.builds(ResolvedSeverity, level=st.sampled_from(list(Severity)), provenance=_NAME),
    location=st.none() | st.builds(Location, path=_NAME, line=st.integers(0, 2)),
    ids=st.lists(_IDS, max_size=2).map(tuple),
    suppressions=st.lists(st.builds(Suppression, mechanism=_NAME, status=_NAME), max_size=1).map(
        tuple
    ),
    baseline_state=st.none() | st.sampled_from(["new", "absent", "unchanged"]),
    vex=st.none() | st.builds(VexAnalysis, state=st.sampled_from(["not_affected", "exploitable"])),
    withdrawn=st.booleans(),
)


def _python(function, *args):
    with pytest.MonkeyPatch.context() as m:
        m.setattr(native, "enabled", lambda: False)
        return function(*args)


@settings(max_examples=300, deadline=None)
@given(
    findings=st.lists(_COUNTING_FINDINGS, max_size=12),
    limit=st.integers(-1, 6),
    over_count=st.booleans(),
)
def test_compiled_counting_equals_python_counting(findings, limit, over_count) -> None:
    issues = list(merge(findings))
    counted, others = security._counted(issues)
    assert (counted, others) == _python(security._counted, issues)
    kept = [c for c in counted if c is not None]
    context = ("sast", limit, over_count, FindingStatus.ALLOWED)
    views, above = security._views_within(kept, context)
    assert (views, above) == _python(security._views_within, kept, context)
    assert [i for i, v in enumerate(views) if v is None] == above
