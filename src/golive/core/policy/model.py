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
ToolVersion = Annotated[
    str,
    StringConstraints(pattern=r"^v?[0-9]+(\.[0-9]+)*(-[0-9A-Za-z.-]+)?$"),
    Field(description="A tool's version: numbers separated by dots, e.g. '1.30.0' or 'v8.26'."),
]


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
    controls: list[ControlId] = Field(
        default_factory=list,
        description="The control ids these owners carry out (e.g. a named-owner rule); each must "
        "be "
        "in `controls`.",
    )


class Scope(Rule):
    """Where the policy applies, when it applies only to part of the work."""

    branches: list[BranchGlob] = Field(
        default_factory=list, description="Branches this policy governs; empty means all."
    )
    when: str = Field("", description="A condition in words, e.g. 'SaaS ingestion enabled'.")


class Metadata(_Model):
    name: Id = Field(description="The policy's id, used by the server and in decisions.")
    title: str = Field("", description="The product or document this policy stands for.")
    description: str = Field("", description="What the policy covers, in the team's own words.")
    source: str = Field("", description="Where the written Definition of Production lives.")
    owners: Owners | None = Field(
        None, description="Who owns the policy; absent means no owners are named."
    )
    scope: Scope | None = Field(
        None,
        description="Where the policy applies when it covers only part of the work; absent means "
        "it "
        "applies everywhere.",
    )
    labels: dict[Id, str] = Field(
        default_factory=dict,
        description="Free-form key-value labels for your own grouping; golive does not act on "
        "them.",
    )


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

    id: ControlId = Field(
        description="The control's id, e.g. IG-SEC-1; rules cite it in their `controls` list."
    )
    title: Text = Field(description="The rule as the definition states it.")
    how: list[How] = Field(
        default_factory=list, description="How golive carries it (gate, attest, slo, ...)."
    )
    source: str = Field("", description="Where in the written definition it comes from.")


class BusinessHours(_Model):
    start: ClockTime = Field(
        description="When business hours begin, HH:MM local time on a 24-hour clock."
    )
    end: ClockTime = Field(
        description="When business hours end, HH:MM local time; must be after `start` (24:00 for "
        "midnight)."
    )


class Calendar(_Model):
    """A working calendar: business hours, business days and their conventions.

    Business-day durations (``5bd``) count whole business days *after* the start
    date by default; a start on a weekend or holiday first rolls forward; the
    deadline is the end of the last business day (the next local midnight).
    """

    id: Id = Field(description="The calendar's id; windows, SLOs and `incidents.calendar` name it.")
    title: str = Field("", description="A short name people will read in explanations.")
    timezone: TimeZone = Field(
        description="The IANA time zone its dates and hours are read in, e.g. 'Europe/Berlin'."
    )
    workdays: list[Weekday] = Field(
        default_factory=lambda: list(WEEKDAYS[:5]),
        description="The business days of the week; defaults to mon to fri.",
    )
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

    id: Id = Field(
        description="The role's id; approvals, checklists, access rules and overrides name it."
    )
    title: str = Field("", description="A short name people will read in explanations.")
    description: str = Field("", description="What people in this role are responsible for.")
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
    personal_data: Literal["allowed", "forbidden"] = Field(
        "allowed", description="Whether personal data (PII) may be held here; 'allowed' by default."
    )
    capabilities_only_here: list[Text] = Field(
        default_factory=list,
        description="Capabilities isolated to this environment (e.g. untrusted LLMs).",
    )


class Persistence(Rule):
    kind: Literal["permanent", "transient", "ephemeral"] = Field(
        description="How long data lives: 'permanent' (kept), 'transient' (kept for `retention`) "
        "or "
        "'ephemeral' (may be lost at any reset)."
    )
    worm: StrictBool = Field(False, description="Write once, read many: nothing is rewritten.")
    retention: Duration | None = Field(None, description="How long data is kept.")


class Reset(Rule):
    every: Duration | None = Field(None, description="How often the environment is reset.")
    may_purge: StrictBool = Field(False, description="May be purged at any time.")
    instantiated_by: str = Field("", description="The one command that creates it.")


class EnvironmentAccess(Rule):
    level: Literal["strict", "team", "developers", "open"] = Field(
        description="Who may get in: 'strict' (only through approved, time-limited access), 'team' "
        "(team members), 'developers', or 'open' (anyone)."
    )
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
    id: Id = Field(
        description="The environment's id, e.g. 'production'; every other section names "
        "environments by it."
    )
    name: str = Field("", description="A readable name for the environment.")
    purpose: str = Field("", description="What the environment is for, in words.")
    branches: list[BranchGlob] = Field(
        default_factory=list,
        description="Branches that may deploy here (GitHub globs: '*' stops at '/').",
    )
    tags: list[BranchGlob] = Field(default_factory=list, description="Tags that may deploy here.")
    promotes_from: Id | None = Field(None, description="The environment a release must pass first.")
    endpoints: list[Text] = Field(
        default_factory=list, description="Host patterns that belong to this environment."
    )
    data: DataRules | None = Field(
        None, description="What data it may hold; absent means no data rules."
    )
    persistence: Persistence | None = Field(
        None, description="How long its data lives; absent means not stated."
    )
    access: EnvironmentAccess | None = Field(
        None, description="Who may get in and how; absent means not stated here."
    )
    fences: list[Fence] = Field(
        default_factory=list,
        description="Connections it must never make; `config_scan` gates scan its configuration "
        "for "
        "them. Empty means none.",
    )
    reset: Reset | None = Field(
        None, description="How it is reset, purged or recreated; absent means no reset rules."
    )
    records: dict[Id, str] = Field(
        default_factory=dict, description="Facts to show: account, URL, database, cache ..."
    )
    stability: str = Field("", description="The promise in words: 'best effort', '99.9% SLA'.")


