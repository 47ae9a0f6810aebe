"""Alembic environment for golive: runs from the installed package, no alembic.ini needed.

:mod:`golive.services.database` builds the Alembic ``Config`` in code and passes
either an open connection (``config.attributes["connection"]``) or a URL
(``sqlalchemy.url``).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import golive.storage.tables  # noqa: F401  (declares the tables on the metadata)
from golive.storage import dialect
from golive.storage.engine import make_engine
from golive.storage.metadata import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=dialect.is_sqlite(connection),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


_main()
