"""The audit ledger over HTTP: entries with inclusion proofs, checkpoints, consistency proofs.

Every entry query is scoped to the caller's tenant (``audit:read`` permission). Checkpoints
and consistency proofs are about the whole log (sizes and hashes, no tenant data), so every
tenant sees the same ones: that is what lets each of them check that the log it is shown is
the one everybody is shown. Shapes are version 1 (``docs/ledger.md``).
"""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from golive.api.deps import Caller, State
from golive.api.observability import REQUEST_ID
from golive.core import ledger as core
from golive.errors import NotFound
from golive.services import audit
from golive.storage import ledger
from golive.storage.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])

_PERMISSION = "audit:read"


def _reader(app_state: Any) -> UnitOfWork:
    return UnitOfWork(
        app_state.engine, clock=app_state.clock, correlation_id=REQUEST_ID.get(), write=False
    )


def _checkpoint(stored: ledger.StoredCheckpoint) -> dict[str, object]:
    return {
        "id": stored.id,
        "size": stored.size,
        "root": core.b64(stored.root),
        "issued_at": stored.issued_at,
        "note": stored.note,
    }


@router.get("/entries", summary="Audit entries of your tenant, oldest first")
def list_entries(
    who: Caller,
    app_state: State,
    after: Annotated[int, Query(ge=-1, description="Entries with a larger index")] = -1,
    correlation_id: Annotated[str | None, Query(max_length=1024)] = None,
    subject: Annotated[str | None, Query(max_length=1024)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> JSONResponse:
    who.require(_PERMISSION)
    table = ledger.audit_entries
    with _reader(app_state) as uow:
        query = (
            sa.select(table)
            .where(table.c.tenant == who.tenant, table.c.idx > after)
            .order_by(table.c.idx)
            .limit(limit)
        )
        if correlation_id is not None:
            query = query.where(table.c.correlation_id == correlation_id)
        if subject is not None:
            query = query.where(table.c.subject == subject)
        rows = list(uow.connection.execute(query))
        items = []
        for row in rows:
            entry = ledger.entry_from_row(row)
            items.append({**entry.as_dict(), "leaf_hash": core.b64(entry.leaf_hash())})
    following = items[-1]["index"] if len(items) == limit else None
    return JSONResponse({"version": 1, "items": items, "next_after": following})


@router.get("/entries/{index}", summary="One entry of your tenant with its inclusion proof")
def get_entry(
    index: int,
    who: Caller,
    app_state: State,
    checkpoint_size: Annotated[
        int | None, Query(ge=1, description="Prove against this checkpoint (default: latest)")
    ] = None,
) -> JSONResponse:
    who.require(_PERMISSION)
    with _reader(app_state) as uow:
        if ledger.get_entry(uow.connection, index, tenant=who.tenant) is None:
            raise NotFound(f"index: no audit entry {index} in tenant {who.tenant!r}")
        document = audit.prove_inclusion(
            uow.connection, index, tenant=who.tenant, checkpoint_size=checkpoint_size
        )
    return JSONResponse(document)


@router.get("/checkpoints", summary="Signed checkpoints, newest first")
def list_checkpoints(
    who: Caller,
    app_state: State,
    max_size: Annotated[int | None, Query(ge=0, description="Only sizes up to this")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> JSONResponse:
    who.require(_PERMISSION)
    with _reader(app_state) as uow:
        found = ledger.list_checkpoints(
            uow.connection, max_size=max_size, limit=limit, newest_first=True
        )
    return JSONResponse({"version": 1, "items": [_checkpoint(c) for c in found]})


@router.get("/checkpoints/latest", summary="The latest signed checkpoint")
def latest_checkpoint(who: Caller, app_state: State) -> JSONResponse:
    who.require(_PERMISSION)
    with _reader(app_state) as uow:
        found = ledger.latest_checkpoint(uow.connection)
    if found is None:
        raise NotFound("checkpoint: the ledger has no checkpoint yet")
    return JSONResponse({"version": 1, **_checkpoint(found)})


@router.get("/consistency", summary="Consistency proof between two checkpoints")
def consistency(
    who: Caller,
    app_state: State,
    old_size: Annotated[int, Query(ge=1)],
    new_size: Annotated[int, Query(ge=1)],
) -> JSONResponse:
    who.require(_PERMISSION)
    with _reader(app_state) as uow:
        document = audit.prove_consistency(uow.connection, old_size, new_size)
    return JSONResponse(document)
