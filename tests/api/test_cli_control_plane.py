"""The control plane's commands: tenant, token, policy publish; exit codes 0 and 2."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from golive.cli.main import main

POLICY = Path(__file__).resolve().parents[2] / "examples" / "policies" / "minimal.yaml"


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
    return int(info.value.code or 0)


def test_tenant_token_and_policy_publish_from_the_command_line(
    engine, database_url, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("GOLIVE_DATABASE_URL", database_url)
    name = f"cli-{uuid.uuid4().hex[:8]}"
    assert _run(["tenant", "create", name]) == 0
    assert _run(["tenant", "create", name]) == 2  # taken
    assert _run(["tenant", "create", "Bad Name!"]) == 2
    capsys.readouterr()
    assert _run(["token", "create", "--tenant", name, "--role", "sre", "--expires", "90d"]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("glv_")
    assert "shown once" in out.err
    assert _run(["token", "create", "--tenant", name, "--role", "boss"]) == 2
    assert "role" in capsys.readouterr().err
    assert _run(["token", "create", "--tenant", name, "--role", "sre", "--expires", "soon"]) == 2
    assert _run(["policy", "publish", str(POLICY), "--tenant", name]) == 0
    assert "published" in capsys.readouterr().out
    assert _run(["policy", "publish", str(POLICY), "--tenant", name]) == 0
    assert "already published" in capsys.readouterr().out
    assert _run(["policy", "publish", str(POLICY), "--tenant", "nobody-here"]) == 2
    assert _run(["token", "list", "--tenant", name]) == 0
    token_id = capsys.readouterr().out.split()[0]
    assert _run(["token", "revoke", "--tenant", name, token_id]) == 0
