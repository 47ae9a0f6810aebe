"""More shapes seen in real tool outputs committed to public repositories.

Each fixture under tests/fixtures/evidence/public/ is small and hand-made; its README names the
producer, the version and the public repository where the shape was seen. The fixture table of
tests/evidence/test_public_repo_shapes.py lists every fixture of that directory.
"""

from __future__ import annotations

from evidence_support import FIXTURES, from_json, junit_of, scan

from golive.core.dedupe import canonical_id, id_sort_key, merge
from golive.core.findings import (
    FindingKind,
    ScanKind,
    ScanReport,
    Severity,
    TestOutcome,
    TestReport,
)

PUBLIC = FIXTURES / "public"


# --- Snyk Open Source SARIF and vulnerability ids ---------------------------------------------


def test_snyk_open_source_sarif_findings_are_vulnerabilities_of_named_packages():
    report = scan("public/sarif-snyk-open-source.sarif")
    assert report.kind is ScanKind.SCA
    assert [f.kind for f in report.findings] == [FindingKind.VULNERABILITY] * 4
    lodash, ms, shell_quote, lodash_server = report.findings
    assert lodash.ids == ("SNYK-JS-LODASH-1040724", "CVE-2021-23337")
    assert lodash.package is not None
    assert lodash.package.purl == "pkg:npm/lodash@4.17.20"
    # the legacy id scheme has no CVE: the rule id is the vulnerability's id
    assert ms.ids == ("npm:ms:20170412",)
    assert ms.package is not None
    assert ms.package.purl == "pkg:npm/ms@0.7.3"
    assert shell_quote.title.startswith("Critical severity - Command Injection")
    assert lodash_server.location is not None
    assert lodash_server.location.path == "packages/server/package.json"


def test_snyk_open_source_sarif_critical_is_not_read_as_high_from_level_error():
    report = scan("public/sarif-snyk-open-source.sarif")
    levels = [f.severity.level for f in report.findings]
    assert levels == [Severity.HIGH, Severity.LOW, Severity.CRITICAL, Severity.HIGH]
    assert not any(f.severity.inferred for f in report.findings)
    assert "snyk Critical -> critical" in report.findings[2].severity.provenance
    # a newer CLI's security-severity still comes first
    assert "security-severity 7.2" in report.findings[3].severity.provenance


def test_snyk_open_source_sarif_projects_fold_into_one_issue_per_vulnerability():
    issues = merge(scan("public/sarif-snyk-open-source.sarif").findings)
    keys = [i.key for i in issues]
    assert keys == ["CVE-2021-42740", "CVE-2021-23337", "npm:ms:20170412"]
    lodash = issues[1]
    assert lodash.ids == ("CVE-2021-23337", "SNYK-JS-LODASH-1040724")
    assert len(lodash.findings) == 2


def test_snyk_id_folds_with_another_tools_report_of_the_same_cve():
    osv_like = from_json(
        {
            "id": "GHSA-35jh-r3h4-6jhm",
            "modified": "2024-01-01T00:00:00Z",
            "aliases": ["CVE-2021-23337"],
            "affected": [{"package": {"ecosystem": "npm", "name": "lodash"}}],
        },
        "osv.json",
    )
    assert isinstance(osv_like, ScanReport)
    snyk = scan("public/sarif-snyk-open-source.sarif")
    issues = merge([*snyk.findings, *osv_like.findings])
    (lodash,) = [i for i in issues if "CVE-2021-23337" in i.ids]
    assert lodash.ids == ("CVE-2021-23337", "GHSA-35jh-r3h4-6jhm", "SNYK-JS-LODASH-1040724")
    assert lodash.key == "CVE-2021-23337"


def test_snyk_and_other_id_schemes_have_one_spelling_and_a_sensible_order():
    assert canonical_id("snyk-js-lodash-567746") == "SNYK-JS-LODASH-567746"
    assert canonical_id("euvd-2026-3323") == "EUVD-2026-3323"
    assert canonical_id("mal-2024-1234") == "MAL-2024-1234"
    assert canonical_id("npm:ms:20170412") == "npm:ms:20170412"
    ids = [
        "npm:ms:20170412",
        "SNYK-JS-LODASH-567746",
        "EUVD-2026-3323",
        "GO-2024-0001",
        "GHSA-35jh-r3h4-6jhm",
        "CVE-2020-8203",
    ]
    assert sorted(ids, key=id_sort_key) == [
        "CVE-2020-8203",
        "GHSA-35jh-r3h4-6jhm",
        "EUVD-2026-3323",
        "GO-2024-0001",
        "SNYK-JS-LODASH-567746",
        "npm:ms:20170412",
    ]


