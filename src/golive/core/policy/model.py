"""The golive policy language, ``apiVersion: golive/v1``, as typed, immutable models.

One policy file holds a team's whole Definition of Production. Every section is
parsed and validated here, even where its engine arrives later, so a policy is
complete from the start. Field docstrings become the JSON Schema descriptions
and the language reference (``docs/policy.md``), so they are written for the
people who write policies.

Cross-references between sections (an environment, role, calendar, severity
that must exist) are checked in :mod:`golive.core.policy.checks`, not here.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
)

from golive.core.durations import Duration
from golive.core.quantities import Quantity

API_VERSION = "golive/v1"

# ---------------------------------------------------------------------------------------------
# Scalar types shared by every section
# ---------------------------------------------------------------------------------------------

Id = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$"),
    Field(description="An identifier: letters, digits, '.', '_' and '-', starting alphanumeric."),
]
ControlId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$"),
    Field(description="A control id from the policy's `controls` catalog, such as IG-SEC-1."),
]
Text = Annotated[str, StringConstraints(min_length=1)]
Count = Annotated[StrictInt, Field(ge=0)]
Positive = Annotated[StrictInt, Field(ge=1)]
Percent = Annotated[
    StrictFloat | StrictInt,
    Field(ge=0, le=100, description="A percentage from 0 to 100 (99.9 means 99.9%)."),
]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Severity = Literal["critical", "high", "medium", "low", "info"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SEVERITY_ORDER: tuple[str, ...] = ("none", "info", "low", "medium", "high", "critical")


def _check_glob(value: str) -> str:
    """Branch, tag and path globs with GitHub's semantics: ``*`` stops at ``/``, ``**`` does not."""
    if not value:
        raise ValueError("a pattern cannot be empty")
    if value.count("[") != value.count("]"):
        raise ValueError(f"'{value}' has an unbalanced '[' or ']'")
    if "***" in value:
        raise ValueError(f"'{value}' has '***'; use '*' (one level) or '**' (any depth)")
    if any(c in value for c in " \t\n~^:\\") and not value.startswith("/"):
        raise ValueError(f"'{value}' contains a character git does not allow in a ref")
    return value


def _check_path_glob(value: str) -> str:
    if not value:
        raise ValueError("a path pattern cannot be empty")
    if value.count("[") != value.count("]"):
        raise ValueError(f"'{value}' has an unbalanced '[' or ']'")
    return value


def _check_timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"'{value}' is not an IANA time zone; write e.g. 'UTC', 'Europe/Berlin' or "
            "'America/New_York'"
        ) from None
    return value


_CLOCK = re.compile(r"^([01][0-9]|2[0-4]):([0-5][0-9])$")


def _check_clock(value: str) -> str:
    match = _CLOCK.match(value)
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise ValueError(f"'{value}' is not a time of day; write HH:MM on a 24-hour clock")
    return value


def _check_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"'{value.isoformat()}' has no UTC offset; write e.g. '{value.isoformat()}Z' or "
            f"'{value.isoformat()}+01:00' so the instant is unambiguous"
        )
    return value


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"'{value}' is not a valid regular expression: {exc}") from None
    return value


