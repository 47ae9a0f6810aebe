"""WORM: the append-only tables refuse UPDATE, DELETE and TRUNCATE through golive's connection."""

from __future__ import annotations

import secrets
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from ledger_support import create_ledger

from golive.storage import ledger, worm

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

REFUSED = [
    "UPDATE audit_entries SET actor = 'mallory'",
    "UPDATE audit_entries SET payload = '{}' WHERE idx = 1",
    "UPDATE audit_entries SET leaf = NULL WHERE idx = 1",
    "DELETE FROM audit_entries WHERE idx = 1",
    "DELETE FROM audit_entries",
    "UPDATE audit_nodes SET hash = hash",
    "DELETE FROM audit_nodes WHERE level = 8",
    "UPDATE audit_checkpoints SET size = 0",
    "DELETE FROM audit_checkpoints",
    "UPDATE audit_prunes SET before_idx = 1000",
    "DELETE FROM audit_prunes",
]


def _fill(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        for n in range(3):
            ledger.append_entry(
                connection,
                time=T0,
                tenant="acme",
                actor="user:ana",
                action="token.created",
                subject=f"token:{n}",
                correlation_id=f"req-{n}",
                payload={"n": n},
            )
        # a whole tile, so that there is a stored node (level 8) to refuse changing
        new = ledger.NewEntry(T0, "acme", "svc:ci", "evidence.ingested", "s", "c", {})
        ledger.append_entries(connection, [new] * 253)
        ledger.insert_checkpoint(connection, size=256, root=b"\0" * 32, issued_at=T0, note=b"x\n")
        connection.execute(
            ledger.audit_prunes.insert().values(
                before_idx=0,
                checkpoint_size=256,
                archive_sha256="0" * 64,
                archive_name="none",
                pruned_at="2026-03-01T12:00:00.000000Z",
            )
        )


def _count(engine: sa.Engine) -> tuple[int, ...]:
    with engine.connect() as connection:
        return tuple(
            connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in (
                ledger.audit_entries,
                ledger.audit_nodes,
                ledger.audit_checkpoints,
                ledger.audit_prunes,
            )
        )


@pytest.mark.parametrize("statement", REFUSED)
def test_update_and_delete_of_ledger_rows_fail_through_golives_own_connection(
    engine: sa.Engine, statement: str
) -> None:
    _fill(engine)
    before = _count(engine)
    with pytest.raises(sa.exc.DatabaseError), engine.begin() as connection:
        connection.execute(sa.text(statement))
    assert _count(engine) == before


@pytest.mark.postgres
@pytest.mark.parametrize("table", worm.WORM_TABLES)
def test_truncate_of_ledger_tables_fails_on_postgresql(pg_engine: sa.Engine, table: str) -> None:
    _fill(pg_engine)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), pg_engine.begin() as c:
        c.execute(sa.text(f"TRUNCATE {table} CASCADE"))


@pytest.mark.parametrize("statement", REFUSED[:3])
def test_the_sqlite_triggers_refuse_even_without_the_authorizer(
    sqlite_db: sa.Engine, statement: str
) -> None:
    _fill(sqlite_db)
    sqlite_db.dispose()
    raw = sqlite3.connect(str(sqlite_db.url.database))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw.execute(statement)
    raw.close()


@pytest.mark.parametrize(
    "statement",
    [
        "DROP TRIGGER golive_audit_audit_entries_no_update",
        "DROP TABLE audit_entries",
        "ALTER TABLE audit_entries RENAME TO old_entries",
        "UPDATE audit_entries SET actor = 'mallory'",
    ],
)
def test_the_sqlite_authorizer_refuses_at_prepare_time(
    sqlite_db: sa.Engine, statement: str
) -> None:
    _fill(sqlite_db)
    with pytest.raises(sa.exc.DatabaseError, match="not authorized"), sqlite_db.begin() as c:
        c.execute(sa.text(statement))
    assert worm.missing_guards(sqlite_db.connect()) == []


def test_the_mutable_head_and_erasable_personal_rows_stay_writable(engine: sa.Engine) -> None:
    _fill(engine)
    with engine.begin() as connection:
        ledger.append_entry(
            connection,
            time=T0,
            tenant="acme",
            actor="user:ana",
            action="login",
            subject="user:ana",
            correlation_id="req-9",
            payload={"email": "ana@example.com"},
            personal=["email"],
        )
        deleted = connection.execute(ledger.audit_personal.delete()).rowcount
    assert deleted == 1


