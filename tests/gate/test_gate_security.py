"""``security``: SAST, SCA and secret scans, de-duplicated, thresholded, waived, explained."""

from __future__ import annotations

import pytest
from gate_support import FIXTURES, HANDMADE, check, policy, result, run, sarif, waiver, write

from golive.core.gate import Candidate, FindingStatus, Outcome, Verdict

SAST_ONLY = """
- id: security
  type: security
  params:
    sast: {max_severity: medium}
"""


def _policy(params: str) -> str:
    lines = "".join(f"    {line}\n" for line in params.strip().splitlines())
    return "- id: security\n  type: security\n  params:\n" + lines


def _statuses(decision):
    return {v.issue.key: v.status for v in check(decision, "security").findings}


def test_a_clean_complete_scan_passes(tmp_path):
    path = write(tmp_path, "s.sarif", sarif([], successful=True))
    decision = run(policy(SAST_ONLY), path)
    assert check(decision, "security").outcome is Outcome.PASS
    assert decision.verdict is Verdict.PASS


def test_a_high_finding_above_medium_fails_and_is_named(tmp_path):
    path = write(tmp_path, "s.sarif", sarif([result("R1", "error", "app.py", 7)]))
    res = check(run(policy(SAST_ONLY), path), "security")
    assert res.outcome is Outcome.FAIL
    assert "1 high" in res.summary
    assert any("R1 at app.py:7" in r for r in res.reasons)


def test_a_medium_finding_is_allowed_and_still_listed(tmp_path):
    path = write(tmp_path, "s.sarif", sarif([result("R1", "warning")]))
    res = check(run(policy(SAST_ONLY), path), "security")
    assert res.outcome is Outcome.PASS
    assert [v.status for v in res.findings] == [FindingStatus.ALLOWED]


# -- scanners that said "no findings" but did not scan --------------------------------------


@pytest.mark.parametrize(
    ("fixture", "part"),
    [
        (HANDMADE / "sarif-failed-run.sarif", "sast"),  # case 10: executionSuccessful false
        (FIXTURES / "bandit-with-errors.json", "sast"),  # case 23: errors[]
        (FIXTURES / "semgrep-with-errors.json", "sast"),
        (HANDMADE / "pip-audit-vulns.json", "sca"),  # case 21: skip_reason
        (FIXTURES / "pip-audit-nothing-audited.json", "sca"),
    ],
    ids=lambda v: getattr(v, "name", v),
)
def test_a_scan_that_did_not_complete_is_an_error_never_a_pass(fixture, part):
    loaded = policy(_policy(f"{part}: {{max_severity: critical}}"))
    res = check(run(loaded, fixture), "security")
    assert res.outcome is Outcome.ERROR
    assert any("did not complete" in r for r in res.reasons)


def test_a_required_scan_that_is_missing_is_an_error_naming_it(tmp_path):
    path = write(tmp_path, "s.sarif", sarif([], successful=True))
    loaded = policy(_policy("sast: {}\nsca: {}\nsecrets: {}"))
    res = check(run(loaded, path), "security")
    assert res.outcome is Outcome.ERROR
    assert any("sca: no dependency scan (SCA) report" in r for r in res.reasons)
    assert any("secrets: no secret scan report" in r for r in res.reasons)


def test_an_optional_scan_that_is_missing_is_only_noted(tmp_path):
    path = write(tmp_path, "s.sarif", sarif([], successful=True))
    loaded = policy(_policy("sast: {}\nsca: {required: false}"))
    res = check(run(loaded, path), "security")
    assert res.outcome is Outcome.PASS
    assert any("optional" in f for f in res.facts)


def test_only_the_listed_tools_count_for_a_part(tmp_path):
    path = write(tmp_path, "s.sarif", sarif([], successful=True, tool="OtherTool"))
    res = check(run(policy(_policy("sast: {tools: [semgrep]}")), path), "security")
    assert res.outcome is Outcome.ERROR
    assert "from semgrep" in res.reasons[0]