BranchGlob = Annotated[str, AfterValidator(_check_glob)]
PathGlob = Annotated[str, AfterValidator(_check_path_glob)]
TimeZone = Annotated[
    str, AfterValidator(_check_timezone), Field(description="An IANA time zone name.")
]
ClockTime = Annotated[str, AfterValidator(_check_clock), Field(description="HH:MM, 24-hour.")]
AwareDatetime = Annotated[datetime, AfterValidator(_check_aware)]
Regex = Annotated[str, AfterValidator(_check_regex)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


class Rule(_Model):
    """Fields every rule may carry."""

    title: str = Field("", description="A short name people will read in explanations.")
    description: str = Field("", description="What the rule is for, in the policy's own words.")
    controls: list[ControlId] = Field(
        default_factory=list,
        description="The control ids this rule carries out; each must be in `controls`.",
    )


# ---------------------------------------------------------------------------------------------
# metadata, controls, calendars, roles
# ---------------------------------------------------------------------------------------------


class Owners(_Model):
    primary: list[Text] = Field(description="Who owns the policy first (teams or roles).")
    secondary: list[Text] = Field(default_factory=list, description="Who stands in for them.")
    controls: list[ControlId] = Field(default_factory=list)


class Scope(Rule):
    """Where the policy applies, when it applies only to part of the work."""

    branches: list[BranchGlob] = Field(
        default_factory=list, description="Branches this policy governs; empty means all."
    )
    when: str = Field("", description="A condition in words, e.g. 'SaaS ingestion enabled'.")


class Metadata(_Model):
    name: Id = Field(description="The policy's id, used by the server and in decisions.")
    title: str = Field("", description="The product or document this policy stands for.")
    description: str = ""
    source: str = Field("", description="Where the written Definition of Production lives.")
    owners: Owners | None = None
    scope: Scope | None = None
    labels: dict[Id, str] = Field(default_factory=dict)


How = Literal[
    "gate",
    "attest",
    "rollout",
    "slo",
    "alert",
    "incident",
    "audit",
    "access",
    "flag",
    "backup",
    "env",
    "report",
    "record",
]


class Control(_Model):
    """One rule of the written definition, by id, so that every rule can be traced to it."""

    id: ControlId
    title: Text = Field(description="The rule as the definition states it.")
    how: list[How] = Field(
        default_factory=list, description="How golive carries it (gate, attest, slo, ...)."
    )
    source: str = Field("", description="Where in the written definition it comes from.")


class BusinessHours(_Model):
    start: ClockTime
    end: ClockTime


class Calendar(_Model):
    """A working calendar: business hours, business days and their conventions.

    Business-day durations (``5bd``) count whole business days *after* the start
    date by default; a start on a weekend or holiday first rolls forward; the
    deadline is the end of the last business day (the next local midnight).
    """

    id: Id
    title: str = ""
    timezone: TimeZone
    workdays: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS[:5]))
    hours: BusinessHours | None = Field(None, description="Business hours on workdays.")
    holidays: list[date] = Field(default_factory=list, description="Local dates, YYYY-MM-DD.")
    start_day_counts: StrictBool = Field(False, description="Count the start date as day 1.")
    roll: Literal["forward", "backward"] = Field(
        "forward", description="Where a start on a non-business day moves before counting."
    )
    deadline: Literal["end_of_day", "same_time"] = Field(
        "end_of_day", description="A business-day deadline ends at midnight, or at the start time."
    )


class Role(_Model):
    """A role people hold: approvers, sign-off owners, on-call, access holders."""

    id: Id
    title: str = ""
    description: str = ""
    members: list[Text] = Field(
        default_factory=list,
        description="Optional static members; a roster file given at decision time wins.",
    )


# ---------------------------------------------------------------------------------------------
# environments and deployables
# ---------------------------------------------------------------------------------------------

DataClass = Literal["real", "synthetic", "anonymized", "seed", "mock"]


class DataRules(Rule):
    """What data an environment may hold."""

    allowed: list[DataClass] = Field(description="The kinds of data allowed here.")
    forbid_markers: list[Text] = Field(
        default_factory=list,
        description="Markers of mock data or test artifacts that must not reach this "
        "environment's deployed configuration (case-insensitive substrings).",
    )
    personal_data: Literal["allowed", "forbidden"] = "allowed"
    capabilities_only_here: list[Text] = Field(
        default_factory=list,
        description="Capabilities isolated to this environment (e.g. untrusted LLMs).",
    )


class Persistence(Rule):
    kind: Literal["permanent", "transient", "ephemeral"]
    worm: StrictBool = Field(False, description="Write once, read many: nothing is rewritten.")
    retention: Duration | None = Field(None, description="How long data is kept.")


class Reset(Rule):
    every: Duration | None = Field(None, description="How often the environment is reset.")
    may_purge: StrictBool = Field(False, description="May be purged at any time.")
    instantiated_by: str = Field("", description="The one command that creates it.")


class EnvironmentAccess(Rule):
    level: Literal["strict", "team", "developers", "open"]
    via: list[Literal["rbac", "oidc", "sso", "mfa", "jit", "breakglass"]] = Field(
        default_factory=list, description="The only ways in."
    )
    direct_database: StrictBool = Field(True, description="Whether anyone may connect directly.")


class Fence(Rule):
    """Connections an environment must never make (its configuration is scanned for them)."""

    deny_environments: list[Id] = Field(
        default_factory=list, description="Environments whose endpoints must not appear."
    )
    deny_hosts: list[Text] = Field(
        default_factory=list, description="Host patterns that must not appear ('*.labs.x.io')."
    )


class Environment(Rule):
    id: Id
    name: str = ""
    purpose: str = ""
    branches: list[BranchGlob] = Field(
        default_factory=list,
        description="Branches that may deploy here (GitHub globs: '*' stops at '/').",
    )
    tags: list[BranchGlob] = Field(default_factory=list, description="Tags that may deploy here.")
    promotes_from: Id | None = Field(None, description="The environment a release must pass first.")
    endpoints: list[Text] = Field(
        default_factory=list, description="Host patterns that belong to this environment."
    )
    data: DataRules | None = None
    persistence: Persistence | None = None
    access: EnvironmentAccess | None = None
    fences: list[Fence] = Field(default_factory=list)
    reset: Reset | None = None
    records: dict[Id, str] = Field(
        default_factory=dict, description="Facts to show: account, URL, database, cache ..."
    )
    stability: str = Field("", description="The promise in words: 'best effort', '99.9% SLA'.")


