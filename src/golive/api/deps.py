"""What routes depend on: the app's state, a unit of work, the caller, the idempotency key."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from golive.api.limits import RateLimiter
from golive.api.observability import REQUEST_ID, Metrics
from golive.errors import Unauthenticated, UsageError
from golive.services import idempotency, tenants
from golive.services.access import Principal
from golive.services.console import Verifications
from golive.services.oidc import OidcLogin, OidcVerifier, looks_like_jwt
from golive.settings import Settings
from golive.storage.unit_of_work import Clock, UnitOfWork

#: Ingestion batches doing their work at once, per process (see ``AppState.ingest_slots``).
INGEST_CONCURRENCY = 1


@dataclass
class AppState:
    """Everything the app holds; built once by :func:`golive.api.app.create_app`."""

    settings: Settings
    engine: Engine
    clock: Clock
    metrics: Metrics
    limiter: RateLimiter
    oidc: OidcVerifier | None
    heads: tuple[str, ...]
    #: Held by an ingestion batch from its body's conversion to its answer; the other batches
    #: wait their turn in a thread that holds no connection and does not compete for the GIL.
    #: Every batch appends to the audit ledger, and appenders serialise on its head row anyway:
    #: more batches at once only add lock waits and thread switching (bench/ingest.py on
    #: PostgreSQL, 60 batches/s: p95 158 ms with no limit, 112 ms with 2, 85 ms with 1).
    ingest_slots: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(INGEST_CONCURRENCY)
    )
    #: The console's "verify now": one background verification at a time.
    verifications: Verifications = field(default_factory=Verifications)
    #: The console's single sign-on, when an OIDC client id is configured.
    oidc_login: OidcLogin | None = None


def state(request: Request) -> AppState:
    found: AppState = request.app.state.golive
    return found


async def _state(request: Request) -> AppState:
    # async: a dependency that does no I/O runs on the event loop, not via a thread hop
    return state(request)


State = Annotated[AppState, Depends(_state)]


async def unit_of_work(request: Request) -> Callable[[], UnitOfWork]:
    """A factory of units of work carrying this request's correlation id."""
    app_state = state(request)

    def make() -> UnitOfWork:
        return UnitOfWork(app_state.engine, clock=app_state.clock, correlation_id=REQUEST_ID.get())

    return make


Uow = Annotated[Callable[[], UnitOfWork], Depends(unit_of_work)]

_bearer = HTTPBearer(auto_error=False, description="A golive API token or an OIDC JWT.")


def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The authenticated caller, rate limited per token."""
    app_state = state(request)
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("send 'Authorization: Bearer <token>' (a golive API token)")
    secret = credentials.credentials
    uow = UnitOfWork(app_state.engine, clock=app_state.clock, correlation_id=REQUEST_ID.get())
    if app_state.oidc is not None and looks_like_jwt(secret):
        identity = app_state.oidc.verify(secret)
        who = tenants.principal_for(
            uow, tenant=identity.tenant, role=identity.role, actor=f"oidc:{identity.subject}"
        )
    else:
        who = tenants.authenticate(uow, secret)
    app_state.limiter.take(who.limit_key)
    request.state.principal = who
    return who


Caller = Annotated[Principal, Depends(principal)]

_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


async def idempotency_key(
    request: Request,
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Required on every write that may be retried: a unique id per request "
            "(a UUID). A retry with the same key and body gets the first answer back; the same "
            "key with a different body is 409.",
        ),
    ] = None,
) -> str:
    if key is None or not key.strip():
        raise UsageError("Idempotency-Key: the header is required on this write; send a UUID")
    if not _KEY.match(key):
        raise UsageError("Idempotency-Key: use 1 to 200 printable ASCII characters without spaces")
    return key


IdemKey = Annotated[str, Depends(idempotency_key)]


def track_rejections(request: Request, route: str) -> None:
    """Record a refused write (invalid body, bad key) as a publish attempt."""
    app_state = state(request)
    who: Principal | None = getattr(request.state, "principal", None)
    if who is None:
        return
    key = request.headers.get("Idempotency-Key")

    def hook(status: int, detail: str) -> None:
        try:
            idempotency.record_rejected(
                UnitOfWork(
                    app_state.engine, clock=app_state.clock, correlation_id=REQUEST_ID.get()
                ),
                who,
                key=key[:200] if key else None,
                route=route,
                status=status,
                detail=detail,
            )
        except Exception:  # recording must never turn a 4xx into a 500
            import logging

            logging.getLogger("golive.api").exception("could not record a rejected attempt")

    request.state.on_rejected = hook
