"""WORM guard rails of the audit ledger: triggers, grants and the SQLite authorizer.

The append-only tables (:data:`golive.storage.ledger.WORM_TABLES`) refuse ``UPDATE``,
``DELETE`` and ``TRUNCATE`` in the database itself:

- **PostgreSQL**: ``BEFORE UPDATE OR DELETE`` row triggers and a ``BEFORE TRUNCATE``
  statement trigger raise ``insufficient_privilege``. With :func:`grants_sql` the tables
  belong to an *owner* role and the *application* role golive serves with holds only
  ``SELECT`` and ``INSERT`` on them, so it can neither write around the triggers nor drop them.
- **SQLite**: ``BEFORE UPDATE`` / ``BEFORE DELETE`` triggers ``RAISE(ABORT, ...)``, and
  golive's own connections carry an authorizer (:func:`install_sqlite_authorizer`) that
  refuses, at prepare time, any ``UPDATE`` or ``DELETE`` of those tables and any
  ``DROP TABLE``, ``DROP TRIGGER`` or ``ALTER TABLE`` on them, except inside
  :func:`allow_ddl` (migrations, which also lift the triggers for their transaction).

One exception: rows of ``audit_entries`` whose index is below the highest ``before_idx`` in
``audit_prunes`` may be deleted: that is pruning after a verified archive
(:func:`golive.services.audit.prune`). On SQLite golive's connection must also enter
:func:`allow_prune`.

These rails stop accidents and the application role. They do not stop a PostgreSQL
superuser or whoever owns the SQLite file; signed checkpoints copied off the box detect what
such a person does (``golive audit verify --db``).

The SQL of both dialects lives here (rather than in a shared dialect module) because no other
part of golive needs triggers; :func:`install_worm` picks by ``connection.dialect.name``.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from golive.errors import InputError
from golive.storage.ledger import WORM_TABLES

__all__ = [
    "WORM_TABLES",
    "allow_ddl",
    "allow_prune",
    "grants_sql",
    "install_sqlite_authorizer",
    "install_worm",
    "missing_guards",
    "postgresql_ddl",
    "sqlite_ddl",
    "uninstall_worm",
]

_PRUNABLE = "audit_entries"
_ROLE = re.compile(r"[a-z_][a-z0-9_$]{0,62}")
_INFO_KEY = "golive_worm_guard"


# --- PostgreSQL -------------------------------------------------------------------------------

_PG_REFUSE = """
CREATE OR REPLACE FUNCTION golive_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'golive audit ledger: % on % is refused (append-only)',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$
"""

_PG_REFUSE_ENTRY_DELETE = """
CREATE OR REPLACE FUNCTION golive_audit_entries_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.idx < (SELECT COALESCE(MAX(before_idx), 0) FROM audit_prunes) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'golive audit ledger: DELETE on audit_entries is refused (append-only; '
        'entry % is not in a verified, pruned archive segment)', OLD.idx
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def postgresql_ddl() -> list[str]:
    """The statements that install the PostgreSQL triggers (idempotent)."""
    statements = [_PG_REFUSE.strip(), _PG_REFUSE_ENTRY_DELETE.strip()]
    for table in WORM_TABLES:
        on_delete = "golive_audit_entries_delete" if table == _PRUNABLE else "golive_audit_refuse"
        statements += [
            f"DROP TRIGGER IF EXISTS golive_audit_no_update ON {table}",
            f"CREATE TRIGGER golive_audit_no_update BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION golive_audit_refuse()",
            f"DROP TRIGGER IF EXISTS golive_audit_no_delete ON {table}",
            f"CREATE TRIGGER golive_audit_no_delete BEFORE DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {on_delete}()",
            f"DROP TRIGGER IF EXISTS golive_audit_no_truncate ON {table}",
            f"CREATE TRIGGER golive_audit_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION golive_audit_refuse()",
        ]
    return statements


def _postgresql_drop() -> list[str]:
    statements = []
    for table in WORM_TABLES:
        for name in ("no_update", "no_delete", "no_truncate"):
            statements.append(f"DROP TRIGGER IF EXISTS golive_audit_{name} ON {table}")
    statements += [
        "DROP FUNCTION IF EXISTS golive_audit_refuse()",
        "DROP FUNCTION IF EXISTS golive_audit_entries_delete()",
    ]
    return statements