class Deployable(Rule):
    id: Id
    name: str = ""
    source: list[PathGlob] = Field(default_factory=list, description="Source paths in the repo.")
    artifact: Literal[
        "image", "static", "binary", "package", "function", "database", "service", "config"
    ]
    criticality: Literal["critical", "high", "medium", "low"] = "medium"
    tier: str = Field("", description="The team's own label for the criticality, e.g. 'P0'.")
    technology: str = ""
    owners: list[Text] = Field(default_factory=list)
    environments: list[Id] = Field(
        default_factory=list, description="Where it is deployed; empty means every environment."
    )
    versioned: StrictBool = True
    monitored: StrictBool = True


# ---------------------------------------------------------------------------------------------
# gates: an ordered list of typed checks
# ---------------------------------------------------------------------------------------------

MaxSeverity = Literal["none", "info", "low", "medium", "high", "critical"]


class GateBase(Rule):
    id: Id
    environments: list[Id] = Field(
        default_factory=list, description="Environments it guards; empty means every one."
    )
    deployables: list[Id] = Field(
        default_factory=list, description="Deployables it applies to; empty means every one."
    )
    stage: Literal["pre-merge", "pre-deploy", "post-deploy"] = "pre-deploy"
    blocking: StrictBool = Field(True, description="False makes the check advisory.")
    source: Id | None = Field(
        None,
        description="The named source of its facts (e.g. 'remote-ci'); when that source is "
        "unavailable the check is `owed`.",
    )
    owed: Literal["block", "pass_with_debt"] = Field(
        "block",
        description="While the source is unavailable: block, or pass and record a debt that "
        "stays listed until a later decision settles it.",
    )
    max_age: Duration | None = Field(None, description="Evidence older than this is an error.")


class TestsPassParams(_Model):
    suites: list[Text] = Field(
        default_factory=list, description="Test suites that must be present; empty means any."
    )
    workflow: str = Field("", description="The CI workflow whose results count.")
    min_tests: Count = Field(1, description="Fewer test cases than this is an error.")
    pass_rate: Percent = Field(100, description="Share of executed tests that must pass.")
    skips: Literal["allow", "fail"] = "allow"
    flaky: Literal["fail", "pass", "warn"] = Field(
        "fail", description="A test that failed and then passed on rerun."
    )


class TestsPassGate(GateBase):
    type: Literal["tests_pass"]
    params: TestsPassParams = Field(default_factory=TestsPassParams)


class ScanPart(_Model):
    required: StrictBool = Field(True, description="Missing evidence of this kind is an error.")
    max_severity: MaxSeverity = Field(
        "medium", description="Highest severity allowed; 'medium' means no high or critical."
    )
    max_findings: Count | None = Field(None, description="Most findings allowed, any severity.")
    new_only: StrictBool = Field(False, description="Count only findings new to the baseline.")
    tools: list[Text] = Field(default_factory=list, description="Tools whose reports count.")


def _default_lifetimes() -> dict[Severity, Duration]:
    return {
        "critical": Duration.parse("7d"),
        "high": Duration.parse("30d"),
        "medium": Duration.parse("90d"),
        "low": Duration.parse("180d"),
        "info": Duration.parse("365d"),
    }


ScopeKey = Literal["tenant", "repository"]
RollbackTrigger = Literal["analysis_failed", "smoke_failed", "health_failed", "slo_breach"]


def _both_scopes() -> list[ScopeKey]:
    return ["tenant", "repository"]


def _default_rollback_triggers() -> list[RollbackTrigger]:
    return ["analysis_failed", "smoke_failed", "health_failed"]


class WaiverRules(_Model):
    max_lifetime: dict[Severity, Duration] = Field(
        default_factory=_default_lifetimes,
        description="Longest a waiver may last, by the severity of what it waives.",
    )
    approver_roles: list[Id] = Field(default_factory=list, description="Who may approve waivers.")
    file: str = Field("", description="A waivers file, relative to the evidence directory.")


class SecurityParams(_Model):
    sast: ScanPart | None = None
    sca: ScanPart | None = None
    secrets: ScanPart | None = None
    unknown_severity: Literal["critical", "high", "medium", "low"] = Field(
        "high", description="Severity given to findings no source could rate (fails closed)."
    )
    accept_native_suppressions: list[Text] = Field(
        default_factory=list,
        description="Tools whose own suppressions (nosec, SARIF suppressions, baselines) count.",
    )
    waivers: WaiverRules = Field(default_factory=WaiverRules)