class Deployable(Rule):
    id: Id = Field(
        description="The deployable's id; gates, rollouts, SLOs, alerts and backups name it."
    )
    name: str = Field("", description="A readable name for the deployable.")
    source: list[PathGlob] = Field(default_factory=list, description="Source paths in the repo.")
    artifact: Literal[
        "image", "static", "binary", "package", "function", "database", "service", "config"
    ] = Field(
        description="What it ships as: a container image, static files, a binary, a package, a "
        "function, a database, a service or configuration."
    )
    criticality: Literal["critical", "high", "medium", "low"] = Field(
        "medium",
        description="How critical it is: 'critical', 'high', 'medium' (the default) or 'low'.",
    )
    tier: str = Field("", description="The team's own label for the criticality, e.g. 'P0'.")
    technology: str = Field(
        "", description="What it is built with, e.g. 'Node.js' or 'PostgreSQL 16'; shown only."
    )
    owners: list[Text] = Field(default_factory=list, description="Teams or people who own it.")
    environments: list[Id] = Field(
        default_factory=list, description="Where it is deployed; empty means every environment."
    )
    versioned: StrictBool = Field(
        True, description="Every release of it is a versioned, immutable artifact; true by default."
    )
    monitored: StrictBool = Field(
        True, description="It is monitored wherever it is deployed; true by default."
    )


# ---------------------------------------------------------------------------------------------
# gates: an ordered list of typed checks
# ---------------------------------------------------------------------------------------------

MaxSeverity = Literal["none", "info", "low", "medium", "high", "critical"]


class GateBase(Rule):
    id: Id = Field(description="The gate's id, unique among gates; overrides name gates by it.")
    environments: list[Id] = Field(
        default_factory=list, description="Environments it guards; empty means every one."
    )
    deployables: list[Id] = Field(
        default_factory=list, description="Deployables it applies to; empty means every one."
    )
    stage: Literal["pre-merge", "pre-deploy", "post-deploy"] = Field(
        "pre-deploy",
        description="When the check runs: 'pre-merge', 'pre-deploy' (the default) or "
        "'post-deploy'.",
    )
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
    skips: Literal["allow", "fail"] = Field(
        "allow",
        description="What a skipped test does: 'allow' (the default) ignores it, 'fail' fails the "
        "check.",
    )
    flaky: Literal["fail", "pass", "warn"] = Field(
        "fail", description="A test that failed and then passed on rerun."
    )


class TestsPassGate(GateBase):
    type: Literal["tests_pass"] = Field(description="Selects the tests_pass check.")
    params: TestsPassParams = Field(
        default_factory=TestsPassParams,
        description="Parameters of the tests_pass check; may be omitted, every one has a default.",
    )


class ScanPart(_Model):
    required: StrictBool = Field(True, description="Missing evidence of this kind is an error.")
    max_severity: MaxSeverity = Field(
        "medium", description="Highest severity allowed; 'medium' means no high or critical."
    )
    max_findings: Count | None = Field(None, description="Most findings allowed, any severity.")
    new_only: StrictBool = Field(False, description="Count only findings new to the baseline.")
    tools: list[Text] = Field(default_factory=list, description="Tools whose reports count.")
    min_versions: dict[Text, ToolVersion] = Field(
        default_factory=dict,
        description="The oldest version of each tool whose report counts, by tool name "
        '(case-insensitive), e.g. `{trivy: "0.56.0"}`: a report from an older version, or '
        "one that does not say its version, is an error naming both versions (upgrades flip "
        "verdicts). Quote versions so YAML keeps them as text.",
    )


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
    sast: ScanPart | None = Field(
        None,
        description="Limits on static analysis (SAST) findings; absent means SAST is not checked.",
    )
    sca: ScanPart | None = Field(
        None,
        description="Limits on dependency (SCA) findings; absent means dependencies are not "
        "checked.",
    )
    secrets: ScanPart | None = Field(
        None,
        description="Limits on secret-scan findings; absent means secrets are not checked. At "
        "least "
        "one of `sast`, `sca` and `secrets` is required.",
    )
    unknown_severity: Literal["critical", "high", "medium", "low"] = Field(
        "high", description="Severity given to findings no source could rate (fails closed)."
    )
    accept_native_suppressions: list[Text] = Field(
        default_factory=list,
        description="Tools whose own suppressions (nosec, SARIF suppressions, baselines) count.",
    )
    waivers: WaiverRules = Field(
        default_factory=WaiverRules,
        description="How findings may be waived: longest lifetimes, approvers and the waivers "
        "file.",
    )


class SecurityGate(GateBase):
    type: Literal["security"] = Field(description="Selects the security check.")
    params: SecurityParams = Field(description="Parameters of the security check.")


class Command(_Model):
    name: Id = Field(description="The command's id, unique within the gate.")
    run: Text = Field(description="The command line, run by `golive gate --run`.")
    timeout: Duration = Field(
        default_factory=lambda: Duration.parse("10m"),
        description="How long the command may run before it counts as failed; 10m by default.",
    )
    cwd: str = Field(
        "",
        description="The directory to run it in, relative to the repository root; empty means the "
        "root.",
    )


class CommandPassedParams(_Model):
    commands: list[Command] = Field(
        min_length=1, description="The commands that must all succeed (exit 0); at least one."
    )


class CommandPassedGate(GateBase):
    type: Literal["command_passed"] = Field(description="Selects the command_passed check.")
    params: CommandPassedParams = Field(description="Parameters of the command_passed check.")


class BranchParams(_Model):
    require_tag: StrictBool = Field(False, description="Only tagged commits may deploy.")


class BranchGate(GateBase):
    type: Literal["branch"] = Field(description="Selects the branch check.")
    params: BranchParams = Field(
        default_factory=BranchParams,
        description="Parameters of the branch check; may be omitted, every one has a default.",
    )


class SemverParams(_Model):
    tag_prefix: str = Field(
        "v", description="Text before the version in a release tag; 'v' by default (v1.2.3)."
    )
    breaking_requires_major: StrictBool = Field(
        True, description="A breaking change needs a major version bump; true by default."
    )
    allow_prerelease: StrictBool = Field(
        False,
        description="Whether a pre-release version such as 1.2.3-rc.1 may deploy; false by "
        "default.",
    )


class SemverGate(GateBase):
    type: Literal["semver"] = Field(description="Selects the semver check.")
    params: SemverParams = Field(
        default_factory=SemverParams,
        description="Parameters of the semver check; may be omitted, every one has a default.",
    )


class ApprovalsParams(_Model):
    rule: Id = Field(description="The approval rule (in `approvals`) to enforce.")


class ApprovalsGate(GateBase):
    type: Literal["approvals"] = Field(description="Selects the approvals check.")
    params: ApprovalsParams = Field(description="Parameters of the approvals check.")


