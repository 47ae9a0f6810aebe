"""``/healthz`` (the process answers), ``/readyz`` (database reachable, migrations current),
``/metrics`` (Prometheus text format)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from golive.api.deps import State
from golive.api.errors import error_response
from golive.errors import DependencyUnavailable
from golive.services import database

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness: the process answers")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: database reachable and migrations current")
def readyz(app_state: State) -> JSONResponse:
    try:
        status = database.status(app_state.engine)
    except DependencyUnavailable as exc:
        return error_response(503, "unavailable", str(exc))
    if not status.is_current:
        return error_response(
            503,
            "unavailable",
            f"the database is at {', '.join(status.current) or 'no revision'}, not "
            f"{', '.join(status.head)}; run 'golive db upgrade'",
        )
    return JSONResponse({"status": "ready", "migrations": list(status.current)})


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(app_state: State) -> Response:
    return Response(generate_latest(app_state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
