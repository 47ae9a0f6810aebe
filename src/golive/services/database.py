"""Database schema use cases: upgrade to the newest migration, and check whether it is current.

Alembic runs from the installed package (``golive.storage.migrations``); no
``alembic.ini`` is needed in the working directory.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from golive.errors import DependencyUnavailable
from golive.storage import dialect


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration pointing at golive's migrations and this engine's URL."""
    config = Config()
    location = resources.files("golive.storage") / "migrations"
    config.set_main_option("script_location", str(location))
    config.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    return config


@dataclass(frozen=True)
class SchemaStatus:
    """Where the database is against the migrations golive ships."""

    current: tuple[str, ...]
    head: tuple[str, ...]

    @property
    def is_current(self) -> bool:
        return set(self.current) == set(self.head)

    def as_dict(self) -> dict[str, object]:
        return {"current": list(self.current), "head": list(self.head), "ok": self.is_current}


def heads(engine: Engine) -> tuple[str, ...]:
    return tuple(sorted(ScriptDirectory.from_config(alembic_config(engine)).get_heads()))


def status(engine: Engine) -> SchemaStatus:
    """The applied and the newest revisions; :class:`DependencyUnavailable` if unreachable."""
    try:
        with engine.connect().execution_options(
            **{dialect.TRANSACTION_OPTION: "read"}
        ) as connection:
            current = MigrationContext.configure(connection).get_current_heads()
    except DBAPIError as exc:
        raise _unavailable(engine, exc) from None
    return SchemaStatus(tuple(sorted(current)), heads(engine))


def upgrade(engine: Engine, revision: str = "heads") -> SchemaStatus:
    """Apply every migration up to ``revision``; return the status afterwards."""
    config = alembic_config(engine)
    try:
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            connection.commit()
    except DBAPIError as exc:
        raise _unavailable(engine, exc) from None
    return status(engine)


def _unavailable(engine: Engine, exc: DBAPIError) -> BaseException:
    if dialect.is_unreachable(exc) or dialect.is_locked(exc):
        where = engine.url.render_as_string(hide_password=True)
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        return DependencyUnavailable(f"the database {where} is unavailable: {first}")
    return exc
