"""``schedule``: deploy only inside an allowed window and outside every freeze, at ``now``.

A window is days of the week and a start and end time on the wall clock of its time zone
(its own ``timezone``, or its calendar's). ``now`` is converted to that zone and compared on
the wall clock, so a 01:00-05:00 window stays 01:00-05:00 local across daylight-saving
changes (it is three or five real hours long on those nights). A window whose end is not
after its start crosses midnight and belongs to the day it opens. ``24:00`` is the end of
the day.

A freeze is an interval of instants with offsets, ``[start, end)``; it may be limited to
environments and branches (an unknown branch is treated as frozen: golive fails closed).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from golive.core.gate.context import Context, result
from golive.core.gate.globs import first_match
from golive.core.gate.model import CheckResult, Outcome
from golive.core.policy.model import WEEKDAYS, Freeze, Policy, ScheduleGate, Window


def _clock(text: str) -> time | None:
    """``HH:MM``; ``24:00`` is ``None`` (the end of the day)."""
    hours, minutes = (int(x) for x in text.split(":"))
    return None if hours == 24 else time(hours, minutes)


def zone(policy: Policy, window: Window) -> ZoneInfo:
    if window.timezone:
        return ZoneInfo(window.timezone)
    calendar = next((c for c in policy.calendars if c.id == window.calendar), None)
    return ZoneInfo(calendar.timezone if calendar else "UTC")


def is_open(window: Window, tz: ZoneInfo, now: datetime) -> bool:
    """True when ``now`` falls inside ``window`` on the wall clock of ``tz``."""
    local = now.astimezone(tz)
    start, end = _clock(window.start), _clock(window.end)
    wall = local.time().replace(tzinfo=None, fold=0)
    today = WEEKDAYS[local.weekday()]
    yesterday = WEEKDAYS[(local.weekday() - 1) % 7]
    assert start is not None  # 24:00 is not a valid start in practice
    if end is None or end > start:
        return today in window.days and start <= wall and (end is None or wall < end)
    return (today in window.days and wall >= start) or (yesterday in window.days and wall < end)


def next_opening(window: Window, tz: ZoneInfo, now: datetime) -> datetime | None:
    """When the window next opens after ``now`` (in ``tz``), within two weeks."""
    local = now.astimezone(tz)
    start = _clock(window.start)
    assert start is not None
    for offset in range(15):
        day = local.date() + timedelta(days=offset)
        if WEEKDAYS[day.weekday()] not in window.days:
            continue
        opening = datetime.combine(day, start, tzinfo=tz)
        # a wall time in a spring-forward gap does not exist: normalise through UTC
        opening = opening.astimezone(ZoneInfo("UTC")).astimezone(tz)
        if opening > now:
            return opening
    return None


def frozen(freeze: Freeze, environment: str, branch: str | None, now: datetime) -> bool:
    if freeze.environments and environment not in freeze.environments:
        return False
    if freeze.branches and branch is not None and first_match(freeze.branches, branch) is None:
        return False
    return freeze.start <= now < freeze.end


def evaluate(gate: ScheduleGate, ctx: Context) -> CheckResult:
    policy, env, now = ctx.policy, ctx.environment, ctx.now
    windows = [w for w in policy.windows if w.id in gate.params.windows]
    windows = [w for w in windows if not w.environments or env in w.environments]
    freezes = [f for f in policy.freezes if f.id in gate.params.freezes]
    repo = ctx.facts.repo
    branch = repo.branch if repo else None
    rules = []
    if windows:
        rules.append(
            "inside "
            + " or ".join(
                f"{w.id} ({'/'.join(w.days)} {w.start}-{w.end} {zone(policy, w).key})"
                for w in windows
            )
        )
    if freezes:
        rules.append(
            "outside " + ", ".join(f"{f.id} ({_iso(f.start)} to {_iso(f.end)})" for f in freezes)
        )
    rule = f"deploys to {env} happen " + ("; ".join(rules) or "at any time")
    facts = [f"now: {_iso(now)}"]
    for w in windows:
        tz = zone(policy, w)
        facts.append(f"{w.id}: local time {now.astimezone(tz).strftime('%a %Y-%m-%d %H:%M %Z')}")
    reasons: list[str] = []
    for f in freezes:
        if frozen(f, env, branch, now):
            reasons.append(
                f"freeze {f.id} is in force from {_iso(f.start)} to {_iso(f.end)}"
                + (f": {f.reason}" if f.reason else "")
            )
    remediation = ""
    if windows and not any(is_open(w, zone(policy, w), now) for w in windows):
        nexts = [
            (n, w) for w in windows if (n := next_opening(w, zone(policy, w), now)) is not None
        ]
        reasons.append("outside every allowed window (" + ", ".join(w.id for w in windows) + ")")
        if nexts:
            when, w = min(nexts, key=lambda p: p[0])
            remediation = f"deploy when {w.id} opens at {when.isoformat()}"
    if reasons:
        frozen_until = max((f.end for f in freezes if frozen(f, env, branch, now)), default=None)
        if frozen_until is not None and not remediation:
            remediation = f"wait until the freeze ends at {_iso(frozen_until)}, or use an override"
        return result(
            gate,
            Outcome.FAIL,
            reasons[0],
            rule=rule,
            facts=tuple(facts),
            reasons=tuple(reasons),
            remediation=remediation,
        )
    if not windows and not freezes:
        return result(
            gate,
            Outcome.NOT_APPLICABLE,
            f"no window or freeze applies to {env}",
            rule=rule,
            facts=tuple(facts),
        )
    return result(
        gate,
        Outcome.PASS,
        "inside an allowed window and outside every freeze" if windows else "no freeze is in force",
        rule=rule,
        facts=tuple(facts),
    )


def _iso(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")
