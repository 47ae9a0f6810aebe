"""``open_bugs``, ``backup_recent``, ``audit_events`` and ``publish_records`` over --records."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from part2_support import NOW, one, policy, text_of

from golive.core.gate import Outcome
from golive.core.gate.sources import AuditEvent, BackupRun, Bug, OpsRecords, Publish
from golive.errors import PolicyError
from golive.records.operations import read_records

OPS = policy(
    """
    environments:
      - id: production
    backups:
      - id: database
        rpo: 2d
        rto: 4h
        schedule: [{kind: snapshot, every: 1d}]
    gates:
      - id: bugs
        type: open_bugs
        params: {max_severity: high, labels: [bug]}
      - id: backup
        type: backup_recent
        params: {backup: database, within: 1h}
      - id: audit
        type: audit_events
        params: {flows: [login, search]}
      - id: publish
        type: publish_records
    """
)


@pytest.mark.parametrize(
    ("bugs", "outcome", "words"),
    [
        ((Bug("B-1", "high", ("bug",)),), Outcome.PASS, "no open bug above high"),
        ((Bug("B-2", "critical", ("bug",)),), Outcome.FAIL, "B-2 (critical)"),
        ((Bug("B-3", "critical", ("bug",), "closed"),), Outcome.PASS, ""),
        ((Bug("B-4", "critical", ("feature",)),), Outcome.PASS, ""),
        ((Bug("B-5", "urgent", ("bug",)),), Outcome.FAIL, "counted as critical"),
    ],
)
def test_open_bugs_above_the_threshold_block(
    bugs: tuple[Bug, ...], outcome: Outcome, words: str
) -> None:
    check = one(OPS, "bugs", records=OpsRecords(bugs=bugs))
    assert check.outcome is outcome, text_of(check)
    assert words in text_of(check)


@pytest.mark.parametrize(
    ("runs", "outcome"),
    [
        ((BackupRun("database", NOW - timedelta(minutes=59)),), Outcome.PASS),
        ((BackupRun("database", NOW - timedelta(minutes=61)),), Outcome.FAIL),
        ((BackupRun("database", NOW - timedelta(minutes=5), "failed"),), Outcome.FAIL),
        ((BackupRun("database", NOW + timedelta(hours=1)),), Outcome.FAIL),
        ((BackupRun("other", NOW),), Outcome.FAIL),
    ],
)
def test_the_backup_must_have_succeeded_within_the_limit(
    runs: tuple[BackupRun, ...], outcome: Outcome
) -> None:
    assert one(OPS, "backup", records=OpsRecords(backups=runs)).outcome is outcome


def test_every_critical_flow_emits_events_with_a_correlation_id() -> None:
    good = (
        AuditEvent("login", {"correlation_id": "c1"}),
        AuditEvent("search", {"correlation_id": "c2"}),
    )
    assert one(OPS, "audit", records=OpsRecords(audit_events=good)).outcome is Outcome.PASS
    bad = (AuditEvent("login", {"correlation_id": ""}),)
    check = one(OPS, "audit", records=OpsRecords(audit_events=bad))
    assert check.outcome is Outcome.FAIL
    assert "login: events without correlation_id" in check.reasons
    assert "search: no audit event recorded" in check.reasons


def test_every_published_batch_is_scoped_and_idempotent() -> None:
    ok = Publish("b1", "k1", {"tenant": "t", "repository": "r"})
    assert one(OPS, "publish", records=OpsRecords(publishes=(ok,))).outcome is Outcome.PASS
    bad = Publish("b2", "", {"tenant": "t"})
    check = one(OPS, "publish", records=OpsRecords(publishes=(ok, bad)))
    assert check.outcome is Outcome.FAIL
    assert check.reasons == ("batch b2: no idempotency key, repository",)


def test_a_missing_section_is_an_error_naming_the_option() -> None:
    for gate in ("bugs", "backup", "audit", "publish"):
        check = one(OPS, gate, records=OpsRecords())
        assert check.outcome is Outcome.ERROR
        assert "--records" in check.remediation


def test_a_bad_records_file_names_the_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "records.yaml"
    path.write_text(
        "apiVersion: golive/v1\nkind: Records\nbackups:\n"
        "  - {backup: database, completed_at: '2026-11-24T09:00:00'}\n"
    )
    with pytest.raises(PolicyError) as err:
        read_records(path)
    assert err.value.diagnostics[0].render().startswith(f"{path}:4:")