class SignedCommitsParams(_Model):
    allowed_signers: str = Field("", description="An SSH allowed_signers file.")
    gpg_keyring: str = Field("", description="A GPG public keyring.")
    x509_roots: str = Field(
        "",
        description="x509 root CA certificates (PEM or DER) whose signing certificates count "
        "(gpgsm or smimesign commits); read at the base like the other pinned files.",
    )
    range: Literal["merge_base", "pull_request"] = Field(
        "merge_base",
        description="Which commits must be signed: 'merge_base' (every commit from the merge base "
        "to the head, the default) or 'pull_request' (the pull request's commits).",
    )
    allow_web_flow: StrictBool = Field(
        False, description="Accept merge commits signed by the forge's web-flow key."
    )


class SignedCommitsGate(GateBase):
    type: Literal["signed_commits"] = Field(description="Selects the signed_commits check.")
    params: SignedCommitsParams = Field(description="Parameters of the signed_commits check.")


class PromotionParams(_Model):
    from_environment: Id = Field(
        alias="from", description="The environment the same artifact must have passed."
    )
    same_digest: StrictBool = Field(
        True,
        description="The artifact digest must be the very one deployed there; true by default.",
    )
    soak: Duration | None = Field(None, description="How long tests must keep passing there.")
    suite: str = Field("", description="The test suite whose runs cover the soak.")
    max_gap: Duration | None = Field(None, description="Longest allowed gap between runs.")
    naive_timestamps: Literal["reject", "utc"] = Field(
        "reject", description="Timestamps without an offset: an error, or read as UTC."
    )


class PromotionGate(GateBase):
    type: Literal["promotion"] = Field(description="Selects the promotion check.")
    params: PromotionParams = Field(description="Parameters of the promotion check.")


class ApiDocsParams(_Model):
    public_api: list[PathGlob] = Field(min_length=1, description="Files that make the public API.")
    schemas: list[PathGlob] = Field(min_length=1, description="OpenAPI or GraphQL schema files.")
    breaking_requires_major: StrictBool = Field(
        True, description="A breaking API change needs a major version bump; true by default."
    )


class ApiDocsGate(GateBase):
    type: Literal["api_docs"] = Field(description="Selects the api_docs check.")
    params: ApiDocsParams = Field(description="Parameters of the api_docs check.")


class ScheduleParams(_Model):
    windows: list[Id] = Field(default_factory=list, description="Allowed deployment windows.")
    freezes: list[Id] = Field(default_factory=list, description="Freezes that block deploys.")


class ScheduleGate(GateBase):
    type: Literal["schedule"] = Field(description="Selects the schedule check.")
    params: ScheduleParams = Field(description="Parameters of the schedule check.")


class ChecklistParams(_Model):
    checklist: Id = Field(
        description="The checklist (in `checklists`) whose every item must be signed off."
    )


class ChecklistGate(GateBase):
    type: Literal["checklist"] = Field(description="Selects the checklist check.")
    params: ChecklistParams = Field(description="Parameters of the checklist check.")


class ConfigScanParams(_Model):
    paths: list[PathGlob] = Field(min_length=1, description="Configuration files to scan.")
    fences: StrictBool = Field(True, description="Check the environment's fences.")
    data_markers: StrictBool = Field(True, description="Check for mock-data and test markers.")


class ConfigScanGate(GateBase):
    type: Literal["config_scan"] = Field(description="Selects the config_scan check.")
    params: ConfigScanParams = Field(description="Parameters of the config_scan check.")


class FeatureFlagsParams(_Model):
    file: Text = Field(description="Flag definitions in flagd's JSON format.")


class FeatureFlagsGate(GateBase):
    type: Literal["feature_flags"] = Field(description="Selects the feature_flags check.")
    params: FeatureFlagsParams = Field(description="Parameters of the feature_flags check.")


class AuditEventsParams(_Model):
    flows: list[Text] = Field(min_length=1, description="Critical flows that must emit events.")
    require_fields: list[Text] = Field(
        default_factory=lambda: ["correlation_id"],
        description="Fields every audit event must carry; correlation_id by default.",
    )


class AuditEventsGate(GateBase):
    type: Literal["audit_events"] = Field(description="Selects the audit_events check.")
    params: AuditEventsParams = Field(description="Parameters of the audit_events check.")


class BackupRecentParams(_Model):
    backup: Id = Field(description="The backup (in `backups`) that must have completed.")
    within: Duration = Field(description="How recent the last verified backup must be.")


class BackupRecentGate(GateBase):
    type: Literal["backup_recent"] = Field(description="Selects the backup_recent check.")
    params: BackupRecentParams = Field(description="Parameters of the backup_recent check.")


class OpenBugsParams(_Model):
    max_severity: MaxSeverity = Field("high", description="Highest open bug severity allowed.")
    labels: list[Text] = Field(default_factory=list, description="Labels that mark bugs.")


class OpenBugsGate(GateBase):
    type: Literal["open_bugs"] = Field(description="Selects the open_bugs check.")
    params: OpenBugsParams = Field(
        default_factory=OpenBugsParams,
        description="Parameters of the open_bugs check; may be omitted, every one has a default.",
    )


class PublishRecordsParams(_Model):
    require_idempotency_key: StrictBool = Field(
        True, description="Every published batch must carry an idempotency key; true by default."
    )
    require_scope: list[ScopeKey] = Field(
        default_factory=_both_scopes,
        description="Scope every published batch must name; tenant and repository by default.",
    )


class PublishRecordsGate(GateBase):
    type: Literal["publish_records"] = Field(description="Selects the publish_records check.")
    params: PublishRecordsParams = Field(
        default_factory=PublishRecordsParams,
        description="Parameters of the publish_records check; may be omitted, every one has a "
        "default.",
    )


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
    role: Id = Field(
        description="The role (in `roles`) whose members' approvals count toward this quota."
    )
    min: Positive = Field(
        1, description="Approvals needed from members of that role; 1 by default."
    )


class ApprovalRule(Rule):
    id: Id = Field(description="The rule's id; `approvals` gates name it.")
    min_approvals: Count = Field(1, description="Distinct human approvers, author excluded.")
    code_owners: Literal["none", "any", "each_domain"] = Field(
        "none",
        description="'any': at least one code owner of the change; 'each_domain': an owner "
        "of every owned path the change touches.",
    )
    min_code_owner_approvals: Positive = Field(
        1,
        description="With `code_owners: any`, how many code-owner approvals are needed; 1 by "
        "default.",
    )
    unowned_paths: Literal["allow", "block"] = Field(
        "allow", description="Files no CODEOWNERS line owns (or an owner-less line matches)."
    )
    roles: list[RoleQuota] = Field(default_factory=list, description="Approvals by role.")
    exclude_author: StrictBool = Field(
        True, description="The change's author cannot approve it; true by default."
    )
    exclude_bots: StrictBool = Field(
        True, description="Approvals by bot accounts do not count; true by default."
    )
    require_fresh: StrictBool = Field(True, description="Only approvals on the head commit count.")
    codeowners_from: Literal["base", "head"] = Field(
        "base",
        description="Read CODEOWNERS from the base branch (the default, so a change cannot name "
        "its "
        "own owners) or from the head.",
    )


