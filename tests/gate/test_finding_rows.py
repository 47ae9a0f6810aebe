"""A finding's row in a decision is exactly the JSON of its dictionary, whatever it holds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from golive.core.dedupe import merge
from golive.core.findings import (
    Finding,
    FindingKind,
    Location,
    Package,
    ResolvedSeverity,
    Severity,
    Suppression,
)
from golive.core.gate.model import _ROW, FindingStatus, FindingView

TEXT = st.text(max_size=20)  # any code point: quotes, backslashes, controls, surrogates


@st.composite
def findings(draw: st.DrawFn) -> Finding:
    kind = draw(st.sampled_from(FindingKind))
    ids = tuple(draw(st.lists(st.sampled_from(["CVE-2026-1", "GHSA-aaaa-bbbb-cccc"]), max_size=2)))
    return Finding(
        kind=kind,
        tool=draw(TEXT),
        source=draw(TEXT),
        rule_id=draw(TEXT),
        title=draw(TEXT),
        severity=ResolvedSeverity(draw(st.sampled_from(Severity)), draw(TEXT)),
        location=draw(st.none() | st.builds(Location, path=TEXT, line=st.integers(0, 10**6))),
        package=draw(st.none() | st.builds(Package, name=TEXT, version=st.none() | TEXT)),
        ids=ids,
        fix_versions=tuple(draw(st.lists(TEXT, max_size=3))),
        fingerprint=draw(TEXT),
        suppressions=tuple(
            draw(st.lists(st.builds(Suppression, mechanism=TEXT, status=TEXT), max_size=2))
        ),
    )


@settings(max_examples=400, deadline=None)
@given(
    st.lists(findings(), min_size=1, max_size=4),
    st.sampled_from(["sast", "sca", "secrets"]),
    st.sampled_from(FindingStatus),
    st.none() | TEXT,
    TEXT,
)
def test_a_row_is_the_compact_json_of_the_findings_dictionary(
    members: list[Finding], part: str, status: FindingStatus, waiver: str | None, note: str
) -> None:
    for issue in merge(members):
        view = FindingView(part, issue, issue.severity.level, status, waiver, note)
        assert view.row() == _ROW.encode(view.to_dict())