def test_a_report_for_another_commit_is_an_error_case_23(tmp_path):
    doc = sarif(
        [],
        successful=True,
        versionControlProvenance=[
            {"repositoryUri": "https://example.invalid/r", "revisionId": "c" * 40}
        ],
    )
    path = write(tmp_path, "s.sarif", doc)
    res = check(run(policy(SAST_ONLY), path, candidate=Candidate(commit="d" * 40)), "security")
    assert res.outcome is Outcome.ERROR
    assert "not the candidate" in res.reasons[0]
    ok = check(run(policy(SAST_ONLY), path, candidate=Candidate(commit="c" * 12)), "security")
    assert ok.outcome is Outcome.PASS


# -- severity --------------------------------------------------------------------------------


def test_unknown_severity_fails_closed_as_high_case_15():
    loaded = policy(_policy("secrets: {max_severity: medium}"))
    res = check(run(loaded, HANDMADE / "gitleaks.json"), "security")
    assert res.outcome is Outcome.FAIL
    assert all(v.severity.value == "high" for v in res.findings)
    assert "counted as high" in res.findings[0].note


def test_the_policy_may_count_unknown_severity_lower():
    loaded = policy(_policy("secrets: {max_severity: medium}\nunknown_severity: low"))
    res = check(run(loaded, HANDMADE / "gitleaks.json"), "security")
    assert res.outcome is Outcome.PASS


def test_one_cve_from_several_tools_is_one_finding_listing_every_source_case_16(tmp_path):
    loaded = policy(_policy("sca: {max_severity: critical}"))
    decision = run(
        loaded,
        HANDMADE / "trivy.json",
        HANDMADE / "grype.json",
        HANDMADE / "pip-audit-vulns.json",
        HANDMADE / "osv-pysec-2019-217.json",
    )
    res = check(decision, "security")
    keys = [v.issue.key for v in res.findings]
    assert len(keys) == len(set(keys))
    multi = [v for v in res.findings if len(v.issue.tools) > 1]
    assert multi, "expected at least one vulnerability reported by several tools"


# -- suppressions, VEX, baselines -------------------------------------------------------------


def _suppressed(status: str | None = "accepted", kind: str = "inSource") -> dict:
    sup: dict[str, object] = {"kind": kind}
    if status is not None:
        sup["status"] = status
    return result("R1", "error", suppressions=[sup])


@pytest.mark.parametrize(
    ("status", "accepted_tools", "expected"),
    [
        ("accepted", "[]", FindingStatus.VIOLATION),
        ("accepted", "[TestTool]", FindingStatus.SUPPRESSED),
        (None, "[TestTool]", FindingStatus.SUPPRESSED),
        ("underReview", "[TestTool]", FindingStatus.VIOLATION),
        ("rejected", "[TestTool]", FindingStatus.VIOLATION),
    ],
)
def test_native_suppressions_count_only_where_the_policy_accepts_them_case_7(
    tmp_path, status, accepted_tools, expected
):
    path = write(tmp_path, "s.sarif", sarif([_suppressed(status)]))
    params = f"sast: {{max_severity: medium}}\naccept_native_suppressions: {accepted_tools}"
    res = check(run(policy(_policy(params)), path), "security")
    assert [v.status for v in res.findings] == [expected]
    if expected is FindingStatus.VIOLATION and status == "accepted":
        assert "does not accept" in res.findings[0].note


