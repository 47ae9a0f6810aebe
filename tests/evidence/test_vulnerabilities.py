"""Vulnerability and SBOM cases of gates-and-evidence §9 (13-24)."""

from __future__ import annotations

import pytest
from evidence_support import from_json, scan

from golive.core.dedupe import merge, normalize_purl
from golive.core.findings import ScanKind, ScanReport, Severity
from golive.core.severity import claim_from_vector
from golive.evidence import UnknownFormat


@pytest.mark.parametrize(
    ("vector", "version", "score", "band"),
    [
        ("AV:N/AC:L/Au:N/C:P/I:P/A:P", "2", 7.5, Severity.HIGH),
        ("(AV:N/AC:L/Au:N/C:C/I:C/A:C)", "2", 10.0, Severity.HIGH),  # v2 has no critical
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "3.0", 7.5, Severity.HIGH),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:H", "3.1", 8.2, Severity.HIGH),
        (
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            "4.0",
            9.3,
            Severity.CRITICAL,
        ),
    ],
)
def test_cvss_vector_without_score_is_scored_v2_v3_0_v3_1_v4(vector, version, score, band):
    claim = claim_from_vector(vector)
    assert claim is not None
    assert claim.score == score
    assert claim.level is band
    assert f"CVSS {version} vector -> {score:g} {band.value}" in claim.provenance


def test_cvss_unparsable_vector_gives_no_claim():
    assert claim_from_vector("CVSS:3.1/AV:Z") is None
    assert claim_from_vector("CVSS:9.9/AV:N") is None


def test_disagreeing_ratings_grype_low_next_to_cvss_8_2_resolves_high_naming_both():
    f = scan("handmade/grype.json").findings[0]
    assert f.severity.level is Severity.HIGH
    assert "8.2 high" in f.severity.provenance
    assert "grype Low -> low" in f.severity.provenance


def test_disagreeing_cyclonedx_ratings_highest_wins():
    f = scan("handmade/cyclonedx-vex-1.5.json").findings[0]
    assert f.severity.level is Severity.HIGH
    assert "low" in f.severity.provenance


@pytest.mark.parametrize(
    ("fixture", "rule"),
    [
        ("handmade/trivy.json", "CVE-2019-11324"),  # "UNKNOWN"
        ("handmade/trivy.json", "CVE-2099-0001"),  # ""
        ("handmade/grype.json", "CVE-2099-0002"),  # "Negligible"
        ("handmade/cyclonedx-vex-1.5.json", "CVE-2099-0005"),  # "unknown"
        ("handmade/pip-audit-vulns.json", "PYSEC-2018-28"),  # absent
    ],
)
def test_severity_unknown_empty_negligible_null_or_absent_is_unknown(fixture, rule):
    f = next(f for f in scan(fixture).findings if f.rule_id == rule)
    assert f.severity.level is Severity.UNKNOWN
    assert f.severity.provenance.endswith("-> unknown")


def test_null_severity_is_unknown():
    doc = {"matches": [{"vulnerability": {"id": "CVE-2099-1", "severity": None}}], "descriptor": {}}
    report = from_json(doc)
    assert isinstance(report, ScanReport)
    assert report.findings[0].severity.level is Severity.UNKNOWN


def test_one_cve_from_trivy_on_three_packages_grype_and_pip_audit_is_one_issue():
    findings = [
        *scan("handmade/trivy.json").findings,
        *scan("handmade/grype.json").findings,
        *scan("handmade/pip-audit-vulns.json").findings,
    ]
    issue = next(i for i in merge(findings) if i.key == "CVE-2018-18074")
    assert set(issue.tools) == {"trivy", "grype", "pip-audit"}
    assert {"GHSA-x84v-xcm2-53pg", "PYSEC-2018-28"} <= set(issue.ids)
    assert issue.packages == ("pkg:pypi/requests@2.19.0",)  # Requests and requests are one
    assert issue.severity.level is Severity.HIGH  # pip-audit's unknown is resolved by others
    assert len(issue.findings) == 4


def test_pysec_alias_links_pip_audit_to_osv_and_cyclonedx():
    findings = [
        *scan("handmade/pip-audit-vulns.json").findings,
        *scan("handmade/osv-pysec-2019-217.json").findings,
        *scan("handmade/cyclonedx-vex-1.5.json").findings,
    ]
    issue = next(i for i in merge(findings) if "PYSEC-2019-217" in i.ids)
    assert issue.key == "CVE-2019-10906"
    assert set(issue.tools) == {"pip-audit", "osv", "handmade"}


def test_vex_not_affected_with_justification_in_triage_and_exploitable_are_kept():
    by_id = {f.rule_id: f for f in scan("handmade/cyclonedx-vex-1.5.json").findings}
    assert by_id["CVE-2018-18074"].vex.state == "in_triage"
    vex = by_id["CVE-2019-10906"].vex
    assert (vex.state, vex.justification) == ("not_affected", "code_not_reachable")
    assert by_id["CVE-2099-0005"].vex.state == "exploitable"


