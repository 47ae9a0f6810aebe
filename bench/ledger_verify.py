"""Full recomputation of the ledger's Merkle root against raw SHA-256 over the same bytes.

    python bench/ledger_verify.py [--entries N] [--entry-size B] [--workers W] [--repeat R]
        [--e2e-entries M] [--sqlite PATH] [--pg URL | --no-pg] [--no-e2e]

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
half as fast as raw hashing.

Then, end to end (unless ``--no-e2e``), what a user runs: a ledger of M entries (N by
default) is built with ``append_entries`` (1,000 per transaction, a personal field in every
100th entry, 4 signed checkpoints) in SQLite (a temporary file, or ``--sqlite PATH``, reused
if it already holds a ledger of M entries) and, unless ``--no-pg`` or PostgreSQL is not
reachable, in a scratch PostgreSQL database (dropped at the end); the whole log is exported
as a bundle. Timed, best of R (untimed: building, exporting, and computing the leaf bytes):

- raw hashlib SHA-256 over the same leaf bytes (the RFC 8785 leaf of each entry), as one
  streamed hash and as one digest per entry;
- ``audit.verify_database`` with the public key (``golive audit verify --db``) on SQLite and
  PostgreSQL, in one read snapshot as the command opens it, in one process and with the
  worker processes it uses for large logs (with the compiled extension, once: it reads
  ahead in threads whatever the size): reads every entry, node and checkpoint,
  recomputes every leaf, node and root;
- ``audit.verify_bundle_file`` (``golive audit verify --bundle``): reads and parses the
  bundle file, checks signatures, consistency, the range proof and the personal values.

Record the figures in docs/performance.md by hand.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import platform
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import sqlalchemy as sa  # after the path set-up, so a plain checkout runs too

from golive import native
from golive.core import merkle
from golive.core.ledger import BundleReport
from golive.core.note import Ed25519Signer
from golive.services import audit
from golive.storage import dialect, ledger, worm
from golive.storage.engine import make_engine
from golive.storage.metadata import metadata

DEFAULT_PARALLEL_FROM = audit.PARALLEL_FROM
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
ORIGIN = "bench.golive.example/ledger"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
TABLES = [
    ledger.audit_head,
    ledger.audit_entries,
    ledger.audit_nodes,
    ledger.audit_checkpoints,
    ledger.audit_personal,
    ledger.audit_prunes,
]

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


# --- end to end: a real database and a bundle file ---------------------------------------------


def audit_entry(n: int) -> ledger.NewEntry:
    personal = n % 100 == 0
    payload: dict[str, object] = {"environment": "production", "status": "succeeded", "n": n}
    if personal:
        payload["email"] = f"user{n}@example.com"
    return ledger.NewEntry(
        time=T0 + timedelta(seconds=n),
        tenant="acme",
        actor=f"token:{n % 17}:ci-pipeline",
        action="record.ingested",
        subject=f"deployment:api:1.{n % 100}.{n}",
        correlation_id=f"req-{n:012x}",
        payload=payload,
        personal=("email",) if personal else (),
    )


def build_ledger(engine: sa.Engine, count: int, signer: Ed25519Signer) -> float:
    """A fresh ledger of ``count`` entries with checkpoints at each quarter; the seconds."""
    started = time.perf_counter()
    with engine.begin() as connection:
        metadata.drop_all(connection, tables=TABLES)
        metadata.create_all(connection, tables=TABLES)
        worm.install_worm(connection)
    marks = sorted({max(1, count * q // 4) for q in (1, 2, 3, 4)})
    have = 0
    for mark in marks:
        for low in range(have, mark, 1000):
            with engine.begin() as connection:
                ledger.append_entries(
                    connection, [audit_entry(n) for n in range(low, min(low + 1000, mark))]
                )
        have = mark
        with engine.begin() as connection:
            audit.issue_checkpoint(connection, [signer], now=T0)
    return time.perf_counter() - started


def ledger_size(engine: sa.Engine) -> int:
    try:
        with engine.connect() as connection:
            return ledger.read_frontier(connection).size
    except sa.exc.DBAPIError:
        return -1


def leaf_bytes(engine: sa.Engine) -> list[bytes]:
    """Every entry's leaf, computed the checked way (untimed; the baselines hash these)."""
    with engine.connect() as connection:
        return [ledger.entry_from_row(row).leaf() for row in ledger.iter_entries(connection)]


def verify_db(engine: sa.Engine, signer: Ed25519Signer, workers: bool) -> audit.DatabaseReport:
    """``verify_database`` in one read snapshot, as ``golive audit verify --db`` opens it;
    with worker processes (the default for large logs) or in one process."""
    options: dict[str, str] = {dialect.TRANSACTION_OPTION: "read"}
    if not dialect.is_sqlite(engine):
        options["isolation_level"] = "REPEATABLE READ"
    audit.PARALLEL_FROM = DEFAULT_PARALLEL_FROM if workers else 1 << 62
    try:
        with engine.connect().execution_options(**options) as connection, connection.begin():
            report = audit.verify_database(connection, [signer.verifier()])
    finally:
        audit.PARALLEL_FROM = DEFAULT_PARALLEL_FROM
    if not report.ok:
        raise SystemExit(f"error: verify_database found {report.findings[:3]}")
    return report


