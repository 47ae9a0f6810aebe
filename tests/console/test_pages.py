"""The console without a browser: sessions, CSRF, roles, tenant scoping, pages, empty states."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator

import pytest
from console_support import EMPTY, OTHER, TENANT, Seeded, csrf_of, sign_in
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from golive.api.app import create_app
from golive.services import tenants
from golive.settings import Settings
from golive.storage.ledger import audit_entries
from golive.storage.tables import decisions, policy_versions, signoffs
from golive.storage.tables import tenants as tenant_table
from golive.storage.unit_of_work import UnitOfWork


@pytest.fixture
def data(seeded_engine: tuple[Engine, Seeded]) -> Seeded:
    return seeded_engine[1]


@pytest.fixture
def engine(seeded_engine: tuple[Engine, Seeded]) -> Engine:
    return seeded_engine[0]


@pytest.fixture
def client(engine: Engine, data: Seeded) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=data.url, session_secret="test-secret"), engine=engine)
    with TestClient(app) as c:
        yield c


def _as(client: TestClient, data: Seeded, role: str, tenant: str = TENANT) -> TestClient:
    sign_in(client, data.tokens[(tenant, role)])
    return client


def _one(engine: Engine, query) -> object:
    with engine.connect() as c:
        return c.execute(query).scalar()


def _decision_id(engine: Engine, tenant: str) -> int:
    return int(
        _one(
            engine,
            select(decisions.c.id)
            .join(tenant_table, tenant_table.c.id == decisions.c.tenant_id)
            .where(tenant_table.c.name == tenant),
        )
    )


def _digest(engine: Engine, tenant: str) -> str:
    return str(
        _one(
            engine,
            select(policy_versions.c.digest)
            .join(tenant_table, tenant_table.c.id == policy_versions.c.tenant_id)
            .where(tenant_table.c.name == tenant),
        )
    )


def _last_entry(engine: Engine, tenant: str, action: str) -> int | None:
    found = _one(
        engine,
        select(audit_entries.c.idx)
        .where(audit_entries.c.tenant == tenant, audit_entries.c.action == action)
        .order_by(audit_entries.c.idx.desc())
        .limit(1),
    )
    return None if found is None else int(found)  # type: ignore[call-overload]


# --- sign-in and sessions -----------------------------------------------------------------------


def test_a_page_without_a_session_sends_you_to_sign_in(client: TestClient) -> None:
    answer = client.get("/releases?verdict=blocked", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=%2Freleases%3Fverdict%3Dblocked"


def test_signing_in_sets_an_httponly_samesite_lax_cookie_and_writes_an_audit_entry(
    client: TestClient, data: Seeded, engine: Engine
) -> None:
    before = _last_entry(engine, TENANT, "console.signed_in") or -1
    page = client.get("/sign-in")
    answer = client.post(
        "/sign-in",
        data={"csrf": csrf_of(page.text), "token": data.tokens[(TENANT, "admin")], "next": "/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # plain HTTP here; see the TLS test
    assert data.tokens[(TENANT, "admin")] not in cookie  # the token itself is never in it
    assert (_last_entry(engine, TENANT, "console.signed_in") or -1) > before
    assert "Signed in to tenant pumuki-saas as admin" in client.get("/").text


def test_the_cookie_is_secure_under_tls(engine: Engine, data: Seeded) -> None:
    app = create_app(Settings(database_url=data.url), engine=engine)
    with TestClient(app, base_url="https://testserver") as c:
        assert "Secure" in c.get("/sign-in").headers["set-cookie"]


def test_a_wrong_token_is_refused_with_401_and_the_form_again(client: TestClient) -> None:
    page = client.get("/sign-in")
    answer = client.post("/sign-in", data={"csrf": csrf_of(page.text), "token": "glv_nope"})
    assert answer.status_code == 401
    assert "unknown, expired or revoked" in answer.text
    assert 'name="token"' in answer.text


@pytest.mark.parametrize("sent", [None, "", "forged"])
def test_a_sign_in_without_the_csrf_token_is_refused_with_403(
    client: TestClient, data: Seeded, sent: str | None
) -> None:
    client.get("/sign-in")
    form = {"token": data.tokens[(TENANT, "admin")]}
    if sent is not None:
        form["csrf"] = sent
    answer = client.post("/sign-in", data=form, follow_redirects=False)
    assert answer.status_code == 403
    assert "CSRF" in answer.text


def test_signing_out_ends_the_session_and_writes_an_audit_entry(
    client: TestClient, data: Seeded, engine: Engine
) -> None:
    _as(client, data, "viewer")
    csrf = csrf_of(client.get("/").text)
    answer = client.post("/sign-out", data={"csrf": csrf}, follow_redirects=False)
    assert answer.status_code == 303
    assert _last_entry(engine, TENANT, "console.signed_out") is not None
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_tampered_cookie_is_no_session(client: TestClient, data: Seeded) -> None:
    _as(client, data, "admin")
    value = client.cookies["golive_session"]
    client.cookies.set("golive_session", value[:-2] + ("AA" if value[-2:] != "AA" else "BB"))
    assert client.get("/", follow_redirects=False).status_code == 303


def test_revoking_the_token_ends_its_console_sessions(
    client: TestClient, engine: Engine, data: Seeded
) -> None:
    issued = tenants.create_token(
        UnitOfWork(engine), tenant=TENANT, role="admin", name="short", expires_in=None, actor="t"
    )
    sign_in(client, issued.secret)
    assert client.get("/", follow_redirects=False).status_code == 200
    tenants.revoke_token(UnitOfWork(engine), tenant=TENANT, token_id=issued.token.id, actor="t")
    assert client.get("/", follow_redirects=False).status_code == 303


# --- pages --------------------------------------------------------------------------------------


def test_every_page_renders_for_an_admin(client: TestClient, data: Seeded, engine: Engine) -> None:
    _as(client, data, "admin")
    decision = _decision_id(engine, TENANT)
    digest = _digest(engine, TENANT)
    entry = _last_entry(engine, TENANT, "decision.recorded")
    pages = {
        "/": "What runs where",
        "/releases": "Releases and decisions",
        f"/releases/{decision}": "Findings",
        "/policies": digest[:19],
        f"/policies/{digest}": "Controls",
        f"/policies/{digest}/replay": "verdict(s) would change",
        f"/policies/diff?old={digest}&new={digest}": "The sources are identical",
        "/audit": "Checkpoints",
        f"/audit/entries/{entry}": "Inclusion proof",
    }
    for path, text in pages.items():
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert text in answer.text, path
        assert 'class="skip" href="#main"' in answer.text


def test_the_overview_shows_what_runs_where_decisions_and_recent_audit(
    client: TestClient, data: Seeded
) -> None:
    html = _as(client, data, "admin").get("/").text
    running = html.split('id="running"')[1].split("</section>")[0]
    assert "production" in running
    assert "1.4.2" in running
    assert "blocked" in html
    assert "Recent audit entries" in html


def test_findings_filter_by_severity_and_tool_and_sort(
    client: TestClient, data: Seeded, engine: Engine
) -> None:
    _as(client, data, "admin")
    decision = _decision_id(engine, TENANT)
    every = client.get(f"/releases/{decision}").text
    high = client.get(f"/releases/{decision}?severity=high").text
    bandit_low = client.get(f"/releases/{decision}?severity=low&tool=bandit").text
    severities = set(re.findall(r'data-severity="([a-z]+)"', high))
    assert severities == {"high"}
    assert len(re.findall(r"data-severity=", every)) > len(re.findall(r"data-severity=", high))
    rows = re.findall(r'data-severity="([a-z]+)" data-tool="([^"]+)"', bandit_low)
    assert rows
    assert set(rows) == {("low", "bandit")}
    by_tool = re.findall(r'data-tool="([^"]+)"', client.get(f"/releases/{decision}?sort=tool").text)
    assert by_tool == sorted(by_tool)


def test_the_htmx_findings_request_gets_only_the_findings_fragment(
    client: TestClient, data: Seeded, engine: Engine
) -> None:
    _as(client, data, "admin")
    decision = _decision_id(engine, TENANT)
    answer = client.get(f"/releases/{decision}?severity=high", headers={"HX-Request": "true"})
    assert answer.text.lstrip().startswith('<div id="findings">')
    assert "<html" not in answer.text


def test_a_sign_off_is_stored_with_its_audit_entry_and_proven(
    client: TestClient, data: Seeded, engine: Engine
) -> None:
    _as(client, data, "release-manager")
    decision = _decision_id(engine, TENANT)
    page = client.get(f"/releases/{decision}").text
    assert 'id="signoff-form"' in page
    form = {"csrf": csrf_of(page), "checklist": "go-live", "item": "rollback-tested", "nonce": "n1"}
    answer = client.post(f"/releases/{decision}/signoffs", data=form, follow_redirects=False)
    assert answer.status_code == 303
    again = client.post(f"/releases/{decision}/signoffs", data=form, follow_redirects=False)
    assert again.status_code == 303  # a double submit is stored once (idempotency key)
    with engine.connect() as c:
        stored = c.execute(select(signoffs).where(signoffs.c.item == "rollback-tested")).all()
    assert len(stored) == 1
    assert stored[0].signer.endswith(":console-release-manager")
    assert "rollback-tested" in client.get(f"/releases/{decision}").text
    entry = _last_entry(engine, TENANT, "signoffs.ingested")
    assert entry is not None
    listing = client.get("/audit?action=signoffs.ingested").text
    assert f'href="/audit/entries/{entry}"' in listing
    proof = client.get(f"/audit/entries/{entry}").text
    assert "verified: entry" in proof


def test_a_sign_off_without_the_csrf_token_is_refused_and_not_stored(
    client: TestClient, data: Seeded, engine: Engine
) -> None:
    _as(client, data, "admin")
    decision = _decision_id(engine, TENANT)
    form = {"checklist": "go-live", "item": "no-csrf-item"}
    answer = client.post(f"/releases/{decision}/signoffs", data=form, follow_redirects=False)
    assert answer.status_code == 403
    with engine.connect() as c:
        assert c.execute(select(signoffs).where(signoffs.c.item == "no-csrf-item")).first() is None


def test_a_viewer_sees_no_sign_off_form_and_the_server_refuses_the_post(
    client: TestClient, data: Seeded, engine: Engine
) -> None:
    _as(client, data, "viewer")
    decision = _decision_id(engine, TENANT)
    page = client.get(f"/releases/{decision}").text
    assert 'id="signoff-form"' not in page
    assert 'href="/audit"' not in page  # no audit link either: a viewer may not read it
    form = {"csrf": csrf_of(page), "checklist": "go-live", "item": "viewer-item", "nonce": "v"}
    answer = client.post(f"/releases/{decision}/signoffs", data=form, follow_redirects=False)
    assert answer.status_code == 403
    assert "may not records:write" in answer.text
    assert client.get("/audit").status_code == 403
    with engine.connect() as c:
        assert c.execute(select(signoffs).where(signoffs.c.item == "viewer-item")).first() is None


def _verify_result(client: TestClient) -> str:
    """Poll the verification as the page does until it is done; its fragment."""
    for _ in range(200):
        fragment = client.get("/audit/verify", headers={"HX-Request": "true"}).text
        if "verifying" not in fragment:
            return fragment
        time.sleep(0.05)
    raise AssertionError("the verification did not finish")


def test_verify_now_recomputes_the_ledger_in_the_background(
    client: TestClient, data: Seeded
) -> None:
    _as(client, data, "admin")
    csrf = csrf_of(client.get("/audit").text)
    fragment = client.post("/audit/verify", data={"csrf": csrf}, headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="verify-result"')
    assert "verified" in _verify_result(client)
    assert "verified" in client.get("/audit").text  # the page shows the last result
    assert client.post("/audit/verify", data={}).status_code == 403


def test_a_verification_under_way_is_joined_not_started_twice(
    client: TestClient, data: Seeded, monkeypatch
) -> None:
    from golive.services import console as console_service

    release, calls = threading.Event(), []

    def slow(uow, who):
        calls.append(who.actor)
        release.wait(10)
        return {"ok": True, "entries_checked": 1, "checkpoints_checked": 0, "tree_size": 1}

    monkeypatch.setattr(console_service, "verify_now", slow)
    _as(client, data, "admin")
    csrf = csrf_of(client.get("/audit").text)
    htmx = {"HX-Request": "true"}
    first = client.post("/audit/verify", data={"csrf": csrf}, headers=htmx).text
    second = client.post("/audit/verify", data={"csrf": csrf}, headers=htmx).text
    assert "verifying" in first
    assert "verifying" in second
    assert 'hx-get="/audit/verify"' in second  # the fragment polls until it is done
    release.set()
    assert "verified" in _verify_result(client)
    assert len(calls) == 1


def test_audit_search_by_actor_action_correlation_id_and_time(
    client: TestClient, data: Seeded
) -> None:
    _as(client, data, "admin")
    by_action = client.get("/audit?action=policy.published").text
    actions = set(re.findall(r'data-action="([^"]+)"', by_action))
    assert actions == {"policy.published"}
    by_actor = client.get("/audit?actor=golive+demo+seed").text
    assert re.findall(r'data-action="([^"]+)"', by_actor)
    assert "No audit entries match" in client.get("/audit?until=2000-01-01").text
    assert "No audit entries match" in client.get("/audit?correlation_id=nothing-like-it").text
    assert client.get("/audit?since=yesterday").status_code == 400


# --- tenant scoping -----------------------------------------------------------------------------


def test_another_tenants_decision_policy_and_audit_entry_are_not_found(
    client: TestClient, data: Seeded, engine: Engine
) -> None:
    _as(client, data, "admin", tenant=TENANT)
    theirs_decision = _decision_id(engine, OTHER)
    theirs_digest = _digest(engine, OTHER)
    theirs_entry = _last_entry(engine, OTHER, "decision.recorded")
    assert client.get(f"/releases/{theirs_decision}").status_code == 404
    assert client.get(f"/policies/{theirs_digest}").status_code == 404
    assert client.get(f"/audit/entries/{theirs_entry}").status_code == 404
    assert OTHER not in client.get("/audit").text
    assert "api-server" not in client.get("/releases").text  # intelgraph's deployable
    decision = _decision_id(engine, TENANT)
    form = {"csrf": csrf_of(client.get("/").text), "checklist": "x", "item": "cross-tenant"}
    assert client.post(f"/releases/{theirs_decision}/signoffs", data=form).status_code == 404
    assert decision != theirs_decision


# --- empty states -------------------------------------------------------------------------------


def test_a_tenant_with_no_data_sees_clear_empty_states(client: TestClient, data: Seeded) -> None:
    _as(client, data, "admin", tenant=EMPTY)
    overview = client.get("/").text
    assert "No deployments recorded yet" in overview
    assert "No decisions yet" in overview
    assert "No owed checks" in overview
    assert "No decisions match" in client.get("/releases").text
    assert "No policy published yet" in client.get("/policies").text
    assert "No audit entries match this search" in client.get("/audit?action=none.such").text


def test_console_routes_are_not_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert not [p for p in paths if not p.startswith(("/api/", "/healthz", "/readyz", "/metrics"))]


def test_the_static_assets_are_served(client: TestClient) -> None:
    assert "prefers-color-scheme: dark" in client.get("/static/console.css").text
    assert client.get("/static/htmx.min.js").text.startswith("/*! htmx 2.0.11")


def test_a_policy_versions_replay_page_shows_the_releases_it_would_decide_otherwise(
    client: TestClient, data: Seeded, engine: Engine
) -> None:
    from golive.services import policy_store
    from golive.services.access import Principal

    with UnitOfWork(engine).reading() as uow:
        tenant = uow.tenants.by_name(TENANT)
    assert tenant is not None
    who = Principal(tenant.id, tenant.name, "admin", "test", "test")
    current = policy_store.get_version(UnitOfWork(engine), who, _digest(engine, TENANT))
    # every gate advisory: what blocked would pass
    assert "blocking:" not in current["source"]
    lenient = re.sub(r"(?m)^(    type: \w+)$", r"\1\n    blocking: false", current["source"])
    published = policy_store.publish(UnitOfWork(engine), who, source=lenient, file="lenient.yaml")
    html = _as(client, data, "admin").get(f"/policies/{published.digest}/replay").text
    summary = html.split('id="replay-summary"')[1].split("</p>")[0]
    assert "newly passing" in summary
    assert "<strong>0</strong>" not in summary
    assert "/releases/" in html.split("<caption>")[1]
    other = _digest(engine, OTHER)
    assert client.get(f"/policies/{other}/replay").status_code == 404
