"""Tenants and API tokens: create, list, revoke, rotate with overlap, authenticate.

A token is ``glv_`` followed by 43 random URL-safe characters. Only its SHA-256
is stored; the secret is shown once, when it is created. Rotation issues a new
token with the same tenant, role and name, and revokes the old one after an
overlap period, so pipelines can switch without an outage.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from golive.core.durations import Duration
from golive.errors import Conflict, NotFound, Unauthenticated, UsageError
from golive.services.access import ROLES, Principal
from golive.storage.repositories import TenantRow, TokenRow
from golive.storage.unit_of_work import UnitOfWork

TOKEN_PREFIX = "glv_"
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


def parse_lifetime(text: str, field: str) -> dt.timedelta:
    """``90d``, ``12h``, ``30m`` as a timedelta; :class:`UsageError` naming ``field`` if not."""
    try:
        delta = Duration.parse(text).timedelta
    except ValueError:
        delta = None
    if delta is None:
        raise UsageError(f"{field}: {text!r} is not a duration such as 90d, 12h or 30m")
    return delta


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_tenant_name(name: str) -> str:
    if not _NAME.match(name):
        raise UsageError(
            f"tenant: {name!r} is not a valid tenant name; use lower-case letters, digits, "
            "'.', '_' and '-', starting with a letter or digit, at most 80 characters"
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UsageError(f"role: {role!r} is not a role; one of: {', '.join(ROLES)}")
    return role


def create_tenant(uow: UnitOfWork, name: str, *, actor: str) -> TenantRow:
    check_tenant_name(name)
    with uow:
        if uow.tenants.by_name(name) is not None:
            raise Conflict(f"tenant: {name!r} exists already")
        tenant = uow.tenants.add(name, uow.clock())
        uow.audit(
            tenant=name, actor=actor, action="tenant.created", subject=f"tenant:{name}", payload={}
        )
    return tenant


def ensure_tenant(uow: UnitOfWork, name: str, *, actor: str) -> TenantRow:
    """The tenant ``name``, created if it does not exist yet."""
    check_tenant_name(name)
    with uow:
        found = uow.tenants.by_name(name)
        if found is not None:
            return found
        tenant = uow.tenants.add(name, uow.clock())
        uow.audit(
            tenant=name, actor=actor, action="tenant.created", subject=f"tenant:{name}", payload={}
        )
    return tenant


def list_tenants(uow: UnitOfWork) -> list[TenantRow]:
    with uow.reading():
        return uow.tenants.all()


@dataclass(frozen=True)
class IssuedToken:
    """A token just created: its stored row and the secret, shown this once."""

    token: TokenRow
    secret: str


def create_token(
    uow: UnitOfWork,
    *,
    tenant: str,
    role: str,
    name: str,
    expires_in: dt.timedelta | None,
    actor: str,
) -> IssuedToken:
    check_role(role)
    if expires_in is not None and expires_in <= dt.timedelta(0):
        raise UsageError("expires: must be a positive duration, such as 90d")
    with uow:
        found = uow.tenants.by_name(tenant)
        if found is None:
            raise NotFound(
                f"tenant: no tenant named {tenant!r}; create it with 'golive tenant create'"
            )
        issued = _issue(uow, found.id, role, name, expires_in, rotated_from=None)
        _audit_token(uow, "token.created", actor, issued.token)
    return issued


def _issue(
    uow: UnitOfWork,
    tenant_id: int,
    role: str,
    name: str,
    expires_in: dt.timedelta | None,
    rotated_from: int | None,
) -> IssuedToken:
    now = uow.clock()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = uow.tokens.add(
        tenant_id=tenant_id,
        name=name,
        role=role,
        token_hash=hash_token(secret),
        prefix=secret[:10],
        now=now,
        expires_at=now + expires_in if expires_in else None,
        rotated_from=rotated_from,
    )
    row = uow.tokens.get(tenant_id, token_id)
    assert row is not None
    return IssuedToken(row, secret)


def _audit_token(uow: UnitOfWork, action: str, actor: str, token: TokenRow) -> None:
    uow.audit(
        tenant=token.tenant,
        actor=actor,
        action=action,
        subject=f"token:{token.id}",
        payload={
            "name": token.name,
            "role": token.role,
            "prefix": token.prefix,
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
            "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
            "rotated_from": token.rotated_from,
        },
    )


def _tenant_id(uow: UnitOfWork, tenant: str) -> int:
    found = uow.tenants.by_name(tenant)
    if found is None:
        raise NotFound(f"tenant: no tenant named {tenant!r}")
    return found.id


def list_tokens(uow: UnitOfWork, tenant: str) -> list[TokenRow]:
    with uow.reading():
        return uow.tokens.find(_tenant_id(uow, tenant))


def revoke_token(uow: UnitOfWork, *, tenant: str, token_id: int, actor: str) -> TokenRow:
    with uow:
        tid = _tenant_id(uow, tenant)
        if uow.tokens.get(tid, token_id) is None:
            raise NotFound(f"token: no token {token_id} in tenant {tenant!r}")
        uow.tokens.revoke(tid, token_id, uow.clock())
        row = uow.tokens.get(tid, token_id)
        assert row is not None
        _audit_token(uow, "token.revoked", actor, row)
    return row


def rotate_token(
    uow: UnitOfWork,
    *,
    tenant: str,
    token_id: int,
    overlap: dt.timedelta,
    expires_in: dt.timedelta | None,
    actor: str,
) -> IssuedToken:
    """A new token like ``token_id``; the old one keeps working for ``overlap``, then not."""
    if overlap < dt.timedelta(0):
        raise UsageError("overlap: must not be negative")
    with uow:
        tid = _tenant_id(uow, tenant)
        old = uow.tokens.get(tid, token_id)
        if old is None:
            raise NotFound(f"token: no token {token_id} in tenant {tenant!r}")
        now = uow.clock()
        if not old.usable(now):
            raise Conflict(f"token: token {token_id} is revoked or expired; create a new one")
        issued = _issue(uow, tid, old.role, old.name, expires_in, rotated_from=old.id)
        end = now + overlap
        if old.expires_at is None or old.expires_at > end:
            uow.tokens.revoke(tid, old.id, end)
        _audit_token(uow, "token.rotated", actor, issued.token)
    return issued


def authenticate(uow: UnitOfWork, secret: str) -> Principal:
    """The caller a golive API token stands for; :class:`Unauthenticated` if none."""
    if not secret.startswith(TOKEN_PREFIX):
        raise Unauthenticated("the bearer token is not a golive API token")
    with uow.reading():
        row = uow.tokens.by_hash(hash_token(secret))
        now = uow.clock()
    if row is None or not row.usable(now):
        raise Unauthenticated("the API token is unknown, expired or revoked")
    return Principal(
        tenant_id=row.tenant_id,
        tenant=row.tenant,
        role=row.role,
        actor=f"token:{row.id}:{row.name}",
        limit_key=f"token:{row.id}",
    )


def principal_for(uow: UnitOfWork, *, tenant: str, role: str, actor: str) -> Principal:
    """A caller from an external identity (OIDC) naming a tenant and role."""
    check_role(role)
    with uow.reading():
        found = uow.tenants.by_name(tenant)
    if found is None:
        raise Unauthenticated(f"the identity names tenant {tenant!r}, which does not exist")
    return Principal(found.id, found.name, role, actor, f"oidc:{actor}")
