"""A fourth round of real output shapes: Semgrep's, Trivy's and tfsec's SARIF, cdxgen's and
syft's SBOMs.

Each fixture under tests/fixtures/evidence/public/ is small and hand-made; its README names the
producer, the version and the public source (a tool's own writer or test goldens, or a report
committed to a public repository) the shape was taken from. The fixture table of
tests/evidence/test_public_repo_shapes.py lists every fixture of that directory.
"""

from __future__ import annotations

import json

from evidence_support import FIXTURES, from_json, scan

from golive.core.dedupe import merge
from golive.core.findings import FindingKind, ScanKind, Severity
from golive.evidence import read_path

PUBLIC = FIXTURES / "public"


# --- Semgrep SARIF (`semgrep --sarif`) ----------------------------------------------------------


def test_semgrep_sarif_requires_login_fingerprint_does_not_make_two_places_one_finding():
    report = scan("public/sarif-semgrep-oss-requires-login.sarif")
    sqli = [f for f in report.findings if f.rule_id.endswith("sql-injection-using-raw")]
    assert [f.location.line for f in sqli if f.location] == [21, 57]
    # Semgrep without login writes matchBasedId/v1 "requires login" on every result: a waiver
    # naming one finding's fingerprint must not cover the other place as well
    assert len({f.fingerprint for f in report.findings}) == len(report.findings) == 4
    assert len(merge(list(report.findings))) == 4


def test_semgrep_sarif_rule_security_severity_number_and_confidence_tags():
    report = scan("public/sarif-semgrep-oss-requires-login.sarif")
    assert report.tool.name == "Semgrep OSS"
    assert report.tool.version == "1.99.0"
    assert report.kind is ScanKind.SAST
    by_rule = {f.rule_id.rsplit(".", 1)[-1]: f for f in report.findings}
    sqli = by_rule["sql-injection-using-raw"]
    assert sqli.severity.level is Severity.CRITICAL  # security-severity 9.1 from the metadata
    assert not sqli.severity.inferred
    md5 = by_rule["insecure-hash-algorithm-md5"]
    # "MEDIUM CONFIDENCE" among the tags is a confidence, never a severity
    assert md5.severity.level is Severity.MEDIUM
    assert "level warning (rule default)" in md5.severity.provenance
    assert all(f.kind is FindingKind.CODE for f in report.findings)


def test_semgrep_sarif_nosemgrep_is_an_in_source_suppression():
    report = scan("public/sarif-semgrep-oss-requires-login.sarif")
    hidden = [f for f in report.findings if f.hidden_by_tool]
    assert [(f.location.line if f.location else 0) for f in hidden] == [14]
    assert hidden[0].suppressions[0].mechanism == "sarif:inSource"


def test_semgrep_sarif_warning_notification_is_an_incomplete_scan_as_in_its_json():
    report = scan("public/sarif-semgrep-oss-requires-login.sarif")
    # its JSON lists the same "Syntax error" (level warn) in errors[], which makes it incomplete
    assert not report.completeness.complete
    (reason,) = report.completeness.reasons
    assert "(warning)" in reason
    assert "Syntax error at line src/legacy/broken.py:12:" in reason
    assert "\n" not in reason


def test_semgrep_sarif_invalid_scanning_root_error_with_execution_successful_true():
    report = scan("public/sarif-semgrep-invalid-root-error.sarif")
    assert report.findings == ()
    assert not report.completeness.complete
    assert "Invalid scanning root: services/api" in report.completeness.reasons[0]


def test_warning_notifications_of_other_tools_still_do_not_fail_a_run(tmp_path):
    log = json.loads((PUBLIC / "sarif-semgrep-invalid-root-error.sarif").read_text())
    run = log["runs"][0]
    run["tool"]["driver"]["name"] = "CodeQL"
    run["invocations"][0]["toolExecutionNotifications"][0]["level"] = "warning"
    path = tmp_path / "codeql.sarif"
    path.write_text(json.dumps(log))

    report = read_path(path).evidence
    assert report.completeness.complete  # type: ignore[union-attr]


