"""The emergency override (IG-OVR-1, case 41) and the signed decision record."""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from gate_support import assert_valid_decision
from part2_support import COMMIT, DIGEST, NOW, OTHER_DIGEST, ROLES, decision, policy

from golive.cli.main import cli
from golive.core.gate import Candidate, Facts, Outcome, Verdict, attestation
from golive.core.gate.override import OverrideClaim, apply
from golive.core.gate.sources import Commit, RepoFacts
from golive.errors import VerificationError

OVERRIDE = policy(
    ROLES.replace("  - id: developer\n", "  - id: developer\n    members: [dev]\n")
    + """\
environments:
  - id: production
    branches: [main]
  - id: staging
gates:
  - id: branch
    type: branch
  - id: other
    type: branch
    environments: [staging]
incidents:
  severities:
    - id: SEV-1
    - id: SEV-2
overrides:
  - id: security-override
    gates: [branch]
    incident_severities: [SEV-1]
    approver_roles: [vp-engineering]
    linked_issue: {system: jira, pattern: "^[A-Z][A-Z0-9]+-[0-9]+$"}
    commit_tag: "[Security Override]"
    max_validity: 24h
    follow_up: 5d
  - id: narrow
    gates: [other]
    incident_severities: [SEV-1]
    approver_roles: [vp-engineering]
    max_validity: 24h
"""
)
MERGE = Commit(COMMIT, ("1" * 40, "2" * 40), message="Merge hotfix [Security Override]")
CLAIM = OverrideClaim(
    override="security-override",
    candidate=DIGEST,
    incident_id="INC-1",
    incident_severity="SEV-1",
    incident_active=True,
    approver="victor",
    approver_role="vp-engineering",
    linked_issue="SEC-42",
    reason="the fix must ship during the outage",
    created=NOW - timedelta(hours=1),
    expires=NOW + timedelta(hours=2),
    follow_up="SEC-43",
)
CANDIDATE = Candidate(commit=COMMIT, digests=(DIGEST,), author="dev")


def _decide(claim: OverrideClaim, head: Commit | None = MERGE, branch: str = "hotfix/x"):
    repo = RepoFacts(branch=branch, head_commit=head)
    blocked = decision(OVERRIDE, candidate=CANDIDATE, repo=repo)
    facts = dataclasses.replace(_facts(repo), candidate=CANDIDATE)
    return apply(blocked, OVERRIDE.policy, claim, facts, head)


def _facts(repo: RepoFacts):
    return Facts(candidate=CANDIDATE, repo=repo)


def test_a_complete_override_reads_overridden_and_still_lists_the_failing_check() -> None:
    result = _decide(CLAIM)
    assert result.verdict is Verdict.OVERRIDDEN
    branch = next(c for c in result.checks if c.id == "branch")
    assert branch.outcome is Outcome.FAIL
    assert branch.blocks
    record = next(c for c in result.checks if c.id == "override")
    assert "overridden by victor (vp-engineering) for incident INC-1" in record.summary
    assert "reason: the fix must ship during the outage" in record.facts
    doc = json.loads(result.to_json())
    assert_valid_decision(doc)
    assert doc["verdict"] == "overridden"
    assert doc["summary"]["blocking"] == ["branch"]


@pytest.mark.parametrize(
    ("change", "head", "missing"),
    [
        ({"incident_id": ""}, MERGE, "incident: no incident is named"),
        ({"incident_severity": "SEV-2"}, MERGE, "incident: INC-1 is SEV-2, not SEV-1"),
        ({"incident_active": False}, MERGE, "incident: INC-1 is not active"),
        ({"approver": ""}, MERGE, "approver: nobody approved the override"),
        ({"approver_role": "sre", "approver": "sam"}, MERGE, "role 'sre' may not approve it"),
        ({"approver": "mallory"}, MERGE, "mallory does not hold role 'vp-engineering'"),
        ({"linked_issue": ""}, MERGE, "linked issue: no jira issue is linked"),
        ({"linked_issue": "sec 42"}, MERGE, "does not match"),
        ({}, dataclasses.replace(MERGE, parents=("1" * 40,)), "is not a merge commit"),
        ({}, dataclasses.replace(MERGE, message="Merge hotfix"), "lacks '[Security Override]'"),
        ({}, None, "head commit is unknown"),
        ({"candidate": OTHER_DIGEST}, MERGE, "not this artifact"),
        ({"expires": NOW}, MERGE, "expiry: expired at"),  # expiring exactly at now
        ({"expires": NOW + timedelta(hours=30)}, MERGE, "longer than the policy's 24 hours"),
        ({"created": None}, MERGE, "needs 'created' and 'expires'"),
        ({"follow_up": ""}, MERGE, "follow-up: none named"),
        ({"override": "nope"}, MERGE, "the policy has no override 'nope'"),
    ],
)
def test_case_41_an_override_missing_one_element_is_refused_naming_it(
    change: dict[str, object], head: Commit | None, missing: str
) -> None:
    result = _decide(dataclasses.replace(CLAIM, **change), head)  # type: ignore[arg-type]
    assert result.verdict is Verdict.BLOCKED
    record = next(c for c in result.checks if c.id == "override")
    assert record.outcome is Outcome.FAIL
    assert any(missing in r for r in record.reasons), record.reasons


