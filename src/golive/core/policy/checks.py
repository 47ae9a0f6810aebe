"""Checks a policy must pass beyond its types: references, duplicates, impossible values.

Each check is a small function over the validated :class:`Policy` returning
:class:`Issue` values; :func:`check` runs them all in order. References are
data: :data:`REFERENCES` says which field of which model names what kind of
thing, and one function resolves them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from golive.core.durations import Duration
from golive.core.policy import model as m
from golive.core.policy.source import Path, format_path
from golive.core.suggest import did_you_mean


@dataclass(frozen=True)
class Issue:
    path: Path
    message: str
    hint: str = ""
    severity: Literal["error", "warning"] = "error"


# ---------------------------------------------------------------------------------------------
# walking the model
# ---------------------------------------------------------------------------------------------


def walk(node: Any, path: Path = ()) -> Iterator[tuple[Path, BaseModel]]:
    """Every model instance in the policy with its path (field names as written)."""
    if isinstance(node, BaseModel):
        yield path, node
        for name, info in type(node).model_fields.items():
            yield from walk(getattr(node, name), (*path, info.alias or name))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from walk(item, (*path, index))
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from walk(item, (*path, key))


def walk_values(node: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every leaf value with its path."""
    if isinstance(node, BaseModel):
        for name, info in type(node).model_fields.items():
            yield from walk_values(getattr(node, name), (*path, info.alias or name))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from walk_values(item, (*path, index))
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from walk_values(item, (*path, key))
    else:
        yield path, node


# ---------------------------------------------------------------------------------------------
# references
# ---------------------------------------------------------------------------------------------

Target = Literal[
    "environment",
    "deployable",
    "role",
    "calendar",
    "severity",
    "escalation",
    "gate",
    "approval",
    "checklist",
    "window",
    "freeze",
    "backup",
    "slo",
    "alert",
]

#: (model, field as written in the policy, what it names)
REFERENCES: tuple[tuple[type[BaseModel], str, Target], ...] = (
    (m.GateBase, "environments", "environment"),
    (m.GateBase, "deployables", "deployable"),
    (m.Deployable, "environments", "environment"),
    (m.Environment, "promotes_from", "environment"),
    (m.Fence, "deny_environments", "environment"),
    (m.Checklist, "environments", "environment"),
    (m.RolloutPlan, "environments", "environment"),
    (m.RolloutPlan, "deployables", "deployable"),
    (m.RolloutPlan, "triggered_by", "role"),
    (m.RolloutPlan, "windows", "window"),
    (m.Window, "environments", "environment"),
    (m.Window, "calendar", "calendar"),
    (m.Freeze, "environments", "environment"),
    (m.Slo, "environments", "environment"),
    (m.Slo, "deployables", "deployable"),
    (m.Slo, "calendar", "calendar"),
    (m.Alert, "deployables", "deployable"),
    (m.Alert, "escalation", "escalation"),
    (m.Backup, "deployables", "deployable"),
    (m.Grant, "environment", "environment"),
    (m.Grant, "role", "role"),
    (m.Jit, "environments", "environment"),
    (m.Jit, "approver_roles", "role"),
    (m.Breakglass, "roles", "role"),
    (m.Access, "mfa", "environment"),
    (m.FlagRule, "environment", "environment"),
    (m.ChecklistItem, "roles", "role"),
    (m.RoleQuota, "role", "role"),
    (m.Override, "gates", "gate"),
    (m.Override, "approver_roles", "role"),
    (m.Override, "incident_severities", "severity"),
    (m.WaiverRules, "approver_roles", "role"),
    (m.BudgetPolicy, "approver_roles", "role"),
    (m.Review, "owner", "role"),
    (m.Review, "slos", "slo"),
    (m.Incidents, "calendar", "calendar"),
    (m.IncidentSeverity, "escalation", "escalation"),
    (m.CriticalPath, "severity_on_failure", "severity"),
    (m.IncidentSli, "severities", "severity"),
    (m.ApprovalsParams, "rule", "approval"),
    (m.ChecklistParams, "checklist", "checklist"),
    (m.ScheduleParams, "windows", "window"),
    (m.ScheduleParams, "freezes", "freeze"),
    (m.BackupRecentParams, "backup", "backup"),
    (m.PromotionParams, "from", "environment"),
    (m.AnalysisMetric, "slo", "slo"),
    (m.AnalysisMetric, "alert", "alert"),
    (m.PostDeployPhase, "slos", "slo"),
    (m.PostDeployPhase, "alerts", "alert"),
    (m.SloWindowsCondition, "slo", "slo"),
)

