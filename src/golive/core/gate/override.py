"""The emergency override (IG-OVR-1): a blocked release may go, on the record, when every
element the policy's override demands is present.

:func:`apply` runs after :func:`golive.core.gate.engine.decide`, on its decision. The
elements, each named when missing:

1. **override**: the claim names an override of the policy;
2. **incident**: an active incident of one of the override's severities (SEV-1);
3. **approver**: a person holding one of the override's approver roles (from the roster),
   who is not the release's author;
4. **linked issue**: a key matching the policy's pattern (when the policy asks for one);
5. **commit tag**: the candidate's head is a merge commit whose message carries the tag
   (``[Security Override]``);
6. **candidate**: the claim names this candidate's digest (or, with no digest, its commit):
   an override never travels to another artifact;
7. **expiry**: ``created <= now < expires`` and ``expires - created`` within
   ``max_validity``;
8. **follow-up**: a follow-up ticket when the policy sets ``follow_up``;
9. **scope**: every blocking check is one of the override's ``gates``.

A valid override turns ``blocked`` into ``overridden``; every failing check stays listed
and an ``override`` check records who, why and until when. An invalid one leaves the
verdict ``blocked`` and the ``override`` check names each missing element.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime

from golive.core.gate.checklist import names_candidate
from golive.core.gate.context import Context
from golive.core.gate.model import CheckResult, Decision, Facts, Outcome, Verdict
from golive.core.gate.sources import Commit
from golive.core.policy.model import Policy


@dataclass(frozen=True, slots=True)
class OverrideClaim:
    """An override request as written in an override file."""

    override: str
    candidate: str
    incident_id: str = ""
    incident_severity: str = ""
    incident_active: bool = False
    approver: str = ""
    approver_role: str = ""
    linked_issue: str = ""
    reason: str = ""
    created: datetime | None = None
    expires: datetime | None = None
    follow_up: str = ""
    source: str = ""


def missing_elements(
    policy: Policy,
    claim: OverrideClaim,
    facts: Facts,
    environment: str,
    now: datetime,
    head: Commit | None,
) -> list[str]:
    """Every element of IG-OVR-1 the claim lacks, one sentence each."""
    rule = next((o for o in policy.overrides if o.id == claim.override), None)
    if rule is None:
        known = ", ".join(o.id for o in policy.overrides) or "none"
        return [f"override: the policy has no override '{claim.override}' (it has: {known})"]
    ctx = Context(policy=policy, environment=environment, facts=facts, now=now)
    out: list[str] = []
    if not claim.incident_id:
        out.append("incident: no incident is named")
    elif claim.incident_severity not in rule.incident_severities:
        out.append(
            f"incident: {claim.incident_id} is {claim.incident_severity or 'of no severity'}, "
            f"not {' or '.join(rule.incident_severities)}"
        )
    elif not claim.incident_active:
        out.append(f"incident: {claim.incident_id} is not active")
    author = facts.candidate.author or (facts.review.author if facts.review else None)
    if not claim.approver:
        out.append("approver: nobody approved the override")
    elif claim.approver_role not in rule.approver_roles:
        out.append(
            f"approver: role '{claim.approver_role}' may not approve it "
            f"(needs {' or '.join(rule.approver_roles)})"
        )
    else:
        members = ctx.members(claim.approver_role)
        if members is None or claim.approver.lower() not in {m.lower() for m in members}:
            out.append(f"approver: {claim.approver} does not hold role '{claim.approver_role}'")
        elif author and claim.approver.lower() == author.lower():
            out.append(f"approver: {claim.approver} is the release's author")
    if rule.linked_issue is not None:
        if not claim.linked_issue:
            out.append(f"linked issue: no {rule.linked_issue.system} issue is linked")
        elif not re.search(rule.linked_issue.pattern, claim.linked_issue):
            out.append(
                f"linked issue: '{claim.linked_issue}' does not match {rule.linked_issue.pattern}"
            )
    if rule.commit_tag:
        if head is None:
            out.append("commit tag: the candidate's head commit is unknown (give --repo)")
        elif not head.is_merge:
            out.append(f"commit tag: {head.sha[:12]} is not a merge commit")
        elif rule.commit_tag not in head.message:
            out.append(f"commit tag: the merge commit message lacks '{rule.commit_tag}'")
    cand = facts.candidate
    if not claim.candidate:
        out.append("candidate: the override names no candidate")
    elif cand.digests and not any(
        p.strip().lower() in {d.rsplit("@", 1)[-1].lower() for d in cand.digests}
        for p in claim.candidate.replace(",", "@").split("@")
    ):
        out.append(f"candidate: the override is for {claim.candidate}, not this artifact")
    elif not names_candidate(claim.candidate, cand):
        out.append(f"candidate: the override is for {claim.candidate}, not this candidate")
    limit = rule.max_validity.timedelta
    if claim.created is None or claim.expires is None:
        out.append("expiry: the override needs 'created' and 'expires'")
    elif claim.created > now:
        out.append(f"expiry: created {claim.created.isoformat()}, after now")
    elif now >= claim.expires:
        out.append(f"expiry: expired at {claim.expires.isoformat()}")
    elif limit is not None and claim.expires - claim.created > limit:
        out.append(f"expiry: valid for longer than the policy's {rule.max_validity.describe()}")
    if rule.follow_up is not None and not claim.follow_up:
        out.append(f"follow-up: none named (due within {rule.follow_up.describe()})")
    return out


def apply(
    decision: Decision,
    policy: Policy,
    claim: OverrideClaim,
    facts: Facts,
    head: Commit | None,
) -> Decision:
    """The decision with the override applied (or refused, with why)."""
    rule = next((o for o in policy.overrides if o.id == claim.override), None)
    missing = missing_elements(policy, claim, facts, decision.environment, decision.now, head)
    blocking = [c for c in decision.checks if c.blocks]
    if rule is not None:
        beyond = [c.id for c in blocking if c.id not in rule.gates]
        if beyond:
            missing.append(
                f"scope: {', '.join(beyond)} cannot be overridden by {rule.id} "
                f"(it covers {', '.join(rule.gates)})"
            )
    facts_lines = (
        f"override: {claim.override} from {claim.source or 'a file'}",
        f"incident: {claim.incident_id} ({claim.incident_severity})",
        f"approved by {claim.approver} ({claim.approver_role})",
        f"reason: {claim.reason or '(none given)'}",
        f"linked issue: {claim.linked_issue or 'none'}; follow-up: {claim.follow_up or 'none'}",
        f"valid until {claim.expires.isoformat() if claim.expires else '?'}",
    )
    text = "IG-OVR-1: " + (rule.title if rule and rule.title else "emergency override")
    if missing:
        check = CheckResult(
            id="override",
            type="override",
            title=text,
            outcome=Outcome.FAIL,
            blocking=False,
            summary=f"override refused: {len(missing)} element(s) missing",
            rule="an override needs every element of the policy's override",
            reasons=tuple(missing),
            facts=facts_lines,
            remediation="supply the missing elements, or fix the failing checks",
            controls=tuple(rule.controls) if rule else (),
        )
        return dataclasses.replace(decision, checks=(*decision.checks, check))
    if decision.verdict is Verdict.PASS:
        check = CheckResult(
            id="override",
            type="override",
            title=text,
            outcome=Outcome.NOT_APPLICABLE,
            blocking=False,
            summary="not needed: the release passes without it",
            facts=facts_lines,
        )
        return dataclasses.replace(decision, checks=(*decision.checks, check))
    check = CheckResult(
        id="override",
        type="override",
        title=text,
        outcome=Outcome.PASS,
        blocking=False,
        summary=f"overridden by {claim.approver} ({claim.approver_role}) for incident "
        f"{claim.incident_id}: {', '.join(c.id for c in blocking)} still failing",
        rule="an override needs every element of the policy's override",
        reasons=tuple(f"{c.id} is {c.outcome.value}: {c.summary}" for c in blocking),
        facts=facts_lines,
        controls=tuple(rule.controls) if rule else (),
    )
    return dataclasses.replace(
        decision, verdict=Verdict.OVERRIDDEN, checks=(*decision.checks, check)
    )
