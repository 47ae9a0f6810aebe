"""The RFC 9162 (= RFC 6962) Merkle tree of the audit ledger: hashes, proofs, frontier.

Everything here is pure: it computes with SHA-256 from :mod:`hashlib` and nothing else.

Hashing (RFC 9162 §2.1.1)::

    MTH({})   = SHA-256()
    leaf(d)   = SHA-256(0x00 || d)
    node(l,r) = SHA-256(0x01 || l || r)
    MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n]))   k = largest power of two < n

Proofs are plain RFC 9162 audit paths (§2.1.3 inclusion, §2.1.4 consistency), so any
RFC 6962 verifier (Go ``sumdb/tlog``, transparency-dev/merkle) checks them unchanged.

Storage never has to hold the whole tree in memory to serve a proof. Proof generation is
split in two steps:

1. :func:`inclusion_ranges` and :func:`consistency_ranges` list the leaf ranges
   ``(start, end)`` whose subtree hashes make up the proof, in proof order. There are at
   most ``ceil(log2(n))`` of them.
2. :func:`inclusion_proof` and :func:`consistency_proof` fetch those hashes through a
   callable ``subtree_hash(start, end) -> bytes``.

A range in a proof is either a *perfect* subtree (a power-of-two size, aligned), which
storage keeps as one row keyed by ``(level, index)`` (see :class:`Node`), or a subtree on
the right border of the tree, which :func:`range_hash` folds from at most ``log2(n)``
perfect ones (:func:`perfect_ranges`). :class:`Frontier` is what an appender keeps: the
roots of the perfect subtrees covering ``[0, size)``; appending reports the perfect nodes
it completes, so a writer can store each one exactly once.

Verification (:func:`verify_inclusion`, :func:`verify_consistency`) follows the RFC 9162
§2.1.3.2 and §2.1.4.2 algorithms, with the edge cases decided strictly:

- every hash (leaf hash, root, proof element) must be exactly 32 bytes;
- inclusion in a tree of size 0 fails;
- a consistency proof from size 0 fails, even to size 0 (transparency-dev/merkle PR #236);
- equal sizes need an empty proof and equal roots, nothing else is checked;
- a proof with elements left over, or one that does not consume the whole tree
  (the final ``sn == 0`` check), fails.

Failures raise :class:`golive.errors.VerificationError` naming what did not check out.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from golive import native
from golive.errors import InputError, VerificationError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Frontier",
    "Node",
    "SubtreeHash",
    "consistency_proof",
    "consistency_ranges",
    "inclusion_proof",
    "inclusion_ranges",
    "is_perfect",
    "leaf_hash",
    "leaf_hashes",
    "level_up",
    "node_hash",
    "perfect_ranges",
    "range_hash",
    "root_from_entries",
    "root_from_leaf_hashes",
    "root_from_level",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
"""Bytes in every hash of the tree (SHA-256)."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root of the empty tree: SHA-256 of the empty string, without a prefix."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"
_sha256 = hashlib.sha256

SubtreeHash = Callable[[int, int], bytes]
"""``subtree_hash(start, end)``: the MTH of leaves ``[start, end)``, as storage knows it."""