_SECTION_OF: dict[Target, str] = {
    "environment": "environments",
    "deployable": "deployables",
    "role": "roles",
    "calendar": "calendars",
    "severity": "incidents.severities",
    "escalation": "escalations",
    "gate": "gates",
    "approval": "approvals",
    "checklist": "checklists",
    "window": "windows",
    "freeze": "freezes",
    "backup": "backups",
    "slo": "slos",
    "alert": "alerts",
}


def _known(policy: m.Policy) -> dict[Target, set[str]]:
    severities: set[str] = set()
    if policy.incidents:
        for sev in policy.incidents.severities:
            severities.add(sev.id)
            severities.update(sev.aliases)
    return {
        "environment": {e.id for e in policy.environments},
        "deployable": {d.id for d in policy.deployables},
        "role": {r.id for r in policy.roles},
        "calendar": {c.id for c in policy.calendars},
        "severity": severities,
        "escalation": {e.id for e in policy.escalations},
        "gate": {g.id for g in policy.gates},
        "approval": {a.id for a in policy.approvals},
        "checklist": {c.id for c in policy.checklists},
        "window": {w.id for w in policy.windows},
        "freeze": {f.id for f in policy.freezes},
        "backup": {b.id for b in policy.backups},
        "slo": {s.id for s in policy.slos},
        "alert": {a.id for a in policy.alerts},
    }


def _field_value(instance: BaseModel, written: str) -> Any:
    for name, info in type(instance).model_fields.items():
        if (info.alias or name) == written:
            return getattr(instance, name)
    return None


def check_references(policy: m.Policy) -> list[Issue]:
    """Every name that points at another part of the policy must exist there."""
    known = _known(policy)
    issues = []
    for path, instance in walk(policy):
        for model, field, target in REFERENCES:
            if not isinstance(instance, model):
                continue
            value = _field_value(instance, field)
            names = value if isinstance(value, list) else [] if value is None else [value]
            for index, name in enumerate(names):
                if name in known[target]:
                    continue
                where = (*path, field, index) if isinstance(value, list) else (*path, field)
                hint = did_you_mean(name, known[target])
                if not known[target]:
                    hint = f"the policy defines no {target}s; add one under '{_SECTION_OF[target]}'"
                elif not hint:
                    hint = f"defined {target}s: " + ", ".join(sorted(known[target]))
                issues.append(Issue(where, f"unknown {target} '{name}'", hint))
    return issues


def check_controls(policy: m.Policy) -> list[Issue]:
    """Rules may cite only controls in the catalog; a catalog entry nothing cites is a warning."""
    catalog = {c.id for c in policy.controls}
    cited: set[str] = set()
    issues = []
    for path, value in walk_values(policy):
        if len(path) >= 2 and path[-2] == "controls" and path[0] != "controls":
            cited.add(value)
            if value not in catalog:
                issues.append(
                    Issue(
                        path,
                        f"unknown control id '{value}'",
                        "add it to the 'controls' catalog with the rule it stands for",
                    )
                )
    for index, control in enumerate(policy.controls):
        if control.id not in cited:
            issues.append(
                Issue(
                    ("controls", index, "id"),
                    f"control '{control.id}' is in the catalog but no rule carries it out",
                    "cite it in the 'controls' list of the rule that enforces it",
                    "warning",
                )
            )
    return issues


# ---------------------------------------------------------------------------------------------
# duplicates
# ---------------------------------------------------------------------------------------------


