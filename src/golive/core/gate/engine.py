"""``decide``: the gate as a pure function of the policy, the facts and ``now``.

Which gates run: those that guard the environment (an empty ``environments`` list guards
every one), apply to the candidate's deployable, and belong to the stage. The ``pre-deploy``
stage also re-checks ``pre-merge`` gates (a deploy must still hold what the merge required);
``pre-merge`` and ``post-deploy`` run only their own.

The verdict: ``blocked`` when any blocking check fails, errors, or is owed where the policy
says owed blocks; otherwise ``pass``. Advisory checks (``blocking: false``) are reported and
never block.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from golive.core.gate import (
    approvals,
    checklist,
    commands,
    config_scan,
    flags,
    openapi,
    operations,
    promotion,
    refs,
    schedule,
    security,
    semver,
    signatures,
    tests_pass,
)
from golive.core.gate.context import Context, result
from golive.core.gate.model import (
    CheckResult,
    Debt,
    Decision,
    Facts,
    Outcome,
    Verdict,
    WaiverStatus,
)
from golive.core.policy.model import GateBase, Policy
from golive.core.severity import ALGORITHM_VERSION
from golive.errors import UsageError

Check = Callable[[Any, Context], CheckResult]

#: The evaluator of each gate type. A type with no evaluator is an ``error`` (never a pass).
CHECKS: dict[str, Check] = {
    "tests_pass": tests_pass.evaluate,
    "security": security.evaluate,
    "command_passed": commands.evaluate,
    "branch": refs.evaluate,
    "semver": semver.evaluate,
    "approvals": approvals.evaluate,
    "signed_commits": signatures.evaluate,
    "schedule": schedule.evaluate,
    "promotion": promotion.evaluate,
    "checklist": checklist.evaluate,
    "api_docs": openapi.evaluate,
    "config_scan": config_scan.evaluate,
    "feature_flags": flags.evaluate,
    "open_bugs": operations.open_bugs,
    "backup_recent": operations.backup_recent,
    "audit_events": operations.audit_events,
    "publish_records": operations.publish_records,
}

STAGES = ("pre-merge", "pre-deploy", "post-deploy")
_STAGE_GATES = {
    "pre-merge": ("pre-merge",),
    "pre-deploy": ("pre-merge", "pre-deploy"),
    "post-deploy": ("post-deploy",),
}


def applicable(policy: Policy, environment: str, stage: str, deployable: str | None) -> list[Any]:
    """The policy's gates that this decision runs, in policy order."""
    stages = _STAGE_GATES[stage]
    out = []
    for gate in policy.gates:
        if gate.environments and environment not in gate.environments:
            continue
        if gate.stage not in stages:
            continue
        if deployable and gate.deployables and deployable not in gate.deployables:
            continue
        out.append(gate)
    return out


