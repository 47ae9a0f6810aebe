"""Helpers shared by the ledger tests: engines, a fresh ledger, filling it, checkpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from golive.core.note import Ed25519Signer
from golive.services import audit
from golive.storage import ledger, worm
from golive.storage.metadata import metadata

ORIGIN = "golive.example.com/acme/prod"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

LEDGER_TABLES = [
    ledger.audit_head,
    ledger.audit_entries,
    ledger.audit_nodes,
    ledger.audit_checkpoints,
    ledger.audit_personal,
    ledger.audit_prunes,
]


def sqlite_engine(path: Path, *, guarded: bool = True) -> sa.Engine:
    """A SQLite engine the way golive opens one: WAL, BEGIN IMMEDIATE, the WORM authorizer."""
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"isolation_level": None})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: object, record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    if guarded:
        worm.install_sqlite_authorizer(engine)
    return engine


def create_ledger(engine: sa.Engine) -> None:
    """Create the ledger tables and their WORM triggers (what migration 0002 does)."""
    with engine.begin() as connection:
        metadata.create_all(connection, tables=LEDGER_TABLES)
        worm.install_worm(connection)


def fill(engine: sa.Engine, count: int, *, start: int = 0, tenant: str = "acme") -> None:
    with engine.begin() as connection:
        for n in range(start, start + count):
            ledger.append_entry(
                connection,
                time=T0 + timedelta(minutes=n),
                tenant=tenant,
                actor=f"user:{n % 3}",
                action="release.decided",
                subject=f"release:{n}",
                correlation_id=f"req-{n}",
                payload={"n": n, "email": f"user{n}@example.com", "ok": n % 2 == 0},
                personal=["email"],
            )


def checkpoint(engine: sa.Engine, signers: list[Ed25519Signer]) -> ledger.StoredCheckpoint:
    with engine.begin() as connection:
        return audit.issue_checkpoint(connection, signers, now=T0)
