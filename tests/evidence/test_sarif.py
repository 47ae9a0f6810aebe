"""SARIF cases of gates-and-evidence §9 (1-12), on hand-made logs and real Semgrep output."""

from __future__ import annotations

import pytest
from evidence_support import from_json, sarif_log, scan

from golive.core.dedupe import merge
from golive.core.findings import FindingKind, ScanReport, Severity


def _only(report: object) -> ScanReport:
    assert isinstance(report, ScanReport)
    return report


def _by_line(report: ScanReport) -> dict[int, object]:
    return {f.location.line: f for f in report.findings if f.location}


CODEQL = "handmade/sarif-codeql-like.sarif"


def test_sarif_result_without_level_takes_rule_default_error():
    f = _by_line(scan(CODEQL))[18]
    assert f.severity.level is Severity.HIGH
    assert "level error (rule default)" in f.severity.provenance


def test_sarif_result_without_level_takes_rule_default_in_real_semgrep_output():
    report = scan("semgrep.sarif")
    levels = {f.rule_id: f.severity for f in report.findings}
    assert levels["subprocess-shell-true"].level is Severity.HIGH
    assert "rule default" in levels["subprocess-shell-true"].provenance
    assert levels["md5-digest"].level is Severity.LOW


def test_sarif_result_without_level_or_rule_default_is_warning():
    f = _by_line(scan(CODEQL))[11]
    assert f.severity.level is Severity.MEDIUM
    assert "level warning (SARIF default)" in f.severity.provenance


def test_sarif_gitleaks_style_log_without_any_level_is_warning():
    for f in scan("handmade/sarif-gitleaks-like.sarif").findings:
        assert f.severity.level is Severity.MEDIUM
        assert f.severity.inferred


def test_sarif_kind_pass_and_not_applicable_with_a_level_are_not_findings():
    lines = _by_line(scan(CODEQL))
    assert 22 not in lines
    assert 23 not in lines
    assert any("kind pass/notApplicable" in n for n in scan(CODEQL).notes)


def test_sarif_kind_open_and_review_are_findings():
    lines = _by_line(scan(CODEQL))
    assert lines[24].notes == ("kind open",)
    assert lines[25].notes == ("kind review",)


def test_sarif_security_severity_missing_falls_back_and_is_marked_inferred():
    f = _by_line(scan(CODEQL))[18]
    assert f.severity.inferred
    assert "inferred" in f.severity.provenance


def test_sarif_security_severity_on_result_properties_wins_over_rule():
    f = _by_line(scan(CODEQL))[21]
    assert f.severity.level is Severity.LOW
    assert f.severity.provenance.startswith("SARIF result security-severity 3.1")
    assert not f.severity.inferred


@pytest.mark.parametrize(
    ("line", "expected", "inferred"),
    [
        (12, Severity.CRITICAL, False),  # "9.0": CVSS counts 9.0 as critical
        (13, Severity.HIGH, False),  # "8.95": bands are closed below
        (14, Severity.INFO, False),  # "0.0": no severity
        (15, Severity.HIGH, True),  # "10.5": out of range, falls to rule default error
        (16, Severity.LOW, True),  # "abc": not a number, falls to rule default note
        (17, Severity.HIGH, False),  # 7.5 as a JSON number is accepted
    ],
)
def test_sarif_security_severity_values_9_0_8_95_0_0_10_5_abc_and_non_string(
    line, expected, inferred
):
    f = _by_line(scan(CODEQL))[line]
    assert f.severity.level is expected
    assert f.severity.inferred is inferred


def test_sarif_invalid_security_severity_is_noted():
    notes = " ".join(scan(CODEQL).notes)
    assert "'10.5' is not a score" in notes
    assert "'abc' is not a score" in notes


def test_sarif_rule_id_and_rule_index_disagree_uses_rule_id():
    report = scan(CODEQL)
    f = _by_line(report)[18]
    assert f.rule_id == "py/default-error"
    assert any("disagree" in n for n in report.notes)


def test_sarif_rule_id_missing_from_rules_falls_back_to_warning():
    f = _by_line(scan(CODEQL))[19]
    assert f.rule_id == "py/not-in-rules"
    assert f.severity.level is Severity.MEDIUM


def test_sarif_duplicate_rule_ids_use_the_first_and_are_noted():
    report = scan(CODEQL)
    assert _by_line(report)[20].severity.level is Severity.LOW  # first py/dup is note
    assert any("'py/dup' appears more than once" in n for n in report.notes)


def test_sarif_rule_in_tool_extensions_is_found_through_tool_component():
    f = _by_line(scan(CODEQL))[30]
    assert f.rule_id == "ext/taint"
    assert f.severity.level is Severity.CRITICAL
    assert "9.8" in f.severity.provenance


