"""Owed-check debts on the server: kept, listed, and settled by a later decision."""

from __future__ import annotations

from api_support import key

POLICY = """\
apiVersion: golive/v1
metadata:
  name: debts
environments:
  - id: staging
  - id: production
deployables:
  - id: api
    artifact: image
gates:
  - id: tests
    type: tests_pass
    source: remote-ci
    owed: pass_with_debt
"""

PASSING = (
    '<testsuite name="u" timestamp="2026-11-24T09:00:00Z">'
    '<testcase classname="m" name="a"/></testsuite>'
)


def _evaluate(client, tenant, version="1.0.0", **extra):
    body = {
        "environment": "production",
        "deployable": "api",
        "version": version,
        "now": "2026-11-24T10:00:00Z",
        **extra,
    }
    r = client.post(
        "/api/v1/decisions/evaluate",
        json=body,
        headers={**tenant.auth("developer"), "Idempotency-Key": key()},
    )
    assert r.status_code == 201, r.text
    return r.json()


def _debts(client, tenant, query=""):
    r = client.get(f"/api/v1/debts?{query}", headers=tenant.auth("viewer"))
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_a_debt_is_listed_until_a_later_decision_sees_the_check_pass(client, tenant):
    client.post("/api/v1/policies", json={"source": POLICY}, headers=tenant.auth())
    owed = _evaluate(client, tenant, unavailable=["remote-ci"])
    assert owed["verdict"] == "pass"
    assert [d["check"] for d in owed["debts"]["opened"]] == ["tests"]
    [debt] = _debts(client, tenant)
    assert (debt["state"], debt["opened_by"], debt["environment"]) == (
        "open",
        owed["id"],
        "production",
    )

    again = _evaluate(client, tenant, version="1.0.1", unavailable=["remote-ci"])
    assert again["debts"] == {"settled": [], "opened": []}  # still the first debt
    assert [d["id"] for d in _debts(client, tenant)] == [debt["id"]]
    assert again["decision"]["debts"]["open"][0]["ref"] == f"decision:{owed['id']}"

    failing = _evaluate(client, tenant, version="1.0.2")  # no evidence: error, not settled
    assert failing["debts"]["settled"] == []
    assert len(_debts(client, tenant)) == 1

    client.post(
        "/api/v1/evidence",
        json={
            "repository": "org/app",
            "records": [
                {"name": "junit.xml", "content": PASSING, "deployable": "api", "version": "1.0.3"}
            ],
        },
        headers={**tenant.auth(), "Idempotency-Key": key()},
    )
    settled = _evaluate(client, tenant, version="1.0.3")
    assert settled["decision"]["checks"][0]["outcome"] == "pass"
    assert [d["id"] for d in settled["debts"]["settled"]] == [debt["id"]]
    assert settled["decision"]["debts"]["settled"][0]["check"] == "tests"
    assert _debts(client, tenant) == []
    [closed] = _debts(client, tenant, "state=settled")
    assert closed["settled_by"] == settled["id"]
    fetched = client.get(f"/api/v1/decisions/{settled['id']}", headers=tenant.auth("viewer"))
    assert fetched.json()["debts"] == settled["debts"]
    listed = client.get("/api/v1/decisions", headers=tenant.auth("viewer")).json()["items"]
    assert listed[0]["debts"]["settled"] == settled["debts"]["settled"]


def test_debts_belong_to_their_environment_deployable_and_tenant(client, tenant, make_tenant):
    client.post("/api/v1/policies", json={"source": POLICY}, headers=tenant.auth())
    _evaluate(client, tenant, unavailable=["remote-ci"])
    _evaluate(client, tenant, environment="staging", unavailable=["remote-ci"])
    assert len(_debts(client, tenant)) == 2
    assert [d["environment"] for d in _debts(client, tenant, "environment=staging")] == ["staging"]
    assert _debts(client, tenant, "deployable=web") == []
    other = make_tenant()
    assert _debts(client, other) == []


def test_a_published_local_decision_settles_and_opens_debts_too(client, tenant):
    client.post("/api/v1/policies", json={"source": POLICY}, headers=tenant.auth())
    _evaluate(client, tenant, unavailable=["remote-ci"])
    document = {
        "schema": "golive.decision/v1",
        "verdict": "pass",
        "environment": "production",
        "stage": "pre-deploy",
        "now": "2026-11-24T11:00:00Z",
        "candidate": {"commit": None, "digests": [], "deployable": "api", "version": "1.1.0"},
        "policy": {"name": "debts", "digest": "sha256:" + "a" * 64},
        "checks": [{"id": "tests", "type": "tests_pass", "outcome": "pass", "debt": False}],
    }
    r = client.post(
        "/api/v1/decisions",
        json={"decision": document},
        headers={**tenant.auth("developer"), "Idempotency-Key": key()},
    )
    assert r.status_code == 201, r.text
    assert [d["check"] for d in r.json()["debts"]["settled"]] == ["tests"]
    assert _debts(client, tenant) == []
