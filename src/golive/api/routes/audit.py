"""The audit ledger over HTTP: entries with inclusion proofs, checkpoints, consistency proofs,
and the tree's hash tiles in the C2SP tlog-tiles layout.

Every entry query is scoped to the caller's tenant (``audit:read`` permission). Checkpoints
and consistency proofs are about the whole log (sizes and hashes, no tenant data), so every
tenant sees the same ones: that is what lets each of them check that the log it is shown is
the one everybody is shown. Shapes are version 1 (``docs/ledger.md``).
"""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from golive.api.deps import Caller, State
from golive.api.observability import REQUEST_ID
from golive.core import ledger as core
from golive.core import tiles
from golive.errors import InputError, NotFound
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
    return JSONResponse({"version": 1, **_checkpoint(_latest(who, app_state))})


def _latest(who: Any, app_state: Any) -> ledger.StoredCheckpoint:
    """The latest checkpoint, for a caller allowed to read the ledger; 404 before the first."""
    who.require(_PERMISSION)
    with _reader(app_state) as uow:
        found = ledger.latest_checkpoint(uow.connection)
    if found is None:
        raise NotFound("checkpoint: the ledger has no checkpoint yet")
    return found


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


# --- C2SP tlog-tiles ----------------------------------------------------------------------------
#
# A tlog client, monitor or witness reads the log from a base URL of /api/v1/audit/tlog:
# the checkpoint and the hash tiles (sizes and hashes, no tenant data, the same for every
# tenant). Entry bundles hold every tenant's entries, so they are not served here: a tenant
# reads its own entries above, and `golive audit export --tiles` writes complete copies.


@router.get(
    "/tlog/checkpoint",
    summary="The latest signed checkpoint as a C2SP note (tlog-tiles)",
    response_class=Response,
)
def tlog_checkpoint(who: Caller, app_state: State) -> Response:
    return Response(
        _latest(who, app_state).note,
        media_type="text/plain; charset=utf-8",
        headers={"Cache-Control": "no-cache"},
    )


@router.get(
    "/tlog/tile/{level}/{path:path}",
    summary="A hash tile of the tree (C2SP tlog-tiles: tile/<L>/<N>[.p/<W>])",
    response_class=Response,
)
def tlog_tile(level: str, path: str, who: Caller, app_state: State) -> Response:
    who.require(_PERMISSION)
    if level == "entries":
        raise NotFound(
            "tile/entries: entry bundles hold every tenant's entries and are not served; read "
            "yours from /api/v1/audit/entries, or write a copy with 'golive audit export --tiles'"
        )
    if not (level.isascii() and level.isdigit() and str(int(level)) == level and int(level) < 64):
        raise InputError(f"tile level {level!r}: a tile level is 0 to 63")
    index, width = tiles.parse_index_path(path)
    low = index * tiles.WIDTH
    tree_level = tiles.HEIGHT * int(level)
    with _reader(app_state) as uow:
        hashes = ledger.tile_hashes(uow.connection, tree_level, low, low + width)
    if hashes is None:
        raise NotFound(f"{tiles.tile_path(int(level), index, width)}: not in the tree yet")
    return Response(
        b"".join(hashes),
        media_type="application/octet-stream",
        headers={"Cache-Control": "max-age=31536000, immutable"},
    )
