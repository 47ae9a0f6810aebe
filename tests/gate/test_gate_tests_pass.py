"""``tests_pass``: test reports decide, and a test run that did not happen never passes."""

from __future__ import annotations

import pytest
from gate_support import FIXTURES, HANDMADE, NOW, check, policy, run, write

from golive.core.gate import Outcome


def _gate(params: str = "", extra: str = "") -> str:
    text = "- id: tests\n  type: tests_pass\n" + extra
    if params:
        text += "  params:\n" + "".join(f"    {line}\n" for line in params.splitlines())
    return text


def _junit(cases: str, timestamp: str = "2026-11-24T09:00:00Z", name: str = "unit") -> str:
    return f'<testsuite name="{name}" timestamp="{timestamp}">' + cases + "</testsuite>"


PASSING = '<testcase classname="m" name="a"/><testcase classname="m" name="b"/>'


def test_all_tests_passing_is_a_pass(tmp_path):
    path = write(tmp_path, "r.xml", _junit(PASSING))
    assert check(run(policy(_gate()), path), "tests").outcome is Outcome.PASS


def test_real_pytest_failures_fail_and_name_each_failing_test():
    result = check(run(policy(_gate()), FIXTURES / "junit-pytest.xml"), "tests")
    assert result.outcome is Outcome.FAIL
    assert any("test_fails" in r for r in result.reasons)
    assert result.remediation


def test_pytest_rerunfailures_duplicates_are_a_failure_case_29():
    result = check(run(policy(_gate()), FIXTURES / "junit-pytest-rerunfailures.xml"), "tests")
    assert result.outcome is Outcome.FAIL


def test_surefire_flaky_tests_fail_by_default_and_warn_when_the_policy_says_so():
    strict = check(run(policy(_gate()), HANDMADE / "junit-surefire-flaky.xml"), "tests")
    assert strict.outcome is Outcome.FAIL
    assert "flaky" in strict.summary


def test_flaky_warn_passes_with_a_warning(tmp_path):
    path = write(
        tmp_path,
        "r.xml",
        _junit(
            PASSING + '<testcase classname="m" name="c"><flakyFailure message="boom"/></testcase>'
        ),
    )
    result = check(run(policy(_gate("flaky: warn")), path), "tests")
    assert result.outcome is Outcome.PASS
    assert any(r.startswith("warning:") for r in result.reasons)


def test_zero_test_cases_is_an_error_case_30():
    result = check(run(policy(_gate()), HANDMADE / "junit-no-cases.xml"), "tests")
    assert result.outcome is Outcome.ERROR


def test_fewer_tests_than_the_minimum_is_an_error(tmp_path):
    path = write(tmp_path, "r.xml", _junit(PASSING))
    result = check(run(policy(_gate("min_tests: 3")), path), "tests")
    assert result.outcome is Outcome.ERROR
    assert "at least 3" in result.summary


def test_skipped_tests_fail_only_when_the_policy_says_so(tmp_path):
    path = write(
        tmp_path,
        "r.xml",
        _junit(PASSING + '<testcase classname="m" name="s"><skipped message="later"/></testcase>'),
    )
    assert check(run(policy(_gate()), path), "tests").outcome is Outcome.PASS
    result = check(run(policy(_gate("skips: fail")), path), "tests")
    assert result.outcome is Outcome.FAIL
    assert "skipped" in result.summary


def test_a_pass_rate_below_100_allows_some_failures(tmp_path):
    cases = "".join(f'<testcase classname="m" name="t{i}"/>' for i in range(19))
    cases += '<testcase classname="m" name="bad"><failure message="x"/></testcase>'
    path = write(tmp_path, "r.xml", _junit(cases))
    assert check(run(policy(_gate("pass_rate: 95")), path), "tests").outcome is Outcome.PASS
    assert check(run(policy(_gate("pass_rate: 96")), path), "tests").outcome is Outcome.FAIL


def test_a_required_suite_that_is_missing_is_an_error(tmp_path):
    path = write(tmp_path, "r.xml", _junit(PASSING, name="unit"))
    result = check(run(policy(_gate("suites: [unit, e2e]")), path), "tests")
    assert result.outcome is Outcome.ERROR
    assert "'e2e'" in result.summary


def test_a_report_older_than_max_age_is_an_error(tmp_path):
    path = write(tmp_path, "r.xml", _junit(PASSING, timestamp="2026-11-20T09:00:00Z"))
    result = check(run(policy(_gate(extra="  max_age: 48h\n")), path), "tests")
    assert result.outcome is Outcome.ERROR
    assert "48 hours" in result.reasons[0]


@pytest.mark.parametrize(
    ("stamp", "outcome"),
    [
        ("2026-11-22T10:00:00", Outcome.PASS),  # exactly 48 h, naive read as UTC
        ("2026-11-22T09:59:59", Outcome.ERROR),  # one second past the edge
        ("2026-11-22T10:00:00+01:00", Outcome.ERROR),  # 49 h in UTC
    ],
)
def test_naive_timestamps_at_the_48h_edge_are_read_as_utc_case_32(tmp_path, stamp, outcome):
    path = write(tmp_path, "r.xml", _junit(PASSING, timestamp=stamp))
    result = check(run(policy(_gate(extra="  max_age: 48h\n")), path), "tests")
    assert result.outcome is outcome
    if "+" not in stamp:
        item = run(policy(_gate()), path).evidence[0]
        assert "read as UTC" in item.time_source


def test_a_report_dated_in_the_future_is_an_error(tmp_path):
    path = write(tmp_path, "r.xml", _junit(PASSING, timestamp="2026-11-24T11:00:00Z"))
    result = check(run(policy(_gate()), path), "tests")
    assert result.outcome is Outcome.ERROR
    assert "future" in result.reasons[0]


def test_the_rule_and_facts_explain_the_check(tmp_path):
    path = write(tmp_path, "r.xml", _junit(PASSING))
    result = check(run(policy(_gate()), path, now=NOW), "tests")
    assert "all executed tests pass" in result.rule
    assert any("2 tests: 2 passed" in f for f in result.facts)


def test_what_the_reader_noticed_is_among_the_checks_facts(tmp_path):
    cases = (
        '<testcase classname="c.PriceTest" name="rounds"><failure message="x"/></testcase>'
        '<testcase classname="c.PriceTest" name="rounds"/>'
    )
    path = write(tmp_path, "r.xml", _junit(cases))
    result = check(run(policy(_gate()), path), "tests")
    assert any(
        f.startswith("r.xml: ") and "failed and then passed under one name" in f
        for f in result.facts
    )
    assert any("duplicate <testcase> record(s) folded" in f for f in result.facts)