def test_vex_not_affected_together_with_update_is_contradictory():
    by_id = {f.rule_id: f for f in scan("handmade/cyclonedx-vex-1.5.json").findings}
    assert by_id["CVE-2019-11324"].vex.contradictory
    assert not by_id["CVE-2019-10906"].vex.contradictory


def test_trivy_experimental_modified_findings_are_kept_with_vex_and_hidden_flag():
    f = next(f for f in scan("handmade/trivy.json").findings if f.rule_id == "CVE-2019-10906")
    assert f.vex.state == "not_affected"
    assert f.hidden_by_tool
    assert f.suppressions[0].mechanism == "trivy-vex"


def test_cyclonedx_rejected_vulnerability_is_withdrawn():
    by_id = {f.rule_id: f for f in scan("handmade/cyclonedx-vex-1.5.json").findings}
    assert by_id["CVE-2099-0006"].withdrawn
    assert not by_id["CVE-2018-18074"].withdrawn


def test_cyclonedx_duplicate_properties_are_all_kept():
    by_id = {f.rule_id: f for f in scan("handmade/cyclonedx-vex-1.5.json").findings}
    assert by_id["CVE-2019-11324"].notes == ("note=a", "note=b")


def test_cyclonedx_components_differing_only_by_bom_ref_are_both_kept():
    refs = [c.ref for c in scan("handmade/cyclonedx-vex-1.5.json").components]
    assert "pkg-jinja2" in refs
    assert "pkg-jinja2-copy" in refs


def test_cyclonedx_bom_link_affects_ref_resolves_to_the_component():
    by_id = {f.rule_id: f for f in scan("handmade/cyclonedx-vex-1.5.json").findings}
    assert by_id["CVE-2019-10906"].package.purl == "pkg:pypi/jinja2@2.10"


@pytest.mark.parametrize("name", ["cyclonedx-py-1.4.cdx.json", "cyclonedx-py-1.6.cdx.json"])
def test_cyclonedx_real_sbom_1_4_and_1_6_components_and_tools(name):
    report = scan(name)
    assert report.kind is ScanKind.SBOM
    assert {c.purl for c in report.components} >= {"pkg:pypi/jinja2@2.10"}
    assert "cyclonedx-py" in report.tool.name


def test_spdx_utf16_reads_like_utf8():
    utf8 = scan("handmade/spdx-2.3.json")
    utf16 = scan("handmade/spdx-2.3-utf16.json")
    assert utf16.components == utf8.components
    assert utf16.tool.name == "trivy"
    assert utf16.tool.version == "0.50.1"


def test_spdx_control_characters_are_removed_and_noassertion_is_none():
    mystery = scan("handmade/spdx-2.3.json").components[1]
    assert "\x1b" not in mystery.name
    assert (mystery.version, mystery.supplier, mystery.license) == (None, None, None)


def test_spdx_purl_is_normalised():
    assert scan("handmade/spdx-2.3.json").components[0].purl == "pkg:pypi/requests@2.19.0"


def test_invalid_spdx_with_wrong_types_is_a_clear_error():
    from golive.errors import EvidenceError

    with pytest.raises(EvidenceError, match=r"packages\[0\]: expected an object"):
        from_json({"spdxVersion": "SPDX-2.3", "packages": ["not-a-package"]}, "bad.spdx.json")


def test_trivy_spdx_without_spdx_version_is_read_as_spdx_and_noted():
    # Trivy's early SPDX JSON had no spdxVersion (spdx/tools-python keeps one such image SBOM,
    # vmware/log-intelligence-fluentd, under tests/spdx/data/invalid/): read, and said
    doc = {
        "SPDXID": "SPDXRef-DOCUMENT",
        "creationInfo": {
            "created": "2022-12-27T23:08:17.349368Z",
            "creators": ["Tool: trivy", "Organization: aquasecurity"],
        },
        "dataLicense": "CC0-1.0",
        "documentNamespace": "http://aquasecurity.github.io/trivy/container_image/example",
        "name": "example/image@sha256:" + "0" * 64,
        "packages": [
            {
                "SPDXID": "SPDXRef-Package-1041640e30a1c2dd",
                "name": "libcap-ng0",
                "versionInfo": "0.7.9-2",
                "externalRefs": [
                    {
                        "referenceCategory": "PACKAGE-MANAGER",
                        "referenceLocator": "pkg:deb/debian/libcap-ng0@0.7.9-2?distro=debian-10.8",
                        "referenceType": "purl",
                    }
                ],
                "licenseConcluded": "LGPL-2.1, GPL-2.0, GPL-3.0",
                "filesAnalyzed": False,
            }
        ],
    }
    report = from_json(doc, "trivy.spdx.json")
    assert isinstance(report, ScanReport)
    assert report.format == "spdx"
    assert report.tool.name == "trivy"
    assert [c.name for c in report.components] == ["libcap-ng0"]
    assert any("spdxVersion is missing" in n for n in report.notes)
    # a document-less object with an SPDXID is still not SPDX
    with pytest.raises(UnknownFormat):
        from_json({"SPDXID": "SPDXRef-Package-1", "name": "x"}, "x.json")