class SecurityGate(GateBase):
    type: Literal["security"]
    params: SecurityParams


class Command(_Model):
    name: Id
    run: Text = Field(description="The command line, run by `golive gate --run`.")
    timeout: Duration = Field(default_factory=lambda: Duration.parse("10m"))
    cwd: str = ""


class CommandPassedParams(_Model):
    commands: list[Command] = Field(min_length=1)


class CommandPassedGate(GateBase):
    type: Literal["command_passed"]
    params: CommandPassedParams


class BranchParams(_Model):
    require_tag: StrictBool = Field(False, description="Only tagged commits may deploy.")


class BranchGate(GateBase):
    type: Literal["branch"]
    params: BranchParams = Field(default_factory=BranchParams)


class SemverParams(_Model):
    tag_prefix: str = "v"
    breaking_requires_major: StrictBool = True
    allow_prerelease: StrictBool = False


class SemverGate(GateBase):
    type: Literal["semver"]
    params: SemverParams = Field(default_factory=SemverParams)


class ApprovalsParams(_Model):
    rule: Id = Field(description="The approval rule (in `approvals`) to enforce.")


class ApprovalsGate(GateBase):
    type: Literal["approvals"]
    params: ApprovalsParams


class SignedCommitsParams(_Model):
    allowed_signers: str = Field("", description="An SSH allowed_signers file.")
    gpg_keyring: str = Field("", description="A GPG public keyring.")
    range: Literal["merge_base", "pull_request"] = "merge_base"
    allow_web_flow: StrictBool = Field(
        False, description="Accept merge commits signed by the forge's web-flow key."
    )


class SignedCommitsGate(GateBase):
    type: Literal["signed_commits"]
    params: SignedCommitsParams


class PromotionParams(_Model):
    from_environment: Id = Field(
        alias="from", description="The environment the same artifact must have passed."
    )
    same_digest: StrictBool = True
    soak: Duration | None = Field(None, description="How long tests must keep passing there.")
    suite: str = Field("", description="The test suite whose runs cover the soak.")
    max_gap: Duration | None = Field(None, description="Longest allowed gap between runs.")
    naive_timestamps: Literal["reject", "utc"] = Field(
        "reject", description="Timestamps without an offset: an error, or read as UTC."
    )


class PromotionGate(GateBase):
    type: Literal["promotion"]
    params: PromotionParams


class ApiDocsParams(_Model):
    public_api: list[PathGlob] = Field(min_length=1, description="Files that make the public API.")
    schemas: list[PathGlob] = Field(min_length=1, description="OpenAPI or GraphQL schema files.")
    breaking_requires_major: StrictBool = True


class ApiDocsGate(GateBase):
    type: Literal["api_docs"]
    params: ApiDocsParams


class ScheduleParams(_Model):
    windows: list[Id] = Field(default_factory=list, description="Allowed deployment windows.")
    freezes: list[Id] = Field(default_factory=list, description="Freezes that block deploys.")


class ScheduleGate(GateBase):
    type: Literal["schedule"]
    params: ScheduleParams


class ChecklistParams(_Model):
    checklist: Id


class ChecklistGate(GateBase):
    type: Literal["checklist"]
    params: ChecklistParams


class ConfigScanParams(_Model):
    paths: list[PathGlob] = Field(min_length=1, description="Configuration files to scan.")
    fences: StrictBool = Field(True, description="Check the environment's fences.")
    data_markers: StrictBool = Field(True, description="Check for mock-data and test markers.")


class ConfigScanGate(GateBase):
    type: Literal["config_scan"]
    params: ConfigScanParams


class FeatureFlagsParams(_Model):
    file: Text = Field(description="Flag definitions in flagd's JSON format.")


class FeatureFlagsGate(GateBase):
    type: Literal["feature_flags"]
    params: FeatureFlagsParams


class AuditEventsParams(_Model):
    flows: list[Text] = Field(min_length=1, description="Critical flows that must emit events.")
    require_fields: list[Text] = Field(default_factory=lambda: ["correlation_id"])


class AuditEventsGate(GateBase):
    type: Literal["audit_events"]
    params: AuditEventsParams


class BackupRecentParams(_Model):
    backup: Id = Field(description="The backup (in `backups`) that must have completed.")
    within: Duration = Field(description="How recent the last verified backup must be.")


class BackupRecentGate(GateBase):
    type: Literal["backup_recent"]
    params: BackupRecentParams


class OpenBugsParams(_Model):
    max_severity: MaxSeverity = Field("high", description="Highest open bug severity allowed.")
    labels: list[Text] = Field(default_factory=list, description="Labels that mark bugs.")


