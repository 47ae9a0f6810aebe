"""``golive serve``: the control plane's API on uvicorn."""

from __future__ import annotations

import click

from golive.errors import DependencyUnavailable
from golive.settings import load_settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8700, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--upgrade/--no-upgrade",
    default=False,
    help="Apply database migrations before serving (default: refuse to start if behind).",
)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, upgrade: bool, workers: int) -> None:
    """Serve the API (GOLIVE_DATABASE_URL). JSON logs with a correlation id on stderr.

    Exit 3 if the database is unreachable or behind its migrations (run
    'golive db upgrade', or pass --upgrade).
    """
    import uvicorn

    from golive.api.app import create_app
    from golive.api.observability import configure_logging
    from golive.services import database
    from golive.storage.engine import make_engine, redacted

    settings = load_settings()
    engine = make_engine(settings.database_url)
    status = database.upgrade(engine) if upgrade else database.status(engine)
    if not status.is_current:
        raise DependencyUnavailable(
            f"the database {redacted(settings.database_url)} is at "
            f"{', '.join(status.current) or 'no revision'}, not {', '.join(status.head)}; "
            "run 'golive db upgrade' or 'golive serve --upgrade'"
        )
    configure_logging(settings.log_level)
    if workers > 1:
        engine.dispose()
        uvicorn.run(
            "golive.api.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,
            access_log=False,
        )
        return
    app = create_app(settings, engine=engine)
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)
