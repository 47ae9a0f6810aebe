"""CODEOWNERS and approvals: checklist cases 33 to 36 of the reference note, one test each."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from part2_support import COMMIT, one, policy, text_of

from golive.core.gate import Candidate, Outcome
from golive.core.gate import codeowners as co
from golive.core.gate.sources import RepoFacts, Review, ReviewFacts

HEAD = COMMIT
OLD = "9" * 40

GITHUB = """\
# default owners
*                 @acme/everyone
/docs/            @acme/docs
docs/*            @dora
apps/             @acme/apps
/apps/            @root-apps
*.md
src/payments/     @acme/payments
src/payments/legacy.py
"""


@pytest.mark.parametrize(
    ("path", "line", "owners"),
    [
        ("README.md", 7, ()),  # unowned: a pattern with no owners, not unmatched
        ("main.py", 2, ("@acme/everyone",)),
        ("docs/a.md", 7, ()),  # *.md is after docs/* and wins: last match
        ("docs/guide/a.txt", 3, ("@acme/docs",)),  # docs/* does not match nested paths
        ("docs/a.txt", 4, ("@dora",)),
        ("lib/apps/x.py", 5, ("@acme/apps",)),  # apps/ matches at any depth
        ("apps/x.py", 6, ("@root-apps",)),  # /apps/ only at the root, and it is later
        ("src/payments/api.py", 8, ("@acme/payments",)),
        ("src/payments/legacy.py", 9, ()),  # a broad rule after a specific one: unowned
    ],
)
def test_case_33_owned_unowned_and_unmatched_paths_last_match_wins(
    path: str, line: int, owners: tuple[str, ...]
) -> None:
    rule = co.parse(GITHUB).owner_of(path)
    assert rule is not None
    assert (rule.line, rule.owners) == (line, owners)


def test_case_33_a_path_no_line_matches_is_unmatched() -> None:
    assert co.parse("/src/ @a\n").owner_of("lib/x.py") is None


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("Python/ceval*.[ch] @core", "character ranges"),
        ("!docs/ @a", "negation"),
        ("\\#notes @a", "'\\#' escape"),
        ("docs/ alice", "owner 'alice' is not @user"),
        ("docs/ @a # inline", "inline comment"),
    ],
)
def test_case_34_lines_github_rejects_are_skipped_and_reported(line: str, words: str) -> None:
    parsed = co.parse(f"* @fallback\n{line}\n")
    assert [p.line for p in parsed.problems] == [2]
    assert words in parsed.problems[0].message
    fallback = parsed.owner_of("docs/x")
    assert fallback is not None
    assert fallback.owners == ("@fallback",)


def test_case_34_matching_is_case_sensitive_and_escaped_spaces_match() -> None:
    parsed = co.parse("/Docs/ @upper\n/my\\ dir/ @spaced\n")
    assert parsed.owner_of("docs/a.md") is None
    assert parsed.owner_of("Docs/a.md").owners == ("@upper",)
    assert parsed.owner_of("my dir/a.txt").owners == ("@spaced",)


def test_case_35_gitlab_sections_are_evaluated_independently() -> None:
    parsed = co.parse(
        "[Backend][2] @backend-lead\n"
        "src/ @bob @bea\n"
        "^[Docs]\n"
        "src/ @dora\n"
        "[backend]\n"
        "src/db/ @dba\n",
        ".gitlab/CODEOWNERS",
    )
    assert parsed.dialect == "gitlab"
    sections = {s.name: s for s in parsed.sections}
    assert sections["backend"].approvals == 2  # duplicate sections merge, names fold case
    assert sections["docs"].optional
    assert parsed.owner_of("src/db/x.sql", "backend").owners == ("@dba",)
    assert parsed.owner_of("src/db/x.sql", "docs").owners == ("@dora",)


def _review(rid: int, user: str, state: str, commit: str = HEAD, kind: str = "User", hour: int = 9):
    return Review(rid, user, kind, state, commit, datetime(2026, 11, 24, hour, tzinfo=UTC))


APPROVALS = policy(
    """
    environments:
      - id: production
    approvals:
      - id: two
        min_approvals: 2
      - id: owners
        min_approvals: 1
        code_owners: each_domain
        unowned_paths: block
      - id: gitlab
        min_approvals: 1
        code_owners: each_domain
    gates:
      - id: two
        type: approvals
        params: {rule: two}
      - id: owners
        type: approvals
        params: {rule: owners}
      - id: gitlab
        type: approvals
        params: {rule: gitlab}
    """
)


@pytest.mark.parametrize(
    ("reviews", "counted", "why"),
    [
        ([_review(1, "ann", "APPROVED"), _review(2, "ben", "APPROVED")], 2, ""),
        ([_review(1, "ann", "APPROVED"), _review(2, "AUTHOR", "APPROVED")], 1, "author"),
        ([_review(1, "ann", "APPROVED"), _review(2, "ann", "APPROVED", hour=10)], 1, ""),
        (
            [_review(1, "ann", "APPROVED"), _review(2, "ann", "CHANGES_REQUESTED", hour=10)],
            0,
            "CHANGES_REQUESTED",
        ),
        (
            [_review(1, "ann", "APPROVED"), _review(2, "ann", "COMMENTED", hour=10)],
            1,
            "",
        ),
        ([_review(1, "ann", "APPROVED", commit=OLD)], 0, "stale"),
        ([_review(1, "ann", "DISMISSED")], 0, "DISMISSED"),
        ([_review(1, "dependabot[bot]", "APPROVED", kind="Bot")], 0, "bot"),
        ([_review(1, "ci-helper", "APPROVED", kind="Bot")], 0, "bot"),
    ],
    ids=[
        "two-distinct-humans",
        "self-approval",
        "double-approval-counts-once",
        "approve-then-request-changes",
        "a-later-comment-keeps-the-approval",
        "stale-commit-id",
        "dismissed",
        "bot-login",
        "bot-type",
    ],
)
def test_case_36_approvals_count_distinct_humans_latest_state_fresh_not_author_not_bot(
    reviews: list[Review], counted: int, why: str
) -> None:
    facts = ReviewFacts(author="author", head_sha=HEAD, reviews=tuple(reviews))
    check = one(APPROVALS, "two", review=facts)
    assert check.outcome is (Outcome.PASS if counted >= 2 else Outcome.FAIL)
    assert f"{counted} of 2" in check.summary or counted >= 2
    assert why in text_of(check)


def test_case_36_approvals_need_the_reviews() -> None:
    check = one(APPROVALS, "two")
    assert check.outcome is Outcome.ERROR
    assert "--reviews" in check.remediation


OWNERS = "* @acme/core\n/docs/ @dora\n/vendor/\n"


def _owners_case(changed: tuple[str, ...], approvers: list[str], codeowners: str = OWNERS):
    repo = RepoFacts(
        head=HEAD,
        changed=changed,
        codeowners={"base": (".github/CODEOWNERS", codeowners), "head": ("CODEOWNERS", "* @me")},
    )
    review = ReviewFacts(
        author="me",
        head_sha=HEAD,
        reviews=tuple(_review(i, a, "APPROVED") for i, a in enumerate(approvers)),
        teams={"@acme/core": ("carol", "dave")},
    )
    return repo, review


@pytest.mark.parametrize(
    ("changed", "approvers", "outcome", "words"),
    [
        (("src/a.py", "docs/x.md"), ["carol", "dora"], Outcome.PASS, ""),
        (("src/a.py", "docs/x.md"), ["carol"], Outcome.FAIL, "no approval from @dora"),
        (("src/a.py",), ["erin"], Outcome.FAIL, "no approval from @acme/core"),
        (("vendor/lib.c",), ["carol"], Outcome.FAIL, "unowned"),
    ],
)
def test_case_33_36_a_code_owner_of_every_domain_touched_from_the_base_codeowners(
    changed: tuple[str, ...], approvers: list[str], outcome: Outcome, words: str
) -> None:
    repo, review = _owners_case(changed, approvers)
    check = one(APPROVALS, "owners", repo=repo, review=review)
    assert check.outcome is outcome, text_of(check)
    assert words in text_of(check)
    assert ".github/CODEOWNERS at the base revision" in text_of(check)


def test_case_34_codeowners_changed_inside_the_pr_is_ignored_the_base_applies() -> None:
    # the head's CODEOWNERS says '* @me'; the author cannot make themself the owner
    repo, review = _owners_case(("src/a.py",), [])
    check = one(APPROVALS, "owners", repo=repo, review=review)
    assert check.outcome is Outcome.FAIL


def test_case_35_a_required_gitlab_section_needs_its_count_an_optional_one_does_not() -> None:
    text = "[Backend][2]\nsrc/ @bob @bea\n^[Docs]\nsrc/ @dora\n"
    repo, review = _owners_case(("src/a.py",), ["bob"], text)
    check = one(APPROVALS, "gitlab", repo=repo, review=review)
    assert check.outcome is Outcome.FAIL
    assert "(1 of 2)" in text_of(check)
    repo, review = _owners_case(("src/a.py",), ["bob", "bea"], text)
    assert one(APPROVALS, "gitlab", repo=repo, review=review).outcome is Outcome.PASS


def test_case_36_team_members_count_only_through_the_roster_teams() -> None:
    repo, review = _owners_case(("src/a.py",), ["carol"])
    no_teams = ReviewFacts(author="me", head_sha=HEAD, reviews=review.reviews)
    check = one(APPROVALS, "owners", repo=repo, review=no_teams)
    assert check.outcome is Outcome.FAIL
    assert "@acme/core is not in the roster's teams" in text_of(check)


def test_the_author_comes_from_the_candidate_when_no_pull_request_was_given() -> None:
    review = ReviewFacts(reviews=(_review(1, "ann", "APPROVED"), _review(2, "bo", "APPROVED")))
    check = one(APPROVALS, "two", review=review, candidate=Candidate(commit=HEAD, author="bo"))
    assert check.outcome is Outcome.FAIL
    assert "bo: is the change's author" in text_of(check)


@pytest.mark.parametrize(
    ("approvers", "outcome"),
    [
        (["dave"], Outcome.PASS),  # a member GitHub's assignment did not pick still counts
        (["carol"], Outcome.PASS),
        (["erin"], Outcome.FAIL),  # not a member of the owning team
    ],
)
def test_case_36_code_review_assignment_is_not_modelled_any_team_members_approval_counts(
    approvers: list[str], outcome: Outcome
) -> None:
    # GitHub's team "code review assignment" requests reviews from some members only; the
    # REST reviews do not say which were assigned, so golive counts every member's approval
    repo, review = _owners_case(("src/a.py",), approvers)
    check = one(APPROVALS, "owners", repo=repo, review=review)
    assert check.outcome is outcome, text_of(check)


@pytest.mark.parametrize(
    ("approvers", "outcome", "words"),
    [
        ([], Outcome.FAIL, "no approval from @acme/core"),
        (["carol"], Outcome.FAIL, "carol: is the change's author"),
        (["dave"], Outcome.PASS, ""),
    ],
    ids=["no-review", "self-approval", "another-member"],
)
def test_case_36_an_author_in_the_owning_team_never_counts_stricter_than_github(
    approvers: list[str], outcome: Outcome, words: str
) -> None:
    # carol is in @acme/core, which owns src/; on GitHub her own pull request could satisfy
    # the owner requirement implicitly; golive always wants another owner's approval
    repo, review = _owners_case(("src/a.py",), approvers)
    review = ReviewFacts(author="carol", head_sha=HEAD, reviews=review.reviews, teams=review.teams)
    check = one(APPROVALS, "owners", repo=repo, review=review)
    assert check.outcome is outcome, text_of(check)
    assert words in text_of(check)