def leaf_hash(entry: bytes) -> bytes:
    """The RFC 9162 hash of one leaf: ``SHA-256(0x00 || entry)``."""
    return _sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The RFC 9162 hash of an interior node: ``SHA-256(0x01 || left || right)``."""
    return _sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def is_perfect(start: int, end: int) -> bool:
    """True if ``[start, end)`` is one node of the tree: a power-of-two size, aligned to it."""
    size = end - start
    return size > 0 and size & (size - 1) == 0 and start % size == 0


@dataclass(frozen=True, slots=True)
class Node:
    """A perfect subtree: the hash of leaves ``[index * 2**level, (index + 1) * 2**level)``.

    Level 0 holds the leaf hashes. This is the addressing of C2SP tlog-tiles and of
    transparency-dev's compact ranges, so stored nodes can later be exported as tiles.
    """

    level: int
    index: int
    hash: bytes

    @property
    def start(self) -> int:
        return self.index << self.level

    @property
    def end(self) -> int:
        return (self.index + 1) << self.level


def _check_size(value: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"{what} must be a non-negative integer, not {value!r}")


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        length = len(value) if isinstance(value, bytes | bytearray) else type(value).__name__
        raise VerificationError(f"{what} must be {HASH_SIZE} bytes, got {length}")


# --- roots ---------------------------------------------------------------------------------


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """The MTH of a tree given all its leaf hashes, computed level by level."""
    return root_from_level(hashes)


_HASH_TYPE = type(_sha256())
_digest = _HASH_TYPE.digest
_join = b"".join
_repeat = itertools.repeat


def leaf_hashes(entries: Iterable[bytes]) -> list[bytes]:
    """The RFC 9162 leaf hash of each entry, in order (:func:`leaf_hash` of each).

    The loop runs in C (``map`` over the bound methods), with no Python frame per entry:
    at a million entries the per-call overhead of a Python loop costs more than SHA-256.
    """
    if native.enabled() and type(entries) is list:
        with contextlib.suppress(TypeError):  # an entry not bytes: the loop below
            return native.leaf_hashes(entries)  # the same hashes, computed in C
    return list(map(_digest, map(_sha256, map(_LEAF_PREFIX.__add__, entries))))


def level_up(level: Sequence[bytes]) -> list[bytes]:
    """The level above ``level`` (hashes of adjacent nodes of one level, left to right):
    ``node_hash`` of each pair from the left, an odd last node promoted unchanged (``zip``
    stops before it, so it is appended back)."""
    if native.enabled() and type(level) is list:
        with contextlib.suppress(ValueError):  # a node not 32 bytes: the loop below
            return native.level_up(level)  # the same hashes, computed in C
    pairs = iter(level)
    triples = zip(_repeat(_NODE_PREFIX), pairs, pairs, strict=False)
    upper = list(map(_digest, map(_sha256, map(_join, triples))))
    if len(level) & 1:
        upper.append(level[-1])
    return upper


def root_from_level(hashes: Sequence[bytes]) -> bytes:
    """The MTH given every node of one level: the hashes of ``[i * 2**k, (i + 1) * 2**k)``
    for i = 0, 1, ..., the last one possibly covering a shorter, partial range.

    Pairing the nodes of each level from the left and promoting an odd last node unchanged
    gives exactly the RFC 9162 tree, whose left subtree is always the perfect one. With
    k = 0 these are the leaf hashes; with k > 0, roots of chunks computed separately (for
    example by parallel workers) combine into the root of the whole tree.
    """
    if not hashes:
        return EMPTY_ROOT
    if native.enabled() and type(hashes) is list:
        with contextlib.suppress(ValueError):  # a node not 32 bytes: the loop below
            return native.root(hashes)  # the same root, computed in C
    level: list[bytes] = list(hashes)
    while len(level) > 1:
        level = level_up(level)
    return level[0]


def root_from_entries(entries: Iterable[bytes]) -> bytes:
    """The MTH of a tree over ``entries`` (the raw leaf data, not yet hashed)."""
    return root_from_level(leaf_hashes(entries))


def perfect_ranges(start: int, end: int) -> list[tuple[int, int]]:
    """Split ``[start, end)`` into the fewest perfect subtrees, left to right.

    For a range that occurs in a proof (``start`` aligned to a power of two at least
    ``end - start``) these are the decreasing powers of two of the range size, so at most
    ``log2(end - start) + 1`` of them.
    """
    _check_size(start, "start")
    _check_size(end, "end")
    if end <= start:
        raise InputError(f"empty or inverted range [{start}, {end})")
    ranges = []
    while start < end:
        size = start & -start if start else 1 << ((end - start).bit_length() - 1)
        while start + size > end:
            size >>= 1
        ranges.append((start, start + size))
        start += size
    return ranges


def range_hash(start: int, end: int, node: Callable[[int, int], bytes]) -> bytes:
    """The MTH of leaves ``[start, end)`` from stored perfect nodes ``node(level, index)``.

    Valid for ranges whose left part is aligned as in the RFC 9162 recursion (every range
    :func:`inclusion_ranges` and :func:`consistency_ranges` return is). Reads at most
    ``log2(end - start) + 1`` nodes.
    """
    size = end - start
    if size <= 0 or (start and start & -start < size):
        raise InputError(
            f"[{start}, {end}) is not a subtree of the tree: its start must be aligned to a "
            "power of two at least its size"
        )
    hashes = []
    for lo, hi in perfect_ranges(start, end):
        level = (hi - lo).bit_length() - 1
        hashes.append(node(level, lo >> level))
    acc = hashes[-1]
    for left in reversed(hashes[:-1]):
        acc = node_hash(left, acc)
    return acc


# --- proof generation -----------------------------------------------------------------------


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form the inclusion proof of ``index`` in a tree of
    ``size``, in proof order (from the leaf up to the root), per RFC 9162 §2.1.3.1."""
    _check_size(index, "leaf index")
    _check_size(size, "tree size")
    if index >= size:
        raise InputError(f"leaf index {index} is outside a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form the consistency proof from ``old_size`` to
    ``new_size``, in proof order, per RFC 9162 §2.1.4.1.

    Requires ``0 < old_size <= new_size``; equal sizes have an empty proof.
    """
    _check_size(old_size, "old tree size")
    _check_size(new_size, "new tree size")
    if old_size == 0:
        raise InputError("a consistency proof needs a non-empty old tree")
    if old_size > new_size:
        raise InputError(f"old tree size {old_size} is larger than new tree size {new_size}")
    ranges: list[tuple[int, int]] = []
    start, end = 0, new_size
    m = old_size
    on_left_edge = True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            m -= k
            start += k
            on_left_edge = False
    if not on_left_edge:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def inclusion_proof(index: int, size: int, subtree_hash: SubtreeHash) -> list[bytes]:
    """The RFC 9162 inclusion proof (audit path) of leaf ``index`` in a tree of ``size``."""
    return [_fetch(subtree_hash, lo, hi) for lo, hi in inclusion_ranges(index, size)]


def consistency_proof(old_size: int, new_size: int, subtree_hash: SubtreeHash) -> list[bytes]:
    """The RFC 9162 consistency proof from tree size ``old_size`` to ``new_size``."""
    return [_fetch(subtree_hash, lo, hi) for lo, hi in consistency_ranges(old_size, new_size)]


def _fetch(subtree_hash: SubtreeHash, start: int, end: int) -> bytes:
    value = subtree_hash(start, end)
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise InputError(f"subtree hash of [{start}, {end}) is not a {HASH_SIZE}-byte hash")
    return value


# --- proof verification ---------------------------------------------------------------------


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf`` (a leaf *hash*) is at ``index`` in the tree of ``size`` with ``root``.

    RFC 9162 §2.1.3.2. Raises :class:`VerificationError` if it is not so proven.
    """
    _check_size(index, "leaf index")
    _check_size(size, "tree size")
    if index >= size:
        raise VerificationError(f"leaf index {index} is outside a tree of size {size}")
    _check_hash(leaf, "leaf hash")
    _check_hash(root, "root hash")
    for position, element in enumerate(proof):
        _check_hash(element, f"inclusion proof element {position}")
    fn, sn, r = index, size - 1, bytes(leaf)
    for element in proof:
        if sn == 0:
            raise VerificationError(
                f"inclusion proof is longer than the path from leaf {index} in size {size}"
            )
        if fn & 1 or fn == sn:
            r = node_hash(element, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, element)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError(
            f"inclusion proof is shorter than the path from leaf {index} in size {size}"
        )
    if r != root:
        raise VerificationError(
            f"inclusion proof of leaf {index} does not lead to the root of size {size}"
        )


def verify_consistency(
    old_size: int,
    new_size: int,
    proof: Sequence[bytes],
    old_root: bytes,
    new_root: bytes,
) -> None:
    """Check that the tree of ``new_size`` with ``new_root`` extends the tree of ``old_size``
    with ``old_root``. RFC 9162 §2.1.4.2; raises :class:`VerificationError` if not proven.
    """
    _check_size(old_size, "old tree size")
    _check_size(new_size, "new tree size")
    if old_size == 0:
        raise VerificationError("consistency from an empty tree proves nothing")
    if old_size > new_size:
        raise VerificationError(f"old tree size {old_size} is larger than new size {new_size}")
    if old_size == new_size:
        if proof:
            raise VerificationError("trees of equal size need an empty consistency proof")
        if old_root != new_root:
            raise VerificationError(f"two different roots for the same tree size {old_size}")
        return
    _check_hash(old_root, "old root hash")
    _check_hash(new_root, "new root hash")
    if not proof:
        raise VerificationError("consistency proof is empty but the tree sizes differ")
    for position, element in enumerate(proof):
        _check_hash(element, f"consistency proof element {position}")

    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, bytes(old_root))
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for element in path[1:]:
        if sn == 0:
            raise VerificationError(
                f"consistency proof from {old_size} to {new_size} has too many elements"
            )
        if fn & 1 or fn == sn:
            fr = node_hash(element, fr)
            sr = node_hash(element, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, element)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError(
            f"consistency proof from {old_size} to {new_size} has too few elements"
        )
    if fr != old_root:
        raise VerificationError(f"consistency proof does not lead to the old root ({old_size})")
    if sr != new_root:
        raise VerificationError(f"consistency proof does not lead to the new root ({new_size})")