def end_to_end(args: argparse.Namespace, scratch: Path) -> None:
    count = args.e2e_entries
    print(f"\n== end to end over {count:,} audit entries")
    key = Path(args.sqlite).with_suffix(".key") if args.sqlite else scratch / "bench.key"
    key.parent.mkdir(parents=True, exist_ok=True)  # a --sqlite PATH in a new directory
    if key.exists():
        signer = audit.load_signers([key])[0]
        assert isinstance(signer, Ed25519Signer)
    else:
        signer = audit.generate_key(ORIGIN, key)
    sqlite_path = Path(args.sqlite) if args.sqlite else scratch / "ledger.db"
    engine = make_engine(f"sqlite:///{sqlite_path}")
    databases: list[tuple[str, sa.Engine]] = [("SQLite", engine)]
    if ledger_size(engine) != count:
        print(f"building SQLite ledger: {build_ledger(engine, count, signer):.1f} s")
    admin = pg_name = None
    if args.pg and not args.no_pg:
        admin = sa.create_engine(args.pg, isolation_level="AUTOCOMMIT")
        pg_name = f"golive_bench_verify_{os.getpid()}_{secrets.token_hex(3)}"
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'CREATE DATABASE "{pg_name}"')
        except sa.exc.OperationalError as exc:
            print(f"PostgreSQL not reachable, skipped: {exc.orig}")
            admin.dispose()
            admin = pg_name = None
    try:
        if admin is not None:
            url = sa.make_url(args.pg).set(database=pg_name).render_as_string(False)
            pg = make_engine(url)
            databases.append(("PostgreSQL", pg))
            print(f"building PostgreSQL ledger: {build_ledger(pg, count, signer):.1f} s")
        bundle_path = scratch / "bundle.json"
        with engine.connect() as connection:
            audit.write_bundle(audit.export_bundle(connection, include_personal=True), bundle_path)
        print(f"bundle: {bundle_path.stat().st_size / 1e6:.0f} MB")
        leaves = leaf_bytes(engine)
        assert len(leaves) == count
        total = sum(map(len, leaves))
        print(f"leaf bytes: {total / 1e6:.1f} MB, {total / count:.0f} bytes per entry on average")
        _ENTRIES[:] = leaves
        rows: list[tuple[str, float]] = []
        streamed, _ = _best(args.repeat, raw_streamed)
        per_entry, _ = _best(args.repeat, raw_per_entry)
        single, root = _best(args.repeat, merkle_root)
        rows += [
            ("raw SHA-256, streamed", streamed),
            ("raw SHA-256, one digest per entry", per_entry),
            ("Merkle root in memory, 1 process", single),
        ]
        for name, db in databases:
            compiled = native.pg_enabled() if name == "PostgreSQL" else native.enabled()
            for workers in (False,) if compiled else (False, True):
                seconds, report = _best(
                    args.repeat, lambda db=db, workers=workers: verify_db(db, signer, workers)
                )
                assert isinstance(report, audit.DatabaseReport)
                assert report.entries == count
                how = f"{os.cpu_count()} processes" if workers else "1 process"
                if compiled:  # the compiled paths read ahead in threads, whatever the size
                    how = f"compiled, {os.cpu_count()} threads"
                rows.append((f"verify --db, {name}, {how}", seconds))
        seconds, bundle_report = _best(
            args.repeat,
            lambda: audit.verify_bundle_file(bundle_path, [signer.verifier()]),
        )
        assert isinstance(bundle_report, BundleReport)
        assert bundle_report.root == root, "the bundle's root differs from the recomputed one"
        rows.append(("verify --bundle", seconds))
        for label, secs in rows:
            print(
                f"{label:<44} {secs:8.3f} s  {total / secs / 1e6:8.1f} MB/s"
                f"  {count / secs / 1e6:6.2f} M entries/s"
            )
        for label, secs in rows[2:]:
            print(
                f"{label}: {streamed / secs:6.1%} of streamed raw hashing, "
                f"{per_entry / secs:6.1%} of per-entry raw hashing (target >= 50%)"
            )
    finally:
        for _, db in databases:
            db.dispose()
        if admin is not None:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE "{pg_name}" WITH (FORCE)')
            admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--entry-size", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--e2e-entries", type=int, help="entries of the end-to-end ledger")
    parser.add_argument("--sqlite", help="SQLite file of the end-to-end ledger (kept, reused)")
    parser.add_argument("--pg", default=PG_ADMIN, help="PostgreSQL admin URL")
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--no-e2e", action="store_true", help="in-memory figures only")
    args = parser.parse_args(argv)
    if args.e2e_entries is None:
        args.e2e_entries = args.entries
    if args.entries < 1 or args.entry_size < 1 or args.workers < 1 or args.repeat < 1:
        parser.error("--entries, --entry-size, --workers and --repeat must be positive")

    _ENTRIES[:] = make_entries(args.entries, args.entry_size)
    total = args.entries * args.entry_size
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"entries: {args.entries:,} x {args.entry_size} bytes = {total / 1e6:.1f} MB")
    print(f"verifier inner loops: {native.describe()} (GOLIVE_NO_NATIVE=1 for pure Python)")

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
            f"{label:<44} {seconds:8.3f} s  {total / seconds / 1e6:8.1f} MB/s"
            f"  {args.entries / seconds / 1e6:6.2f} M entries/s"
        )
    assert isinstance(root, bytes)
    print(f"root: {root.hex()}")
    for label, seconds in rows[2:]:
        print(
            f"{label}: {streamed / seconds:6.1%} of streamed raw hashing, "
            f"{per_entry / seconds:6.1%} of per-entry raw hashing (target >= 50%)"
        )
    if not args.no_e2e:
        with tempfile.TemporaryDirectory() as scratch:
            end_to_end(args, Path(scratch))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