def grants_sql(owner_role: str, app_role: str) -> str:
    """A PostgreSQL script giving the ledger tables to ``owner_role`` and the application
    role ``app_role`` only what serving needs: SELECT and INSERT on the append-only tables.

    Run it as a superuser or as the current owner, after ``alembic upgrade`` (migrations
    run as the owner role; ``golive serve`` connects as the application role).
    """
    for role in (owner_role, app_role):
        if not _ROLE.fullmatch(role):
            raise InputError(
                f"role name {role!r} must be a lower-case SQL identifier ([a-z_][a-z0-9_$]*)"
            )
    if owner_role == app_role:
        raise InputError("the owner role and the application role must differ")
    worm = ", ".join(WORM_TABLES)
    lines = [
        "-- golive audit ledger: owner role vs application role (generated by",
        "-- `golive audit grants`). Run as a superuser or the tables' current owner.",
        "BEGIN;",
        f"ALTER TABLE audit_head OWNER TO {owner_role};",
        f"ALTER TABLE audit_personal OWNER TO {owner_role};",
        *(f"ALTER TABLE {table} OWNER TO {owner_role};" for table in WORM_TABLES),
        f"ALTER FUNCTION golive_audit_refuse() OWNER TO {owner_role};",
        f"ALTER FUNCTION golive_audit_entries_delete() OWNER TO {owner_role};",
        f"REVOKE ALL ON audit_head, audit_personal, {worm} FROM PUBLIC;",
        f"REVOKE ALL ON audit_head, audit_personal, {worm} FROM {app_role};",
        "-- append-only: the application may read and add, never change or remove",
        f"GRANT SELECT, INSERT ON {worm} TO {app_role};",
        f"GRANT USAGE ON SEQUENCE audit_checkpoints_id_seq, audit_prunes_id_seq TO {app_role};",
        "-- the head row is the appenders' lock and the tree's frontier",
        f"GRANT SELECT, INSERT, UPDATE ON audit_head TO {app_role};",
        "-- personal values are outside the tree: erasure deletes them",
        f"GRANT SELECT, INSERT, DELETE ON audit_personal TO {app_role};",
        "COMMIT;",
        "",
    ]
    return "\n".join(lines)


# --- SQLite ---------------------------------------------------------------------------------


def sqlite_ddl() -> list[str]:
    """The statements that install the SQLite triggers (idempotent)."""
    statements = []
    for table in WORM_TABLES:
        refuse = "golive audit ledger: {op} on " + table + " is refused (append-only)"
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS golive_audit_{table}_no_update "
            f"BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{refuse.format(op='UPDATE')}'); END"
        )
        when = (
            " WHEN OLD.idx >= (SELECT COALESCE(MAX(before_idx), 0) FROM audit_prunes)"
            if table == _PRUNABLE
            else ""
        )
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS golive_audit_{table}_no_delete "
            f"BEFORE DELETE ON {table}{when} "
            f"BEGIN SELECT RAISE(ABORT, '{refuse.format(op='DELETE')}'); END"
        )
    return statements


def _sqlite_drop() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS golive_audit_{table}_no_{op}"
        for table in WORM_TABLES
        for op in ("update", "delete")
    ]


@dataclass(slots=True)
class _Guard:
    """Per-connection switches of the authorizer; both off outside their context managers."""

    prune: bool = False
    ddl: bool = False


def _authorizer(guard: _Guard) -> Any:
    deny, ok = sqlite3.SQLITE_DENY, sqlite3.SQLITE_OK

    def authorize(
        action: int, arg1: str | None, arg2: str | None, _db: str | None, _source: str | None
    ) -> int:
        if action == sqlite3.SQLITE_UPDATE and arg1 in WORM_TABLES:
            return ok if guard.ddl else deny  # a migration reshaping the ledger's rows
        if action == sqlite3.SQLITE_DELETE and arg1 in WORM_TABLES:
            # DROP TABLE deletes the table's rows first: allowed only inside allow_ddl
            return ok if guard.ddl or (guard.prune and arg1 == _PRUNABLE) else deny
        if action == sqlite3.SQLITE_DROP_TABLE and arg1 in WORM_TABLES:
            return ok if guard.ddl else deny
        if action == sqlite3.SQLITE_DROP_TRIGGER and arg2 in WORM_TABLES:
            return ok if guard.ddl else deny
        if action == sqlite3.SQLITE_ALTER_TABLE and arg2 in WORM_TABLES:
            return ok if guard.ddl else deny
        return ok

    return authorize


