"""``checklist`` sign-offs and ``golive attest``: who may sign, for which candidate, and why not."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from part2_support import COMMIT, DIGEST, NOW, OTHER_DIGEST, ROLES, one, policy, text_of

from golive.cli.main import cli
from golive.core.gate import Candidate, Outcome
from golive.core.gate.sources import SignOff
from golive.errors import PolicyError
from golive.records import signoffs

CHECKLIST = policy(
    ROLES
    + """
    environments:
      - id: production
      - id: staging
    checklists:
      - id: release
        environments: [production]
        items:
          - id: rollback-plan
            roles: [release-manager]
            link: required
          - id: dashboards
            roles: [sre, release-manager]
            author_may_sign: true
    gates:
      - id: release
        type: checklist
        params: {checklist: release}
    """.replace("\n    ", "\n")
)
CANDIDATE = Candidate(commit=COMMIT, digests=(DIGEST,), author="sam")


def _s(item: str, by: str, role: str, link: str = "", candidate: str = DIGEST, hours: int = 1):
    return SignOff(item, candidate, by, role, NOW - timedelta(hours=hours), link)


GOOD = (
    _s("rollback-plan", "rita", "release-manager", "https://t/CHG-1"),
    _s("dashboards", "sam", "sre"),
)


@pytest.mark.parametrize(
    ("signed", "outcome", "words"),
    [
        (GOOD, Outcome.PASS, "all 2 items signed off"),
        (GOOD[1:], Outcome.FAIL, "rollback-plan (rollback-plan): not signed off"),
        (
            (_s("rollback-plan", "rita", "release-manager"), GOOD[1]),
            Outcome.FAIL,
            "requires a link",
        ),
        (
            (_s("rollback-plan", "sam", "sre", "https://t/1"), GOOD[1]),
            Outcome.FAIL,
            "role 'sre' cannot sign this item",
        ),
        (
            (_s("rollback-plan", "victor", "release-manager", "https://t/1"), GOOD[1]),
            Outcome.FAIL,
            "victor does not hold role 'release-manager'",
        ),
        (
            (_s("rollback-plan", "rita", "release-manager", "https://t/1", OTHER_DIGEST), GOOD[1]),
            Outcome.FAIL,
            "not signed off",
        ),
        (
            (_s("rollback-plan", "rita", "release-manager", "https://t/1", COMMIT[:10]), GOOD[1]),
            Outcome.PASS,
            "",
        ),
        (
            (_s("rollback-plan", "rita", "release-manager", "https://t/1", hours=-1), GOOD[1]),
            Outcome.FAIL,
            "after the decision's time",
        ),
    ],
    ids=[
        "all-signed",
        "one-missing",
        "link-required",
        "wrong-role",
        "role-not-held",
        "another-candidate",
        "by-commit-prefix",
        "signed-after-now",
    ],
)
def test_a_sign_off_counts_only_from_a_holder_of_the_items_role_for_this_candidate(
    signed: tuple[SignOff, ...], outcome: Outcome, words: str
) -> None:
    check = one(CHECKLIST, "release", signoffs=signed, candidate=CANDIDATE)
    assert check.outcome is outcome, text_of(check)
    assert words in text_of(check)


def test_the_releases_author_may_not_sign_unless_the_item_allows_it() -> None:
    policy_author = Candidate(commit=COMMIT, digests=(DIGEST,), author="rita")
    check = one(CHECKLIST, "release", signoffs=GOOD, candidate=policy_author)
    assert check.outcome is Outcome.FAIL
    assert "rita is the release's author, and this item needs someone else" in text_of(check)
    # sam is the author of CANDIDATE and signs 'dashboards', which allows the author
    assert one(CHECKLIST, "release", signoffs=GOOD, candidate=CANDIDATE).outcome is Outcome.PASS


def test_no_sign_offs_file_is_an_error_and_other_environments_are_not_applicable() -> None:
    assert one(CHECKLIST, "release", candidate=CANDIDATE).outcome is Outcome.ERROR
    check = one(CHECKLIST, "release", candidate=CANDIDATE, environment="staging", signoffs=())
    assert check.outcome is Outcome.NOT_APPLICABLE


def test_golive_attest_records_a_sign_off_the_gate_reads(tmp_path: Path) -> None:
    store = tmp_path / ".golive" / "signoffs.jsonl"
    runner = CliRunner()
    for args in (
        ["rollback-plan", "--by", "rita", "--role", "release-manager", "--link", "https://t/1"],
        ["dashboards", "--by", "sam", "--role", "sre"],
    ):
        result = runner.invoke(
            cli,
            [
                "attest",
                *args,
                "--candidate",
                f"{COMMIT}@{DIGEST}",
                "--file",
                str(store),
                "--now",
                "2026-11-24T09:00:00Z",
            ],
        )
        assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in store.read_text().splitlines()]
    assert lines[0]["schema"] == "golive.signoff/v1"
    assert lines[0]["at"] == "2026-11-24T09:00:00Z"
    read = signoffs.read(store)
    assert one(CHECKLIST, "release", signoffs=read, candidate=CANDIDATE).outcome is Outcome.PASS


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["x", "--candidate", "not-a-sha", "--by", "a", "--role", "r"], "neither a commit"),
        (["bad item!", "--candidate", COMMIT, "--by", "a", "--role", "r"], "not a checklist item"),
        (["x", "--candidate", COMMIT, "--by", "a", "--role", "r", "--now", "2026-11-24"], "offset"),
    ],
)
def test_golive_attest_refuses_bad_input_with_exit_2_and_writes_nothing(
    tmp_path: Path, args: list[str], words: str
) -> None:
    store = tmp_path / "s.jsonl"
    result = CliRunner().invoke(cli, ["attest", *args, "--file", str(store)])
    assert result.exit_code == 2
    assert words in result.output
    assert not store.exists()


def test_concurrent_appends_never_tear_or_interleave_lines(tmp_path: Path) -> None:
    store = tmp_path / "s.jsonl"

    def sign(who: str) -> None:
        for i in range(40):
            signoffs.append(store, SignOff(f"item-{i}", DIGEST, who, "sre", NOW, "x" * 500))

    threads = [threading.Thread(target=sign, args=(f"p{n}",)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(signoffs.read(store)) == 240


def test_a_malformed_sign_off_line_is_named_by_line_and_field(tmp_path: Path) -> None:
    store = tmp_path / "s.jsonl"
    signoffs.append(store, SignOff("a", DIGEST, "rita", "sre", datetime(2026, 1, 1, tzinfo=UTC)))
    with store.open("a") as fh:
        fh.write(
            '{"schema": "golive.signoff/v1", "item": "b", "candidate": "c", "by": "", '
            '"role": "r", "at": "2026-01-01T00:00:00Z"}\n'
        )
    with pytest.raises(PolicyError) as err:
        signoffs.read(store)
    assert err.value.diagnostics[0].render().startswith(f"{store}:2:1: error: by: missing")
