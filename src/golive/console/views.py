"""The admin console: server-rendered pages (Jinja2), htmx for partial updates only.

Routes parse the request, call a service (:mod:`golive.services.console`,
:mod:`golive.services.signoffs`) and render a template; they hold no business logic.
Errors become HTML pages here, with the HTTP status :func:`golive.api.errors.status_of`
gives the same error on the API. Every page needs a signed-in session except sign-in;
every POST needs the session's CSRF token (403 otherwise); what a role may not do is
neither shown nor accepted (the services check the permission).

None of these routes is in the OpenAPI document (``include_in_schema=False``).
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from golive import __version__
from golive.api.deps import AppState, state
from golive.api.errors import status_of
from golive.api.observability import REQUEST_ID
from golive.console.sessions import COOKIE, LIFETIME_SECONDS, Session, SessionCodec, csrf_ok
from golive.errors import GoliveError, PermissionDenied, Unauthenticated
from golive.services import console, signoffs, tenants
from golive.services.access import Principal
from golive.services.oidc import looks_like_jwt
from golive.storage.unit_of_work import UnitOfWork

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)

_OUTCOMES = {
    "pass": "✓",
    "fail": "✗",
    "waived": "≈",
    "error": "!",
    "owed": "…",
    "overridden": "⚑",
    "blocked": "✗",
    "not_applicable": "–",
}


def install(app: FastAPI) -> None:
    """Mount the console on ``app``: its pages at ``/`` and its assets at ``/static``."""
    settings = state_of(app).settings
    key = settings.session_secret.get_secret_value().encode() or secrets.token_bytes(32)
    app.state.console_codec = SessionCodec(key)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="console-static")


def state_of(app: FastAPI) -> AppState:
    found: AppState = app.state.golive
    return found


# --- plumbing -----------------------------------------------------------------------------------


def _uow(request: Request) -> UnitOfWork:
    s = state(request)
    return UnitOfWork(s.engine, clock=s.clock, correlation_id=REQUEST_ID.get())


def _codec(request: Request) -> SessionCodec:
    codec: SessionCodec = request.app.state.console_codec
    return codec


def _session(request: Request) -> Session:
    found = getattr(request.state, "console_session", None)
    if isinstance(found, Session):
        return found
    session = _codec(request).load(request.cookies.get(COOKIE)) or Session()
    request.state.console_session = session
    return session


def _who(request: Request, session: Session) -> Principal | None:
    if not session.signed_in:
        return None
    try:
        if session.kind == "token":
            return console.principal_for_token_hash(_uow(request), session.token_hash)
        if session.kind == "oidc" and state(request).oidc is not None:
            return tenants.principal_for(
                _uow(request), tenant=session.tenant, role=session.role, actor=session.actor
            )
    except Unauthenticated:
        return None
    return None


def _set_cookie(request: Request, response: Response, session: Session) -> Response:
    response.set_cookie(
        COOKIE,
        _codec(request).dump(session),
        max_age=LIFETIME_SECONDS,
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="lax",
        path="/",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    who: Principal | None = None,
    status: int = 200,
) -> Response:
    session = _session(request)
    flash, session.flash = session.flash, ""
    base = {
        "who": who,
        "csrf": session.csrf,
        "flash": flash,
        "version": __version__,
        "may": (lambda permission: who is not None and console.may(who, permission)),
        "path": request.url.path,
    }
    response = templates.TemplateResponse(request, name, {**base, **context}, status_code=status)
    return _set_cookie(request, response, session)


def _error(request: Request, who: Principal | None, exc: GoliveError) -> Response:
    status, code = status_of(exc)
    return _render(
        request,
        "error.html",
        {"status": status, "code": code, "message": str(exc), "title": "Error"},
        who=who,
        status=status,
    )


def _page(request: Request, build: Callable[[Principal], Response]) -> Response:
    """Run ``build`` for the signed-in caller; send others to sign in; errors as pages."""
    session = _session(request)
    who = _who(request, session)
    if who is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response = RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)
        return _set_cookie(request, response, Session(csrf=session.csrf))
    try:
        return build(who)
    except GoliveError as exc:
        return _error(request, who, exc)


def _post(request: Request, sent: str, build: Callable[[Principal], Response]) -> Response:
    """A form POST: refused with 403 unless it carries the session's CSRF token."""
    session = _session(request)
    if not csrf_ok(session, sent):
        exc = PermissionDenied("the form's CSRF token is missing or wrong; reload the page")
        return _error(request, _who(request, session), exc)
    return _page(request, build)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _safe_next(value: str) -> str:
    return value if value.startswith("/") and not value.startswith("//") else "/"


