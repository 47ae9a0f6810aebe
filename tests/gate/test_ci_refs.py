"""A detached HEAD in CI: the branch or tag comes from the CI system's own variables."""

from __future__ import annotations

import json

import pytest
from gate_support import write
from test_gate_cli import NOW, gate

from golive.vcs.ci import CiRef, ci_ref


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        # GitHub Actions: a push to a branch, a tag, a pull request, and only GITHUB_REF
        (
            {"GITHUB_ACTIONS": "true", "GITHUB_REF_TYPE": "branch", "GITHUB_REF_NAME": "main"},
            CiRef("main", None, "GITHUB_REF_NAME"),
        ),
        (
            {"GITHUB_ACTIONS": "true", "GITHUB_REF_TYPE": "tag", "GITHUB_REF_NAME": "v1.4.2"},
            CiRef(None, "v1.4.2", "GITHUB_REF_NAME"),
        ),
        (
            {
                "GITHUB_ACTIONS": "true",
                "GITHUB_REF": "refs/pull/7/merge",
                "GITHUB_REF_NAME": "7/merge",
                "GITHUB_REF_TYPE": "branch",
                "GITHUB_HEAD_REF": "feature/login",
            },
            CiRef("feature/login", None, "GITHUB_HEAD_REF"),
        ),
        (
            {"GITHUB_ACTIONS": "true", "GITHUB_REF": "refs/heads/release/2.0"},
            CiRef("release/2.0", None, "GITHUB_REF"),
        ),
        ({"GITHUB_ACTIONS": "true", "GITHUB_REF": "refs/pull/7/merge"}, None),
        # GitLab CI: tag pipelines, merge request pipelines, branch pipelines
        ({"GITLAB_CI": "true", "CI_COMMIT_TAG": "v2.0.0"}, CiRef(None, "v2.0.0", "CI_COMMIT_TAG")),
        (
            {
                "GITLAB_CI": "true",
                "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "fix/x",
                "CI_COMMIT_BRANCH": "",
            },
            CiRef("fix/x", None, "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"),
        ),
        (
            {"GITLAB_CI": "true", "CI_COMMIT_BRANCH": "main"},
            CiRef("main", None, "CI_COMMIT_BRANCH"),
        ),
        # Azure Pipelines
        (
            {"TF_BUILD": "True", "BUILD_SOURCEBRANCH": "refs/tags/v3.1.0"},
            CiRef(None, "v3.1.0", "BUILD_SOURCEBRANCH"),
        ),
        (
            {
                "TF_BUILD": "True",
                "BUILD_SOURCEBRANCH": "refs/pull/9/merge",
                "SYSTEM_PULLREQUEST_SOURCEBRANCH": "refs/heads/topic",
            },
            CiRef("topic", None, "SYSTEM_PULLREQUEST_SOURCEBRANCH"),
        ),
        # the others
        ({"CIRCLECI": "true", "CIRCLE_BRANCH": "main"}, CiRef("main", None, "CIRCLE_BRANCH")),
        ({"BUILDKITE": "true", "BUILDKITE_TAG": "v1"}, CiRef(None, "v1", "BUILDKITE_TAG")),
        (
            {"JENKINS_URL": "http://ci", "CHANGE_BRANCH": "pr-src", "BRANCH_NAME": "PR-12"},
            CiRef("pr-src", None, "CHANGE_BRANCH"),
        ),
        (
            {"BITBUCKET_BUILD_NUMBER": "5", "BITBUCKET_BRANCH": "dev"},
            CiRef("dev", None, "BITBUCKET_BRANCH"),
        ),
        (
            {"TRAVIS": "true", "TRAVIS_TAG": "", "TRAVIS_BRANCH": "main"},
            CiRef("main", None, "TRAVIS_BRANCH"),
        ),
        # outside CI, variables of a CI system without its marker are ignored
        ({"CI_COMMIT_BRANCH": "main", "GITHUB_REF_NAME": "main"}, None),
        ({}, None),
    ],
)
def test_the_ci_systems_variables_name_the_ref(env: dict[str, str], expected) -> None:
    assert ci_ref(env) == expected


BRANCH_POLICY = """apiVersion: golive/v1
metadata: {name: ci-refs}
environments:
  - id: production
    branches: [main]
    tags: ["v*"]
gates:
  - id: from-main
    type: branch
"""


def _decide(capsys, tmp_path, *extra: str) -> dict:
    policy = write(tmp_path, "policy.yaml", BRANCH_POLICY)
    code, out, err = gate(
        capsys,
        "--policy",
        str(policy),
        "--env",
        "production",
        NOW,
        "--format",
        "json",
        *extra,
    )
    assert code in (0, 1), err
    return json.loads(out)["checks"][0]


def test_golive_gate_reads_the_branch_from_github_actions_and_says_so(
    capsys, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_REF_TYPE", "tag")
    monkeypatch.setenv("GITHUB_REF_NAME", "v1.4.2")
    check = _decide(capsys, tmp_path)
    assert check["outcome"] == "pass"
    assert "branch and tags from the CI environment (GITHUB_REF_NAME)" in check["facts"]


def test_a_branch_given_on_the_command_line_wins_over_the_ci_environment(
    capsys, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_REF_TYPE", "branch")
    monkeypatch.setenv("GITHUB_REF_NAME", "main")
    check = _decide(capsys, tmp_path, "--branch", "feature/x")
    assert check["outcome"] == "fail"
    assert not any("CI environment" in f for f in check["facts"])


def test_outside_ci_an_unknown_branch_stays_unknown(capsys, tmp_path) -> None:
    check = _decide(capsys, tmp_path)
    assert check["outcome"] == "error"