# --- Trivy SARIF ------------------------------------------------------------------------------


def test_trivy_config_sarif_is_a_sast_report_of_misconfigurations():
    report = scan("public/sarif-trivy-config-misconfiguration.sarif")
    # `trivy config --format sarif`: every rule is named Misconfiguration; no dependency was
    # scanned, so it must not stand in for an SCA report
    assert report.kind is ScanKind.SAST
    assert {f.kind for f in report.findings} == {FindingKind.MISCONFIGURATION}
    by_rule = {f.rule_id: f for f in report.findings}
    assert set(by_rule) == {"AVD-AWS-0086", "AVD-DS-0002", "AVD-DS-0026"}
    assert by_rule["AVD-AWS-0086"].severity.level is Severity.HIGH
    assert by_rule["AVD-DS-0026"].severity.level is Severity.LOW
    assert by_rule["AVD-AWS-0086"].title == "No public access block so not blocking public acls"
    assert all(not f.ids for f in report.findings)


def test_trivy_fs_sarif_unknown_severity_with_placeholder_score_is_unknown_not_info():
    report = scan("public/sarif-trivy-fs-secret-and-vulnerability.sarif")
    by_rule = {f.rule_id: f for f in report.findings}
    unknown = by_rule["CVE-2099-40404"]
    # Trivy writes security-severity "0.0" and level note for severity UNKNOWN
    assert unknown.severity.level is Severity.UNKNOWN
    assert "UNKNOWN" in unknown.severity.provenance
    assert unknown.package is not None
    assert unknown.package.name == "leftpad"
    medium = by_rule["CVE-2099-31337"]
    assert medium.severity.level is Severity.MEDIUM
    assert medium.kind is FindingKind.VULNERABILITY
    assert medium.ids == ("CVE-2099-31337",)


def test_trivy_fs_sarif_secret_is_a_secret_finding_without_the_matched_line():
    report = scan("public/sarif-trivy-fs-secret-and-vulnerability.sarif")
    assert report.kind is ScanKind.SCA  # vulnerabilities and a secret: one SCA report
    (secret,) = [f for f in report.findings if f.rule_id == "aws-access-key-id"]
    assert secret.kind is FindingKind.SECRET
    assert secret.title == "AWS Access Key ID"
    assert "Match" not in secret.title
    assert "AWS_ACCESS_KEY_ID" not in secret.title
    assert secret.severity.level is Severity.CRITICAL
    assert secret.location is not None
    assert secret.location.path.endswith("deploy/.env")


def test_trivy_secret_only_sarif_is_a_secret_scan(tmp_path):
    log = json.loads((PUBLIC / "sarif-trivy-fs-secret-and-vulnerability.sarif").read_text())
    run = log["runs"][0]
    run["tool"]["driver"]["rules"] = run["tool"]["driver"]["rules"][2:]
    run["results"] = [dict(run["results"][2], ruleIndex=0)]
    path = tmp_path / "trivy-secrets.sarif"
    path.write_text(json.dumps(log))

    report = read_path(path).evidence
    assert report.kind is ScanKind.SECRETS  # type: ignore[union-attr]


def test_trivy_vulnerability_sarif_title_is_the_vulnerability_not_the_package_block():
    (finding,) = scan("public/sarif-trivy-image-run-properties.sarif").findings
    assert finding.title == "openssl: a made-up flaw for a test fixture"
    assert finding.package is not None
    assert (finding.package.name, finding.package.version) == ("libssl3", "3.0.14-1~deb12u2")