def test_baseline_state_absent_never_counts_and_new_only_ignores_unchanged_case_8(tmp_path):
    doc = sarif(
        [
            result("GONE", "error", baselineState="absent"),
            result("OLD", "error", line=2, baselineState="unchanged"),
            result("NEW", "error", line=3, baselineState="new"),
        ]
    )
    path = write(tmp_path, "s.sarif", doc)
    res = check(run(policy(_policy("sast: {max_severity: medium}")), path), "security")
    by_rule = {v.issue.findings[0].rule_id: v.status for v in res.findings}
    # the reader may drop absent results; either way they never count
    assert by_rule.get("GONE", FindingStatus.NOT_NEW) is FindingStatus.NOT_NEW
    assert by_rule["OLD"] is FindingStatus.VIOLATION
    res = check(
        run(policy(_policy("sast: {max_severity: medium, new_only: true}")), path), "security"
    )
    by_rule = {v.issue.findings[0].rule_id: v.status for v in res.findings}
    assert by_rule["OLD"] is FindingStatus.NOT_NEW
    assert by_rule["NEW"] is FindingStatus.VIOLATION


def test_vex_not_affected_counts_only_when_the_policy_accepts_vex_case_17():
    path = HANDMADE / "cyclonedx-vex-1.5.json"
    plain = check(run(policy(_policy("sca: {max_severity: critical}")), path), "security")
    vexed = [v for v in plain.findings if "VEX" in v.note or v.status is FindingStatus.NOT_AFFECTED]
    accepted = check(
        run(
            policy(_policy("sca: {max_severity: critical}\naccept_native_suppressions: [vex]")),
            path,
        ),
        "security",
    )
    statuses = [v.status for v in accepted.findings]
    assert FindingStatus.NOT_AFFECTED in statuses
    assert FindingStatus.NOT_AFFECTED not in [v.status for v in plain.findings]
    assert vexed
    contradictory = [v for v in accepted.findings if "also asks for an update" in v.note]
    assert all(v.status is not FindingStatus.NOT_AFFECTED for v in contradictory)


def test_max_findings_fails_when_too_many_are_counted(tmp_path):
    doc = sarif([result(f"R{i}", "note", line=i + 1) for i in range(3)])
    path = write(tmp_path, "s.sarif", doc)
    res = check(
        run(policy(_policy("sast: {max_severity: critical, max_findings: 2}")), path), "security"
    )
    assert res.outcome is Outcome.FAIL
    assert "at most 2" in res.reasons[0]


# -- waivers (case 40) -------------------------------------------------------------------------


@pytest.fixture
def one_high(tmp_path):
    return write(tmp_path, "s.sarif", sarif([result("R1", "error", "app.py", 7)]))


WAIVABLE = _policy("sast: {max_severity: medium}\nwaivers: {approver_roles: [security-lead]}")


def test_a_valid_waiver_waives_and_the_finding_is_still_listed(one_high):
    decision = run(policy(WAIVABLE), one_high, waivers=(waiver(rule="R1"),))
    res = check(decision, "security")
    assert res.outcome is Outcome.WAIVED
    assert decision.verdict is Verdict.PASS
    assert [(v.status, v.waiver) for v in res.findings] == [(FindingStatus.WAIVED, "W-1")]
    assert decision.waivers[0].status == "used"


def test_a_waiver_expiring_exactly_at_now_is_expired_and_an_error(one_high):
    w = waiver(rule="R1", expires="2026-11-24T10:00:00Z")
    res = check(run(policy(WAIVABLE), one_high, waivers=(w,)), "security")
    assert res.outcome is Outcome.ERROR
    assert any("expired at 2026-11-24T10:00:00Z" in r for r in res.reasons)


def test_a_date_only_expiry_ends_at_midnight_utc(one_high):
    w = waiver(rule="R1", expires="2026-11-25")
    assert (
        check(run(policy(WAIVABLE), one_high, waivers=(w,)), "security").outcome is Outcome.WAIVED
    )
    w = waiver(rule="R1", expires="2026-11-24")
    assert check(run(policy(WAIVABLE), one_high, waivers=(w,)), "security").outcome is Outcome.ERROR


def test_a_waiver_longer_than_the_policy_allows_for_its_severity_is_invalid(one_high):
    w = waiver(rule="R1", created="2026-11-20T00:00:00Z", expires="2027-03-01T00:00:00Z")
    res = check(run(policy(WAIVABLE), one_high, waivers=(w,)), "security")
    assert res.outcome is Outcome.ERROR
    assert any("longer than the 30d" in r for r in res.reasons)


