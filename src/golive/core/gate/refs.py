"""``branch``: the candidate comes from a branch or tag allowed to deploy to the environment.

The environment's ``branches`` and ``tags`` are GitHub globs (``*`` stops at ``/``). The
candidate's branch and tags come from git (``--repo``) or are given (``--branch``, ``--tag``).
An environment that lists neither lets any ref deploy. With ``require_tag``, the candidate
must carry a tag matching ``tags``. Not knowing the ref is an ``error``, never a pass.
"""

from __future__ import annotations

from golive.core.gate.context import Context, result
from golive.core.gate.globs import first_match
from golive.core.gate.model import CheckResult, Outcome
from golive.core.policy.model import BranchGate

GIVE_REF = "give --branch/--tag, or --repo with the candidate checked out"


def evaluate(gate: BranchGate, ctx: Context) -> CheckResult:
    env = ctx.policy.environment(ctx.environment)
    assert env is not None  # decide() checked the environment exists
    branches, tags = list(env.branches), list(env.tags)
    parts = []
    if branches:
        parts.append("branch matches " + ", ".join(branches))
    if tags:
        parts.append("tag matches " + ", ".join(tags))
    rule = f"deploys to {env.id} come from a " + (" or a ".join(parts) or "any ref")
    if gate.params.require_tag:
        rule += "; the candidate must be tagged"
    repo = ctx.facts.repo
    branch = repo.branch if repo else None
    cand_tags = repo.tags if repo else ()
    facts = [f"branch: {branch or 'unknown'}", f"tags: {', '.join(cand_tags) or 'none'}"]
    if repo is not None and repo.ref_source:
        facts.append(f"branch and tags from {repo.ref_source}")
    if repo is None or (branch is None and not cand_tags):
        return result(
            gate,
            Outcome.ERROR,
            "the candidate's branch and tags are unknown",
            rule=rule,
            facts=tuple(facts),
            reasons=("golive was not told which branch or tag the candidate comes from",),
            remediation=GIVE_REF,
        )
    tag_hit = next((t for t in cand_tags if first_match(tags, t)), None) if tags else None
    branch_hit = first_match(branches, branch) if branches and branch else None
    if gate.params.require_tag and tag_hit is None:
        why = (
            f"none of the candidate's tags ({', '.join(cand_tags) or 'none'}) matches "
            f"{', '.join(tags) or 'a release tag'}"
        )
        return result(
            gate,
            Outcome.FAIL,
            "the candidate is not tagged for release",
            rule=rule,
            facts=tuple(facts),
            reasons=(why,),
            remediation="tag the release commit (e.g. v1.2.3) and decide again",
        )
    if not branches and not tags:
        return result(
            gate, Outcome.PASS, f"{env.id} accepts any ref", rule=rule, facts=tuple(facts)
        )
    if branch_hit or tag_hit:
        how = f"tag {tag_hit} matches" if tag_hit else f"branch {branch} matches {branch_hit}"
        return result(gate, Outcome.PASS, how, rule=rule, facts=tuple(facts))
    return result(
        gate,
        Outcome.FAIL,
        f"{branch or ', '.join(cand_tags)} may not deploy to {env.id}",
        rule=rule,
        facts=tuple(facts),
        reasons=(
            f"branch {branch or 'unknown'} matches none of {', '.join(branches) or '(none)'}"
            + (f"; tags {', '.join(cand_tags) or 'none'} match none of {', '.join(tags)}")
            if tags
            else f"branch {branch or 'unknown'} matches none of {', '.join(branches)}",
        ),
        remediation=f"deploy to {env.id} from {', '.join(branches + tags)}",
    )
