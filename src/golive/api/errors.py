"""The one place golive errors become HTTP responses, in one JSON shape everywhere.

    {"error": {"status": 404, "code": "not_found", "message": "...",
               "details": [{"field": "records[0].time", "message": "..."}],
               "request_id": "..."}}

``details`` lists every field problem of a request body (empty otherwise). A test
pins this shape for every kind of error.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from golive.api.observability import REQUEST_ID, ASGIApp, Scope
from golive.errors import (
    Conflict,
    DependencyUnavailable,
    GoliveError,
    NotFound,
    PermissionDenied,
    PolicyError,
    RateLimited,
    Unauthenticated,
)

log = logging.getLogger("golive.api")

#: golive error class -> (HTTP status, code). The first class that matches wins.
STATUS: list[tuple[type[GoliveError], int, str]] = [
    (Unauthenticated, 401, "unauthenticated"),
    (PermissionDenied, 403, "forbidden"),
    (NotFound, 404, "not_found"),
    (Conflict, 409, "conflict"),
    (RateLimited, 429, "rate_limited"),
    (PolicyError, 422, "invalid_policy"),
    (DependencyUnavailable, 503, "unavailable"),
    (GoliveError, 400, "bad_request"),  # InputError and the rest of the tree
]

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    500: "internal",
    503: "unavailable",
}


def error_body(
    status: int, code: str, message: str, details: Sequence[dict[str, str]] = ()
) -> dict[str, Any]:
    return {
        "error": {
            "status": status,
            "code": code,
            "message": message,
            "details": list(details),
            "request_id": REQUEST_ID.get(),
        }
    }


def error_response(
    status: int,
    code: str,
    message: str,
    details: Sequence[dict[str, str]] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(status, code, message, details), status, headers=headers)


def status_of(err: GoliveError) -> tuple[int, str]:
    for cls, status, code in STATUS:
        if isinstance(err, cls):
            return status, code
    return 400, "bad_request"  # pragma: no cover - GoliveError is last in STATUS


def golive_error_response(err: GoliveError) -> JSONResponse:
    status, code = status_of(err)
    headers: dict[str, str] = {}
    details: list[dict[str, str]] = []
    if isinstance(err, RateLimited):
        headers["Retry-After"] = str(err.retry_after)
    if isinstance(err, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="golive"'
    if isinstance(err, PolicyError):
        details = [
            {"field": d.path, "message": d.render(), "line": str(d.line), "column": str(d.column)}
            for d in err.diagnostics
        ]
    message = str(err).splitlines()[0] if str(err) else type(err).__name__
    return error_response(status, code, message, details, headers)


def _field(loc: Sequence[Any]) -> str:
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        where = parts.pop(0)
        if where != "body" and parts:
            return f"{where}.{parts[0]}"
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def validation_details(errors: Sequence[Any]) -> list[dict[str, str]]:
    return [{"field": _field(e.get("loc", ())), "message": str(e.get("msg", ""))} for e in errors]


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into the one shape."""

    @app.exception_handler(GoliveError)
    async def _golive(request: Request, exc: GoliveError) -> JSONResponse:
        response = golive_error_response(exc)
        hook = getattr(request.state, "on_rejected", None)
        if hook is not None and response.status_code in (400, 422):
            hook(response.status_code, str(exc))
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = validation_details(exc.errors())
        first = details[0] if details else {"field": "body", "message": "invalid"}
        message = f"{first['field']}: {first['message']}"
        if len(details) > 1:
            message += f" (and {len(details) - 1} more)"
        hook = getattr(request.state, "on_rejected", None)
        if hook is not None:
            hook(422, message)
        return error_response(422, "invalid_request", message, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = str(exc.detail) if exc.detail else code.replace("_", " ")
        if exc.status_code == 404 and message == "Not Found":
            message = f"no route {request.method} {request.url.path}"
        return error_response(
            exc.status_code, code, message, headers=dict(exc.headers) if exc.headers else None
        )

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error: %s", type(exc).__name__)
        return error_response(500, "internal", "internal error; see the server log")


def too_large_app(scope: Scope, max_bytes: int) -> ASGIApp:
    """An ASGI app answering 413 in the one shape (used by the size-limit middleware)."""
    return error_response(
        413,
        "too_large",
        f"the request body is larger than {max_bytes:,} bytes "
        "(GOLIVE_MAX_REQUEST_BYTES); send smaller batches",
    )
