"""What a policy enforces, in sentences, grouped by stage, with the controls each rule carries.

:func:`explain` is pure: policy (and an optional environment) in, a plain
:class:`Explanation` out. Renderers (text, JSON, Markdown) live at the edge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from golive.core.durations import Duration
from golive.core.policy import model as m
from golive.core.policy.checks import walk_values

SCHEMA = "golive.explain/v1"

STAGES: tuple[tuple[str, str], ...] = (
    ("scope", "Scope and ownership"),
    ("environments", "Environments and deployables"),
    ("release", "Before a release may deploy"),
    ("rollout", "While traffic moves"),
    ("observe", "After the release: objectives and alerts"),
    ("respond", "Incidents and escalation"),
    ("protect", "Access, feature flags and ingestion"),
    ("retain", "Audit, retention and backups"),
    ("review", "Reviews and cadence"),
)


@dataclass(frozen=True)
class Item:
    stage: str
    kind: str
    id: str
    title: str
    summary: list[str]
    controls: list[str]
    environments: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "title": self.title,
            "summary": self.summary,
            "controls": self.controls,
            "environments": self.environments,
        }


@dataclass(frozen=True)
class Explanation:
    name: str
    title: str
    digest: str
    environment: str | None
    items: list[Item]
    controls: list[m.Control]

    def as_dict(self) -> dict[str, Any]:
        enforced: dict[str, list[str]] = {}
        for item in self.items:
            for control in item.controls:
                enforced.setdefault(control, []).append(f"{item.kind}:{item.id}")
        return {
            "schema": SCHEMA,
            "policy": {"name": self.name, "title": self.title, "digest": self.digest},
            "environment": self.environment,
            "stages": [
                {
                    "stage": stage,
                    "title": title,
                    "items": [i.as_dict() for i in self.items if i.stage == stage],
                }
                for stage, title in STAGES
                if any(i.stage == stage for i in self.items)
            ],
            "controls": [
                {
                    "id": c.id,
                    "title": c.title,
                    "how": list(c.how),
                    "enforced_by": enforced.get(c.id, []),
                }
                for c in self.controls
            ],
        }


def _controls(node: Any) -> list[str]:
    found: list[str] = []
    for path, value in walk_values(node):
        if len(path) >= 2 and path[-2] == "controls" and value not in found:
            found.append(value)
    return found


def _envs(node: BaseModel) -> list[str]:
    value = getattr(node, "environments", None)
    return list(value) if isinstance(value, list) else []


def _list(values: Iterable[Any], empty: str = "none") -> str:
    items = [str(v) for v in values]
    if not items:
        return empty
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _d(duration: Duration | None) -> str:
    return duration.describe() if duration else "no limit"


# ---------------------------------------------------------------------------------------------
# one describer per kind of rule
# ---------------------------------------------------------------------------------------------


def _environment(env: m.Environment) -> list[str]:
    out = []
    if env.branches or env.tags:
        refs = [f"branch {b}" for b in env.branches] + [f"tag {t}" for t in env.tags]
        out.append(f"Deploys only from {_list(refs)}.")
    if env.promotes_from:
        out.append(f"A release must pass '{env.promotes_from}' first.")
    if env.data:
        data = env.data
        out.append(f"Data allowed: {_list(data.allowed)}; personal data {data.personal_data}.")
        if data.forbid_markers:
            out.append(f"Deployed configuration must not contain: {_list(data.forbid_markers)}.")
        if data.capabilities_only_here:
            out.append(f"Isolated here only: {_list(data.capabilities_only_here)}.")
    if env.persistence:
        p = env.persistence
        worm = " (WORM)" if p.worm else ""
        kept = f", kept {p.retention.describe()}" if p.retention else ""
        out.append(f"Persistence: {p.kind}{worm}{kept}.")
    if env.reset:
        if env.reset.every:
            out.append(f"Reset every {env.reset.every.describe()}.")
        if env.reset.may_purge:
            out.append("May be reset or purged at any time.")
        if env.reset.instantiated_by:
            out.append(f"Created by '{env.reset.instantiated_by}'.")
    if env.access:
        a = env.access
        via = f" via {_list(a.via)}" if a.via else ""
        db = "" if a.direct_database else "; no direct database access"
        out.append(f"Access: {a.level}{via}{db}.")
    for fence in env.fences:
        denied = [f"environment {e}" for e in fence.deny_environments] + list(fence.deny_hosts)
        out.append(f"Fenced: no connection to {_list(denied)}.")
    if env.records:
        out.append("Records: " + "; ".join(f"{k}: {v}" for k, v in env.records.items()) + ".")
    if env.stability:
        out.append(f"Stability: {env.stability}.")
    return out


def _deployable(dep: m.Deployable) -> list[str]:
    tier = f" ({dep.tier})" if dep.tier else ""
    out = [f"{dep.artifact} artifact, criticality {dep.criticality}{tier}."]
    if dep.source:
        out.append(f"Source: {_list(dep.source)}.")
    where = _list(dep.environments, "every environment")
    traits = [t for t, on in (("versioned", dep.versioned), ("monitored", dep.monitored)) if on]
    out.append(f"Deployed to {where}; {_list(traits, 'unversioned')}.")
    return out


def _scan(name: str, part: m.ScanPart | None) -> str | None:
    if part is None:
        return None
    limit = (
        "no findings at all"
        if part.max_severity == "none"
        else f"nothing above {part.max_severity}"
    )
    if part.max_findings is not None:
        limit += f", at most {part.max_findings} finding(s)"
    scope = " new" if part.new_only else ""
    need = "required" if part.required else "optional"
    return f"{name} ({need}):{scope} {limit}"


def _tests_pass(p: m.TestsPassParams) -> list[str]:
    suites = f" in suites {_list(p.suites)}" if p.suites else ""
    wf = f" from workflow '{p.workflow}'" if p.workflow else ""
    return [
        f"Tests{suites}{wf} must pass at {p.pass_rate}% with at least {p.min_tests} test(s); "
        f"skips {p.skips}; flaky tests {p.flaky}."
    ]


def _security(p: m.SecurityParams) -> list[str]:
    parts = [
        s
        for s in (_scan("SAST", p.sast), _scan("SCA", p.sca), _scan("secret scan", p.secrets))
        if s
    ]
    lifetimes = ", ".join(f"{k} {v.describe()}" for k, v in p.waivers.max_lifetime.items())
    return [
        "Security scans: " + "; ".join(parts) + ".",
        f"Unrated findings count as {p.unknown_severity}; a scan that did not complete is "
        "an error, never a pass.",
        f"Waivers need a reason, ticket, approver and expiry (at most {lifetimes}).",
    ]


def _commands(p: m.CommandPassedParams) -> list[str]:
    return [f"'{c.run}' must pass (timeout {c.timeout.describe()})." for c in p.commands]


def _branch(p: m.BranchParams) -> list[str]:
    tag = " and be tagged" if p.require_tag else ""
    return [f"The commit must come from a branch the environment allows{tag}."]


def _semver(p: m.SemverParams) -> list[str]:
    major = "; breaking changes need a major bump" if p.breaking_requires_major else ""
    return [f"The release tag must be a semantic version ('{p.tag_prefix}1.2.3'){major}."]


def _approvals_gate(p: m.ApprovalsParams) -> list[str]:
    return [f"Approvals by rule '{p.rule}'."]


def _signed(p: m.SignedCommitsParams) -> list[str]:
    keys = [
        k
        for k, v in (
            ("SSH allowed signers", p.allowed_signers),
            ("GPG keyring", p.gpg_keyring),
            ("x509 roots", p.x509_roots),
        )
        if v
    ]
    return [f"Every commit in the range must be signed by a key in the {_list(keys)}."]


def _promotion(p: m.PromotionParams) -> list[str]:
    what = "The same artifact digest" if p.same_digest else "The release"
    out = [f"{what} must have been deployed to '{p.from_environment}'."]
    if p.soak:
        suite = f"Suite '{p.suite}'" if p.suite else "Tests"
        gap = f", no gap over {p.max_gap.describe()}" if p.max_gap else ""
        out.append(f"{suite} passing there for {p.soak.describe()}{gap}.")
    return out


def _api_docs(p: m.ApiDocsParams) -> list[str]:
    major = "; breaking changes need a major version" if p.breaking_requires_major else ""
    return [f"Changes to {_list(p.public_api)} must update {_list(p.schemas)}{major}."]


def _schedule(p: m.ScheduleParams) -> list[str]:
    out = []
    if p.windows:
        out.append(f"Only inside window(s) {_list(p.windows)}.")
    if p.freezes:
        out.append(f"Never during freeze(s) {_list(p.freezes)}.")
    return out


def _checklist_gate(p: m.ChecklistParams) -> list[str]:
    return [f"Every item of checklist '{p.checklist}' signed off."]


def _config_scan(p: m.ConfigScanParams) -> list[str]:
    what = [
        w
        for w, on in (
            ("fenced endpoints", p.fences),
            ("mock-data and test markers", p.data_markers),
        )
        if on
    ]
    return [f"Configuration in {_list(p.paths)} scanned for {_list(what)}."]


def _flags_gate(p: m.FeatureFlagsParams) -> list[str]:
    return [f"Flags in '{p.file}' must follow the environment's flag rules."]


def _audit_events(p: m.AuditEventsParams) -> list[str]:
    return [f"Flows {_list(p.flows)} must emit audit events with {_list(p.require_fields)}."]


def _backup_recent(p: m.BackupRecentParams) -> list[str]:
    return [f"Backup '{p.backup}' completed within {p.within.describe()}."]


def _open_bugs(p: m.OpenBugsParams) -> list[str]:
    return [f"No open bug above {p.max_severity}."]


def _publish_records(p: m.PublishRecordsParams) -> list[str]:
    key = " and an idempotency key" if p.require_idempotency_key else ""
    return [f"Every published batch carries {_list(p.require_scope)} scope{key}."]


_GATE_PARAMS: dict[type[BaseModel], Callable[[Any], list[str]]] = {
    m.TestsPassParams: _tests_pass,
    m.SecurityParams: _security,
    m.CommandPassedParams: _commands,
    m.BranchParams: _branch,
    m.SemverParams: _semver,
    m.ApprovalsParams: _approvals_gate,
    m.SignedCommitsParams: _signed,
    m.PromotionParams: _promotion,
    m.ApiDocsParams: _api_docs,
    m.ScheduleParams: _schedule,
    m.ChecklistParams: _checklist_gate,
    m.ConfigScanParams: _config_scan,
    m.FeatureFlagsParams: _flags_gate,
    m.AuditEventsParams: _audit_events,
    m.BackupRecentParams: _backup_recent,
    m.OpenBugsParams: _open_bugs,
    m.PublishRecordsParams: _publish_records,
}


def _gate(gate: m.GateBase) -> list[str]:
    params: BaseModel = getattr(gate, "params")  # noqa: B009 - every gate type has params
    out = list(_GATE_PARAMS[type(params)](params))
    where = _list(gate.environments, "every environment")
    mode = "blocks" if gate.blocking else "advises (never blocks)"
    out.append(f"Applies to {where} at {gate.stage}; {mode}.")
    if gate.source:
        debt = "blocks" if gate.owed == "block" else "passes with a recorded debt"
        out.append(f"When '{gate.source}' is unavailable the check is owed and {debt}.")
    if gate.max_age:
        out.append(f"Evidence older than {gate.max_age.describe()} is an error.")
    return out


def _approval(rule: m.ApprovalRule) -> list[str]:
    out = [f"At least {rule.min_approvals} distinct human approval(s)."]
    if rule.code_owners == "any":
        out.append(f"Including {rule.min_code_owner_approvals} code owner of the change.")
    elif rule.code_owners == "each_domain":
        out.append("Including a code owner of every owned path the change touches.")
    for quota in rule.roles:
        out.append(f"At least {quota.min} from role '{quota.role}'.")
    rules = [
        r
        for r, on in (
            ("the author excluded", rule.exclude_author),
            ("bots excluded", rule.exclude_bots),
            ("only approvals of the head commit", rule.require_fresh),
        )
        if on
    ]
    if rules:
        out.append(f"Counting: {_list(rules)}; each reviewer's latest review wins.")
    return out


def _checklist(checklist: m.Checklist) -> list[str]:
    out = []
    for item in checklist.items:
        link = " with a link" if item.link == "required" else ""
        out.append(f"'{item.title or item.id}' signed off by {_list(item.roles)}{link}.")
    return out


def _override(override: m.Override) -> list[str]:
    out = [
        f"May override gate(s) {_list(override.gates)} only during an active "
        f"{_list(override.incident_severities)} incident.",
        f"Approved by {_list(override.approver_roles)}; valid "
        f"{override.max_validity.describe()}, for one artifact digest.",
    ]
    if override.linked_issue:
        out.append(
            f"Links a {override.linked_issue.system} issue ({override.linked_issue.pattern})."
        )
    if override.commit_tag:
        out.append(f"The merge commit carries '{override.commit_tag}'.")
    out.append("The decision reads 'overridden' and still lists every failing check.")
    return out


def _window(window: m.Window) -> list[str]:
    zone = window.timezone or f"calendar {window.calendar}"
    return [f"{_list(window.days)} {window.start}–{window.end} ({zone})."]


def _freeze(freeze: m.Freeze) -> list[str]:
    scope = f" for branches {_list(freeze.branches)}" if freeze.branches else ""
    reason = f" {freeze.reason}." if freeze.reason else ""
    return [
        f"No deploys from {freeze.start.isoformat()} to {freeze.end.isoformat()}{scope}.{reason}"
    ]


def _rollout(plan: m.RolloutPlan) -> list[str]:
    out = [
        f"{plan.strategy.replace('_', '-')} rollout, triggered {plan.trigger}ly"
        + (f" by {_list(plan.triggered_by)}" if plan.triggered_by else "")
        + "."
    ]
    if plan.steps:
        out.append("Traffic: " + " → ".join(f"{s.weight}%" for s in plan.steps) + ".")
    if plan.health_checks or plan.smoke_tests:
        out.append(
            f"Health checks {_list(plan.health_checks)}; smoke tests {_list(plan.smoke_tests)}."
        )
    if plan.analysis:
        out.append(
            f"Analysis every {plan.analysis_interval.describe()}: "
            f"{_list(a.name for a in plan.analysis)}; inconclusive → {plan.on_inconclusive}."
        )
    rb = plan.rollback
    if rb.automatic:
        out.append(f"Rolls back automatically on {_list(rb.on)}; manual rollback: {rb.manual}.")
    for phase in plan.post_deploy:
        out.append(
            f"{phase.title or phase.id} ({phase.start.describe()}–{phase.end.describe()}): "
            f"{_list([*phase.checks, *phase.slos, *phase.alerts])}."
        )
    if plan.windows:
        out.append(f"Starts only in window(s) {_list(plan.windows)}.")
    return out


def _slo(slo: m.Slo) -> list[str]:
    sli = slo.sli
    if isinstance(sli, m.RatioSli):
        what = f"{sli.good} / {sli.total}"
    elif isinstance(sli, m.LatencySli):
        what = f"{sli.metric} at or under {sli.threshold}"
    elif isinstance(sli, m.FreshnessSli):
        what = f"{sli.metric} visible within {sli.within.describe()}"
    elif isinstance(sli, m.ProbeSli):
        what = f"probe '{sli.probe}' every {sli.interval.describe()}"
    else:
        what = f"no more than {sli.max_unresolved} unresolved {sli.category} incident(s)"
    when = " during business hours" if slo.during == "business_hours" else ""
    out = [f"{slo.objective}% over {slo.window.describe()}{when}: {what}."]
    if slo.alerting:
        tiers = slo.alerting.burn_rates
        if tiers:
            out.append(
                "Burn-rate alerts: "
                + "; ".join(
                    f"{t.name} {t.factor}x over {t.long}"
                    + (f"/{t.short}" if t.short else "")
                    + f" → {t.severity}{' (page)' if t.page else ''}"
                    for t in tiers
                )
                + "."
            )
        elif slo.alerting.workbook:
            out.append("Burn-rate alerts: the SRE Workbook tiers.")
    if slo.budget_policy and slo.budget_policy.freeze_below is not None:
        out.append(f"Releases freeze below {slo.budget_policy.freeze_below}% budget remaining.")
    return out


def _alert(alert: m.Alert) -> list[str]:
    c = alert.condition
    if isinstance(c, m.ThresholdCondition):
        guard = f" (at least {c.min_events} events)" if c.min_events else ""
        what = (
            f"{c.aggregation} of {c.metric} {c.op} {c.threshold} over {c.window.describe()}{guard}"
        )
    elif isinstance(c, m.AbsenceCondition):
        per = f" per {_list(c.per)}" if c.per else ""
        only = f" while {c.only_when}" if c.only_when else ""
        what = f"no {c.metric} for {c.window.describe()}{per}{only}"
    elif isinstance(c, m.EventCondition):
        what = f"{c.min_count}+ '{c.event}' event(s)"
    else:
        what = (
            f"SLO '{c.slo}' under target for {c.consecutive} consecutive "
            f"{c.window.describe()} windows"
        )
    label = f" ({alert.label})" if alert.label else ""
    page = ", pages" if alert.page else ""
    return [f"{alert.severity}{label}{page} when {what}."]


def _severity(sev: m.IncidentSeverity) -> list[str]:
    c = sev.clocks
    clocks = [
        f"{name} {value.describe()}"
        for name, value in (
            ("detect within", c.detect),
            ("acknowledge within", c.acknowledge),
            ("mitigation started within", c.mitigate),
            ("status updates every", c.status_updates),
            ("resolve within", c.resolve),
            ("RCA within", c.rca),
            ("post-mortem within", c.postmortem),
        )
        if value
    ]
    aliases = f" (also {_list(sev.aliases)})" if sev.aliases else ""
    out = [f"{sev.title or sev.id}{aliases}: {_list(clocks, 'no clocks')}."]
    if sev.examples:
        out.append(f"For example: {_list(sev.examples)}.")
    if sev.fix:
        out.append(f"Fix: {sev.fix}.")
    return out


def _incidents(inc: m.Incidents) -> list[str]:
    out = []
    if inc.declare_in:
        out.append(f"Declared in {inc.declare_in}.")
    extras = [
        x for x, on in (("a timeline", inc.timeline), ("action items", inc.action_items)) if on
    ]
    if extras:
        out.append(f"Every incident keeps {_list(extras)}.")
    for path in inc.critical_paths:
        out.append(
            f"Critical path '{path.title or path.id}' ({_list(path.flows)}): a failure is "
            f"{path.severity_on_failure}."
        )
    return out


def _escalation(esc: m.Escalation) -> list[str]:
    levels = "; ".join(
        f"{_list(level.targets)} after {level.delay.describe()}" for level in esc.levels
    )
    return [f"Levels: {levels}; repeats {esc.loops} time(s)."]


def _retention(rule: m.RetentionRule) -> list[str]:
    cold = f", then {rule.cold.describe()} cold" if rule.cold else ""
    worm = " in WORM storage" if rule.worm else ""
    tenant = "; per tenant" if rule.per_tenant else ""
    return [f"{rule.data}: {rule.hot.describe()} hot{cold}{worm}{tenant}."]


def _backup(backup: m.Backup) -> list[str]:
    schedule = _list(
        f"{s.kind} {'continuously' if s.every == 'continuous' else 'every ' + s.every.describe()}"
        for s in backup.schedule
    )
    pitr = "; point-in-time recovery" if backup.point_in_time else ""
    out = [
        f"RPO {backup.rpo.describe()}, RTO {backup.rto.describe()}{pitr}.",
        f"Schedule: {schedule}.",
    ]
    if backup.retention:
        out.append(f"Kept {backup.retention.describe()}.")
    if backup.verify_every:
        out.append(f"Verified every {backup.verify_every.describe()}.")
    if backup.dr:
        dr = backup.dr
        bits = [
            b
            for b in (
                f"plan {dr.plan}" if dr.plan else "",
                f"drills every {dr.drill_every.describe()}" if dr.drill_every else "",
                f"standby region {dr.standby_region}" if dr.standby_region else "",
            )
            if b
        ]
        out.append(f"Disaster recovery: {_list(bits)}.")
    return out


def _review(review: m.Review) -> list[str]:
    owner = f" held by {review.owner}" if review.owner else ""
    return [f"Every {review.every.describe()}{owner}: {_list(review.topics)}."]


def _items_for_access(access: m.Access) -> list[Item]:
    items = []
    for index, grant in enumerate(access.grants):
        via = f" via {_list(grant.via)}" if grant.via else ""
        items.append(
            Item(
                "protect",
                "access",
                f"grant-{index}",
                f"{grant.role} in {grant.environment}",
                [f"{grant.level} access, {grant.when}{via}."],
                _controls(grant),
                [grant.environment],
            )
        )
    general = []
    if access.mfa:
        general.append(f"MFA required for {_list(access.mfa)}.")
    if access.identity:
        general.append(f"Identity through {_list(access.identity)}.")
    general.append(f"SSH: {access.ssh}; direct manual changes {access.direct_changes}.")
    if access.bastion_ip_restricted:
        general.append("Bastion hosts are IP-restricted.")
    if access.jit:
        general.append(
            f"Just-in-time access to {_list(access.jit.environments)} for at most "
            f"{access.jit.max_duration.describe()}, approved by {_list(access.jit.approver_roles)}."
        )
    if access.breakglass:
        bg = access.breakglass
        general.append(
            f"Breakglass for {_list(bg.roles)}, at most {bg.max_duration.describe()}"
            + (", only during an incident" if bg.requires_incident else "")
            + "."
        )
    if access.database:
        db = access.database
        needs = f"; mutations need {_list(db.mutations_require)}" if db.mutations_require else ""
        general.append(f"Database access: {db.direct}{needs}.")
    grant_controls = {c for g in access.grants for c in _controls(g)}
    rest = [c for c in _controls(access) if c not in grant_controls or c in access.controls]
    items.append(Item("protect", "access", "access", "Access rules", general, rest))
    return items


_DESCRIBE: tuple[tuple[str, str, str, Callable[[Any], list[str]]], ...] = (
    ("environments", "environments", "environment", _environment),
    ("deployables", "environments", "deployable", _deployable),
    ("gates", "release", "gate", _gate),
    ("approvals", "release", "approval", _approval),
    ("checklists", "release", "checklist", _checklist),
    ("overrides", "release", "override", _override),
    ("windows", "release", "window", _window),
    ("freezes", "release", "freeze", _freeze),
    ("rollouts", "rollout", "rollout", _rollout),
    ("slos", "observe", "slo", _slo),
    ("alerts", "observe", "alert", _alert),
    ("escalations", "respond", "escalation", _escalation),
    ("retention", "retain", "retention", _retention),
    ("backups", "retain", "backup", _backup),
    ("reviews", "review", "review", _review),
)


def _applies(item: Item, environment: str | None) -> bool:
    return environment is None or not item.environments or environment in item.environments


def explain(policy: m.Policy, digest: str, environment: str | None = None) -> Explanation:
    """Everything ``policy`` enforces, optionally only what applies to ``environment``."""
    items: list[Item] = []
    meta = policy.metadata
    if meta.owners or meta.scope:
        summary = []
        if meta.owners:
            summary.append(f"Primary owner(s): {_list(meta.owners.primary)}.")
            if meta.owners.secondary:
                summary.append(f"Secondary owner(s): {_list(meta.owners.secondary)}.")
        if meta.scope:
            if meta.scope.branches:
                summary.append(f"Applies to branches {_list(meta.scope.branches)}.")
            if meta.scope.when:
                summary.append(f"Applies when {meta.scope.when}.")
        items.append(
            Item("scope", "scope", meta.name, "Scope and owners", summary, _controls(meta))
        )
    for section, stage, kind, describe in _DESCRIBE:
        for rule in getattr(policy, section):
            envs = [rule.id] if kind == "environment" else _envs(rule)
            items.append(
                Item(
                    stage,
                    kind,
                    rule.id,
                    rule.title or getattr(rule, "name", "") or rule.id,
                    describe(rule),
                    _controls(rule),
                    envs,
                )
            )
    if policy.incidents:
        inc = policy.incidents
        for sev in inc.severities:
            items.append(
                Item(
                    "respond",
                    "severity",
                    sev.id,
                    sev.title or sev.id,
                    _severity(sev),
                    _controls(sev),
                )
            )
        rest = [
            c
            for c in _controls(inc)
            if c not in {x for s in inc.severities for x in _controls(s)} or c in inc.controls
        ]
        items.append(
            Item("respond", "incidents", "incidents", "Incident handling", _incidents(inc), rest)
        )
    if policy.access:
        items.extend(_items_for_access(policy.access))
    if policy.flags:
        for index, rule in enumerate(policy.flags.rules):
            items.append(
                Item(
                    "protect",
                    "flags",
                    f"flags-{rule.environment}",
                    f"Feature flags in {rule.environment}",
                    [
                        f"Risky flags default {rule.risky_default}; experimental "
                        f"{rule.experimental}; beta {rule.beta.replace('_', ' ')}"
                        + (
                            "; every risky flag has a kill switch."
                            if rule.require_kill_switch
                            else "."
                        ),
                    ],
                    _controls(rule) + (policy.flags.controls if index == 0 else []),
                    [rule.environment],
                )
            )
    if policy.ingestion:
        ing = policy.ingestion
        items.append(
            Item(
                "protect",
                "ingestion",
                "ingestion",
                "Ingestion controls",
                [
                    f"Every request scoped to {_list(ing.require_scope)}"
                    + ("; an idempotency key on every batch" if ing.require_idempotency_key else "")
                    + ("; auth validated before transport" if ing.auth_before_transport else "")
                    + ".",
                    "When the server is unavailable the local decision stands and is queued."
                    if ing.local_authoritative
                    else "The server's answer is required.",
                ],
                _controls(ing),
            )
        )
    if policy.audit:
        audit = policy.audit
        items.append(
            Item(
                "retain",
                "audit",
                "audit",
                "Audit trail",
                [
                    f"Recorded in the tamper-evident ledger: {_list(audit.record)}"
                    + ("; every entry carries a correlation id" if audit.correlation_id else "")
                    + ("; every publish attempt and outcome" if audit.publish_attempts else "")
                    + f". Access logs {audit.access_logs}.",
                ],
                _controls(audit),
            )
        )
    selected = [i for i in items if _applies(i, environment)]
    order = {stage: n for n, (stage, _) in enumerate(STAGES)}
    selected.sort(key=lambda i: order[i.stage])
    return Explanation(meta.name, meta.title, digest, environment, selected, list(policy.controls))