def test_trivy_sarif_packages_get_the_purl_their_lockfile_implies():
    """Trivy's SARIF names the package only in the message and locates it at the file it
    read; the file gives the ecosystem, so the package has the purl Trivy's JSON, grype
    or an SBOM give it, and findings from several tools fold into one issue."""
    report = scan("public/sarif-trivy-fs-secret-and-vulnerability.sarif")
    purls = [f.package.purl for f in report.findings if f.package is not None]
    assert purls == ["pkg:pypi/requests@2.31.0", "pkg:npm/leftpad@0.0.3"]
    (image,) = scan("public/sarif-trivy-image-run-properties.sarif").findings
    assert image.package is not None
    assert image.package.purl is None  # an OS package: the distribution is not in the log


def _trivy_json(results: list[dict]) -> dict:
    return {
        "SchemaVersion": 2,
        "Trivy": {"Version": "0.58.1"},
        "ArtifactName": ".",
        "ArtifactType": "filesystem",
        "Results": results,
    }


def test_trivy_json_clean_config_scan_is_a_configuration_scan_not_a_clean_sca_report():
    """`trivy config .` with every check passing: results of class `config` with a
    `MisconfSummary` and no `Misconfigurations`. Read by what was found (nothing) it was an
    SCA report of no vulnerabilities, which could satisfy a policy's dependency scan."""
    clean_config = _trivy_json(
        [
            {
                "Target": "infra/main.tf",
                "Class": "config",
                "Type": "terraform",
                "MisconfSummary": {"Successes": 12, "Failures": 0},
            }
        ]
    )
    assert from_json(clean_config).kind is ScanKind.SAST
    clean_deps = _trivy_json(
        [{"Target": "requirements.txt", "Class": "lang-pkgs", "Type": "pip", "Packages": []}]
    )
    assert from_json(clean_deps).kind is ScanKind.SCA
    clean_secrets = _trivy_json([{"Target": "app.env", "Class": "secret"}])
    assert from_json(clean_secrets).kind is ScanKind.SECRETS


