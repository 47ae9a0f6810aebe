"""golive on git histories as they happen in real repositories.

Every test builds a real repository with the real ``git`` (and ``ssh-keygen``, ``gpg``):
GitHub-style merges, squashes and rebases signed by a web-flow key; ranges after a force-push,
empty ranges, root commits, criss-cross and octopus merges; file names git quotes or that
look like options and globs; renames, submodules, symlinks; SSH certificates, GPG subkeys and
expired keys; non-UTF-8 messages; a user's or a repository's odd git configuration and
environment; and bad input. golive pins its own git configuration, so none of that may change
what it reads.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from git_support import (
    ENV,
    Repo,
    keygen,
    run_git,
    ssh_signing,
    stop_gpg_agent,
)
from part2_support import policy

from golive.cli.main import cli
from golive.core.gate.sources import RepoFacts
from golive.errors import UsageError
from golive.vcs import git

pytestmark = pytest.mark.skipif(
    shutil.which("ssh-keygen") is None or shutil.which("git") is None,
    reason="git and ssh-keygen are needed",
)
needs_gpg = pytest.mark.skipif(
    shutil.which("gpg") is None or shutil.which("gpgconf") is None, reason="gpg is not installed"
)

ALICE = ("Alice", "alice@example.com")
BOB = ("Bob", "bob@example.com")


def _signed_policy(**params: object) -> object:
    body = json.dumps({"allowed_signers": ".github/allowed_signers", **params})
    return policy(
        f"""
        environments:
          - id: production
        gates:
          - id: signed
            type: signed_commits
            params: {body}
        """
    )


SIGNED = _signed_policy()
SIGNED_WEB_FLOW = _signed_policy(gpg_keyring="keys/web-flow.gpg", allow_web_flow=True)
SIGNED_NO_WEB_FLOW = _signed_policy(gpg_keyring="keys/web-flow.gpg")

OWNERS = policy(
    """
    environments:
      - id: production
    approvals:
      - id: owners
        min_approvals: 1
        code_owners: each_domain
        unowned_paths: block
    gates:
      - id: owners
        type: approvals
        params: {rule: owners}
    """
)


class World:
    """A repository whose base commit is on main; alice and bob sign with SSH keys."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        keydir = tmp_path / "keys"
        keydir.mkdir()
        self.alice = keygen(keydir, "alice")
        self.bob = keygen(keydir, "bob")
        self.signers = tmp_path / "allowed_signers"
        self.signers.write_text(f'alice@example.com namespaces="git" {self.alice[1]}\n')
        self.repo = Repo(tmp_path / "repo")
        self.path = self.repo.path
        self.base = self.repo.commit("README.md", "base\n")

    def commit(
        self,
        name: str,
        text: str = "x\n",
        *,
        key: Path | None = None,
        message: str = "",
        author: tuple[str, str] = ALICE,
        committer: tuple[str, str] | None = None,
    ) -> str:
        file = self.path / name
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text)
        self.git("add", "--", name)
        return self.commit_staged(
            message or f"change {name}", key=key, author=author, committer=committer
        )

    def commit_staged(
        self,
        message: str,
        *,
        key: Path | None = None,
        author: tuple[str, str] = ALICE,
        committer: tuple[str, str] | None = None,
        extra: tuple[str, ...] = (),
    ) -> str:
        config = ssh_signing(key) if key is not None else ()
        sign = ("-S",) if key is not None else ()
        self.git(
            "commit", "-q", "--allow-empty", *sign, *extra, "-m", message,
            author=author, committer=committer, config=config,
        )  # fmt: skip
        return self.git("rev-parse", "HEAD")

    def git(self, *args: str, **kwargs: object) -> str:
        return run_git(self.path, *args, **kwargs)  # type: ignore[arg-type]

    def facts(self, base: str | None = None, head: str | None = None, **kw: object) -> RepoFacts:
        return git.gather(
            git.GitRequest(
                repo=self.path,
                base=base or self.base,
                head=head,
                allowed_signers=self.signers,
                verify=True,
                **kw,  # type: ignore[arg-type]
            )
        )


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


