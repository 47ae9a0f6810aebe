"""``golive demo seed``: the demo control plane's data (what ``make demo`` runs)."""

from __future__ import annotations

from pathlib import Path

import click

from golive.services import demo as service
from golive.settings import load_settings
from golive.storage.engine import make_engine, redacted


@click.group()
def demo() -> None:
    """Demo data for a local control plane."""


@demo.command()
@click.option(
    "--policies",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default="examples/policies",
    show_default=True,
)
@click.option(
    "--evidence",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default="tests/fixtures/evidence",
    show_default=True,
)
@click.option("--url", default="http://127.0.0.1:8700", show_default=True, help="Printed only.")
def seed(policies: Path, evidence: Path, url: str) -> None:
    """Create the database (GOLIVE_DATABASE_URL) with the five reference tenants and data."""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        result = service.seed(engine, policies=policies, evidence=evidence)
    finally:
        engine.dispose()
    click.echo(f"database: {redacted(settings.database_url)}")
    for t in result.tenants:
        click.echo(
            f"  tenant {t.tenant:<24} policy {t.policy_digest[:19]}…  {t.records} records, "
            f"decisions: {', '.join(t.decisions) or 'none'}"
        )
        for note in t.notes:
            click.echo(f"    note: {note}")
    click.echo("")
    click.echo(f"console:    {url}/   (sign in with a token below; each opens one tenant)")
    for tenant, secret in result.tokens.items():
        click.echo(f"  {tenant:<24} {secret}")
    click.echo(f"API:        {url}/api/v1/docs")
    click.echo(f"demo token: {result.token}   (tenant {result.token_tenant}, role admin, 30 days)")
    click.echo(f"try:        curl -H 'Authorization: Bearer {result.token}' {url}/api/v1/decisions")
