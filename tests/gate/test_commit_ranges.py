"""Which commits ``signed_commits`` checks: ``merge_base`` vs ``pull_request`` (case 37's tail).

Real git repositories, keys made by ``ssh-keygen``. Where GitHub's idea of a pull request's
commits differs from ``merge-base(base, head)..head`` (an update-branch merge checked against
an older base; a squash merge, whose authored commits are not in the head's history), the
``pull_request`` range takes the pull request's commits from ``--pr-commits`` (GitHub REST
``pulls/N/commits``) or ``--pr`` (``pulls/N``); commits made by GitHub's web-flow count only
with ``allow_web_flow``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from git_support import ENV, Repo, keygen
from part2_support import one, policy, text_of

from golive.cli.main import cli
from golive.core.gate import Outcome
from golive.errors import PolicyError
from golive.records import pull_commits
from golive.vcs import git

pytestmark = pytest.mark.skipif(
    subprocess.run(["ssh-keygen", "-?"], capture_output=True, check=False).returncode == 127,
    reason="ssh-keygen is not installed",
)


def _policy(range_: str, web_flow: bool = False) -> object:
    return policy(
        f"""
        environments:
          - id: production
        gates:
          - id: signed
            type: signed_commits
            params:
              allowed_signers: .github/allowed_signers
              range: {range_}
              allow_web_flow: {str(web_flow).lower()}
        """
    )


MERGE_BASE = _policy("merge_base")
PULL_REQUEST = _policy("pull_request")
PULL_REQUEST_WEB_FLOW = _policy("pull_request", web_flow=True)
MERGE_BASE_WEB_FLOW = _policy("merge_base", web_flow=True)


class World:
    """alice signs; GitHub's web-flow signs web merges; main has an old unsigned commit."""

    def __init__(self, tmp_path: Path) -> None:
        keydir = tmp_path / "keys"
        keydir.mkdir()
        self.alice = keygen(keydir, "alice")
        self.web_flow = keygen(keydir, "web-flow")
        self.signers = tmp_path / "allowed_signers"
        self.signers.write_text(
            f"alice@example.com {self.alice[1]}\nnoreply@github.com {self.web_flow[1]}\n"
        )
        self.repo = Repo(tmp_path / "repo")
        self.base = self.repo.commit("base.txt")

    def web_flow_commit(self, *args: str) -> str:
        """``git commit ARGS`` committed and signed as GitHub's web-flow."""
        subprocess.run(
            [
                "git",
                "-c",
                "gpg.format=ssh",
                "-c",
                f"user.signingkey={self.web_flow[0]}",
                "commit",
                "-q",
                "-S",
                *args,
            ],
            cwd=self.repo.path,
            env={
                **ENV,
                "GIT_AUTHOR_NAME": "Alice",
                "GIT_AUTHOR_EMAIL": "alice@example.com",
                "GIT_COMMITTER_NAME": "GitHub",
                "GIT_COMMITTER_EMAIL": "noreply@github.com",
            },
            check=True,
            capture_output=True,
        )
        return self.repo.git("rev-parse", "HEAD")

    def facts(self, base: str | None = None, head: str | None = None, **pr: object) -> object:
        return git.gather(
            git.GitRequest(
                repo=self.repo.path,
                base=base,
                head=head,
                allowed_signers=self.signers,
                verify=True,
                **pr,  # type: ignore[arg-type]
            )
        )


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def _update_branch(w: World, sign_merge: bool) -> dict[str, str]:
    """topic: p1, p2; main gains an unsigned m1; topic merges main (update branch); p3."""
    r, key = w.repo, w.alice[0]
    r.git("checkout", "-q", "-b", "topic")
    p1 = r.commit("p1.txt", key=key)
    p2 = r.commit("p2.txt", key=key)
    r.git("checkout", "-q", "main")
    m1 = r.commit("m1.txt")  # someone else's unsigned commit on main
    r.git("checkout", "-q", "topic")
    sign = ["-S"] if sign_merge else []
    r.git("merge", "-q", "--no-ff", *sign, "-m", "Merge branch 'main' into topic", "main", key=key)
    update = r.git("rev-parse", "HEAD")
    p3 = r.commit("p3.txt", key=key)
    return {"p1": p1, "p2": p2, "m1": m1, "update": update, "p3": p3}