def install_sqlite_authorizer(engine: sa.Engine) -> None:
    """Give every SQLite connection ``engine`` opens the WORM authorizer (idempotent).

    golive's engine factory (:func:`golive.storage.engine.make_engine`) calls this for
    SQLite URLs; a connection made any other way (the ``sqlite3`` shell, another program)
    is not guarded, which is why checkpoints exist. Calling it again for the same engine
    adds nothing: one listener, so one guard per connection.
    """
    if engine.dialect.name != "sqlite":
        return
    if not sa.event.contains(engine, "connect", _guard_connection):
        sa.event.listen(engine, "connect", _guard_connection)


def _guard_connection(dbapi_connection: Any, record: Any) -> None:
    guard = _Guard()
    record.info[_INFO_KEY] = guard
    dbapi_connection.set_authorizer(_authorizer(guard))


def _guard_of(connection: sa.Connection) -> _Guard | None:
    guard = connection.connection.info.get(_INFO_KEY)
    return guard if isinstance(guard, _Guard) else None


@contextmanager
def allow_prune(connection: sa.Connection) -> Iterator[None]:
    """Let this SQLite connection delete ``audit_entries`` rows (the triggers still allow
    only rows below a recorded prune mark). A no-op on PostgreSQL. Nests: leaving an inner
    block restores what the outer one allowed."""
    guard = _guard_of(connection)
    if guard is None:
        yield
        return
    before, guard.prune = guard.prune, True
    try:
        yield
    finally:
        guard.prune = before


@contextmanager
def allow_ddl(connection: sa.Connection) -> Iterator[None]:
    """Let this SQLite connection drop, alter or rewrite the ledger tables and drop their
    triggers (migrations). A no-op on PostgreSQL, where the owner role decides.

    Nests: :func:`uninstall_worm` enters it too, and leaving that inner block must not take
    the permission away from the migration's outer block (which then drops the tables).
    """
    guard = _guard_of(connection)
    if guard is None:
        yield
        return
    before, guard.ddl = guard.ddl, True
    try:
        yield
    finally:
        guard.ddl = before


# --- both -------------------------------------------------------------------------------------


def install_worm(connection: sa.Connection) -> None:
    """Install the triggers for this connection's database (inside its transaction)."""
    name = connection.dialect.name
    if name == "postgresql":
        statements = postgresql_ddl()
    elif name == "sqlite":
        statements = sqlite_ddl()
    else:  # pragma: no cover - golive supports SQLite and PostgreSQL only
        raise InputError(f"golive's audit ledger does not support {name}")
    for statement in statements:
        connection.execute(sa.text(statement))


def uninstall_worm(connection: sa.Connection) -> None:
    """Drop the triggers (migration 0002 going down)."""
    name = connection.dialect.name
    statements = _postgresql_drop() if name == "postgresql" else _sqlite_drop()
    with allow_ddl(connection):
        for statement in statements:
            connection.execute(sa.text(statement))


def missing_guards(connection: sa.Connection) -> list[str]:
    """The WORM triggers that should exist and do not (empty when all are in place)."""
    name = connection.dialect.name
    if name == "postgresql":
        rows = connection.execute(
            sa.text(
                "SELECT c.relname, t.tgname FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE 'golive_audit_%' AND t.tgenabled <> 'D' "
                "AND c.relnamespace = to_regnamespace(current_schema())"
            )
        )
        present = {f"{r[1]} ON {r[0]}" for r in rows}
        expected = {
            f"golive_audit_{op} ON {table}"
            for table in WORM_TABLES
            for op in ("no_update", "no_delete", "no_truncate")
        }
    else:
        rows = connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {r[0] for r in rows}
        expected = {
            f"golive_audit_{table}_no_{op}" for table in WORM_TABLES for op in ("update", "delete")
        }
    return sorted(expected - present)
