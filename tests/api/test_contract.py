"""The API's contract: one error shape, correlation ids, JSON logs, metrics, health, OpenAPI."""

from __future__ import annotations

import json
import logging

from api_support import deployments_batch, key

from golive.tools import genopenapi

ERROR_KEYS = {"status", "code", "message", "details", "request_id"}


def _assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == ERROR_KEYS
    assert (error["status"], error["code"]) == (status, code)
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["details"], list)
    assert all(set(d) >= {"field", "message"} for d in error["details"])
    assert error["request_id"] == response.headers["X-Request-ID"]
    return error


def test_every_kind_of_error_has_the_one_shape(client, tenant) -> None:
    h = tenant.auth()
    _assert_error(client.get("/api/v1/whoami"), 401, "unauthenticated")
    _assert_error(
        client.post(
            "/api/v1/tokens", json={"role": "viewer", "name": "x"}, headers=tenant.auth("viewer")
        ),
        403,
        "forbidden",
    )
    _assert_error(client.get("/api/v1/deployments/999999999", headers=h), 404, "not_found")
    _assert_error(client.get("/api/v1/no-such-route", headers=h), 404, "not_found")
    _assert_error(client.put("/api/v1/deployments", headers=h), 405, "method_not_allowed")
    _assert_error(
        client.post("/api/v1/deployments", json=deployments_batch(1), headers=h), 400, "bad_request"
    )
    bad = _assert_error(
        client.post(
            "/api/v1/deployments",
            json={"repository": "r", "records": [{"nope": 1}]},
            headers={**h, "Idempotency-Key": key()},
        ),
        422,
        "invalid_request",
    )
    assert {d["field"] for d in bad["details"]} >= {"records[0].environment", "records[0].nope"}
    _assert_error(
        client.post(
            "/api/v1/deployments", content=b"{not json", headers={**h, "Idempotency-Key": key()}
        ),
        422,
        "invalid_request",
    )
    policy = _assert_error(
        client.post(
            "/api/v1/policies", json={"source": "apiVersion: golive/v1\nnope: 1\n"}, headers=h
        ),
        422,
        "invalid_policy",
    )
    assert policy["details"]
    k = key()
    client.post(
        "/api/v1/deployments", json=deployments_batch(1), headers={**h, "Idempotency-Key": k}
    )
    _assert_error(
        client.post(
            "/api/v1/deployments", json=deployments_batch(2), headers={**h, "Idempotency-Key": k}
        ),
        409,
        "conflict",
    )


def test_a_request_id_is_honoured_or_generated_and_echoed(client) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"]
        == "abc-123"
    )
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32
    hostile = client.get("/healthz", headers={"X-Request-ID": "a b\tc" * 50}).headers[
        "X-Request-ID"
    ]
    assert hostile != "a b\tc" * 50


def test_log_lines_are_json_with_the_correlation_id(client, tenant, caplog) -> None:
    from golive.api.observability import JsonFormatter, RequestIdFilter

    caplog.set_level(logging.INFO, logger="golive")
    client.get("/api/v1/whoami", headers={**tenant.auth(), "X-Request-ID": "trace-42"})
    records = [r for r in caplog.records if r.name == "golive.api"]
    assert records
    RequestIdFilter().filter(records[-1])
    line = json.loads(JsonFormatter().format(records[-1]))
    assert line["request_id"] == "trace-42"
    assert line["route"] == "/api/v1/whoami"
    assert line["status"] == 200


def test_metrics_count_requests_by_route_template_and_records_ingested(client, tenant) -> None:
    r = client.post(
        "/api/v1/deployments",
        json=deployments_batch(3),
        headers={**tenant.auth(), "Idempotency-Key": key()},
    )
    client.get(f"/api/v1/deployments/{r.json()['ids'][0]}", headers=tenant.auth())
    text = client.get("/metrics").text
    assert (
        'golive_http_requests_total{method="GET",route="/api/v1/deployments/{record_id}",'
        'status="200"} 1.0' in text
    )
    assert (
        'golive_http_request_duration_seconds_bucket{le="0.005",method="POST",route="/api/v1/deployments"}'
        in text
    )
    assert 'golive_ingested_records_total{kind="deployments"} 3.0' in text


def test_health_and_readiness(client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


def test_readiness_is_503_when_migrations_are_behind(tmp_path) -> None:
    from fastapi.testclient import TestClient

    from golive.api.app import create_app
    from golive.settings import Settings

    with TestClient(create_app(Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}"))) as c:
        r = c.get("/readyz")
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "unavailable"
    assert "golive db upgrade" in r.json()["error"]["message"]


def test_the_committed_openapi_document_is_current() -> None:
    assert genopenapi.main(["--check"]) == 0, "run: python -m golive.tools.genopenapi"
