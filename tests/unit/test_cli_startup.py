"""``golive`` starts fast: the command groups load lazily, so ``golive --version``,
``golive gate`` and ``golive policy validate`` never import the server's libraries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from golive.cli.main import COMMANDS, cli

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("alembic", "fastapi", "uvicorn", "sqlalchemy")
BUNDLE = ROOT / "examples" / "evidence" / "narralytica" / "pass"

_PROBE = """
import sys
from golive.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
print("HEAVY=" + repr(heavy), file=sys.stderr)
"""


def _heavy_after(*args: str) -> tuple[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=HEAVY), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    line = [x for x in done.stderr.splitlines() if x.startswith("HEAVY=")]
    assert line, done.stderr
    return line[-1].removeprefix("HEAVY="), done.stdout


def _listed(help_text: str) -> list[str]:
    """The command names of a help page, in the order shown."""
    lines = help_text.split("Commands:\n", 1)[1].splitlines()
    return [line.split()[0] for line in lines if line.startswith("  ") and line.strip()]


def test_importing_the_cli_imports_none_of_the_server_libraries() -> None:
    code = (
        "import golive.cli.main, sys; "
        "print(sorted(m for m in ('alembic','fastapi','uvicorn','sqlalchemy') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


def test_version_imports_none_of_the_server_libraries() -> None:
    heavy, out = _heavy_after("--version")
    assert heavy == "[]"
    assert out.strip()


def test_policy_validate_imports_none_of_the_server_libraries() -> None:
    policy = ROOT / "examples" / "policies" / "narralytica.yaml"
    heavy, out = _heavy_after("policy", "validate", str(policy))
    assert heavy == "[]", out


def test_a_gate_run_imports_none_of_the_server_libraries() -> None:
    spec = json.loads((BUNDLE / "bundle.json").read_text())
    args = [str(BUNDLE / a) if a.startswith("./") else a for a in spec["args"]]
    policy = ROOT / "examples" / "policies" / spec["policy"]
    heavy, out = _heavy_after(
        "gate", "--policy", str(policy), "--now", spec["now"], "--format", "json", *args
    )
    assert json.loads(out)["verdict"] == spec["verdict"]
    assert heavy == "[]"


def test_help_lists_every_command_in_order() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0, result.output
    assert _listed(result.output) == sorted(COMMANDS)
    assert set(COMMANDS) == {
        "attest", "audit", "db", "decision", "demo", "evidence", "gate",
        "init", "policy", "publish", "serve", "tenant", "token",
    }  # fmt: skip


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_lazy_command_loads_and_answers_help(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert f"Usage: cli {name}" in result.output or f"{name} [OPTIONS]" in result.output


def test_policy_publish_is_listed_and_loads_on_demand() -> None:
    result = CliRunner().invoke(cli, ["policy", "--help"])
    assert result.exit_code == 0
    assert _listed(result.output) == ["explain", "publish", "replay", "schema", "test", "validate"]
    assert CliRunner().invoke(cli, ["policy", "publish", "--help"]).exit_code == 0