def test_case_41_an_override_approved_by_the_author_is_refused() -> None:
    policy_author = dataclasses.replace(CLAIM, approver="victor")
    repo = RepoFacts(branch="hotfix/x", head_commit=MERGE)
    author = Candidate(commit=COMMIT, digests=(DIGEST,), author="victor")
    blocked = decision(OVERRIDE, candidate=author, repo=repo)
    result = apply(blocked, OVERRIDE.policy, policy_author, Facts(candidate=author), MERGE)
    assert result.verdict is Verdict.BLOCKED
    assert (
        "approver: victor is the release's author"
        in next(c for c in result.checks if c.id == "override").reasons
    )


def test_an_override_does_not_reach_gates_outside_its_scope() -> None:
    result = _decide(dataclasses.replace(CLAIM, override="narrow"))
    assert result.verdict is Verdict.BLOCKED
    record = next(c for c in result.checks if c.id == "override")
    assert "scope: branch cannot be overridden by narrow (it covers other)" in record.reasons


def test_an_override_of_a_passing_release_is_recorded_as_not_needed() -> None:
    result = _decide(CLAIM, branch="main")
    assert result.verdict is Verdict.PASS
    assert next(c for c in result.checks if c.id == "override").outcome is Outcome.NOT_APPLICABLE


def _keys(tmp_path: Path) -> tuple[Path, Path]:
    key = Ed25519PrivateKey.generate()
    private = tmp_path / "signing.pem"
    public = tmp_path / "signing.pub.pem"
    private.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    public.write_bytes(
        key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    return private, public


def _gate_with_attest(tmp_path: Path) -> tuple[Path, Path, Path]:
    private, public = _keys(tmp_path)
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(
        "apiVersion: golive/v1\nmetadata: {name: rec}\nenvironments:\n"
        "  - {id: production, branches: [main]}\ngates:\n  - {id: branch, type: branch}\n"
    )
    out = tmp_path / "decision.intoto.json"
    result = CliRunner().invoke(
        cli,
        [
            "gate",
            "--policy",
            str(policy_file),
            "--env",
            "production",
            "--branch",
            "main",
            "--candidate",
            f"{COMMIT}@{DIGEST}",
            "--now",
            "2026-11-24T10:00:00Z",
            "--attest",
            str(out),
            "--signing-key",
            str(private),
        ],
    )
    assert result.exit_code == 0, result.output
    return out, public, private


def test_the_decision_record_is_a_signed_in_toto_statement_verified_offline(
    tmp_path: Path,
) -> None:
    out, public, _ = _gate_with_attest(tmp_path)
    envelope = json.loads(out.read_text())
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://slsa.dev/verification_summary/v1"
    assert statement["subject"] == [{"name": "_", "digest": {"sha256": "ab" * 32}}]
    assert statement["predicate"]["verificationResult"] == "PASSED"
    assert statement["predicate"]["policy"]["digest"]["sha256"]
    assert statement["predicate"]["golive"]["checks"][0]["outcome"] == "pass"
    result = CliRunner().invoke(cli, ["decision", "verify", str(out), "--key", str(public)])
    assert result.exit_code == 0, result.output
    assert "signature OK" in result.output
    assert "verdict: pass (PASSED)" in result.output


def test_a_tampered_record_or_another_key_fails_verification_with_exit_1(
    tmp_path: Path,
) -> None:
    out, public, _ = _gate_with_attest(tmp_path)
    envelope = json.loads(out.read_text())
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["predicate"]["verificationResult"] = "PASSED"
    statement["predicate"]["golive"]["verdict"] = "pass"
    statement["subject"][0]["digest"]["sha256"] = "cd" * 32
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(envelope))
    result = CliRunner().invoke(cli, ["decision", "verify", str(tampered), "--key", str(public)])
    assert result.exit_code == 1
    assert "no signature in the envelope verifies" in result.output
    (tmp_path / "other").mkdir()
    _, other = _keys(tmp_path / "other")
    result = CliRunner().invoke(cli, ["decision", "verify", str(out), "--key", str(other)])
    assert result.exit_code == 1


