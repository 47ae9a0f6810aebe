"""The audit API: entries with inclusion proofs per tenant, checkpoints, consistency proofs."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from ledger_support import ORIGIN, fill

from golive.api.app import create_app
from golive.core import tiles
from golive.core.checkpoint import open_checkpoint
from golive.services import audit, database, tenants
from golive.settings import Settings
from golive.storage.engine import make_engine
from golive.storage.unit_of_work import UnitOfWork

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def migrated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'api.db'}"
    else:
        url = request.getfixturevalue("pg_database")
        admin = sa.create_engine(url)
        with admin.begin() as connection:
            connection.exec_driver_sql(
                "DROP SCHEMA public CASCADE; CREATE SCHEMA public; "
                "GRANT ALL ON SCHEMA public TO PUBLIC"
            )
        admin.dispose()
    engine = make_engine(url)
    database.upgrade(engine)
    yield engine
    engine.dispose()


def _tenant(engine: sa.Engine, role: str = "admin") -> tuple[str, dict[str, str]]:
    name = f"t-{uuid.uuid4().hex[:10]}"
    tenants.create_tenant(UnitOfWork(engine, clock=lambda: NOW), name, actor="test")
    secret = tenants.create_token(
        UnitOfWork(engine, clock=lambda: NOW),
        tenant=name,
        role=role,
        name=f"{role}-token",
        expires_in=None,
        actor="test",
    ).secret
    return name, {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def client(migrated: sa.Engine) -> Iterator[TestClient]:
    settings = Settings(
        database_url=str(migrated.url), rate_limit_per_second=1000, rate_limit_burst=1000
    )
    with TestClient(create_app(settings, engine=migrated, clock=lambda: NOW)) as c:
        yield c


def test_a_tenant_reads_its_own_entries_with_proofs_that_verify_offline(
    migrated: sa.Engine, client: TestClient, tmp_path: Path
) -> None:
    signer = audit.generate_key(ORIGIN, tmp_path / "k.key")
    acme, acme_auth = _tenant(migrated)
    _, globex_auth = _tenant(migrated)
    with migrated.begin() as connection:
        audit.issue_checkpoint(connection, [signer], now=NOW)

    listed = client.get("/api/v1/audit/entries", headers=acme_auth)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert items
    assert {item["tenant"] for item in items} == {acme}
    assert {"tenant.created", "token.created"} <= {item["action"] for item in items}

    index = items[-1]["index"]
    proof = client.get(f"/api/v1/audit/entries/{index}", headers=acme_auth)
    assert proof.status_code == 200, proof.text
    assert "entry" in audit.verify_proof(proof.json(), [signer.verifier()])

    hidden = client.get(f"/api/v1/audit/entries/{index}", headers=globex_auth)
    assert hidden.status_code == 404
    assert acme not in str(hidden.json())

    latest = client.get("/api/v1/audit/checkpoints/latest", headers=globex_auth).json()
    assert latest["size"] >= 4
    tenants.create_tenant(UnitOfWork(migrated, clock=lambda: NOW), "t-later", actor="test")
    with migrated.begin() as connection:
        audit.issue_checkpoint(connection, [signer], now=NOW)
    listing = client.get("/api/v1/audit/checkpoints", headers=acme_auth).json()["items"]
    assert [c["size"] for c in listing] == sorted((c["size"] for c in listing), reverse=True)
    new_size = listing[0]["size"]
    proof = client.get(
        "/api/v1/audit/consistency",
        params={"old_size": latest["size"], "new_size": new_size},
        headers=acme_auth,
    )
    assert proof.status_code == 200, proof.text
    assert "extends" in audit.verify_proof(proof.json(), [signer.verifier()])


def test_reading_the_audit_trail_needs_the_audit_read_permission(
    migrated: sa.Engine, client: TestClient
) -> None:
    _, auth = _tenant(migrated, role="developer")
    assert client.get("/api/v1/audit/entries", headers=auth).status_code == 403
    assert client.get("/api/v1/audit/entries").status_code == 401


def test_no_checkpoint_yet_is_a_clear_404(migrated: sa.Engine, client: TestClient) -> None:
    _, auth = _tenant(migrated)
    response = client.get("/api/v1/audit/checkpoints/latest", headers=auth)
    assert response.status_code == 404


def test_a_tlog_client_reads_the_checkpoint_and_hash_tiles(
    migrated: sa.Engine, client: TestClient, tmp_path: Path
) -> None:
    """The API as a C2SP tlog-tiles log: a client that knows only the base URL and the
    public key reads the checkpoint and the hash tiles and recomputes the signed root;
    entry bundles (every tenant's entries) are not served."""
    signer = audit.generate_key(ORIGIN, tmp_path / "k.key")
    _, auth = _tenant(migrated)
    fill(migrated, 300, start=0, tenant="other")
    with migrated.begin() as connection:
        audit.issue_checkpoint(connection, [signer], now=NOW)
    base = "/api/v1/audit/tlog"
    answer = client.get(f"{base}/checkpoint", headers=auth)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    head, _ = open_checkpoint(answer.text, ORIGIN, [signer.verifier()])
    assert head.size > 256

    fetched = []

    def read(path: str) -> bytes | None:
        got = client.get(f"{base}/{path}", headers=auth)
        if got.status_code == 404:
            return None
        assert got.status_code == 200, (path, got.text)
        fetched.append(path)
        return got.content

    report = tiles.verify_tiles(head.size, head.root_hash, read)
    assert report.tiles == len(tiles.hash_tiles(head.size))
    assert report.entries == 0
    assert len(report.bundles_absent) == len(tiles.entry_bundles(head.size))
    assert "tile/1/000.p/1" in fetched
    full = client.get(f"{base}/tile/0/000", headers=auth)
    assert full.headers["cache-control"] == "max-age=31536000, immutable"

    for path, status in [
        ("tile/entries/000", 404),
        ("tile/0/999", 404),  # beyond the tree
        ("tile/0/00", 400),
        ("tile/0/x000/000", 400),
        ("tile/0/000.p/256", 400),
        ("tile/64/000", 400),
        ("tile/01/000", 400),
    ]:
        got = client.get(f"{base}/{path}", headers=auth)
        assert got.status_code == status, (path, got.text)
        assert got.json()["error"]["message"]
    assert client.get(f"{base}/checkpoint").status_code == 401
