"""Shapes seen in real tools' outputs (test data of the tools' own repositories).

Each fixture here is hand-made and small; tests/fixtures/evidence/README.md names the tool,
version and the public file whose shape it mimics.
"""

from __future__ import annotations

from evidence_support import FIXTURES, scan

from golive.core.dedupe import merge
from golive.core.findings import ScanReport, Severity
from golive.evidence import read_bytes
from golive.evidence.detect import detect


def test_osv_scanner_json_output_is_detected_and_read_per_installed_package():
    name = "handmade/osv-scanner-v2.json"
    assert detect((FIXTURES / name).read_bytes(), name).format == "osv-scanner"
    report = scan(name)
    assert report.tool.name == "osv-scanner"
    assert [f.rule_id for f in report.findings] == [
        "GO-2099-0001",
        "GHSA-5555-6666-7777",
        "RUSTSEC-2099-0003",
    ]
    go = report.findings[0]
    assert go.package is not None
    assert go.package.purl == "pkg:golang/github.com/example/proto@1.3.1"
    assert go.package.version == "1.3.1"
    assert go.location is not None
    assert go.location.path == "/src/app/go.mod"
    assert go.fix_versions == ("1.3.2",)


def test_osv_scanner_severity_comes_from_the_affected_entry_of_the_scanned_package_only():
    go = scan("handmade/osv-scanner-v2.json").findings[0]
    # the record's other affected package carries a critical vector; it is not this package's
    assert go.severity.level is Severity.UNKNOWN


def test_osv_scanner_aliases_fold_ghsa_and_rustsec_records_into_one_issue():
    issues = merge(scan("handmade/osv-scanner-v2.json").findings)
    assert len(issues) == 2
    regex = next(i for i in issues if "CVE-2099-1002" in i.ids)
    assert regex.severity.level is Severity.HIGH
    assert len(regex.findings) == 2


def test_osv_scanner_call_analysis_and_licence_violations_are_noted_not_waived():
    report = scan("handmade/osv-scanner-v2.json")
    go = report.findings[0]
    assert not go.hidden_by_tool
    assert not go.suppressions
    assert any("not called" in n for n in go.notes)
    assert any("licence violation" in n for n in report.notes)


def test_osv_scanner_v1_package_source_and_capitalised_package_key_are_read():
    report = scan("handmade/osv-scanner-v1.json")
    (f,) = report.findings
    assert f.package is not None
    assert f.package.purl == "pkg:pypi/jinja2@2.4.1"
    # the lockfile's "Jinja2" is the advisory's "jinja2": its affected entry counts
    assert f.severity.level is Severity.CRITICAL
    assert f.fix_versions == ("2.10.1",)
    assert f.location is not None
    assert f.location.path == "/src/app/requirements.txt"


def test_osv_scanner_clean_output_is_a_complete_scan_with_no_findings():
    doc = b'{"results": [], "experimental_config": {"licenses": {"summary": false}}}'
    assert detect(doc, "x").format == "osv-scanner"
    report = read_bytes(doc, "x")
    assert isinstance(report, ScanReport)
    assert report.findings == ()
    assert report.completeness.complete


def test_gitleaks_redacted_secrets_do_not_share_one_fingerprint():
    report = scan("handmade/gitleaks-redacted.json")
    prints = [f.fingerprint for f in report.findings]
    assert len(set(prints)) == 3
    assert all("redacted" in " ".join(f.notes) for f in report.findings)


def test_gitleaks_redacted_fingerprint_never_waives_another_leak():
    a, b, _ = scan("handmade/gitleaks-redacted.json").findings
    assert a.fingerprint != b.fingerprint
    issues = merge([a, b])
    assert len(issues) == 2


def test_gitleaks_sarif_outside_git_gives_each_leak_its_own_fingerprint():
    report = scan("handmade/sarif-gitleaks-dir-mode.sarif")
    prints = [f.fingerprint for f in report.findings]
    assert len(set(prints)) == 3


def test_gitleaks_sarif_and_json_give_the_same_secret_the_same_fingerprint():
    from evidence_support import from_json

    sarif = scan("handmade/sarif-gitleaks-dir-mode.sarif").findings[2]
    leak = {"RuleID": "generic-api-key", "File": "x.py", "Secret": "glv-fake-dir-mode-secret-5e6f"}
    (json_finding,) = from_json([leak]).findings
    assert sarif.fingerprint == json_finding.fingerprint
    assert "glv-fake-dir-mode-secret-5e6f" not in repr(sarif)