HIDDEN = [False, True, True, False, True, False, True, True, True]


@pytest.mark.parametrize(("line", "hidden"), list(enumerate(HIDDEN, start=1)))
def test_sarif_all_nine_suppression_permutations(line, hidden):
    f = _by_line(scan("handmade/sarif-suppressions.sarif"))[line]
    assert f.hidden_by_tool is hidden


def test_sarif_under_review_alone_is_visible_but_with_rejected_is_hidden():
    lines = _by_line(scan("handmade/sarif-suppressions.sarif"))
    assert not lines[6].hidden_by_tool
    assert lines[9].hidden_by_tool


def test_sarif_accepted_suppression_is_kept_as_a_claim_not_dropped():
    f = _by_line(scan("handmade/sarif-suppressions.sarif"))[5]
    assert f.suppressions[0].status == "accepted"
    assert f.suppressions[0].justification == "accepted by the team in 2026"
    assert f.severity.level is Severity.HIGH  # still a finding; only a waiver can waive it


def test_sarif_baseline_state_absent_never_counts():
    assert 26 not in _by_line(scan(CODEQL))


def test_sarif_baseline_state_new_and_unchanged_are_kept_apart():
    lines = _by_line(scan(CODEQL))
    assert lines[27].baseline_state == "new"
    assert lines[28].baseline_state == "unchanged"


def test_sarif_several_runs_and_files_of_one_tool_fold_into_one_issue():
    result = {
        "ruleId": "R1",
        "level": "error",
        "message": {"text": "x"},
        "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": "a.py"}, "region": {"startLine": 3}}}
        ],
    }
    log = sarif_log([result])
    log["runs"].append(log["runs"][0])
    one = _only(from_json(log, "one.sarif"))
    two = _only(from_json(sarif_log([result]), "two.sarif"))
    assert len(one.findings) == 2
    issues = merge([*one.findings, *two.findings])
    assert len(issues) == 1
    assert issues[0].sources == ("TestTool (one.sarif)", "TestTool (two.sarif)")


def test_sarif_execution_unsuccessful_with_zero_results_is_incomplete():
    report = scan("handmade/sarif-failed-run.sarif")
    assert not report.completeness.complete
    assert "executionSuccessful is false (exit code 32)" in report.completeness.reasons[0]
    assert report.findings == ()


def test_sarif_without_runs_is_incomplete():
    assert not scan("handmade/sarif-no-runs.sarif").completeness.complete


def test_sarif_with_empty_results_is_complete():
    report = scan("handmade/sarif-empty-results.sarif")
    assert report.completeness.complete
    assert report.findings == ()


def test_sarif_run_without_results_array_is_incomplete():
    log = sarif_log([])
    del log["runs"][0]["results"]
    report = _only(from_json(log))
    assert not report.completeness.complete


def test_sarif_file_uri_and_uri_base_id_are_resolved_and_invalid_uri_kept():
    """Paths are relative to the scan root (the base id %SRCROOT% = file:///build/src/), as
    GitHub code scanning shows them: the same file reads the same on every runner."""
    lines = _by_line(scan(CODEQL))
    assert lines[30].location.path == "app/views.py"
    assert lines[31].location.path == "views/home page.py"
    assert lines[32].location.path == "http://[invalid"


def _paths_under(bases: dict[str, dict[str, str]], *locations: tuple[str, str]) -> list[str]:
    results = [
        {
            "ruleId": "R1",
            "level": "error",
            "message": {"text": f"finding {n}"},
            "locations": [
                {"physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": base}}}
            ],
        }
        for n, (uri, base) in enumerate(locations)
    ]
    report = _only(from_json(sarif_log(results, originalUriBaseIds=bases)))
    return [f.location.path for f in report.findings if f.location]


def test_sarif_paths_are_relative_to_the_scan_root_on_any_runner():
    """GitHub Actions and a laptop name different roots; the paths are the same."""
    for root in ("file:///home/runner/work/app/app/", "file:///C:/src/app/", "/builds/app"):
        assert _paths_under(
            {"SRCROOT": {"uri": root}, "PKG": {"uri": "pkg/", "uriBaseId": "SRCROOT"}},
            ("src/a.py", "SRCROOT"),
            ("b.py", "PKG"),
            ("c.py", ""),
        ) == ["src/a.py", "pkg/b.py", "c.py"]


def test_sarif_absolute_uris_under_a_root_are_relative_and_others_kept():
    bases = {"ROOTPATH": {"uri": "file:///ci/app/"}}
    assert _paths_under(
        bases,
        ("file:///ci/app/infra/s3.tf", ""),
        ("file:///etc/passwd", ""),
        ("src/%C3%A9t%C3%A9.py", "ROOTPATH"),
    ) == ["infra/s3.tf", "/etc/passwd", "src/été.py"]