def test_an_approver_not_in_the_roster_does_not_count(one_high):
    w = waiver(rule="R1", approved_by="mallory")
    res = check(run(policy(WAIVABLE), one_high, waivers=(w,)), "security")
    assert res.outcome is Outcome.ERROR
    assert any("mallory does not hold the role" in r for r in res.reasons)
    roster = {"security-lead": ("mallory",)}
    res = check(run(policy(WAIVABLE), one_high, waivers=(w,), roster=roster), "security")
    assert res.outcome is Outcome.WAIVED


def test_an_approver_role_the_policy_does_not_allow_does_not_count(one_high):
    w = waiver(rule="R1", role="developer", approved_by="dev")
    res = check(run(policy(WAIVABLE), one_high, waivers=(w,)), "security")
    assert res.outcome is Outcome.ERROR
    assert any("may not approve waivers" in r for r in res.reasons)


def test_a_waiver_for_the_wrong_rule_is_unused_and_the_finding_fails(one_high):
    decision = run(policy(WAIVABLE), one_high, waivers=(waiver(rule="R2"),))
    assert check(decision, "security").outcome is Outcome.FAIL
    assert decision.waivers[0].status == "unused"


def test_a_waiver_on_a_finding_within_the_threshold_is_reported_unused(tmp_path):
    path = write(tmp_path, "s.sarif", sarif([result("R1", "warning")]))
    decision = run(policy(WAIVABLE), path, waivers=(waiver(rule="R1"),))
    assert check(decision, "security").outcome is Outcome.PASS
    assert decision.waivers[0].status == "unused"


def test_overlapping_waivers_use_the_first_valid_one_by_id(one_high):
    ws = (
        waiver(id="W-2", rule="R1"),
        waiver(id="W-1", rule="R1", expires="2026-11-01T00:00:00Z"),
    )
    decision = run(policy(WAIVABLE), one_high, waivers=ws)
    res = check(decision, "security")
    assert res.outcome is Outcome.WAIVED
    assert res.findings[0].waiver == "W-2"
    status = {w.id: w.status for w in decision.waivers}
    assert status == {"W-1": "expired", "W-2": "used"}


def test_a_waiver_naming_no_gate_of_the_policy_is_invalid(one_high):
    decision = run(policy(WAIVABLE), one_high, waivers=(waiver(check="nope", rule="R1"),))
    assert decision.waivers[0].status == "invalid"


@pytest.mark.parametrize(
    "scope",
    [
        {"finding": "CVE-2019-10906"},
        {"finding": "ghsa-462w-v97r-4m45"},
        {"finding": "PYSEC-2019-217"},
        {"purl": "pkg:pypi/Jinja2"},
        {"purl": "pkg:pypi/jinja2", "finding": "CVE-2019-10906"},
    ],
)
def test_waivers_match_vulnerabilities_by_any_alias_and_packages_by_purl(scope):
    loaded = policy(_policy("sca: {max_severity: low}\nwaivers: {approver_roles: [security-lead]}"))
    decision = run(loaded, HANDMADE / "osv-pysec-2019-217.json", waivers=(waiver(**scope),))
    res = check(decision, "security")
    assert res.outcome is Outcome.WAIVED
    assert [v.issue.key for v in res.findings if v.status is FindingStatus.WAIVED] == [
        "CVE-2019-10906"
    ]


def test_a_waiver_for_another_package_version_does_not_match():
    loaded = policy(_policy("sca: {max_severity: low}"))
    w = waiver(purl="pkg:pypi/jinja2@9.9.9")
    decision = run(loaded, HANDMADE / "osv-pysec-2019-217.json", waivers=(w,))
    assert check(decision, "security").outcome is Outcome.FAIL


def test_a_waiver_without_a_scope_is_refused():
    with pytest.raises(ValueError, match="needs a scope"):
        waiver()


