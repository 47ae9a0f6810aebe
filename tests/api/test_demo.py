"""``golive demo seed`` (what ``make demo`` runs) makes a working control plane with data."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from golive.api.app import create_app
from golive.services import demo
from golive.settings import Settings
from golive.storage.engine import make_engine

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_seeds_five_tenants_with_policies_records_and_decisions(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    engine = make_engine(url)
    try:
        result = demo.seed(
            engine,
            policies=ROOT / "examples" / "policies",
            evidence=ROOT / "tests" / "fixtures" / "evidence",
        )
        again = demo.seed(
            engine,
            policies=ROOT / "examples" / "policies",
            evidence=ROOT / "tests" / "fixtures" / "evidence",
        )
        assert [t.tenant for t in result.tenants] == list(demo.REFERENCE)
        assert all(t.decisions and t.records >= 6 for t in result.tenants)
        with TestClient(create_app(Settings(database_url=url), engine=engine)) as c:
            h = {"Authorization": f"Bearer {again.token}"}
            assert c.get("/readyz").status_code == 200
            assert len(c.get("/api/v1/policies", headers=h).json()["items"]) == 1
            assert len(c.get("/api/v1/deployments", headers=h).json()["items"]) == 3
            assert len(c.get("/api/v1/evidence", headers=h).json()["items"]) == len(demo.EVIDENCE)
            assert len(c.get("/api/v1/decisions", headers=h).json()["items"]) == 1
    finally:
        engine.dispose()
