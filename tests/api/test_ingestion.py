"""Ingestion: batches stored once per Idempotency-Key, replays, collisions, limits, audit."""

from __future__ import annotations

import base64
import hashlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from api_support import (
    approvals_batch,
    deployments_batch,
    evidence_batch,
    key,
    signoffs_batch,
)
from sqlalchemy import Engine, func, select

from golive.storage import ledger
from golive.storage.tables import deployments

BATCHES = {
    "deployments": deployments_batch,
    "approvals": approvals_batch,
    "signoffs": signoffs_batch,
    "evidence": evidence_batch,
}


@pytest.mark.parametrize("kind", list(BATCHES))
def test_a_batch_is_stored_and_can_be_read_back(client, tenant, kind) -> None:
    body = BATCHES[kind]()
    response = client.post(
        f"/api/v1/{kind}", json=body, headers={**tenant.auth(), "Idempotency-Key": key()}
    )
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["accepted"] == len(body["records"])
    first = answer["ids"][0]
    got = client.get(f"/api/v1/{kind}/{first}", headers=tenant.auth("viewer"))
    assert got.status_code == 200
    assert got.json()["batch_key"] == answer["batch"]
    listed = client.get(f"/api/v1/{kind}", headers=tenant.auth("viewer")).json()["items"]
    assert [r["id"] for r in listed] == answer["ids"]


