"""Case 42: a policy changed inside the candidate is not the policy the candidate is judged by."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from git_support import Repo

from golive.cli.main import cli

STRICT = (
    "apiVersion: golive/v1\nmetadata: {name: pinned}\n"
    "environments: [{id: production, branches: [main]}]\n"
    "gates: [{id: branch, type: branch}]\n"
)
RELAXED = STRICT.replace("[main]", "['**']")


def _gate(repo: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli,
        [
            "gate",
            "--policy",
            str(repo / "golive.yaml"),
            "--env",
            "production",
            "--branch",
            "feature/x",
            "--now",
            "2026-11-24T10:00:00Z",
            "--format",
            "json",
            *extra,
        ],
    )
    return result.exit_code, result.output


def test_case_42_the_policy_is_read_from_the_base_revision_when_asked(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.commit("golive.yaml", STRICT)
    base = repo.git("rev-parse", "HEAD")
    repo.commit("golive.yaml", RELAXED, message="let any branch deploy")
    code, _ = _gate(repo.path)
    assert code == 0  # the candidate's own, relaxed policy would let it through
    code, out = _gate(repo.path, "--repo", str(repo.path), "--base", base, "--policy-from-base")
    assert code == 1
    assert json.loads(out)["checks"][0]["outcome"] == "fail"


def test_case_42_a_pinned_digest_refuses_a_changed_policy(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.commit("golive.yaml", STRICT)
    code, out = _gate(repo.path)
    digest = json.loads(out)["policy"]["digest"]
    (repo.path / "golive.yaml").write_text(RELAXED)
    code, out = _gate(repo.path, "--policy-digest", digest)
    assert code == 2
    assert "it was changed" in out
