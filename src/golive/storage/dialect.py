"""Every difference between SQLite and PostgreSQL golive cares about, in one module.

=========================  ===========================  ==================================
concern                    SQLite                       PostgreSQL
=========================  ===========================  ==================================
driver / URL               ``sqlite:///PATH``           ``postgresql+psycopg://...`` (3)
on connect                 WAL, ``foreign_keys=ON``,    nothing (server configuration)
                           ``busy_timeout``,
                           ``synchronous=FULL``
write transactions         ``BEGIN IMMEDIATE`` (takes   ``BEGIN`` (row locks; unique
                           the write lock up front, no  violations wait for the other
                           upgrade deadlock)            transaction and then conflict)
read transactions          ``BEGIN`` (deferred)         ``BEGIN``
timestamps                 naive UTC text, made aware   ``timestamptz``
                           on the way out
insert-if-absent           ``INSERT ... ON CONFLICT DO NOTHING`` (both; one builder here)
immutability triggers      ``RAISE(ABORT, ...)``        PL/pgSQL function + trigger
"unreachable" errors       cannot open the file         connection refused / timeout
=========================  ===========================  ==================================

Nothing else in golive branches on the database kind: it calls the functions here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import DateTime, Engine, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, Dialect, make_url
from sqlalchemy.sql.dml import Insert
from sqlalchemy.types import TypeDecorator

from golive.errors import UsageError

#: How long a SQLite writer waits for the lock before giving up, in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: Execution option naming the kind of transaction: "write" (the default) or "read".
TRANSACTION_OPTION = "golive_transaction"


def parse_url(url: str) -> URL:
    """A SQLAlchemy URL for a supported database, or a :class:`UsageError` naming the problem."""
    try:
        parsed = make_url(url)
    except Exception:
        raise UsageError(
            f"database_url: {url!r} is not a database URL; write sqlite:///PATH or "
            "postgresql+psycopg://USER@HOST/DB"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+pysqlite")
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    raise UsageError(
        f"database_url: golive stores its state in SQLite or PostgreSQL, not {backend!r}"
    )


def is_sqlite(bind: Engine | Connection | Dialect | URL) -> bool:
    if isinstance(bind, URL):
        return bind.get_backend_name() == "sqlite"
    dialect = bind if isinstance(bind, Dialect) else bind.dialect
    return dialect.name == "sqlite"


def engine_options(url: URL) -> dict[str, Any]:
    """Keyword arguments for ``create_engine`` for this kind of database."""
    if is_sqlite(url):
        return {
            "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        }
    return {
        "pool_pre_ping": True,
        "pool_size": 10,
        "max_overflow": 10,
        "connect_args": {"connect_timeout": 5},
    }


def configure(engine: Engine) -> None:
    """Install the per-connection settings and the transaction-begin rule."""
    if not is_sqlite(engine):
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN, not the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            # FULL: a commit is on disk before golive answers 2xx, even on power loss.
            cursor.execute("PRAGMA synchronous=FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        kind = connection.get_execution_options().get(TRANSACTION_OPTION, "write")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if kind == "write" else "BEGIN")


def insert_ignoring_conflicts(
    table: Table, bind: Connection, index_elements: Sequence[str]
) -> Insert:
    """``INSERT ... ON CONFLICT (index_elements) DO NOTHING`` for this database."""
    if is_sqlite(bind):
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(index_elements))
    return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(index_elements))


def immutable_table_ddl(dialect_name: str, table: str) -> list[str]:
    """Statements that make ``table`` refuse UPDATE and DELETE (append-only rows)."""
    message = f"{table} rows are immutable"
    if dialect_name == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
        ]
    return [
        f"CREATE FUNCTION {table}_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{message}'; END $$",
        f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_immutable()",
    ]


def drop_immutable_table_ddl(dialect_name: str, table: str) -> list[str]:
    if dialect_name == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_update",
            f"DROP TRIGGER IF EXISTS {table}_no_delete",
        ]
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}",
        f"DROP FUNCTION IF EXISTS {table}_immutable()",
    ]


def is_unreachable(exc: BaseException) -> bool:
    """Whether a driver error means "the database is not there" rather than a bug."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    if not isinstance(exc, (OperationalError, InterfaceError)):
        return False
    text = str(exc).lower()
    needles = (
        "unable to open database",
        "connection refused",
        "could not connect",
        "connection failed",
        "timeout expired",
        "does not exist",
        "server closed the connection",
        "no such host",
        "name or service not known",
        "connection is closed",
        "terminating connection",
    )
    return any(n in text for n in needles)


def is_locked(exc: BaseException) -> bool:
    """Whether a driver error is a lock timeout worth retrying (SQLite "database is locked")."""
    from sqlalchemy.exc import OperationalError

    return isinstance(exc, OperationalError) and "database is locked" in str(exc).lower()


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware datetime on both databases; stored in UTC.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so the value is
    stored as naive UTC and made aware again when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("golive stores timezone-aware datetimes only")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
