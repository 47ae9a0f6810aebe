"""Full recomputation of the ledger's Merkle root against raw SHA-256 over the same bytes.

    python bench/ledger_verify.py [--entries N] [--entry-size B] [--workers W] [--repeat R]

Builds N synthetic audit entries of B bytes (canonical-JSON-like, 200 bytes by default,
built before timing), then times, best of R runs:

- raw hashlib SHA-256, streamed: one hash object fed every entry (the upper bound of what
  SHA-256 can do over these bytes, one call per entry);
- raw hashlib SHA-256, per entry: one digest per entry (what any per-record hash costs);
- the RFC 9162 root, recomputed from the entries (N leaf hashes + N - 1 node hashes) in one
  process, with ``golive.core.merkle.root_from_entries``;
- the same root computed by W worker processes, each hashing an aligned chunk, combined
  with ``root_from_level`` (only when W > 1; the parallel root is checked to be equal).

It prints the throughput of each and the ratios; the target is a root computation at least
half as fast as raw hashing. Record the figures in docs/performance.md by hand.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from golive.core import merkle  # after the path set-up, so a plain checkout runs too

_ENTRIES: list[bytes] = []


def make_entries(count: int, size: int) -> list[bytes]:
    """Deterministic entries of exactly ``size`` bytes that look like audit records."""
    entries = []
    for i in range(count):
        head = (
            f'{{"index":{i},"actor":"user-{i % 97}","action":"gate.decide",'
            f'"subject":"release/1.{i % 13}.{i % 7}","correlation_id":"{i:016x}","pad":"'
        ).encode()
        body = head + b"x" * max(0, size - len(head) - 2) + b'"}'
        entries.append(body[:size])
    return entries


def _best(repeat: int, run: Callable[[], object]) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def raw_streamed() -> bytes:
    digest = hashlib.sha256()
    for entry in _ENTRIES:
        digest.update(entry)
    return digest.digest()


def raw_per_entry() -> list[bytes]:
    sha = hashlib.sha256
    return [sha(entry).digest() for entry in _ENTRIES]


def merkle_root() -> bytes:
    return merkle.root_from_entries(_ENTRIES)


def _chunk_root(bounds: tuple[int, int]) -> bytes:
    start, end = bounds
    return merkle.root_from_entries(_ENTRIES[start:end])


def _chunks(count: int, workers: int) -> list[tuple[int, int]]:
    """Aligned power-of-two chunks, at least ``workers`` of them (the last may be partial)."""
    size = 1
    while size * 2 * workers <= count:
        size *= 2
    return [(start, min(start + size, count)) for start in range(0, count, size)]


def merkle_root_parallel(pool: multiprocessing.pool.Pool, workers: int) -> bytes:
    roots = pool.map(_chunk_root, _chunks(len(_ENTRIES), workers))
    return merkle.root_from_level(roots)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--entry-size", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if args.entries < 1 or args.entry_size < 1 or args.workers < 1 or args.repeat < 1:
        parser.error("--entries, --entry-size, --workers and --repeat must be positive")

    _ENTRIES[:] = make_entries(args.entries, args.entry_size)
    total = args.entries * args.entry_size
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"entries: {args.entries:,} x {args.entry_size} bytes = {total / 1e6:.1f} MB")

    rows: list[tuple[str, float]] = []
    streamed, _ = _best(args.repeat, raw_streamed)
    rows.append(("raw SHA-256, streamed", streamed))
    per_entry, _ = _best(args.repeat, raw_per_entry)
    rows.append(("raw SHA-256, one digest per entry", per_entry))
    single, root = _best(args.repeat, merkle_root)
    rows.append(("Merkle root, 1 process", single))
    if args.workers > 1:
        ctx = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
        with ctx.Pool(args.workers) as pool:
            parallel, parallel_root = _best(
                args.repeat, lambda: merkle_root_parallel(pool, args.workers)
            )
        if parallel_root != root:
            print("error: the parallel root differs from the single-process root")
            return 1
        rows.append((f"Merkle root, {args.workers} processes", parallel))

    for label, seconds in rows:
        print(
            f"{label:<36} {seconds:8.3f} s  {total / seconds / 1e6:8.1f} MB/s"
            f"  {args.entries / seconds / 1e6:6.2f} M entries/s"
        )
    assert isinstance(root, bytes)
    print(f"root: {root.hex()}")
    for label, seconds in rows[2:]:
        print(
            f"{label}: {streamed / seconds:6.1%} of streamed raw hashing, "
            f"{per_entry / seconds:6.1%} of per-entry raw hashing (target >= 50%)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
