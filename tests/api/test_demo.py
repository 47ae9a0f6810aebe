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


def test_the_demo_command_publishes_the_example_bundles_decisions_pass_and_blocked(
    tmp_path, monkeypatch
) -> None:
    from click.testing import CliRunner

    from golive.cli.main import cli

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv("GOLIVE_DATABASE_URL", url)
    monkeypatch.chdir(ROOT)  # the command's defaults are the repository's example folders
    for _ in range(2):  # seeding twice stores nothing twice
        result = CliRunner().invoke(cli, ["demo", "seed"])
        assert result.exit_code == 0, result.output
    assert "published from CI: pumuki-saas/pass -> pass" in result.output
    assert "published from CI: pumuki-saas/blocked -> blocked" in result.output
    engine = make_engine(url)
    try:
        with TestClient(create_app(Settings(database_url=url), engine=engine)) as c:
            token = result.output.split("demo token: ")[1].split()[0]
            items = c.get("/api/v1/decisions", headers={"Authorization": f"Bearer {token}"}).json()[
                "items"
            ]
            assert sorted(i["verdict"] for i in items) == ["blocked", "blocked", "pass"]
    finally:
        engine.dispose()


def test_make_demo_s_seed_command_runs_in_a_process_of_its_own(tmp_path) -> None:
    """``golive demo seed`` as ``make demo`` runs it: its process runs ``golive gate`` on each
    example bundle inside it, and a gate run by another command must not end the process."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "GOLIVE_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}
    proc = subprocess.run(
        [sys.executable, "-m", "golive", "demo", "seed", "--url", "http://127.0.0.1:8700"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "demo token: glv_" in proc.stdout