class ChecklistItem(Rule):
    id: Id = Field(description="The item's id, unique within its checklist.")
    roles: list[Id] = Field(min_length=1, description="Any one of these roles may sign it off.")
    link: Literal["required", "optional", "none"] = Field(
        "optional", description="Whether a sign-off must link a ticket, runbook or report."
    )
    author_may_sign: StrictBool = Field(False, description="The release's author may sign.")


class Checklist(Rule):
    id: Id = Field(description="The checklist's id; `checklist` gates name it.")
    stage: Literal["pre-deploy", "deploy", "post-deploy"] = Field(
        "pre-deploy",
        description="When it must be complete: 'pre-deploy' (the default), 'deploy' or "
        "'post-deploy'.",
    )
    environments: list[Id] = Field(
        default_factory=list, description="Environments it applies to; empty means every one."
    )
    items: list[ChecklistItem] = Field(
        min_length=1, description="The items to sign off; at least one."
    )


class LinkedIssue(_Model):
    system: Text = Field(description="Where the issue lives, e.g. 'jira'.")
    pattern: Regex = Field(description="A regular expression the issue key must match.")


class Override(Rule):
    """The emergency path: which failing gates may be overridden, and what it takes."""

    id: Id = Field(description="The override's id, unique among overrides.")
    gates: list[Id] = Field(min_length=1, description="Gates it may override.")
    incident_severities: list[Id] = Field(
        min_length=1, description="An incident of one of these severities must be active."
    )
    approver_roles: list[Id] = Field(
        min_length=1, description="Roles that may approve the override; at least one."
    )
    linked_issue: LinkedIssue | None = Field(
        None,
        description="An issue that must be linked to track the exception; absent means none is "
        "required.",
    )
    commit_tag: str = Field("", description="A tag the merge commit message must carry.")
    admin_merge: StrictBool = Field(
        False,
        description="Whether an administrator may merge past branch protection under this "
        "override; "
        "false by default.",
    )
    max_validity: Duration = Field(description="How long an override stays valid.")
    follow_up: Duration | None = Field(None, description="When the debt must be resolved.")


# ---------------------------------------------------------------------------------------------
# rollouts, windows, freezes
# ---------------------------------------------------------------------------------------------


class Condition(_Model):
    metric: Text = Field(description="The metric (or query) to evaluate.")
    aggregation: Literal[
        "ratio", "rate", "count", "value", "avg", "min", "max", "p50", "p90", "p95", "p99"
    ] = Field(
        "value",
        description="How the metric is reduced over the window: ratio, rate, count, value (the "
        "latest value, the default), avg, min, max, or a percentile (p50 to p99).",
    )
    op: Literal[">", ">=", "<", "<="] = Field(
        description="The comparison that makes the condition true: metric op threshold."
    )
    threshold: Quantity = Field(
        description="The value compared against: a number, a percentage ('2%') or a latency "
        "('1500ms')."
    )
    window: Duration = Field(description="The span of data each evaluation looks at, e.g. 5m.")
    min_events: Count | None = Field(None, description="Fewer events than this: no verdict.")


class AnalysisMetric(_Model):
    name: Id = Field(description="The metric's id, unique within the rollout.")
    slo: Id | None = Field(
        None, description="An SLO (in `slos`) to measure; a breach counts as a failed measurement."
    )
    alert: Id | None = Field(
        None, description="An alert (in `alerts`) to watch; while it fires, measurements fail."
    )
    fail_when: Condition | None = Field(
        None, description="A condition that, when true, makes a measurement fail."
    )
    failure_limit: Count = Field(
        0, description="Failed measurements tolerated; one more fails the analysis. 0 by default."
    )
    inconclusive_limit: Count = Field(
        0,
        description="Inconclusive measurements tolerated; one more makes the analysis "
        "inconclusive. "
        "0 by default.",
    )
    consecutive_error_limit: Count = Field(
        4,
        description="Measurement errors in a row tolerated (a query that could not run); one more "
        "is an error. 4 by default.",
    )
    on_no_data: Literal["fail", "pass", "inconclusive"] = Field(
        "inconclusive",
        description="How a measurement with no data counts: 'fail', 'pass' or 'inconclusive' (the "
        "default).",
    )


class Step(_Model):
    weight: Annotated[StrictInt, Field(ge=0, le=100)] = Field(description="Traffic percent.")
    pause: Duration | None = Field(None, description="How long to hold before the next step.")
    manual: StrictBool = Field(False, description="Wait for a person to promote.")
    checks: list[Text] = Field(default_factory=list, description="Checks run at this step.")


class Rollback(Rule):
    automatic: StrictBool = Field(
        True,
        description="Roll back without a person when a trigger in `on` fires; true by default.",
    )
    on: list[RollbackTrigger] = Field(
        default_factory=_default_rollback_triggers,
        description="What triggers an automatic rollback; by default failed analysis, smoke tests "
        "or health checks.",
    )
    manual: Literal["one_click", "none"] = Field(
        "one_click",
        description="Whether a person can roll back in one click ('one_click', the default) or not "
        "at all ('none').",
    )
    target: Literal["previous", "last_known_good"] = Field(
        "previous",
        description="What to roll back to: the 'previous' release (the default) or the "
        "'last_known_good' one.",
    )


class PostDeployPhase(Rule):
    id: Id = Field(description="The phase's id, unique within the rollout.")
    start: Duration = Field(
        description="When the phase begins, measured from when the deploy completes, e.g. 0m."
    )
    end: Duration = Field(
        description="When the phase ends, measured from when the deploy completes; after `start`."
    )
    checks: list[Text] = Field(
        default_factory=list,
        description="Checks run during the phase (smoke tests, critical flows, ...).",
    )
    slos: list[Id] = Field(
        default_factory=list, description="SLOs (in `slos`) watched during the phase."
    )
    alerts: list[Id] = Field(
        default_factory=list, description="Alerts (in `alerts`) watched during the phase."
    )


