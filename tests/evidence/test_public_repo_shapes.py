"""Shapes seen in real tool outputs committed to public repositories.

Each fixture under tests/fixtures/evidence/public/ is small and hand-made; its README names the
producer, the version and the public repository where the shape was seen. The last test runs
every fixture of that directory through detection and reading, so a new shape stays covered.
"""

from __future__ import annotations

from evidence_support import FIXTURES, junit_of, scan

from golive.core.findings import (
    FindingKind,
    ScanKind,
    Severity,
    TestOutcome,
)
from golive.evidence import read_path
from golive.evidence.detect import detect

PUBLIC = FIXTURES / "public"


# --- Trivy ------------------------------------------------------------------------------------


def test_trivy_fs_scan_of_a_git_checkout_binds_to_its_commit():
    report = scan("public/trivy-fs-git-checkout.json")
    assert report.binding.commits == ("83e2fbedd5f795fba24335a635da5808e50d073f",)
    assert report.binding.bound
    (finding,) = report.findings
    assert finding.severity.level is Severity.CRITICAL


# --- Grype ------------------------------------------------------------------------------------


def test_grype_image_scan_binds_to_the_repo_digest_too():
    report = scan("public/grype-image-repo-digest.json")
    digests = report.binding.digests
    # the repo digest (what a deployment pulls) is not the platform manifest's digest
    assert "sha256:" + "3" * 64 in digests
    assert "sha256:" + "2" * 64 in digests
    assert "sha256:" + "1" * 64 in digests
    assert report.tool.version == "0.86.1"


# --- SARIF: Checkov, ESLint -------------------------------------------------------------------


def test_checkov_sarif_without_api_key_has_unknown_severity_not_high():
    report = scan("public/sarif-checkov-no-api-key.sarif")
    assert [f.rule_id for f in report.findings] == ["CKV_AWS_16", "CKV_AWS_17", "CKV_AWS_118"]
    for finding in report.findings:
        assert finding.severity.level is Severity.UNKNOWN
        assert "no security-severity" in finding.severity.provenance
        assert not finding.severity.inferred
    skipped = report.findings[2]
    assert skipped.hidden_by_tool
    assert skipped.suppressions[0].justification == "monitoring is done elsewhere"


def test_checkov_sarif_with_severities_uses_the_rules_security_severity():
    report = scan("public/sarif-checkov-with-severities.sarif")
    assert report.tool.name == "Prisma Cloud"
    levels = [f.severity.level for f in report.findings]
    assert levels == [Severity.HIGH, Severity.CRITICAL, Severity.LOW]


def test_checkov_sarif_snippet_never_reaches_the_findings():
    report = scan("public/sarif-checkov-no-api-key.sarif")
    text = repr(report)
    assert "example-not-a-secret" not in text


def test_eslint_sarif_windows_file_uri_is_a_windows_path():
    report = scan("public/sarif-eslint-windows.sarif")
    paths = [f.location.path for f in report.findings if f.location]
    assert paths == [
        "C:/Users/dev/Documents/GitHub/example/src/dom.ts",
        "C:/Users/dev/Documents/GitHub/example/src/main.ts",
    ]


def test_eslint_sarif_disable_comment_is_an_in_source_suppression_claim():
    disabled, unused = scan("public/sarif-eslint-windows.sarif").findings
    assert disabled.hidden_by_tool
    assert disabled.suppressions[0].mechanism == "sarif:inSource"
    assert not unused.hidden_by_tool
    assert unused.severity.level is Severity.MEDIUM
    assert unused.severity.inferred


def test_snyk_code_sarif_is_a_sast_report_not_a_dependency_scan():
    report = scan("public/sarif-snyk-code.sarif")
    assert report.kind is ScanKind.SAST
    assert report.tool.name == "SnykCode"
    sqli, exposure = report.findings
    assert sqli.kind is FindingKind.CODE
    assert sqli.severity.level is Severity.HIGH
    assert exposure.severity.level is Severity.MEDIUM
    assert sqli.location is not None
    assert sqli.location.path == "routes/index.js"


# --- SPDX: GitHub dependency graph ------------------------------------------------------------


