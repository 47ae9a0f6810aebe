"""The policy YAML reader: YAML 1.2 scalars, positions, duplicates, merges and bombs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from golive.core.policy.source import Mark, SourceError, format_path, parse_yaml


def test_yaml_11_booleans_and_sexagesimals_stay_text() -> None:
    doc = parse_yaml("country: NO\nswitch: on\nagreed: yes\ntime: 1:30\nflag: true\n")
    assert doc.data == {
        "country": "NO",
        "switch": "on",
        "agreed": "yes",
        "time": "1:30",
        "flag": True,
    }


def test_numbers_nulls_and_quoted_values_follow_the_core_schema() -> None:
    doc = parse_yaml("a: 10\nb: 0x1F\nc: 1.5e3\nd: ~\ne: '10'\nf: null\ng: 2026-01-05\n")
    assert doc.data == {
        "a": 10,
        "b": 31,
        "c": 1500.0,
        "d": None,
        "e": "10",
        "f": None,
        "g": "2026-01-05",
    }


def test_every_key_and_item_has_its_position() -> None:
    doc = parse_yaml("gates:\n  - id: a\n    params:\n      max_severity: high\n")
    assert doc.marks[("gates", 0)] == Mark(2, 5)
    assert doc.marks[("gates", 0, "params", "max_severity")] == Mark(4, 7)
    assert doc.mark_of(("gates", 0, "params", "missing")) == Mark(3, 5)


def test_a_duplicate_key_is_refused_with_both_lines() -> None:
    with pytest.raises(SourceError) as caught:
        parse_yaml("a: 1\nb: 2\na: 3\n")
    problem = caught.value.problems[0]
    assert problem.mark == Mark(3, 1)
    assert "first defined at line 1" in problem.message


def test_merge_keys_fill_in_without_overriding_explicit_keys() -> None:
    doc = parse_yaml("base: &b {x: 1, y: 2}\nthing:\n  <<: *b\n  y: 3\n")
    assert doc.data["thing"] == {"x": 1, "y": 3}


def test_a_small_alias_is_fine_and_a_bomb_is_refused() -> None:
    assert parse_yaml("a: &a [1, 2]\nb: *a\n").data == {"a": [1, 2], "b": [1, 2]}
    lines = ['l0: &l0 ["x","x","x","x","x","x","x","x","x","x"]']
    for level in range(1, 9):
        refs = ", ".join([f"*l{level - 1}"] * 10)
        lines.append(f"l{level}: &l{level} [{refs}]")
    with pytest.raises(SourceError, match="YAML bomb"):
        parse_yaml("\n".join(lines) + "\n")


def test_a_recursive_alias_is_an_error_not_a_hang() -> None:
    with pytest.raises(SourceError):
        parse_yaml("a: &a [*a]\n")


def test_field_paths_read_like_the_policy() -> None:
    assert format_path(("gates", 3, "params", "max_severity")) == "gates[3].params.max_severity"
    assert format_path(()) == ""


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_parses_or_fails_with_a_source_error(text: str) -> None:
    problems = []
    try:
        parse_yaml(text)
    except SourceError as exc:
        problems = exc.problems
        assert problems, "a SourceError always says what is wrong"
    assert all(p.mark.line >= 1 and p.mark.column >= 1 for p in problems)