def test_case_37_an_update_branch_merge_from_an_older_base_differs_between_the_ranges(
    world: World,
) -> None:
    c = _update_branch(world, sign_merge=True)
    # merge_base from the base the pull request was opened on: main's unsigned m1 is in it
    facts = world.facts(base=world.base, head=c["p3"])
    check = one(MERGE_BASE, "signed", repo=facts)
    assert check.outcome is Outcome.FAIL
    assert f"{c['m1'][:12]} 'change m1.txt': not signed" in check.reasons
    # pull_request: GitHub's pulls/N/commits lists p1, p2, the update merge and p3 only
    listed = (c["p1"], c["p2"], c["update"], c["p3"])
    facts = world.facts(base=world.base, head=c["p3"], pr_commits=listed)
    check = one(PULL_REQUEST, "signed", repo=facts)
    assert check.outcome is Outcome.PASS, text_of(check)
    assert "all 4 commits signed by pinned keys" in check.summary
    assert f"{c['update'][:12]} is an update-branch merge" in text_of(check)
    assert c["m1"][:12] not in text_of(check)


def test_case_37_an_unsigned_update_branch_merge_is_one_of_the_pull_requests_commits(
    world: World,
) -> None:
    c = _update_branch(world, sign_merge=False)
    listed = (c["p1"], c["p2"], c["update"], c["p3"])
    check = one(PULL_REQUEST, "signed", repo=world.facts(head=c["p3"], pr_commits=listed))
    assert check.outcome is Outcome.FAIL
    assert check.reasons == (f"{c['update'][:12]} 'Merge branch 'main' into topic': not signed",)


def test_case_37_without_a_commits_list_the_pull_requests_base_and_head_give_githubs_range(
    world: World,
) -> None:
    c = _update_branch(world, sign_merge=True)
    # pulls/N: base.sha is main's tip now (m1), head.sha is p3: merge-base(m1, p3) = m1
    facts = world.facts(base=world.base, head=c["p3"], pr_head=c["p3"], pr_base=c["m1"])
    check = one(PULL_REQUEST, "signed", repo=facts)
    assert check.outcome is Outcome.PASS, text_of(check)
    assert f"the pull request's range {c['m1'][:12]}..{c['p3'][:12]}" in text_of(check)


def _squash(w: World, sign_p2: bool) -> dict[str, str]:
    """topic: p1, p2 by alice; GitHub squash-merges it into main as web-flow."""
    r, key = w.repo, w.alice[0]
    r.git("checkout", "-q", "-b", "topic")
    p1 = r.commit("p1.txt", key=key)
    p2 = r.commit("p2.txt", key=key if sign_p2 else None)
    r.git("checkout", "-q", "main")
    before = r.git("rev-parse", "HEAD")
    r.git("merge", "-q", "--squash", "topic")
    squash = w.web_flow_commit("-m", "Feature (#7)")
    return {"p1": p1, "p2": p2, "before": before, "squash": squash}


