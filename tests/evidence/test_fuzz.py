"""Every reader, fuzzed: random bytes and mutations of the real fixtures.

The only exception allowed out of a reader is EvidenceError; anything else
(KeyError, TypeError, RecursionError, a hang) is a bug.
"""

from __future__ import annotations

import contextlib
import json

from evidence_support import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golive.errors import EvidenceError
from golive.evidence import read_bytes
from golive.evidence._doc import _CONTROL, clean

SEEDS = sorted(
    p
    for p in FIXTURES.rglob("*")
    if p.is_file() and "src-sample" not in p.parts and "iac-sample" not in p.parts
)
SEED_BYTES = [p.read_bytes() for p in SEEDS]
JSON_SEEDS = []
for data in SEED_BYTES:
    with contextlib.suppress(UnicodeDecodeError, ValueError):
        JSON_SEEDS.append(json.loads(data.decode("utf-8")))

FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


def _read(data: bytes) -> None:
    with contextlib.suppress(EvidenceError):
        read_bytes(data, "fuzz")


@FAST
@given(st.binary(max_size=512))
def test_random_bytes_never_escape_as_anything_but_evidence_error(data):
    _read(data)


@FAST
@given(
    st.sampled_from(SEED_BYTES),
    st.lists(st.tuples(st.integers(0, 10**6), st.binary(max_size=8)), max_size=6),
)
def test_byte_mutations_of_real_fixtures_never_crash(seed, edits):
    data = bytearray(seed)
    for pos, chunk in edits:
        if data:
            at = pos % len(data)
            data[at : at + len(chunk)] = chunk
    _read(bytes(data))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value[:3]):
            yield from _paths(v, (*prefix, i))


@FAST
@given(st.sampled_from(JSON_SEEDS), st.data())
def test_structural_mutations_of_real_json_fixtures_never_crash(seed, data):
    doc = json.loads(json.dumps(seed))
    paths = list(_paths(doc))[1:200]
    for _ in range(data.draw(st.integers(1, 4))):
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        parent = doc
        try:
            for step in path[:-1]:
                parent = parent[step]
            parent[path[-1]] = data.draw(JSON_VALUES)
        except (KeyError, IndexError, TypeError):
            continue
    _read(json.dumps(doc).encode())


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_cleaning_replaces_exactly_the_control_characters(text: str) -> None:
    """``clean`` skips the regular expression when ``str.isprintable`` finds nothing to
    replace; the answer must be the expression's whatever the text."""
    assert clean(text) == _CONTROL.sub("\ufffd", text)