class RolloutPlan(Rule):
    id: Id = Field(description="The plan's id, unique among rollouts.")
    environments: list[Id] = Field(
        min_length=1, description="Environments this plan deploys to; at least one."
    )
    deployables: list[Id] = Field(
        default_factory=list, description="Deployables it applies to; empty means every one."
    )
    strategy: Literal["blue_green", "canary"] = Field(
        description="'blue_green' (switch traffic once the new version is healthy) or 'canary' "
        "(move traffic in `steps`)."
    )
    trigger: Literal["manual", "automatic"] = Field(
        "automatic",
        description="Whether a person starts the rollout ('manual') or the pipeline does "
        "('automatic', the default).",
    )
    triggered_by: list[Id] = Field(default_factory=list, description="Roles that may start it.")
    windows: list[Id] = Field(default_factory=list, description="Windows it must start in.")
    health_checks: list[Text] = Field(
        default_factory=list,
        description="Health checks the new version must pass before it takes traffic.",
    )
    smoke_tests: list[Text] = Field(
        default_factory=list,
        description="Smoke tests run against the new version before traffic moves.",
    )
    steps: list[Step] = Field(
        default_factory=list,
        description="Traffic steps, in order; a canary needs them and they end at 100.",
    )
    analysis_interval: Duration = Field(
        default_factory=lambda: Duration.parse("1m"),
        description="How often analysis metrics are measured; 1m by default.",
    )
    analysis: list[AnalysisMetric] = Field(
        default_factory=list,
        description="Metrics measured at every interval while traffic moves; empty means none.",
    )
    on_inconclusive: Literal["pause", "fail", "pass"] = Field(
        "pause",
        description="What an inconclusive analysis does: 'pause' for a person (the default), "
        "'fail' "
        "or 'pass'.",
    )
    progress_deadline: Duration = Field(
        default_factory=lambda: Duration.parse("10m"),
        description="A step that makes no progress for this long fails the rollout; 10m by "
        "default.",
    )
    rollback: Rollback = Field(
        default_factory=Rollback,
        description="When and how to roll back; by default automatic, with one-click manual "
        "rollback.",
    )
    post_deploy: list[PostDeployPhase] = Field(
        default_factory=list, description="Phases of watching after traffic reaches 100%."
    )


class Window(Rule):
    """A recurring time when deploys may happen, on a calendar's time zone or an explicit one."""

    id: Id = Field(description="The window's id; rollouts and `schedule` gates name it.")
    calendar: Id | None = Field(
        None,
        description="The calendar whose time zone the times are read in; give this or `timezone`.",
    )
    timezone: TimeZone | None = Field(
        None, description="An IANA time zone the times are read in; give this or `calendar`."
    )
    days: list[Weekday] = Field(
        min_length=1, description="Days of the week the window opens on; at least one."
    )
    start: ClockTime = Field(
        description="When the window opens, HH:MM local time on a 24-hour clock."
    )
    end: ClockTime = Field(description="May be earlier than start: the window crosses midnight.")
    environments: list[Id] = Field(
        default_factory=list, description="Environments it applies to; empty means every one."
    )


class Freeze(Rule):
    """A period when deploys are blocked (a sprint lock, a holiday freeze)."""

    id: Id = Field(description="The freeze's id; `schedule` gates name it.")
    start: AwareDatetime = Field(
        description="When the freeze begins: a date and time with a UTC offset, e.g. "
        "2025-12-22T00:00:00+01:00."
    )
    end: AwareDatetime = Field(
        description="When the freeze ends, with a UTC offset; must be after `start`."
    )
    environments: list[Id] = Field(
        default_factory=list, description="Environments it applies to; empty means every one."
    )
    branches: list[BranchGlob] = Field(
        default_factory=list, description="Only these branches are frozen; empty means all."
    )
    reason: str = Field("", description="Why deploys are frozen, shown in decisions.")


# ---------------------------------------------------------------------------------------------
# SLOs and alerts
# ---------------------------------------------------------------------------------------------


class RatioSli(_Model):
    kind: Literal["ratio"] = Field(
        description="Selects the ratio SLI: good events over all valid events."
    )
    good: Text = Field(description="The metric or event that counts good events.")
    total: Text = Field(description="The metric or event that counts all valid events.")


class LatencySli(_Model):
    kind: Literal["latency"] = Field(
        description="Selects the latency SLI: events at or under a threshold are good."
    )
    metric: Text = Field(description="The latency metric, e.g. a histogram of request durations.")
    threshold: Quantity = Field(description="Events at or under this latency are good.")


class FreshnessSli(_Model):
    kind: Literal["freshness"] = Field(
        description="Selects the freshness SLI: events visible downstream in time are good."
    )
    metric: Text = Field(description="The metric of accepted events and when they became visible.")
    within: Duration = Field(description="An event is good if visible downstream within this.")


class ProbeSli(_Model):
    kind: Literal["probe"] = Field(description="Selects the probe SLI: synthetic check runs.")
    probe: Text = Field(description="A synthetic check; each run is good or bad.")
    interval: Duration = Field(
        default_factory=lambda: Duration.parse("1m"),
        description="How often the probe runs; 1m by default.",
    )


class IncidentSli(_Model):
    kind: Literal["incidents"] = Field(
        description="Selects the incidents SLI: unresolved incidents count against it."
    )
    severities: list[Id] = Field(
        min_length=1,
        description="Incident severities (in `incidents.severities`) that count; at least one.",
    )
    category: Text = Field(description="Incidents of this category count as bad.")
    max_unresolved: Count = Field(
        0, description="Unresolved incidents allowed at once; 0 by default."
    )


Sli = Annotated[
    RatioSli | LatencySli | FreshnessSli | ProbeSli | IncidentSli, Field(discriminator="kind")
]


class BurnRateTier(_Model):
    name: Id = Field(description="The tier's id, e.g. 'fast' or 'slow'; alerts carry it.")
    long: Duration = Field(description="The long window the burn rate is measured over, e.g. 1h.")
    short: Duration | None = Field(None, description="Defaults to long / 12.")
    factor: Annotated[StrictFloat | StrictInt, Field(gt=0)] = Field(
        description="The burn rate that fires the tier: budget spent this many times faster than "
        "the objective allows."
    )
    severity: Severity = Field(description="The severity of the alert the tier fires.")
    page: StrictBool = Field(False, description="Whether the tier pages someone; false by default.")