@pytest.mark.parametrize(
    ("gate", "sign_p2", "outcome", "words"),
    [
        # merge_base on a squash-merged head sees the squash commit only
        (MERGE_BASE, False, Outcome.FAIL, "committed by the forge's web-flow"),
        (MERGE_BASE_WEB_FLOW, False, Outcome.PASS, "all 1 commits"),  # p2 unsigned, unseen
        # pull_request checks what the authors signed, and the web-flow squash commit too
        (PULL_REQUEST_WEB_FLOW, False, Outcome.FAIL, "'change p2.txt': not signed"),
        (PULL_REQUEST, True, Outcome.FAIL, "committed by the forge's web-flow"),
        (PULL_REQUEST_WEB_FLOW, True, Outcome.PASS, "all 3 commits"),
    ],
    ids=[
        "merge-base-web-flow-refused",
        "merge-base-misses-the-authored-commits",
        "pull-request-names-the-unsigned-authored-commit",
        "pull-request-web-flow-refused",
        "pull-request-web-flow-allowed-and-verified",
    ],
)
def test_case_37_a_squash_merge_is_checked_by_its_pull_requests_commits_and_web_flow_rule(
    world: World, gate: object, sign_p2: bool, outcome: Outcome, words: str
) -> None:
    c = _squash(world, sign_p2)
    facts = world.facts(base=c["before"], head=c["squash"], pr_commits=(c["p1"], c["p2"]))
    check = one(gate, "signed", repo=facts)  # type: ignore[arg-type]
    assert check.outcome is outcome, text_of(check)
    assert words in text_of(check)
    if gate is not MERGE_BASE and gate is not MERGE_BASE_WEB_FLOW:
        assert f"the head {c['squash'][:12]} is not one of the pull request's commits" in (
            text_of(check)
        )


@pytest.mark.parametrize(
    ("pr", "words"),
    [
        ({}, "range: pull_request needs the pull request's commits"),
        ({"pr_commits": ("f" * 40,)}, f"commit {'f' * 12} of the pull request is not in"),
        ({"pr_commits": (), "pr_count": 3}, "lists 0 of the pull request's 3 commits"),
        ({"pr_head": "e" * 40, "pr_base": "f" * 40}, "commit eeeeeeeeeeee is not in"),
    ],
    ids=["none", "commit-not-fetched", "incomplete-export", "range-not-fetched"],
)
def test_case_37_pull_request_range_without_usable_commits_is_an_error_never_a_pass(
    world: World, pr: dict[str, object], words: str
) -> None:
    head = world.repo.commit("a.txt", key=world.alice[0])
    check = one(PULL_REQUEST, "signed", repo=world.facts(head=head, **pr))
    assert check.outcome is Outcome.ERROR
    assert words in text_of(check)


def test_case_37_golive_gate_takes_the_pull_requests_commits_from_pr_commits(
    world: World, tmp_path: Path
) -> None:
    c = _update_branch(world, sign_merge=True)
    r = world.repo
    r.git("checkout", "-q", "main")
    r.commit(".github/allowed_signers", world.signers.read_text())
    new_base = r.git("rev-parse", "HEAD")
    r.git("checkout", "-q", "topic")
    export = tmp_path / "commits.json"
    export.write_text(
        json.dumps(
            [{"sha": s, "commit": {"message": "x"}} for s in (c["p1"], c["p2"], c["update"])]
            + [{"sha": c["p3"], "parents": [{"sha": c["update"]}]}]
        )
    )
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(
        "apiVersion: golive/v1\nmetadata: {name: signed}\nenvironments: [{id: production}]\n"
        "gates:\n  - id: signed\n    type: signed_commits\n"
        "    params: {allowed_signers: .github/allowed_signers, range: pull_request}\n"
    )
    args = [
        "gate",
        "--policy",
        str(policy_file),
        "--env",
        "production",
        "--repo",
        str(r.path),
        "--base",
        new_base,
        "--head",
        c["p3"],
        "--now",
        "2026-11-24T10:00:00Z",
        "--format",
        "json",
    ]
    result = CliRunner().invoke(cli, [*args, "--pr-commits", str(export)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["checks"][0]["summary"] == (
        "all 4 commits signed by pinned keys"
    )
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert json.loads(result.output)["checks"][0]["outcome"] == "error"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"sha": "a"}', "commits must be a JSON list"),
        ('[{"sha": "xyz"}]', "[0].sha"),
        ("[{}]", "[0].sha"),
    ],
)
def test_a_bad_pull_request_commits_export_names_the_field(
    tmp_path: Path, content: str, words: str
) -> None:
    path = tmp_path / "commits.json"
    path.write_text(content)
    with pytest.raises(PolicyError) as caught:
        pull_commits.read_commits(path)
    assert words in str(caught.value)
