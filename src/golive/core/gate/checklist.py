"""``checklist``: every item of a checklist is signed off, for this candidate, by the right
person.

A sign-off (``golive attest ITEM --candidate C --by NAME --role ROLE``) counts when:

1. it names this candidate (its commit, or one of its artifact digests);
2. the role is one the item accepts, and NAME holds it (roster, else the policy's static
   ``roles[].members``): a claimed role is never taken on trust;
3. NAME is not the release's author, unless the item says ``author_may_sign``;
4. it carries a link when the item requires one;
5. it was made at or before ``now`` (a decision replayed in the past ignores later ones),
   compared as instants in UTC (a sign-off at 02:30 CEST precedes a ``now`` of 02:10 CET on
   the night clocks fall back).

A sign-off that does not count is listed with why, so nobody wonders why an item is open.
"""

from __future__ import annotations

from datetime import UTC

from golive.core.gate.context import CLOCK_SKEW, Context, result
from golive.core.gate.model import Candidate, CheckResult, Outcome
from golive.core.gate.sources import SignOff
from golive.core.policy.model import ChecklistGate, ChecklistItem


def names_candidate(spec: str, candidate: Candidate) -> bool:
    """True when a sign-off's candidate text names this candidate's commit or a digest."""
    parts = [p.strip().lower() for p in spec.replace(",", "@").split("@") if p.strip()]
    digests = {d.rsplit("@", 1)[-1].lower() for d in candidate.digests}
    commit = (candidate.commit or "").lower()
    for part in parts:
        if part.startswith("sha256:") and part in digests:
            return True
        if commit and len(part) >= 7 and (commit.startswith(part) or part.startswith(commit)):
            return True
    return False


def why_not(signoff: SignOff, item: ChecklistItem, ctx: Context, author: str | None) -> str | None:
    """``None`` when ``signoff`` counts for ``item``; else the reason it does not."""
    if signoff.role not in item.roles:
        return f"role '{signoff.role}' cannot sign this item (it takes {', '.join(item.roles)})"
    members = ctx.members(signoff.role)
    if members is None:
        return f"nobody is known to hold role '{signoff.role}' (give --roster)"
    if signoff.by.lower() not in {m.lower() for m in members}:
        return f"{signoff.by} does not hold role '{signoff.role}'"
    if not item.author_may_sign and author and signoff.by.lower() == author.lower():
        return f"{signoff.by} is the release's author, and this item needs someone else"
    if item.link == "required" and not signoff.link:
        return "the item requires a link (ticket, runbook or report) and none was given"
    if signoff.at.astimezone(UTC) > ctx.now.astimezone(UTC) + CLOCK_SKEW:
        return f"it was made at {signoff.at.isoformat()}, after the decision's time"
    return None


def evaluate(gate: ChecklistGate, ctx: Context) -> CheckResult:
    checklist = next((c for c in ctx.policy.checklists if c.id == gate.params.checklist), None)
    if checklist is None:
        return result(
            gate,
            Outcome.ERROR,
            f"the policy has no checklist '{gate.params.checklist}'",
            remediation="name a checklist of the policy's 'checklists'",
        )
    rule = (
        f"every item of '{checklist.title or checklist.id}' is signed off by a holder of its role"
    )
    if checklist.environments and ctx.environment not in checklist.environments:
        return result(
            gate,
            Outcome.NOT_APPLICABLE,
            f"the checklist does not apply to {ctx.environment}",
            rule=rule,
        )
    signoffs = ctx.facts.signoffs
    cand = ctx.facts.candidate
    if signoffs is None:
        return result(
            gate,
            Outcome.ERROR,
            "no sign-offs were given",
            rule=rule,
            remediation="record sign-offs with 'golive attest' and give --signoffs FILE",
        )
    if not cand.commit and not cand.digests:
        return result(
            gate,
            Outcome.ERROR,
            "the candidate is unknown, so sign-offs cannot be matched",
            rule=rule,
            remediation="give --candidate (or --commit / --digest)",
        )
    review = ctx.facts.review
    author = cand.author or (review.author if review else None)
    facts = [f"author: {author or 'unknown'}"]
    missing: list[str] = []
    for item in checklist.items:
        relevant = [
            s
            for s in signoffs
            if s.item == item.id
            and (not s.checklist or s.checklist == checklist.id)
            and names_candidate(s.candidate, cand)
        ]
        good = None
        rejected: list[str] = []
        for s in sorted(relevant, key=lambda s: s.at.astimezone(UTC)):
            why = why_not(s, item, ctx, author)
            if why is None:
                good = good or s
            else:
                rejected.append(f"{s.by} ({s.role}): {why}")
        if good is not None:
            link = f", {good.link}" if good.link else ""
            facts.append(
                f"{item.id}: signed by {good.by} ({good.role}) at {good.at.isoformat()}{link}"
            )
        else:
            text = (
                f"{item.id} ({item.title or item.id}): not signed off by {' or '.join(item.roles)}"
            )
            if rejected:
                text += "; not counted: " + "; ".join(rejected)
            missing.append(text)
    if missing:
        return result(
            gate,
            Outcome.FAIL,
            f"{len(missing)} of {len(checklist.items)} items not signed off",
            rule=rule,
            facts=tuple(facts),
            reasons=tuple(missing),
            remediation="golive attest ITEM --candidate C --by NAME --role ROLE [--link URL]",
        )
    return result(
        gate,
        Outcome.PASS,
        f"all {len(checklist.items)} items signed off",
        rule=rule,
        facts=tuple(facts),
    )