def test_osv_malformed_purl_is_noted_not_guessed():
    f = scan("handmade/osv-pysec-2019-217.json").findings[0]
    assert f.package.purl == "pkg:pypi/jinja2"  # from the ecosystem, not the bad purl
    assert any("malformed purl 'pkg:pypi:jinja2'" in n for n in f.notes)
    assert normalize_purl("pkg:pypi:jinja2") is None


def test_osv_euvd_record_without_ranges_is_noted():
    f = scan("handmade/osv-euvd-no-ranges.json").findings[0]
    assert any("no ranges or versions" in n for n in f.notes)
    assert f.severity.level is Severity.CRITICAL


def test_osv_ghsa_database_specific_and_vector_both_count():
    f = scan("handmade/osv-ghsa.json").findings[0]
    assert f.severity.level is Severity.HIGH
    assert f.ids == ("GHSA-x84v-xcm2-53pg", "CVE-2018-18074", "PYSEC-2018-28")


def test_pip_audit_skip_reason_in_dependencies_makes_the_report_incomplete():
    report = scan("handmade/pip-audit-vulns.json")
    assert not report.completeness.complete
    assert "golive-internal-sample-package" in report.completeness.reasons[0]


def test_pip_audit_skip_reason_in_fixes_is_noted():
    assert any("no fix computed" in n for n in scan("handmade/pip-audit-vulns.json").notes)


def test_pip_audit_real_run_that_audited_nothing_is_incomplete_not_clean():
    report = scan("pip-audit-nothing-audited.json")
    assert report.findings == ()
    assert not report.completeness.complete
    assert len(report.completeness.reasons) == 4


def test_trivy_results_null_is_noted_and_has_no_findings():
    report = scan("handmade/trivy-results-null.json")
    assert report.findings == ()
    assert any("Results is missing or null" in n for n in report.notes)


def test_grype_empty_matches_is_a_clean_complete_report():
    report = scan("handmade/grype-empty.json")
    assert report.findings == ()
    assert report.completeness.complete


def test_grype_blanket_fix_state_not_fixed_rule_is_flagged():
    report = scan("handmade/grype.json")
    assert any("blanket ignore rule (fix-state: not-fixed)" in n for n in report.notes)
    ignored = next(f for f in report.findings if f.rule_id == "CVE-2099-0003")
    assert ignored.hidden_by_tool
    assert ignored.suppressions[0].justification == "fix-state=not-fixed"


def test_reports_name_the_commit_or_digest_they_were_made_for():
    assert scan("handmade/trivy.json").binding.digests[0].startswith("sha256:1111")
    assert "sha256:3333" in scan("handmade/grype.json").binding.digests[0]
    cdx = scan("handmade/cyclonedx-vex-1.5.json")
    assert cdx.binding.digests == ("sha256:" + "2" * 64,)
    assert cdx.document_id == "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
    assert not scan("bandit.json").binding.bound


def test_partial_scan_with_errors_is_incomplete_bandit_and_semgrep():
    bandit = scan("bandit-with-errors.json")
    assert not bandit.completeness.complete
    assert "broken.py" in bandit.completeness.reasons[0]
    semgrep = scan("semgrep-with-errors.json")
    assert not semgrep.completeness.complete
    assert "Rule parse error" in semgrep.completeness.reasons[0]
    assert len(semgrep.findings) == 2  # findings are kept; the scan is still partial


def test_bandit_lll_while_totals_show_medium_is_noted():
    report = scan("bandit-high-only.json")
    assert {f.severity.level for f in report.findings} == {Severity.HIGH}
    assert any("3 medium-severity issue(s) but the results hold 0" in n for n in report.notes)


def test_bandit_confidence_is_kept_apart_from_severity():
    f = scan("bandit.json").findings[0]
    assert f.confidence == "HIGH"
    assert f.severity.level is Severity.LOW


def test_semgrep_mixed_vocabularies_map_to_one_scale():
    report = scan("semgrep.json")
    by_rule = {f.rule_id: f.severity for f in report.findings}
    assert by_rule["subprocess-shell-true"].provenance == "semgrep ERROR -> high"
    assert by_rule["pickle-loads"].provenance == "semgrep HIGH -> high"
    assert by_rule["eval-call"].provenance == "semgrep WARNING -> medium"
    assert by_rule["md5-digest"].provenance == "semgrep LOW -> low"
    assert any("both semgrep severity vocabularies" in n for n in report.notes)
    assert report.tool.version == "1.182.0"
