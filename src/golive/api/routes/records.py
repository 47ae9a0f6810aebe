"""Ingestion and reading of evidence files, deployment records, suite runs, approvals and
sign-offs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from golive.api import schemas
from golive.api.deps import AppState, Caller, IdemKey, State, Uow, principal, track_rejections
from golive.errors import Conflict
from golive.services import ingest
from golive.services.access import Principal
from golive.services.idempotency import request_hash
from golive.storage.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["ingestion"])

BATCHES: dict[str, type[BaseModel]] = {
    "evidence": schemas.EvidenceBatch,
    "deployments": schemas.DeploymentBatch,
    "suite_runs": schemas.SuiteRunBatch,
    "approvals": schemas.ApprovalBatch,
    "signoffs": schemas.SignoffBatch,
}
#: Query filters each list route accepts (column names).
FILTERS: dict[str, tuple[str, ...]] = {
    "evidence": ("deployable", "version", "format", "commit_sha", "batch_key"),
    "deployments": ("environment", "deployable", "version", "status", "batch_key"),
    "suite_runs": ("environment", "deployable", "suite", "digest", "result", "batch_key"),
    "approvals": ("environment", "deployable", "version", "approval", "batch_key"),
    "signoffs": ("deployable", "version", "checklist", "batch_key"),
}


def _rejections(kind: str) -> Any:
    async def dependency(request: Request, _who: Annotated[Any, Depends(principal)]) -> None:
        track_rejections(request, f"POST /api/v1/{ingest.path_of(kind)}")

    return dependency


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v.isoformat() if isinstance(v, dt.datetime) else v)
        for k, v in row.items()
        if k != "content"
    }


def _store(
    kind: str,
    body: BaseModel,
    who: Principal,
    key: str,
    uow: Callable[[], UnitOfWork],
    app_state: AppState,
) -> Response:
    """Store one batch (called holding one of ``app_state.ingest_slots``)."""
    batch: Any = body
    records = [
        {**r.model_dump(exclude={"content", "content_base64"}), "content": r.data()}
        if kind == "evidence"
        else r.model_dump()
        for r in batch.records
    ]
    digest = request_hash(batch.model_dump(mode="json"))
    try:
        answer = ingest.ingest(
            uow(),
            who,
            kind=kind,
            repository=batch.repository,
            records=records,
            key=key,
            digest=digest,
        )
    except Conflict:
        app_state.metrics.collisions.inc()
        raise
    if answer.replayed:
        app_state.metrics.replays.inc()
    else:
        app_state.metrics.ingested.labels(kind).inc(answer.records)
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
    return Response(answer.body, answer.status, headers, media_type="application/json")


def _add_routes(kind: str, batch_model: type[BaseModel]) -> None:
    path = ingest.path_of(kind)

    def post(
        body: BaseModel,
        who: Caller,
        key: IdemKey,
        uow: Uow,
        app_state: State,
    ) -> Response:
        with app_state.ingest_slots:
            return _store(kind, body, who, key, uow, app_state)

    # The body's model differs per kind: set the annotation FastAPI reads, then register.
    post.__annotations__["body"] = batch_model
    router.post(
        f"/{path}",
        status_code=201,
        response_model=schemas.BatchAccepted,
        summary=f"Ingest a batch of {path}",
        name=f"ingest_{kind}",
        dependencies=[Depends(_rejections(kind))],
        responses={409: {"description": "Idempotency-Key reused with a different body"}},
    )(post)

    filters = FILTERS[kind]

    @router.get(f"/{path}", summary=f"List {path}", name=f"list_{kind}")
    def list_(
        request: Request,
        who: Caller,
        uow: Uow,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        after_id: Annotated[int, Query(ge=0, description="Page: ids greater than this")] = 0,
    ) -> JSONResponse:
        chosen = {f: request.query_params[f] for f in filters if f in request.query_params}
        rows = ingest.list_records(uow(), who, kind, filters=chosen, limit=limit, after_id=after_id)
        return JSONResponse({"items": [_jsonable(r) for r in rows]})

    list_.__doc__ = f"Filters: {', '.join(filters)} (exact match)."

    @router.get(f"/{path}/{{record_id}}", summary=f"One of the {path}", name=f"get_{kind}")
    def get(record_id: int, who: Caller, uow: Uow) -> JSONResponse:
        return JSONResponse(_jsonable(ingest.get_record(uow(), who, kind, record_id)))


for _kind, _model in BATCHES.items():
    _add_routes(_kind, _model)


@router.get(
    "/evidence/{record_id}/content",
    summary="The bytes of an evidence file, as received",
    response_class=Response,
)
def evidence_content(record_id: int, who: Caller, uow: Uow) -> Response:
    row = ingest.get_record(uow(), who, "evidence", record_id)
    return Response(
        row["content"],
        media_type="application/octet-stream",
        headers={"Digest": f"sha-256={row['sha256']}", "X-Content-SHA256": row["sha256"]},
    )


@router.get("/publish-attempts", summary="Every publish attempt and its outcome", tags=["audit"])
def publish_attempts(
    who: Caller, uow: Uow, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> JSONResponse:
    return JSONResponse({"items": [_jsonable(r) for r in ingest.list_attempts(uow(), who, limit)]})
