"""``golive gate --publish``: the local verdict stands; with the server down, payloads wait."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.cli.main import main
from golive.services import publish

ROOT = Path(__file__).resolve().parents[2]


def test_gate_publish_with_the_server_down_keeps_the_verdict_and_queues_payloads(
    tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("GOLIVE_SERVER", "http://127.0.0.1:9")
    monkeypatch.setenv("GOLIVE_TOKEN", "glv_x")
    monkeypatch.setenv("GOLIVE_OUTBOX", str(tmp_path / "outbox"))
    args = [
        "gate",
        "--policy",
        str(ROOT / "examples" / "policies" / "minimal.yaml"),
        "--env",
        "production",
        "--evidence",
        str(ROOT / "tests" / "fixtures" / "evidence" / "junit-pytest.xml"),
        "--now",
        "2026-11-24T10:00:00Z",
        "--format",
        "json",
    ]
    with pytest.raises(SystemExit) as plain:
        main(args)
    capsys.readouterr()
    with pytest.raises(SystemExit) as published:
        main([*args, "--publish"])
    assert published.value.code == plain.value.code  # the local verdict, whatever the server
    assert "golive publish --flush" in capsys.readouterr().err
    routes = [e.route for e in publish.Outbox(tmp_path / "outbox").entries()]
    assert sorted(routes) == ["/api/v1/decisions", "/api/v1/evidence"]
    with pytest.raises(SystemExit) as flushed:
        main(["publish", "--flush"])
    assert flushed.value.code == 3
