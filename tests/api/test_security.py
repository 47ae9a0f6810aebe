"""Authentication, roles on every route, tenant isolation, rate limits, tokens, OIDC."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import jwt
import pytest
from api_support import (
    approvals_batch,
    deployments_batch,
    evidence_batch,
    key,
    signoffs_batch,
)
from fastapi.testclient import TestClient

from golive.api.app import create_app
from golive.services.access import PERMISSIONS, ROLES, permissions_of

POLICY = (
    Path(__file__).resolve().parents[2] / "examples" / "policies" / "minimal.yaml"
).read_text()
OPEN_ROUTES = {"/healthz", "/readyz", "/metrics"}
SUITE_RUNS = {
    "repository": "org/app",
    "records": [
        {
            "suite": "regression",
            "environment": "staging",
            "deployable": "api",
            "digest": "sha256:" + "ab" * 32,
            "result": "passed",
            "time": "2026-11-24T10:00:00Z",
        }
    ],
}


class _Route:
    def __init__(self, path: str, methods: set[str]) -> None:
        self.path = path
        self.methods = methods


def _routes(app) -> list[_Route]:
    """Every route of the API, as its OpenAPI document lists them."""
    paths = app.openapi()["paths"]
    return [_Route(path, {m.upper() for m in ops}) for path, ops in paths.items()]


def _fill(path: str, ids: dict[str, object]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)


def _seed(client, tenant) -> dict[str, dict[str, object]]:
    """One of everything in ``tenant``: the ids each parametrised route needs."""
    h = tenant.auth()
    ids: dict[str, dict[str, object]] = {}
    for kind, body in (
        ("evidence", evidence_batch()),
        ("deployments", deployments_batch(1)),
        ("suite-runs", SUITE_RUNS),
        ("approvals", approvals_batch()),
        ("signoffs", signoffs_batch()),
    ):
        r = client.post(f"/api/v1/{kind}", json=body, headers={**h, "Idempotency-Key": key()})
        assert r.status_code == 201, r.text
        ids[f"/api/v1/{kind}/"] = {"record_id": r.json()["ids"][0]}
    ids["/api/v1/evidence/{record_id}/content"] = ids["/api/v1/evidence/"]
    published = client.post("/api/v1/policies", json={"source": POLICY}, headers=h)
    assert published.status_code == 201, published.text
    ids["/api/v1/policies/"] = {"digest": published.json()["digest"]}
    decision = client.post(
        "/api/v1/decisions/evaluate",
        json={"environment": "production", "deployable": "api", "version": "1.0.0"},
        headers={**h, "Idempotency-Key": key()},
    )
    assert decision.status_code == 201, decision.text
    ids["/api/v1/decisions/"] = {"decision_id": decision.json()["id"]}
    token_id = client.get("/api/v1/tokens", headers=h).json()["items"][0]["id"]
    ids["/api/v1/tokens/"] = {"token_id": token_id}
    return ids


def _ids_for(path: str, seeded: dict[str, dict[str, object]]) -> dict[str, object]:
    for prefix, values in sorted(seeded.items(), key=lambda kv: -len(kv[0])):
        if path.startswith(prefix) or path == prefix:
            return values
    raise AssertionError(f"no seeded id for {path}")


def test_every_route_with_an_id_answers_404_for_another_tenants_id(client, app, make_tenant):
    owner, other = make_tenant(), make_tenant()
    seeded = _seed(client, owner)
    parametrised = [
        r for r in _routes(app) if "{" in r.path and not r.path.startswith("/api/v1/audit")
    ]
    assert len(parametrised) >= 9
    for route in parametrised:
        path = _fill(route.path, _ids_for(route.path, seeded))
        for method in sorted(route.methods):
            body = {"overlap": "1h"} if path.endswith("/rotate") else None
            r = client.request(method, path, json=body, headers=other.auth("admin"))
            assert r.status_code == 404, f"{method} {path}: {r.status_code} {r.text}"
            assert set(r.json()) == {"error"}
            # ...while the owner sees the same thing (the ids are real).
        if "GET" in route.methods:
            assert client.get(path, headers=owner.auth()).status_code == 200, path


def test_every_list_route_shows_only_the_callers_tenant(client, app, make_tenant):
    owner, other = make_tenant(), make_tenant()
    _seed(client, owner)
    for route in _routes(app):
        if "GET" in route.methods and route.path.startswith("/api/v1/") and "{" not in route.path:
            if route.path in ("/api/v1/whoami",) or route.path.startswith("/api/v1/audit"):
                continue
            r = client.get(route.path, headers=other.auth("admin"))
            assert r.status_code == 200, route.path
            items = r.json()["items"]
            if route.path == "/api/v1/tokens":
                assert {t["name"] for t in items} == {f"{role}-token" for role in ROLES}
                assert all(t["id"] not in owner.tokens for t in items)
            else:
                assert items == [], route.path


def test_every_api_route_needs_a_token(client, app):
    for route in _routes(app):
        if route.path in OPEN_ROUTES or route.path.startswith("/api/v1/audit"):
            continue
        path = _fill(route.path, {"record_id": 1, "decision_id": 1, "digest": "x", "token_id": 1})
        for method in route.methods:
            r = client.request(method, path)
            assert r.status_code == 401, f"{method} {path}"
            assert r.headers["WWW-Authenticate"].startswith("Bearer")
            assert r.json()["error"]["code"] == "unauthenticated"


def test_an_unknown_token_is_401(client):
    r = client.get("/api/v1/whoami", headers={"Authorization": "Bearer glv_nope"})
    assert r.status_code == 401


#: (method, path, permission) for each write route; ids are filled per test.
WRITES = [
    ("POST", "/api/v1/deployments", "records:write", deployments_batch(1)),
    ("POST", "/api/v1/evidence", "records:write", evidence_batch()),
    ("POST", "/api/v1/approvals", "records:write", approvals_batch()),
    ("POST", "/api/v1/signoffs", "records:write", signoffs_batch()),
    ("POST", "/api/v1/policies", "policies:publish", {"source": POLICY}),
    ("GET", "/api/v1/tokens", "tokens:manage", None),
    ("POST", "/api/v1/tokens", "tokens:manage", {"role": "viewer", "name": "x"}),
    ("GET", "/api/v1/publish-attempts", "audit:read", None),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_can_do_exactly_what_the_permission_table_says(client, tenant, role):
    for method, path, permission, body in WRITES:
        r = client.request(
            method, path, json=body, headers={**tenant.auth(role), "Idempotency-Key": key()}
        )
        allowed = role in PERMISSIONS[permission][0]
        if allowed:
            assert r.status_code in (200, 201), f"{role} {method} {path}: {r.text}"
        else:
            assert r.status_code == 403, f"{role} {method} {path}: {r.text}"
            assert r.json()["error"]["code"] == "forbidden"
    who = client.get("/api/v1/whoami", headers=tenant.auth(role)).json()
    assert who["permissions"] == permissions_of(role)


def test_the_permission_table_covers_every_role_and_admin_holds_everything():
    assert all(set(roles) <= set(ROLES) for roles, _why in PERMISSIONS.values())
    assert permissions_of("admin") == list(PERMISSIONS)
    assert "records:write" not in permissions_of("viewer")


def test_a_token_over_its_rate_limit_gets_429_with_retry_after(settings, engine, clock, tenant):
    limited = settings.model_copy(update={"rate_limit_per_second": 0.5, "rate_limit_burst": 3})
    with TestClient(create_app(limited, engine=engine, clock=clock)) as c:
        codes = [
            c.get("/api/v1/whoami", headers=tenant.auth("viewer")).status_code for _ in range(4)
        ]
        assert codes == [200, 200, 200, 429]
        r = c.get("/api/v1/whoami", headers=tenant.auth("viewer"))
        assert r.status_code == 429
        assert int(r.headers["Retry-After"]) >= 1
        assert r.json()["error"]["code"] == "rate_limited"
        # another token of the same tenant has its own bucket
        assert c.get("/api/v1/whoami", headers=tenant.auth("admin")).status_code == 200


def test_a_rotated_token_keeps_working_for_the_overlap_then_stops(client, tenant, clock):
    tokens = client.get("/api/v1/tokens", headers=tenant.auth()).json()["items"]
    dev = next(t for t in tokens if t["role"] == "developer")
    r = client.post(
        f"/api/v1/tokens/{dev['id']}/rotate", json={"overlap": "1h"}, headers=tenant.auth()
    )
    assert r.status_code == 201, r.text
    new = {"Authorization": f"Bearer {r.json()['token']}"}
    assert r.json()["role"] == "developer"
    assert client.get("/api/v1/whoami", headers=tenant.auth("developer")).status_code == 200
    clock.advance(minutes=61)
    assert client.get("/api/v1/whoami", headers=tenant.auth("developer")).status_code == 401
    assert client.get("/api/v1/whoami", headers=new).status_code == 200


def test_a_revoked_token_stops_working_at_once_and_an_expired_one_too(client, tenant, clock):
    r = client.post(
        "/api/v1/tokens",
        json={"role": "viewer", "name": "temp", "expires": "1d"},
        headers=tenant.auth(),
    )
    assert r.status_code == 201
    temp = {"Authorization": f"Bearer {r.json()['token']}"}
    assert client.get("/api/v1/whoami", headers=temp).status_code == 200
    clock.advance(days=1, seconds=1)
    assert client.get("/api/v1/whoami", headers=temp).status_code == 401
    tokens = client.get("/api/v1/tokens", headers=tenant.auth()).json()["items"]
    viewer = next(t for t in tokens if t["name"] == "viewer-token")
    assert client.delete(f"/api/v1/tokens/{viewer['id']}", headers=tenant.auth()).status_code == 200
    assert client.get("/api/v1/whoami", headers=tenant.auth("viewer")).status_code == 401


def test_tokens_are_stored_hashed_never_in_clear(client, tenant, engine):
    from sqlalchemy import select

    from golive.storage.tables import tokens

    with engine.connect() as conn:
        stored = [tuple(r) for r in conn.execute(select(tokens)).all()]
    text = json.dumps(stored, default=str)
    for secret in tenant.tokens.values():
        assert secret not in text


# --- OIDC ------------------------------------------------------------------------------------


@pytest.fixture
def oidc_keys(tmp_path):
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    jwk.update({"kid": "k1", "use": "sig", "alg": "RS256"})
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk]}))
    return private, path


def _jwt(private, **claims):
    base = {
        "iss": "https://id.example.com",
        "aud": "golive",
        "sub": "alice",
        "exp": int(time.time()) + 300,
    }
    return jwt.encode({**base, **claims}, private, algorithm="RS256", headers={"kid": "k1"})


def test_an_oidc_jwt_from_the_configured_issuer_is_accepted(
    settings, engine, clock, tenant, oidc_keys
):
    private, jwks = oidc_keys
    oidc = settings.model_copy(
        update={
            "oidc_issuer": "https://id.example.com",
            "oidc_audience": "golive",
            "oidc_jwks": str(jwks),
        }
    )
    with TestClient(create_app(oidc, engine=engine, clock=clock)) as c:
        good = _jwt(
            private, golive_tenant=tenant.name, golive_role="sre", email="alice@example.com"
        )
        who = c.get("/api/v1/whoami", headers={"Authorization": f"Bearer {good}"})
        assert who.status_code == 200, who.text
        assert who.json()["actor"] == "oidc:alice@example.com"
        assert who.json()["role"] == "sre"
        for bad in (
            _jwt(private, golive_tenant=tenant.name, golive_role="sre", aud="other"),
            _jwt(private, golive_tenant=tenant.name, golive_role="sre", exp=int(time.time()) - 60),
            _jwt(private, golive_tenant=tenant.name, golive_role="sre", iss="https://evil"),
            _jwt(private, golive_role="sre"),
            _jwt(private, golive_tenant="no-such-tenant", golive_role="sre"),
        ):
            r = c.get("/api/v1/whoami", headers={"Authorization": f"Bearer {bad}"})
            assert r.status_code == 401, r.text
