"""Secret cases of gates-and-evidence §9 (25-26): secrets never reach any output."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from evidence_support import FIXTURES, HANDMADE, scan

from golive.cli.main import cli
from golive.core.findings import FindingKind, to_jsonable

PLANTED = [
    "glv-fake-4d8e2a9c1b7f3e6d5a0c9b8e7f6a5d4c",
    "glv-fake-second-secret-value-0001",
    "glv-fake-trivy-secret-9f8e7d6c5b4a",
    "glv-fake-sarif-snippet-secret-77aa",
    "glv-fake-sarif-message-secret-88bb",
    "correct-horse-battery-staple-42",
    "AKIAIOSFODNN7EXAMPLE",
    "Zk3q9WvX2mT8bL5nR1cY7hJ4pD6sF0gAuQ",
    "author@example.invalid",
]
FILES = [
    HANDMADE / "gitleaks.json",
    HANDMADE / "trivy.json",
    HANDMADE / "sarif-gitleaks-like.sarif",
    FIXTURES / "detect-secrets.baseline",
    FIXTURES / "bandit.json",  # its "code" excerpts hold the planted password
    FIXTURES / "semgrep.sarif",
]


def test_the_fixtures_really_contain_the_planted_secrets():
    raw = "".join(p.read_text(encoding="utf-8") for p in FILES)
    for secret in PLANTED[:5]:
        assert secret in raw
    assert "correct-horse-battery-staple-42" in (FIXTURES / "bandit.json").read_text()


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_gitleaks_plaintext_secret_never_appears_in_golive_output(fmt):
    result = CliRunner().invoke(
        cli, ["evidence", "inspect", "--format", fmt, *map(str, FILES)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    for secret in PLANTED:
        assert secret not in result.output


def test_secret_facts_keep_a_fingerprint_and_location_only():
    report = scan("handmade/gitleaks.json")
    dumped = json.dumps(to_jsonable(report))
    for secret in PLANTED:
        assert secret not in dumped
    first = report.findings[0]
    assert first.kind is FindingKind.SECRET
    assert first.fingerprint.startswith("sha256:")
    assert (first.location.path, first.location.line) == ("settings.py", 4)


def test_the_same_secret_in_two_places_has_the_same_fingerprint():
    doc = [
        {"RuleID": "r", "File": "a.py", "StartLine": 1, "Secret": "glv-fake-same"},
        {"RuleID": "r", "File": "b.py", "StartLine": 9, "Secret": "glv-fake-same"},
    ]
    from evidence_support import from_json

    a, b = from_json(doc).findings
    assert a.fingerprint == b.fingerprint


def test_detect_secrets_two_plugin_types_on_one_line_fold_into_one_finding():
    from evidence_support import from_json

    entry = {"filename": "s.py", "hashed_secret": "ab" * 20, "is_verified": False, "line_number": 3}
    doc = {
        "version": "1.5.0",
        "plugins_used": [],
        "filters_used": [],
        "results": {
            "s.py": [
                {**entry, "type": "Secret Keyword"},
                {**entry, "type": "Base64 High Entropy String"},
            ]
        },
        "generated_at": "2026-11-20T10:00:00Z",
    }
    report = from_json(doc)
    assert len(report.findings) == 1
    assert report.findings[0].rule_id == "Secret Keyword + Base64 High Entropy String"


def test_detect_secrets_unaudited_entries_are_not_false_and_audited_false_is_a_claim():
    from evidence_support import from_json

    base = {"type": "Secret Keyword", "filename": "s.py", "is_verified": False}
    doc = {
        "version": "1.5.0",
        "plugins_used": [],
        "results": {
            "s.py": [
                {**base, "hashed_secret": "aa" * 20, "line_number": 1},
                {**base, "hashed_secret": "bb" * 20, "line_number": 2, "is_secret": False},
                {**base, "hashed_secret": "cc" * 20, "line_number": 3, "is_secret": True},
            ]
        },
    }
    one, two, three = from_json(doc).findings
    assert one.notes == ("unaudited",)
    assert not one.suppressions
    assert two.suppressions[0].mechanism == "detect-secrets-audit"
    assert three.notes == ("audited: a real secret",)


def test_detect_secrets_real_baseline_is_accepted_state_not_a_scan():
    report = scan("detect-secrets.baseline")
    assert report.tool.version == "1.5.0"
    assert any("not proof of a fresh scan" in n for n in report.notes)
    assert {f.rule_id for f in report.findings} >= {"AWS Access Key", "Secret Keyword"}
