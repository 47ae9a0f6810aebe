"""Shared fixtures: a migrated database on SQLite and on PostgreSQL.

PostgreSQL tests use the server at 127.0.0.1:5432 (trust auth, user ``postgres``):
the session creates one uniquely named database and drops it at the end. Tests
share that database and keep apart by creating their own tenants.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

PG_ADMIN_URL = os.environ.get(
    "GOLIVE_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)

DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test session; dropped at the end."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"golive_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - depends on the machine
        admin.dispose()
        pytest.skip(f"PostgreSQL at {PG_ADMIN_URL} is not available: {exc}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("db") / "golive.db"
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def _migrated(request: pytest.FixtureRequest) -> dict[str, Engine]:
    return {}


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest) -> str:
    """The URL of a migrated database, once on SQLite and once on PostgreSQL."""
    kind = request.param
    url: str = request.getfixturevalue("sqlite_url" if kind == "sqlite" else "postgres_url")
    return url


@pytest.fixture
def engine(database_url: str, _migrated: dict[str, Engine]) -> Engine:
    """A migrated engine, shared by the session for each database."""
    from golive.services import database
    from golive.storage.engine import make_engine

    if database_url not in _migrated:
        engine = make_engine(database_url)
        database.upgrade(engine)
        _migrated[database_url] = engine
    return _migrated[database_url]


#: Variables that make golive read a CI run's branch or tag (golive.vcs.ci); tests that want
#: them set them, so the suite behaves the same inside and outside CI.
_CI_VARIABLES = (
    "GITHUB_ACTIONS",
    "TF_BUILD",
    "GITLAB_CI",
    "BITBUCKET_BUILD_NUMBER",
    "CIRCLECI",
    "BUILDKITE",
    "JENKINS_URL",
    "TRAVIS",
)


@pytest.fixture(autouse=True)
def _outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
