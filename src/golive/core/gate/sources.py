"""Facts from git, pull requests, deployment records and sign-offs, as frozen values.

Adapters outside the core (``golive.vcs.git``, ``golive.records``) build these; the checks of
part 2 of the gate read them through :class:`golive.core.gate.model.Facts`. ``None`` for a
whole group means "not gathered": a check that needs it is an ``error`` that says which
option supplies it, never a pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Commit:
    """One commit of the candidate's range, with what ``git log --format=%G?`` said of it.

    ``signature`` is git's one-letter code: G good, B bad, U good with unknown validity,
    X expired signature, Y expired key, R revoked key, E cannot be checked, N none.
    """

    sha: str
    parents: tuple[str, ...] = ()
    author: str = ""
    committer: str = ""
    message: str = ""
    signature: str = "N"
    signer: str = ""
    key: str = ""

    @property
    def subject(self) -> str:
        return self.message.splitlines()[0] if self.message else ""

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1


@dataclass(frozen=True, slots=True)
class RepoFacts:
    """What git says about the candidate: its refs, its range and its files.

    ``changed`` is ``None`` when the changed files are unknown (no base revision).
    ``files`` holds the head's text of the files the policy's checks look at (by path);
    ``base_files`` the base revision's text of the same. ``codeowners`` is the CODEOWNERS
    text from the revision the approval rule names, with its path; ``problems`` are the
    sentences of anything git could not answer.

    ``pr_commits`` are the pull request's own commits as GitHub lists them (``pulls/N/commits``,
    or ``merge-base(base.sha, head.sha)..head.sha`` from ``pulls/N``), verified like
    ``commits``; ``None`` when no pull request was given. ``pr_source`` says which.
    """

    head: str | None = None
    base: str | None = None
    branch: str | None = None
    tags: tuple[str, ...] = ()
    previous_tag: str | None = None
    changed: tuple[str, ...] | None = None
    commits: tuple[Commit, ...] | None = None
    head_commit: Commit | None = None
    signature_trust: str = ""
    files: Mapping[str, str] = field(default_factory=dict)
    base_files: Mapping[str, str] = field(default_factory=dict)
    codeowners: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    pr_commits: tuple[Commit, ...] | None = None
    pr_source: str = ""
    shallow: bool = False  # a shallow clone: history (and tags) below its boundary are missing
    ref_source: str = ""  # where branch and tags came from, when not git or the command line


@dataclass(frozen=True, slots=True)
class Review:
    """One pull-request review as GitHub's REST API returns it."""

    id: int
    user: str
    user_type: str  # "User" or "Bot"
    state: str  # APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
    commit_id: str = ""
    submitted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReviewFacts:
    """A pull request and its reviews; ``teams`` maps ``@org/team`` to its members."""

    author: str | None = None
    head_sha: str | None = None
    number: int | None = None
    reviews: tuple[Review, ...] = ()
    teams: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    source: str = ""


@dataclass(frozen=True, slots=True)
class Deployment:
    environment: str
    digest: str
    at: datetime
    status: str = "succeeded"


@dataclass(frozen=True, slots=True)
class SuiteRun:
    """One run of a test suite against a deployed digest.

    ``at`` is ``None`` when the run's time could not be read; ``naive`` says the time was
    written without a UTC offset (the promotion gate's ``naive_timestamps`` decides).
    """

    suite: str
    environment: str
    digest: str
    at: datetime | None
    passed: bool
    detail: str = ""
    naive: bool = False
    source: str = ""


@dataclass(frozen=True, slots=True)
class DeploymentFacts:
    deployments: tuple[Deployment, ...] = ()
    runs: tuple[SuiteRun, ...] = ()
    source: str = ""


@dataclass(frozen=True, slots=True)
class SignOff:
    """One sign-off of a checklist item for a candidate (``golive attest``)."""

    item: str
    candidate: str
    by: str
    role: str
    at: datetime
    link: str = ""
    checklist: str = ""


@dataclass(frozen=True, slots=True)
class Bug:
    id: str
    severity: str  # critical, high, medium, low, info, or anything else (unknown)
    labels: tuple[str, ...] = ()
    state: str = "open"
    title: str = ""


@dataclass(frozen=True, slots=True)
class BackupRun:
    backup: str
    completed_at: datetime
    status: str = "succeeded"
    verified: bool = False


@dataclass(frozen=True, slots=True)
class AuditEvent:
    flow: str
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Publish:
    batch: str
    idempotency_key: str = ""
    scope: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OpsRecords:
    """Operational records (``--records FILE``): open bugs, backups, audit events, publishes.

    Each list is ``None`` when the file did not have that section (not gathered).
    """

    bugs: tuple[Bug, ...] | None = None
    backups: tuple[BackupRun, ...] | None = None
    audit_events: tuple[AuditEvent, ...] | None = None
    publishes: tuple[Publish, ...] | None = None
    source: str = ""