def test_github_dependency_graph_sbom_names_both_creator_tools():
    report = scan("public/spdx-github-dependency-graph.json")
    assert "GitHub.com-Dependency-Graph" in report.tool.name
    assert "protobom" in report.tool.name
    assert [c.purl for c in report.components] == [
        "pkg:github/example-org/example-app@main",
        "pkg:npm/typed-array-byte-offset@1.0.2",
        "pkg:npm/%40pkgjs/parseargs@0.11.0",
    ]


def test_github_dependency_graph_sbom_api_answer_is_read_as_its_document():
    name = "spdx-github-dependency-graph-api.json"
    assert detect((PUBLIC / name).read_bytes(), name).format == "spdx"
    wrapped = scan(f"public/{name}")
    plain = scan("public/spdx-github-dependency-graph.json")
    assert wrapped.components == plain.components
    assert wrapped.document_id == plain.document_id
    assert wrapped.produced_at == "2025-09-24T08:05:47Z"


# --- JUnit: Playwright ------------------------------------------------------------------------


def test_playwright_junit_failure_on_one_project_is_not_folded_into_a_flaky_pass():
    report = junit_of("public/junit-playwright-projects.xml")
    assert report.counts.total == 4
    assert report.counts.failed == 1
    assert report.counts.flaky == 0
    (failed,) = [c for c in report.cases if c.outcome is TestOutcome.FAILED]
    assert failed.suite == "catalogue.spec.ts [chromium]"
    assert not any("folded" in n for n in report.notes)


# --- every fixture of the directory -----------------------------------------------------------

EXPECTED_FORMATS = {
    "cyclonedx-cdxgen-1.6-evidence-services.json": "cyclonedx",
    "cyclonedx-gomod-1.3-tools-array.json": "cyclonedx",
    "cyclonedx-npm-scoped-group.json": "cyclonedx",
    "cyclonedx-syft-1.6-package-id-refs.json": "cyclonedx",
    "detect-secrets-0.14-baseline.json": "detect-secrets",
    "grype-image-repo-digest.json": "grype",
    "junit-ctest-gtest-notrun.xml": "junit",
    "junit-cypress-root-suite-file.xml": "junit",
    "junit-jest-suite-failed-to-run.xml": "junit",
    "junit-karma-browser-error.xml": "junit",
    "junit-phpunit9-warning-risky.xml": "junit",
    "junit-playwright-projects.xml": "junit",
    "junit-robot-xunit-suite-setup.xml": "junit",
    "osv-scanner-malicious-package.json": "osv-scanner",
    "sarif-checkov-no-api-key.sarif": "sarif",
    "sarif-checkov-with-severities.sarif": "sarif",
    "sarif-codeql-action-extension-rules.sarif": "sarif",
    "sarif-devskim-severity-words.sarif": "sarif",
    "sarif-eslint-windows.sarif": "sarif",
    "sarif-gosec-severity-tags.sarif": "sarif",
    "sarif-kics-windows-relative-uri.sarif": "sarif",
    "sarif-semgrep-invalid-root-error.sarif": "sarif",
    "sarif-semgrep-oss-requires-login.sarif": "sarif",
    "sarif-snyk-code.sarif": "sarif",
    "sarif-snyk-open-source.sarif": "sarif",
    "sarif-tfsec-defsec-levels.sarif": "sarif",
    "sarif-trivy-config-misconfiguration.sarif": "sarif",
    "sarif-trivy-fs-secret-and-vulnerability.sarif": "sarif",
    "sarif-trivy-image-run-properties.sarif": "sarif",
    "spdx-github-dependency-graph-api.json": "spdx",
    "spdx-github-dependency-graph.json": "spdx",
    "spdx-syft-2.3-image-relationships.json": "spdx",
    "trivy-fs-git-checkout.json": "trivy",
}


def test_every_public_shape_fixture_is_detected_and_read_as_its_format():
    present = {p.name for p in PUBLIC.iterdir() if p.name != "README.md"}
    assert present == set(EXPECTED_FORMATS), "add new fixtures to EXPECTED_FORMATS"
    for name, fmt in sorted(EXPECTED_FORMATS.items()):
        data = (PUBLIC / name).read_bytes()
        assert detect(data, name).format == fmt, name
        evidence = read_path(PUBLIC / name).evidence
        assert evidence.format == fmt, name
