"""Properties of the Merkle tree, checked against a naive transcription of RFC 9162 §2.1.

The naive functions below recompute everything from the leaves by the RFC's recursive
definitions; the library computes from stored nodes. They must agree, every generated proof
must verify, and every tampered proof, leaf, index or size must fail.
"""

from __future__ import annotations

import hashlib
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from golive.core import merkle
from golive.errors import VerificationError

MAX_SIZE = 3000


def _entry(i: int) -> bytes:
    return f"entry-{i}".encode()


LEAF_HASHES = [merkle.leaf_hash(_entry(i)) for i in range(MAX_SIZE)]


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@cache
def naive_mth(start: int, end: int) -> bytes:
    n = end - start
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + _entry(start)).digest()
    k = _k(n)
    return hashlib.sha256(
        b"\x01" + naive_mth(start, start + k) + naive_mth(start + k, end)
    ).digest()


def naive_path(m: int, start: int, end: int) -> list[bytes]:
    n = end - start
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*naive_path(m, start, start + k), naive_mth(start + k, end)]
    return [*naive_path(m - k, start + k, end), naive_mth(start, start + k)]


def naive_subproof(m: int, start: int, end: int, complete: bool) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if complete else [naive_mth(start, end)]
    k = _k(n)
    if m <= k:
        return [*naive_subproof(m, start, start + k, complete), naive_mth(start + k, end)]
    return [*naive_subproof(m - k, start + k, end, False), naive_mth(start, start + k)]


class StoredTree:
    """A tree kept the way storage keeps it: perfect nodes by (level, index), from appends."""

    def __init__(self, size: int) -> None:
        self.frontier = merkle.Frontier()
        self.nodes: dict[tuple[int, int], bytes] = {}
        for leaf in LEAF_HASHES[:size]:
            for node in self.frontier.append_leaf_hash(leaf):
                self.nodes[(node.level, node.index)] = node.hash
        self.reads = 0

    def node(self, level: int, index: int) -> bytes:
        self.reads += 1
        return self.nodes[(level, index)]

    def subtree_hash(self, start: int, end: int) -> bytes:
        return merkle.range_hash(start, end, self.node)


@cache
def stored_tree(size: int) -> StoredTree:
    return StoredTree(size)


def _flip(value: bytes, bit: int) -> bytes:
    return value[: bit // 8] + bytes([value[bit // 8] ^ (1 << (bit % 8))]) + value[bit // 8 + 1 :]


sizes = st.integers(min_value=1, max_value=MAX_SIZE)


@settings(max_examples=150, deadline=None)
@given(size=st.integers(min_value=0, max_value=MAX_SIZE))
def test_frontier_root_equals_the_recomputed_root(size: int) -> None:
    tree = stored_tree(size)
    expected = naive_mth(0, size)
    assert tree.frontier.size == size
    assert tree.frontier.root() == expected
    assert merkle.root_from_leaf_hashes(LEAF_HASHES[:size]) == expected
    assert merkle.Frontier.from_nodes(size, tree.node).hashes == tree.frontier.hashes
    assert len(tree.frontier.hashes) <= size.bit_length()


@settings(max_examples=100, deadline=None)
@given(size=st.integers(min_value=0, max_value=MAX_SIZE), chunk_log=st.integers(0, 8))
def test_roots_from_entries_and_from_aligned_chunk_roots_equal_the_rfc_root(
    size: int, chunk_log: int
) -> None:
    entries = [_entry(i) for i in range(size)]
    expected = naive_mth(0, size)
    assert merkle.leaf_hashes(entries) == LEAF_HASHES[:size]
    assert merkle.root_from_entries(entries) == expected
    chunk = 1 << chunk_log
    roots = [merkle.root_from_entries(entries[i : i + chunk]) for i in range(0, size, chunk)]
    assert merkle.root_from_level(roots) == expected


@settings(max_examples=200, deadline=None)
@given(data=st.data(), size=sizes)
def test_every_inclusion_proof_verifies_and_every_tampering_fails(
    data: st.DataObject, size: int
) -> None:
    tree = stored_tree(size)
    root = tree.frontier.root()
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    tree.reads = 0
    proof = merkle.inclusion_proof(index, size, tree.subtree_hash)
    assert tree.reads <= 2 * max(1, size.bit_length()) ** 2
    assert proof == naive_path(index, 0, size)
    assert len(proof) <= (size - 1).bit_length()
    leaf = LEAF_HASHES[index]
    merkle.verify_inclusion(leaf, index, size, proof, root)

    with pytest.raises(VerificationError):
        merkle.verify_inclusion(
            _flip(leaf, data.draw(st.integers(0, 255))), index, size, proof, root
        )
    if proof:
        position = data.draw(st.integers(0, len(proof) - 1), label="element")
        bad = list(proof)
        bad[position] = _flip(bad[position], data.draw(st.integers(0, 255), label="bit"))
        with pytest.raises(VerificationError):
            merkle.verify_inclusion(leaf, index, size, bad, root)
        with pytest.raises(VerificationError):
            merkle.verify_inclusion(leaf, index, size, proof[:-1], root)
    with pytest.raises(VerificationError):
        merkle.verify_inclusion(leaf, index, size, [*proof, root], root)
    other = data.draw(
        st.integers(0, size - 1).filter(lambda i: i != index) if size > 1 else st.none()
    )
    if other is not None:
        with pytest.raises(VerificationError):
            merkle.verify_inclusion(leaf, other, size, proof, root)
    bigger = stored_tree(size + 1).frontier.root() if size < MAX_SIZE else None
    if bigger is not None:
        with pytest.raises(VerificationError):
            merkle.verify_inclusion(leaf, index, size + 1, proof, bigger)
    for wrong in (size * 2, size * 4 + 1):
        if len(merkle.inclusion_ranges(index, wrong)) != len(proof):
            with pytest.raises(VerificationError):
                merkle.verify_inclusion(leaf, index, wrong, proof, root)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), new_size=sizes)