def test_trivy_passed_misconfiguration_checks_are_not_findings():
    report = scan("handmade/trivy-config-non-failures.json")
    assert [f.rule_id for f in report.findings] == ["AVD-DS-0002", "AVD-DS-0026"]
    assert any("2 misconfiguration check(s) with status PASS" in n for n in report.notes)


def test_trivy_excepted_misconfiguration_is_kept_hidden_with_a_claim_not_a_waiver():
    excepted = scan("handmade/trivy-config-non-failures.json").findings[1]
    assert excepted.hidden_by_tool
    assert excepted.suppressions[0].mechanism == "trivy-exception"
    failed = scan("handmade/trivy-config-non-failures.json").findings[0]
    assert not failed.hidden_by_tool
    assert failed.severity.level is Severity.HIGH


def test_trivy_sarif_names_each_package_of_one_cve_from_the_result_message():
    report = scan("handmade/sarif-trivy-modern.sarif")
    names = [f.package.name if f.package else None for f in report.findings]
    assert names == ["libcrypto1.1", "libssl1.1"]
    assert report.findings[0].package is not None
    assert report.findings[0].package.version == "1.1.1c-r0"
    (issue,) = merge(report.findings)
    assert issue.ids == ("CVE-2099-1549",)
    assert issue.severity.level is Severity.MEDIUM


def test_cyclonedx_epss_and_kev_ratings_of_method_other_are_not_cvss_scores():
    report = scan("handmade/cyclonedx-grype-image.json")
    epss_only = next(f for f in report.findings if f.rule_id == "CVE-2099-2002")
    assert epss_only.severity.level is Severity.UNKNOWN
    kev = next(f for f in report.findings if f.rule_id == "CVE-2099-2001")
    assert "FIRST" not in kev.severity.provenance
    assert "KEV" not in kev.severity.provenance


def test_cyclonedx_rating_word_next_to_a_vector_is_a_claim_as_in_grype_json():
    kev = next(
        f
        for f in scan("handmade/cyclonedx-grype-image.json").findings
        if f.rule_id == "CVE-2099-2001"
    )
    assert kev.severity.level is Severity.CRITICAL
    assert "8.5 high" in kev.severity.provenance


def test_cyclonedx_cvss3_vector_without_prefix_is_scored_by_its_method():
    f = next(
        f
        for f in scan("handmade/cyclonedx-grype-image.json").findings
        if f.rule_id == "CVE-2099-2003"
    )
    assert f.severity.level is Severity.CRITICAL
    assert f.severity.score == 10.0


def test_cyclonedx_container_digest_written_as_its_version_binds_the_report():
    report = scan("handmade/cyclonedx-grype-image.json")
    assert report.binding.digests == (
        "sha256:1111111111111111111111111111111111111111111111111111111111111111",
    )


def test_go_junit_report_suite_named_by_a_package_path_is_counted_as_top_level():
    from evidence_support import junit_of

    report = junit_of("handmade/junit-go-junit-report-v1.xml")
    assert (report.counts.total, report.counts.failed, report.counts.skipped) == (3, 1, 1)
    assert not any("disagrees" in n for n in report.notes)


def test_go_junit_report_skip_message_attribute_only_is_the_skip_message():
    from evidence_support import junit_of

    report = junit_of("handmade/junit-go-junit-report-v1.xml")
    skipped = next(c for c in report.cases if c.name == "TestSkipped")
    assert skipped.message == "cart_test.go:30: needs a database"
    failed = next(c for c in report.cases if c.name == "TestDiscount")
    assert failed.message == "Failed"


def test_spdx_tool_version_with_a_v_and_a_suffix_is_split_at_the_first_version():
    report = scan("handmade/spdx-2.3-syft-image.json")
    assert (report.tool.name, report.tool.version) == ("syft", "v1.18.1-snapshot")


def test_spdx_container_root_package_binds_the_sbom_to_the_image_digest():
    report = scan("handmade/spdx-2.3-syft-image.json")
    assert report.binding.digests == (
        "sha256:2222222222222222222222222222222222222222222222222222222222222222",
    )


