"""Local-first publishing: the outbox survives the server being down; each payload arrives once."""

from __future__ import annotations

import json

import httpx
import pytest
from api_support import deployments_batch
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from golive.services import publish
from golive.storage.tables import decisions, deployments, evidence_files

DECISION = {
    "schema": "golive.decision/v1",
    "verdict": "pass",
    "environment": "production",
    "stage": "pre-deploy",
    "now": "2026-11-24T10:00:00Z",
    "candidate": {"commit": None, "digests": [], "deployable": "api", "version": "1.0.0"},
    "policy": {"name": "my-service", "digest": "sha256:" + "a" * 64},
    "checks": [],
}


def _down() -> httpx.Client:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    return httpx.Client(transport=httpx.MockTransport(refuse), base_url="http://golive.invalid")


class _LosesAnswers(httpx.BaseTransport):
    """The server stores the request, but the answer is lost on the way back."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.inner.handle_request(request)
        raise httpx.ReadTimeout("answer lost", request=request)


def _count(engine, table, tenant_name: str | None = None) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_payloads_wait_while_the_server_is_down_and_arrive_exactly_once_when_it_is_up(
    tmp_path, app, tenant, engine
) -> None:
    outbox = publish.Outbox(tmp_path / "outbox")
    files = [("reports/a.sarif", b'{"version": "2.1.0", "runs": []}'), ("b.txt", b"hello")]
    queued = publish.queue_gate_result(
        outbox, decision=DECISION, evidence=files, repository="org/app"
    )
    queued.append(outbox.put("/api/v1/deployments", deployments_batch(2)))
    assert len(outbox.entries()) == 3

    with _down() as client:
        report = publish.flush(outbox, client)
    assert report.delivered == []
    assert len(report.waiting) == 3
    left = outbox.entries()
    assert len(left) == 3
    assert left[0].attempts == 1
    assert left[0].next_attempt_at > 0
    assert all(e.attempts == 0 for e in left[1:])  # stopped at the first failure

    # Up, but the first answer is lost after the server stored the payload.
    with TestClient(app, headers=tenant.auth()) as up:
        lossy = httpx.Client(
            transport=_LosesAnswers(up._transport),
            base_url=str(up.base_url),
            headers=tenant.auth(),
        )
        publish.flush(outbox, lossy, only_due=False)
        assert len(outbox.entries()) == 3  # still queued: no 2xx was seen

        report = publish.flush(outbox, up, only_due=False)
    assert report.failed == []
    assert sorted(report.delivered + report.replayed) == sorted(e.key for e in queued)
    assert len(report.replayed) == 1  # the one whose answer was lost
    assert outbox.entries() == []

    with engine.connect() as conn:
        for key, table, expected in (
            (queued[0].key, evidence_files, 2),
            (queued[2].key, deployments, 2),
        ):
            n = conn.execute(
                select(func.count()).select_from(table).where(table.c.batch_key == key)
            ).scalar_one()
            assert n == expected
        mine = conn.execute(
            select(func.count())
            .select_from(decisions)
            .where(decisions.c.correlation_id != "", decisions.c.source == "published")
            .where(decisions.c.policy_digest == DECISION["policy"]["digest"])
        ).scalar_one()
    assert mine >= 1


def test_an_outbox_file_is_complete_json_or_absent(tmp_path) -> None:
    outbox = publish.Outbox(tmp_path / "o")
    entry = outbox.put("/api/v1/decisions", {"decision": DECISION})
    assert json.loads(entry.path.read_text())["key"] == entry.key
    assert [p.name for p in (tmp_path / "o").iterdir()] == [entry.path.name]  # no temp left


def test_backoff_grows_exponentially_and_honours_retry_after(tmp_path) -> None:
    now = [1000.0]
    outbox = publish.Outbox(tmp_path / "o", clock=lambda: now[0])
    entry = outbox.put("/x", {})
    delays = []
    for _ in range(5):
        outbox.retry_later(entry, "down")
        delays.append(entry.next_attempt_at - now[0])
    assert all(0.5 * 2**i <= d <= 2**i for i, d in enumerate(delays))
    outbox.retry_later(entry, "429", retry_after=600)
    assert entry.next_attempt_at - now[0] >= 600


def test_a_payload_the_server_refuses_for_good_moves_to_failed(tmp_path, app, tenant) -> None:
    outbox = publish.Outbox(tmp_path / "o")
    outbox.put("/api/v1/deployments", {"repository": "r", "records": []})
    with TestClient(app, headers=tenant.auth()) as up:
        report = publish.flush(outbox, up)
    assert len(report.failed) == 1
    assert outbox.entries() == []
    assert len(list((tmp_path / "o" / "failed").glob("*.json"))) == 1


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_token_stops_the_flush_and_keeps_everything(tmp_path, status) -> None:
    outbox = publish.Outbox(tmp_path / "o")
    outbox.put("/x", {})
    outbox.put("/y", {})
    client = httpx.Client(
        transport=httpx.MockTransport(lambda r: httpx.Response(status)), base_url="http://s"
    )
    report = publish.flush(outbox, client)
    assert len(report.waiting) == 2
    assert len(outbox.entries()) == 2
