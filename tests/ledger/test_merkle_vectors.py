"""golive's Merkle verifiers against the public RFC 6962 test vectors.

The probes under ``tests/data/merkle`` are transparency-dev/merkle's ``testdata/``
(see the README there). Every probe runs: ``wantErr: false`` must verify, every other one
must raise :class:`VerificationError`. The roots and node hashes of the 8-leaf reference
tree (``testonly/constants.go``) also check hashing, the frontier and proof generation.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from golive.core import merkle
from golive.errors import VerificationError

DATA = Path(__file__).parent.parent / "data" / "merkle"

# golive's strict rule differs from the older copies of the data in exactly these probes:
# consistency from size 0 to size 0 is an error, as in transparency-dev/merkle since PR #236
# (whose own copy, sizes-are-equal-zero-and-proof-is-empty.json, expects the error).
STRICTER_THAN_SOURCE = {
    "consistency/additional/sizes-are-equal-and-proof-is-empty-where-both-sizes-are-zero.json",
    "consistency/additional/sizes-are-equal-and-proof-is-not-empty-where-both-sizes-are-zero.json",
}


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _probes(kind: str) -> list[tuple[str, dict[str, object]]]:
    files = sorted((DATA / kind).rglob("*.json"))
    return [(path.relative_to(DATA).as_posix(), json.loads(path.read_text())) for path in files]


INCLUSION = _probes("inclusion")
CONSISTENCY = _probes("consistency")


def test_the_vendored_corpus_is_complete() -> None:
    assert len(INCLUSION) == 99
    assert len(CONSISTENCY) == 102
    assert sum(1 for _, p in INCLUSION if not p["wantErr"]) == 6
    assert sum(1 for _, p in CONSISTENCY if not p["wantErr"]) == 10
    assert {name for name, _ in CONSISTENCY} >= STRICTER_THAN_SOURCE


@pytest.mark.parametrize(("name", "probe"), INCLUSION, ids=[name for name, _ in INCLUSION])
def test_inclusion_probe(name: str, probe: dict[str, object]) -> None:
    args = (
        _b64(probe["leafHash"]),  # type: ignore[arg-type]
        probe.get("leafIdx", probe.get("leafIndex")),  # both spellings occur in the source
        probe["treeSize"],
        [_b64(p) for p in probe["proof"] or []],  # type: ignore[attr-defined]
        _b64(probe["root"]),  # type: ignore[arg-type]
    )
    if probe["wantErr"]:
        with pytest.raises(VerificationError):
            merkle.verify_inclusion(*args)  # type: ignore[arg-type]
    else:
        merkle.verify_inclusion(*args)  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "probe"), CONSISTENCY, ids=[name for name, _ in CONSISTENCY])
def test_consistency_probe(name: str, probe: dict[str, object]) -> None:
    args = (
        probe["size1"],
        probe["size2"],
        [_b64(p) for p in probe["proof"] or []],  # type: ignore[attr-defined]
        _b64(probe["root1"]),  # type: ignore[arg-type]
        _b64(probe["root2"]),  # type: ignore[arg-type]
    )
    if probe["wantErr"] or name in STRICTER_THAN_SOURCE:
        with pytest.raises(VerificationError):
            merkle.verify_consistency(*args)  # type: ignore[arg-type]
    else:
        merkle.verify_consistency(*args)  # type: ignore[arg-type]


# --- the reference tree of testonly/constants.go ----------------------------------------------

REFERENCE = json.loads((DATA / "reference-tree.json").read_text())
LEAVES = [bytes.fromhex(x) for x in REFERENCE["leafInputs"]]
ROOTS = [bytes.fromhex(x) for x in REFERENCE["rootHashes"]]
NODES = [[bytes.fromhex(x) for x in level] for level in REFERENCE["nodeHashes"]]


def _stored_subtree(start: int, end: int) -> bytes:
    return merkle.range_hash(start, end, lambda level, index: NODES[level][index])


def test_the_empty_tree_has_the_hash_of_the_empty_string_as_root() -> None:
    assert ROOTS[0] == merkle.EMPTY_ROOT
    assert merkle.root_from_entries([]) == ROOTS[0]
    assert merkle.Frontier().root() == ROOTS[0]


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_of_every_prefix_of_the_reference_tree(size: int) -> None:
    assert merkle.root_from_entries(LEAVES[:size]) == ROOTS[size]
    assert merkle.root_from_leaf_hashes([merkle.leaf_hash(x) for x in LEAVES[:size]]) == ROOTS[size]
    assert _stored_subtree(0, size) == ROOTS[size]


def test_leaf_and_node_hashes_of_the_reference_tree() -> None:
    assert [merkle.leaf_hash(x) for x in LEAVES] == NODES[0]
    for level in range(1, len(NODES)):
        below = NODES[level - 1]
        assert [
            merkle.node_hash(below[2 * i], below[2 * i + 1]) for i in range(len(NODES[level]))
        ] == NODES[level]


def test_the_frontier_matches_the_reference_compact_trees() -> None:
    frontier = merkle.Frontier()
    for size, entry in enumerate(LEAVES, start=1):
        completed = frontier.append(entry)
        assert frontier.root() == ROOTS[size]
        assert list(frontier.hashes) == [bytes.fromhex(x) for x in REFERENCE["compactTrees"][size]]
        for node in completed:
            assert NODES[node.level][node.index] == node.hash


@pytest.mark.parametrize(
    ("index", "size", "proof"),
    [(p["leafIdx"], p["treeSize"], p["proof"]) for p in REFERENCE["inclusionProofs"]],
)
def test_generated_inclusion_proofs_equal_the_reference(
    index: int, size: int, proof: list[str]
) -> None:
    assert [h.hex() for h in merkle.inclusion_proof(index, size, _stored_subtree)] == proof


@pytest.mark.parametrize(
    ("size1", "size2", "proof"),
    [(p["size1"], p["size2"], p["proof"]) for p in REFERENCE["consistencyProofs"]],
)
def test_generated_consistency_proofs_equal_the_reference(
    size1: int, size2: int, proof: list[str]
) -> None:
    assert [h.hex() for h in merkle.consistency_proof(size1, size2, _stored_subtree)] == proof
