"""``approvals``: enough distinct humans approved, including the code owners the rule asks for.

Approvals are recomputed from the pull request's reviews (GitHub REST JSON), never taken
from a forge's summary. The rules, each preventing a way round review:

1. Each reviewer's **latest** review that sets a state wins (APPROVED, CHANGES_REQUESTED,
   DISMISSED); comments do not change it. A dismissed review counts for nothing.
2. The change's **author** does not count (``exclude_author``), nor do **bots**
   (``exclude_bots``: user type ``Bot`` or a login ending ``[bot]``).
3. With ``require_fresh``, an approval counts only on the head commit (a push after the
   approval makes it stale).
4. N approvals means N **distinct** humans.
5. Code owners come from CODEOWNERS at the **base** revision (so a change cannot name its
   own owners), last matching line wins, teams expanded from the roster's ``teams``.
   ``any``: N approvals by owners of any changed file; ``each_domain``: one approval from
   every owner set the change touches (per GitLab section too).
6. Unowned and unmatched files: allowed, or blocking (``unowned_paths: block``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from golive.core.gate import codeowners
from golive.core.gate.context import Context, result
from golive.core.gate.model import CheckResult, Outcome
from golive.core.gate.sources import Review, ReviewFacts
from golive.core.policy.model import ApprovalRule, ApprovalsGate

_STATEFUL = {"APPROVED", "CHANGES_REQUESTED", "DISMISSED"}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def is_bot(review: Review) -> bool:
    return review.user_type.lower() == "bot" or review.user.lower().endswith("[bot]")


def latest_states(reviews: tuple[Review, ...]) -> dict[str, Review]:
    """Each reviewer's latest state-setting review (by time, then review id)."""
    out: dict[str, Review] = {}
    ordered = sorted(reviews, key=lambda r: (r.submitted_at or _EPOCH, r.id))
    for review in ordered:
        if review.state.upper() in _STATEFUL:
            out[review.user.lower()] = review
    return out


def counted_approvers(
    rule: ApprovalRule, review: ReviewFacts, head: str | None, author: str | None
) -> tuple[list[str], list[str]]:
    """The logins whose approval counts, and a sentence for each review that does not."""
    counted: list[str] = []
    ignored: list[str] = []
    for login, latest in sorted(latest_states(review.reviews).items()):
        who = latest.user
        state = latest.state.upper()
        if state != "APPROVED":
            ignored.append(f"{who}: latest review is {state}")
        elif rule.exclude_author and author and login == author.lower():
            ignored.append(f"{who}: is the change's author")
        elif rule.exclude_bots and is_bot(latest):
            ignored.append(f"{who}: is a bot")
        elif rule.require_fresh and head and not _same(latest.commit_id, head):
            ignored.append(
                f"{who}: approved {latest.commit_id[:12] or 'an unknown commit'}, not the head "
                f"{head[:12]} (stale)"
            )
        else:
            counted.append(who)
    return counted, ignored


def _same(a: str, b: str) -> bool:
    a, b = a.lower(), b.lower()
    return bool(a) and len(a) >= 7 and (a.startswith(b) or b.startswith(a))


def evaluate(gate: ApprovalsGate, ctx: Context) -> CheckResult:
    rule = next((r for r in ctx.policy.approvals if r.id == gate.params.rule), None)
    if rule is None:
        return result(
            gate,
            Outcome.ERROR,
            f"the policy has no approval rule '{gate.params.rule}'",
            remediation="name a rule of the policy's 'approvals'",
        )
    text = _describe(rule)
    review = ctx.facts.review
    if review is None:
        return result(
            gate,
            Outcome.ERROR,
            "no pull-request reviews were given",
            rule=text,
            reasons=("approvals are counted from the pull request's reviews",),
            remediation="give --reviews FILE (GitHub REST: GET /repos/O/R/pulls/N/reviews) "
            "and --pr FILE (GET /repos/O/R/pulls/N)",
        )
    repo = ctx.facts.repo
    head = review.head_sha or (repo.head if repo else None) or ctx.facts.candidate.commit
    author = review.author or ctx.facts.candidate.author
    counted, ignored = counted_approvers(rule, review, head, author)
    facts = [
        f"reviews: {len(review.reviews)} from {review.source or 'the pull request'}",
        f"author: {author or 'unknown'}; head: {head[:12] if head else 'unknown'}",
        f"counted approvals: {', '.join(counted) or 'none'}",
        *(f"not counted: {i}" for i in ignored),
    ]
    failures: list[str] = []
    errors: list[str] = []
    if rule.exclude_author and author is None:
        errors.append("the change's author is unknown, so self-approval cannot be excluded")
    if rule.require_fresh and head is None:
        errors.append("the head commit is unknown, so stale approvals cannot be told apart")
    if len(counted) < rule.min_approvals:
        failures.append(f"{len(counted)} of {rule.min_approvals} required approvals")
    for quota in rule.roles:
        members = ctx.members(quota.role)
        if members is None:
            errors.append(f"nobody is known to hold role '{quota.role}' (give --roster)")
            continue
        holders = [c for c in counted if c.lower() in {m.lower() for m in members}]
        if len(holders) < quota.min:
            failures.append(f"{len(holders)} of {quota.min} approvals by role '{quota.role}'")
    if rule.code_owners != "none" or rule.unowned_paths == "block":
        _owners(rule, ctx, review, counted, facts, failures, errors)
    if errors:
        return result(
            gate,
            Outcome.ERROR,
            "; ".join(errors[:2]),
            rule=text,
            facts=tuple(facts),
            reasons=tuple(errors + failures),
            remediation="give the missing facts (--repo, --base, --pr, --roster) and decide again",
        )
    if failures:
        return result(
            gate,
            Outcome.FAIL,
            "; ".join(failures[:2]),
            rule=text,
            facts=tuple(facts),
            reasons=tuple(failures),
            remediation="get the missing approvals on the head commit",
        )
    return result(
        gate,
        Outcome.PASS,
        f"{len(counted)} approval(s) by {', '.join(counted) or 'nobody (none needed)'}",
        rule=text,
        facts=tuple(facts),
    )


