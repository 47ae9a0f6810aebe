"""``command_passed``: recorded command results, and ``golive gate --run``."""

from __future__ import annotations

from gate_support import check, policy, run, write

from golive.core.gate import Outcome

GATE = """
- id: commands
  type: command_passed
  params:
    commands:
      - {name: lint, run: "make lint"}
      - {name: build, run: "make build"}
"""


def _record(*runs: dict) -> dict:
    return {
        "schema": "golive.commands/v1",
        "produced_at": "2026-11-24T09:00:00Z",
        "runs": list(runs),
    }


def _run(name: str, command: str, code: int | None = 0, **extra: object) -> dict:
    return {"name": name, "command": command, "exit_code": code, "duration_s": 1.5, **extra}


def test_every_command_exiting_zero_passes(tmp_path):
    path = write(
        tmp_path, "cmds.json", _record(_run("lint", "make lint"), _run("build", "make build"))
    )
    res = check(run(policy(GATE), path), "commands")
    assert res.outcome is Outcome.PASS
    assert any("lint: 'make lint' exit 0" in f for f in res.facts)


def test_a_non_zero_exit_fails_and_names_the_command(tmp_path):
    path = write(
        tmp_path, "cmds.json", _record(_run("lint", "make lint", 2), _run("build", "make build"))
    )
    res = check(run(policy(GATE), path), "commands")
    assert res.outcome is Outcome.FAIL
    assert res.reasons == ("lint: exited 2 (make lint)",)


def test_a_timeout_fails(tmp_path):
    path = write(
        tmp_path,
        "cmds.json",
        _record(_run("lint", "make lint", None, timed_out=True), _run("build", "make build")),
    )
    assert check(run(policy(GATE), path), "commands").outcome is Outcome.FAIL


def test_a_command_with_no_recorded_result_is_an_error(tmp_path):
    path = write(tmp_path, "cmds.json", _record(_run("lint", "make lint")))
    res = check(run(policy(GATE), path), "commands")
    assert res.outcome is Outcome.ERROR
    assert "build: no recorded result" in res.reasons


def test_a_result_for_another_command_line_is_an_error(tmp_path):
    path = write(tmp_path, "cmds.json", _record(_run("lint", "true"), _run("build", "make build")))
    res = check(run(policy(GATE), path), "commands")
    assert res.outcome is Outcome.ERROR
    assert "not the policy's 'make lint'" in res.reasons[0]


def test_no_command_evidence_at_all_is_an_error():
    assert check(run(policy(GATE)), "commands").outcome is Outcome.ERROR


def test_the_committed_command_record_reads_and_binds_to_its_commit():
    from gate_support import HANDMADE

    from golive.core.gate import Candidate

    path = HANDMADE / "golive-commands.json"
    loaded = policy(
        """
        - id: commands
          type: command_passed
          params:
            commands:
              - {name: lint, run: "make lint"}
              - {name: e2e, run: "make e2e"}
        """
    )
    res = check(run(loaded, path, candidate=Candidate(commit="3f2a9c1")), "commands")
    assert res.outcome is Outcome.FAIL
    assert res.reasons == ("e2e: timed out after 600s",)
    other = check(run(loaded, path, candidate=Candidate(commit="0" * 40)), "commands")
    assert other.outcome is Outcome.ERROR
    assert "not the candidate" in other.reasons[0]
