"""The engine: which gates run, how outcomes make a verdict, and what a decision names."""

from __future__ import annotations

from datetime import datetime

import pytest
from gate_support import FIXTURES, NOW, check, policy, run, write

from golive.core.gate import Candidate, Outcome, Verdict
from golive.errors import UsageError

TESTS_ONLY = """
- id: tests
  type: tests_pass
"""


def test_a_passing_test_report_gives_a_pass_verdict(tmp_path):
    path = write(
        tmp_path, "r.xml", '<testsuite name="u"><testcase classname="m" name="a"/></testsuite>'
    )
    decision = run(policy(TESTS_ONLY), path)
    assert check(decision, "tests").outcome is Outcome.PASS
    assert decision.verdict is Verdict.PASS


def test_a_failing_test_report_blocks():
    decision = run(policy(TESTS_ONLY), FIXTURES / "junit-pytest.xml")
    assert check(decision, "tests").outcome is Outcome.FAIL
    assert decision.verdict is Verdict.BLOCKED
    assert [c.id for c in decision.blocking_checks] == ["tests"]


def test_gates_for_other_environments_do_not_run():
    loaded = policy("- id: tests\n  type: tests_pass\n  environments: [staging]\n")
    decision = run(loaded)
    assert decision.checks == ()
    assert decision.verdict is Verdict.PASS


def test_post_deploy_gates_do_not_run_before_the_deploy_and_pre_merge_gates_do():
    loaded = policy(
        """
        - id: early
          type: tests_pass
          stage: pre-merge
        - id: late
          type: tests_pass
          stage: post-deploy
        """
    )
    ids = [c.id for c in run(loaded).checks]
    assert ids == ["early"]
    assert [c.id for c in run(loaded, stage="post-deploy").checks] == ["late"]
    assert [c.id for c in run(loaded, stage="pre-merge").checks] == ["early"]


def test_an_unknown_environment_is_bad_input():
    with pytest.raises(UsageError, match="no environment 'prod'"):
        run(policy(TESTS_ONLY), environment="prod")


def test_now_without_an_offset_is_bad_input():
    with pytest.raises(UsageError, match="UTC offset"):
        run(policy(TESTS_ONLY), now=datetime(2026, 11, 24, 10, 0))


def test_missing_evidence_is_an_error_and_blocks():
    decision = run(policy(TESTS_ONLY))
    assert check(decision, "tests").outcome is Outcome.ERROR
    assert decision.verdict is Verdict.BLOCKED


def test_an_advisory_check_is_reported_and_never_blocks():
    loaded = policy("- id: tests\n  type: tests_pass\n  blocking: false\n")
    decision = run(loaded)
    assert check(decision, "tests").outcome is Outcome.ERROR
    assert decision.verdict is Verdict.PASS


def test_an_owed_check_blocks_unless_the_policy_lets_it_pass_with_a_debt():
    blocking = policy("- id: tests\n  type: tests_pass\n  source: remote-ci\n")
    decision = run(blocking, unavailable=frozenset({"remote-ci"}))
    assert check(decision, "tests").outcome is Outcome.OWED
    assert decision.verdict is Verdict.BLOCKED

    lenient = policy(
        "- id: tests\n  type: tests_pass\n  source: remote-ci\n  owed: pass_with_debt\n"
    )
    decision = run(lenient, unavailable=frozenset({"remote-ci"}))
    assert decision.verdict is Verdict.PASS
    assert [c.id for c in decision.debts] == ["tests"]
    assert decision.to_dict()["summary"]["debts"] == ["tests"]  # type: ignore[index]


def test_a_gate_type_without_an_evaluator_is_an_error_never_a_pass(monkeypatch):
    from golive.core.gate import engine

    monkeypatch.delitem(engine.CHECKS, "tests_pass")
    decision = run(policy(TESTS_ONLY), FIXTURES / "junit-pytest-xunit1.xml")
    assert check(decision, "tests").outcome is Outcome.ERROR
    assert "cannot evaluate" in check(decision, "tests").summary
    assert decision.verdict is Verdict.BLOCKED


def test_an_unreadable_evidence_file_in_a_directory_blocks_the_release(tmp_path):
    write(tmp_path, "broken.xml", "<testsuite><testcase name='a'>")
    write(tmp_path, "README.txt", "not evidence")
    decision = run(policy(TESTS_ONLY), tmp_path)
    first = decision.checks[0]
    assert first.id == "evidence-readable"
    assert first.outcome is Outcome.ERROR
    assert "broken.xml" in first.reasons[0]
    assert any("README.txt" in n for n in decision.notes)
    assert decision.verdict is Verdict.BLOCKED


def test_a_decision_names_the_candidate_the_policy_digest_and_every_evidence_digest():
    loaded = policy(TESTS_ONLY)
    candidate = Candidate(commit="a" * 40, digests=("sha256:" + "b" * 64,), version="1.4.2")
    decision = run(loaded, FIXTURES / "junit-pytest.xml", candidate=candidate)
    doc = decision.to_dict()
    assert doc["schema"] == "golive.decision/v1"
    assert doc["policy"] == {"name": "test-policy", "digest": loaded.digest}
    assert doc["candidate"]["commit"] == "a" * 40  # type: ignore[index]
    evidence = doc["evidence"]
    assert isinstance(evidence, list)
    assert evidence[0]["sha256"].startswith("sha256:")
    assert evidence[0]["path"] == "junit-pytest.xml"
    assert doc["now"] == "2026-11-24T10:00:00Z"


def test_the_same_inputs_give_byte_identical_json(tmp_path):
    loaded = policy(
        TESTS_ONLY + "- id: security\n  type: security\n  params:\n    sast: {}\n    secrets: {}\n"
    )
    first = run(loaded, FIXTURES).to_json()
    second = run(loaded, FIXTURES).to_json()
    assert first == second
    assert NOW.isoformat()[:10] in first


def test_reading_a_directory_in_worker_processes_gives_the_same_decision(monkeypatch):
    from golive.services import reading

    loaded = policy(
        TESTS_ONLY + "- id: security\n  type: security\n  params:\n    sast: {}\n    secrets: {}\n"
    )
    one_process = run(loaded, FIXTURES).to_json()
    monkeypatch.setattr(reading, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(reading.os, "cpu_count", lambda: 2)
    workers = run(loaded, FIXTURES).to_json()
    assert workers == one_process
    assert '"evidence-readable"' in workers  # the broken fixtures are still reported