def test_sarif_base_ids_that_name_each_other_do_not_loop():
    bases = {"A": {"uri": "a/", "uriBaseId": "B"}, "B": {"uri": "b/", "uriBaseId": "A"}}
    assert _paths_under(bases, ("x.py", "A")) == ["b/a/x.py"]


def test_sarif_revision_id_binds_the_report_to_a_commit():
    assert scan(CODEQL).binding.commits == ("3f2a9c1b7e4d8a6f5c0b9e8d7a6f5e4d3c2b1a09",)


def test_sarif_legacy_trivy_severity_from_tags_and_rule_id():
    report = scan("handmade/sarif-trivy-legacy.sarif")
    by_rule = {f.rule_id: f for f in report.findings}
    low = by_rule["[LOW] CVE-2011-3374"]
    assert low.severity.level is Severity.LOW  # not the level: error Trivy wrote everywhere
    assert low.ids == ("CVE-2011-3374",)
    assert by_rule["CVE-2019-11324"].severity.level is Severity.HIGH


def test_sarif_legacy_trivy_one_cve_per_package_is_one_issue():
    report = scan("handmade/sarif-trivy-legacy.sarif")
    issues = [i for i in merge(report.findings) if i.key == "CVE-2019-11324"]
    assert len(issues) == 1
    assert len(issues[0].packages) == 3
    assert report.findings[1].kind is FindingKind.VULNERABILITY


def test_sarif_older_rtm_schema_url_is_still_sarif():
    log = sarif_log([])
    del log["version"]
    log["$schema"] = "https://schemastore.azurewebsites.net/schemas/json/sarif-2.1.0-rtm.5.json"
    assert from_json(log).format == "sarif"


def test_sarif_artifact_location_given_only_as_an_index_reads_the_runs_artifact():
    """SARIF §3.4.3: an artifactLocation may hold only ``index`` into ``run.artifacts``
    (logs written by the SARIF SDK's optimisations); its path is that artifact's location,
    resolved against its base like any URI. An index out of range leaves no path."""

    def at(location: dict, line: int) -> dict:
        physical = {"artifactLocation": location, "region": {"startLine": line}}
        return {
            "ruleId": "R1",
            "message": {"text": "m"},
            "locations": [{"physicalLocation": physical}],
        }

    log = sarif_log(
        [
            at({"index": 0}, 3),
            at({"index": 1}, 4),
            at({"index": 7}, 5),
            at({"uri": "c.py", "index": 0}, 6),
        ],
        rules=[{"id": "R1"}],
        originalUriBaseIds={"SRC": {"uri": "file:///home/runner/work/app/app/"}},
        artifacts=[
            {"location": {"uri": "src/a.py", "uriBaseId": "SRC"}},
            {"location": {"uri": "file:///home/runner/work/app/app/lib/b.py"}},
        ],
    )
    report = _only(from_json(log))
    paths = {f.location.line: f.location.path for f in report.findings if f.location}
    assert paths == {3: "src/a.py", 4: "lib/b.py", 5: "", 6: "c.py"}


def test_sarif_message_given_by_id_and_arguments_is_filled_from_the_message_strings():
    """SARIF §3.11.7 (BinSkim and the SARIF SDK write messages this way): ``message.id``
    names a rule's ``messageStrings`` entry, else the driver's ``globalMessageStrings``;
    ``{n}`` takes ``arguments[n]``, ``{{``/``}}`` are braces, a missing argument stays."""

    def result(line: int, message: dict) -> dict:
        region = {"startLine": line}
        where = {"physicalLocation": {"artifactLocation": {"uri": "a.dll"}, "region": region}}
        return {"ruleId": "BA2008", "message": message, "locations": [where]}

    rule = {
        "id": "BA2008",
        "shortDescription": {"text": "Enable Control Flow Guard"},
        "messageStrings": {"Error": {"text": "'{0}' does not enable CFG {{/guard:cf}} in {1}."}},
    }
    log = sarif_log(
        [
            result(1, {"id": "Error", "arguments": ["app.dll", "x64"]}),
            result(2, {"id": "Error", "arguments": ["only.dll"]}),
            result(3, {"id": "Shared", "arguments": ["lib.dll"]}),
            result(4, {"id": "Unknown"}),
        ],
        rules=[rule],
    )
    log["runs"][0]["tool"]["driver"]["globalMessageStrings"] = {
        "Shared": {"text": "{0} was skipped."}
    }
    titles = {f.location.line: f.title for f in _only(from_json(log)).findings if f.location}
    assert titles == {
        1: "'app.dll' does not enable CFG {/guard:cf} in x64.",
        2: "'only.dll' does not enable CFG {/guard:cf} in {1}.",
        3: "lib.dll was skipped.",
        4: "Enable Control Flow Guard",
    }
