"""Bracket sets in glob patterns (branch filters, CODEOWNERS, path lists).

A set that a regular expression cannot hold as written (``[]``, ``[!]``, a reversed range)
once raised ``re.error`` from deep inside the gate; every pattern now compiles, with git's
wildmatch semantics for the awkward ones.
"""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from golive.core.gate.globs import compile_glob, matches


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("[]", "[]", True),  # never closes: both brackets are literal
        ("[!]", "[!]", True),
        ("[]]", "]", True),  # a leading ] is a member
        ("[]a]", "a", True),
        ("[!]]", "a", True),
        ("[!]]", "]", False),
        ("[^a]", "b", True),  # ^ negates too, as in git
        ("[^a]", "a", False),
        ("[z-a]x", "bx", False),  # a reversed range matches nothing
        ("[a-c]", "b", True),
        ("[!a-c]", "d", True),
        ("[[]", "[", True),
        ("[&&]", "&", True),
        ("release/[0-9]*", "release/1.2", True),
        ("release/[0-9]*", "release/x", False),
        ("a[", "a[", True),
    ],
)
def test_bracket_sets(pattern: str, name: str, expected: bool) -> None:
    assert matches(pattern, name) is expected


@given(st.text(st.sampled_from("[]!^-az*?/\\&~|."), max_size=12))
def test_every_pattern_compiles_without_warnings(pattern: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no FutureWarning about nested sets either
        compile_glob.__wrapped__(pattern)
