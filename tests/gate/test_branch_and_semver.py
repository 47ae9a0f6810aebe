"""``branch`` (GitHub globs: ``*`` stops at ``/``) and ``semver`` (tags, pre-releases, majors)."""

from __future__ import annotations

import pytest
from part2_support import one, policy, text_of

from golive.core.gate import Candidate, Outcome
from golive.core.gate.globs import matches
from golive.core.gate.sources import RepoFacts
from golive.core.gate.versions import parse

BRANCHES = policy(
    """
    environments:
      - id: production
        branches: [main, "release/*"]
        tags: ["v*"]
      - id: staging
        branches: ["**"]
    gates:
      - id: branch
        type: branch
      - id: tagged
        type: branch
        environments: [production]
        params: {require_tag: true}
    """
)


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("release/*", "release/1.2", True),
        ("release/*", "release/1.2/hotfix", False),  # * does not match /
        ("release/**", "release/1.2/hotfix", True),
        ("**", "feature/a/b", True),
        ("v*", "v1.2.3", True),
        ("v?.*", "v1.2", True),
        ("main", "Main", False),  # case-sensitive
        ("feature/[ab]*", "feature/alpha", True),
        ("feature/[ab]*", "feature/gamma", False),
    ],
)
def test_globs_follow_github_semantics(pattern: str, name: str, expected: bool) -> None:
    assert matches(pattern, name) is expected


@pytest.mark.parametrize(
    ("branch", "tags", "outcome"),
    [
        ("main", (), Outcome.PASS),
        ("release/2.0", (), Outcome.PASS),
        ("release/2.0/x", (), Outcome.FAIL),
        ("feature/x", (), Outcome.FAIL),
        ("feature/x", ("v1.0.0",), Outcome.PASS),  # a matching tag is enough
        (None, (), Outcome.ERROR),  # unknown ref: never a pass
    ],
)
def test_a_branch_may_deploy_only_where_the_environment_allows(
    branch: str | None, tags: tuple[str, ...], outcome: Outcome
) -> None:
    repo = RepoFacts(branch=branch, tags=tags) if branch or tags else None
    assert one(BRANCHES, "branch", repo=repo).outcome is outcome


def test_require_tag_fails_an_untagged_commit_on_an_allowed_branch() -> None:
    check = one(BRANCHES, "tagged", repo=RepoFacts(branch="main"))
    assert check.outcome is Outcome.FAIL
    assert "not tagged" in check.summary


SEMVER = policy(
    """
    environments:
      - id: production
    gates:
      - id: semver
        type: semver
      - id: api
        type: api_docs
        blocking: false
        params:
          public_api: ["src/api/**"]
          schemas: ["openapi.yaml"]
    """
)

V1 = """
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /items: {get: {responses: {"200": {description: ok}}}}
  /users: {get: {responses: {"200": {description: ok}}}}
"""
V2 = """
openapi: 3.0.0
info: {title: t, version: "2"}
paths:
  /items: {get: {responses: {"200": {description: ok}}}}
"""


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("1.2.3", True),
        ("1.2.3-rc.1+build.5", True),
        ("01.2.3", False),
        ("1.2", False),
        ("1.2.3-", False),
        ("1.2.3-01", False),
    ],
)
def test_semantic_versions_are_parsed_exactly(text: str, valid: bool) -> None:
    assert (parse(text) is not None) is valid


@pytest.mark.parametrize(
    ("tags", "outcome", "words"),
    [
        (("v1.4.2",), Outcome.PASS, "semantic version"),
        (("v1.4",), Outcome.FAIL, "not a semantic version"),
        (("v1.5.0-rc.1",), Outcome.FAIL, "pre-release"),
        (("release-1",), Outcome.FAIL, "no tag starts with 'v'"),
        ((), Outcome.ERROR, "no release tag"),
    ],
)
def test_the_release_tag_is_a_semantic_version(
    tags: tuple[str, ...], outcome: Outcome, words: str
) -> None:
    check = one(SEMVER, "semver", repo=RepoFacts(tags=tags))
    assert check.outcome is outcome
    assert words in check.summary


@pytest.mark.parametrize(
    ("tag", "previous", "outcome"),
    [
        ("v2.0.0", "v1.9.0", Outcome.PASS),
        ("v1.10.0", "v1.9.0", Outcome.FAIL),
        ("v0.5.0", "v0.4.3", Outcome.PASS),  # 0.y.z: a minor bump may break
        ("v0.4.4", "v0.4.3", Outcome.FAIL),
    ],
)
def test_a_breaking_api_change_requires_a_major_bump(
    tag: str, previous: str, outcome: Outcome
) -> None:
    repo = RepoFacts(
        tags=(tag,),
        previous_tag=previous,
        changed=("openapi.yaml",),
        base_files={"openapi.yaml": V1},
        files={"openapi.yaml": V2},
    )
    check = one(SEMVER, "semver", repo=repo)
    assert check.outcome is outcome, text_of(check)
    assert "path /users removed" in text_of(check)


def test_version_given_on_the_command_line_wins_over_tags() -> None:
    check = one(
        SEMVER,
        "semver",
        repo=RepoFacts(tags=("v1.0.0",)),
        candidate=Candidate(commit="a" * 40, version="2.0.0"),
    )
    assert "2.0.0 (from --version)" in text_of(check)
