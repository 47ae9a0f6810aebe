"""Request bodies of the API (pydantic), with limits on every field and list."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

MAX_RECORDS = 1000
Id = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Text = Annotated[str, Field(min_length=1, max_length=200)]
Commit = Annotated[str, Field(pattern=r"^[0-9a-fA-F]{7,64}$")]
Digest = Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("needs a UTC offset, e.g. 2026-11-24T10:00:00Z")
    return value


AwareTime = Annotated[dt.datetime, AfterValidator(_aware)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Deployment(_Strict):
    environment: Id
    deployable: Id
    version: Text
    digest: Annotated[str, Field(max_length=200)] | None = None
    status: Literal["started", "succeeded", "failed", "rolled_back"]
    time: AwareTime


class SuiteRun(_Strict):
    """One run of a test suite against a deployed artifact (the promotion gate's soak)."""

    suite: Id = Field(description="The suite, as the promotion gate's `suite` names it.")
    environment: Id = Field(description="Where it ran (the promotion's source environment).")
    deployable: Id
    digest: Digest = Field(description="The artifact the suite ran against.")
    result: Literal["passed", "failed"]
    time: AwareTime = Field(description="When the run finished.")
    tests: Annotated[int, Field(ge=0)] | None = None
    failed: Annotated[int, Field(ge=0)] | None = None
    detail: Text | None = None


class Approval(_Strict):
    approval: Id = Field(description="The id of the approval rule in the policy.")
    environment: Id | None = None
    deployable: Id
    version: Text
    approver: Text
    role: Id | None = None
    time: AwareTime
    commit: Commit | None = Field(
        None, description="The commit approved; with `require_fresh` only the head's count."
    )


class Signoff(_Strict):
    checklist: Id | None = Field(None, description="The checklist; none matches any.")
    item: Text
    deployable: Id
    version: Text
    signer: Text
    time: AwareTime
    role: Id | None = Field(
        None, description="The role signed in; the checklist counts it only if the signer holds it."
    )
    link: Annotated[str, Field(min_length=1, max_length=500)] | None = Field(
        None, description="A ticket, runbook or report URL."
    )
    candidate: Annotated[str, Field(min_length=1, max_length=300)] | None = Field(
        None,
        description="COMMIT[@sha256:DIGEST] as given to `golive attest`; when set, the "
        "sign-off counts only for that candidate.",
    )


class EvidenceFile(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=500)]
    content: str | None = Field(None, description="The file's text (UTF-8).")
    content_base64: str | None = Field(None, description="The file's bytes, base64.")
    sha256: Annotated[str, Field(pattern=r"^(sha256:)?[0-9a-fA-F]{64}$")] | None = Field(
        None, description="If given, the server checks the content against it."
    )
    commit: Annotated[str, Field(pattern=r"^[0-9a-fA-F]{7,64}$")] | None = None
    deployable: Id | None = None
    version: Text | None = None

    @model_validator(mode="after")
    def _one_content(self) -> EvidenceFile:
        if (self.content is None) == (self.content_base64 is None):
            raise ValueError("give exactly one of 'content' and 'content_base64'")
        if self.content_base64 is not None:
            try:
                base64.b64decode(self.content_base64, validate=True)
            except (binascii.Error, ValueError):
                raise ValueError("content_base64 is not valid base64") from None
        return self

    def data(self) -> bytes:
        if self.content_base64 is not None:
            return base64.b64decode(self.content_base64)
        return (self.content or "").encode("utf-8")


Repository = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\s]+$")]


class DeploymentBatch(_Strict):
    repository: Repository
    records: Annotated[list[Deployment], Field(min_length=1, max_length=MAX_RECORDS)]


class SuiteRunBatch(_Strict):
    repository: Repository
    records: Annotated[list[SuiteRun], Field(min_length=1, max_length=MAX_RECORDS)]


class ApprovalBatch(_Strict):
    repository: Repository
    records: Annotated[list[Approval], Field(min_length=1, max_length=MAX_RECORDS)]


class SignoffBatch(_Strict):
    repository: Repository
    records: Annotated[list[Signoff], Field(min_length=1, max_length=MAX_RECORDS)]


class EvidenceBatch(_Strict):
    repository: Repository
    records: Annotated[list[EvidenceFile], Field(min_length=1, max_length=MAX_RECORDS)]


class BatchAccepted(BaseModel):
    batch: str
    kind: str
    repository: str
    accepted: int
    ids: list[int]
    received_at: str


class EvaluateBody(_Strict):
    environment: Id
    deployable: Id
    version: Text
    commit: Commit | None = None
    digests: Annotated[list[Digest], Field(max_length=20)] = Field(
        default_factory=list,
        description="The candidate's artifact digests (promotion, sign-offs by digest).",
    )
    author: Text | None = Field(
        None, description="Who made the change; excluded from approvals and sign-offs."
    )
    unavailable: Annotated[list[Id], Field(max_length=50)] = Field(
        default_factory=list,
        description="Fact sources that are down: checks that depend on them are `owed`.",
    )
    stage: Literal["pre-deploy", "post-deploy"] = "pre-deploy"
    policy_digest: Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")] | None = None
    now: AwareTime | None = Field(None, description="Decide as of this time (default: now).")


class ReplayBody(_Strict):
    policy: Annotated[str, Field(min_length=1)] = Field(
        description="The text of the policy to replay the stored decisions under."
    )
    file: Annotated[str, Field(max_length=500)] = Field(
        "policy.yaml", description="The policy's file name, for its error messages."
    )
    environment: Id | None = None
    deployable: Id | None = None
    since: AwareTime | None = Field(None, description="Decisions decided at or after.")
    until: AwareTime | None = Field(None, description="Decisions decided before.")
    limit: Annotated[int, Field(ge=1, le=1000)] = 100


class PublishedDecision(_Strict):
    decision: dict[str, Any] = Field(
        description="A decision document as `golive gate --format json` prints it."
    )


class PolicyBody(_Strict):
    source: Annotated[str, Field(min_length=1)] = Field(description="The policy file's text.")
    file: Annotated[str, Field(max_length=500)] = "policy.yaml"


class TokenBody(_Strict):
    role: Literal["viewer", "developer", "release-manager", "sre", "security", "admin"]
    name: Text
    expires: Annotated[str, Field(pattern=r"^\d+[smhdw]$")] | None = Field(
        None, description="Lifetime such as `90d`; none means no expiry."
    )


class RotateBody(_Strict):
    overlap: Annotated[str, Field(pattern=r"^\d+[smhdw]$")] = Field(
        "24h", description="How long the old token keeps working."
    )
    expires: Annotated[str, Field(pattern=r"^\d+[smhdw]$")] | None = None