FULL = "3f2a9c1b7e4d8a6f5c0b9e8d7a6f5e4d3c2b1a09"


@pytest.mark.parametrize("report_commit", [FULL, FULL[:7]], ids=["report<=8.25", "report>=8.26"])
@pytest.mark.parametrize("waiver_commit", [FULL, FULL[:7]], ids=["waiver-full", "waiver-short"])
def test_gitleaks_fingerprints_match_with_full_or_short_commits_not_stale_case_27(
    tmp_path, report_commit, waiver_commit
):
    import json

    leak = json.loads((HANDMADE / "gitleaks.json").read_text())[0]
    leak["Fingerprint"] = f"{report_commit}:settings.py:generic-api-key:4"
    path = write(tmp_path, "gitleaks.json", [leak])
    loaded = policy(_policy("secrets: {max_severity: none}"))
    w = waiver(finding=f"{waiver_commit}:settings.py:generic-api-key:4")
    decision = run(loaded, path, waivers=(w,))
    assert check(decision, "security").outcome is Outcome.WAIVED
    assert decision.waivers[0].status == "used"
    other_line = waiver(finding=f"{waiver_commit}:settings.py:generic-api-key:5")
    assert run(loaded, path, waivers=(other_line,)).waivers[0].status == "unused"


def test_what_the_reader_noticed_is_among_the_facts_at_most_ten_notes_a_report(tmp_path):
    rules = [{"id": f"R{n}"} for n in range(12)] + [{"id": "R0"}]  # R0 twice
    results = [
        result(f"R{n}", "warning", properties={"security-severity": "high-ish"}) for n in range(12)
    ]
    path = write(tmp_path, "s.sarif", sarif(results, rules=rules))
    res = check(run(policy(SAST_ONLY), path), "security")
    notes = [f for f in res.facts if f.startswith("sast: s.sarif: run 0")]
    assert "rule id 'R0' appears more than once" in notes[0]
    assert all("security-severity 'high-ish' is not a score" in f for f in notes[1:])
    assert len(notes) == 10  # 13 distinct notes: ten shown, and a line for the rest
    assert "sast: s.sarif: ... and 3 more note(s) (golive evidence inspect)" in res.facts


# -- Checkov's own JSON -----------------------------------------------------------------------


def test_checkov_bare_summary_passes_a_secrets_part_but_is_no_configuration_scan():
    bare = FIXTURES / "checkov-3.3.30-nothing-to-scan.json"
    secrets = check(run(policy(_policy("secrets: {max_severity: low}")), bare), "security")
    assert secrets.outcome is Outcome.PASS
    sast = check(run(policy(SAST_ONLY), bare), "security")
    assert sast.outcome is Outcome.ERROR
    assert sast.reasons == ("sast: no static analysis (SAST) report among the evidence",)


def test_checkov_without_api_key_fails_closed_and_its_skip_counts_only_when_accepted():
    report = FIXTURES / "checkov-3.3.30-iac.json"
    res = check(run(policy(SAST_ONLY), report), "security")
    # severity null: unknown, counted as the policy's unknown_severity (high by default)
    assert res.outcome is Outcome.FAIL
    skipped = [v for v in res.findings if v.issue.findings[0].suppressions]
    assert len(skipped) == 1
    assert skipped[0].status is FindingStatus.VIOLATION
    accepted = _policy("sast: {max_severity: medium}\naccept_native_suppressions: [checkov]")
    res = check(run(policy(accepted), report), "security")
    assert [v.status for v in res.findings if v.issue.findings[0].suppressions] == [
        FindingStatus.SUPPRESSED
    ]


def test_checkov_parsing_error_is_an_error_not_a_pass(tmp_path):
    res = check(run(policy(SAST_ONLY), FIXTURES / "checkov-3.3.30-parsing-error.json"), "security")
    assert res.outcome is Outcome.ERROR
    assert any("broken.tf" in r for r in res.reasons)
