"""Policy versions on the server, stored by digest."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from golive.api import schemas
from golive.api.deps import Caller, Uow
from golive.services import policy_store

router = APIRouter(prefix="/api/v1/policies", tags=["policies"])


def _view(row: dict[str, object], source: bool = False) -> dict[str, object]:
    out = {
        "id": row["id"],
        "digest": row["digest"],
        "name": row["name"],
        "published_at": row["published_at"].isoformat(),  # type: ignore[attr-defined]
        "published_by": row["published_by"],
    }
    if source:
        out["source"] = row["source"]
    return out


@router.post("", summary="Publish a policy version (stored once per digest)")
def publish(body: schemas.PolicyBody, who: Caller, uow: Uow) -> JSONResponse:
    result = policy_store.publish(uow(), who, source=body.source, file=body.file)
    return JSONResponse(
        {"id": result.id, "digest": result.digest, "name": result.name, "created": result.created},
        status_code=201 if result.created else 200,
    )


@router.get("", summary="Policy versions, oldest first")
def list_policies(who: Caller, uow: Uow) -> JSONResponse:
    return JSONResponse({"items": [_view(r) for r in policy_store.list_versions(uow(), who)]})


@router.get("/{digest}", summary="One policy version, with its source")
def get_policy(digest: str, who: Caller, uow: Uow) -> JSONResponse:
    return JSONResponse(_view(policy_store.get_version(uow(), who, digest), source=True))