def test_a_retry_with_the_same_key_and_body_gets_the_first_answer_and_stores_nothing_more(
    client, tenant, engine: Engine
) -> None:
    headers = {**tenant.auth("developer"), "Idempotency-Key": key()}
    first = client.post("/api/v1/deployments", json=deployments_batch(3), headers=headers)
    again = client.post("/api/v1/deployments", json=deployments_batch(3), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    with engine.connect() as conn:
        count = conn.execute(
            select(func.count())
            .select_from(deployments)
            .where(deployments.c.batch_key == headers["Idempotency-Key"])
        ).scalar_one()
    assert count == 3
    metrics = client.get("/metrics").text
    assert "golive_idempotency_replays_total 1.0" in metrics


def test_the_same_key_with_a_different_body_is_409_and_counted_as_a_collision(
    client, tenant
) -> None:
    headers = {**tenant.auth(), "Idempotency-Key": key()}
    assert client.post("/api/v1/deployments", json=deployments_batch(1), headers=headers).is_success
    clash = client.post(
        "/api/v1/deployments", json=deployments_batch(1, version="2.0.0"), headers=headers
    )
    assert clash.status_code == 409
    assert clash.json()["error"]["code"] == "conflict"
    assert "golive_idempotency_collisions_total 1.0" in client.get("/metrics").text
    attempts = client.get("/api/v1/publish-attempts", headers=tenant.auth()).json()["items"]
    assert [a["outcome"] for a in attempts[:2]] == ["collision", "accepted"]


def test_the_same_key_in_another_tenant_is_a_different_request(client, make_tenant) -> None:
    a, b = make_tenant(), make_tenant()
    k = key()
    for t in (a, b):
        r = client.post(
            "/api/v1/deployments",
            json=deployments_batch(1),
            headers={**t.auth(), "Idempotency-Key": k},
        )
        assert r.status_code == 201
        assert "Idempotent-Replayed" not in r.headers


def test_a_write_without_an_idempotency_key_is_refused_and_recorded(client, tenant) -> None:
    r = client.post("/api/v1/deployments", json=deployments_batch(1), headers=tenant.auth())
    assert r.status_code == 400
    assert "Idempotency-Key" in r.json()["error"]["message"]
    attempts = client.get("/api/v1/publish-attempts", headers=tenant.auth()).json()["items"]
    assert attempts[0]["outcome"] == "rejected"


def test_an_invalid_batch_names_every_bad_field_and_changes_nothing(client, tenant) -> None:
    body = deployments_batch(2)
    body["records"][0]["time"] = "2026-11-24T09:00:00"  # no offset
    body["records"][1]["status"] = "exploded"
    r = client.post(
        "/api/v1/deployments", json=body, headers={**tenant.auth(), "Idempotency-Key": key()}
    )
    assert r.status_code == 422
    fields = [d["field"] for d in r.json()["error"]["details"]]
    assert fields == ["records[0].time", "records[1].status"]
    assert client.get("/api/v1/deployments", headers=tenant.auth()).json()["items"] == []
    attempts = client.get("/api/v1/publish-attempts", headers=tenant.auth()).json()["items"]
    assert attempts[0]["outcome"] == "rejected"
    assert attempts[0]["status_code"] == 422


def test_evidence_is_stored_byte_for_byte_with_its_digest_and_format(client, tenant) -> None:
    raw = b'{"version": "2.1.0", "runs": []}\n\x00binary-tail'
    body = {
        "repository": "org/app",
        "records": [
            {
                "name": "x.sarif",
                "content_base64": base64.b64encode(raw).decode(),
                "sha256": hashlib.sha256(raw).hexdigest(),
            },
            {"name": "sarif.json", "content": '{"version": "2.1.0", "runs": []}'},
        ],
    }
    r = client.post(
        "/api/v1/evidence", json=body, headers={**tenant.auth(), "Idempotency-Key": key()}
    )
    assert r.status_code == 201, r.text
    first, second = r.json()["ids"]
    content = client.get(f"/api/v1/evidence/{first}/content", headers=tenant.auth())
    assert content.content == raw
    assert content.headers["X-Content-SHA256"] == hashlib.sha256(raw).hexdigest()
    assert (
        client.get(f"/api/v1/evidence/{second}", headers=tenant.auth()).json()["format"] == "sarif"
    )


def test_evidence_whose_digest_does_not_match_is_refused_naming_the_record(client, tenant) -> None:
    body = evidence_batch()
    body["records"][0]["sha256"] = "0" * 64
    r = client.post(
        "/api/v1/evidence", json=body, headers={**tenant.auth(), "Idempotency-Key": key()}
    )
    assert r.status_code == 400
    assert r.json()["error"]["message"].startswith("records[0].sha256")


def test_a_body_over_the_size_limit_is_413(settings, engine, clock) -> None:
    from fastapi.testclient import TestClient

    from golive.api.app import create_app

    small = settings.model_copy(update={"max_request_bytes": 1000})
    with TestClient(create_app(small, engine=engine, clock=clock)) as c:
        r = c.post(
            "/api/v1/evidence",
            json=evidence_batch("x" * 5000),
            headers={"Idempotency-Key": key()},
        )
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "too_large"


def test_every_accepted_batch_appends_an_audit_entry_in_the_same_transaction(
    client, tenant, engine: Engine
) -> None:
    k = key()
    r = client.post(
        "/api/v1/deployments",
        json=deployments_batch(2),
        headers={**tenant.auth(), "Idempotency-Key": k, "X-Request-ID": "req-123"},
    )
    assert r.status_code == 201
    with engine.connect() as conn:
        rows = conn.execute(
            select(ledger.audit_entries).where(ledger.audit_entries.c.subject == f"batch:{k}")
        ).all()
    assert len(rows) == 1
    entry = rows[0]._mapping
    assert entry["action"] == "deployments.ingested"
    assert entry["tenant"] == tenant.name
    assert entry["correlation_id"] == "req-123"


def test_concurrent_batches_are_each_stored_once_and_a_refused_batch_frees_its_turn(
    client, tenant
) -> None:
    bad = evidence_batch()
    bad["records"][0]["sha256"] = "sha256:" + "0" * 64  # type: ignore[index]
    refused = client.post(
        "/api/v1/evidence", json=bad, headers={**tenant.auth("developer"), "Idempotency-Key": key()}
    )
    assert refused.status_code == 400, refused.text

    def post(_: int) -> dict[str, object]:
        headers = {**tenant.auth("developer"), "Idempotency-Key": key()}
        response = client.post("/api/v1/deployments", json=deployments_batch(5), headers=headers)
        assert response.status_code == 201, response.text
        answer: dict[str, object] = response.json()
        return answer

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(post, range(12)))
    ids = [i for a in answers for i in a["ids"]]  # type: ignore[attr-defined]
    assert len(ids) == len(set(ids)) == 60
    for a in answers:
        assert a["ids"] == sorted(a["ids"])  # type: ignore[type-var]