# --- sign-in and sign-out -----------------------------------------------------------------------


def _sign_in_page(request: Request, next: str, error: str = "", status: int = 200) -> Response:
    app_state = state(request)
    context = {
        "title": "Sign in",
        "next": _safe_next(next),
        "oidc": app_state.oidc is not None,
        "sso": app_state.oidc_login is not None,
        "error": error,
    }
    return _render(request, "sign_in.html", context, status=status)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, next: str = "/") -> Response:
    return _sign_in_page(request, next)


def _redirect_uri(request: Request) -> str:
    configured = state(request).settings.oidc_redirect_url
    return configured or str(request.url_for("oidc_callback"))


@router.get("/sign-in/oidc")
def oidc_start(request: Request, next: str = "/") -> Response:
    """Single sign-on: send the browser to the issuer, remembering state, nonce and PKCE."""
    login = state(request).oidc_login
    if login is None:
        return _sign_in_page(request, next, "single sign-on is not configured", 404)
    try:
        started = login.start(_redirect_uri(request))
    except GoliveError as exc:
        return _sign_in_page(request, next, str(exc), 503)
    session = _session(request)
    session.login = {
        "state": started.state,
        "nonce": started.nonce,
        "verifier": started.verifier,
        "next": _safe_next(next),
    }
    return _set_cookie(request, RedirectResponse(started.url, status_code=303), session)


@router.get("/sign-in/oidc/callback", name="oidc_callback")
def oidc_callback(
    request: Request,
    code: str = "",
    state_: Annotated[str, Query(alias="state")] = "",
    error: str = "",
    error_description: str = "",
) -> Response:
    """The issuer sends the browser back here with a code; redeem it and sign in."""
    login = state(request).oidc_login
    session = _session(request)
    pending, session.login = session.login, {}
    target = pending.get("next", "/")
    if login is None:
        return _sign_in_page(request, target, "single sign-on is not configured", 404)
    if error:
        message = f"the identity provider refused the sign-in: {error} {error_description}"
        return _set_cookie(request, _sign_in_page(request, target, message.strip(), 401), session)
    if not pending or not state_ or not hmac.compare_digest(state_, pending.get("state", "")):
        message = "this sign-in was not started here or has already been used; start again"
        return _set_cookie(request, _sign_in_page(request, target, message, 400), session)
    try:
        identity = login.finish(
            code=code,
            redirect_uri=_redirect_uri(request),
            verifier=pending["verifier"],
            nonce=pending["nonce"],
        )
        who = tenants.principal_for(
            _uow(request),
            tenant=identity.tenant,
            role=identity.role,
            actor=f"oidc:{identity.subject}",
        )
    except GoliveError as exc:
        return _set_cookie(request, _sign_in_page(request, target, str(exc), 401), session)
    fresh = Session(expires=int(time.time()) + LIFETIME_SECONDS, kind="oidc")
    fresh.tenant, fresh.role, fresh.actor = who.tenant, who.role, who.actor
    console.record_session(_uow(request), who, action="console.signed_in", method="oidc-sso")
    request.state.console_session = fresh  # a new session and CSRF token (no fixation)
    fresh.flash = f"Signed in to tenant {who.tenant} as {who.role}."
    return _set_cookie(request, RedirectResponse(target, status_code=303), fresh)


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    csrf: Annotated[str, Form()] = "",
    token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    session = _session(request)
    if not csrf_ok(session, csrf):
        exc = PermissionDenied("the form's CSRF token is missing or wrong; reload the page")
        return _error(request, None, exc)
    app_state = state(request)
    fresh = Session(expires=int(time.time()) + LIFETIME_SECONDS)
    try:
        secret = token.strip()
        if app_state.oidc is not None and looks_like_jwt(secret):
            identity = app_state.oidc.verify(secret)
            who = tenants.principal_for(
                _uow(request),
                tenant=identity.tenant,
                role=identity.role,
                actor=f"oidc:{identity.subject}",
            )
            fresh.kind, method = "oidc", "oidc"
        else:
            who, token_hash = console.sign_in_with_token(_uow(request), secret)
            fresh.kind, fresh.token_hash, method = "token", token_hash, "api-token"
    except GoliveError as exc:
        return _sign_in_page(request, next, str(exc), 401)
    fresh.tenant, fresh.role, fresh.actor = who.tenant, who.role, who.actor
    console.record_session(_uow(request), who, action="console.signed_in", method=method)
    request.state.console_session = fresh  # a new session and CSRF token (no fixation)
    fresh.flash = f"Signed in to tenant {who.tenant} as {who.role}."
    return _set_cookie(request, RedirectResponse(_safe_next(next), status_code=303), fresh)


