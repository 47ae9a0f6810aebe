"""Storage on SQLite and PostgreSQL: migrations, connection settings, scoping, immutability."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from golive.errors import DependencyUnavailable, UsageError
from golive.services import database
from golive.storage.engine import make_engine
from golive.storage.unit_of_work import UnitOfWork

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _decision(tenant_id: int) -> dict[str, object]:
    return {
        "tenant_id": tenant_id,
        "source": "server",
        "environment": "production",
        "deployable": "api",
        "version": "1.0.0",
        "verdict": "pass",
        "policy_digest": "sha256:" + "0" * 64,
        "now": NOW,
        "decided_at": NOW,
        "decided_by": "test",
        "correlation_id": "c",
        "document": {"verdict": "pass"},
    }


def test_the_migrations_bring_a_database_to_the_newest_revision(engine: Engine) -> None:
    status = database.status(engine)
    assert status.is_current
    assert "0001_control_plane" in database.heads(engine) or status.current


def test_an_empty_database_is_behind_and_upgrade_makes_it_current(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        assert not database.status(engine).is_current
        assert database.status(engine).current == ()
        assert database.upgrade(engine).is_current
    finally:
        engine.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        engine.dispose()


def test_a_sqlite_write_transaction_takes_the_write_lock_at_begin(tmp_path) -> None:
    path = tmp_path / "lock.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        database.upgrade(engine)
        other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
        # Another writer cannot even begin while this one is open: no upgrade deadlock.
        with UnitOfWork(engine), pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        other.close()
    finally:
        engine.dispose()


def test_timestamps_come_back_timezone_aware_in_utc(engine: Engine) -> None:
    local = dt.datetime(2026, 3, 29, 3, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    with UnitOfWork(engine) as uow:
        tenant = uow.tenants.add(unique(), local)
    with UnitOfWork(engine, write=False) as uow:
        found = uow.tenants.by_name(tenant.name)
    assert found is not None
    assert found.created_at == local
    assert found.created_at.tzinfo is not None
    assert found.created_at.utcoffset() == dt.timedelta(0)


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(Exception, match="timezone-aware"), UnitOfWork(engine) as uow:
        uow.tenants.add(unique(), dt.datetime(2026, 1, 1))


def test_a_unit_of_work_rolls_back_everything_when_the_block_fails(engine: Engine) -> None:
    name = unique()
    uow = UnitOfWork(engine)

    def fail() -> None:
        with uow:
            uow.tenants.add(name, NOW)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail()
    with UnitOfWork(engine, write=False) as check:
        assert check.tenants.by_name(name) is None


def test_records_of_one_tenant_are_invisible_to_another(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        a = uow.tenants.add(unique("a"), NOW)
        b = uow.tenants.add(unique("b"), NOW)
        repo = uow.tenants.repository_id(a.id, "org/app", NOW)
        [dep] = uow.records.add_many(
            "deployments",
            [
                {
                    "tenant_id": a.id,
                    "repository_id": repo,
                    "batch_key": "k1",
                    "environment": "production",
                    "deployable": "api",
                    "version": "1.0.0",
                    "status": "succeeded",
                    "time": NOW,
                    "received_at": NOW,
                }
            ],
        )
        decision = uow.decisions.add(_decision(a.id))
    with UnitOfWork(engine, write=False) as uow:
        assert uow.records.get("deployments", a.id, dep) is not None
        assert uow.records.get("deployments", b.id, dep) is None
        assert uow.records.find("deployments", b.id) == []
        assert uow.decisions.get(b.id, decision) is None
        assert uow.decisions.find(b.id) == []
        assert uow.records.count_by_batch(a.id, "k1")["deployments"] == 1
        assert uow.records.count_by_batch(b.id, "k1")["deployments"] == 0


def test_a_repository_is_created_once_per_tenant_and_name(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        t = uow.tenants.add(unique(), NOW)
        first = uow.tenants.repository_id(t.id, "org/app", NOW)
        assert uow.tenants.repository_id(t.id, "org/app", NOW) == first


def test_decisions_and_publish_attempts_cannot_be_changed_or_deleted(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        t = uow.tenants.add(unique(), NOW)
        decision = uow.decisions.add(_decision(t.id))
    for statement in (
        "UPDATE decisions SET verdict = 'fail' WHERE id = :id",
        "DELETE FROM decisions WHERE id = :id",
    ):
        with pytest.raises(DBAPIError, match="immutable"), UnitOfWork(engine) as uow:
            uow.connection.execute(text(statement), {"id": decision})
    with UnitOfWork(engine, write=False) as uow:
        row = uow.decisions.get(t.id, decision)
        assert row is not None
        assert row["verdict"] == "pass"


def test_an_idempotency_key_is_claimed_once_per_tenant(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        a = uow.tenants.add(unique("a"), NOW)
        b = uow.tenants.add(unique("b"), NOW)
        assert uow.idempotency.claim(a.id, "key-1", "/x", "h1", NOW)
        assert not uow.idempotency.claim(a.id, "key-1", "/x", "h2", NOW)
        assert uow.idempotency.claim(b.id, "key-1", "/x", "h3", NOW)
        uow.idempotency.answer(a.id, "key-1", 201, b"{}")
    with UnitOfWork(engine, write=False) as uow:
        stored = uow.idempotency.get(a.id, "key-1")
        assert stored is not None
        assert (stored.request_hash, stored.status_code, stored.response) == ("h1", 201, b"{}")


@pytest.mark.postgres
def test_an_unreachable_postgresql_is_a_dependency_error() -> None:
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:9/nowhere")
    try:
        with pytest.raises(DependencyUnavailable, match="unavailable"):
            database.status(engine)
        with pytest.raises(DependencyUnavailable), UnitOfWork(engine):
            pass
    finally:
        engine.dispose()


def test_an_unopenable_sqlite_file_is_a_dependency_error(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    with pytest.raises(DependencyUnavailable):
        database.status(engine)


@pytest.mark.parametrize("url", ["mysql://x/y", "not a url", "redis://h"])
def test_an_unsupported_database_url_is_bad_input_naming_the_setting(url: str) -> None:
    with pytest.raises(UsageError, match="database_url"):
        make_engine(url)