# --- the appender's state --------------------------------------------------------------------


class Frontier:
    """The compact range ``[0, size)``: the roots of its perfect subtrees, largest first.

    One hash per set bit of ``size``, so at most ``log2(size) + 1``. Appending a leaf works
    like incrementing a binary counter; the root folds the hashes from the right.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        _check_size(size, "tree size")
        if len(hashes) != size.bit_count():
            raise InputError(
                f"a frontier of size {size} has {size.bit_count()} hashes, not {len(hashes)}"
            )
        for position, value in enumerate(hashes):
            if not isinstance(value, bytes) or len(value) != HASH_SIZE:
                raise InputError(f"frontier hash {position} is not a {HASH_SIZE}-byte hash")
        self._size = size
        self._hashes = list(hashes)

    @classmethod
    def from_nodes(cls, size: int, node: Callable[[int, int], bytes]) -> Frontier:
        """Rebuild the frontier of ``size`` from stored perfect nodes ``node(level, index)``."""
        _check_size(size, "tree size")
        hashes = []
        if size:
            for lo, hi in perfect_ranges(0, size):
                level = (hi - lo).bit_length() - 1
                hashes.append(node(level, lo >> level))
        return cls(size, hashes)

    @property
    def size(self) -> int:
        """The number of leaves appended so far."""
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The perfect subtree roots, left to right (largest subtree first)."""
        return tuple(self._hashes)

    def nodes(self) -> list[Node]:
        """The frontier as addressed perfect nodes, left to right."""
        if not self._size:
            return []
        return [
            Node((hi - lo).bit_length() - 1, lo >> ((hi - lo).bit_length() - 1), value)
            for (lo, hi), value in zip(perfect_ranges(0, self._size), self._hashes, strict=True)
        ]

    def append(self, entry: bytes) -> list[Node]:
        """Append one entry (raw leaf data); return the perfect nodes it completed."""
        return self.append_leaf_hash(leaf_hash(entry))

    def append_leaf_hash(self, leaf: bytes) -> list[Node]:
        """Append one leaf by its hash; return the perfect nodes it completed.

        The first node returned is the leaf itself (level 0), then each interior node the
        append closed, level by level: exactly the rows storage must add.
        """
        if not isinstance(leaf, bytes) or len(leaf) != HASH_SIZE:
            raise InputError(f"a leaf hash must be {HASH_SIZE} bytes")
        index = self._size
        completed = [Node(0, index, leaf)]
        value = leaf
        level = 0
        while index & 1:
            value = node_hash(self._hashes.pop(), value)
            index >>= 1
            level += 1
            completed.append(Node(level, index, value))
        self._hashes.append(value)
        self._size += 1
        return completed

    def append_subtree_hash(self, level: int, value: bytes) -> list[Node]:
        """Append ``2**level`` leaves at once by the hash of their perfect subtree (the
        tree size must be a multiple of ``2**level``); return the perfect nodes completed,
        the appended subtree first, as :meth:`append_leaf_hash` does for one leaf."""
        _check_size(level, "level")
        if self._size & ((1 << level) - 1):
            raise InputError(f"a subtree of level {level} cannot be appended at size {self._size}")
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:
            raise InputError(f"a subtree hash must be {HASH_SIZE} bytes")
        index = self._size >> level
        completed = [Node(level, index, value)]
        self._size += 1 << level
        while index & 1:
            value = node_hash(self._hashes.pop(), value)
            index >>= 1
            level += 1
            completed.append(Node(level, index, value))
        self._hashes.append(value)
        return completed

    def root(self) -> bytes:
        """The MTH of the tree of :attr:`size` leaves."""
        if not self._hashes:
            return EMPTY_ROOT
        acc = self._hashes[-1]
        for left in reversed(self._hashes[:-1]):
            acc = node_hash(left, acc)
        return acc

    def copy(self) -> Frontier:
        return Frontier(self._size, self._hashes)

    def __repr__(self) -> str:
        return f"Frontier(size={self._size}, root={self.root().hex()})"
