"""Fixtures of the ledger storage tests: a fresh ledger on SQLite and on PostgreSQL.

PostgreSQL runs at 127.0.0.1:5432 with trust auth; the session creates one uniquely named
database and drops it at the end. Each test gets freshly created ledger tables.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from ledger_support import LEDGER_TABLES, create_ledger, sqlite_engine

from golive.storage.metadata import metadata

PG_ADMIN_URL = os.environ.get(
    "GOLIVE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A uniquely named PostgreSQL database for this test session, dropped at the end."""
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"golive_ledger_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:  # pragma: no cover - depends on the machine
        admin.dispose()
        pytest.skip(f"PostgreSQL is not reachable: {exc}")
    url = sa.make_url(PG_ADMIN_URL).set(database=name)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def pg_engine(pg_database: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(pg_database)
    with engine.begin() as connection:
        metadata.drop_all(connection, tables=LEDGER_TABLES)
    create_ledger(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = sqlite_engine(tmp_path / "ledger.db")
    create_ledger(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> sa.Engine:
    """A fresh ledger on each database."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_db")  # type: ignore[no-any-return]
    return request.getfixturevalue("pg_engine")  # type: ignore[no-any-return]
