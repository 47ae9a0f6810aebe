"""``golive policy publish``: store a policy version on the control plane, by digest."""

from __future__ import annotations

from pathlib import Path

import click

from golive.cli._operator import tenant_admin
from golive.cli._output import echo_json
from golive.services import policy_store
from golive.services.policies import read_policy_text
from golive.settings import load_settings
from golive.storage.engine import make_engine
from golive.storage.unit_of_work import UnitOfWork


@click.command("publish")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--tenant", "tenant_name", required=True, help="The tenant the policy governs.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def publish(file: Path, tenant_name: str, fmt: str) -> None:
    """Validate FILE and store it for TENANT in the database (GOLIVE_DATABASE_URL).

    The version is identified by the policy's digest: publishing the same policy
    again stores nothing new. Exit 2 if the policy is invalid or the tenant unknown.
    """
    settings = load_settings()
    source = read_policy_text(file, settings.max_policy_bytes)
    engine = make_engine(settings.database_url)
    try:
        who = tenant_admin(engine, tenant_name)
        result = policy_store.publish(
            UnitOfWork(engine, correlation_id="cli"), who, source=source, file=str(file)
        )
    finally:
        engine.dispose()
    if fmt == "json":
        echo_json(
            {
                "id": result.id,
                "digest": result.digest,
                "name": result.name,
                "created": result.created,
            }
        )
    else:
        verb = "published" if result.created else "already published"
        click.echo(f"{verb}: {result.name} {result.digest} for {tenant_name}")
