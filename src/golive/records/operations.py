"""Operational records (``--records FILE``, YAML or JSON) for ``open_bugs``,
``backup_recent``, ``audit_events`` and ``publish_records``::

    apiVersion: golive/v1
    kind: Records
    bugs:                       # open bugs, e.g. exported from the tracker
      - {id: BUG-12, severity: high, labels: [bug], state: open, title: "..."}
    backups:
      - {backup: database, completed_at: "2026-11-24T09:30:00Z", status: succeeded}
    audit_events:               # events observed for the candidate (e.g. in staging)
      - {flow: login, fields: {correlation_id: "c-1", actor: "u-1"}}
    publishes:                  # batches the release published (e.g. in staging)
      - {batch: b-1, idempotency_key: "k-1", scope: {tenant: t-1, repository: r-1}}

A section left out means "not gathered": the checks that need it are an ``error``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from golive.core.gate.sources import AuditEvent, BackupRun, Bug, OpsRecords, Publish
from golive.core.policy.loader import validate_yaml
from golive.services.policies import read_policy_text


class _Bug(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    severity: str = ""
    labels: list[str] = Field(default_factory=list)
    state: str = "open"
    title: str = ""


class _Backup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    backup: str = Field(min_length=1)
    completed_at: AwareDatetime
    status: Literal["succeeded", "failed"] = "succeeded"
    verified: bool = False


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid")
    flow: str = Field(min_length=1)
    fields: dict[str, str] = Field(default_factory=dict)


class _Publish(BaseModel):
    model_config = ConfigDict(extra="forbid")
    batch: str = Field(min_length=1)
    idempotency_key: str = ""
    scope: dict[str, str] = Field(default_factory=dict)


class RecordsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    api_version: Literal["golive/v1"] = Field(alias="apiVersion")
    kind: Literal["Records"]
    bugs: list[_Bug] | None = None
    backups: list[_Backup] | None = None
    audit_events: list[_Event] | None = None
    publishes: list[_Publish] | None = None


def read_records(path: Path) -> OpsRecords:
    doc = validate_yaml(read_policy_text(path), str(path), RecordsFile, what="a records file")
    return OpsRecords(
        bugs=None
        if doc.bugs is None
        else tuple(Bug(b.id, b.severity, tuple(b.labels), b.state, b.title) for b in doc.bugs),
        backups=None
        if doc.backups is None
        else tuple(BackupRun(b.backup, b.completed_at, b.status, b.verified) for b in doc.backups),
        audit_events=None
        if doc.audit_events is None
        else tuple(AuditEvent(e.flow, dict(e.fields)) for e in doc.audit_events),
        publishes=None
        if doc.publishes is None
        else tuple(Publish(p.batch, p.idempotency_key, dict(p.scope)) for p in doc.publishes),
        source=path.name,
    )
