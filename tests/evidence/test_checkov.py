"""Checkov's own JSON (``checkov -o json``): real outputs of Checkov 3.3.30 and a hand-made
platform-shaped report (severities and SCA records need a Prisma Cloud API key).

The real outputs were made from tests/fixtures/evidence/iac-sample/ (see the fixtures README).
"""

from __future__ import annotations

import copy
import json

import pytest
from evidence_support import FIXTURES, HANDMADE, from_json, scan

from golive.core.dedupe import merge
from golive.core.findings import FindingKind, ScanKind, ScanReport, Severity
from golive.errors import EvidenceError
from golive.evidence import UnknownFormat, read_bytes
from golive.evidence.detect import json_format

IAC = "checkov-3.3.30-iac.json"
QUIET = "checkov-3.3.30-kubernetes-quiet-compact.json"
SECRETS = "checkov-3.3.30-secrets.json"
BARE = "checkov-3.3.30-nothing-to-scan.json"
PARSING = "checkov-3.3.30-parsing-error.json"
PLATFORM = "handmade/checkov-platform-severities-and-sca.json"


@pytest.mark.parametrize("name", [IAC, QUIET, SECRETS, BARE, PARSING, PLATFORM])
def test_every_checkov_output_is_detected_as_checkov(name):
    report = scan(name)
    assert report.format == "checkov"
    assert report.tool.name == "checkov"
    assert report.tool.version in ("3.3.30", "3.2.405")


def test_several_frameworks_in_one_array_are_one_configuration_scan():
    report = scan(IAC)
    assert report.kind is ScanKind.SAST
    assert report.completeness.complete
    assert {f.kind for f in report.findings} == {FindingKind.MISCONFIGURATION}
    assert {f.location.path for f in report.findings if f.location} == {"Dockerfile", "main.tf"}
    assert len(report.findings) == 3 + 15 + 1  # dockerfile, terraform failed, one skipped
    assert "35 passed check(s) are not findings" in report.notes


def test_checkov_without_api_key_gives_unknown_severity_not_a_guess():
    # bridgecrewio/checkov#5604 and friends: severity is null in JSON without a platform key
    report = scan(IAC)
    assert {f.severity.level for f in report.findings} == {Severity.UNKNOWN}
    assert all("needs a platform API key" in f.severity.provenance for f in report.findings)


def test_checkov_skip_comment_is_a_suppression_claim_with_its_reason():
    report = scan(IAC)
    skipped = [f for f in report.findings if f.suppressions]
    assert [(f.rule_id, f.location.line if f.location else 0) for f in skipped] == [
        ("CKV_AWS_18", 11)
    ]
    claim = skipped[0].suppressions[0]
    assert claim.mechanism == "checkov:skip"
    assert claim.justification == "access logs go to the central logging bucket"
    assert skipped[0].hidden_by_tool
    # the same check on the other bucket is not suppressed
    assert any(f.rule_id == "CKV_AWS_18" and not f.suppressions for f in report.findings)


def test_one_check_on_two_resources_stays_two_findings():
    report = scan(IAC)
    buckets = [f for f in report.findings if f.rule_id == "CKV_AWS_21"]
    assert [f.location.line for f in buckets if f.location] == [7, 11]
    assert len({f.fingerprint for f in buckets}) == 2
    assert len(merge(buckets)) == 2
    assert [n for f in buckets for n in f.notes] == [
        "resource aws_s3_bucket.reports",
        "resource aws_s3_bucket.archive",
    ]


def test_fingerprint_follows_the_resource_not_the_line():
    doc = json.loads((FIXTURES / IAC).read_text())
    moved = copy.deepcopy(doc)
    for fw in moved:
        for record in fw["results"]["failed_checks"]:
            record["file_line_range"] = [r + 40 for r in record["file_line_range"]]
    before = {f.rule_id + f.notes[0]: f.fingerprint for f in _report(doc).findings}
    after = {f.rule_id + f.notes[0]: f.fingerprint for f in _report(moved).findings}
    assert before == after


