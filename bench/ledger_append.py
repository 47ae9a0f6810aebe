"""Ledger appends and proofs on a real database: SQLite (WAL, synchronous=FULL) and PostgreSQL.

    python bench/ledger_append.py [--entries N] [--measure M] [--sqlite PATH] [--pg URL]

For each database:

1. builds a ledger of N entries (100,000 by default) with ``append_entries`` in
   transactions of 1,000 (timed: the bulk rate);
2. appends M more entries (2,000 by default) with 1, 10 and 100 entries per transaction
   and reports durable appends per second; the same rows inserted into a plain table
   without hashing, with the same transaction sizes, are the baseline (target: appends at
   least half as fast as plain inserts); a second baseline inserts them into a table with
   the secondary indexes of ``audit_entries`` (tenant and index, correlation id, subject),
   filled to the ledger's size first;
3. times 1,000 inclusion proofs of random entries and 1,000 consistency proofs between
   random sizes against the N-entry tree, read from the node table (median and p99);
4. times ``verify_database`` over the whole ledger (recompute every leaf, node and root).

The PostgreSQL run creates a scratch database and drops it. Figures go into
docs/performance.md by hand.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import sqlalchemy as sa  # after the path set-up, so a plain checkout runs too

from golive.core import merkle
from golive.services import audit
from golive.storage import ledger, worm
from golive.storage.engine import make_engine
from golive.storage.metadata import metadata

T0 = datetime(2026, 1, 1, tzinfo=UTC)
TABLES = [
    ledger.audit_head,
    ledger.audit_entries,
    ledger.audit_nodes,
    ledger.audit_checkpoints,
    ledger.audit_personal,
    ledger.audit_prunes,
]
# the entry's fields without its leaf hash (the product of the hashing left out here)
FIELDS = [name for name in ledger.audit_entries.c.keys()[1:] if name != "leaf"]
PLAIN = sa.Table(
    "bench_plain_entries",
    sa.MetaData(),
    sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
    *(sa.Column(name, sa.String, nullable=False) for name in FIELDS),
)
INDEXED = sa.Table(
    "bench_indexed_entries",
    PLAIN.metadata,
    sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
    *(sa.Column(name, sa.String, nullable=False) for name in FIELDS),
    sa.Index("ix_bench_indexed_tenant_idx", "tenant", "idx"),
    sa.Index("ix_bench_indexed_correlation_id", "correlation_id"),
    sa.Index("ix_bench_indexed_subject", "subject"),
)
"""The second baseline: the same rows into a table with audit_entries' secondary indexes
(what any queryable audit table pays), still without hashing, nodes or head."""


def entry(n: int) -> ledger.NewEntry:
    return ledger.NewEntry(
        time=T0 + timedelta(seconds=n),
        tenant="acme",
        actor=f"token:{n % 17}:ci-pipeline",
        action="record.ingested",
        subject=f"deployment:api:1.{n % 100}.{n}",
        correlation_id=f"req-{n:012x}",
        payload={"environment": "production", "status": "succeeded", "n": n, "ok": True},
    )


def plain_row(n: int) -> dict[str, object]:
    new = entry(n)
    return {
        "idx": n,
        "time": new.time.isoformat(),
        "tenant": new.tenant,
        "actor": new.actor,
        "action": new.action,
        "subject": new.subject,
        "correlation_id": new.correlation_id,
        "payload": str(new.payload),
    }


def setup(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        metadata.create_all(connection, tables=TABLES)
        PLAIN.create(connection)
        INDEXED.create(connection)
        worm.install_worm(connection)


def build(engine: sa.Engine, count: int) -> float:
    started = time.perf_counter()
    for low in range(0, count, 1000):
        with engine.begin() as connection:
            ledger.append_entries(
                connection, [entry(n) for n in range(low, min(low + 1000, count))]
            )
    return count / (time.perf_counter() - started)


def rate(
    engine: sa.Engine, start: int, measure: int, per_txn: int, plain: sa.Table | None
) -> float:
    started = time.perf_counter()
    for low in range(start, start + measure, per_txn):
        numbers = range(low, low + per_txn)
        with engine.begin() as connection:
            if plain is not None:
                connection.execute(plain.insert(), [plain_row(n) for n in numbers])
            else:
                ledger.append_entries(connection, [entry(n) for n in numbers])
    return measure / (time.perf_counter() - started)


def proof_times(engine: sa.Engine, size: int) -> dict[str, tuple[float, float]]:
    rng = random.Random(1)
    found: dict[str, tuple[float, float]] = {}
    with engine.connect() as connection:
        for kind in ("inclusion", "consistency"):
            times = []
            for _ in range(1000):
                if kind == "inclusion":
                    ranges = merkle.inclusion_ranges(rng.randrange(size), size)
                else:
                    ranges = merkle.consistency_ranges(rng.randrange(1, size), size)
                started = time.perf_counter()
                ledger.subtree_hashes(connection, ranges)
                times.append(time.perf_counter() - started)
            times.sort()
            found[kind] = (statistics.median(times) * 1000, times[int(len(times) * 0.99)] * 1000)
    return found


def run(name: str, engine: sa.Engine, entries: int, measure: int) -> None:
    setup(engine)
    print(f"\n== {name}: building {entries:,} entries (1,000 per transaction)")
    print(f"bulk append: {build(engine, entries):,.0f} entries/s")
    next_index = entries
    for low in range(0, entries, 1000):  # the indexed baseline starts as large as the ledger
        with engine.begin() as connection:
            numbers = range(low, min(low + 1000, entries))
            connection.execute(INDEXED.insert(), [plain_row(n) for n in numbers])
    for per_txn in (1, 10, 100):
        hashed = rate(engine, next_index, measure, per_txn, plain=None)
        plain = rate(engine, next_index, measure, per_txn, plain=PLAIN)
        indexed = rate(engine, next_index, measure, per_txn, plain=INDEXED)
        next_index += measure
        print(
            f"{per_txn:>3} per transaction: ledger {hashed:8,.0f}/s   plain insert "
            f"{plain:8,.0f}/s   ratio {hashed / plain:5.1%}   indexed insert "
            f"{indexed:8,.0f}/s   ratio {hashed / indexed:5.1%}"
        )
    with engine.connect() as connection:
        size = ledger.read_frontier(connection).size
    for kind, (median, p99) in proof_times(engine, size).items():
        print(f"{kind} proof at {size:,}: median {median:.2f} ms, p99 {p99:.2f} ms")
    started = time.perf_counter()
    with engine.connect() as connection:
        report = audit.verify_database(connection)
    elapsed = time.perf_counter() - started
    assert report.ok, report.findings[:3]
    print(f"verify --db over {size:,} entries: {elapsed:.1f} s ({size / elapsed:,.0f} entries/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--measure", type=int, default=2_000)
    parser.add_argument("--sqlite", help="SQLite file (default: a temporary one)")
    parser.add_argument(
        "--pg",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL admin URL ('' to skip)",
    )
    args = parser.parse_args()
    print(
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory() as scratch:
        path = args.sqlite or str(Path(scratch) / "bench.db")
        engine = make_engine(f"sqlite:///{path}")
        try:
            run("SQLite (WAL, synchronous=FULL)", engine, args.entries, args.measure)
        finally:
            engine.dispose()
    if args.pg:
        admin = sa.create_engine(args.pg, isolation_level="AUTOCOMMIT")
        name = f"golive_bench_{os.getpid()}"
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        engine = make_engine(sa.make_url(args.pg).set(database=name).render_as_string(False))
        try:
            run("PostgreSQL", engine, args.entries, args.measure)
        finally:
            engine.dispose()
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
            admin.dispose()


if __name__ == "__main__":
    main()
