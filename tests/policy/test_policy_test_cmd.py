"""`golive policy test`: the gate on fixture evidence, each decision compared with its case."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from golive.cli import gate_part2
from golive.cli.main import cli
from golive.core.gate.expectations import Expectation, unmet
from golive.core.gate.model import Outcome, Verdict
from golive.records.policy_tests import OUTCOMES, VERDICTS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "evidence" / "narralytica"

POLICY = """apiVersion: golive/v1
metadata: {name: tested}
environments:
  - id: production
gates:
  - id: tests
    type: tests_pass
  - id: security
    type: security
    params:
      sca: {max_severity: medium}
"""

JUNIT_PASS = (
    '<testsuite name="unit" tests="2" timestamp="2026-11-24T09:00:00Z">'
    '<testcase classname="t" name="a"/><testcase classname="t" name="b"/></testsuite>'
)
JUNIT_FAIL = (
    '<testsuite name="unit" tests="2" timestamp="2026-11-24T09:00:00Z">'
    '<testcase classname="t" name="a"/><testcase classname="t" name="b">'
    '<failure message="boom"/></testcase></testsuite>'
)
PIP_AUDIT = {
    "dependencies": [
        {
            "name": "requests",
            "version": "2.31.0",
            "vulns": [
                {
                    "id": "PYSEC-2026-1",
                    "aliases": ["CVE-2026-1234"],
                    "fix_versions": ["2.32.0"],
                    "description": "a flaw",
                }
            ],
        }
    ],
    "fixes": [],
}


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A policy, two evidence directories and room for a test file, as a repository has."""
    (tmp_path / "golive.yaml").write_text(POLICY)
    good = tmp_path / "tests" / "good"
    bad = tmp_path / "tests" / "bad"
    good.mkdir(parents=True)
    bad.mkdir(parents=True)
    (good / "junit.xml").write_text(JUNIT_PASS)
    (good / "audit.json").write_text(json.dumps({"dependencies": [], "fixes": []}))
    (bad / "junit.xml").write_text(JUNIT_FAIL)
    (bad / "audit.json").write_text(json.dumps(PIP_AUDIT))
    return tmp_path


def _tests(project: Path, cases: str, head: str = "") -> Path:
    path = project / "tests" / "golive-test.yaml"
    path.write_text(
        "apiVersion: golive/v1\nkind: PolicyTests\npolicy: ../golive.yaml\n"
        "defaults: {env: production, now: '2026-11-24T10:00:00Z'}\n" + head + "cases:\n" + cases
    )
    return path


GOOD_AND_BAD = """\
  - name: a clean release passes
    gate: {evidence: good}
    expect: {verdict: pass, blocking: [], checks: {tests: pass, security: pass}}
  - name: a failing test and a high CVE block
    gate: {evidence: [bad]}
    expect:
      verdict: blocked
      blocking: [security, tests]
      mentions: {security: [CVE-2026-1234, requests], tests: [boom]}
"""


def test_the_example_tests_of_the_narralytica_policy_pass_and_write_nothing(
    tmp_path: Path,
) -> None:
    copy = tmp_path / "evidence" / "narralytica"
    shutil.copytree(EXAMPLE, copy)
    (tmp_path / "policies").mkdir()
    shutil.copy(ROOT / "examples" / "policies" / "narralytica.yaml", tmp_path / "policies")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    code, out, err = _run("policy", "test", str(copy))
    assert code == 0, out + err
    assert out.startswith("PASSED: 2 of 2 case(s) passed\n")
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_every_example_bundles_tests_pass() -> None:
    code, out, err = _run("policy", "test", str(ROOT / "examples" / "evidence"))
    assert code == 0, out + err
    assert out.startswith("PASSED: 6 of 6 case(s) passed\n")


