"""The compiled row writer writes exactly the rows the Python writer writes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from golive import native
from golive.core.dedupe import Issue, merge
from golive.core.findings import (
    Finding,
    FindingKind,
    Location,
    Package,
    ResolvedSeverity,
    Severity,
    Suppression,
)
from golive.core.gate import model
from golive.core.gate.model import FindingStatus, FindingView

pytestmark = pytest.mark.skipif(not native.enabled(), reason="golive._native is not built")

# text that needs every kind of escaping: quotes, backslashes, control characters, non-ASCII,
# characters outside the BMP and lone surrogates (which a report's JSON may hold as \ud800)
_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from('"\\/\b\f\n\r\t\x00\x1f\x7f é中\U0001f600\ud800\udfff'),
        st.characters(codec="utf-8"),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    ),
    max_size=12,
)

_SEVERITIES = st.builds(ResolvedSeverity, level=st.sampled_from(list(Severity)), provenance=_TEXT)
_LOCATIONS = st.none() | st.builds(
    Location, path=_TEXT, line=st.integers(0, 10**6), column=st.integers(0, 500)
)
_PACKAGES = st.none() | st.builds(
    Package, name=_TEXT, version=st.none() | _TEXT, purl=st.none() | _TEXT
)
_FINDINGS = st.builds(
    Finding,
    kind=st.sampled_from(list(FindingKind)),
    tool=_TEXT,
    source=_TEXT,
    rule_id=_TEXT,
    title=_TEXT,
    severity=_SEVERITIES,
    location=_LOCATIONS,
    package=_PACKAGES,
    ids=st.lists(_TEXT, max_size=3).map(tuple),
    fix_versions=st.lists(_TEXT, max_size=2).map(tuple),
    fingerprint=_TEXT,
    suppressions=st.lists(st.builds(Suppression, mechanism=_TEXT, status=_TEXT), max_size=2).map(
        tuple
    ),
)


@st.composite
def _views(draw: st.DrawFn) -> FindingView:
    members = draw(st.lists(_FINDINGS, min_size=1, max_size=3))
    if draw(st.booleans()):
        issue = merge(members)[0]
    else:
        first = members[0]
        issue = Issue(
            key=draw(_TEXT),
            kind=first.kind,
            ids=tuple(draw(st.lists(_TEXT, max_size=2))),
            severity=first.severity,
            findings=tuple(members),
        )
    return FindingView(
        part=draw(st.sampled_from(["sast", "sca", "secrets"])),
        issue=issue,
        severity=draw(st.sampled_from(list(Severity))),
        status=draw(st.sampled_from(list(FindingStatus))),
        waiver=draw(st.none() | _TEXT),
        note=draw(_TEXT),
    )


@settings(max_examples=400, deadline=None)
@given(views=st.lists(_views(), max_size=6), indent=st.sampled_from(["", "    ", "\t"]))
def test_compiled_rows_equal_python_rows(views: list[FindingView], indent: str) -> None:
    for last in (True, False):
        expected = "".join(model.python_rows(views, indent, last))
        assert native.finding_rows(views, indent, last, model._ROW_PARTS) == expected
        assert "".join(model.write_rows(views, indent, last)) == expected


def _view(title: str, fixes: tuple[str, ...] = ()) -> FindingView:
    finding = Finding(
        kind=FindingKind.CODE,
        tool="semgrep",
        source="ev/semgrep.json",
        rule_id="python.lang.eval",
        title=title,
        severity=ResolvedSeverity(Severity.HIGH, "semgrep ERROR -> high"),
        location=Location("app/main.py", 12, 3),
        fix_versions=fixes,
    )
    issue = merge([finding])[0]
    return FindingView("sast", issue, Severity.HIGH, FindingStatus.VIOLATION)


def test_rows_in_pieces_join_into_one_list(monkeypatch) -> None:
    monkeypatch.setattr(model, "ROWS_PER_PIECE", 3)
    views = [_view(f"eval {i}", fixes=("1.0",) if i % 4 == 0 else ()) for i in range(10)]
    pieces = list(model.write_rows(views, "  ", True))
    assert len(pieces) == 4
    text = "".join(pieces)
    assert text == "".join(model.python_rows(views, "  ", True))
    rows = json.loads("[" + text + "]")
    assert [r["title"] for r in rows] == [f"eval {i}" for i in range(10)]
    assert rows[0]["fix_versions"] == ["1.0"]
    assert rows[1]["fix_versions"] == []


def test_a_value_of_another_type_is_a_type_error_not_a_row() -> None:
    bad = FindingView("sast", _view("x").issue, Severity.HIGH, FindingStatus.ALLOWED, waiver=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="int"):
        native.finding_rows([bad], "", True, model._ROW_PARTS)


# ---- rows written by several threads without the GIL -------------------------------------

_ASCII = st.text(alphabet=st.sampled_from('ab1 "\\/\t\x01\x7f:.-_'), max_size=8)
_PLAIN_FINDINGS = st.builds(
    Finding,
    kind=st.sampled_from(list(FindingKind)),
    tool=_ASCII,
    source=_ASCII,
    rule_id=_ASCII,
    title=st.one_of(_ASCII, _TEXT),  # now and then a row the GIL-free writer leaves
    severity=st.builds(ResolvedSeverity, level=st.sampled_from(list(Severity)), provenance=_ASCII),
    location=st.none()
    | st.builds(
        Location,
        path=_ASCII,
        # the writer reads lines below 2**30 itself, and leaves the rest
        line=st.one_of(st.integers(0, 3), st.integers(-(2**31), 2**64), st.just(2**30 - 1)),
        column=st.integers(0, 5),
    ),
    package=st.one_of(st.none(), st.none(), _PACKAGES),
    ids=st.lists(_ASCII, max_size=3).map(tuple),
    fix_versions=st.one_of(st.just(()), st.lists(_ASCII, max_size=1).map(tuple)),
    fingerprint=_ASCII,
)


@st.composite
def _plain_views(draw: st.DrawFn) -> FindingView:
    issue = merge([draw(_PLAIN_FINDINGS)])[0]
    return FindingView(
        part=draw(st.sampled_from(["sast", "sca", "secrets"])),
        issue=issue,
        severity=draw(st.sampled_from(list(Severity))),
        status=draw(st.sampled_from(list(FindingStatus))),
        waiver=draw(st.none() | _ASCII),
        note=draw(_ASCII),
    )


@settings(max_examples=400, deadline=None)
@given(
    views=st.lists(st.one_of(_plain_views(), _plain_views(), _views()), max_size=12),
    indent=st.sampled_from(["", "    "]),
    threads=st.integers(2, 5),
)
def test_rows_written_by_threads_equal_python_rows(
    views: list[FindingView], indent: str, threads: int
) -> None:
    for last in (True, False):
        expected = "".join(model.python_rows(views, indent, last))
        found = native.finding_rows(
            views, indent, last, model._ROW_PARTS, model._row_layout(), threads
        )
        assert found == expected


def test_long_lists_are_written_by_threads_in_pieces(monkeypatch) -> None:
    monkeypatch.setattr(model, "ROWS_PER_PIECE", 700)
    monkeypatch.setattr(native, "row_threads", lambda: 3)
    views = [_view(f"eval {i}", fixes=("1.0",) if i % 97 == 0 else ()) for i in range(2500)]
    text = "".join(model.write_rows(views, "  ", True))
    assert text == "".join(model.python_rows(views, "  ", True))


def test_a_bad_layout_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        native.finding_rows([], "", True, model._ROW_PARTS, (Finding,), 2)
    layout = (Finding, *model._row_layout()[1:])  # Finding has no slot "part"
    with pytest.raises(TypeError, match="part"):
        native.finding_rows([], "", True, model._ROW_PARTS, layout, 2)
