"""The app factory: ``create_app(settings, engine=...)`` builds a FastAPI app; no globals.

Middleware, outermost first: correlation id, access log and metrics; request size
limit; then the routers. Errors become the one JSON shape in :mod:`golive.api.errors`.
"""

from __future__ import annotations

import importlib
import importlib.util

from fastapi import FastAPI
from sqlalchemy import Engine

from golive import __version__
from golive.api import errors
from golive.api.deps import AppState
from golive.api.limits import RateLimiter, SizeLimitMiddleware
from golive.api.observability import Metrics, ObservabilityMiddleware
from golive.api.routes import decisions, health, policies, records, tokens
from golive.api.scheduler import lifespan
from golive.console import views as console
from golive.services import database
from golive.services.oidc import OidcLogin, OidcVerifier
from golive.settings import Settings
from golive.storage.engine import make_engine
from golive.storage.unit_of_work import Clock, system_clock

DESCRIPTION = """\
The golive control plane: ingestion of evidence, deployments, approvals and sign-offs;
decisions on the server; policy versions by digest; API tokens.

Every request needs `Authorization: Bearer <token>` (a golive API token, or an OIDC JWT
when configured), except `/healthz`, `/readyz` and `/metrics`. Every write that can be
retried needs an `Idempotency-Key`. Every error has one shape:
`{"error": {"status", "code", "message", "details": [{"field", "message"}], "request_id"}}`.
"""


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Clock = system_clock,
) -> FastAPI:
    """A new app for ``settings``; pass ``engine`` to share one (tests, the CLI)."""
    engine = engine if engine is not None else make_engine(settings.database_url)
    oidc = None
    if settings.oidc_issuer:
        oidc = OidcVerifier(
            issuer=settings.oidc_issuer,
            audience=settings.oidc_audience,
            jwks=settings.oidc_jwks,
            tenant_claim=settings.oidc_tenant_claim,
            role_claim=settings.oidc_role_claim,
        )
    login = None
    if oidc is not None and settings.oidc_client_id:
        login = OidcLogin(
            issuer=settings.oidc_issuer,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret.get_secret_value(),
            verifier=oidc,
        )
    metrics = Metrics()
    app = FastAPI(
        title="golive control plane",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=lifespan,  # scheduled checkpoints when GOLIVE_AUDIT_KEY is set
    )
    app.state.golive = AppState(
        settings=settings,
        engine=engine,
        clock=clock,
        metrics=metrics,
        limiter=RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst),
        oidc=oidc,
        heads=database.heads(engine),
        oidc_login=login,
    )
    errors.install(app)
    app.include_router(health.router)
    app.include_router(tokens.router)
    app.include_router(records.router)
    app.include_router(policies.router)
    app.include_router(decisions.router)
    app.include_router(decisions.debts_router)
    if importlib.util.find_spec("golive.api.routes.audit") is not None:
        audit = importlib.import_module("golive.api.routes.audit")
        app.include_router(audit.router)
    console.install(app)
    app.add_middleware(
        SizeLimitMiddleware, max_bytes=settings.max_request_bytes, too_large=errors.too_large_app
    )
    app.add_middleware(ObservabilityMiddleware, metrics=metrics)
    return app


def app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory`` (several workers): settings from the environment."""
    from golive.api.observability import configure_logging
    from golive.settings import load_settings

    settings = load_settings()
    configure_logging(settings.log_level)
    return create_app(settings)