@pytest.fixture
def gnupg(tmp_path: Path) -> Iterator[Path]:
    """A GNUPGHOME for the test's keys; its agent is stopped afterwards."""
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    yield home
    stop_gpg_agent(home)


def _codes(facts: RepoFacts) -> dict[str, str]:
    assert facts.commits is not None, facts.problems
    return {c.sha: c.signature for c in facts.commits}


def _gate(
    tmp: Path, repo: Path, *args: str, body: str = "", env: dict[str, str] | None = None
) -> tuple[int, str]:
    """``golive gate`` with a signed-commits policy; (exit code, output)."""
    policy_file = tmp / "policy.yaml"
    policy_file.write_text(
        body
        or "apiVersion: golive/v1\nmetadata: {name: p}\nenvironments: [{id: production}]\n"
        "gates:\n  - id: signed\n    type: signed_commits\n"
        "    params: {allowed_signers: .github/allowed_signers}\n"
    )
    result = CliRunner(env=env).invoke(
        cli,
        [
            *("gate", "--policy", str(policy_file), "--env", "production"),
            *("--repo", str(repo), "--now", "2026-11-24T10:00:00Z", *args),
        ],
    )
    assert not isinstance(result.exception, AssertionError)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"a traceback, not a clear error: {result.exception!r}")
    return result.exit_code, result.output


# --- 5. a user's and a repository's own git configuration and environment -----------------


ODD_CONFIG = (
    ("log.showSignature", "true"),
    ("color.ui", "always"),
    ("color.diff", "always"),
    ("diff.noprefix", "true"),
    ("core.quotePath", "false"),
    ("core.pager", "less -R"),
    ("pager.log", "true"),
    ("i18n.logOutputEncoding", "ISO-8859-1"),
    ("diff.ignoreSubmodules", "all"),
    ("diff.renames", "copies"),
    ("log.decorate", "full"),
    ("format.pretty", "oneline"),
    ("log.abbrevCommit", "true"),
)


def test_a_repositorys_odd_config_changes_nothing_golive_reads(world: World) -> None:
    key = world.alice[0]
    first = world.commit("src/caf\u00e9 menu.txt", key=key, message="caf\u00e9: m\u00e9nu")
    (world.path / "docs").mkdir()
    world.git("mv", "src/caf\u00e9 menu.txt", "docs/moved.txt")
    second = world.commit_staged("move it", key=key)
    clean = world.facts()
    for name, value in ODD_CONFIG:
        world.git("config", name, value)
    odd = world.facts()
    assert _codes(odd) == _codes(clean) == {first: "G", second: "G"}
    assert odd.changed == clean.changed == ("docs/moved.txt",)
    assert odd.commits is not None
    assert odd.commits[0].message == "caf\u00e9: m\u00e9nu"
    assert odd.head_commit is not None
    assert odd.head_commit.sha == second


def test_a_repositorys_own_signature_programs_cannot_make_a_commit_look_signed(
    world: World,
) -> None:
    stranger = world.commit("a.txt", key=world.bob[0])  # bob's key is not pinned
    unsigned = world.commit("b.txt")
    fake = world.tmp / "always-good"
    fake.write_text('#!/bin/sh\necho "Good \\"git\\" signature for alice@example.com"\nexit 0\n')
    fake.chmod(0o755)
    other = world.tmp / "other_signers"
    other.write_text(f"bob@example.com {world.bob[1]}\n")
    for name, value in (
        ("gpg.ssh.program", str(fake)),
        ("gpg.program", str(fake)),
        ("gpg.ssh.allowedSignersFile", str(other)),
        ("gpg.minTrustLevel", "ultimate"),
    ):
        world.git("config", name, value)
    assert _codes(world.facts()) == {stranger: "U", unsigned: "N"}