def test_the_signature_covers_the_pae_of_the_exact_payload_bytes() -> None:
    key = Ed25519PrivateKey.generate()
    blocked = decision(OVERRIDE, candidate=CANDIDATE, repo=RepoFacts(branch="x"))
    envelope = attestation.sign(blocked, key)
    payload = base64.b64decode(envelope["payload"])
    message = b"DSSEv1 28 application/vnd.in-toto+json %d %s" % (len(payload), payload)
    key.public_key().verify(base64.b64decode(envelope["signatures"][0]["sig"]), message)
    assert attestation.verify(envelope, key.public_key())["predicate"]["verificationResult"] == (
        "FAILED"
    )
    with pytest.raises(VerificationError):
        attestation.verify({**envelope, "payloadType": "text/plain"}, key.public_key())


def test_attest_without_a_signing_key_is_a_usage_error(tmp_path: Path) -> None:
    policy_file = tmp_path / "p.yaml"
    policy_file.write_text(
        "apiVersion: golive/v1\nmetadata: {name: rec}\nenvironments: [{id: production}]\n"
        "gates: []\n"
    )
    result = CliRunner().invoke(
        cli,
        [
            "gate",
            "--policy",
            str(policy_file),
            "--env",
            "production",
            "--attest",
            str(tmp_path / "o.json"),
            "--now",
            "2026-11-24T10:00:00Z",
        ],
    )
    assert result.exit_code == 2
    assert not (tmp_path / "o.json").exists()


def test_golive_gate_with_an_override_file_and_a_tagged_merge_commit_reads_overridden(
    tmp_path: Path,
) -> None:
    from git_support import Repo

    repo = Repo(tmp_path / "repo")
    base = repo.commit("a.txt")
    repo.git("checkout", "-q", "-b", "hotfix")
    repo.commit("fix.txt")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge hotfix [Security Override]", "hotfix")
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(
        "apiVersion: golive/v1\nmetadata: {name: ovr}\n"
        "roles: [{id: vp-engineering, members: [victor]}]\n"
        "incidents: {severities: [{id: SEV-1}]}\n"
        "environments: [{id: production, branches: [main]}]\n"
        "gates: [{id: branch, type: branch}]\n"
        "overrides:\n  - {id: emergency, gates: [branch], incident_severities: [SEV-1],\n"
        "     approver_roles: [vp-engineering], commit_tag: '[Security Override]',\n"
        "     max_validity: 24h}\n"
    )
    override = tmp_path / "override.yaml"
    override.write_text(
        "apiVersion: golive/v1\nkind: Override\noverride: emergency\n"
        f"candidate: '{DIGEST}'\nincident: {{id: INC-9, severity: SEV-1, active: true}}\n"
        "approver: {name: victor, role: vp-engineering}\nreason: outage fix\n"
        "created: 2026-11-24T09:00:00Z\nexpires: 2026-11-24T20:00:00Z\n"
    )
    args = [
        "gate",
        "--policy",
        str(policy_file),
        "--env",
        "production",
        "--branch",
        "hotfix",
        "--candidate",
        DIGEST,
        "--repo",
        str(repo.path),
        "--base",
        base,
        "--now",
        "2026-11-24T10:00:00Z",
        "--format",
        "json",
    ]
    result = CliRunner().invoke(cli, [*args, "--override", str(override)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["verdict"] == "overridden"
    assert doc["summary"]["blocking"] == ["branch"]
    # without the override, the same release is blocked
    assert CliRunner().invoke(cli, args).exit_code == 1
    # a malformed override file is bad input: exit 2, naming the line and field
    override.write_text(
        "apiVersion: golive/v1\nkind: Override\noverride: emergency\nexpires: soon\n"
    )
    result = CliRunner().invoke(cli, [*args, "--override", str(override)])
    assert result.exit_code == 2
    assert f"{override}:4:" in result.output


@pytest.mark.parametrize(
    ("payload_type", "payload", "expected"),
    [
        # the example of the DSSE protocol (secure-systems-lab/dsse, protocol.md)
        (
            "http://example.com/HelloWorld",
            b"hello world",
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world",
        ),
        # lengths are of UTF-8 bytes, not characters
        (
            "\u7c7b\u578b",
            "\u4e2d\u6587".encode(),
            b"DSSEv1 6 " + "\u7c7b\u578b".encode() + b" 6 " + "\u4e2d\u6587".encode(),
        ),
        ("t", b"", b"DSSEv1 1 t 0 "),
    ],
)
def test_pre_authentication_encoding_matches_the_dsse_specification(
    payload_type: str, payload: bytes, expected: bytes
) -> None:
    assert attestation.pae(payload_type, payload) == expected
