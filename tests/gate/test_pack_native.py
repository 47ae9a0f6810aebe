"""Facts sent back by a reading worker are packed in C and come back equal."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pytest
from gate_support import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

from golive import native
from golive.errors import EvidenceError
from golive.evidence import Loaded, UnknownFormat, read_path
from golive.services import reading

pytestmark = pytest.mark.skipif(not native.enabled(), reason="golive._native is not built")

ROOT = Path(__file__).resolve().parents[2]
EVIDENCE_FILES = sorted(
    p for p in [*FIXTURES.rglob("*"), *(ROOT / "examples" / "evidence").rglob("*")] if p.is_file()
)


def _round_trip(value: object) -> object:
    return native.unpack(native.pack(value, *reading.PACKABLE), *reading.PACKABLE)


def test_every_evidence_file_of_the_project_comes_back_equal() -> None:
    read = 0
    for path in EVIDENCE_FILES:
        try:
            loaded = read_path(path, name=path.name)
        except (UnknownFormat, EvidenceError):
            continue
        assert _round_trip(loaded.evidence) == loaded.evidence, path
        read += 1
    assert read >= 40


_plain = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63 - 2, max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF)),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=4).map(tuple)
        | st.dictionaries(st.text(max_size=4) | st.integers(), inner, max_size=4)
    ),
    max_leaves=20,
)


def _same(a: object, b: object) -> bool:
    """Equal, of the same types all the way down, floats to the bit (-0.0 is not 0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return math.copysign(1, a) == math.copysign(1, b) and (a == b)  # type: ignore[arg-type]
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=False))  # type: ignore[arg-type]
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)  # type: ignore[attr-defined,index]
    return bool(a == b)


@settings(max_examples=300, deadline=None)
@given(value=_plain)
def test_plain_values_come_back_the_same(value: object) -> None:
    assert _same(_round_trip(value), value)


def test_an_object_referenced_twice_is_written_once_and_shared_again() -> None:
    title = "x" * 1000
    packed = native.pack((title, title, title), *reading.PACKABLE)
    assert len(packed) < 1100
    back = _round_trip((title, title))
    assert back[0] is back[1]  # type: ignore[index]


@pytest.mark.parametrize(
    "value", [{1, 2}, datetime(2026, 1, 1, tzinfo=UTC), type("S", (str,), {})("x"), b"x", object()]
)
def test_what_pack_does_not_know_is_a_type_error(value: object) -> None:
    with pytest.raises(TypeError, match="cannot pack"):
        native.pack([1, value], *reading.PACKABLE)


def test_cut_or_foreign_data_is_a_value_error_never_a_crash() -> None:
    loaded = read_path(FIXTURES / "semgrep.sarif", name="semgrep.sarif")
    data = native.pack(loaded.evidence, *reading.PACKABLE)
    for cut in range(0, len(data), max(1, len(data) // 300)):
        with pytest.raises(ValueError, match="cut short"):
            native.unpack(data[:cut], *reading.PACKABLE)
    with pytest.raises(ValueError, match="cut short"):
        native.unpack(data + b"N", *reading.PACKABLE)
    for junk in (b"Z", b"o\xff", b"e\x00\xff", b"r\x05\x00\x00\x00", b"(\xff\xff\xff\xff"):
        with pytest.raises(ValueError, match="cut short"):
            native.unpack(junk, *reading.PACKABLE)


def test_a_worker_sends_a_packed_file_and_falls_back_to_pickle() -> None:
    loaded = read_path(FIXTURES / "junit-pytest.xml", name="junit-pytest.xml")
    sent = reading._sent(loaded)
    assert isinstance(sent, reading.Packed)
    assert reading._received(sent) == loaded
    odd = Loaded(loaded.path, loaded.sha256, {"not": {1, 2}})  # type: ignore[arg-type]
    assert reading._sent(odd) is odd
    assert reading._received(odd) is odd