class OpenBugsGate(GateBase):
    type: Literal["open_bugs"]
    params: OpenBugsParams = Field(default_factory=OpenBugsParams)


class PublishRecordsParams(_Model):
    require_idempotency_key: StrictBool = True
    require_scope: list[ScopeKey] = Field(default_factory=_both_scopes)


class PublishRecordsGate(GateBase):
    type: Literal["publish_records"]
    params: PublishRecordsParams = Field(default_factory=PublishRecordsParams)


Gate = Annotated[
    TestsPassGate
    | SecurityGate
    | CommandPassedGate
    | BranchGate
    | SemverGate
    | ApprovalsGate
    | SignedCommitsGate
    | PromotionGate
    | ApiDocsGate
    | ScheduleGate
    | ChecklistGate
    | ConfigScanGate
    | FeatureFlagsGate
    | AuditEventsGate
    | BackupRecentGate
    | OpenBugsGate
    | PublishRecordsGate,
    Field(discriminator="type"),
]

# ---------------------------------------------------------------------------------------------
# approvals, checklists, overrides
# ---------------------------------------------------------------------------------------------


class RoleQuota(_Model):
    role: Id
    min: Positive = 1


class ApprovalRule(Rule):
    id: Id
    min_approvals: Count = Field(1, description="Distinct human approvers, author excluded.")
    code_owners: Literal["none", "any", "each_domain"] = Field(
        "none",
        description="'any': at least one code owner of the change; 'each_domain': an owner "
        "of every owned path the change touches.",
    )
    min_code_owner_approvals: Positive = 1
    unowned_paths: Literal["allow", "block"] = Field(
        "allow", description="Files no CODEOWNERS line owns (or an owner-less line matches)."
    )
    roles: list[RoleQuota] = Field(default_factory=list, description="Approvals by role.")
    exclude_author: StrictBool = True
    exclude_bots: StrictBool = True
    require_fresh: StrictBool = Field(True, description="Only approvals on the head commit count.")
    codeowners_from: Literal["base", "head"] = "base"


class ChecklistItem(Rule):
    id: Id
    roles: list[Id] = Field(min_length=1, description="Any one of these roles may sign it off.")
    link: Literal["required", "optional", "none"] = Field(
        "optional", description="Whether a sign-off must link a ticket, runbook or report."
    )
    author_may_sign: StrictBool = Field(False, description="The release's author may sign.")


class Checklist(Rule):
    id: Id
    stage: Literal["pre-deploy", "deploy", "post-deploy"] = "pre-deploy"
    environments: list[Id] = Field(default_factory=list)
    items: list[ChecklistItem] = Field(min_length=1)


class LinkedIssue(_Model):
    system: Text = Field(description="Where the issue lives, e.g. 'jira'.")
    pattern: Regex = Field(description="A regular expression the issue key must match.")


class Override(Rule):
    """The emergency path: which failing gates may be overridden, and what it takes."""

    id: Id
    gates: list[Id] = Field(min_length=1, description="Gates it may override.")
    incident_severities: list[Id] = Field(
        min_length=1, description="An incident of one of these severities must be active."
    )
    approver_roles: list[Id] = Field(min_length=1)
    linked_issue: LinkedIssue | None = None
    commit_tag: str = Field("", description="A tag the merge commit message must carry.")
    admin_merge: StrictBool = False
    max_validity: Duration = Field(description="How long an override stays valid.")
    follow_up: Duration | None = Field(None, description="When the debt must be resolved.")


# ---------------------------------------------------------------------------------------------
# rollouts, windows, freezes
# ---------------------------------------------------------------------------------------------


class Condition(_Model):
    metric: Text
    aggregation: Literal[
        "ratio", "rate", "count", "value", "avg", "min", "max", "p50", "p90", "p95", "p99"
    ] = "value"
    op: Literal[">", ">=", "<", "<="]
    threshold: Quantity
    window: Duration
    min_events: Count | None = Field(None, description="Fewer events than this: no verdict.")


class AnalysisMetric(_Model):
    name: Id
    slo: Id | None = None
    alert: Id | None = None
    fail_when: Condition | None = None
    failure_limit: Count = 0
    inconclusive_limit: Count = 0
    consecutive_error_limit: Count = 4
    on_no_data: Literal["fail", "pass", "inconclusive"] = "inconclusive"


class Step(_Model):
    weight: Annotated[StrictInt, Field(ge=0, le=100)] = Field(description="Traffic percent.")
    pause: Duration | None = Field(None, description="How long to hold before the next step.")
    manual: StrictBool = Field(False, description="Wait for a person to promote.")
    checks: list[Text] = Field(default_factory=list, description="Checks run at this step.")


