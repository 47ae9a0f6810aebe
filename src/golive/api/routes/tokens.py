"""API tokens of the caller's tenant (admin only), and ``whoami``."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from golive.api import schemas
from golive.api.deps import Caller, Uow
from golive.services import tenants
from golive.services.access import permissions_of
from golive.storage.repositories import TokenRow

router = APIRouter(prefix="/api/v1", tags=["tokens"])


def _view(row: TokenRow) -> dict[str, object]:
    return {
        "id": row.id,
        "name": row.name,
        "role": row.role,
        "prefix": row.prefix,
        "created_at": row.created_at.isoformat(),
        "expires_at": row.expires_at.isoformat() if row.expires_at else None,
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
        "rotated_from": row.rotated_from,
    }


def _delta(text: str | None, field: str) -> dt.timedelta | None:
    return None if text is None else tenants.parse_lifetime(text, field)


@router.get("/whoami", summary="The caller: tenant, role, permissions")
def whoami(who: Caller) -> JSONResponse:
    return JSONResponse(
        {
            "tenant": who.tenant,
            "role": who.role,
            "actor": who.actor,
            "permissions": permissions_of(who.role),
        }
    )


@router.get("/tokens", summary="The tenant's API tokens (never their secrets)")
def list_tokens(who: Caller, uow: Uow) -> JSONResponse:
    who.require("tokens:manage")
    return JSONResponse({"items": [_view(t) for t in tenants.list_tokens(uow(), who.tenant)]})


@router.post("/tokens", status_code=201, summary="Create a token; the secret is shown once")
def create_token(body: schemas.TokenBody, who: Caller, uow: Uow) -> JSONResponse:
    who.require("tokens:manage")
    issued = tenants.create_token(
        uow(),
        tenant=who.tenant,
        role=body.role,
        name=body.name,
        expires_in=_delta(body.expires, "expires"),
        actor=who.actor,
    )
    return JSONResponse({**_view(issued.token), "token": issued.secret}, status_code=201)


@router.post("/tokens/{token_id}/rotate", status_code=201, summary="Rotate with an overlap")
def rotate_token(token_id: int, body: schemas.RotateBody, who: Caller, uow: Uow) -> JSONResponse:
    who.require("tokens:manage")
    issued = tenants.rotate_token(
        uow(),
        tenant=who.tenant,
        token_id=token_id,
        overlap=tenants.parse_lifetime(body.overlap, "overlap"),
        expires_in=_delta(body.expires, "expires"),
        actor=who.actor,
    )
    return JSONResponse({**_view(issued.token), "token": issued.secret}, status_code=201)


@router.delete("/tokens/{token_id}", summary="Revoke a token now")
def revoke_token(token_id: int, who: Caller, uow: Uow) -> JSONResponse:
    who.require("tokens:manage")
    return JSONResponse(
        _view(tenants.revoke_token(uow(), tenant=who.tenant, token_id=token_id, actor=who.actor))
    )