def test_quiet_compact_output_counts_passed_checks_from_the_summary():
    report = scan(QUIET)
    assert report.kind is ScanKind.SAST
    assert len(report.findings) == 20
    assert "69 passed check(s) are not findings" in report.notes
    assert {f.location.path for f in report.findings if f.location} == {"deployment.yaml"}


def test_secrets_framework_never_keeps_the_masked_line_or_the_secret_hash():
    report = scan(SECRETS)
    assert report.kind is ScanKind.SECRETS
    assert [f.kind for f in report.findings] == [FindingKind.SECRET] * 3
    raw = json.loads((FIXTURES / SECRETS).read_text())
    hashes = [r["resource"] for r in raw["results"]["failed_checks"]]
    shown = repr(report)
    assert "AKIA" not in shown
    assert "q8Vd0W" not in shown
    assert not any(h in shown for h in hashes)
    assert [f.location.line for f in report.findings if f.location] == [3, 4, 8]
    assert report.findings[2].suppressions[0].justification == (
        "a revoked key kept for the parser tests"
    )


def test_the_same_secret_in_two_files_has_one_fingerprint():
    raw = json.loads((FIXTURES / SECRETS).read_text())
    second = copy.deepcopy(raw["results"]["failed_checks"][0])
    second["file_path"] = "/config/other.py"
    second["file_line_range"] = [30, 31]
    raw["results"]["failed_checks"].append(second)
    findings = _report(raw).findings
    copied = next(f for f in findings if f.location and f.location.path == "config/other.py")
    assert findings[0].fingerprint == copied.fingerprint
    assert findings[0].location != copied.location


def test_bare_summary_is_a_clean_secrets_scan_never_a_configuration_scan():
    report = scan(BARE)
    assert report.kind is ScanKind.SECRETS
    assert report.findings == ()
    assert report.completeness.complete
    assert "never a configuration scan" in report.notes[0]


def test_parsing_errors_make_the_scan_incomplete_and_name_the_file():
    report = scan(PARSING)
    assert not report.completeness.complete
    (reason,) = report.completeness.reasons
    assert "could not parse 1 file(s) (terraform)" in reason
    assert reason.endswith("broken.tf")


def test_quiet_output_parsing_errors_counted_from_the_summary():
    doc = json.loads((FIXTURES / PARSING).read_text())
    doc["results"] = {"failed_checks": doc["results"]["failed_checks"]}  # what --quiet keeps
    report = _report(doc)
    assert not report.completeness.complete
    assert (
        "could not parse 1 file(s) (terraform); they were not checked"
        in (report.completeness.reasons[0])
    )


def test_platform_severities_are_read_with_checkovs_vocabulary():
    report = scan(PLATFORM)
    by_rule = {f.rule_id: f for f in report.findings if f.kind is FindingKind.MISCONFIGURATION}
    assert by_rule["CKV_AWS_24"].severity.level is Severity.HIGH
    assert by_rule["CKV_AWS_18"].severity.level is Severity.LOW
    assert by_rule["CKV_AWS_145"].severity.level is Severity.HIGH  # IMPORTANT
    assert by_rule["CKV_AWS_145"].severity.provenance == "checkov IMPORTANT -> high"


