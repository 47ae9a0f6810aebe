"""``golive db``: create or upgrade the control plane's database, and check it is current."""

from __future__ import annotations

import click

from golive.cli._output import echo_json
from golive.errors import EXIT_POLICY_SAYS_NO
from golive.services import database
from golive.settings import load_settings
from golive.storage.engine import make_engine, redacted


@click.group()
def db() -> None:
    """Create, upgrade and check the database (GOLIVE_DATABASE_URL)."""


@db.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def upgrade(fmt: str) -> None:
    """Apply every migration; creates the database file for SQLite. Exit 3 if unreachable."""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        result = database.upgrade(engine)
    finally:
        engine.dispose()
    if fmt == "json":
        echo_json({"database": redacted(settings.database_url), **result.as_dict()})
    else:
        click.echo(f"{redacted(settings.database_url)}: at {', '.join(result.current)}")


@db.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
def check(ctx: click.Context, fmt: str) -> None:
    """Exit 0 if the database is at the newest migration, 1 if behind, 3 if unreachable."""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        result = database.status(engine)
    finally:
        engine.dispose()
    if fmt == "json":
        echo_json({"database": redacted(settings.database_url), **result.as_dict()})
    elif result.is_current:
        click.echo(f"{redacted(settings.database_url)}: current ({', '.join(result.head)})")
    else:
        have = ", ".join(result.current) or "empty"
        click.echo(
            f"{redacted(settings.database_url)}: behind: at {have}, newest is "
            f"{', '.join(result.head)}; run 'golive db upgrade'"
        )
    if not result.is_current:
        ctx.exit(EXIT_POLICY_SAYS_NO)