def test_cases_whose_decisions_meet_them_pass_with_paths_relative_to_the_test_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _tests(project, GOOD_AND_BAD)
    monkeypatch.chdir(project.parent)  # not where the test file is
    code, out, err = _run("policy", "test", str(path))
    assert code == 0, out + err
    assert "ok    a clean release passes" in out


def test_a_decision_that_misses_its_case_fails_and_says_every_way_it_missed(
    project: Path,
) -> None:
    path = _tests(
        project,
        """\
  - name: wrong about everything
    gate: {evidence: bad}
    expect:
      verdict: pass
      blocking: [tests]
      checks: {tests: pass, approvals: pass}
      mentions: {security: [CVE-2099-0001]}
""",
    )
    code, out, _ = _run("policy", "test", str(path))
    assert code == 1
    assert out.startswith("FAILED: 0 of 1 case(s) passed\n")
    assert "FAIL  wrong about everything" in out
    assert "verdict: expected pass, got blocked (blocking: security, tests)" in out
    assert "check tests: expected pass, got fail: " in out
    assert "check approvals: not in the decision (its checks: security, tests)" in out
    assert "blocking: expected tests, got security, tests" in out
    assert "check security: does not mention 'CVE-2099-0001'" in out


def test_json_and_junit_outputs_list_every_case(project: Path) -> None:
    path = _tests(
        project,
        GOOD_AND_BAD
        + "  - name: wrong\n    gate: {evidence: good}\n    expect: {verdict: blocked}\n",
    )
    code, out, _ = _run("policy", "test", str(path), "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["schema"] == "golive.policy-tests/v1"
    assert (doc["cases"], doc["passed"], doc["failed"]) == (3, 2, 1)
    assert [r["result"] for r in doc["results"]] == ["pass", "pass", "fail"]
    assert doc["results"][2]["problems"] == ["verdict: expected blocked, got pass"]
    code, out, _ = _run("policy", "test", str(path), "--format", "junit")
    assert code == 1
    suite = ET.fromstring(out).find("testsuite")
    assert suite is not None
    assert suite.get("tests") == "3"
    assert suite.get("failures") == "1"
    failures = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert failures == ["wrong"]


def test_case_filters_run_only_the_cases_named(project: Path) -> None:
    path = _tests(project, GOOD_AND_BAD)
    code, out, _ = _run("policy", "test", str(path), "--case", "clean", "--format", "json")
    assert code == 0
    assert [r["name"] for r in json.loads(out)["results"]] == ["a clean release passes"]
    code, _, err = _run("policy", "test", str(path), "--case", "nothing like it")
    assert code == 2
    assert "no case's name contains it" in err


def test_ci_variables_of_the_machine_running_the_tests_never_reach_a_case(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, str]] = []
    real = gate_part2.ci_ref

    def spy(environ):  # type: ignore[no-untyped-def]
        seen.append(dict(environ))
        return real(environ)

    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_REF", "refs/heads/main")
    monkeypatch.setattr(gate_part2, "ci_ref", spy)
    code, _, _ = _run("policy", "test", str(_tests(project, GOOD_AND_BAD)))
    assert code == 0
    assert seen == [{}, {}]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            "gate: {evidense: good}",
            "'evidense' is not a golive gate option; did you mean 'evidence'?",
        ),
        ("gate: {evidence: good, output: x.json}", "'output' is not allowed in a test"),
        ("gate: {evidence: good, publish: true}", "'publish' is not allowed in a test"),
        ("gate: {evidence: good, run: yes-please}", "'run' is a flag: true or false"),
        ("gate: {evidence: good, waivers: [a.yaml, b.yaml]}", "'waivers' takes one value"),
        ("gate: {evidence: good, stage: nowhere}", "'nowhere' is not one of"),
        ("gate: {evidence: missing}", "no such file or directory"),
        ("gate: {evidence: good, now: yesterday}", "--now 'yesterday' is not an ISO 8601"),
    ],
)
def test_a_bad_case_is_bad_input_naming_the_file_and_the_case(
    project: Path, case: str, message: str
) -> None:
    path = _tests(project, f"  - name: the case\n    {case}\n    expect: {{verdict: pass}}\n")
    code, out, err = _run("policy", "test", str(path))
    assert code == 2, out
    assert f"{path}: case 1 ('the case')" in err
    assert message in err


