"""Semantic versions against semver.org's own test strings and precedence examples."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from golive.core.gate.versions import parse, precedence

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "semver_org_vectors.json").read_text()
)


@pytest.mark.parametrize("text", VECTORS["valid"])
def test_every_valid_string_of_semver_org_parses_and_prints_back(text: str) -> None:
    version = parse(text)
    assert version is not None
    assert str(version) == text


@pytest.mark.parametrize("text", [*VECTORS["invalid"], "1.2.3\n", " 1.2.3", "1.2.3 ", ""])
def test_every_invalid_string_of_semver_org_is_refused(text: str) -> None:
    assert parse(text) is None


@pytest.mark.parametrize("chain", ["precedence_ascending", "core_ascending"])
def test_precedence_follows_section_11(chain: str) -> None:
    ordered = [parse(t) for t in VECTORS[chain]]
    assert all(v is not None for v in ordered)
    shuffled = list(ordered)
    random.Random(7).shuffle(shuffled)
    assert sorted(shuffled, key=precedence) == ordered


def test_build_metadata_does_not_change_precedence() -> None:
    a, b = parse("1.0.0+build.1"), parse("1.0.0+build.2")
    assert a is not None
    assert b is not None
    assert precedence(a) == precedence(b)
