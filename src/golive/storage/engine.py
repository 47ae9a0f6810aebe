"""Make the one SQLAlchemy ``Engine`` a process uses, from ``Settings.database_url``."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine

from golive.storage import dialect, worm


def make_engine(database_url: str) -> Engine:
    """An engine for SQLite or PostgreSQL, configured by :mod:`golive.storage.dialect`.

    SQLite connections carry the audit ledger's WORM authorizer
    (:func:`golive.storage.worm.install_sqlite_authorizer`).

    Nothing connects yet; the first unit of work does. A URL golive cannot use
    raises :class:`~golive.errors.UsageError` (exit 2).
    """
    url = dialect.parse_url(database_url)
    engine = create_engine(url, **dialect.engine_options(url))
    dialect.configure(engine)
    worm.install_sqlite_authorizer(engine)  # the audit ledger's tables stay append-only
    return engine


def redacted(database_url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    return dialect.parse_url(database_url).render_as_string(hide_password=True)
