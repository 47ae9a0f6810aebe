"""JUnit cases of gates-and-evidence §9 (28-32), on real pytest output and hand-made files."""

from __future__ import annotations

import pytest
from evidence_support import HANDMADE, junit_of

from golive.core.findings import TestOutcome
from golive.errors import EvidenceError
from golive.evidence import read_bytes


def _case(report, name):
    return next(c for c in report.cases if c.name == name)


def test_junit_counters_that_disagree_with_the_cases_are_recounted():
    report = junit_of("handmade/junit-surefire-flaky.xml")
    assert report.suites[0].declared.total == 2
    assert report.counts.total == 4
    assert any("declared test count 2 disagrees" in n for n in report.notes)


def test_junit_surefire_flaky_failure_is_flaky_and_rerun_failure_still_fails():
    report = junit_of("handmade/junit-surefire-flaky.xml")
    flaky = _case(report, "checkoutWorks")
    assert flaky.outcome is TestOutcome.FLAKY
    assert flaky.attempts == 2
    refund = _case(report, "refundWorks")
    assert refund.outcome is TestOutcome.FAILED
    assert refund.attempts == 3


def test_junit_pytest_rerunfailures_duplicates_fold_to_fail():
    report = junit_of("junit-pytest-rerunfailures.xml")
    assert report.records == 13
    fails = _case(report, "test_fails")
    assert fails.outcome is TestOutcome.FAILED  # the empty passing records are earlier attempts
    assert fails.attempts == 3
    flaky = _case(report, "test_flaky_passes_on_second_try")
    assert flaky.outcome is TestOutcome.FLAKY
    assert report.counts.passed == 2


def test_junit_a_failure_then_a_pass_under_one_name_is_flaky_and_says_it_may_be_two_tests():
    # Gradle's test-retry plugin writes this for a retried test; old Surefire writes the same
    # for two parameterised cases that share a method name
    xml = (
        b'<testsuite name="s" tests="3">'
        b'<testcase classname="c.PriceTest" name="rounds"><failure message="1 != 2"/></testcase>'
        b'<testcase classname="c.PriceTest" name="rounds"/>'
        b'<testcase classname="c.PriceTest" name="other"/>'
        b"</testsuite>"
    )
    report = read_bytes(xml, "junit.xml")
    assert _case(report, "rounds").outcome is TestOutcome.FLAKY
    (note,) = [n for n in report.notes if "failed and then passed" in n]
    assert "c.PriceTest.rounds" in note
    assert "distinct tests sharing a name" in note


def test_junit_pytest_reruns_that_end_in_a_pass_add_no_ambiguity_note():
    report = junit_of("junit-pytest-rerunfailures.xml")
    assert not any("failed and then passed" in n for n in report.notes)


def test_junit_call_failure_plus_teardown_error_on_one_test_is_one_error():
    report = junit_of("junit-pytest.xml")
    case = _case(report, "test_fails_and_teardown_errors")
    assert case.outcome is TestOutcome.ERROR
    assert case.attempts == 1
    assert report.counts.total == 7
    assert report.records == 8


def test_junit_skip_xfail_and_xpass_under_all_passing():
    report = junit_of("junit-pytest.xml")
    assert _case(report, "test_is_skipped").skip_kind == "skip"
    assert _case(report, "test_expected_failure").skip_kind == "xfail"
    assert _case(report, "test_unexpected_pass").outcome is TestOutcome.PASSED


def test_junit_xunit1_family_reads_the_same():
    assert junit_of("junit-pytest-xunit1.xml").counts == junit_of("junit-pytest.xml").counts


def test_junit_zero_cases_is_valid_but_incomplete():
    report = junit_of("handmade/junit-no-cases.xml")
    assert report.counts.total == 0
    assert not report.completeness.complete
    assert report.completeness.reasons == ("the report holds no test cases",)


def test_junit_bare_testsuite_root_is_read():
    report = junit_of("handmade/junit-surefire-flaky.xml")
    assert report.suites[0].name == "com.example.ShopTest"


def test_junit_nested_suites_are_walked():
    report = junit_of("handmade/junit-nested.xml")
    assert [s.name for s in report.suites] == ["outer", "outer/inner"]
    assert _case(report, "deep_fail").suite == "outer/inner"
    assert report.counts.failed == 1
    assert report.counts.skipped == 1


def test_junit_without_any_attributes_is_read():
    report = junit_of("handmade/junit-no-attributes.xml")
    assert report.counts.errors == 1


def test_junit_deeply_nested_suites_do_not_recurse():
    depth = 3000
    xml = "<testsuites>" + "<testsuite name='s'>" * depth + "<testcase name='t'/>"
    xml += "</testsuite>" * depth + "</testsuites>"
    report = read_bytes(xml.encode(), "deep.xml")
    assert report.counts.total == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("junit-corrupt.xml", "invalid XML"),
        ("junit-billion-laughs.xml", "DTD or entity declarations is refused"),
        ("junit-bad-unicode.xml", "invalid XML"),
    ],
)
def test_junit_corrupt_xml_billion_laughs_and_bad_unicode_are_clear_errors(name, message):
    with pytest.raises(EvidenceError, match=message) as info:
        read_bytes((HANDMADE / name).read_bytes(), name)
    assert str(info.value).startswith(name)


def test_junit_external_entity_is_refused():
    xml = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    xml += b"<testsuite><testcase name='&e;'/></testsuite>"
    with pytest.raises(EvidenceError, match="refused"):
        read_bytes(xml, "xxe.xml")


def test_junit_naive_timestamp_is_flagged():
    report = junit_of("handmade/junit-surefire-flaky.xml")
    assert report.suites[0].timestamp_has_offset is False
    assert any("without a UTC offset" in n for n in report.notes)
    assert junit_of("junit-pytest.xml").suites[0].timestamp_has_offset is True


def test_junit_system_output_and_stack_traces_are_not_kept():
    report = junit_of("junit-pytest.xml")
    assert all("def test_fails" not in c.message for c in report.cases)
    assert all(len(c.message) <= 300 for c in report.cases)
