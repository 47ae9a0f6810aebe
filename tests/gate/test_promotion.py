"""``promotion``: the same digest deployed to staging, soaked for 48h with no failure or gap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from part2_support import DIGEST, NOW, OTHER_DIGEST, one, policy, text_of

from golive.core.gate import Candidate, Outcome
from golive.core.gate.sources import Deployment, DeploymentFacts, SuiteRun
from golive.errors import PolicyError
from golive.records.deployments import read_deployments

PROMOTION = policy(
    """
    environments:
      - id: staging
      - id: production
    gates:
      - id: staged
        type: promotion
        params: {from: staging}
      - id: soak
        type: promotion
        params: {from: staging, soak: 48h, suite: regression, max_gap: 6h}
      - id: soak-utc
        type: promotion
        params: {from: staging, soak: 48h, suite: regression, naive_timestamps: utc}
    """
)

DEPLOYED = Deployment("staging", DIGEST, NOW - timedelta(hours=50))


def _runs(hours: list[float], failed: tuple[float, ...] = (), naive: bool = False):
    return tuple(
        SuiteRun(
            "regression",
            "staging",
            DIGEST,
            NOW - timedelta(hours=h),
            h not in failed,
            naive=naive,
            source=f"run-{h}",
        )
        for h in hours
    )


EVERY_4H = [50, 46, 42, 38, 34, 30, 26, 22, 18, 14, 10, 6, 2]


@pytest.mark.parametrize(
    ("deployments", "outcome", "words"),
    [
        ((DEPLOYED,), Outcome.PASS, "deployed to staging"),
        ((Deployment("staging", OTHER_DIGEST, NOW - timedelta(hours=50)),), Outcome.FAIL, "never"),
        ((Deployment("production", DIGEST, NOW - timedelta(hours=50)),), Outcome.FAIL, "never"),
        (
            (Deployment("staging", DIGEST, NOW - timedelta(hours=50), "failed"),),
            Outcome.FAIL,
            "never",
        ),
        ((Deployment("staging", DIGEST, NOW + timedelta(hours=1)),), Outcome.FAIL, "never"),
    ],
)
def test_the_same_digest_must_have_been_deployed_to_the_from_environment(
    deployments: tuple[Deployment, ...], outcome: Outcome, words: str
) -> None:
    check = one(PROMOTION, "staged", deployments=DeploymentFacts(deployments))
    assert check.outcome is outcome
    assert words in check.summary


def test_promotion_without_records_or_digest_is_an_error() -> None:
    assert one(PROMOTION, "staged").outcome is Outcome.ERROR
    check = one(
        PROMOTION,
        "staged",
        deployments=DeploymentFacts((DEPLOYED,)),
        candidate=Candidate(commit="a" * 40),
    )
    assert check.outcome is Outcome.ERROR
    assert "digest" in check.summary


@pytest.mark.parametrize(
    ("deployed_hours_ago", "runs", "outcome", "words"),
    [
        (50, _runs(EVERY_4H), Outcome.PASS, "passing run(s)"),
        (47, _runs(EVERY_4H[1:]), Outcome.FAIL, "only 47.0h ago"),
        (50, _runs(EVERY_4H, failed=(22,)), Outcome.FAIL, "failed"),
        (50, _runs([50, 46, 42, 30, 26, 22, 18, 14, 10, 6, 2]), Outcome.FAIL, "no run from"),
        (50, _runs([50, 46, 42, 38, 34, 30, 26, 22, 18, 14, 10]), Outcome.FAIL, "no run from"),
        (50, (), Outcome.FAIL, "no run of regression"),
        (50, _runs([49]), Outcome.FAIL, "no run of regression"),
    ],
    ids=["covered", "too-young", "a-failure", "gap-inside", "gap-at-the-end", "no-runs", "one"],
)
def test_soak_needs_passing_runs_covering_the_whole_window_without_gaps(
    deployed_hours_ago: float, runs: tuple[SuiteRun, ...], outcome: Outcome, words: str
) -> None:
    deployment = Deployment("staging", DIGEST, NOW - timedelta(hours=deployed_hours_ago))
    check = one(PROMOTION, "soak", deployments=DeploymentFacts((deployment,), runs))
    assert check.outcome is outcome, text_of(check)
    assert words in text_of(check)


def test_runs_for_another_digest_or_suite_do_not_count() -> None:
    runs = tuple(
        SuiteRun("regression", "staging", OTHER_DIGEST, r.at, True) for r in _runs(EVERY_4H)
    ) + tuple(SuiteRun("smoke", "staging", DIGEST, r.at, True) for r in _runs(EVERY_4H))
    check = one(PROMOTION, "soak", deployments=DeploymentFacts((DEPLOYED,), runs))
    assert check.outcome is Outcome.FAIL
    assert "no run of regression" in text_of(check)


@pytest.mark.parametrize(
    ("gate", "outcome"),
    [("soak", Outcome.ERROR), ("soak-utc", Outcome.PASS)],
)
def test_case_32_naive_timestamps_are_an_error_or_read_as_utc_per_policy(
    gate: str, outcome: Outcome
) -> None:
    runs = _runs(EVERY_4H, naive=True)
    check = one(PROMOTION, gate, deployments=DeploymentFacts((DEPLOYED,), runs))
    assert check.outcome is outcome, text_of(check)
    if outcome is Outcome.PASS:
        assert "read as UTC" in text_of(check)


@pytest.mark.parametrize(
    ("deployed", "outcome"),
    [
        ("2026-11-22T10:00:00", Outcome.PASS),  # exactly 48h before now, read as UTC
        ("2026-11-22T10:00:01", Outcome.FAIL),  # one second short of the soak
    ],
)
def test_case_32_naive_timestamps_at_the_48h_edge(
    tmp_path: Path, deployed: str, outcome: Outcome
) -> None:
    junit = tmp_path / "runs"
    junit.mkdir()
    run_lines = []
    start = datetime.fromisoformat(deployed).replace(tzinfo=UTC)
    for i in range(13):
        stamp = (start + timedelta(hours=4 * i)).replace(tzinfo=None).isoformat()
        (junit / f"{i:02}.xml").write_text(
            f'<testsuite name="regression" tests="1" timestamp="{stamp}">'
            '<testcase classname="a" name="b"/></testsuite>'
        )
        run_lines.append(
            f"  - {{suite: regression, environment: staging, digest: '{DIGEST}', "
            f"junit: runs/{i:02}.xml}}"
        )
    records = tmp_path / "deployments.yaml"
    records.write_text(
        "apiVersion: golive/v1\nkind: Deployments\ndeployments:\n"
        f"  - {{environment: staging, digest: '{DIGEST}', at: '{deployed}Z'}}\n"
        "runs:\n" + "\n".join(run_lines) + "\n"
    )
    facts = read_deployments(records)
    assert all(r.naive for r in facts.runs)
    check = one(PROMOTION, "soak-utc", deployments=facts)
    assert check.outcome is outcome, text_of(check)


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("  - {environment: staging, digest: 'sha256:12', at: '2026-11-20T10:00:00Z'}", "digest"),
        (f"  - {{environment: staging, digest: '{DIGEST}', at: '2026-11-20T10:00:00'}}", "offset"),
        (f"  - {{environment: staging, digest: '{DIGEST}', when: 'x'}}", "when"),
    ],
)
def test_bad_deployment_records_name_the_file_line_and_field(
    tmp_path: Path, line: str, words: str
) -> None:
    records = tmp_path / "deployments.yaml"
    records.write_text("apiVersion: golive/v1\nkind: Deployments\ndeployments:\n" + line + "\n")
    with pytest.raises(PolicyError) as err:
        read_deployments(records)
    rendered = "\n".join(d.render() for d in err.value.diagnostics)
    assert f"{records}:4:" in rendered
    assert words in rendered
