"""Decisions: evaluate a candidate on the server, record local decisions, list and fetch."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from golive.api import schemas
from golive.api.deps import AppState, Caller, IdemKey, State, Uow, principal, track_rejections
from golive.errors import Conflict
from golive.services import decisions, replay
from golive.services.idempotency import Answer, request_hash

router = APIRouter(prefix="/api/v1/decisions", tags=["decisions"])


def _rejections(route: str) -> Any:
    def dependency(request: Request, _who: Annotated[Any, Depends(principal)]) -> None:
        track_rejections(request, route)

    return dependency


def _respond(app_state: AppState, answer: Answer, source: str) -> Response:
    if answer.replayed:
        app_state.metrics.replays.inc()
    else:
        import json

        verdict = json.loads(answer.body).get("verdict", "unknown")
        app_state.metrics.decisions.labels(verdict, source).inc()
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
    return Response(answer.body, answer.status, headers, media_type="application/json")


@router.post(
    "/evaluate",
    status_code=201,
    summary="Decide on a candidate from stored facts, and store the decision",
    dependencies=[Depends(_rejections("POST /api/v1/decisions/evaluate"))],
)
def evaluate(
    body: schemas.EvaluateBody, who: Caller, key: IdemKey, uow: Uow, app_state: State
) -> Response:
    request = decisions.EvaluateRequest(
        **{
            **body.model_dump(),
            "digests": tuple(body.digests),
            "unavailable": frozenset(body.unavailable),
        }
    )
    try:
        answer = decisions.evaluate(
            uow(), who, request, key=key, digest=request_hash(body.model_dump(mode="json"))
        )
    except Conflict:
        app_state.metrics.collisions.inc()
        raise
    return _respond(app_state, answer, "server")


@router.post(
    "",
    status_code=201,
    summary="Record a decision made locally (golive gate --publish)",
    dependencies=[Depends(_rejections("POST /api/v1/decisions"))],
)
def publish(
    body: schemas.PublishedDecision, who: Caller, key: IdemKey, uow: Uow, app_state: State
) -> Response:
    try:
        answer = decisions.record_published(
            uow(), who, body.decision, key=key, digest=request_hash(body.model_dump(mode="json"))
        )
    except Conflict:
        app_state.metrics.collisions.inc()
        raise
    return _respond(app_state, answer, "published")


@router.post(
    "/replay",
    summary="What another policy would have decided on the stored decisions (nothing stored)",
)
def replay_decisions(body: schemas.ReplayBody, who: Caller, uow: Uow) -> JSONResponse:
    """Each decision the server made from stored facts is decided again under `policy`, with
    the facts received by the time it was decided, at its own `now`; the answer lists those
    whose verdict or check outcomes would change. Published decisions are skipped."""
    answer = replay.replay(
        uow(),
        who,
        source=body.policy,
        file=body.file,
        request=replay.ReplayRequest(
            environment=body.environment,
            deployable=body.deployable,
            since=body.since,
            until=body.until,
            limit=body.limit,
        ),
    )
    return JSONResponse(answer)


@router.get("", summary="List decisions, newest first, filtered")
def list_decisions(
    who: Caller,
    uow: Uow,
    environment: str | None = None,
    deployable: str | None = None,
    verdict: str | None = None,
    since: Annotated[dt.datetime | None, Query(description="decided at or after")] = None,
    until: Annotated[dt.datetime | None, Query(description="decided before")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> JSONResponse:
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            from golive.errors import UsageError

            raise UsageError(f"{name}: needs a UTC offset, e.g. 2026-11-24T10:00:00Z")
    items = decisions.find(
        uow(),
        who,
        environment=environment,
        deployable=deployable,
        verdict=verdict,
        since=since,
        until=until,
        limit=limit,
    )
    return JSONResponse({"items": items})


@router.get("/{decision_id}", summary="One decision, with the full decision document")
def get_decision(decision_id: int, who: Caller, uow: Uow) -> JSONResponse:
    return JSONResponse(decisions.get(uow(), who, decision_id))


debts_router = APIRouter(prefix="/api/v1/debts", tags=["decisions"])


@debts_router.get("", summary="Debts of owed checks: open until a later decision settles them")
def list_debts(
    who: Caller,
    uow: Uow,
    state: Literal["open", "settled", "all"] = "open",
    environment: str | None = None,
    deployable: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> JSONResponse:
    """A debt is opened by a decision in which a check was `owed` and the policy said
    `owed: pass_with_debt`; a later decision for the same environment and deployable that
    decides the check `pass` or `waived` settles it (`settled_by`)."""
    items = decisions.list_debts(
        uow(), who, state=state, environment=environment, deployable=deployable, limit=limit
    )
    return JSONResponse({"items": items})