def test_every_consistency_proof_verifies_and_every_tampering_fails(
    data: st.DataObject, new_size: int
) -> None:
    old_size = data.draw(st.integers(min_value=1, max_value=new_size), label="old_size")
    new_tree, old_root = stored_tree(new_size), stored_tree(old_size).frontier.root()
    new_root = new_tree.frontier.root()
    proof = merkle.consistency_proof(old_size, new_size, new_tree.subtree_hash)
    assert proof == naive_subproof(old_size, 0, new_size, True)
    merkle.verify_consistency(old_size, new_size, proof, old_root, new_root)
    if old_size == new_size:
        assert proof == []
        return
    bad = list(proof)
    position = data.draw(st.integers(0, len(proof) - 1), label="element")
    bad[position] = _flip(bad[position], data.draw(st.integers(0, 255), label="bit"))
    with pytest.raises(VerificationError):
        merkle.verify_consistency(old_size, new_size, bad, old_root, new_root)
    with pytest.raises(VerificationError):
        merkle.verify_consistency(old_size, new_size, proof, new_root, old_root)
    with pytest.raises(VerificationError):
        merkle.verify_consistency(old_size, new_size, [*proof, new_root], old_root, new_root)
    with pytest.raises(VerificationError):
        merkle.verify_consistency(old_size, new_size, proof[:-1], old_root, new_root)


@pytest.mark.parametrize("new_size", range(1, 65))
def test_all_proofs_up_to_size_64_verify(new_size: int) -> None:
    tree = stored_tree(new_size)
    root = tree.frontier.root()
    for index in range(new_size):
        proof = merkle.inclusion_proof(index, new_size, tree.subtree_hash)
        merkle.verify_inclusion(LEAF_HASHES[index], index, new_size, proof, root)
    for old_size in range(1, new_size + 1):
        old_root = stored_tree(old_size).frontier.root()
        proof = merkle.consistency_proof(old_size, new_size, tree.subtree_hash)
        merkle.verify_consistency(old_size, new_size, proof, old_root, root)


@pytest.mark.parametrize("old_size", range(1, 33))
def test_a_valid_consistency_proof_is_refused_for_a_larger_new_size(old_size: int) -> None:
    """The final ``sn == 0`` check (RFC 9162 §2.1.4.2 step 7; the hash-tree 0.1.1 fix).

    A proof for (m, n) presented as a proof for (m, n') with n' > n must fail whenever the
    path to n' has another length, even with the root of size n; and always with the true
    root of size n'.
    """
    old_root = stored_tree(old_size).frontier.root()
    for new_size in range(old_size + 1, 65):
        tree = stored_tree(new_size)
        proof = merkle.consistency_proof(old_size, new_size, tree.subtree_hash)
        for wrong in range(new_size + 1, 129):
            with pytest.raises(VerificationError):
                merkle.verify_consistency(
                    old_size, wrong, proof, old_root, stored_tree(wrong).frontier.root()
                )
            if len(merkle.consistency_ranges(old_size, wrong)) != len(proof):
                with pytest.raises(VerificationError):
                    merkle.verify_consistency(
                        old_size, wrong, proof, old_root, tree.frontier.root()
                    )


def test_a_leaf_that_looks_like_two_children_does_not_hash_like_their_parent() -> None:
    left, right = LEAF_HASHES[0], LEAF_HASHES[1]
    assert merkle.leaf_hash(left + right) != merkle.node_hash(left, right)
