"""Emergency override files (``--override FILE``), YAML or JSON::

    apiVersion: golive/v1
    kind: Override
    override: security-override          # an override of the policy
    candidate: "sha256:..."               # the one artifact it is for
    incident: {id: INC-4711, severity: SEV-1, active: true}
    approver: {name: victor, role: vp-engineering}
    linked_issue: SEC-42
    reason: "CVE fix must ship during the outage"
    created: 2026-11-24T09:00:00Z
    expires: 2026-11-24T21:00:00Z
    follow_up: SEC-43

Every field is optional in the file, so that a missing element is reported by the gate
(naming it), not refused as malformed input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from golive.core.gate.override import OverrideClaim
from golive.core.policy.loader import validate_yaml
from golive.services.policies import read_policy_text


class _Incident(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = ""
    severity: str = ""
    active: bool = False


class _Approver(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = ""
    role: str = ""


class OverrideFile(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    api_version: Literal["golive/v1"] = Field(alias="apiVersion")
    kind: Literal["Override"]
    override: str = Field(min_length=1, description="The override (in the policy) used.")
    candidate: str = ""
    incident: _Incident = Field(default_factory=_Incident)
    approver: _Approver = Field(default_factory=_Approver)
    linked_issue: str = ""
    reason: str = ""
    created: AwareDatetime | None = None
    expires: AwareDatetime | None = None
    follow_up: str = ""


def read_override(path: Path) -> OverrideClaim:
    doc = validate_yaml(read_policy_text(path), str(path), OverrideFile, what="an override file")
    return OverrideClaim(
        override=doc.override,
        candidate=doc.candidate,
        incident_id=doc.incident.id,
        incident_severity=doc.incident.severity,
        incident_active=doc.incident.active,
        approver=doc.approver.name,
        approver_role=doc.approver.role,
        linked_issue=doc.linked_issue,
        reason=doc.reason,
        created=doc.created,
        expires=doc.expires,
        follow_up=doc.follow_up,
        source=path.name,
    )
