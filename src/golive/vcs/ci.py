"""The branch or tag a CI run is for, from the CI system's own variables.

CI checks out a detached HEAD for tags and pull requests, so git cannot say the branch. Every
CI system names the ref in its environment; :func:`ci_ref` reads the one it recognises (a
pure function of the mapping it is given, so it is tested with recorded environments). A
branch or tag given on the command line always wins over this, and the decision says where
the ref came from.

Sources (the systems' documented variables):

- GitHub Actions: ``GITHUB_HEAD_REF`` (the source branch of a pull request), else
  ``GITHUB_REF_TYPE`` and ``GITHUB_REF_NAME``, else ``GITHUB_REF`` (``refs/heads/...``,
  ``refs/tags/...``).
- GitLab CI: ``CI_COMMIT_TAG``, ``CI_MERGE_REQUEST_SOURCE_BRANCH_NAME``, ``CI_COMMIT_BRANCH``.
- Azure Pipelines: ``SYSTEM_PULLREQUEST_SOURCEBRANCH``, else ``BUILD_SOURCEBRANCH``.
- Bitbucket Pipelines (``BITBUCKET_TAG``, ``BITBUCKET_BRANCH``), CircleCI (``CIRCLE_TAG``,
  ``CIRCLE_BRANCH``), Buildkite (``BUILDKITE_TAG``, ``BUILDKITE_BRANCH``), Jenkins
  (``TAG_NAME``, ``CHANGE_BRANCH``, ``BRANCH_NAME``), Travis CI (``TRAVIS_TAG``,
  ``TRAVIS_PULL_REQUEST_BRANCH``, ``TRAVIS_BRANCH``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CiRef:
    """A branch or a tag (never both), and the variable it was read from."""

    branch: str | None
    tag: str | None
    source: str


def _ref(value: str, source: str) -> CiRef | None:
    """A full ``refs/heads/x`` or ``refs/tags/y`` name; None for other refs (pull merges)."""
    if value.startswith("refs/heads/"):
        return CiRef(value.removeprefix("refs/heads/"), None, source)
    if value.startswith("refs/tags/"):
        return CiRef(None, value.removeprefix("refs/tags/"), source)
    return None


def _github(env: Mapping[str, str]) -> CiRef | None:
    if env.get("GITHUB_HEAD_REF"):
        return CiRef(env["GITHUB_HEAD_REF"], None, "GITHUB_HEAD_REF")
    kind, name = env.get("GITHUB_REF_TYPE"), env.get("GITHUB_REF_NAME")
    if kind == "tag" and name:
        return CiRef(None, name, "GITHUB_REF_NAME")
    if kind == "branch" and name:
        return CiRef(name, None, "GITHUB_REF_NAME")
    return _ref(env.get("GITHUB_REF", ""), "GITHUB_REF")


def _azure(env: Mapping[str, str]) -> CiRef | None:
    source = env.get("SYSTEM_PULLREQUEST_SOURCEBRANCH", "")
    if source:
        found = _ref(source, "SYSTEM_PULLREQUEST_SOURCEBRANCH")
        return found or CiRef(source, None, "SYSTEM_PULLREQUEST_SOURCEBRANCH")
    return _ref(env.get("BUILD_SOURCEBRANCH", ""), "BUILD_SOURCEBRANCH")


#: Per system: the variable that says it runs, then (variable, "tag" | "branch") in order.
_SIMPLE: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "GITLAB_CI",
        (
            ("CI_COMMIT_TAG", "tag"),
            ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "branch"),
            ("CI_COMMIT_BRANCH", "branch"),
        ),
    ),
    ("BITBUCKET_BUILD_NUMBER", (("BITBUCKET_TAG", "tag"), ("BITBUCKET_BRANCH", "branch"))),
    ("CIRCLECI", (("CIRCLE_TAG", "tag"), ("CIRCLE_BRANCH", "branch"))),
    ("BUILDKITE", (("BUILDKITE_TAG", "tag"), ("BUILDKITE_BRANCH", "branch"))),
    (
        "JENKINS_URL",
        (("TAG_NAME", "tag"), ("CHANGE_BRANCH", "branch"), ("BRANCH_NAME", "branch")),
    ),
    (
        "TRAVIS",
        (
            ("TRAVIS_TAG", "tag"),
            ("TRAVIS_PULL_REQUEST_BRANCH", "branch"),
            ("TRAVIS_BRANCH", "branch"),
        ),
    ),
)


def ci_ref(env: Mapping[str, str]) -> CiRef | None:
    """The branch or tag the CI run described by ``env`` is for; None outside CI or unsaid."""
    if env.get("GITHUB_ACTIONS") == "true":
        return _github(env)
    if env.get("TF_BUILD") == "True":
        return _azure(env)
    for marker, variables in _SIMPLE:
        if not env.get(marker):
            continue
        for name, kind in variables:
            value = env.get(name, "")
            if value:
                return CiRef(value, None, name) if kind == "branch" else CiRef(None, value, name)
        return None
    return None