class SloAlerting(_Model):
    burn_rates: list[BurnRateTier] = Field(
        default_factory=list,
        description="Burn-rate tiers, each an alert; empty means none unless `workbook` is set.",
    )
    workbook: StrictBool = Field(
        False, description="Use the SRE Workbook tiers (14.4/6 page, 3/1 ticket)."
    )
    min_events: Count = Field(0, description="Fewer events in a window: no alert.")
    no_data: Literal["ok", "alert"] = Field(
        "ok", description="With no data in a window: 'ok' (the default, no alert) or 'alert'."
    )


class BudgetPolicy(_Model):
    freeze_below: Percent | None = Field(
        None, description="Block releases while less than this much budget remains."
    )
    approval_below: Percent | None = Field(
        None,
        description="Releases need approval while less than this percent of the error budget "
        "remains; absent means never.",
    )
    approver_roles: list[Id] = Field(
        default_factory=list, description="Roles that may give that approval."
    )


class Slo(Rule):
    id: Id = Field(description="The SLO's id; alerts, rollouts and reviews name it.")
    deployables: list[Id] = Field(
        default_factory=list, description="Deployables it applies to; empty means every one."
    )
    environments: list[Id] = Field(
        default_factory=list, description="Environments it applies to; empty means every one."
    )
    sli: Sli = Field(description="The indicator: what counts as a good event, chosen by `kind`.")
    objective: Annotated[StrictFloat | StrictInt, Field(gt=0, le=100)] = Field(
        description="Target percent of good events (or windows), e.g. 99.9."
    )
    window: Duration = Field(description="Rolling window (30d) or calendar month (1mo).")
    calendar: Id | None = Field(None, description="Calendar for calendar windows and `during`.")
    during: Literal["always", "business_hours"] = Field(
        "always",
        description="When events count: 'always' (the default) or 'business_hours' on the SLO's "
        "calendar.",
    )
    alerting: SloAlerting | None = Field(
        None, description="Burn-rate alerts for the SLO; absent means no SLO alerts."
    )
    budget_policy: BudgetPolicy | None = Field(
        None,
        description="What happens to releases as the error budget runs out; absent means nothing.",
    )


class ThresholdCondition(Condition):
    kind: Literal["threshold"] = Field(description="Selects the threshold condition.")


class AbsenceCondition(_Model):
    kind: Literal["absence"] = Field(description="Selects the absence condition.")
    metric: Text = Field(description="The success event whose absence matters.")
    window: Duration = Field(description="Fires when no success event is seen for this long.")
    only_when: str = Field("", description="Only while this signal is active.")
    per: list[Text] = Field(default_factory=list, description="Labels to evaluate per value.")


class EventCondition(_Model):
    kind: Literal["event"] = Field(description="Selects the event condition.")
    event: Text = Field(
        description="The event that fires the alert, e.g. 'tenant_boundary_violation'."
    )
    min_count: Positive = Field(1, description="How many events fire the alert; 1 by default.")
    window: Duration | None = Field(
        None, description="The span those events must fall within; absent means no limit."
    )


class SloWindowsCondition(_Model):
    kind: Literal["slo_windows"] = Field(description="Selects the slo_windows condition.")
    slo: Id = Field(description="The SLO (in `slos`) whose windows are evaluated.")
    consecutive: Positive = Field(
        2, description="How many windows in a row must miss the objective; 2 by default."
    )
    window: Duration = Field(description="The length of each window, e.g. 15m.")


AlertCondition = Annotated[
    ThresholdCondition | AbsenceCondition | EventCondition | SloWindowsCondition,
    Field(discriminator="kind"),
]


class Alert(Rule):
    id: Id = Field(description="The alert's id; rollouts and post-deploy phases name it.")
    severity: Severity = Field(
        description="How serious it is: 'critical', 'high', 'medium', 'low' or 'info'."
    )
    label: str = Field("", description="The team's own name for the severity, e.g. 'P1'.")
    page: StrictBool = Field(False, description="Whether it pages someone; false by default.")
    escalation: Id | None = Field(
        None, description="The escalation path (in `escalations`) it follows; absent means none."
    )
    deployables: list[Id] = Field(
        default_factory=list, description="Deployables it applies to; empty means every one."
    )
    condition: AlertCondition = Field(description="What makes it fire, chosen by `kind`.")
    for_: Duration | None = Field(None, alias="for", description="Pending time before firing.")
    keep_firing_for: Duration | None = Field(
        None,
        description="Keep firing this long after the condition clears, to damp flapping; absent "
        "means resolve at once.",
    )


# ---------------------------------------------------------------------------------------------
# incidents and escalation
# ---------------------------------------------------------------------------------------------


class ResponseClocks(_Model):
    detect: Duration | None = Field(None, description="Impact start to trigger.")
    acknowledge: Duration | None = Field(None, description="Trigger to acknowledged.")
    mitigate: Duration | None = Field(None, description="Trigger to mitigation started.")
    status_updates: Duration | None = Field(None, description="Interval between updates.")
    resolve: Duration | None = Field(None, description="Trigger to resolved.")
    rca: Duration | None = Field(None, description="Resolution to RCA published.")
    postmortem: Duration | None = Field(None, description="Resolution to post-mortem held.")


class IncidentSeverity(Rule):
    id: Id = Field(
        description="The severity's id, e.g. 'SEV1'; overrides, SLIs and critical paths name it."
    )
    aliases: list[Id] = Field(default_factory=list, description="Other names, e.g. 'P0'.")
    examples: list[Text] = Field(
        default_factory=list, description="Incidents of this severity, in words."
    )
    clocks: ResponseClocks = Field(
        default_factory=ResponseClocks,
        description="Response-time clocks; an absent clock sets no limit.",
    )
    page: StrictBool = Field(
        False, description="Whether an incident of this severity pages someone; false by default."
    )
    escalation: Id | None = Field(
        None, description="The escalation path (in `escalations`) it follows; absent means none."
    )
    fix: str = Field("", description="The commitment for a fix, in words.")


class CriticalPath(Rule):
    id: Id = Field(description="The path's id, unique among critical paths.")
    flows: list[Text] = Field(
        min_length=1, description="The flows that must always work, e.g. 'login'; at least one."
    )
    severity_on_failure: Id = Field(
        description="The incident severity (in `incidents.severities`) a failure of any flow is."
    )