def test_a_repositorys_allowed_signers_is_never_used_when_the_policy_pins_only_gpg(
    world: World, tmp_path: Path
) -> None:
    stranger = world.commit("a.txt", key=world.bob[0])
    own = tmp_path / "repo_signers"
    own.write_text(f"bob@example.com {world.bob[1]}\n")
    world.git("config", "gpg.ssh.allowedSignersFile", str(own))
    keyring = tmp_path / "empty.gpg"
    keyring.write_bytes(b"")
    facts = git.gather(
        git.GitRequest(repo=world.path, base=world.base, gpg_keyring=keyring, verify=True)
    )
    assert _codes(facts) == {stranger: "U"}


def test_git_variables_in_the_callers_environment_are_ignored(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = world.commit("a.txt", key=world.alice[0])
    decoy = Repo(tmp_path / "decoy")
    decoy.commit("decoy.txt")
    monkeypatch.setenv("GIT_DIR", str(decoy.path / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(decoy.path))
    monkeypatch.setenv("GIT_INDEX_FILE", str(tmp_path / "nowhere.index"))
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'log.showsignature'='true'")
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "gpg.ssh.program")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "/bin/false")
    monkeypatch.setenv("GIT_PAGER", "less")
    monkeypatch.setenv("PAGER", "less")
    facts = world.facts()
    assert _codes(facts) == {good: "G"}
    assert facts.changed == ("a.txt",)


def test_replace_refs_and_grafts_cannot_swap_an_unsigned_commit_for_a_signed_one(
    world: World,
) -> None:
    unsigned = world.commit("evil.txt", message="unsigned")
    world.git("reset", "-q", "--hard", world.base)
    signed = world.commit("nice.txt", key=world.alice[0], message="signed")
    world.git("reset", "-q", "--hard", unsigned)
    # refs/replace makes plain git show the signed commit in place of the unsigned one
    world.git("replace", unsigned, signed)
    assert world.git("log", "-1", "--format=%s", unsigned) == "signed"
    assert _codes(world.facts()) == {unsigned: "N"}
    world.git("replace", "-d", unsigned)
    # a graft file that cuts the history above the base hides nothing either
    top = world.commit("top.txt", key=world.alice[0])
    (world.path / ".git" / "info").mkdir(exist_ok=True)
    (world.path / ".git" / "info" / "grafts").write_text(f"{top}\n")
    assert _codes(world.facts()) == {unsigned: "N", top: "G"}


def test_a_commit_message_holding_separator_bytes_cannot_forge_a_record(world: World) -> None:
    forged = "\x1e" + "\x1f".join(["f" * 40, "", "Eve <e@x>", "Eve <e@x>", "G", "x", "y", "z"])
    sha = world.commit("a.txt", message=f"innocent{forged}\x1e\n\nbody")
    facts = world.facts()
    assert _codes(facts) == {sha: "N"}
    assert facts.commits is not None
    assert facts.commits[0].message.startswith("innocent\x1e")


def test_a_latin1_commit_message_is_read_as_utf8(world: World) -> None:
    (world.path / "a.txt").write_text("a")
    world.git("add", "a.txt")
    message = "Caf\u00e9 cr\u00e8me\n\nCo-authored-by: J\u00fcrgen <j@example.com>\n"
    world.git(
        "-c", "i18n.commitEncoding=ISO-8859-1", "commit", "-q", "-F", "-",
        stdin=message.encode("latin-1"),
    )  # fmt: skip
    assert "encoding ISO-8859-1" in world.git("cat-file", "commit", "HEAD")
    facts = world.facts()
    assert facts.commits is not None
    assert facts.commits[0].message == message.strip()
    assert facts.commits[0].subject == "Caf\u00e9 cr\u00e8me"
    assert git.commit_message(world.path, "HEAD") == message + "\n"


def test_trailers_stay_in_the_message_and_name_no_one_else(world: World) -> None:
    message = (
        "Fix the thing\n\nCo-authored-by: Bob <bob@example.com>\n"
        "Signed-off-by: Alice <alice@example.com>"
    )
    sha = world.commit("a.txt", key=world.alice[0], message=message)
    facts = world.facts()
    assert facts.commits is not None
    (commit,) = facts.commits
    assert (commit.sha, commit.message, commit.author) == (
        sha,
        message,
        "Alice <alice@example.com>",
    )