def test_snyk_ids_in_free_text_are_recognised_but_not_snyk_iac_rule_ids():
    from golive.evidence._common import vuln_ids_in

    text = "see https://security.snyk.io/vuln/snyk-java-orgapachelogginglog4j-2314720"
    assert vuln_ids_in(text) == ["SNYK-JAVA-ORGAPACHELOGGINGLOG4J-2314720"]
    assert vuln_ids_in("SNYK-DEBIAN11-OPENSSL-5291769") == ["SNYK-DEBIAN11-OPENSSL-5291769"]
    assert vuln_ids_in("SNYK-CC-K8S-1 SNYK-CC-TF-74") == []
    assert vuln_ids_in("EUVD-2026-3323, MAL-2024-1234") == ["EUVD-2026-3323", "MAL-2024-1234"]


# --- SARIF: CodeQL, gosec ---------------------------------------------------------------------


def test_codeql_action_rules_in_a_query_pack_extension_give_each_result_its_level():
    report = scan("public/sarif-codeql-action-extension-rules.sarif")
    assert report.tool.name == "CodeQL"
    assert report.tool.version == "2.23.3"
    assert report.completeness.complete
    # no result carries a level: each comes from its rule, found in tool.extensions[0]
    sqli, rate, unused = report.findings
    assert sqli.severity.level is Severity.HIGH
    assert "security-severity 8.8" in sqli.severity.provenance
    assert rate.severity.level is Severity.HIGH
    assert unused.severity.level is Severity.LOW
    assert "rule default" in unused.severity.provenance
    assert sqli.location is not None
    assert sqli.location.path == "routes/users.js"


def test_codeql_action_version_control_provenance_binds_the_report():
    report = scan("public/sarif-codeql-action-extension-rules.sarif")
    assert report.binding.commits == ("5e8b1d2c3a4f5e6d7c8b9a0f1e2d3c4b5a697887",)
    fingerprints = {f.fingerprint for f in report.findings}
    assert len(fingerprints) == 3


def test_gosec_sarif_medium_issue_written_as_level_error_is_medium():
    report = scan("public/sarif-gosec-severity-tags.sarif")
    assert report.tool.version == "2.24.7"
    overflow, inclusion, unsafe = report.findings
    assert overflow.severity.level is Severity.HIGH
    assert inclusion.severity.level is Severity.MEDIUM
    assert "gosec MEDIUM" in inclusion.severity.provenance
    assert unsafe.severity.level is Severity.LOW
    assert not any(f.severity.inferred for f in report.findings)


def test_gosec_sarif_nosec_is_an_in_source_claim_and_snippets_are_dropped():
    report = scan("public/sarif-gosec-severity-tags.sarif")
    unsafe = report.findings[2]
    assert unsafe.hidden_by_tool
    assert unsafe.suppressions[0].justification == "reviewed: fixed-size header"
    assert "unsafe.Pointer" not in repr(report)


# --- JUnit: karma-junit-reporter, jest-junit --------------------------------------------------


def test_karma_browser_error_outside_any_spec_is_an_error_not_a_pass():
    report = junit_of("public/junit-karma-browser-error.xml")
    # karma writes errors="1" on the browser's suite and no test case for the error
    assert report.counts.errors == 1
    assert report.counts.passed == 2
    assert report.records == 3
    (error,) = [c for c in report.cases if c.outcome is TestOutcome.ERROR]
    assert error.suite == "ChromeHeadless 120.0.0.0 (Linux x86_64)"
    assert any("declares 1 failure(s)/error(s)" in n for n in report.notes)
    # the browser log in system-out is never kept
    assert "config is not defined" not in repr(report)


def test_karma_declared_count_beyond_the_records_is_noted():
    report = junit_of("public/junit-karma-browser-error.xml")
    assert any("declared test count 12" in n for n in report.notes)