class Rollback(Rule):
    automatic: StrictBool = True
    on: list[RollbackTrigger] = Field(default_factory=_default_rollback_triggers)
    manual: Literal["one_click", "none"] = "one_click"
    target: Literal["previous", "last_known_good"] = "previous"


class PostDeployPhase(Rule):
    id: Id
    start: Duration
    end: Duration
    checks: list[Text] = Field(default_factory=list)
    slos: list[Id] = Field(default_factory=list)
    alerts: list[Id] = Field(default_factory=list)


class RolloutPlan(Rule):
    id: Id
    environments: list[Id] = Field(min_length=1)
    deployables: list[Id] = Field(default_factory=list)
    strategy: Literal["blue_green", "canary"]
    trigger: Literal["manual", "automatic"] = "automatic"
    triggered_by: list[Id] = Field(default_factory=list, description="Roles that may start it.")
    windows: list[Id] = Field(default_factory=list, description="Windows it must start in.")
    health_checks: list[Text] = Field(default_factory=list)
    smoke_tests: list[Text] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    analysis_interval: Duration = Field(default_factory=lambda: Duration.parse("1m"))
    analysis: list[AnalysisMetric] = Field(default_factory=list)
    on_inconclusive: Literal["pause", "fail", "pass"] = "pause"
    progress_deadline: Duration = Field(default_factory=lambda: Duration.parse("10m"))
    rollback: Rollback = Field(default_factory=Rollback)
    post_deploy: list[PostDeployPhase] = Field(default_factory=list)


class Window(Rule):
    """A recurring time when deploys may happen, on a calendar's time zone or an explicit one."""

    id: Id
    calendar: Id | None = None
    timezone: TimeZone | None = None
    days: list[Weekday] = Field(min_length=1)
    start: ClockTime
    end: ClockTime = Field(description="May be earlier than start: the window crosses midnight.")
    environments: list[Id] = Field(default_factory=list)


class Freeze(Rule):
    """A period when deploys are blocked (a sprint lock, a holiday freeze)."""

    id: Id
    start: AwareDatetime
    end: AwareDatetime
    environments: list[Id] = Field(default_factory=list)
    branches: list[BranchGlob] = Field(
        default_factory=list, description="Only these branches are frozen; empty means all."
    )
    reason: str = ""


# ---------------------------------------------------------------------------------------------
# SLOs and alerts
# ---------------------------------------------------------------------------------------------


class RatioSli(_Model):
    kind: Literal["ratio"]
    good: Text = Field(description="The metric or event that counts good events.")
    total: Text = Field(description="The metric or event that counts all valid events.")


class LatencySli(_Model):
    kind: Literal["latency"]
    metric: Text
    threshold: Quantity = Field(description="Events at or under this latency are good.")


class FreshnessSli(_Model):
    kind: Literal["freshness"]
    metric: Text
    within: Duration = Field(description="An event is good if visible downstream within this.")


class ProbeSli(_Model):
    kind: Literal["probe"]
    probe: Text = Field(description="A synthetic check; each run is good or bad.")
    interval: Duration = Field(default_factory=lambda: Duration.parse("1m"))


class IncidentSli(_Model):
    kind: Literal["incidents"]
    severities: list[Id] = Field(min_length=1)
    category: Text = Field(description="Incidents of this category count as bad.")
    max_unresolved: Count = 0


Sli = Annotated[
    RatioSli | LatencySli | FreshnessSli | ProbeSli | IncidentSli, Field(discriminator="kind")
]


class BurnRateTier(_Model):
    name: Id
    long: Duration
    short: Duration | None = Field(None, description="Defaults to long / 12.")
    factor: Annotated[StrictFloat | StrictInt, Field(gt=0)]
    severity: Severity
    page: StrictBool = False


class SloAlerting(_Model):
    burn_rates: list[BurnRateTier] = Field(default_factory=list)
    workbook: StrictBool = Field(
        False, description="Use the SRE Workbook tiers (14.4/6 page, 3/1 ticket)."
    )
    min_events: Count = Field(0, description="Fewer events in a window: no alert.")
    no_data: Literal["ok", "alert"] = "ok"


class BudgetPolicy(_Model):
    freeze_below: Percent | None = Field(
        None, description="Block releases while less than this much budget remains."
    )
    approval_below: Percent | None = None
    approver_roles: list[Id] = Field(default_factory=list)


class Slo(Rule):
    id: Id
    deployables: list[Id] = Field(default_factory=list)
    environments: list[Id] = Field(default_factory=list)
    sli: Sli
    objective: Annotated[StrictFloat | StrictInt, Field(gt=0, le=100)] = Field(
        description="Target percent of good events (or windows), e.g. 99.9."
    )
    window: Duration = Field(description="Rolling window (30d) or calendar month (1mo).")
    calendar: Id | None = Field(None, description="Calendar for calendar windows and `during`.")
    during: Literal["always", "business_hours"] = "always"
    alerting: SloAlerting | None = None
    budget_policy: BudgetPolicy | None = None


