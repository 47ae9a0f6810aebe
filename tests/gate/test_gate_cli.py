"""``golive gate`` from the command line: exit codes, formats, files, and no leaked secret."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from gate_support import FIXTURES, HANDMADE, assert_valid_decision, write

from golive.cli.main import main

POLICY = """apiVersion: golive/v1
metadata: {name: cli-test}
roles:
  - {id: security-lead, members: [sam]}
environments:
  - id: production
gates:
  - id: tests
    type: tests_pass
  - id: security
    type: security
    params:
      secrets: {max_severity: none}
      waivers: {approver_roles: [security-lead]}
"""

PASSING = (
    '<testsuite name="u" timestamp="2026-11-24T09:00:00Z">'
    '<testcase classname="m" name="a"/></testsuite>'
)
CLEAN_SECRETS = "[]"  # gitleaks found nothing


def gate(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(["gate", *args])
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


@pytest.fixture
def setup(tmp_path: Path):
    policy = write(tmp_path, "policy.yaml", POLICY)
    ev = tmp_path / "ev"
    write(ev, "junit.xml", PASSING)
    write(ev, "gitleaks.json", CLEAN_SECRETS)
    return policy, ev


NOW = "--now=2026-11-24T10:00:00Z"


def test_a_passing_release_exits_0_and_says_pass_first(capsys, setup):
    policy, ev = setup
    code, out, _ = gate(
        capsys, "--policy", str(policy), "--env", "production", "--evidence", str(ev), NOW
    )
    assert code == 0
    assert out.startswith("PASS: cli-test -> production")


def test_a_blocked_release_exits_1(capsys, setup):
    policy, ev = setup
    (ev / "gitleaks.json").write_bytes((HANDMADE / "gitleaks.json").read_bytes())
    code, out, _ = gate(
        capsys, "--policy", str(policy), "--env", "production", "--evidence", str(ev), NOW
    )
    assert code == 1
    assert out.startswith("BLOCKED")
    assert "fix:" in out


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "sarif", "markdown"])
def test_a_plaintext_secret_never_appears_in_any_output_case_25(capsys, setup, fmt):
    policy, ev = setup
    (ev / "gitleaks.json").write_bytes((HANDMADE / "gitleaks.json").read_bytes())
    secrets = [leak["Secret"] for leak in json.loads((HANDMADE / "gitleaks.json").read_text())]
    matches = [
        leak.get("Match", "") for leak in json.loads((HANDMADE / "gitleaks.json").read_text())
    ]
    code, out, err = gate(
        capsys,
        "--policy",
        str(policy),
        "--env",
        "production",
        "--evidence",
        str(ev),
        NOW,
        "--format",
        fmt,
        "--explain",
    )
    assert code == 1
    for value in secrets + [m for m in matches if m]:
        assert value not in out
        assert value not in err


def test_every_format_is_well_formed(capsys, setup):
    policy, ev = setup
    base = ["--policy", str(policy), "--env", "production", "--evidence", str(ev), NOW]
    _, out, _ = gate(capsys, *base, "--format", "json")
    assert json.loads(out)["schema"] == "golive.decision/v1"
    _, out, _ = gate(capsys, *base, "--format", "junit")
    root = ET.fromstring(out.split("\n", 1)[1])
    assert [c.get("name") for c in root.iter("testcase")] == ["tests", "security"]
    _, out, _ = gate(capsys, *base, "--format", "sarif")
    assert json.loads(out)["version"] == "2.1.0"
    _, out, _ = gate(capsys, *base, "--format", "markdown")
    assert out.startswith("### ✅ golive: **PASS**")


def test_json_output_is_byte_identical_across_runs_and_written_with_output(capsys, setup, tmp_path):
    policy, ev = setup
    base = [
        "--policy",
        str(policy),
        "--env",
        "production",
        "--evidence",
        str(ev),
        NOW,
        "--format",
        "json",
    ]
    _, first, _ = gate(capsys, *base)
    _, second, _ = gate(capsys, *base, "--output", str(tmp_path / "out" / "decision.json"))
    assert first == second
    assert (tmp_path / "out" / "decision.json").read_text() == first


@pytest.mark.parametrize("named", [False, True], ids=["directory", "named-files"])
def test_a_decision_names_files_as_given_and_holds_no_machine_path(capsys, setup, named):
    policy, ev = setup
    (ev / "gitleaks.json").write_bytes((HANDMADE / "gitleaks.json").read_bytes())
    given = [str(ev / "junit.xml"), str(ev / "gitleaks.json")] if named else [str(ev)]
    evidence = [a for path in given for a in ("--evidence", path)]
    _, out, _ = gate(
        capsys, "--policy", str(policy), "--env", "production", *evidence, NOW, "--format", "json"
    )
    decision = json.loads(out)
    sources = [s for c in decision["checks"] for f in c.get("findings", []) for s in f["sources"]]
    assert sources, "the secret scan's findings are listed"
    assert all(s.endswith("(gitleaks.json)" if named else "(ev/gitleaks.json)") for s in sources)
    assert str(ev.parent) not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--now", "yesterday"], "not an ISO 8601"),
        (["--now", "2026-11-24T10:00:00"], "no UTC offset"),
        (["--env", "prod"], "no environment 'prod'"),
        (["--evidence", "missing-dir"], "no such file or directory"),
        (["--digest", "abc"], "algorithm prefix"),
        (["--record", "x.json"], "add --run"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(capsys, setup, args, message):
    policy, ev = setup
    base = {"--env": "production", "--now": "2026-11-24T10:00:00Z"}
    extra = list(args)
    for key, value in base.items():
        if key not in extra:
            extra += [key, value]
    code, out, err = gate(capsys, "--policy", str(policy), "--evidence", str(ev), *extra)
    assert code == 2
    assert message in err
    assert out == ""


def test_a_named_file_that_is_not_evidence_is_bad_input(capsys, setup, tmp_path):
    policy, _ = setup
    other = write(tmp_path, "notes.txt", "hello")
    code, _, err = gate(
        capsys, "--policy", str(policy), "--env", "production", "--evidence", str(other), NOW
    )
    assert code == 2
    assert "notes.txt" in err


def test_a_bad_waivers_file_names_the_line_and_field(capsys, setup, tmp_path):
    policy, ev = setup
    bad = write(
        tmp_path,
        "waivers.yaml",
        "apiVersion: golive/v1\nkind: Waivers\nwaivers:\n  - id: W1\n    check: security\n"
        "    rule: R1\n    reason: x\n    approved_by: sam\n    role: security-lead\n"
        "    created: 2026-11-20\n    expire: 2026-12-01\n",
    )
    code, out, err = gate(
        capsys,
        "--policy",
        str(policy),
        "--env",
        "production",
        "--evidence",
        str(ev),
        NOW,
        "--waivers",
        str(bad),
    )
    assert code == 2
    assert "waivers.yaml:11:5" in err
    assert "unknown field 'expire'" in err
    assert out == ""


def test_a_waivers_file_waives_a_finding(capsys, setup, tmp_path):
    policy, ev = setup
    (ev / "gitleaks.json").write_bytes((HANDMADE / "gitleaks.json").read_bytes())
    leaks = json.loads((HANDMADE / "gitleaks.json").read_text())
    entries = "".join(
        f"  - id: W{i}\n    check: security\n    path: '{leak['File']}'\n    reason: test key\n"
        f"    approved_by: sam\n    role: security-lead\n    created: 2026-11-20\n"
        f"    expires: 2026-11-26\n"
        for i, leak in enumerate(leaks)
    )
    waivers = write(
        tmp_path, "waivers.yaml", "apiVersion: golive/v1\nkind: Waivers\nwaivers:\n" + entries
    )
    code, out, _ = gate(
        capsys,
        "--policy",
        str(policy),
        "--env",
        "production",
        "--evidence",
        str(ev),
        NOW,
        "--waivers",
        str(waivers),
        "--format",
        "json",
    )
    doc = json.loads(out)
    assert_valid_decision(doc)
    assert code == 0, out
    security = next(c for c in doc["checks"] if c["id"] == "security")
    assert security["outcome"] == "waived"
    assert all(f["status"] == "waived" for f in security["findings"])


def test_run_executes_the_policy_commands_and_records_them(capsys, tmp_path):
    policy = write(
        tmp_path,
        "policy.yaml",
        "apiVersion: golive/v1\nmetadata: {name: run}\nenvironments: [{id: production}]\n"
        "gates:\n  - id: cmds\n    type: command_passed\n    params:\n      commands:\n"
        "        - {name: ok, run: 'echo abc | tr a-c x-z'}\n"
        "        - {name: bad, run: 'exit 3'}\n",
    )
    record = tmp_path / "rec" / "commands.json"
    code, out, _ = gate(
        capsys,
        "--policy",
        str(policy),
        "--env",
        "production",
        "--run",
        "--record",
        str(record),
        "--repo",
        str(tmp_path),
        NOW,
    )
    assert code == 1
    assert "bad: exited 3" in out
    doc = json.loads(record.read_text())
    assert doc["schema"] == "golive.commands/v1"
    assert {r["name"]: r["exit_code"] for r in doc["runs"]} == {"ok": 0, "bad": 3}
    assert "xyz" not in record.read_text()  # only a digest of the output is kept
    # the record is evidence for a later gate
    code, out, _ = gate(
        capsys,
        "--policy",
        str(policy),
        "--env",
        "production",
        "--evidence",
        str(record),
        "--now",
        doc["produced_at"],
    )
    assert code == 1
    assert "bad: exited 3" in out


def test_the_real_fixture_directory_is_read_whole(capsys, tmp_path):
    policy = write(tmp_path, "policy.yaml", POLICY)
    code, out, _ = gate(
        capsys,
        "--policy",
        str(policy),
        "--env",
        "production",
        "--evidence",
        str(FIXTURES),
        NOW,
        "--format",
        "json",
    )
    doc = json.loads(out)
    assert_valid_decision(doc)
    assert code == 1
    assert len(doc["evidence"]) > 10


@pytest.mark.parametrize("blocked", [False, True])
def test_the_golive_process_ends_at_once_with_its_whole_report_and_exit_code(
    tmp_path, capsys, blocked
):
    """``python -m golive gate`` ends without freeing its facts (end_now): the report on
    stdout and in --output is whole, the exit code is the verdict's, as when main() returns."""
    import subprocess
    import sys

    policy = write(tmp_path, "policy.yaml", POLICY)
    ev = tmp_path / "ev"
    case = '<testcase classname="m" name="b"><failure message="no"/></testcase>' if blocked else ""
    write(ev, "junit.xml", PASSING.replace("</testsuite>", case + "</testsuite>"))
    write(ev, "gitleaks.json", CLEAN_SECRETS)
    args = ["gate", "--policy", str(policy), "--env", "production", "--evidence", str(ev), NOW]
    out_file = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "golive", *args, "--format", "json", "--output", str(out_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    code, expected, _ = gate(capsys, *args[1:], "--format", "json")
    assert proc.returncode == code == (1 if blocked else 0)
    assert proc.stdout == expected
    assert out_file.read_text() == expected
    assert json.loads(proc.stdout)["verdict"] == ("blocked" if blocked else "pass")