def test_sca_records_are_vulnerabilities_with_package_fixes_and_the_highest_claim():
    report = scan(PLATFORM)
    assert report.kind is ScanKind.SCA
    vulns = {f.rule_id: f for f in report.findings if f.kind is FindingKind.VULNERABILITY}
    assert sorted(vulns) == ["CVE-2022-42969", "CVE-2023-32681", "CVE-2024-35195"]
    redos = vulns["CVE-2022-42969"]
    # the label says medium, the CVSS vector 7.5: highest wins, both shown
    assert redos.severity.level is Severity.HIGH
    assert "checkov medium -> medium" in redos.severity.provenance
    assert redos.package is not None
    assert redos.package.purl == "pkg:pypi/py@1.11.0"
    assert redos.fix_versions == ()
    assert vulns["CVE-2023-32681"].fix_versions == ("2.31.0",)
    # only "fixed in ..." in the status: the versions are read from it
    assert vulns["CVE-2024-35195"].fix_versions == ("2.32.0", "2.32.2")
    assert vulns["CVE-2024-35195"].suppressions[0].justification == "Filtered by severity"
    assert "1 licence record(s) (SCA license) are not vulnerabilities" in report.notes


def test_sca_findings_fold_with_the_same_cve_from_another_tool():
    report = scan(PLATFORM)
    checkov = next(f for f in report.findings if f.rule_id == "CVE-2023-32681")
    other = from_json(
        {
            "dependencies": [
                {
                    "name": "requests",
                    "version": "2.25.1",
                    "vulns": [
                        {
                            "id": "GHSA-j8r2-6x86-q33q",
                            "fix_versions": ["2.31.0"],
                            "aliases": ["CVE-2023-32681"],
                            "description": "Proxy-Authorization leak",
                        }
                    ],
                }
            ],
            "fixes": [],
        }
    )
    assert isinstance(other, ScanReport)
    issues = merge([checkov, *other.findings])
    assert len(issues) == 1
    assert set(issues[0].ids) == {"CVE-2023-32681", "GHSA-j8r2-6x86-q33q"}


@pytest.mark.parametrize(
    "doc",
    [
        {"passed": 0, "failed": 0, "checkov_version": "3.3.30"},
        [{"check_type": "terraform", "results": {}, "summary": {}}],
        {"check_type": "secrets", "results": {"failed_checks": []}, "summary": {"failed": 0}},
    ],
)
def test_checkov_shapes_are_detected(doc):
    assert json_format(doc) == "checkov"


@pytest.mark.parametrize(
    "doc",
    [
        {"passed": 0, "failed": 0, "checkov_version": "3.3.30", "extra": 1},  # not the summary
        {"check_type": "terraform", "results": [], "summary": {}},
        [{"check_type": "terraform", "results": {}, "summary": {}}, {"other": 1}],
    ],
)
def test_lookalikes_are_not_checkov(doc):
    assert json_format(doc) is None
    with pytest.raises(UnknownFormat):
        read_bytes(json.dumps(doc).encode(), "x.json")


def test_a_record_of_the_wrong_shape_is_a_clear_error_naming_its_path():
    doc = json.loads((FIXTURES / QUIET).read_text())
    doc["results"]["failed_checks"][3] = "not a record"
    with pytest.raises(EvidenceError, match=r"results\.failed_checks\[3\]: expected an object"):
        _report(doc)


def test_the_handmade_platform_fixture_is_listed_in_its_readme():
    assert "checkov-platform-severities-and-sca.json" in (FIXTURES / "README.md").read_text()
    assert HANDMADE.joinpath("checkov-platform-severities-and-sca.json").is_file()


def _report(doc: object) -> ScanReport:
    report = from_json(doc, "checkov.json")
    assert isinstance(report, ScanReport)
    return report


def test_json_and_sarif_of_one_checkov_run_give_the_same_findings():
    # the same run (checkov 3.3.30, terraform + dockerfile) written by -o json and -o sarif
    as_json = scan(IAC)
    as_sarif = scan("checkov-3.3.30-iac.sarif")

    def places(report: ScanReport) -> list[tuple[str, str, int, bool]]:
        return sorted(
            (f.rule_id, f.location.path if f.location else "", f.location.line if f.location else 0,
             bool(f.suppressions))
            for f in report.findings
        )  # fmt: skip

    assert places(as_json) == places(as_sarif)
    assert {f.severity.level for f in as_sarif.findings} == {Severity.UNKNOWN}
