"""``golive demo seed``: the demo control plane's data (what ``make demo`` runs)."""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path
from typing import Any

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
@click.option(
    "--examples",
    type=click.Path(path_type=Path, file_okay=False),
    default="examples/evidence",
    show_default=True,
    help="Example bundles: their decisions are made here and published, as CI would.",
)
@click.option("--url", default="http://127.0.0.1:8700", show_default=True, help="Printed only.")
def seed(policies: Path, evidence: Path, examples: Path, url: str) -> None:
    """Create the database (GOLIVE_DATABASE_URL) with the five reference tenants and data."""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    published: dict[str, list[str]] = {}
    try:
        result = service.seed(engine, policies=policies, evidence=evidence)
        for tenant, documents in _example_decisions(policies, examples).items():
            published[tenant] = service.publish_decisions(engine, tenant, documents)
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
        for line in published.get(t.tenant, []):
            click.echo(f"    published from CI: {line}")
    click.echo("")
    click.echo(f"console:    {url}/   (sign in with a token below; each opens one tenant)")
    for tenant, secret in result.tokens.items():
        click.echo(f"  {tenant:<24} {secret}")
    click.echo(f"API:        {url}/api/v1/docs")
    click.echo(f"demo token: {result.token}   (tenant {result.token_tenant}, role admin, 30 days)")
    click.echo(f"try:        curl -H 'Authorization: Bearer {result.token}' {url}/api/v1/decisions")


def _example_decisions(policies: Path, examples: Path) -> dict[str, list[tuple[str, Any]]]:
    """Run ``golive gate`` on each example bundle that needs no git checkout.

    Returns the decision documents by tenant (the bundle's policy file name), named by
    variant (``pass``, ``blocked``). Bundles that build a git repository are left out.
    """
    from golive.cli.main import cli  # the gate command itself, exactly as CI runs it

    out: dict[str, list[tuple[str, Any]]] = {}
    for spec_file in sorted(examples.glob("*/*/bundle.json")):
        bundle = spec_file.parent
        spec = json.loads(spec_file.read_text(encoding="utf-8"))
        if "repo" in spec:
            continue
        tenant = Path(spec["policy"]).stem
        args = [str(bundle / a) if a.startswith("./") else a for a in spec["args"]]
        with tempfile.TemporaryDirectory(prefix="golive-demo-") as tmp:
            output = Path(tmp) / "decision.json"
            argv = [
                "gate",
                "--policy",
                str(policies / spec["policy"]),
                "--now",
                spec["now"],
                *args,
                "--format",
                "json",
                "--output",
                str(output),
            ]
            # exit 1 is a blocked release: its decision is written all the same
            with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
                cli.main(argv, prog_name="golive", standalone_mode=False)
            if not output.is_file():
                raise click.ClickException(f"{spec_file}: golive gate wrote no decision")
            document = json.loads(output.read_text(encoding="utf-8"))
        out.setdefault(tenant, []).append((f"{bundle.parent.name}/{bundle.name}", document))
    return out
