"""The ledger as a C2SP tlog-tiles static log: paths, entry bundles, and checking a copy.

C2SP ``tlog-tiles`` (https://c2sp.org/tlog-tiles) serves an RFC 9162 tree as static files
that any client (witnesses, monitors, the Go ``tlog`` package, Tessera's clients) reads
without an API:

- ``checkpoint``: the signed checkpoint (a C2SP signed note) the files describe;
- ``tile/<L>/<N>``: 256 consecutive node hashes of tree level ``8 * L``, starting at node
  ``256 * N`` (level 0: the leaf hashes); the rightmost tile of a level, when it has fewer,
  is ``tile/<L>/<N>.p/<W>`` with its ``W`` hashes;
- ``tile/entries/<N>[.p/<W>]``: the entries (leaf data) of leaves ``[256 * N, 256 * N + W)``,
  each as a big-endian 16-bit length and its bytes.

``N`` is written in groups of three digits, every group but the last prefixed with ``x``
(``1234067`` -> ``x001/x234/067``). A golive entry's leaf data is its canonical JSON
(``docs/ledger.md``), with personal values as salted commitments only, so the files can be
shared as they are. Nothing here reads files or a database: callers pass a reader.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from golive.core.merkle import HASH_SIZE, leaf_hashes, root_from_level
from golive.errors import InputError, VerificationError

HEIGHT = 8
"""Tile height: each tile covers 8 levels of the tree."""

WIDTH = 1 << HEIGHT
"""Hashes in a full tile, and entries in a full entry bundle."""

MAX_ENTRY_BYTES = 0xFFFF
"""The largest entry an entry bundle can hold (its length is a 16-bit prefix)."""


def _index_path(index: int) -> str:
    if index < 0:
        raise InputError(f"a tile index is not negative, got {index}")
    digits = str(index)
    digits = digits.zfill(-(-len(digits) // 3) * 3)
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


def _suffix(width: int) -> str:
    if not 1 <= width <= WIDTH:
        raise InputError(f"a tile holds 1 to {WIDTH} hashes, got {width}")
    return "" if width == WIDTH else f".p/{width}"


def tile_path(level: int, index: int, width: int = WIDTH) -> str:
    """The path of hash tile ``index`` of tile level ``level`` with ``width`` hashes."""
    if not 0 <= level <= 63:
        raise InputError(f"a tile level is 0 to 63, got {level}")
    return f"tile/{level}/{_index_path(index)}{_suffix(width)}"


def entries_path(index: int, width: int = WIDTH) -> str:
    """The path of entry bundle ``index`` with ``width`` entries."""
    return f"tile/entries/{_index_path(index)}{_suffix(width)}"


def parse_index_path(path: str) -> tuple[int, int]:
    """``(index, width)`` of the part of a tile path after ``tile/<L>/`` (or
    ``tile/entries/``), as :func:`tile_path` writes it and nothing else: ``x001/x234/067``,
    ``067.p/13``. :class:`InputError` for any other spelling."""
    width = WIDTH
    base, dot, partial = path.partition(".p/")
    if dot:
        if not partial.isdigit() or partial != str(int(partial)) or not 1 <= int(partial) < WIDTH:
            raise InputError(f"{path!r}: a partial tile's width is 1 to {WIDTH - 1}")
        width = int(partial)
    groups = base.split("/")
    ok = all(len(g) == 4 and g[0] == "x" and g[1:].isdigit() for g in groups[:-1])
    ok = ok and len(groups[-1]) == 3 and groups[-1].isdigit() and groups[-1].isascii()
    ok = ok and all(g[1:].isascii() for g in groups[:-1])
    index = int("".join([*(g[1:] for g in groups[:-1]), groups[-1]])) if ok else -1
    if not ok or _index_path(index) != base:
        raise InputError(
            f"{path!r}: not a tile index (three-digit groups, x before all but the last)"
        )
    return index, width


def hash_tiles(size: int) -> list[tuple[int, int, int]]:
    """``(level, index, width)`` of every hash tile of a tree of ``size`` leaves, by level."""
    tiles = []
    level = 0
    while size >> (HEIGHT * level):
        count = size >> (HEIGHT * level)
        tiles += [(level, n, WIDTH) for n in range(count // WIDTH)]
        if count % WIDTH:
            tiles.append((level, count // WIDTH, count % WIDTH))
        level += 1
    return tiles


def entry_bundles(size: int) -> list[tuple[int, int]]:
    """``(index, width)`` of every entry bundle of a tree of ``size`` leaves."""
    bundles = [(n, WIDTH) for n in range(size // WIDTH)]
    if size % WIDTH:
        bundles.append((size // WIDTH, size % WIDTH))
    return bundles


def encode_bundle(entries: Sequence[bytes], first: int = 0) -> bytes:
    """An entry bundle: each entry as a big-endian 16-bit length and its bytes. ``first``
    is the index of the first entry, for the error naming an entry too large."""
    parts = []
    for n, entry in enumerate(entries, first):
        if len(entry) > MAX_ENTRY_BYTES:
            raise InputError(
                f"entry {n} is {len(entry)} bytes; a tlog-tiles entry bundle holds entries of "
                f"at most {MAX_ENTRY_BYTES} bytes"
            )
        parts += [len(entry).to_bytes(2, "big"), entry]
    return b"".join(parts)


def decode_bundle(data: bytes, width: int, where: str) -> list[bytes]:
    """The ``width`` entries of an entry bundle; :class:`VerificationError` naming
    ``where`` when the bytes do not hold exactly that many."""
    entries: list[bytes] = []
    at = 0
    while at < len(data) and len(entries) < width:
        if at + 2 > len(data):
            break
        length = int.from_bytes(data[at : at + 2], "big")
        if at + 2 + length > len(data):
            break
        entries.append(data[at + 2 : at + 2 + length])
        at += 2 + length
    if len(entries) != width or at != len(data):
        raise VerificationError(f"{where}: not an entry bundle of {width} entries")
    return entries


@dataclass(frozen=True, slots=True)
class TilesReport:
    """What a check of a tiles copy found: all of it verified when it returns."""

    size: int
    tiles: int
    entries: int
    bundles_absent: tuple[int, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "tree_size": self.size,
            "tiles_checked": self.tiles,
            "entries_checked": self.entries,
            "entry_bundles_absent": list(self.bundles_absent),
        }


def verify_tiles(size: int, root: bytes, read: Callable[[str], bytes | None]) -> TilesReport:
    """Check a tlog-tiles copy of the tree of ``size`` leaves with ``root`` (from a
    checkpoint whose signature the caller checked): every hash tile present with its
    width, each level's tiles the hashes of the level below, the leaf hashes leading to
    ``root``, and every entry bundle present hashing to its leaves. ``read(path)`` gives
    a file's bytes, or None when it is absent; an absent entry bundle is reported (a
    pruned log serves none for its archived entries), an absent hash tile is an error.
    Raises :class:`VerificationError` naming the first file or entry that does not hold.
    """
    if size < 1:
        raise VerificationError("a tiles copy of an empty tree has nothing to check")
    levels: dict[int, list[bytes]] = {}
    tiles = 0
    for level, index, width in hash_tiles(size):
        path = tile_path(level, index, width)
        data = read(path)
        if data is None:
            raise VerificationError(f"{path}: missing")
        if len(data) != width * HASH_SIZE:
            raise VerificationError(f"{path}: expected {width} hashes of {HASH_SIZE} bytes")
        levels.setdefault(level, []).extend(
            data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)
        )
        tiles += 1
    leaves = levels[0]
    # each level above is the roots of the full groups of 256 nodes of the level below
    for level in range(1, max(levels) + 1):
        below, above = levels[level - 1], levels[level]
        for n, stored in enumerate(above):
            if root_from_level(below[n * WIDTH : (n + 1) * WIDTH]) != stored:
                index, at = divmod(n, WIDTH)
                width = len(above) - index * WIDTH if index == len(above) // WIDTH else WIDTH
                raise VerificationError(
                    f"{tile_path(level, index, width)}: hash {at} is not the root of the "
                    f"{WIDTH} hashes below it"
                )
    if root_from_level(leaves) != root:
        raise VerificationError(
            f"the leaf hashes of tile level 0 do not lead to the checkpoint's root (size {size})"
        )
    entries = 0
    absent = []
    for index, width in entry_bundles(size):
        path = entries_path(index, width)
        data = read(path)
        if data is None:
            absent.append(index)
            continue
        first = index * WIDTH
        computed = leaf_hashes(decode_bundle(data, width, path))
        expected = leaves[first : first + width]
        if computed != expected:
            n = next(
                n
                for n, pair in enumerate(zip(computed, expected, strict=True))
                if pair[0] != pair[1]
            )
            raise VerificationError(
                f"{path}: entry {first + n} does not hash to its leaf in tile level 0"
            )
        entries += width
    return TilesReport(size=size, tiles=tiles, entries=entries, bundles_absent=tuple(absent))