def _id_lists(policy: m.Policy) -> Iterator[tuple[Path, list[Any]]]:
    for name in (
        "controls",
        "calendars",
        "roles",
        "environments",
        "deployables",
        "gates",
        "approvals",
        "checklists",
        "overrides",
        "rollouts",
        "windows",
        "freezes",
        "slos",
        "alerts",
        "escalations",
        "retention",
        "backups",
        "reviews",
    ):
        yield (name,), getattr(policy, name)
    for index, checklist in enumerate(policy.checklists):
        yield ("checklists", index, "items"), checklist.items
    for index, rollout in enumerate(policy.rollouts):
        yield ("rollouts", index, "post_deploy"), rollout.post_deploy
        yield ("rollouts", index, "analysis"), [_Named(a.name) for a in rollout.analysis]
    if policy.incidents:
        yield ("incidents", "critical_paths"), policy.incidents.critical_paths
    for index, gate in enumerate(policy.gates):
        if isinstance(gate, m.CommandPassedGate):
            yield (
                ("gates", index, "params", "commands"),
                [_Named(c.name) for c in gate.params.commands],
            )


@dataclass
class _Named:
    id: str


def check_duplicates(policy: m.Policy) -> list[Issue]:
    """Ids are unique within their section; severity ids and aliases are unique together."""
    issues = []
    for path, items in _id_lists(policy):
        first: dict[str, int] = {}
        for index, item in enumerate(items):
            if item.id in first:
                issues.append(
                    Issue(
                        (*path, index, "id"),
                        f"duplicate id '{item.id}' (first used at "
                        f"{format_path((*path, first[item.id]))})",
                        "ids must be unique within a section; rename one",
                    )
                )
            else:
                first[item.id] = index
    if policy.incidents:
        owner: dict[str, str] = {}
        for index, sev in enumerate(policy.incidents.severities):
            for position, name in enumerate([sev.id, *sev.aliases]):
                where: Path = ("incidents", "severities", index)
                where = (*where, "id") if position == 0 else (*where, "aliases", position - 1)
                if name in owner and owner[name] != sev.id:
                    issues.append(
                        Issue(
                            where,
                            f"'{name}' names both severity '{owner[name]}' and '{sev.id}'",
                            "a severity name or alias must mean one severity",
                        )
                    )
                owner.setdefault(name, sev.id)
    return issues


# ---------------------------------------------------------------------------------------------
# impossible values
# ---------------------------------------------------------------------------------------------

#: Fields whose durations may be business days (counted on a calendar).
_BUSINESS_OK = {
    "detect",
    "acknowledge",
    "mitigate",
    "status_updates",
    "resolve",
    "rca",
    "postmortem",
    "follow_up",
    "review_within",
}
#: Fields whose durations may be calendar months or years.
_CALENDAR_OK = {
    "hot",
    "cold",
    "retention",
    "every",
    "drill_every",
    "verify_every",
    "window",
    "rca",
    "postmortem",
    "max_lifetime",
}


def check_durations(policy: m.Policy) -> list[Issue]:
    """Business days need a calendar; calendar units only where a calendar period makes sense."""
    issues = []
    default_calendar = len(policy.calendars) == 1
    for path, value in walk_values(policy):
        if not isinstance(value, Duration):
            continue
        field = next((p for p in reversed(path) if isinstance(p, str)), "")
        if field in ("critical", "high", "medium", "low", "info"):
            field = "max_lifetime"
        if value.kind == "business":
            if field not in _BUSINESS_OK:
                issues.append(
                    Issue(
                        path,
                        f"'{value}' counts business days, which this field cannot use",
                        "write an elapsed duration such as '48h' or '7d'",
                    )
                )
            elif not (
                (path[0] == "incidents" and policy.incidents and policy.incidents.calendar)
                or default_calendar
            ):
                issues.append(
                    Issue(
                        path,
                        f"'{value}' counts business days, but no calendar says which days "
                        "those are",
                        "define one calendar under 'calendars' (or name it in "
                        "'incidents.calendar')",
                    )
                )
        elif value.kind == "calendar" and field not in _CALENDAR_OK:
            issues.append(
                Issue(
                    path,
                    f"'{value}' is a calendar period, which this field cannot use",
                    "write an elapsed duration such as '30d'",
                )
            )
    return issues