def test_spdx_3_json_ld_from_syft_is_read_as_an_sbom():
    name = "handmade/spdx-3.0-syft.json"
    assert detect((FIXTURES / name).read_bytes(), name).format == "spdx"
    report = scan(name)
    assert (report.tool.name, report.tool.version) == ("syft", "1.18.1")
    requests = next(c for c in report.components if c.name == "requests")
    assert requests.purl == "pkg:pypi/requests@2.31.0"
    assert requests.version == "2.31.0"
    assert report.document_id == "https://example.invalid/spdxdocs/app-0002"
    assert any("JSON-LD" in n for n in report.notes)


def test_bandit_sarif_file_it_could_not_parse_makes_the_scan_incomplete():
    report = scan("handmade/sarif-bandit.sarif")
    assert not report.completeness.complete
    assert any("syntax error" in r for r in report.completeness.reasons)


def test_bandit_sarif_severity_is_each_results_own_not_the_rules_first_default():
    low, medium = scan("handmade/sarif-bandit.sarif").findings
    assert low.severity.level is Severity.LOW
    # level omitted (bandit leaves out "warning") and the rule's default is "note"
    assert medium.severity.level is Severity.MEDIUM
    assert not medium.severity.inferred


def test_bandit_sarif_password_quoted_in_the_message_never_reaches_output():
    import json

    from golive.core.findings import to_jsonable

    report = scan("handmade/sarif-bandit.sarif")
    raw = (FIXTURES / "handmade/sarif-bandit.sarif").read_text()
    assert "glv-fake-bandit-sarif-pass-1" in raw
    dumped = json.dumps(to_jsonable(report))
    assert "glv-fake-bandit-sarif-pass" not in dumped
    assert "[redacted]" in report.findings[0].title


def test_grype_sarif_names_the_package_of_each_rule_from_its_help_text():
    report = scan("handmade/sarif-grype.sarif")
    packages = [(f.package.name, f.package.version) for f in report.findings if f.package]
    assert packages == [("libfoo", "1.1.1"), ("libbar", "3.0")]
    (issue,) = merge(report.findings)
    assert issue.ids == ("CVE-2099-3001",)
    assert issue.severity.level is Severity.HIGH


def test_junit_re_encoded_as_utf16_by_powershell_with_a_utf8_declaration_is_read():
    from evidence_support import junit_of

    report = junit_of("handmade/junit-utf16-powershell.xml")
    assert (report.counts.total, report.counts.failed) == (2, 1)


def test_junit_in_utf8_declaring_utf16_is_read():
    from evidence_support import junit_of

    report = junit_of("handmade/junit-declared-utf16.xml")
    assert (report.counts.total, report.counts.failed) == (2, 1)


def test_a_dtd_in_utf16_xml_is_still_refused():
    import pytest

    from golive.errors import EvidenceError

    bomb = (FIXTURES / "handmade/junit-billion-laughs.xml").read_text(encoding="utf-8")
    with pytest.raises(EvidenceError, match="DTD"):
        read_bytes(bomb.encode("utf-16"), "bomb.xml")


def test_grype_ignore_rule_written_as_an_empty_object_is_flagged_as_possibly_blanket():
    report = scan("handmade/grype-ignored-old.json")
    assert all(f.hidden_by_tool for f in report.findings)
    assert any("naming no vulnerability or package" in n for n in report.notes)
    # rules that name a vulnerability or a package are not blanket
    assert sum("blanket" in n or "naming no" in n for n in report.notes) == 1


def test_osv_scanner_output_with_a_new_top_level_key_is_still_detected():
    import json

    doc = json.loads((FIXTURES / "handmade/osv-scanner-v2.json").read_text())
    doc["some_future_section"] = {"enabled": True}
    assert detect(json.dumps(doc).encode(), "x").format == "osv-scanner"


def test_trivy_cyclonedx_binds_to_the_image_id_and_repo_digest_properties():
    report = scan("handmade/cyclonedx-trivy-image.json")
    assert report.binding.digests == (
        "sha256:7777777777777777777777777777777777777777777777777777777777777777",
        "sha256:8888888888888888888888888888888888888888888888888888888888888888",
    )
    (finding,) = report.findings
    assert finding.severity.level is Severity.HIGH
    assert finding.package is not None
    assert finding.package.name == "bash"
