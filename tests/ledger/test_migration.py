"""Alembic revision 0002_audit_ledger: the ledger tables as declared, triggers, and back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from golive.services import database
from golive.storage import ledger, worm
from golive.storage.engine import make_engine
from golive.storage.metadata import metadata


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrated.db'}"
    url: str = request.getfixturevalue("pg_database")
    admin = sa.create_engine(url)
    with admin.begin() as connection:
        connection.exec_driver_sql(
            "DROP SCHEMA public CASCADE; CREATE SCHEMA public; GRANT ALL ON SCHEMA public TO PUBLIC"
        )
    admin.dispose()
    return url


def test_migration_0002_creates_the_ledger_as_declared_with_its_guards(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        assert "0002_audit_ledger" in database.upgrade(engine, "0002_audit_ledger").current
        with engine.begin() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": _ledger_only}
            )
            diff = [d for d in compare_metadata(context, metadata) if _is_ledger(d)]
            assert diff == []
            assert worm.missing_guards(connection) == []
            index = ledger.append_entry(
                connection,
                time=datetime(2026, 1, 1, tzinfo=UTC),
                tenant="acme",
                actor="user:ana",
                action="policy.published",
                subject="policy:1",
                correlation_id="req-1",
                payload={},
            )
            assert index == 0
        # golive's own engine (storage.engine.make_engine) refuses to rewrite history
        for statement in ("UPDATE audit_entries SET actor = 'x'", "DELETE FROM audit_nodes"):
            with (
                pytest.raises(sa.exc.DatabaseError, match=r"append-only|not authorized"),
                engine.begin() as c,
            ):
                c.execute(sa.text(statement))
        _downgrade(engine, "0001_control_plane")
        with engine.connect() as connection:
            names = sa.inspect(connection).get_table_names()
        assert not [name for name in names if name.startswith("audit_")]
    finally:
        engine.dispose()


def _ledger_only(name: str | None, kind: str, parent: object) -> bool:
    return kind != "table" or (name or "").startswith("audit_")


def _is_ledger(diff: object) -> bool:
    return "audit_" in repr(diff)


def _downgrade(engine: sa.Engine, revision: str) -> None:
    from alembic import command

    config = database.alembic_config(engine)
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        connection.commit()
