"""``promotion``: the very artifact going here passed the environment before it, long enough.

1. **Same digest.** A deployment record shows one of the candidate's digests deployed
   (status ``succeeded``) to the ``from`` environment at or before ``now``.
2. **Soak.** With ``soak``, that deployment happened at least ``soak`` before ``now``, and
   runs of ``suite`` against the same digest in that environment cover the window
   ``[now - soak, now]``: at least one run, **no failing run** in the window, and, with
   ``max_gap``, no stretch longer than ``max_gap`` without a run (counting from the last run
   before the window, or the window's start, to ``now``).
3. **Elapsed time.** Every instant is taken to UTC before it is compared or subtracted, so a
   48h soak is 48 elapsed hours and a gap is measured in elapsed time across a daylight-saving
   change, even when the facts carry a zone (Python compares two datetimes of the *same*
   ``zoneinfo`` zone on their wall clocks).
4. **Naive timestamps** (no UTC offset, as many JUnit writers emit): with
   ``naive_timestamps: reject`` such a run is an ``error`` (its instant is unknown); with
   ``utc`` it is read as UTC and the decision says so.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from golive.core.gate.context import CLOCK_SKEW, Context, result
from golive.core.gate.model import CheckResult, Outcome
from golive.core.gate.sources import Deployment, SuiteRun
from golive.core.policy.model import PromotionGate


def _norm(digest: str) -> str:
    return digest.rsplit("@", 1)[-1].strip().lower()


def evaluate(gate: PromotionGate, ctx: Context) -> CheckResult:
    p = gate.params
    src = p.from_environment
    soak = p.soak.timedelta if p.soak is not None else None
    gap = p.max_gap.timedelta if p.max_gap is not None else None
    rule = f"the candidate's artifact was deployed to {src}"
    if p.same_digest:
        rule = f"the same artifact digest was deployed to {src}"
    if p.soak is not None:
        rule += (
            f" at least {p.soak.describe()} ago, with {p.suite or 'test'} runs there passing "
            f"throughout the last {p.soak.describe()}"
        )
        if p.max_gap is not None:
            rule += f" and no gap over {p.max_gap.describe()}"
    records = ctx.facts.deployments
    digests = {_norm(d) for d in ctx.facts.candidate.digests}
    if records is None:
        return result(
            gate,
            Outcome.ERROR,
            "no deployment records were given",
            rule=rule,
            remediation="give --deployments FILE (golive Deployments records)",
        )
    if p.same_digest and not digests:
        return result(
            gate,
            Outcome.ERROR,
            "the candidate names no artifact digest",
            rule=rule,
            remediation="give the candidate's digest (--digest sha256:... or --candidate)",
        )
    now = ctx.now.astimezone(UTC)
    mine = [
        d
        for d in _in_utc(records.deployments)
        if d.environment == src
        and d.status == "succeeded"
        and d.at <= now + CLOCK_SKEW
        and (not p.same_digest or _norm(d.digest) in digests)
    ]
    facts = [f"deployment records: {len(records.deployments)} from {records.source or 'a file'}"]
    if not mine:
        others = sorted({d.digest for d in records.deployments if d.environment == src})
        return result(
            gate,
            Outcome.FAIL,
            f"the candidate was never deployed to {src}",
            rule=rule,
            facts=tuple(facts),
            reasons=(
                f"{src} had {', '.join(others[:5]) or 'no deployments'}; the candidate is "
                f"{', '.join(sorted(digests)) or 'unknown'}",
            ),
            remediation=f"deploy this artifact to {src} first",
        )
    first: Deployment = min(mine, key=lambda d: d.at)
    facts.append(f"deployed to {src} at {_iso(first.at)} ({first.digest})")
    if soak is None:
        return result(
            gate,
            Outcome.PASS,
            f"deployed to {src} at {_iso(first.at)}",
            rule=rule,
            facts=tuple(facts),
        )
    start = now - soak
    reasons: list[str] = []
    errors: list[str] = []
    if first.at > start:
        reasons.append(
            f"deployed to {src} only {_span(now - first.at)} ago; the soak is "
            f"{p.soak.describe() if p.soak else ''}"
        )
    runs = [
        r
        for r in _runs_in_utc(records.runs)
        if r.environment == src
        and (not p.suite or r.suite == p.suite)
        and (not p.same_digest or _norm(r.digest) in digests)
    ]
    usable: list[SuiteRun] = []
    for run in runs:
        if run.at is None:
            errors.append(f"{run.source}: the run's time cannot be read")
        elif run.naive and p.naive_timestamps == "reject":
            errors.append(
                f"{run.source}: time {run.at.replace(tzinfo=None).isoformat()} has no UTC offset "
                "(naive_timestamps: reject)"
            )
        elif run.at <= now + CLOCK_SKEW:
            usable.append(run)
    naive = [r for r in usable if r.naive]
    if naive:
        facts.append(f"{len(naive)} run time(s) without a UTC offset read as UTC")
    usable.sort(key=lambda r: r.at or now)
    inside = [r for r in usable if r.at is not None and r.at >= start]
    before = [r for r in usable if r.at is not None and r.at < start and r.at >= first.at]
    facts.append(f"runs of {p.suite or 'any suite'} in the window: {len(inside)}")
    for run in inside:
        if not run.passed:
            reasons.append(f"{run.source}: run at {_iso(run.at)} failed{_detail(run)}")
    if not inside:
        reasons.append(f"no run of {p.suite or 'the tests'} in {src} since {_iso(start)}")
    elif gap is not None:
        points: list[datetime] = [before[-1].at if before and before[-1].at else start]
        points += [r.at for r in inside if r.at is not None]
        points.append(now)
        for a, b in pairwise(points):
            if b - a > gap:
                reasons.append(
                    f"no run from {_iso(a)} to {_iso(b)} ({_span(b - a)}; the most allowed is "
                    f"{p.max_gap.describe() if p.max_gap else ''})"
                )
    if errors:
        return result(
            gate,
            Outcome.ERROR,
            errors[0],
            rule=rule,
            facts=tuple(facts),
            reasons=tuple(errors + reasons),
            remediation="record run times with a UTC offset, or set naive_timestamps: utc",
        )
    if reasons:
        return result(
            gate,
            Outcome.FAIL,
            reasons[0],
            rule=rule,
            facts=tuple(facts),
            reasons=tuple(reasons),
            remediation=f"keep {p.suite or 'the tests'} passing in {src} for the whole soak",
        )
    return result(
        gate,
        Outcome.PASS,
        f"soaked in {src} for {_span(now - first.at)}; {len(inside)} passing run(s) in the window",
        rule=rule,
        facts=tuple(facts),
    )


def _in_utc(deployments: tuple[Deployment, ...]) -> list[Deployment]:
    return [dataclasses.replace(d, at=d.at.astimezone(UTC)) for d in deployments]


def _runs_in_utc(runs: tuple[SuiteRun, ...]) -> list[SuiteRun]:
    return [
        dataclasses.replace(r, at=r.at.astimezone(UTC)) if r.at is not None else r for r in runs
    ]


def _detail(run: SuiteRun) -> str:
    return f" ({run.detail})" if run.detail else ""


def _span(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f}h" if hours < 72 else f"{hours / 24:.1f} days"


def _iso(instant: datetime | None) -> str:
    return instant.isoformat().replace("+00:00", "Z") if instant else "?"
