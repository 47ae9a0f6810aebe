"""Owed-check debts (PU-GATE-3): open until a later decision sees the check pass."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from gate_support import assert_valid_decision, write

from golive.cli.main import main
from golive.core.gate import CheckResult, Debt, Outcome, settles

POLICY = """apiVersion: golive/v1
metadata: {name: debts}
environments:
  - id: staging
  - id: production
gates:
  - id: tests
    type: tests_pass
    source: remote-ci
    owed: pass_with_debt
"""

PASSING = (
    '<testsuite name="u" timestamp="2026-11-24T09:00:00Z">'
    '<testcase classname="m" name="a"/></testsuite>'
)
T0 = datetime(2026, 11, 24, 10, tzinfo=UTC)


def _check(outcome: Outcome, check_id: str = "tests") -> CheckResult:
    return CheckResult(check_id, "tests_pass", "t", outcome, True, "s")


@pytest.mark.parametrize(
    ("outcome", "settled"),
    [
        (Outcome.PASS, True),
        (Outcome.WAIVED, True),
        (Outcome.FAIL, False),
        (Outcome.ERROR, False),
        (Outcome.OWED, False),
        (Outcome.NOT_APPLICABLE, False),
    ],
)
def test_a_debt_is_settled_only_by_the_same_check_passing_or_waived(outcome, settled):
    debt = Debt("tests", T0)
    assert settles((debt,), (_check(outcome),)) == ((debt,) if settled else ())
    assert settles((debt,), (_check(Outcome.PASS, "other"),)) == ()


def _gate(capsys, repo: Path, *args: str) -> dict:
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "gate",
                "--policy",
                str(repo / "policy.yaml"),
                "--repo",
                str(repo),
                "--deployable",
                "api",
                "--format",
                "json",
                *args,
            ]
        )
    out = capsys.readouterr().out
    assert exc.value.code == 0, out
    document = json.loads(out)
    assert_valid_decision(document)
    return document


def test_a_local_debt_is_listed_in_later_gates_until_one_settles_it(tmp_path, capsys):
    write(tmp_path, "policy.yaml", POLICY)
    write(tmp_path / "ev", "junit.xml", PASSING)
    owed = ["--env", "production", "--unavailable", "remote-ci"]
    first = _gate(capsys, tmp_path, *owed, "--now", "2026-11-24T10:00:00Z")
    assert first["summary"]["debts"] == ["tests"]
    assert first["debts"] == {"settled": [], "open": []}
    log = tmp_path / ".golive" / "debts.jsonl"
    assert [json.loads(line)["event"] for line in log.read_text().splitlines()] == ["opened"]

    # owed again: still one debt, listed as open since the first decision
    second = _gate(capsys, tmp_path, *owed, "--now", "2026-11-24T11:00:00Z")
    assert second["debts"]["open"] == [
        {"check": "tests", "since": "2026-11-24T10:00:00Z", "ref": None}
    ]
    assert len(log.read_text().splitlines()) == 1
    # another environment has no debt
    staging = _gate(
        capsys,
        tmp_path,
        *("--env", "staging", "--evidence", str(tmp_path / "ev")),
        "--now",
        "2026-11-24T11:00:00Z",
    )
    assert staging["debts"] == {"settled": [], "open": []}

    settled = _gate(
        capsys,
        tmp_path,
        "--env",
        "production",
        "--evidence",
        str(tmp_path / "ev"),
        "--now",
        "2026-11-24T12:00:00Z",
    )
    assert settled["debts"]["settled"] == [
        {"check": "tests", "since": "2026-11-24T10:00:00Z", "ref": None}
    ]
    after = _gate(
        capsys,
        tmp_path,
        "--env",
        "production",
        "--now",
        "2026-11-24T13:00:00Z",
        "--unavailable",
        "remote-ci",
    )
    assert after["debts"]["open"] == []  # a new debt is opened, the old one stays settled
    assert after["summary"]["debts"] == ["tests"]


def test_the_text_report_lists_open_debts(tmp_path, capsys):
    write(tmp_path, "policy.yaml", POLICY)
    args = ["gate", "--policy", str(tmp_path / "policy.yaml"), "--repo", str(tmp_path)]
    args += ["--env", "production", "--unavailable", "remote-ci"]
    for now in ("2026-11-24T10:00:00Z", "2026-11-24T11:00:00Z"):
        with pytest.raises(SystemExit):
            main([*args, "--now", now])
    out = capsys.readouterr().out
    assert "Open debts" in out
    assert "tests: owed since 2026-11-24T10:00:00+00:00" in out