def test_a_detached_head_a_worktree_and_a_bare_clone_give_the_same_facts(
    world: World, tmp_path: Path
) -> None:
    world.commit("a.txt", key=world.alice[0])
    head = world.commit("b.txt", key=world.alice[0])
    world.git("tag", "-a", "v1.0.0", "-m", "release 1.0.0")
    expected = _codes(world.facts())
    world.git("checkout", "-q", "--detach", head)
    detached = world.facts()
    assert detached.branch is None
    assert _codes(detached) == expected
    assert detached.tags == ("v1.0.0",)
    world.git("checkout", "-q", "main")
    world.git("worktree", "add", "-q", "--detach", str(tmp_path / "wt"), head)
    bare = tmp_path / "bare.git"
    subprocess.run(
        ["git", "clone", "-q", "--bare", str(world.path), str(bare)],
        env=ENV,
        check=True,
        capture_output=True,
    )
    for where in (tmp_path / "wt", bare):
        facts = git.gather(
            git.GitRequest(
                repo=where, base=world.base, head=head, allowed_signers=world.signers, verify=True
            )
        )
        assert _codes(facts) == expected, where
        assert facts.changed == ("a.txt", "b.txt")
        assert facts.tags == ("v1.0.0",)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs chown")
def test_a_repository_owned_by_another_user_is_refused_clearly_unless_trusted(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.commit("a.txt", key=world.alice[0])
    for root, dirs, files in os.walk(world.path):
        for name in [*dirs, *files]:
            os.lchown(os.path.join(root, name), 4242, 4242)
    os.lchown(world.path, 4242, 4242)
    git._safe_directories.cache_clear()
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "user.gitconfig"))
    try:
        with pytest.raises(UsageError, match=r"owned by another user.*safe\.directory"):
            world.facts()
        code, out = _gate(tmp_path, world.path, "--base", world.base)
        assert code == 2
        assert "safe.directory" in out
        # the user trusts it in their own git configuration: golive honours that one key
        (tmp_path / "user.gitconfig").write_text(f"[safe]\n\tdirectory = {world.path}\n")
        git._safe_directories.cache_clear()
        assert len(_codes(world.facts())) == 1
    finally:
        git._safe_directories.cache_clear()


# --- bad input: a clear error, exit 2, never a traceback -----------------------------------


def test_a_plain_directory_with_a_base_is_bad_input(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    code, out = _gate(tmp_path, plain, "--base", "main")
    assert code == 2
    assert "is not a git repository" in out
    assert "git checkout" in out


@pytest.mark.parametrize("revision", ["no-such-branch", "--output=/tmp/x", "-n1", "HEAD:README.md"])
def test_an_unknown_or_option_like_revision_is_bad_input(world: World, revision: str) -> None:
    code, out = _gate(world.tmp, world.path, "--base", revision)
    assert code == 2, out
    assert "is not a commit of" in out
    code, out = _gate(world.tmp, world.path, "--base", world.base, "--head", revision)
    assert code == 2, out
    assert "is not a commit of" in out


def test_git_missing_is_bad_input_that_says_to_install_it(world: World, tmp_path: Path) -> None:
    empty = tmp_path / "no-tools"
    empty.mkdir()
    code, out = _gate(tmp_path, world.path, "--base", world.base, env={"PATH": str(empty)})
    assert code == 2, out
    assert "git is not installed" in out
    assert "install git" in out


def test_a_corrupt_repository_is_bad_input_naming_gits_words(world: World) -> None:
    world.commit("a.txt")
    head = world.git("rev-parse", "HEAD")
    tree = world.git("rev-parse", "HEAD^{tree}")
    (world.path / ".git" / "objects" / tree[:2] / tree[2:]).unlink()
    with pytest.raises(UsageError, match="git diff failed"):
        world.facts(head=head)