class Incidents(Rule):
    calendar: Id | None = Field(None, description="Calendar for business-day clocks.")
    severities: list[IncidentSeverity] = Field(min_length=1, description="Worst first.")
    declare_in: str = Field("", description="The paging system where incidents are declared.")
    timeline: StrictBool = Field(
        False, description="Every incident keeps a timeline; false by default."
    )
    action_items: StrictBool = Field(
        False, description="Every incident records action items; false by default."
    )
    critical_paths: list[CriticalPath] = Field(
        default_factory=list, description="Flows whose failure is an incident of a set severity."
    )


class EscalationLevel(_Model):
    targets: list[Text] = Field(
        min_length=1,
        description="Who is notified at this level (people, teams, schedules); at least one.",
    )
    delay: Duration = Field(description="How long unacknowledged before the next level.")


class Escalation(Rule):
    id: Id = Field(description="The path's id; alerts and incident severities name it.")
    levels: list[EscalationLevel] = Field(
        min_length=1, description="Levels notified in order; at least one."
    )
    loops: Count = Field(
        0, description="Times the whole path repeats after the last level; 0 by default."
    )
    documented_at: str = Field(
        "", description="Where the path is documented for people, e.g. a runbook URL."
    )


# ---------------------------------------------------------------------------------------------
# audit, retention, backups
# ---------------------------------------------------------------------------------------------


class Audit(Rule):
    record: list[Text] = Field(
        default_factory=lambda: ["all"], description="Actions recorded; 'all' for every one."
    )
    correlation_id: StrictBool = Field(
        True, description="Every ledger entry carries a correlation id; true by default."
    )
    publish_attempts: StrictBool = Field(
        False, description="Record every publish attempt and its outcome; false by default."
    )
    access_logs: Literal["open", "restricted"] = Field(
        "restricted",
        description="Who may read the access logs: 'restricted' (the default) or 'open'.",
    )


class RetentionRule(Rule):
    id: Id = Field(description="The rule's id, unique among retention rules.")
    data: Text = Field(description="What is kept: audit log, application logs, ...")
    hot: Duration = Field(description="How long the data stays in primary storage, e.g. 30d.")
    cold: Duration | None = Field(
        None, description="How long it is then archived; absent means it is not archived."
    )
    worm: StrictBool = Field(
        False, description="Kept in write-once (WORM) storage; false by default."
    )
    storage: str = Field("", description="Where it is kept, in words.")
    per_tenant: StrictBool = Field(
        False, description="Retention is set per tenant; false by default."
    )
    personal_fields: list[Text] = Field(
        default_factory=list, description="Fields holding personal data, subject to `erasure`."
    )
    erasure: Literal["none", "delete", "crypto_shred", "salted_hash"] = Field(
        "none",
        description="How personal data is erased: 'none' (the default), 'delete', 'crypto_shred' "
        "or "
        "'salted_hash'.",
    )


class BackupSchedule(_Model):
    kind: Literal["full", "incremental", "snapshot", "log"] = Field(
        description="The kind of backup: 'full', 'incremental', 'snapshot' or 'log'."
    )
    every: Duration | Literal["continuous"] = Field(
        description="How often it runs, e.g. 1d, or 'continuous'."
    )


class DisasterRecovery(Rule):
    plan: str = Field("", description="Where the disaster-recovery plan lives.")
    drill_every: Duration | None = Field(
        None,
        description="How often recovery is rehearsed, e.g. 3mo; absent means no drills are "
        "required.",
    )
    standby_region: str = Field("", description="The region recovered into.")


class Backup(Rule):
    id: Id = Field(description="The backup's id; `backup_recent` gates name it.")
    deployables: list[Id] = Field(
        default_factory=list, description="Deployables it applies to; empty means every one."
    )
    rpo: Duration = Field(
        description="Recovery point objective: the most data that may be lost, e.g. 15m."
    )
    rto: Duration = Field(
        description="Recovery time objective: the longest a restore may take, e.g. 4h."
    )
    point_in_time: StrictBool = Field(
        False, description="Point-in-time recovery is available; false by default."
    )
    schedule: list[BackupSchedule] = Field(
        min_length=1, description="When backups run; at least one entry."
    )
    retention: Duration | None = Field(
        None, description="How long backups are kept; absent means not stated."
    )
    verify_every: Duration | None = Field(
        None,
        description="How often a backup is restored to verify it; absent means no verification is "
        "required.",
    )
    dr: DisasterRecovery | None = Field(
        None, description="Disaster-recovery plan, drills and standby region; absent means none."
    )


# ---------------------------------------------------------------------------------------------
# access, flags, ingestion, reviews
# ---------------------------------------------------------------------------------------------


class Grant(Rule):
    role: Id = Field(description="The role (in `roles`) that gets the access.")
    environment: Id = Field(description="The environment (in `environments`) the access is to.")
    level: Literal["none", "read", "limited_read", "deploy", "full"] = Field(
        description="How much: 'none', 'read', 'limited_read', 'deploy' or 'full'."
    )
    when: Literal["always", "incident", "emergency", "jit"] = Field(
        "always",
        description="When it holds: 'always' (the default), during an 'incident', in an "
        "'emergency', or just in time ('jit').",
    )
    via: list[Text] = Field(
        default_factory=list, description="The only ways in, e.g. 'bastion'; empty means any."
    )


class Jit(Rule):
    environments: list[Id] = Field(
        min_length=1, description="Environments reached only just in time; at least one."
    )
    max_duration: Duration = Field(description="The longest a just-in-time grant lasts.")
    approver_roles: list[Id] = Field(
        min_length=1, description="Roles that may approve a grant; at least one."
    )


class Breakglass(Rule):
    roles: list[Id] = Field(
        min_length=1, description="Roles that may break the glass; at least one."
    )
    max_duration: Duration = Field(description="The longest breakglass access lasts.")
    requires_incident: StrictBool = Field(
        True, description="Only during an active incident; true by default."
    )
    review_within: Duration | None = Field(
        None, description="How soon each use must be reviewed; absent means no deadline."
    )
    notify: list[Text] = Field(
        default_factory=list, description="Who is told at once when the glass is broken."
    )


class DatabaseAccess(Rule):
    direct: Literal["none", "read_replica", "read", "write"] = Field(
        "none",
        description="Direct database access allowed: 'none' (the default), 'read_replica', 'read' "
        "or 'write'.",
    )
    mutations_require: list[Literal["ticket", "peer_review"]] = Field(
        default_factory=list,
        description="What a manual data change needs: a 'ticket', a 'peer_review', or both; empty "
        "means nothing.",
    )