@router.post("/sign-out")
def sign_out(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    def build(who: Principal) -> Response:
        method = "oidc" if _session(request).kind == "oidc" else "api-token"
        console.record_session(_uow(request), who, action="console.signed_out", method=method)
        fresh = Session(flash="Signed out.")
        request.state.console_session = fresh
        return _set_cookie(request, RedirectResponse("/sign-in", status_code=303), fresh)

    return _post(request, csrf, build)


# --- overview -----------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def overview(request: Request) -> Response:
    def build(who: Principal) -> Response:
        data = console.overview(_uow(request), who)
        return _render(request, "overview.html", {"title": "Overview", "o": data}, who=who)

    return _page(request, build)


# --- releases -----------------------------------------------------------------------------------


@router.get("/releases", response_class=HTMLResponse)
def releases(
    request: Request,
    environment: Annotated[str, Query(max_length=80)] = "",
    deployable: Annotated[str, Query(max_length=80)] = "",
    verdict: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    def build(who: Principal) -> Response:
        rows = console.releases(
            _uow(request), who, environment=environment, deployable=deployable, verdict=verdict
        )
        context = {
            "title": "Releases",
            "rows": rows,
            "q": {"environment": environment, "deployable": deployable, "verdict": verdict},
        }
        return _render(request, "releases.html", context, who=who)

    return _page(request, build)


def _findings_filter(severity: str, tool: str, sort: str) -> console.FindingFilter:
    return console.FindingFilter(severity, tool, sort).normalised()


@router.get("/releases/{decision_id}", response_class=HTMLResponse)
def release(
    request: Request,
    decision_id: int,
    severity: Annotated[str, Query(max_length=40)] = "",
    tool: Annotated[str, Query(max_length=200)] = "",
    sort: Annotated[str, Query(max_length=40)] = "severity",
) -> Response:
    chosen = _findings_filter(severity, tool, sort)

    def build(who: Principal) -> Response:
        data = console.release(_uow(request), who, decision_id, chosen)
        context = {
            "title": f"{data.decision['deployable']} {data.decision['version']}",
            "r": data,
            "f": chosen,
            "nonce": secrets.token_urlsafe(16),
            "symbols": _OUTCOMES,
        }
        template = "_findings.html" if _is_htmx(request) else "release.html"
        return _render(request, template, context, who=who)

    return _page(request, build)


@router.post("/releases/{decision_id}/signoffs")
def record_signoff(
    request: Request,
    decision_id: int,
    csrf: Annotated[str, Form()] = "",
    checklist: Annotated[str, Form()] = "",
    item: Annotated[str, Form()] = "",
    nonce: Annotated[str, Form()] = "",
) -> Response:
    def build(who: Principal) -> Response:
        data = console.release(_uow(request), who, decision_id)
        once = console.form_nonce(who, decision_id, nonce or secrets.token_hex(8))
        signoff = signoffs.SignOff(
            deployable=data.decision["deployable"],
            version=data.decision["version"],
            checklist=checklist,
            item=item,
        )
        answer = signoffs.record(_uow(request), who, signoff, nonce=once)
        note = "" if not answer.replayed else " (already recorded)"
        _session(request).flash = f"Sign-off recorded: {checklist} / {item}{note}."
        target = f"/releases/{decision_id}#signoffs"
        return _set_cookie(request, RedirectResponse(target, status_code=303), _session(request))

    return _post(request, csrf, build)


# --- policies -----------------------------------------------------------------------------------


@router.get("/policies", response_class=HTMLResponse)
def policies(request: Request) -> Response:
    def build(who: Principal) -> Response:
        rows = console.policies(_uow(request), who)
        return _render(request, "policies.html", {"title": "Policies", "rows": rows}, who=who)

    return _page(request, build)


@router.get("/policies/diff", response_class=HTMLResponse)
def policy_diff(
    request: Request,
    old: Annotated[str, Query(max_length=80)] = "",
    new: Annotated[str, Query(max_length=80)] = "",
) -> Response:
    def build(who: Principal) -> Response:
        diff = console.policy_diff(_uow(request), who, old, new)
        return _render(request, "policy_diff.html", {"title": "Policy diff", "d": diff}, who=who)

    return _page(request, build)


@router.get("/policies/{digest}/replay", response_class=HTMLResponse)
def policy_replay(request: Request, digest: str) -> Response:
    def build(who: Principal) -> Response:
        row, answer = console.policy_replayed(_uow(request), who, digest)
        moved = [x for x in answer["results"] if x["changed"] or x["checks"]]
        context = {"title": f"Replay of {row['name']}", "row": row, "r": answer, "moved": moved}
        return _render(request, "policy_replay.html", context, who=who)

    return _page(request, build)


@router.get("/policies/{digest}", response_class=HTMLResponse)
def policy(request: Request, digest: str) -> Response:
    def build(who: Principal) -> Response:
        row, explanation = console.policy_explained(_uow(request), who, digest)
        context = {
            "title": f"Policy {row['name']}",
            "row": row,
            "e": explanation.as_dict(),
        }
        return _render(request, "policy.html", context, who=who)

    return _page(request, build)


# --- audit --------------------------------------------------------------------------------------


def _search(
    actor: str, action: str, correlation_id: str, since: str, until: str, before: int | None
) -> console.AuditSearch:
    return console.AuditSearch(actor, action, correlation_id, since, until, before)


@router.get("/audit", response_class=HTMLResponse)
def audit(
    request: Request,
    actor: Annotated[str, Query(max_length=200)] = "",
    action: Annotated[str, Query(max_length=200)] = "",
    correlation_id: Annotated[str, Query(max_length=200)] = "",
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
    before: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    search = _search(actor, action, correlation_id, since, until, before)
    run = state(request).verifications.current  # the last verification started here, if any
    return _audit_page(request, search, verified=run.view() if run is not None else None)


def _audit_page(
    request: Request, search: console.AuditSearch, verified: dict[str, object] | None
) -> Response:
    def build(who: Principal) -> Response:
        page = console.audit_page(_uow(request), who, search)
        query = {
            k: v
            for k, v in {
                "actor": search.actor,
                "action": search.action,
                "correlation_id": search.correlation_id,
                "since": search.since,
                "until": search.until,
            }.items()
            if v
        }
        more = (
            "/audit?" + urlencode({**query, "before": page.next_before})
            if page.next_before is not None
            else None
        )
        context = {
            "title": "Audit",
            "page": page,
            "s": search,
            "more": more,
            "verified": verified,
        }
        template = "_audit_entries.html" if _is_htmx(request) else "audit.html"
        return _render(request, template, context, who=who)

    return _page(request, build)


@router.get("/audit/entries/{index}", response_class=HTMLResponse)
def audit_entry(request: Request, index: int) -> Response:
    def build(who: Principal) -> Response:
        proof = console.entry_with_proof(_uow(request), who, index)
        context = {
            "title": f"Audit entry {index}",
            "p": proof,
            "payload": json.dumps(proof.entry.get("payload"), indent=2, ensure_ascii=False),
        }
        return _render(request, "audit_entry.html", context, who=who)

    return _page(request, build)


@router.post("/audit/verify", response_class=HTMLResponse)
def audit_verify(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    """Start a verification in the background (or join the one under way)."""

    def build(who: Principal) -> Response:
        run = state(request).verifications.start(
            lambda: _uow(request), who, lambda: dt.datetime.now(dt.UTC)
        )
        if _is_htmx(request):
            return _render(request, "_verify.html", {"verified": run.view()}, who=who)
        return _audit_page(request, console.AuditSearch(), verified=run.view())

    return _post(request, csrf, build)


@router.get("/audit/verify", response_class=HTMLResponse)
def audit_verify_status(request: Request) -> Response:
    """The verification's state: the page polls this while it runs."""

    def build(who: Principal) -> Response:
        who.require("audit:read")
        run = state(request).verifications.current
        view = run.view() if run is not None else None
        if _is_htmx(request):
            return _render(request, "_verify.html", {"verified": view}, who=who)
        return _audit_page(request, console.AuditSearch(), verified=view)

    return _page(request, build)