def test_trivy_licence_results_in_sarif_are_left_out_with_a_note(tmp_path):
    """`trivy fs --scanners vuln,license --format sarif`: Trivy's writer gives a licence the
    rule name `License`, the tags `["license", "security", SEVERITY]` and an id
    `category:name`. Not a vulnerability of the SCA part (Trivy's JSON reader leaves its
    `Licenses` out too), so a restricted licence cannot block as a HIGH code finding."""
    log = json.loads((PUBLIC / "sarif-trivy-fs-secret-and-vulnerability.sarif").read_text())
    run = log["runs"][0]
    before = len(
        read_path(PUBLIC / "sarif-trivy-fs-secret-and-vulnerability.sarif").evidence.findings
    )  # type: ignore[union-attr]
    rules = run["tool"]["driver"]["rules"]
    rules.append(
        {
            "id": "restricted:GPL-3.0-only",
            "name": "License",
            "shortDescription": {"text": "GPL-3.0-only"},
            "defaultConfiguration": {"level": "error"},
            "properties": {"tags": ["license", "security", "HIGH"], "security-severity": "8.0"},
        }
    )
    run["results"].append(
        {
            "ruleId": "restricted:GPL-3.0-only",
            "ruleIndex": len(rules) - 1,
            "level": "error",
            "message": {"text": "Artifact: requirements.txt\nLicense GPL-3.0-only\nPkgName: x"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": "requirements.txt"}}}],
        }
    )
    path = tmp_path / "trivy-licences.sarif"
    path.write_text(json.dumps(log))

    report = read_path(path).evidence
    assert len(report.findings) == before  # type: ignore[union-attr]
    assert all("GPL" not in f.rule_id for f in report.findings)  # type: ignore[union-attr]
    assert any("1 licence result(s)" in n for n in report.notes)  # type: ignore[union-attr]


def test_trivy_image_sarif_run_properties_bind_the_report_to_the_image():
    report = scan("public/sarif-trivy-image-run-properties.sarif")
    assert report.binding.digests == (
        "sha256:" + "2" * 64,  # imageID
        "sha256:" + "1" * 64,  # the repo digest
    )
    assert report.binding.artifact == "registry.example.test/example/shop-api:1.4.2"
    (finding,) = report.findings
    assert finding.severity.level is Severity.CRITICAL
    assert finding.package is not None
    assert (finding.package.name, finding.package.version) == ("libssl3", "3.0.14-1~deb12u2")


# --- tfsec SARIF ------------------------------------------------------------------------------


def test_tfsec_sarif_severity_is_the_level_only_and_marked_inferred():
    report = scan("public/sarif-tfsec-defsec-levels.sarif")
    assert report.kind is ScanKind.SAST
    assert report.tool.name == "tfsec"
    levels = [f.severity.level for f in report.findings]
    # defsec's formatter: CRITICAL and HIGH error, MEDIUM warning, LOW note; nothing else
    assert levels == [Severity.HIGH, Severity.HIGH, Severity.MEDIUM, Severity.LOW]
    assert all(f.severity.inferred for f in report.findings)
    assert report.findings[0].location is not None
    assert (report.findings[0].location.path, report.findings[0].location.line) == (
        "terraform/main.tf",
        54,
    )


# --- cdxgen and syft SBOMs ------------------------------------------------------------------


def test_cdxgen_1_6_bom_reads_tools_object_nested_components_and_ignores_services():
    report = scan("public/cyclonedx-cdxgen-1.6-evidence-services.json")
    assert report.kind is ScanKind.SBOM
    assert (report.tool.name, report.tool.version) == ("cdxgen", "11.1.7")
    by_name = {c.name: c for c in report.components}
    # a nested component (cdxgen nests a package's own sub-packages) is listed too; the
    # service orders-api is not a package
    assert set(by_name) == {"jquery", "@babel/core", "@babel/types", "body-parser"}
    assert by_name["@babel/core"].purl == "pkg:npm/%40babel/core@7.24.0"
    assert by_name["@babel/core"].ref == "pkg:npm/@babel/core@7.24.0"
    assert by_name["body-parser"].license == "MIT"
    assert all(c.purl for c in report.components)  # evidence, properties: no purl lost
    assert report.binding.artifact == "pkg:npm/shop-web@2.3.0"
    assert report.completeness.complete


def test_syft_cyclonedx_package_id_bom_refs_keep_the_purl_and_bind_the_image():
    report = scan("public/cyclonedx-syft-1.6-package-id-refs.json")
    assert (report.tool.name, report.tool.version) == ("syft", "1.18.1")
    by_name = {c.name: c for c in report.components}
    assert by_name["requests"].purl == "pkg:pypi/requests@2.31.0"
    assert by_name["requests"].ref == "pkg:pypi/requests@2.31.0?package-id=9c1f3e5a7b2d4c60"
    assert by_name["libssl3"].purl == "pkg:deb/debian/libssl3@3.0.14-1~deb12u2"
    assert by_name["debian"].purl is None  # the operating-system component has none
    assert report.binding.digests == ("sha256:" + "3" * 64,)


def test_syft_spdx_licence_is_read_from_license_declared():
    report = scan("public/spdx-syft-2.3-image-relationships.json")
    assert (report.tool.name, report.tool.version) == ("syft", "1.18.1")
    by_ref = {c.ref: c for c in report.components}
    libssl = by_ref["SPDXRef-Package-deb-libssl3-2d6e0b1c8f3a5e77"]
    assert libssl.purl == "pkg:deb/debian/libssl3@3.0.14-1~deb12u2"
    # syft writes licenseConcluded NOASSERTION and the licence it found as declared
    assert libssl.license == "Apache-2.0"
    assert by_ref["SPDXRef-Package-python-requests-9c1f3e5a7b2d4c60"].purl == (
        "pkg:pypi/requests@2.31.0"
    )
    assert report.binding.digests == ("sha256:" + "3" * 64,)
    assert report.document_id is not None
    assert report.document_id.startswith("https://anchore.com/syft/image/")
