"""Decisions on the server: decided from stored evidence with the CLI's engine, stored, filtered."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_support import evidence_batch, key
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

POLICY = (
    Path(__file__).resolve().parents[2] / "examples" / "policies" / "minimal.yaml"
).read_text()


def _evaluate(client, tenant, **extra):
    body = {"environment": "production", "deployable": "api", "version": "1.0.0", **extra}
    return client.post(
        "/api/v1/decisions/evaluate",
        json=body,
        headers={**tenant.auth("developer"), "Idempotency-Key": key()},
    )


def test_a_decision_names_the_policy_version_and_the_stored_evidence_it_used(client, tenant):
    published = client.post(
        "/api/v1/policies", json={"source": POLICY}, headers=tenant.auth()
    ).json()
    client.post(
        "/api/v1/evidence",
        json=evidence_batch(),
        headers={**tenant.auth(), "Idempotency-Key": key()},
    )
    r = _evaluate(client, tenant)
    assert r.status_code == 201, r.text
    stored = r.json()
    assert stored["policy_digest"] == published["digest"]
    assert stored["policy_version_id"] == published["id"]
    assert stored["source"] == "server"
    document = stored["decision"]
    assert document["verdict"] == stored["verdict"]
    assert [e["path"] for e in document["evidence"]] == ["reports/sast.sarif"]
    assert (
        client.get(f"/api/v1/decisions/{stored['id']}", headers=tenant.auth("viewer")).json()
        == stored
    )
    assert "golive_decisions_total" in client.get("/metrics").text


def test_decisions_are_listed_and_filtered(client, tenant, clock):
    client.post("/api/v1/policies", json={"source": POLICY}, headers=tenant.auth())
    first = _evaluate(client, tenant).json()
    clock.advance(hours=2)
    second = _evaluate(client, tenant, environment="staging").json()
    h = tenant.auth("viewer")

    def ids(query: str) -> list[int]:
        return [
            d["id"] for d in client.get(f"/api/v1/decisions?{query}", headers=h).json()["items"]
        ]

    assert ids("") == [second["id"], first["id"]]
    assert ids("environment=staging") == [second["id"]]
    same = client.get(f"/api/v1/decisions?verdict={first['verdict']}", headers=h).json()["items"]
    assert first["id"] in [d["id"] for d in same]
    assert {d["verdict"] for d in same} == {first["verdict"]}
    assert ids("since=2026-11-24T11:00:00Z") == [second["id"]]
    assert ids("until=2026-11-24T11:00:00Z") == [first["id"]]
    assert ids("deployable=other") == []
    naive = client.get("/api/v1/decisions?since=2026-11-24T11:00:00", headers=h)
    assert naive.status_code == 400


def test_evaluating_without_a_published_policy_is_404_and_an_unknown_environment_is_400(
    client, tenant
):
    assert _evaluate(client, tenant).status_code == 404
    client.post("/api/v1/policies", json={"source": POLICY}, headers=tenant.auth())
    bad = _evaluate(client, tenant, environment="moon")
    assert bad.status_code == 400
    assert "moon" in bad.json()["error"]["message"]


def test_stored_decisions_cannot_be_changed(client, tenant, engine):
    client.post("/api/v1/policies", json={"source": POLICY}, headers=tenant.auth())
    stored = _evaluate(client, tenant).json()
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(
            text("UPDATE decisions SET verdict = 'pass' WHERE id = :id"), {"id": stored["id"]}
        )