def decide(
    policy: Policy,
    *,
    environment: str,
    facts: Facts,
    now: datetime,
    policy_digest: str,
    golive_version: str,
    stage: str = "pre-deploy",
    notes: tuple[str, ...] = (),
) -> Decision:
    """Decide whether the candidate in ``facts`` may go to ``environment`` at ``now``."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise UsageError("'now' needs a UTC offset (e.g. 2026-11-24T10:00:00Z)")
    if policy.environment(environment) is None:
        known = ", ".join(e.id for e in policy.environments)
        raise UsageError(f"the policy has no environment '{environment}' (it has: {known})")
    if stage not in STAGES:
        raise UsageError(f"unknown stage '{stage}'; one of: {', '.join(STAGES)}")
    deployable = facts.candidate.deployable
    if deployable and policy.deployables and deployable not in {d.id for d in policy.deployables}:
        known = ", ".join(d.id for d in policy.deployables)
        raise UsageError(f"the policy has no deployable '{deployable}' (it has: {known})")
    ctx = Context(policy=policy, environment=environment, facts=facts, now=now)
    gates = applicable(policy, environment, stage, deployable)
    checks = tuple(_run(gate, ctx) for gate in gates)
    if facts.unreadable:
        checks = (_unreadable(facts.unreadable), *checks)
    verdict = Verdict.BLOCKED if any(c.blocks for c in checks) else Verdict.PASS
    settled = settles(facts.debts, checks)
    return Decision(
        verdict=verdict,
        environment=environment,
        stage=stage,
        now=now,
        candidate=facts.candidate,
        policy_name=policy.metadata.name,
        policy_digest=policy_digest,
        golive_version=golive_version,
        severity_algorithm=ALGORITHM_VERSION,
        evidence=facts.evidence,
        checks=checks,
        waivers=_waivers(policy, facts, checks),
        notes=notes,
        settled_debts=settled,
        open_debts=tuple(d for d in facts.debts if d not in settled),
    )


def settles(debts: tuple[Debt, ...], checks: tuple[CheckResult, ...]) -> tuple[Debt, ...]:
    """The open debts these checks settle: those whose check now decides ``pass`` or ``waived``.

    An owed check that passed with a debt never proved what it checks; only a later decision
    that ran it and saw it pass (or waived by a valid waiver) closes the debt. ``error``,
    ``owed`` again, ``not_applicable`` or a check that did not run leave it open.
    """
    done = {c.id for c in checks if c.outcome in (Outcome.PASS, Outcome.WAIVED)}
    return tuple(d for d in debts if d.check in done)


def _run(gate: GateBase, ctx: Context) -> CheckResult:
    if gate.source is not None and gate.source in ctx.facts.unavailable:
        debt = gate.owed == "pass_with_debt"
        return result(
            gate,
            Outcome.OWED,
            f"its source '{gate.source}' is unavailable",
            reasons=(
                f"the facts for this check come from '{gate.source}', which is unavailable",
                "the policy lets the release pass and records a debt until a later decision "
                "settles it"
                if debt
                else "the policy says an owed check blocks the release",
            ),
            remediation=f"restore '{gate.source}' and decide again",
            debt=debt,
        )
    gate_type = str(getattr(gate, "type", ""))
    check = CHECKS.get(gate_type)
    if check is None:
        return result(
            gate,
            Outcome.ERROR,
            f"this golive cannot evaluate '{gate_type}' checks yet",
            reasons=(f"no evaluator for gate type '{gate_type}' in this version of golive",),
            remediation="upgrade golive, or mark the gate 'blocking: false' until it can be "
            "evaluated",
        )
    return check(gate, ctx)


def _unreadable(problems: tuple[str, ...]) -> CheckResult:
    return CheckResult(
        id="evidence-readable",
        type="evidence",
        title="Every evidence file can be read",
        outcome=Outcome.ERROR,
        blocking=True,
        summary=f"{len(problems)} evidence file(s) could not be read",
        rule="every file given as evidence is read; an unreadable report could have said anything",
        reasons=problems,
        remediation="fix or remove the files named (golive evidence inspect shows why)",
    )


def _waivers(
    policy: Policy, facts: Facts, checks: tuple[CheckResult, ...]
) -> tuple[WaiverStatus, ...]:
    """Every waiver's status: from the checks that judged it, or why none did."""
    judged = {w.id: w for c in checks for w in c.waivers}
    gate_ids = {g.id for g in policy.gates}
    run_ids = {c.id for c in checks}
    out: list[WaiverStatus] = []
    for w in sorted(facts.waivers, key=lambda w: w.id):
        if w.id in judged:
            out.append(judged[w.id])
        elif w.check not in gate_ids:
            out.append(
                WaiverStatus(w.id, w.check, "invalid", f"names no gate of the policy ('{w.check}')")
            )
        elif w.check in run_ids:
            out.append(WaiverStatus(w.id, w.check, "unused", "its check takes no waivers"))
    return tuple(out)
