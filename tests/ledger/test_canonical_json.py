"""RFC 8785 canonical JSON, the leaf bytes of every ledger entry."""

from __future__ import annotations

import json
import math
import struct
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from golive.core import ledger as core
from golive.errors import InputError

# RFC 8785 Appendix B: IEEE 754 bit patterns and their ECMAScript spellings.
NUMBERS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "expected"), NUMBERS)
def test_numbers_are_spelled_as_ecmascript_does_per_rfc_8785_appendix_b(
    bits: str, expected: str
) -> None:
    (value,) = struct.unpack(">d", bytes.fromhex(bits))
    assert core.canonical_json(value).decode() == expected


def test_object_keys_sort_by_utf16_code_units_as_in_rfc_8785() -> None:
    keys = ["\u20ac", "\r", "\ufb33", "1", "\U0001f600", "\u0080", "\u00f6"]
    text = core.canonical_json(dict.fromkeys(keys, 0)).decode()
    assert list(json.loads(text)) == [
        "\r",
        "1",
        "\u0080",
        "\u00f6",
        "\u20ac",
        "\U0001f600",
        "\ufb33",
    ]


def test_strings_escape_only_what_rfc_8785_escapes() -> None:
    value = '\u20ac$\u000f\nA\'B"\\\\"/\u007f'
    assert core.canonical_json(value) == '"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/\u007f"'.encode()


def test_the_rfc_8785_structural_example_serialises_exactly() -> None:
    value = {
        "numbers": [333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001],
        "string": "\u20ac$\u000f\u000aA'\u0042\u0022\u005c\\\"/",
        "literals": [None, True, False],
    }
    assert (
        core.canonical_json(value)
        == (
            '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
            '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
        ).encode()
    )


@pytest.mark.parametrize(
    "value",
    [math.nan, math.inf, (1 << 53) + 1, {1: "x"}, {"a": {1, 2}}, "\ud800", b"bytes"],
    ids=["nan", "inf", "inexact-int", "int-key", "set", "surrogate", "bytes"],
)
def test_values_json_cannot_carry_exactly_are_refused(value: object) -> None:
    with pytest.raises(InputError):
        core.canonical_json(value)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-core.MAX_SAFE_INTEGER, core.MAX_SAFE_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_canonical_json_is_a_fixed_point_of_parsing_and_serialising_again(value: object) -> None:
    text = core.canonical_json(value)
    assert core.canonical_json(core.parse_json(text)) == text


def test_the_leaf_of_an_entry_is_exactly_these_bytes() -> None:
    moment = datetime(2026, 3, 1, 10, 30, 0, 250000, tzinfo=timezone(timedelta(hours=1)))
    entry = core.Entry(
        index=7,
        time=core.format_time(moment),
        tenant="acme",
        actor="user:ana",
        action="release.decided",
        subject="release:1.4.2",
        correlation_id="req-1",
        payload={"outcome": "blocked", "reasons": ["GATE-1"], "score": 0.5},
    )
    assert entry.leaf() == (
        b'{"action":"release.decided","actor":"user:ana","correlation_id":"req-1","index":7,'
        b'"payload":{"outcome":"blocked","reasons":["GATE-1"],"score":0.5},'
        b'"subject":"release:1.4.2","tenant":"acme","time":"2026-03-01T09:30:00.250000Z","v":1}'
    )
    assert core.Entry.from_dict(json.loads(entry.leaf())) == entry


def test_times_have_one_spelling_and_naive_times_are_refused() -> None:
    assert core.format_time(datetime(2026, 1, 2, tzinfo=UTC)) == "2026-01-02T00:00:00.000000Z"
    with pytest.raises(InputError):
        core.format_time(datetime(2026, 1, 2))
    with pytest.raises(InputError):
        core.parse_time("2026-01-02T00:00:00Z")


@given(
    st.integers(0, core.MAX_SAFE_INTEGER),
    st.lists(st.text(max_size=20), min_size=5, max_size=5),
    st.dictionaries(st.text(max_size=10), json_values, max_size=5),
    st.datetimes(timezones=st.just(UTC)),
)
def test_the_spliced_leaf_is_exactly_the_canonical_json_of_the_entry(
    index: int, texts: list[str], payload: dict[str, object], moment: datetime
) -> None:
    entry = core.Entry(index, core.format_time(moment), *texts, payload=payload)
    assert entry.leaf() == core.canonical_json(entry.as_dict())
    assert entry.leaf(core.canonical_json(payload)) == entry.leaf()


def _rfc8785_string(text: str) -> str:
    """RFC 8785 §3.2.2.2, transcribed character by character."""
    short = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r"}
    short["\t"] = "\\t"
    out = []
    for ch in text:
        if ch in short:
            out.append(short[ch])
        elif ch < " ":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


@given(st.text(st.characters(exclude_categories=["Cs"])))
def test_strings_match_a_character_by_character_transcription_of_rfc_8785(text: str) -> None:
    assert core.canonical_json(text).decode() == _rfc8785_string(text)
