"""The JUnit reader reads plain test cases in C exactly as it reads them in Python."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

import pytest
from evidence_support import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

from golive import native
from golive.errors import EvidenceError
from golive.evidence import read_bytes, read_path

pytestmark = pytest.mark.skipif(not native.enabled(), reason="golive._native is not built")


def _both(read):
    compiled = read()
    with pytest.MonkeyPatch.context() as m:
        m.setattr(native, "enabled", lambda: False)
        python = read()
    return compiled, python


@pytest.mark.parametrize(
    "path", sorted(FIXTURES.rglob("junit*.xml")), ids=lambda p: p.relative_to(FIXTURES).as_posix()
)
def test_every_junit_fixture_reads_the_same(path) -> None:
    def read():
        try:
            return read_path(path, name=path.name).evidence
        except EvidenceError as exc:
            return exc.detail

    compiled, python = _both(read)
    assert compiled == python


# attribute values that exercise every rule of the Python reader: empty, control characters,
# non-ASCII, times with thousands separators, not numbers, infinite, negative, exponents
_VALUE = st.one_of(
    st.sampled_from(
        [
            "",
            "a",
            "tests.t",
            "é",
            "\x7f\x85",
            "x\ty",
            "1,234.5",
            "nan",
            "inf",
            "-1e3",
            "0.01",
            "1_0",
            " 2 ",
            "abc",
            "\u2028",
        ]
    ),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6),
)
_ATTRS = st.dictionaries(
    st.sampled_from(["classname", "name", "file", "time", "status", "other"]), _VALUE, max_size=5
)
_CHILD = st.sampled_from(
    ["", "", "", "<failure message='m'/>", "<skipped type='pytest.xfail'/>", "<error/>",
     "<system-out>x</system-out>", "<flakyFailure/>"]
)  # fmt: skip


def _xml_safe(value: str) -> str:
    """The characters of ``value`` XML 1.0 can hold (C1 controls and DEL included)."""
    return "".join(
        c for c in value if c in "\t\n\r" or ("\x20" <= c < "\ud800") or ("\ue000" <= c < "\ufffe")
    )


def _case(attrs: dict[str, str], child: str, tag: str) -> str:
    text = " ".join(f"{k}={quoteattr(_xml_safe(v))}" for k, v in attrs.items())
    return f"<{tag} {text}>{child}</{tag}>"


@settings(max_examples=300, deadline=None)
@given(
    suites=st.lists(
        st.lists(
            st.tuples(_ATTRS, _CHILD, st.sampled_from(["testcase"] * 5 + ["x:testcase", "tc"])),
            max_size=6,
        ),
        min_size=1,
        max_size=3,
    ),
    suite_file=st.none() | st.just("spec/a.js"),
)
def test_generated_suites_read_the_same(suites, suite_file) -> None:
    parts = ["<testsuites xmlns:x='urn:x'>"]
    for i, cases in enumerate(suites):
        file_attr = f" file={quoteattr(suite_file)}" if suite_file else ""
        parts.append(f"<testsuite name='s{i % 2}'{file_attr}>")
        parts.extend(_case(a, c, t) for a, c, t in cases)
        parts.append("</testsuite>")
    parts.append("</testsuites>")
    data = "".join(parts).encode()

    def read():
        return read_bytes(data, "junit.xml")

    compiled, python = _both(read)
    assert compiled == python