class ThresholdCondition(Condition):
    kind: Literal["threshold"]


class AbsenceCondition(_Model):
    kind: Literal["absence"]
    metric: Text = Field(description="The success event whose absence matters.")
    window: Duration
    only_when: str = Field("", description="Only while this signal is active.")
    per: list[Text] = Field(default_factory=list, description="Labels to evaluate per value.")


class EventCondition(_Model):
    kind: Literal["event"]
    event: Text
    min_count: Positive = 1
    window: Duration | None = None


class SloWindowsCondition(_Model):
    kind: Literal["slo_windows"]
    slo: Id
    consecutive: Positive = 2
    window: Duration


AlertCondition = Annotated[
    ThresholdCondition | AbsenceCondition | EventCondition | SloWindowsCondition,
    Field(discriminator="kind"),
]


class Alert(Rule):
    id: Id
    severity: Severity
    label: str = Field("", description="The team's own name for the severity, e.g. 'P1'.")
    page: StrictBool = False
    escalation: Id | None = None
    deployables: list[Id] = Field(default_factory=list)
    condition: AlertCondition
    for_: Duration | None = Field(None, alias="for", description="Pending time before firing.")
    keep_firing_for: Duration | None = None


# ---------------------------------------------------------------------------------------------
# incidents and escalation
# ---------------------------------------------------------------------------------------------


class ResponseClocks(_Model):
    detect: Duration | None = Field(None, description="Impact start to trigger.")
    acknowledge: Duration | None = None
    mitigate: Duration | None = Field(None, description="Trigger to mitigation started.")
    status_updates: Duration | None = Field(None, description="Interval between updates.")
    resolve: Duration | None = None
    rca: Duration | None = Field(None, description="Resolution to RCA published.")
    postmortem: Duration | None = Field(None, description="Resolution to post-mortem held.")


class IncidentSeverity(Rule):
    id: Id
    aliases: list[Id] = Field(default_factory=list, description="Other names, e.g. 'P0'.")
    examples: list[Text] = Field(default_factory=list)
    clocks: ResponseClocks = Field(default_factory=ResponseClocks)
    page: StrictBool = False
    escalation: Id | None = None
    fix: str = Field("", description="The commitment for a fix, in words.")


class CriticalPath(Rule):
    id: Id
    flows: list[Text] = Field(min_length=1)
    severity_on_failure: Id


class Incidents(Rule):
    calendar: Id | None = Field(None, description="Calendar for business-day clocks.")
    severities: list[IncidentSeverity] = Field(min_length=1, description="Worst first.")
    declare_in: str = Field("", description="The paging system where incidents are declared.")
    timeline: StrictBool = False
    action_items: StrictBool = False
    critical_paths: list[CriticalPath] = Field(default_factory=list)


class EscalationLevel(_Model):
    targets: list[Text] = Field(min_length=1)
    delay: Duration = Field(description="How long unacknowledged before the next level.")


class Escalation(Rule):
    id: Id
    levels: list[EscalationLevel] = Field(min_length=1)
    loops: Count = 0
    documented_at: str = ""


# ---------------------------------------------------------------------------------------------
# audit, retention, backups
# ---------------------------------------------------------------------------------------------


class Audit(Rule):
    record: list[Text] = Field(
        default_factory=lambda: ["all"], description="Actions recorded; 'all' for every one."
    )
    correlation_id: StrictBool = True
    publish_attempts: StrictBool = False
    access_logs: Literal["open", "restricted"] = "restricted"


class RetentionRule(Rule):
    id: Id
    data: Text = Field(description="What is kept: audit log, application logs, ...")
    hot: Duration
    cold: Duration | None = None
    worm: StrictBool = False
    storage: str = ""
    per_tenant: StrictBool = False
    personal_fields: list[Text] = Field(default_factory=list)
    erasure: Literal["none", "delete", "crypto_shred", "salted_hash"] = "none"


class BackupSchedule(_Model):
    kind: Literal["full", "incremental", "snapshot", "log"]
    every: Duration | Literal["continuous"]


class DisasterRecovery(Rule):
    plan: str = ""
    drill_every: Duration | None = None
    standby_region: str = ""


class Backup(Rule):
    id: Id
    deployables: list[Id] = Field(default_factory=list)
    rpo: Duration
    rto: Duration
    point_in_time: StrictBool = False
    schedule: list[BackupSchedule] = Field(min_length=1)
    retention: Duration | None = None
    verify_every: Duration | None = None
    dr: DisasterRecovery | None = None


