"""``golive tenant`` and ``golive token``: tenants and their API tokens, on the database."""

from __future__ import annotations

import click

from golive.cli._output import echo_json
from golive.services import tenants
from golive.settings import load_settings
from golive.storage.engine import make_engine
from golive.storage.repositories import TokenRow
from golive.storage.unit_of_work import UnitOfWork

ACTOR = "cli"


def _uow() -> UnitOfWork:
    return UnitOfWork(make_engine(load_settings().database_url), correlation_id="cli")


def _token_view(row: TokenRow) -> dict[str, object]:
    return {
        "id": row.id,
        "tenant": row.tenant,
        "name": row.name,
        "role": row.role,
        "prefix": row.prefix,
        "created_at": row.created_at.isoformat(),
        "expires_at": row.expires_at.isoformat() if row.expires_at else None,
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
        "rotated_from": row.rotated_from,
    }


@click.group()
def tenant() -> None:
    """Create and list tenants (GOLIVE_DATABASE_URL)."""


@tenant.command("create")
@click.argument("name")
def tenant_create(name: str) -> None:
    """Create tenant NAME. Exit 2 if the name is invalid or taken."""
    row = tenants.create_tenant(_uow(), name, actor=ACTOR)
    click.echo(f"created tenant {row.name} (id {row.id})")


@tenant.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def tenant_list(fmt: str) -> None:
    """List tenants."""
    rows = tenants.list_tenants(_uow())
    if fmt == "json":
        echo_json(
            [{"id": r.id, "name": r.name, "created_at": r.created_at.isoformat()} for r in rows]
        )
        return
    for r in rows:
        click.echo(f"{r.id:>4}  {r.name}")


@click.group()
def token() -> None:
    """Create, list, rotate and revoke API tokens (stored hashed; shown once)."""


@token.command("create")
@click.option("--tenant", "tenant_name", required=True, help="Tenant the token acts in.")
@click.option(
    "--role", required=True, help="viewer, developer, release-manager, sre, security, admin."
)
@click.option("--name", default="cli", show_default=True, help="A label for the token.")
@click.option("--expires", default=None, help="Lifetime, such as 90d (default: no expiry).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def token_create(tenant_name: str, role: str, name: str, expires: str | None, fmt: str) -> None:
    """Create a token and print it once. Store it now: golive keeps only its hash."""
    lifetime = tenants.parse_lifetime(expires, "--expires") if expires else None
    issued = tenants.create_token(
        _uow(), tenant=tenant_name, role=role, name=name, expires_in=lifetime, actor=ACTOR
    )
    if fmt == "json":
        echo_json({**_token_view(issued.token), "token": issued.secret})
        return
    click.echo(issued.secret)
    click.echo(
        f"token {issued.token.id} for {tenant_name} as {role}; shown once, stored hashed",
        err=True,
    )


@token.command("list")
@click.option("--tenant", "tenant_name", required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def token_list(tenant_name: str, fmt: str) -> None:
    """List a tenant's tokens (never their secrets)."""
    rows = tenants.list_tokens(_uow(), tenant_name)
    if fmt == "json":
        echo_json([_token_view(r) for r in rows])
        return
    for r in rows:
        state = "revoked" if r.revoked_at else "active"
        click.echo(f"{r.id:>4}  {r.prefix}…  {r.role:<16} {r.name}  {state}")


@token.command("revoke")
@click.option("--tenant", "tenant_name", required=True)
@click.argument("token_id", type=int)
def token_revoke(tenant_name: str, token_id: int) -> None:
    """Revoke token TOKEN_ID now."""
    tenants.revoke_token(_uow(), tenant=tenant_name, token_id=token_id, actor=ACTOR)
    click.echo(f"revoked token {token_id}")


@token.command("rotate")
@click.option("--tenant", "tenant_name", required=True)
@click.argument("token_id", type=int)
@click.option("--overlap", default="24h", show_default=True, help="How long the old one works.")
@click.option("--expires", default=None, help="Lifetime of the new token, such as 90d.")
def token_rotate(tenant_name: str, token_id: int, overlap: str, expires: str | None) -> None:
    """Issue a replacement for TOKEN_ID; the old one stops working after --overlap."""
    issued = tenants.rotate_token(
        _uow(),
        tenant=tenant_name,
        token_id=token_id,
        overlap=tenants.parse_lifetime(overlap, "--overlap"),
        expires_in=tenants.parse_lifetime(expires, "--expires") if expires else None,
        actor=ACTOR,
    )
    click.echo(issued.secret)
    click.echo(f"token {issued.token.id} replaces {token_id} (overlap {overlap})", err=True)