def check_freezes_and_windows(policy: m.Policy) -> list[Issue]:
    issues = []
    for index, freeze in enumerate(policy.freezes):
        if freeze.end <= freeze.start:
            issues.append(
                Issue(
                    ("freezes", index, "end"),
                    f"the freeze ends ({freeze.end.isoformat()}) before it starts "
                    f"({freeze.start.isoformat()})",
                    "swap start and end, or fix the date",
                )
            )
    for index, window in enumerate(policy.windows):
        if (window.calendar is None) == (window.timezone is None):
            issues.append(
                Issue(
                    ("windows", index),
                    "a window needs exactly one of 'calendar' or 'timezone'",
                    "name a calendar, or give an IANA time zone",
                )
            )
        if window.start == window.end:
            issues.append(
                Issue(
                    ("windows", index, "end"),
                    f"the window starts and ends at {window.start}: it is empty",
                    "for a whole day write start '00:00' and end '24:00'",
                )
            )
    for index, calendar in enumerate(policy.calendars):
        if not calendar.workdays:
            issues.append(
                Issue(("calendars", index, "workdays"), "a calendar needs at least one workday")
            )
        if calendar.hours and calendar.hours.start >= calendar.hours.end:
            issues.append(
                Issue(
                    ("calendars", index, "hours"),
                    f"business hours end ({calendar.hours.end}) at or before they start "
                    f"({calendar.hours.start})",
                )
            )
    return issues


def check_slos(policy: m.Policy) -> list[Issue]:
    """Tiers that can never fire, 100% objectives with budgets, windows that make no sense."""
    issues = []
    calendars = {c.id: c for c in policy.calendars}
    for index, slo in enumerate(policy.slos):
        base: Path = ("slos", index)
        budget = 1 - slo.objective / 100
        alerting = slo.alerting
        has_tiers = bool(alerting and (alerting.burn_rates or alerting.workbook))
        if slo.objective >= 100 and has_tiers:
            issues.append(
                Issue(
                    (*base, "objective"),
                    "an objective of 100% leaves no error budget, so burn-rate alerts are "
                    "meaningless (every single error is infinite burn)",
                    "lower the objective (e.g. 99.9) or alert with a threshold rule instead",
                )
            )
        if alerting:
            for tier_index, tier in enumerate(alerting.burn_rates):
                where = (*base, "alerting", "burn_rates", tier_index)
                if budget > 0 and tier.factor * budget >= 1:
                    issues.append(
                        Issue(
                            (*where, "factor"),
                            f"tier '{tier.name}' can never fire: factor {tier.factor} x budget "
                            f"{budget:.4g} = {tier.factor * budget:.4g}, but an error ratio "
                            "cannot exceed 1",
                            f"use a factor below {1 / budget:.4g}, or raise the objective",
                        )
                    )
                long_s, short_s = tier.long.seconds, tier.short.seconds if tier.short else None
                if long_s is None:
                    issues.append(Issue((*where, "long"), "the long window must be elapsed time"))
                elif short_s is not None and short_s >= long_s:
                    issues.append(
                        Issue(
                            (*where, "short"),
                            f"the short window ({tier.short}) must be shorter than the long "
                            f"window ({tier.long})",
                            "the workbook uses long / 12, e.g. 1h and 5m",
                        )
                    )
                window_s = slo.window.seconds or 30 * 86_400
                if long_s is not None and long_s > window_s:
                    issues.append(
                        Issue(
                            (*where, "long"),
                            f"the long window ({tier.long}) is longer than the SLO window "
                            f"({slo.window})",
                        )
                    )
        if slo.window.kind == "business" or (
            slo.window.kind == "calendar" and slo.window.unit != "mo"
        ):
            issues.append(
                Issue(
                    (*base, "window"),
                    f"'{slo.window}' cannot be an SLO window",
                    "write a rolling window such as '30d', or '1mo' for calendar months",
                )
            )
        if slo.during == "business_hours":
            calendar = calendars.get(slo.calendar) if slo.calendar else None
            if calendar is None or calendar.hours is None:
                issues.append(
                    Issue(
                        (*base, "during"),
                        "'business_hours' needs a calendar with business hours",
                        "name a calendar with 'hours' in this SLO's 'calendar'",
                    )
                )
    return issues