# ---------------------------------------------------------------------------------------------
# access, flags, ingestion, reviews
# ---------------------------------------------------------------------------------------------


class Grant(Rule):
    role: Id
    environment: Id
    level: Literal["none", "read", "limited_read", "deploy", "full"]
    when: Literal["always", "incident", "emergency", "jit"] = "always"
    via: list[Text] = Field(default_factory=list)


class Jit(Rule):
    environments: list[Id] = Field(min_length=1)
    max_duration: Duration
    approver_roles: list[Id] = Field(min_length=1)


class Breakglass(Rule):
    roles: list[Id] = Field(min_length=1)
    max_duration: Duration
    requires_incident: StrictBool = True
    review_within: Duration | None = None
    notify: list[Text] = Field(default_factory=list)


class DatabaseAccess(Rule):
    direct: Literal["none", "read_replica", "read", "write"] = "none"
    mutations_require: list[Literal["ticket", "peer_review"]] = Field(default_factory=list)


class Access(Rule):
    grants: list[Grant] = Field(default_factory=list)
    mfa: list[Id] = Field(default_factory=list, description="Environments that require MFA.")
    identity: list[Literal["rbac", "oidc", "sso"]] = Field(default_factory=list)
    jit: Jit | None = None
    breakglass: Breakglass | None = None
    database: DatabaseAccess | None = None
    ssh: Literal["none", "emergency", "allowed"] = "none"
    bastion_ip_restricted: StrictBool = False
    direct_changes: Literal["prohibited", "allowed"] = "prohibited"


class FlagRule(Rule):
    environment: Id
    risky_default: Literal["off", "any"] = "off"
    experimental: Literal["disabled", "allowed"] = "disabled"
    beta: Literal["segments_only", "allowed", "disabled"] = "segments_only"
    require_kill_switch: StrictBool = True
    category_key: Text = Field("category", description="Flag metadata key naming the category.")


class Flags(Rule):
    file: str = Field("", description="Default flagd definitions file.")
    rules: list[FlagRule] = Field(min_length=1)


class Ingestion(Rule):
    require_scope: list[ScopeKey] = Field(default_factory=_both_scopes)
    require_idempotency_key: StrictBool = True
    auth_before_transport: StrictBool = True
    local_authoritative: StrictBool = Field(
        True, description="When the server is down, the local decision stands and is queued."
    )


class Review(Rule):
    id: Id
    every: Duration
    topics: list[Text] = Field(min_length=1)
    owner: Id | None = Field(None, description="The role that holds the review.")
    slos: list[Id] = Field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# the policy
# ---------------------------------------------------------------------------------------------


class Policy(_Model):
    """A Definition of Production: everything a release must satisfy, and after."""

    api_version: Literal["golive/v1"] = Field(alias="apiVersion")
    kind: Literal["Policy"] = "Policy"
    metadata: Metadata
    controls: list[Control] = Field(
        default_factory=list, description="The catalog of rules this policy carries out."
    )
    calendars: list[Calendar] = Field(default_factory=list)
    roles: list[Role] = Field(default_factory=list)
    environments: list[Environment] = Field(min_length=1)
    deployables: list[Deployable] = Field(default_factory=list)
    gates: list[Gate] = Field(default_factory=list)
    approvals: list[ApprovalRule] = Field(default_factory=list)
    checklists: list[Checklist] = Field(default_factory=list)
    overrides: list[Override] = Field(default_factory=list)
    rollouts: list[RolloutPlan] = Field(default_factory=list)
    windows: list[Window] = Field(default_factory=list)
    freezes: list[Freeze] = Field(default_factory=list)
    slos: list[Slo] = Field(default_factory=list)
    alerts: list[Alert] = Field(default_factory=list)
    incidents: Incidents | None = None
    escalations: list[Escalation] = Field(default_factory=list)
    audit: Audit | None = None
    retention: list[RetentionRule] = Field(default_factory=list)
    backups: list[Backup] = Field(default_factory=list)
    access: Access | None = None
    flags: Flags | None = None
    ingestion: Ingestion | None = None
    reviews: list[Review] = Field(default_factory=list)

    def environment(self, env_id: str) -> Environment | None:
        return next((e for e in self.environments if e.id == env_id), None)


def gate_types() -> dict[str, type[GateBase]]:
    """Every gate type by its ``type`` tag."""
    return {
        cls.model_fields["type"].annotation.__args__[0]: cls  # type: ignore[union-attr]
        for cls in GateBase.__subclasses__()
    }


def severity_rank(name: str) -> int:
    """Position of a severity on the ``none < info < ... < critical`` ladder."""
    return SEVERITY_ORDER.index(name)