@pytest.mark.postgres
def test_the_application_role_may_insert_and_select_but_not_update_or_delete(
    pg_engine: sa.Engine,
) -> None:
    suffix = secrets.token_hex(4)
    owner, app = f"golive_owner_{suffix}", f"golive_app_{suffix}"
    with pg_engine.begin() as connection:
        connection.exec_driver_sql(f"CREATE ROLE {owner}")
        connection.exec_driver_sql(f"CREATE ROLE {app}")
    try:
        with pg_engine.begin() as connection:
            for statement in worm.grants_sql(owner, app).split(";\n"):
                body = "\n".join(
                    line for line in statement.splitlines() if not line.startswith("--")
                ).strip()
                if body and body not in ("BEGIN", "COMMIT"):
                    connection.execute(sa.text(body))
        with pg_engine.begin() as connection:
            connection.exec_driver_sql(f"SET LOCAL ROLE {app}")
            _append_as_app(connection)
            ledger.insert_checkpoint(connection, size=1, root=b"\1" * 32, issued_at=T0, note=b"x\n")
        for statement in (
            "UPDATE audit_entries SET actor = 'mallory'",
            "DELETE FROM audit_entries",
            "TRUNCATE audit_nodes",
            "DROP TRIGGER golive_audit_no_update ON audit_entries",
            "ALTER TABLE audit_entries DISABLE TRIGGER ALL",
        ):
            with pg_engine.begin() as connection:
                connection.exec_driver_sql(f"SET LOCAL ROLE {app}")
                with pytest.raises(sa.exc.ProgrammingError, match=r"permission denied|owner"):
                    connection.exec_driver_sql(statement)
    finally:
        with pg_engine.begin() as connection:
            for table in (*worm.WORM_TABLES, "audit_head", "audit_personal"):
                connection.exec_driver_sql(f"ALTER TABLE {table} OWNER TO postgres")
            connection.exec_driver_sql("ALTER FUNCTION golive_audit_refuse() OWNER TO postgres")
            connection.exec_driver_sql(
                "ALTER FUNCTION golive_audit_entries_delete() OWNER TO postgres"
            )
            for role in (app, owner):
                connection.exec_driver_sql(f"DROP OWNED BY {role}")
                connection.exec_driver_sql(f"DROP ROLE {role}")


def _append_as_app(connection: sa.Connection) -> None:
    ledger.append_entry(
        connection,
        time=T0,
        tenant="acme",
        actor="svc:api",
        action="record.ingested",
        subject="record:1",
        correlation_id="req-1",
        payload={},
    )


def test_grants_refuse_role_names_that_are_not_plain_identifiers() -> None:
    from golive.errors import InputError

    with pytest.raises(InputError, match="role name"):
        worm.grants_sql("owner; DROP TABLE x", "app")
    with pytest.raises(InputError, match="must differ"):
        worm.grants_sql("golive", "golive")


def test_allow_ddl_nested_inside_allow_ddl_keeps_the_outer_permission(
    sqlite_db: sa.Engine,
) -> None:
    # migration 0002 going down enters allow_ddl, and uninstall_worm enters it again inside;
    # leaving the inner block once took the permission away and DROP TABLE was refused
    with sqlite_db.begin() as connection, worm.allow_ddl(connection):
        worm.uninstall_worm(connection)
        connection.execute(sa.text("DROP TABLE audit_prunes"))
    with sqlite_db.begin() as connection:
        assert "audit_prunes" not in sa.inspect(connection).get_table_names()
        with pytest.raises(sa.exc.DatabaseError, match="not authorized"):
            connection.execute(sa.text("DROP TABLE audit_nodes"))


def test_allow_prune_nested_restores_the_outer_state_on_leaving(sqlite_db: sa.Engine) -> None:
    with sqlite_db.connect() as connection:
        guard = worm._guard_of(connection)
        assert guard is not None
        with worm.allow_prune(connection):
            with worm.allow_prune(connection):
                pass
            assert guard.prune
        assert not guard.prune


def test_installing_the_sqlite_authorizer_twice_gives_one_guard_per_connection(
    sqlite_db: sa.Engine,
) -> None:
    worm.install_sqlite_authorizer(sqlite_db)  # the fixture installed it already
    worm.install_sqlite_authorizer(sqlite_db)
    sqlite_db.dispose()
    with sqlite_db.begin() as connection, worm.allow_ddl(connection):
        connection.execute(sa.text("DROP TRIGGER golive_audit_audit_nodes_no_update"))


def test_golives_engine_factory_gives_sqlite_connections_the_authorizer(tmp_path: Path) -> None:
    from golive.storage.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'g.db'}")
    try:
        create_ledger(engine)
        with pytest.raises(sa.exc.DatabaseError, match="not authorized"), engine.begin() as c:
            c.execute(sa.text("DROP TABLE audit_entries"))
    finally:
        engine.dispose()
