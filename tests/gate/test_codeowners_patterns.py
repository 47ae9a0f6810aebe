"""CODEOWNERS patterns match exactly as GitHub's do, case by case from a public table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golive.core.gate.codeowners import parse

TABLE = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "codeowners_patterns.json").read_text()
)
CASES = [
    (case["name"], case["pattern"], path, expected)
    for case in TABLE["cases"]
    for path, expected in case["paths"].items()
]


@pytest.mark.parametrize(
    ("name", "pattern", "path", "expected"), CASES, ids=[f"{c[1]} {c[2]}" for c in CASES]
)
def test_a_codeowners_pattern_matches_the_paths_github_matches(
    name: str, pattern: str, path: str, expected: bool
) -> None:
    owners = parse(f"{pattern} @org/team\n")
    assert not owners.problems, name
    assert (owners.owner_of(path) is not None) is expected, name


def test_the_table_covers_every_kind_of_pattern() -> None:
    assert len(CASES) >= 140
