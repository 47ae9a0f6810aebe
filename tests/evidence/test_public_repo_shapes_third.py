"""A third round of shapes seen in real tool outputs committed to public repositories.

Each fixture under tests/fixtures/evidence/public/ is small and hand-made; its README names the
producer, the version and the public repository where the shape was seen. The fixture table of
tests/evidence/test_public_repo_shapes.py lists every fixture of that directory.
"""

from __future__ import annotations

from evidence_support import FIXTURES, junit_of, scan

from golive.core.findings import Severity, TestOutcome

PUBLIC = FIXTURES / "public"


# --- JUnit XML ----------------------------------------------------------------------------------


def test_phpunit9_warning_element_is_a_failed_test_not_a_pass():
    report = junit_of("public/junit-phpunit9-warning-risky.xml")
    by_name = {c.name: c for c in report.cases}
    warning = by_name["testWarning"]
    assert warning.outcome is TestOutcome.FAILED
    assert warning.message == "Warning"
    assert by_name["testRisky"].outcome is TestOutcome.ERROR
    assert by_name["testSkipped"].outcome is TestOutcome.SKIPPED
    counts = report.counts
    assert (counts.total, counts.passed, counts.failed, counts.errors, counts.skipped) == (
        5, 2, 1, 1, 1
    )  # fmt: skip


def test_phpunit_data_set_case_without_file_takes_its_suites_file():
    report = junit_of("public/junit-phpunit9-warning-risky.xml")
    (case,) = [c for c in report.cases if c.name == "testAdd with data set #0"]
    assert case.file == "tests/StatusTest.php"
    assert case.suite.endswith("Acme\\Tests\\StatusTest::testAdd")


def test_ctest_disabled_status_without_skipped_element_is_skipped_not_passed():
    report = junit_of("public/junit-ctest-gtest-notrun.xml")
    by_name = {c.name: c for c in report.cases}
    assert by_name["DISABLED_slow"].outcome is TestOutcome.SKIPPED
    assert "disabled" in by_name["DISABLED_slow"].message
    assert by_name["needs_gpu"].outcome is TestOutcome.SKIPPED
    assert by_name["needs_gpu"].message == "Unable to find required file"
    assert by_name["unit_io"].outcome is TestOutcome.FAILED
    assert report.counts.passed == 1
    assert report.counts.skipped == 2


def test_cypress_spec_file_on_the_root_suite_locates_every_test():
    report = junit_of("public/junit-cypress-root-suite-file.xml")
    assert {c.file for c in report.cases} == {"cypress/e2e/login.cy.js"}
    failed = [c for c in report.cases if c.outcome is TestOutcome.FAILED]
    assert [c.name for c in failed] == ["Login rejects a bad password"]
    assert report.completeness.complete  # the empty Root Suite is no problem


def test_robot_framework_suite_setup_message_is_kept_on_one_line():
    report = junit_of("public/junit-robot-xunit-suite-setup.xml")
    (failed,) = [c for c in report.cases if c.outcome is TestOutcome.FAILED]
    assert failed.message == (
        "Parent suite setup failed: No keyword with name 'Open Brwser' found."
    )
    assert "\n" not in failed.message
    (skipped,) = [c for c in report.cases if c.outcome is TestOutcome.SKIPPED]
    assert skipped.message == "Skipped using 'skip' keyword."


# --- SARIF ----------------------------------------------------------------------------------------


def test_kics_windows_relative_uri_with_backslashes_reads_as_a_slash_path():
    report = scan("public/sarif-kics-windows-relative-uri.sarif")
    paths = [f.location.path for f in report.findings if f.location is not None]
    assert paths == ["infra/alb.yaml", "Dockerfile", "Dockerfile"]
    # KICS writes its severity only as the level: HIGH error, LOW note, INFO none
    levels = [f.severity.level for f in report.findings]
    assert levels == [Severity.HIGH, Severity.LOW, Severity.INFO]
    assert all(f.severity.inferred for f in report.findings)


def test_devskim_critical_written_as_level_error_is_critical_from_its_own_word():
    report = scan("public/sarif-devskim-severity-words.sarif")
    by_rule = {f.rule_id: f for f in report.findings}
    weak_hash = by_rule["DS126858"]
    assert weak_hash.severity.level is Severity.CRITICAL
    assert "devskim Critical" in weak_hash.severity.provenance
    assert not weak_hash.severity.inferred
    assert by_rule["DS176209"].severity.level is Severity.LOW
    assert weak_hash.location is not None
    assert weak_hash.location.path == "src/hash.py"