def test_jest_junit_suite_that_failed_to_run_is_an_error_case():
    report = junit_of("public/junit-jest-suite-failed-to-run.xml")
    assert report.counts.errors == 1
    (error,) = [c for c in report.cases if c.outcome is TestOutcome.ERROR]
    assert error.classname == "Test suite failed to run"
    assert error.name == "src/api/client.test.ts"
    # no error case is added on top: the suite's declared error is the one it holds
    assert not any("declares" in n for n in report.notes)
    assert report.cases[1].file == "src/util/date.test.ts"


def test_suite_level_error_element_counts_as_an_error_of_the_suite():
    from golive.evidence import read_bytes

    xml = (
        b'<testsuite name="pkg" tests="1" failures="0" errors="1">'
        b'<testcase classname="pkg" name="ok"/>'
        b'<error message="beforeAll hook failed: database unreachable"/>'
        b"</testsuite>"
    )
    report = read_bytes(xml, "suite-error.xml")
    assert isinstance(report, TestReport)
    assert report.counts.errors == 1
    assert report.records == 1
    (error,) = [c for c in report.cases if c.outcome is TestOutcome.ERROR]
    assert error.message == "beforeAll hook failed: database unreachable"
    # the element holds the declared error: no second one is added
    assert not any("declares" in n for n in report.notes)


def test_a_tool_counting_failed_assertions_adds_no_suite_error():
    from golive.evidence import read_bytes

    xml = (
        b'<testsuite name="catch" tests="2" failures="3" errors="0">'
        b'<testcase classname="catch" name="a"><failure message="x"/></testcase>'
        b'<testcase classname="catch" name="b"/>'
        b"</testsuite>"
    )
    report = read_bytes(xml, "assertions.xml")
    assert isinstance(report, TestReport)
    assert (report.counts.failed, report.counts.errors) == (1, 0)


# --- CycloneDX: cyclonedx-npm, cyclonedx-gomod ------------------------------------------------


def test_cyclonedx_npm_scoped_package_keeps_its_scope_in_the_name():
    report = scan("public/cyclonedx-npm-scoped-group.json")
    names = [c.name for c in report.components]
    assert names == ["lodash", "@babel/core"]
    assert report.components[1].purl == "pkg:npm/%40babel/core@7.24.0"
    assert report.tool.name == "npm + cyclonedx-npm + cyclonedx-library"
    assert report.binding.artifact == "pkg:npm/example-app@1.0.0"


def test_cyclonedx_gomod_1_3_tools_array_and_qualified_purl_are_read():
    report = scan("public/cyclonedx-gomod-1.3-tools-array.json")
    assert report.tool.name == "cyclonedx-gomod"
    assert report.tool.version == "v1.1.0"
    assert report.produced_at is None or report.produced_at.startswith("2022-01-10")
    (text,) = report.components
    # goos/goarch qualifiers dropped, so the purl matches other tools' spelling
    assert text.purl == "pkg:golang/golang.org/x/text@v0.3.7"
    assert any("specVersion 1.3" in n for n in report.notes)


# --- detect-secrets 0.x, osv-scanner ----------------------------------------------------------


def test_detect_secrets_0_14_one_plugin_entry_audited_leaves_the_secret_unaudited():
    report = scan("public/detect-secrets-0.14-baseline.json")
    assert report.tool.version == "0.14.3"
    keyword, key = report.findings
    assert keyword.rule_id == "Secret Keyword + Hex High Entropy String"
    # one plugin's entry says "not a secret", the other was never audited
    assert not keyword.suppressions
    assert "unaudited" in keyword.notes
    assert key.location is not None
    assert key.location.path == "tests/fixtures/key.pem"
    assert any("2 unaudited entries" in n for n in report.notes)


def test_osv_scanner_record_without_a_purl_gets_the_scanned_packages_purl():
    report = scan("public/osv-scanner-malicious-package.json")
    ghsa, mal = report.findings
    assert mal.ids == ("MAL-2024-0001",)
    assert mal.package is not None
    assert mal.package.purl == "pkg:npm/lodash@4.17.20"
    assert ghsa.package is not None
    assert ghsa.package.purl == mal.package.purl
    issues = merge(report.findings)
    assert {i.key for i in issues} == {"CVE-2021-23337", "MAL-2024-0001"}
