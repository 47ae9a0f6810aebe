"""Freezes, soaks, run gaps and sign-offs across daylight-saving changes (issue 4's acceptance:
"windows, freezes, soak and sign-off checks take --now and are tested across a DST change").

Every case is given twice: with fixed UTC offsets (as ``--now`` and the record readers produce
them) and as ``zoneinfo`` datetimes of the zone itself, for which Python's ``-`` and ``<``
compare wall clocks when both sides share the zone. golive measures elapsed time either way.

The changes used: Europe/Berlin springs forward on Sun 2026-03-29 (02:00 CET -> 03:00 CEST,
at 01:00Z) and falls back on Sun 2026-10-25 (03:00 CEST -> 02:00 CET, at 01:00Z);
America/New_York springs forward on Sun 2026-03-08 (07:00Z) and falls back on Sun 2026-11-01
(06:00Z).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from part2_support import COMMIT, DIGEST, ROLES, one, policy, text_of

from golive.core.gate import Candidate, Outcome
from golive.core.gate.sources import Deployment, DeploymentFacts, SignOff, SuiteRun
from golive.errors import PolicyError

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _zoned(instant: datetime, tz: ZoneInfo) -> datetime:
    """The same instant as a zoneinfo datetime (fold set by the conversion)."""
    return instant.astimezone(tz)


FREEZES = policy(
    """
    environments:
      - id: production
    freezes:
      - id: berlin-until-spring
        start: 2026-03-27T18:00:00+01:00
        end: 2026-03-29T03:00:00+02:00
      - id: berlin-from-fall-back
        start: 2026-10-25T02:30:00+01:00
        end: 2026-10-26T09:00:00+01:00
      - id: new-york-until-spring
        start: 2026-03-06T18:00:00-05:00
        end: 2026-03-08T03:00:00-04:00
      - id: new-york-from-fall-back
        start: 2026-11-01T01:30:00-05:00
        end: 2026-11-02T09:00:00-05:00
    gates:
      - {id: berlin-spring, type: schedule, params: {freezes: [berlin-until-spring]}}
      - {id: berlin-fall, type: schedule, params: {freezes: [berlin-from-fall-back]}}
      - {id: new-york-spring, type: schedule, params: {freezes: [new-york-until-spring]}}
      - {id: new-york-fall, type: schedule, params: {freezes: [new-york-from-fall-back]}}
    """
)


@pytest.mark.parametrize("zoned", [False, True], ids=["offsets", "zoneinfo"])
@pytest.mark.parametrize(
    ("gate", "tz", "now", "outcome"),
    [
        # Berlin, spring forward: the freeze ends at 03:00 CEST, the first instant after 01:59 CET
        ("berlin-spring", BERLIN, "2026-03-29T00:30:00Z", Outcome.FAIL),  # 01:30 CET
        ("berlin-spring", BERLIN, "2026-03-29T00:59:59Z", Outcome.FAIL),  # 01:59:59 CET
        ("berlin-spring", BERLIN, "2026-03-29T01:00:00Z", Outcome.PASS),  # 03:00 CEST
        # Berlin, fall back: the freeze starts at the *second* 02:30 (CET)
        ("berlin-fall", BERLIN, "2026-10-25T00:30:00Z", Outcome.PASS),  # the first 02:30 CEST
        ("berlin-fall", BERLIN, "2026-10-25T01:29:59Z", Outcome.PASS),  # 02:29:59 CET
        ("berlin-fall", BERLIN, "2026-10-25T01:30:00Z", Outcome.FAIL),  # the second 02:30 CET
        ("berlin-fall", BERLIN, "2026-10-26T07:59:59Z", Outcome.FAIL),
        ("berlin-fall", BERLIN, "2026-10-26T08:00:00Z", Outcome.PASS),  # Mon 09:00 CET
        # New York, spring forward: ends at 03:00 EDT = 07:00Z
        ("new-york-spring", NEW_YORK, "2026-03-08T06:59:59Z", Outcome.FAIL),  # 01:59:59 EST
        ("new-york-spring", NEW_YORK, "2026-03-08T07:00:00Z", Outcome.PASS),  # 03:00 EDT
        # New York, fall back: starts at the second 01:30 (EST) = 06:30Z
        ("new-york-fall", NEW_YORK, "2026-11-01T05:30:00Z", Outcome.PASS),  # 01:30 EDT
        ("new-york-fall", NEW_YORK, "2026-11-01T06:29:59Z", Outcome.PASS),  # 01:29:59 EST
        ("new-york-fall", NEW_YORK, "2026-11-01T06:30:00Z", Outcome.FAIL),  # 01:30 EST
    ],
)
def test_a_freeze_starting_or_ending_on_a_dst_change_day_is_compared_as_instants(
    gate: str, tz: ZoneInfo, now: str, outcome: Outcome, zoned: bool
) -> None:
    instant = _zoned(_at(now), tz) if zoned else _at(now)
    check = one(FREEZES, gate, now=instant)
    assert check.outcome is outcome, text_of(check)


def test_a_freeze_ending_across_spring_forward_names_its_end_with_its_offset() -> None:
    check = one(FREEZES, "berlin-spring", now=_zoned(_at("2026-03-29T00:30:00Z"), BERLIN))
    assert check.remediation == (
        "wait until the freeze ends at 2026-03-29T03:00:00+02:00, or use an override"
    )


SOAK = policy(
    """
    environments:
      - id: staging
      - id: production
    gates:
      - id: soak
        type: promotion
        params: {from: staging, soak: 48h, suite: regression}
      - id: gaps
        type: promotion
        params: {from: staging, soak: 48h, suite: regression, max_gap: 4h30m}
    """
)


def _soak_facts(deployed: datetime, runs: list[datetime], tz: ZoneInfo | None) -> DeploymentFacts:
    def conv(x: datetime) -> datetime:
        return x.astimezone(tz) if tz else x

    return DeploymentFacts(
        deployments=(Deployment("staging", DIGEST, conv(deployed)),),
        runs=tuple(
            SuiteRun("regression", "staging", DIGEST, conv(r), True, source=f"run-{i}")
            for i, r in enumerate(runs)
        ),
    )


@pytest.mark.parametrize("zoned", [False, True], ids=["offsets", "zoneinfo"])
@pytest.mark.parametrize(
    ("now", "deployed", "outcome", "elapsed"),
    [
        # spring forward in Berlin: the night of 2026-03-29 has 23 hours
        # 48 wall-clock hours before Mon 10:00 CEST is Sat 10:00 CET: only 47 elapsed hours
        ("2026-03-30T10:00:00+02:00", "2026-03-28T10:00:00+01:00", Outcome.FAIL, "47.0h"),
        ("2026-03-30T10:00:00+02:00", "2026-03-28T09:00:00+01:00", Outcome.PASS, "48.0h"),
        # fall back in Berlin: the night of 2026-10-25 has 25 hours
        # Sat 11:00 CEST to Mon 10:00 CET is 47 wall-clock hours but 48 elapsed: enough
        ("2026-10-26T10:00:00+01:00", "2026-10-24T11:00:00+02:00", Outcome.PASS, "48.0h"),
        ("2026-10-26T10:00:00+01:00", "2026-10-24T11:30:00+02:00", Outcome.FAIL, "47.5h"),
        # New York, fall back: Sat 11:00 EDT to Mon 10:00 EST is 48 elapsed hours
        ("2026-11-02T10:00:00-05:00", "2026-10-31T11:00:00-04:00", Outcome.PASS, "48.0h"),
        ("2026-03-09T10:00:00-04:00", "2026-03-07T10:00:00-05:00", Outcome.FAIL, "47.0h"),
    ],
)
def test_a_48h_soak_spanning_a_dst_change_counts_elapsed_hours_not_wall_clock_hours(
    now: str, deployed: str, outcome: Outcome, elapsed: str, zoned: bool
) -> None:
    tz = BERLIN if now.endswith(("+01:00", "+02:00")) else NEW_YORK
    instant, start = _at(now), _at(deployed)
    runs = [instant - timedelta(hours=h) for h in (46, 36, 24, 12, 1)]
    facts = _soak_facts(start, runs, tz if zoned else None)
    check = one(SOAK, "soak", now=_zoned(instant, tz) if zoned else instant, deployments=facts)
    assert check.outcome is outcome, text_of(check)
    assert elapsed in text_of(check)


@pytest.mark.parametrize("zoned", [False, True], ids=["offsets", "zoneinfo"])
@pytest.mark.parametrize(
    ("local_runs", "outcome"),
    [
        # runs every 4 wall-clock hours through the Berlin fall-back night: the run at
        # 02:00 CET follows the one at 22:00 CEST by 5 elapsed hours, over max_gap 4h30m
        (["18:00+02:00", "22:00+02:00", "02:00+01:00", "06:00+01:00"], Outcome.FAIL),
        # the same wall-clock pattern through the spring-forward night: 3 elapsed hours
        (["18:00+01:00", "22:00+01:00", "03:00+02:00", "06:00+02:00"], Outcome.PASS),
    ],
    ids=["fall-back", "spring-forward"],
)
def test_gaps_between_soak_runs_are_measured_in_elapsed_time_across_dst(
    local_runs: list[str], outcome: Outcome, zoned: bool
) -> None:
    fall = outcome is Outcome.FAIL
    eve, day = ("2026-10-24", "2026-10-25") if fall else ("2026-03-28", "2026-03-29")
    runs = [_at(f"{eve if i < 2 else day}T{t}") for i, t in enumerate(local_runs)]
    now = runs[-1] + timedelta(hours=1)
    # earlier runs cover the start of the window every 4 hours (elapsed)
    runs = [runs[0] - timedelta(hours=4 * k) for k in range(11, 0, -1)] + runs
    deployed = now - timedelta(hours=50)
    facts = _soak_facts(deployed, runs, BERLIN if zoned else None)
    check = one(SOAK, "gaps", now=_zoned(now, BERLIN) if zoned else now, deployments=facts)
    assert check.outcome is outcome, text_of(check)
    if fall:
        assert "(5.0h; the most allowed is 4 hours 30 minutes)" in text_of(check)


SIGNOFFS = policy(
    ROLES
    + """
    environments:
      - id: production
    checklists:
      - id: release
        items:
          - id: rollback-plan
            roles: [release-manager]
    gates:
      - id: release
        type: checklist
        params: {checklist: release}
    """.replace("\n    ", "\n")
)


@pytest.mark.parametrize("zoned", [False, True], ids=["offsets", "zoneinfo"])
@pytest.mark.parametrize(
    ("signed", "now", "counts"),
    [
        # Berlin fall-back night: 02:30 CEST (00:30Z) comes before 02:10 CET (01:10Z)
        ("2026-10-25T02:30:00+02:00", "2026-10-25T02:10:00+01:00", True),
        # and 02:10 CET is 40 minutes after 02:30 CEST: a sign-off from the decision's future
        ("2026-10-25T02:10:00+01:00", "2026-10-25T02:30:00+02:00", False),
        # spring forward: 01:59 CET is one minute before 03:00 CEST
        ("2026-03-29T01:59:00+01:00", "2026-03-29T03:00:00+02:00", True),
        ("2026-03-29T03:30:00+02:00", "2026-03-29T01:59:00+01:00", False),
    ],
)
def test_a_sign_off_counts_only_when_made_before_now_in_elapsed_time_across_dst(
    signed: str, now: str, counts: bool, zoned: bool
) -> None:
    def conv(x: datetime) -> datetime:
        return x.astimezone(BERLIN) if zoned else x

    signoff = SignOff("rollback-plan", DIGEST, "rita", "release-manager", conv(_at(signed)))
    check = one(
        SIGNOFFS,
        "release",
        now=conv(_at(now)),
        signoffs=(signoff,),
        candidate=Candidate(commit=COMMIT, digests=(DIGEST,), author="sam"),
    )
    assert (check.outcome is Outcome.PASS) is counts, text_of(check)
    if not counts:
        assert "after the decision's time" in text_of(check)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("soak", "2bd"),
        ("max_gap", "1bd"),
    ],
)
def test_part_2_time_checks_take_elapsed_durations_only_business_days_are_refused(
    field: str, value: str
) -> None:
    with pytest.raises(PolicyError) as caught:
        policy(
            f"""
            environments: [{{id: staging}}, {{id: production}}]
            gates:
              - id: soak
                type: promotion
                params: {{from: staging, {field}: {value}}}
            """
        )
    assert "counts business days, which this field cannot use" in str(caught.value)


def test_the_decision_time_is_kept_as_given_for_a_zoneinfo_now() -> None:
    now = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN)
    assert now.astimezone(UTC) == _at("2026-10-25T01:30:00Z")
    check = one(FREEZES, "berlin-fall", now=now)
    assert check.outcome is Outcome.FAIL
