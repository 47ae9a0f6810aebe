"""What every check sees, and the evidence rules every check shares.

:func:`screen` applies the rules that make evidence unusable whatever the check: a report
that says it did not finish, a report made for another commit or artifact, and a report
older than the gate's ``max_age`` (or dated in the future). Each problem is a sentence; a
check with problems is an ``error``, never a pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from golive.core.findings import Binding
from golive.core.gate.model import CheckResult, EvidenceItem, Facts, Outcome
from golive.core.policy.model import GateBase, Policy

#: How far in the future evidence may be dated before it is refused (clock skew between
#: the CI runner that made it and the machine that decides).
CLOCK_SKEW = timedelta(minutes=5)

DEFAULT_TITLES = {
    "tests_pass": "Tests pass",
    "security": "Security scans are clean",
    "command_passed": "Required commands succeed",
}


@dataclass(frozen=True, slots=True)
class Context:
    policy: Policy
    environment: str
    facts: Facts
    now: datetime

    def members(self, role: str) -> tuple[str, ...] | None:
        """Who holds ``role``: the roster wins; then the policy's static members; else unknown."""
        roster = self.facts.roster
        if roster is not None and role in roster:
            return tuple(roster[role])
        for r in self.policy.roles:
            if r.id == role and r.members:
                return tuple(r.members)
        return None


def result(
    gate: GateBase,
    outcome: Outcome,
    summary: str,
    **fields: object,
) -> CheckResult:
    """A :class:`CheckResult` with the gate's identity filled in."""
    gate_type = str(getattr(gate, "type", ""))
    return CheckResult(
        id=gate.id,
        type=gate_type,
        title=gate.title or DEFAULT_TITLES.get(gate_type, gate_type.replace("_", " ").capitalize()),
        outcome=outcome,
        blocking=gate.blocking,
        summary=summary,
        controls=tuple(gate.controls),
        **fields,  # type: ignore[arg-type]
    )


def screen(
    items: Sequence[EvidenceItem], gate: GateBase, ctx: Context
) -> tuple[list[EvidenceItem], list[str], list[str]]:
    """Split evidence into usable items, problems (sentences) and facts (sentences)."""
    usable: list[EvidenceItem] = []
    problems: list[str] = []
    facts: list[str] = []
    for item in items:
        found = _problems(item, gate, ctx)
        if found:
            problems.extend(f"{item.path}: {p}" for p in found)
        else:
            usable.append(item)
        facts.append(_describe(item, ctx))
    return usable, problems, facts


def _problems(item: EvidenceItem, gate: GateBase, ctx: Context) -> list[str]:
    out: list[str] = []
    ev = item.evidence
    if not ev.completeness.complete:
        out.append("the tool did not complete: " + "; ".join(ev.completeness.reasons))
    out.extend(_binding_problems(ev.binding, ctx))
    when = item.produced_at
    if gate.max_age is not None and when is None and item.file_mtime is not None:
        when = item.file_mtime
    if gate.max_age is not None:
        if when is None:
            out.append(
                "cannot tell when it was made (no time in the report); the policy requires "
                f"evidence newer than {gate.max_age.describe()}"
            )
        else:
            limit = gate.max_age.timedelta
            if limit is not None and ctx.now - when > limit:
                out.append(
                    f"made at {_iso(when)} ({_age(ctx.now - when)} ago); the policy allows "
                    f"evidence up to {gate.max_age.describe()} old"
                )
    if when is not None and when - ctx.now > CLOCK_SKEW:
        out.append(f"is dated {_iso(when)}, in the future; check the clock of the machine")
    return out


def _binding_problems(binding: Binding, ctx: Context) -> list[str]:
    cand = ctx.facts.candidate
    out: list[str] = []
    if (
        cand.commit
        and binding.commits
        and not any(_same_commit(c, cand.commit) for c in binding.commits)
    ):
        out.append(
            f"was made for commit {', '.join(c[:12] for c in binding.commits)}, not the "
            f"candidate {cand.commit[:12]}"
        )
    if cand.digests and binding.digests:
        wanted = {_digest(d) for d in cand.digests}
        if not wanted & {_digest(d) for d in binding.digests}:
            out.append(
                f"was made for {', '.join(binding.digests)}, not the candidate's "
                f"{', '.join(cand.digests)}"
            )
    return out


def _same_commit(a: str, b: str) -> bool:
    a, b = a.strip().lower(), b.strip().lower()
    if len(a) < 7 or len(b) < 7:
        return a == b
    return a.startswith(b) or b.startswith(a)


def _digest(text: str) -> str:
    """``sha256:abc`` and a repository-qualified ``name@sha256:abc`` compare equal."""
    return text.rsplit("@", 1)[-1].strip().lower()


def _describe(item: EvidenceItem, ctx: Context) -> str:
    version = f" {item.tool_version}" if item.tool_version else ""
    parts = [f"{item.path}: {item.evidence.format} from {item.tool}{version}"]
    if item.produced_at is not None:
        parts.append(f"made {_iso(item.produced_at)} ({item.time_source})")
    binding = item.evidence.binding
    if binding.bound:
        parts.append(
            "bound to " + ", ".join([*(c[:12] for c in binding.commits), *binding.digests])
        )
    elif ctx.facts.candidate.commit or ctx.facts.candidate.digests:
        parts.append("not bound to a commit or digest")
    return "; ".join(parts)


def _iso(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def _age(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds // 60} minutes"
