"""Checks over operational records (``--records FILE``): ``open_bugs``, ``backup_recent``,
``audit_events`` and ``publish_records``.

- ``open_bugs``: no open bug (with one of the gate's ``labels``, when given) above
  ``max_severity``; a bug of unknown severity counts as critical (fail closed).
- ``backup_recent``: the named backup last succeeded within ``within`` before ``now``
  (a backup dated after ``now`` does not count).
- ``audit_events``: every critical flow emitted at least one event, and every event of
  those flows carries each ``require_fields`` field, non-empty.
- ``publish_records``: every published batch carries an idempotency key (when required)
  and each ``require_scope`` key (``tenant``, ``repository``), non-empty.
"""

from __future__ import annotations

from golive.core.gate.context import CLOCK_SKEW, Context, result
from golive.core.gate.model import CheckResult, Outcome
from golive.core.policy.model import (
    SEVERITY_ORDER,
    AuditEventsGate,
    BackupRecentGate,
    GateBase,
    OpenBugsGate,
    PublishRecordsGate,
)

GIVE = "give --records FILE (kind: Records) with a '{}' section"


def _missing(gate: GateBase, section: str, rule: str) -> CheckResult:
    return result(
        gate,
        Outcome.ERROR,
        f"no {section.replace('_', ' ')} records were given",
        rule=rule,
        remediation=GIVE.format(section),
    )


def open_bugs(gate: OpenBugsGate, ctx: Context) -> CheckResult:
    p = gate.params
    rule = f"no open bug above {p.max_severity}" + (
        f" labelled {' or '.join(p.labels)}" if p.labels else ""
    )
    records = ctx.facts.records
    if records is None or records.bugs is None:
        return _missing(gate, "bugs", rule)
    limit = SEVERITY_ORDER.index(p.max_severity)
    open_ = [
        b
        for b in records.bugs
        if b.state.lower() == "open" and (not p.labels or set(p.labels) & set(b.labels))
    ]
    over = []
    for bug in open_:
        severity = bug.severity.lower()
        rank = SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else len(SEVERITY_ORDER)
        if rank > limit:
            shown = severity if severity in SEVERITY_ORDER else f"{severity or 'no'} severity, "
            shown += "" if severity in SEVERITY_ORDER else "counted as critical"
            over.append(f"{bug.id} ({shown}): {bug.title}".rstrip(": "))
    facts = (f"open bugs considered: {len(open_)} of {len(records.bugs)}",)
    if over:
        return result(
            gate,
            Outcome.FAIL,
            f"{len(over)} open bug(s) above {p.max_severity}",
            rule=rule,
            facts=facts,
            reasons=tuple(over),
            remediation="fix or downgrade the bugs named",
        )
    return result(gate, Outcome.PASS, f"no open bug above {p.max_severity}", rule=rule, facts=facts)


def backup_recent(gate: BackupRecentGate, ctx: Context) -> CheckResult:
    p = gate.params
    rule = f"backup {p.backup} succeeded within {p.within.describe()} before the deploy"
    records = ctx.facts.records
    if records is None or records.backups is None:
        return _missing(gate, "backups", rule)
    runs = [
        b
        for b in records.backups
        if b.backup == p.backup
        and b.status == "succeeded"
        and b.completed_at <= ctx.now + CLOCK_SKEW
    ]
    if not runs:
        return result(
            gate,
            Outcome.FAIL,
            f"no successful {p.backup} backup on record",
            rule=rule,
            remediation=f"run the {p.backup} backup and record it",
        )
    last = max(runs, key=lambda b: b.completed_at)
    age = ctx.now - last.completed_at
    limit = p.within.timedelta
    fact = f"last {p.backup} backup completed {last.completed_at.isoformat()}"
    if limit is not None and age > limit:
        return result(
            gate,
            Outcome.FAIL,
            f"the last {p.backup} backup is {age} old",
            rule=rule,
            facts=(fact,),
            remediation=f"run the {p.backup} backup before deploying",
        )
    return result(gate, Outcome.PASS, f"{p.backup} backed up {age} ago", rule=rule, facts=(fact,))


def audit_events(gate: AuditEventsGate, ctx: Context) -> CheckResult:
    p = gate.params
    rule = f"each critical flow ({', '.join(p.flows)}) emits audit events carrying " + ", ".join(
        p.require_fields
    )
    records = ctx.facts.records
    if records is None or records.audit_events is None:
        return _missing(gate, "audit_events", rule)
    problems = []
    facts = []
    for flow in p.flows:
        events = [e for e in records.audit_events if e.flow == flow]
        facts.append(f"{flow}: {len(events)} event(s)")
        if not events:
            problems.append(f"{flow}: no audit event recorded")
            continue
        lacking = sorted({f for e in events for f in p.require_fields if not e.fields.get(f)})
        if lacking:
            problems.append(f"{flow}: events without {', '.join(lacking)}")
    if problems:
        return result(
            gate,
            Outcome.FAIL,
            f"{len(problems)} flow(s) not traceable",
            rule=rule,
            facts=tuple(facts),
            reasons=tuple(problems),
            remediation="emit an audit event with the required fields from each flow named",
        )
    return result(
        gate,
        Outcome.PASS,
        f"all {len(p.flows)} flows emit traceable events",
        rule=rule,
        facts=tuple(facts),
    )


def publish_records(gate: PublishRecordsGate, ctx: Context) -> CheckResult:
    p = gate.params
    needs = (["idempotency key"] if p.require_idempotency_key else []) + list(p.require_scope)
    rule = "every published batch carries " + (", ".join(needs) or "nothing in particular")
    records = ctx.facts.records
    if records is None or records.publishes is None:
        return _missing(gate, "publishes", rule)
    problems = []
    for batch in records.publishes:
        lacking: list[str] = [s for s in p.require_scope if not batch.scope.get(s)]
        if p.require_idempotency_key and not batch.idempotency_key:
            lacking.insert(0, "idempotency key")
        if lacking:
            problems.append(f"batch {batch.batch}: no {', '.join(lacking)}")
    facts = (f"published batches: {len(records.publishes)}",)
    if not records.publishes:
        return result(
            gate,
            Outcome.ERROR,
            "no published batch on record",
            rule=rule,
            facts=facts,
            reasons=("an empty record proves nothing",),
            remediation="record the release's publishes (e.g. from a staging run)",
        )
    if problems:
        return result(
            gate,
            Outcome.FAIL,
            f"{len(problems)} batch(es) unscoped or without a key",
            rule=rule,
            facts=facts,
            reasons=tuple(problems),
            remediation="send every batch with an idempotency key and its tenant and repository",
        )
    return result(
        gate,
        Outcome.PASS,
        f"all {len(records.publishes)} batches scoped and idempotent",
        rule=rule,
        facts=facts,
    )