class Access(Rule):
    grants: list[Grant] = Field(
        default_factory=list,
        description="The role matrix: which role gets what access to which environment, and when.",
    )
    mfa: list[Id] = Field(default_factory=list, description="Environments that require MFA.")
    identity: list[Literal["rbac", "oidc", "sso"]] = Field(
        default_factory=list,
        description="The identity systems access must go through: 'rbac', 'oidc', 'sso'.",
    )
    jit: Jit | None = Field(None, description="Just-in-time access; absent means none.")
    breakglass: Breakglass | None = Field(None, description="Emergency access; absent means none.")
    database: DatabaseAccess | None = Field(
        None, description="Direct database access rules; absent means none stated."
    )
    ssh: Literal["none", "emergency", "allowed"] = Field(
        "none", description="SSH into hosts: 'none' (the default), 'emergency' only, or 'allowed'."
    )
    bastion_ip_restricted: StrictBool = Field(
        False, description="Bastion hosts accept only known IP addresses; false by default."
    )
    direct_changes: Literal["prohibited", "allowed"] = Field(
        "prohibited",
        description="Manual changes outside the pipeline: 'prohibited' (the default) or 'allowed'.",
    )


class FlagRule(Rule):
    environment: Id = Field(
        description="The environment (in `environments`) these flag rules apply to."
    )
    risky_default: Literal["off", "any"] = Field(
        "off", description="Risky flags must default 'off' (the default), or 'any'."
    )
    experimental: Literal["disabled", "allowed"] = Field(
        "disabled", description="Experimental flags: 'disabled' (the default) or 'allowed'."
    )
    beta: Literal["segments_only", "allowed", "disabled"] = Field(
        "segments_only",
        description="Beta flags: on for named segments only ('segments_only', the default), "
        "'allowed', or 'disabled'.",
    )
    require_kill_switch: StrictBool = Field(
        True, description="Every risky flag needs a kill switch; true by default."
    )
    category_key: Text = Field("category", description="Flag metadata key naming the category.")


class Flags(Rule):
    file: str = Field("", description="Default flagd definitions file.")
    rules: list[FlagRule] = Field(
        min_length=1, description="Flag rules, one per environment; at least one."
    )


class Ingestion(Rule):
    require_scope: list[ScopeKey] = Field(
        default_factory=_both_scopes,
        description="Scope every request must name; tenant and repository by default.",
    )
    require_idempotency_key: StrictBool = Field(
        True, description="Every published batch must carry an idempotency key; true by default."
    )
    auth_before_transport: StrictBool = Field(
        True, description="The auth policy is validated before anything is sent; true by default."
    )
    local_authoritative: StrictBool = Field(
        True, description="When the server is down, the local decision stands and is queued."
    )


class Review(Rule):
    id: Id = Field(description="The review's id, unique among reviews.")
    every: Duration = Field(description="How often it is held, e.g. 1w or 1mo.")
    topics: list[Text] = Field(
        min_length=1, description="What it covers, e.g. 'error rate'; at least one."
    )
    owner: Id | None = Field(None, description="The role that holds the review.")
    slos: list[Id] = Field(
        default_factory=list, description="SLOs (in `slos`) whose reports it looks at."
    )


# ---------------------------------------------------------------------------------------------
# the policy
# ---------------------------------------------------------------------------------------------


class Policy(_Model):
    """A Definition of Production: everything a release must satisfy, and after."""

    api_version: Literal["golive/v1"] = Field(
        alias="apiVersion", description="The language version; always 'golive/v1'."
    )
    kind: Literal["Policy"] = Field("Policy", description="The document kind; always 'Policy'.")
    metadata: Metadata = Field(description="The policy's name, title, owners and scope.")
    controls: list[Control] = Field(
        default_factory=list, description="The catalog of rules this policy carries out."
    )
    calendars: list[Calendar] = Field(
        default_factory=list,
        description="Working calendars that business-day durations, windows and SLOs count on.",
    )
    roles: list[Role] = Field(
        default_factory=list,
        description="Roles people hold; approvals, sign-offs, access rules and overrides name "
        "them.",
    )
    environments: list[Environment] = Field(
        min_length=1, description="The environments releases move through; at least one."
    )
    deployables: list[Deployable] = Field(
        default_factory=list,
        description="The artifacts the team ships; empty means none are named.",
    )
    gates: list[Gate] = Field(
        default_factory=list, description="The checks a release must pass, in order."
    )
    approvals: list[ApprovalRule] = Field(
        default_factory=list, description="Approval rules that `approvals` gates enforce."
    )
    checklists: list[Checklist] = Field(
        default_factory=list, description="Sign-off checklists that `checklist` gates require."
    )
    overrides: list[Override] = Field(
        default_factory=list,
        description="Emergency paths by which failing gates may be overridden.",
    )
    rollouts: list[RolloutPlan] = Field(
        default_factory=list, description="How releases move traffic, watch metrics and roll back."
    )
    windows: list[Window] = Field(
        default_factory=list, description="Recurring times when deploys may happen."
    )
    freezes: list[Freeze] = Field(
        default_factory=list, description="Periods when deploys are blocked."
    )
    slos: list[Slo] = Field(
        default_factory=list,
        description="Service level objectives, computed from telemetry after deploy.",
    )
    alerts: list[Alert] = Field(
        default_factory=list, description="Alerts on thresholds, absences, events and SLO windows."
    )
    incidents: Incidents | None = Field(
        None, description="Incident severities, response clocks and handling; absent means none."
    )
    escalations: list[Escalation] = Field(
        default_factory=list,
        description="Escalation paths that alerts and incident severities follow.",
    )
    audit: Audit | None = Field(
        None, description="What the audit ledger records; absent means no audit rules."
    )
    retention: list[RetentionRule] = Field(
        default_factory=list,
        description="How long each kind of data is kept, and how it is erased.",
    )
    backups: list[Backup] = Field(
        default_factory=list, description="Backup and disaster-recovery objectives."
    )
    access: Access | None = Field(
        None,
        description="Who may do what in which environment, for how long; absent means no access "
        "rules.",
    )
    flags: Flags | None = Field(
        None, description="Feature-flag rules per environment; absent means none."
    )
    ingestion: Ingestion | None = Field(
        None,
        description="Scope, idempotency and authorisation rules for ingestion; absent means none.",
    )
    reviews: list[Review] = Field(
        default_factory=list, description="Scheduled reviews golive reports on."
    )

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
