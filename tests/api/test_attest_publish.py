"""``golive attest --publish``: the sign-off is recorded locally and reaches the server once."""

from __future__ import annotations

import httpx
import pytest
from api_support import key
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_decisions_from_stored_facts import COMMIT, DIGEST, POLICY

from golive.cli.main import main
from golive.records import signoffs as signoff_file
from golive.services import publish
from golive.storage.tables import signoffs

ATTEST = [
    "attest",
    "rollback-plan",
    "--candidate",
    f"{COMMIT}@{DIGEST}",
    "--by",
    "olga",
    "--role",
    "release-owner",
    "--link",
    "https://runbooks.example/rollback",
    "--checklist",
    "release",
    "--now",
    "2026-11-24T09:00:00Z",
]
RELEASE = ["--deployable", "api", "--version", "1.0.0"]


def test_attest_with_the_server_down_records_locally_and_the_outbox_delivers_it_once(
    tmp_path, monkeypatch, capsys, app, tenant, engine
) -> None:
    monkeypatch.setenv("GOLIVE_SERVER", "http://127.0.0.1:9")
    monkeypatch.setenv("GOLIVE_TOKEN", "glv_x")
    monkeypatch.setenv("GOLIVE_OUTBOX", str(tmp_path / "outbox"))
    local = tmp_path / "signoffs.jsonl"
    with pytest.raises(SystemExit) as done:
        main([*ATTEST, "--file", str(local), "--publish", *RELEASE])
    assert done.value.code == 0
    assert "golive publish --flush" in capsys.readouterr().err
    assert [s.by for s in signoff_file.read(local)] == ["olga"]  # local stays authoritative
    outbox = publish.Outbox(tmp_path / "outbox")
    [entry] = outbox.entries()
    assert entry.route == "/api/v1/signoffs"

    with TestClient(app, headers=tenant.auth()) as up:
        client = httpx.Client(
            transport=up._transport, base_url=str(up.base_url), headers=tenant.auth()
        )
        client.post("/api/v1/policies", json={"source": POLICY})
        first = publish.flush(outbox, client, only_due=False)
        assert first.delivered == [entry.key]
        outbox.put(entry.route, entry.body, entry.key)  # a crash before the file was removed
        again = publish.flush(outbox, client, only_due=False)
        assert again.replayed == [entry.key]
        decided = client.post(
            "/api/v1/decisions/evaluate",
            json={
                "environment": "production",
                "deployable": "api",
                "version": "1.0.0",
                "commit": COMMIT,
                "digests": [DIGEST],
                "now": "2026-11-24T12:00:00Z",
            },
            headers={"Idempotency-Key": key()},
        ).json()
    with engine.connect() as connection:
        rows = connection.execute(select(signoffs)).mappings().all()
    assert len(rows) == 1
    row = rows[0]
    assert (row["signer"], row["role"], row["candidate"], row["checklist"]) == (
        "olga",
        "release-owner",
        f"{COMMIT}@{DIGEST}",
        "release",
    )
    assert row["link"] == "https://runbooks.example/rollback"
    readiness = {c["id"]: c for c in decided["decision"]["checks"]}["readiness"]
    assert readiness["outcome"] == "pass"


def test_attest_publish_without_deployable_and_version_is_a_usage_error(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("GOLIVE_SERVER", "http://127.0.0.1:9")
    monkeypatch.setenv("GOLIVE_OUTBOX", str(tmp_path / "outbox"))
    with pytest.raises(SystemExit) as done:
        main([*ATTEST, "--file", str(tmp_path / "s.jsonl"), "--publish"])
    assert done.value.code == 2
    assert not (tmp_path / "s.jsonl").exists()


def test_attest_with_golive_server_set_publishes_when_it_knows_the_release(
    tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("GOLIVE_SERVER", "http://127.0.0.1:9")
    monkeypatch.setenv("GOLIVE_OUTBOX", str(tmp_path / "outbox"))
    with pytest.raises(SystemExit) as done:
        main([*ATTEST, "--file", str(tmp_path / "s.jsonl")])
    assert done.value.code == 0
    assert "not published" in capsys.readouterr().err
    assert publish.Outbox(tmp_path / "outbox").entries() == []
    with pytest.raises(SystemExit):
        main([*ATTEST, "--file", str(tmp_path / "s.jsonl"), *RELEASE])
    assert [e.route for e in publish.Outbox(tmp_path / "outbox").entries()] == ["/api/v1/signoffs"]