def _owners(
    rule: ApprovalRule,
    ctx: Context,
    review: ReviewFacts,
    counted: list[str],
    facts: list[str],
    failures: list[str],
    errors: list[str],
) -> None:
    repo = ctx.facts.repo
    if repo is None or repo.changed is None:
        errors.append("the changed files are unknown (give --repo and --base)")
        return
    source = repo.codeowners.get(rule.codeowners_from)
    if source is None:
        errors.append(f"no CODEOWNERS file at the {rule.codeowners_from} revision")
        return
    owners_file = codeowners.parse(source[1], source[0])
    facts.append(
        f"CODEOWNERS: {source[0]} at the {rule.codeowners_from} revision "
        f"({len(owners_file.rules)} rules, {owners_file.dialect})"
    )
    facts.extend(f"CODEOWNERS {source[0]} {p} (line skipped)" for p in owners_file.problems)
    teams = review.teams
    approvers = {c.lower() for c in counted}

    def members(owner: str) -> set[str]:
        if "/" in owner and owner.startswith("@"):
            return {m.lower().lstrip("@") for m in teams.get(owner, ())}
        return {owner.lower().lstrip("@")}

    unknown_teams = set()
    sets: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    owner_logins: set[str] = set()
    for section in owners_file.sections:
        for path in repo.changed:
            hit = owners_file.owner_of(path, section.name)
            label = f"[{section.name}] " if section.name else ""
            if hit is None:
                if section.name == codeowners.DEFAULT_SECTION and rule.unowned_paths == "block":
                    failures.append(f"{path}: unmatched (no CODEOWNERS line)")
                continue
            if not hit.owners:
                if rule.unowned_paths == "block":
                    failures.append(f"{label}{path}: unowned (line {hit.line} has no owners)")
                continue
            sets.setdefault((section.name, hit.owners), []).append(path)
            for owner in hit.owners:
                if "/" in owner and owner.startswith("@") and owner not in teams:
                    unknown_teams.add(owner)
                owner_logins |= members(owner)
    for team in sorted(unknown_teams):
        facts.append(f"team {team} is not in the roster's teams; its members cannot count")
    if rule.code_owners == "any" and sets:
        got = sorted(approvers & owner_logins)
        facts.append(f"code-owner approvals: {', '.join(got) or 'none'}")
        if len(got) < rule.min_code_owner_approvals:
            failures.append(f"{len(got)} of {rule.min_code_owner_approvals} code-owner approvals")
    elif rule.code_owners == "each_domain":
        sections = {s.name: s for s in owners_file.sections}
        for (section_name, owners), paths in sorted(sets.items()):
            section = sections[section_name]
            got = sorted(approvers & set().union(*(members(o) for o in owners)))
            need = section.approvals
            label = f"[{section_name}] " if section_name else ""
            facts.append(
                f"{label}{' '.join(owners)}: {len(paths)} file(s), approved by "
                f"{', '.join(got) or 'nobody'}"
            )
            if len(got) < need and not section.optional:
                failures.append(
                    f"{label}no approval from {' '.join(owners)} for {', '.join(paths[:3])}"
                    + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
                    + (f" ({len(got)} of {need})" if need > 1 else "")
                )


def _describe(rule: ApprovalRule) -> str:
    parts = [f"{rule.min_approvals} distinct human approval(s)"]
    if rule.code_owners == "any":
        parts.append(f"{rule.min_code_owner_approvals} by a code owner of the change")
    elif rule.code_owners == "each_domain":
        parts.append("one by a code owner of every owned area the change touches")
    parts.extend(f"{q.min} by role {q.role}" for q in rule.roles)
    text = ", including ".join(parts[:2]) + ("; " + "; ".join(parts[2:]) if parts[2:] else "")
    extras = []
    if rule.exclude_author:
        extras.append("author excluded")
    if rule.exclude_bots:
        extras.append("bots excluded")
    if rule.require_fresh:
        extras.append("approvals on the head commit only")
    extras.append(f"CODEOWNERS from the {rule.codeowners_from}")
    if rule.unowned_paths == "block":
        extras.append("unowned files block")
    return text + " (" + ", ".join(extras) + ")"
