"""``schedule``: windows on a local wall clock across both DST changes, and freezes."""

from __future__ import annotations

from datetime import datetime

import pytest
from part2_support import one, policy, text_of

from golive.core.gate import Outcome
from golive.core.gate.sources import RepoFacts

SCHEDULE = policy(
    """
    environments:
      - id: production
      - id: staging
    calendars:
      - id: berlin
        timezone: Europe/Berlin
    windows:
      - id: low-traffic
        timezone: America/New_York
        days: [mon, tue, wed, thu, fri, sat, sun]
        start: "01:00"
        end: "05:00"
      - id: friday-night
        calendar: berlin
        days: [fri]
        start: "22:00"
        end: "02:00"
    freezes:
      - id: sprint-lock
        start: 2025-12-29T00:00:00Z
        end: 2026-01-12T00:00:00Z
        environments: [production]
        reason: Sprint lock
      - id: release-branches
        start: 2026-03-01T00:00:00+01:00
        end: 2026-03-02T00:00:00+01:00
        branches: ["release/*"]
    gates:
      - id: window
        type: schedule
        params: {windows: [low-traffic]}
      - id: night
        type: schedule
        params: {windows: [friday-night]}
      - id: freeze
        type: schedule
        params: {freezes: [sprint-lock, release-branches]}
    """
)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize(
    ("now", "outcome", "local"),
    [
        # an ordinary winter night, EST (UTC-5)
        ("2026-11-24T06:00:00Z", Outcome.PASS, "01:00 EST"),
        ("2026-11-24T09:59:00Z", Outcome.PASS, "04:59 EST"),
        ("2026-11-24T10:00:00Z", Outcome.FAIL, "05:00 EST"),
        # spring forward, Sun 2026-03-08: 02:00 EST becomes 03:00 EDT
        ("2026-03-08T05:59:00Z", Outcome.FAIL, "00:59 EST"),
        ("2026-03-08T06:30:00Z", Outcome.PASS, "01:30 EST"),
        ("2026-03-08T07:00:00Z", Outcome.PASS, "03:00 EDT"),
        ("2026-03-08T08:59:00Z", Outcome.PASS, "04:59 EDT"),
        ("2026-03-08T09:00:00Z", Outcome.FAIL, "05:00 EDT"),
        # fall back, Sun 2026-11-01: 02:00 EDT becomes 01:00 EST; 01:xx happens twice
        ("2026-11-01T04:59:00Z", Outcome.FAIL, "00:59 EDT"),
        ("2026-11-01T05:00:00Z", Outcome.PASS, "01:00 EDT"),
        ("2026-11-01T06:30:00Z", Outcome.PASS, "01:30 EST"),
        ("2026-11-01T09:59:00Z", Outcome.PASS, "04:59 EST"),
        ("2026-11-01T10:00:00Z", Outcome.FAIL, "05:00 EST"),
    ],
)
def test_a_window_is_read_on_the_local_wall_clock_across_both_dst_changes(
    now: str, outcome: Outcome, local: str
) -> None:
    check = one(SCHEDULE, "window", now=_at(now))
    assert check.outcome is outcome, text_of(check)
    assert local in text_of(check)


def test_outside_the_window_the_remediation_names_the_next_opening_across_dst() -> None:
    check = one(SCHEDULE, "window", now=_at("2026-03-07T12:00:00Z"))
    assert check.remediation == "deploy when low-traffic opens at 2026-03-08T01:00:00-05:00"
    check = one(SCHEDULE, "window", now=_at("2026-03-08T12:00:00Z"))
    assert check.remediation == "deploy when low-traffic opens at 2026-03-09T01:00:00-04:00"


@pytest.mark.parametrize(
    ("now", "outcome"),
    [
        ("2026-11-27T21:30:00Z", Outcome.PASS),  # Fri 22:30 CET
        ("2026-11-28T00:30:00Z", Outcome.PASS),  # Sat 01:30, still Friday's window
        ("2026-11-28T01:00:00Z", Outcome.FAIL),  # Sat 02:00: closed
        ("2026-11-28T21:30:00Z", Outcome.FAIL),  # Sat 22:30: Saturday has no window
        ("2026-03-27T21:30:00Z", Outcome.PASS),  # Fri 22:30 CET, DST starts that Sunday
    ],
)
def test_a_window_ending_before_it_starts_crosses_midnight_and_belongs_to_its_first_day(
    now: str, outcome: Outcome
) -> None:
    assert one(SCHEDULE, "night", now=_at(now)).outcome is outcome


@pytest.mark.parametrize(
    ("now", "environment", "branch", "outcome"),
    [
        ("2025-12-28T23:59:59Z", "production", None, Outcome.PASS),
        ("2025-12-29T00:00:00Z", "production", None, Outcome.FAIL),  # start is inside
        ("2026-01-11T23:59:59Z", "production", None, Outcome.FAIL),
        ("2026-01-12T00:00:00Z", "production", None, Outcome.PASS),  # end is outside
        ("2026-01-05T00:00:00Z", "staging", None, Outcome.PASS),  # not this environment
        ("2026-03-01T12:00:00+01:00", "staging", "release/2.0", Outcome.FAIL),
        ("2026-03-01T12:00:00+01:00", "staging", "main", Outcome.PASS),
        ("2026-03-01T12:00:00+01:00", "staging", None, Outcome.FAIL),  # unknown: frozen
    ],
)
def test_a_freeze_blocks_its_environments_and_branches_from_start_to_end(
    now: str, environment: str, branch: str | None, outcome: Outcome
) -> None:
    repo = RepoFacts(branch=branch) if branch else None
    check = one(SCHEDULE, "freeze", now=_at(now), environment=environment, repo=repo)
    assert check.outcome is outcome, text_of(check)
    if outcome is Outcome.FAIL and environment == "production":
        assert "freeze sprint-lock is in force" in check.summary
        assert "Sprint lock" in check.summary
