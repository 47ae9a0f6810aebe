"""CI checks out shallow clones by default; golive never lets missing history pass a release.

Each test makes a real repository, clones it with ``--depth`` (as actions/checkout does with
its default ``fetch-depth: 1``) and reads the clone.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from git_support import ENV, Repo
from part2_support import decision, policy

from golive.core.gate import Candidate, Outcome
from golive.errors import UsageError
from golive.vcs import git

_OK = "{get: {responses: {'200': {description: ok}}}}"
V1 = f"openapi: 3.0.0\ninfo: {{title: t, version: '1'}}\npaths:\n  /a: {_OK}\n  /b: {_OK}\n"
V2 = f"openapi: 3.0.0\ninfo: {{title: t, version: '2'}}\npaths:\n  /a: {_OK}\n"

GATES = """
environments:
  - id: production
gates:
  - id: semver
    type: semver
    params: {breaking_requires_major: true}
  - id: api
    type: api_docs
    params:
      public_api: ["src/**"]
      schemas: ["openapi.yaml"]
"""


def _history(tmp_path: Path) -> Repo:
    """v1.0.0 tagged, then two commits, the last removing an endpoint (a breaking change)."""
    repo = Repo(tmp_path / "origin")
    repo.commit("openapi.yaml", V1)
    repo.git("tag", "v1.0.0")
    repo.commit("src/a.py", "a = 1\n")
    repo.commit("openapi.yaml", V2)
    repo.git("tag", "v1.1.0")
    return repo


def _clone(origin: Repo, tmp_path: Path, *args: str) -> Path:
    target = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", *args, f"file://{origin.path}", str(target)],
        env=ENV,
        check=True,
        capture_output=True,
    )
    return target


def _request(repo: Path, base: str | None) -> git.GitRequest:
    return git.GitRequest(
        repo=repo, base=base, head_globs=("openapi.yaml",), base_globs=("openapi.yaml",)
    )


def test_a_base_outside_a_shallow_clone_is_bad_input_that_says_how_to_fetch(tmp_path) -> None:
    origin = _history(tmp_path)
    base = origin.git("rev-parse", "v1.0.0")
    clone = _clone(origin, tmp_path, "--depth", "1")
    with pytest.raises(UsageError, match=r"shallow clone.*fetch-depth: 0"):
        git.gather(_request(clone, base))


def test_a_shallow_clone_without_the_previous_tag_never_passes_a_breaking_change(
    tmp_path,
) -> None:
    origin = _history(tmp_path)
    clone = _clone(origin, tmp_path, "--depth", "2", "--no-tags")
    facts = git.gather(_request(clone, "HEAD~1"))
    assert facts.shallow
    assert facts.previous_tag is None  # v1.0.0 is below the clone's boundary
    made = decision(policy(GATES), candidate=Candidate(version="1.1.0"), repo=facts)
    outcomes = {c.id: c.outcome for c in made.checks}
    assert outcomes["semver"] is Outcome.ERROR
    assert outcomes["api"] is Outcome.ERROR
    assert all("shallow clone" in c.summary for c in made.checks)


def test_the_full_clone_finds_the_previous_release_and_fails_the_minor_bump(tmp_path) -> None:
    origin = _history(tmp_path)
    clone = _clone(origin, tmp_path)
    facts = git.gather(_request(clone, "HEAD~1"))
    assert not facts.shallow
    assert facts.previous_tag == "v1.0.0"
    made = decision(policy(GATES), candidate=Candidate(version="1.1.0"), repo=facts)
    outcomes = {c.id: c.outcome for c in made.checks}
    assert outcomes["semver"] is Outcome.FAIL


def test_a_shallow_clone_cut_between_base_and_head_leaves_the_commits_unknown(tmp_path) -> None:
    origin = _history(tmp_path)
    base = origin.git("rev-parse", "v1.0.0")
    clone = _clone(origin, tmp_path, "--depth", "1")
    # the base is fetched on its own (as a CI job fetching the target branch tip would), but
    # the commits between it and the head are not
    subprocess.run(
        ["git", "-C", str(clone), "fetch", "-q", "--depth", "1", "origin", base],
        env=ENV,
        check=True,
        capture_output=True,
    )
    facts = git.gather(
        git.GitRequest(repo=clone, base=base, verify=True, pr_head="HEAD", pr_base=base)
    )
    assert facts.commits is None
    assert facts.pr_commits is None
    assert any("shallow" in p for p in facts.problems)