def check_rollouts(policy: m.Policy) -> list[Issue]:
    issues = []
    for index, rollout in enumerate(policy.rollouts):
        base: Path = ("rollouts", index)
        if rollout.strategy == "canary" and not rollout.steps:
            issues.append(
                Issue(
                    (*base, "steps"),
                    "a canary rollout needs steps",
                    "e.g. weights 0, 25, 50, 100",
                )
            )
        weights = [step.weight for step in rollout.steps]
        for position in range(1, len(weights)):
            if weights[position] < weights[position - 1]:
                issues.append(
                    Issue(
                        (*base, "steps", position, "weight"),
                        f"traffic goes down from {weights[position - 1]}% to "
                        f"{weights[position]}%; steps must not decrease",
                    )
                )
        if weights and weights[-1] != 100:
            issues.append(
                Issue(
                    (*base, "steps", len(weights) - 1, "weight"),
                    f"the last step sends {weights[-1]}% of traffic; a rollout ends at 100%",
                )
            )
        for phase_index, phase in enumerate(rollout.post_deploy):
            start, end = phase.start.seconds, phase.end.seconds
            if start is not None and end is not None and end <= start:
                issues.append(
                    Issue(
                        (*base, "post_deploy", phase_index, "end"),
                        f"the phase ends ({phase.end}) before it starts ({phase.start})",
                    )
                )
    return issues


def check_gates(policy: m.Policy) -> list[Issue]:
    issues = []
    for index, gate in enumerate(policy.gates):
        base: Path = ("gates", index, "params")
        if isinstance(gate, m.SecurityGate):
            params = gate.params
            if not (params.sast or params.sca or params.secrets):
                issues.append(
                    Issue(
                        base,
                        "a security gate needs at least one of 'sast', 'sca' or 'secrets'",
                    )
                )
        if isinstance(gate, m.SignedCommitsGate) and not (
            gate.params.allowed_signers or gate.params.gpg_keyring or gate.params.x509_roots
        ):
            issues.append(
                Issue(
                    base,
                    "signed commits are verified against pinned keys; give "
                    "'allowed_signers' (SSH), 'gpg_keyring' (GPG) or 'x509_roots' (x509)",
                )
            )
        if gate.owed == "pass_with_debt" and gate.source is None:
            issues.append(
                Issue(
                    ("gates", index, "owed"),
                    "'owed' applies only to a check with a named 'source' that can be unavailable",
                    'add e.g. "source: remote-ci"',
                )
            )
    return issues


def check_backups(policy: m.Policy) -> list[Issue]:
    """A schedule that cannot meet its RPO is a promise the team cannot keep."""
    issues = []
    for index, backup in enumerate(policy.backups):
        continuous = backup.point_in_time or any(s.every == "continuous" for s in backup.schedule)
        intervals = [
            s.every.seconds
            for s in backup.schedule
            if isinstance(s.every, Duration) and s.every.seconds is not None
        ]
        rpo = backup.rpo.seconds
        if not continuous and intervals and rpo is not None and min(intervals) > rpo:
            issues.append(
                Issue(
                    ("backups", index, "rpo"),
                    f"the most frequent backup runs every "
                    f"{Duration('elapsed', min(intervals), 's').describe()}, so the RPO of "
                    f"{backup.rpo.describe()} cannot be met",
                    "back up more often, or enable point-in-time recovery",
                )
            )
    return issues


def check_environments(policy: m.Policy) -> list[Issue]:
    """The promotion chain must not loop."""
    issues = []
    parent = {e.id: e.promotes_from for e in policy.environments}
    for index, env in enumerate(policy.environments):
        seen = {env.id}
        current = env.promotes_from
        while current is not None and current in parent:
            if current in seen:
                issues.append(
                    Issue(
                        ("environments", index, "promotes_from"),
                        f"the promotion chain from '{env.id}' loops back to '{current}'",
                    )
                )
                break
            seen.add(current)
            current = parent[current]
    return issues


CHECKS: tuple[Callable[[m.Policy], list[Issue]], ...] = (
    check_duplicates,
    check_references,
    check_controls,
    check_durations,
    check_freezes_and_windows,
    check_slos,
    check_rollouts,
    check_gates,
    check_backups,
    check_environments,
)


def check(policy: m.Policy) -> list[Issue]:
    """Run every check; errors and warnings together, in check order."""
    issues: list[Issue] = []
    for run in CHECKS:
        issues.extend(run(policy))
    return issues