def test_a_case_without_a_fixed_now_is_refused(project: Path) -> None:
    path = project / "t.golive-test.yaml"
    path.write_text(
        "apiVersion: golive/v1\nkind: PolicyTests\npolicy: golive.yaml\ncases:\n"
        "  - name: c\n    gate: {env: production, evidence: tests/good}\n"
        "    expect: {verdict: pass}\n"
    )
    code, _, err = _run("policy", "test", str(path))
    assert code == 2
    assert "no `now`: a test decides as of a fixed instant" in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cases:\n  - name: c\n    expect: {}\n", "expect states nothing"),
        (
            "cases:\n  - {name: c, expect: {verdict: pass}}\n"
            "  - {name: c, expect: {verdict: pass}}\n",
            "two cases are named 'c'",
        ),
        ("cases:\n  - {name: c, expect: {verdict: green}}\n", "verdict"),
        ("cases:\n  - {name: c, expect: {checks: {tests: passed}}}\n", "checks.tests"),
        ("cases:\n  - {name: c, gate: {'a b': 1}, expect: {verdict: pass}}\n", "gate"),
        ("cases: []\n", "cases"),
    ],
)
def test_a_malformed_test_file_is_refused_with_its_line(
    project: Path, text: str, message: str
) -> None:
    path = project / "tests" / "golive-test.yaml"
    path.write_text("apiVersion: golive/v1\nkind: PolicyTests\npolicy: ../golive.yaml\n" + text)
    code, _, err = _run("policy", "test", str(path))
    assert code == 2
    assert f"{path}:" in err
    assert message in err


def test_missing_policies_paths_and_test_files_are_bad_input(project: Path) -> None:
    bare = project / "bare.golive-test.yaml"
    bare.write_text(
        "apiVersion: golive/v1\nkind: PolicyTests\ncases:\n  - {name: c, expect: {verdict: pass}}\n"
    )
    code, _, err = _run("policy", "test", str(bare))
    assert code == 2
    assert "no policy to test: set `policy:` in the file or give --policy" in err
    code, _, err = _run("policy", "test", str(project / "nowhere"))
    assert code == 2
    assert "no such file or directory" in err
    empty = project / "empty"
    empty.mkdir()
    code, _, err = _run("policy", "test", str(empty))
    assert code == 2
    assert "no test file in it" in err


def test_policy_given_on_the_command_line_replaces_the_files(project: Path) -> None:
    path = _tests(project, GOOD_AND_BAD)
    stricter = project / "stricter.yaml"
    stricter.write_text(POLICY.replace("medium", "critical"))
    code, out, _ = _run("policy", "test", str(path), "--policy", str(stricter))
    assert code == 1  # the CVE no longer blocks: the second case misses
    assert "blocking: expected security, tests, got tests" in out


def test_expectations_name_the_enums_values() -> None:
    assert set(VERDICTS) == {v.value for v in Verdict}
    assert set(OUTCOMES) == {o.value for o in Outcome}


def test_an_expectation_compares_only_what_it_states() -> None:
    from golive.core.gate.model import CheckResult, Decision

    check = CheckResult("tests", "tests_pass", "Tests", Outcome.PASS, True, "all passed")
    decision = Decision(
        Verdict.PASS, "production", "pre-deploy", None, None, "p", "d", "v", "1", (), (check,)
    )  # type: ignore[arg-type]
    assert unmet(Expectation(checks={"tests": "pass"}), decision) == []
    assert unmet(Expectation(blocking=()), decision) == []
    assert unmet(Expectation(mentions={"tests": ("all passed",)}), decision) == []
