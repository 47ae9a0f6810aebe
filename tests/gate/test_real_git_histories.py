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
    GITHUB,
    Repo,
    gpg,
    gpg_fingerprints,
    gpg_signing,
    keygen,
    run_git,
    ssh_signing,
    stop_gpg_agent,
)
from part2_support import one, policy, text_of

from golive.cli.main import cli
from golive.core.gate import Outcome
from golive.core.gate.sources import RepoFacts, Review, ReviewFacts
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


def test_git_missing_is_an_unavailable_dependency_that_says_to_install_it(
    world: World, tmp_path: Path
) -> None:
    empty = tmp_path / "no-tools"
    empty.mkdir()
    code, out = _gate(tmp_path, world.path, "--base", world.base, env={"PATH": str(empty)})
    assert code == 3, out  # a dependency of the machine is missing (ARCHITECTURE: exit codes)
    assert "git is not installed" in out
    assert "install git" in out


def test_a_corrupt_repository_is_bad_input_naming_gits_words(world: World) -> None:
    world.commit("a.txt")
    head = world.git("rev-parse", "HEAD")
    tree = world.git("rev-parse", "HEAD^{tree}")
    (world.path / ".git" / "objects" / tree[:2] / tree[2:]).unlink()
    with pytest.raises(UsageError, match="git diff failed"):
        world.facts(head=head)


# --- 1. GitHub-style merges: merge commits, squashes and rebases by web-flow ---------------


class WebFlow:
    """GitHub's web-flow: an OpenPGP key (uid noreply@github.com) that signs web merges."""

    def __init__(self, home: Path, tmp: Path) -> None:
        self.home = home
        uid = "GitHub (web-flow commit signing) <noreply@github.com>"
        gpg(home, "--quick-gen-key", uid, "ed25519", "sign", "never")
        self.fingerprint = gpg_fingerprints(home, "noreply@github.com")[0]
        self.keyring = tmp / "web-flow.gpg"
        self.keyring.write_bytes(gpg(home, "--export", "noreply@github.com"))

    def commit(self, world: World, *args: str, author: tuple[str, str] = ALICE) -> str:
        """``git ARGS`` (a commit, merge or cherry-pick) made and signed by web-flow."""
        world.git(
            *args,
            author=author,
            committer=GITHUB,
            config=gpg_signing(self.fingerprint),
            env={"GNUPGHOME": str(self.home)},
        )
        return world.git("rev-parse", "HEAD")


@pytest.fixture
def web_flow(gnupg: Path, tmp_path: Path) -> WebFlow:
    return WebFlow(gnupg, tmp_path)


def _topic(world: World, *names: str, key: Path | None = None) -> list[str]:
    """A topic branch off main with one commit per name; main stays checked out."""
    world.git("checkout", "-q", "-b", "topic")
    shas = [world.commit(n, key=key) for n in names]
    world.git("checkout", "-q", "main")
    return shas


@needs_gpg
def test_a_merge_pull_request_commit_by_web_flow_counts_only_when_allowed_and_verified(
    world: World, web_flow: WebFlow
) -> None:
    t1, t2 = _topic(world, "a.txt", "b.txt", key=world.alice[0])
    merge = web_flow.commit(
        world,
        "merge",
        "-q",
        "--no-ff",
        "-S",
        "-m",
        "Merge pull request #7 from acme/topic",
        "topic",
    )
    facts = world.facts(gpg_keyring=web_flow.keyring)
    assert _codes(facts) == {t1: "G", t2: "G", merge: "G"}
    assert (
        facts.signature_trust == "SSH allowed_signers allowed_signers and GPG keyring web-flow.gpg"
    )
    refused = one(SIGNED_NO_WEB_FLOW, "signed", repo=facts)
    assert refused.outcome is Outcome.FAIL
    assert (
        f"{merge[:12]} 'Merge pull request #7 from acme/topic': committed by" in refused.reasons[0]
    )
    allowed = one(SIGNED_WEB_FLOW, "signed", repo=facts)
    assert allowed.outcome is Outcome.PASS, text_of(allowed)
    assert "but committed as" not in text_of(allowed)  # web-flow's uid is its committer
    # without web-flow's key pinned, its signature cannot be checked: never a pass
    empty = world.tmp / "empty.gpg"
    empty.write_bytes(b"")
    unpinned = world.facts(gpg_keyring=empty)
    assert _codes(unpinned)[merge] == "E"
    assert one(SIGNED_WEB_FLOW, "signed", repo=unpinned).outcome is Outcome.FAIL


@needs_gpg
def test_a_squash_merge_is_one_web_flow_commit_the_authored_commits_are_not_in_the_range(
    world: World, web_flow: WebFlow
) -> None:
    _topic(world, "a.txt", "b.txt")  # unsigned, but never part of main's history
    world.git("merge", "-q", "--squash", "topic")
    squash = web_flow.commit(world, "commit", "-q", "-S", "-m", "Add a and b (#8)")
    facts = world.facts(gpg_keyring=web_flow.keyring)
    assert _codes(facts) == {squash: "G"}
    assert facts.changed == ("a.txt", "b.txt")
    assert facts.commits is not None
    assert facts.commits[0].author == "Alice <alice@example.com>"
    assert one(SIGNED_WEB_FLOW, "signed", repo=facts).outcome is Outcome.PASS


@needs_gpg
def test_a_rebase_merge_keeps_the_authors_and_is_committed_and_signed_by_web_flow(
    world: World, web_flow: WebFlow
) -> None:
    t1, t2 = _topic(world, "a.txt", "b.txt")
    rebased = [web_flow.commit(world, "cherry-pick", "-S", t) for t in (t1, t2)]
    facts = world.facts(gpg_keyring=web_flow.keyring)
    assert _codes(facts) == dict.fromkeys(rebased, "G")
    assert facts.commits is not None
    assert {(c.author, c.committer) for c in facts.commits} == {
        ("Alice <alice@example.com>", "GitHub <noreply@github.com>")
    }
    assert one(SIGNED_NO_WEB_FLOW, "signed", repo=facts).outcome is Outcome.FAIL
    assert one(SIGNED_WEB_FLOW, "signed", repo=facts).outcome is Outcome.PASS


def test_every_parent_of_a_merge_is_checked_not_only_the_first_parent_line(world: World) -> None:
    key = world.alice[0]
    _topic(world, "a.txt", "b.txt", key=key)
    world.git("checkout", "-q", "topic")
    sneaky = world.commit("c.txt", message="unsigned in the pull request")
    world.git("checkout", "-q", "main")
    first = world.commit("main.txt", key=key)
    world.git(
        "merge", "-q", "--no-ff", "-S", "-m", "Merge pull request #9 from acme/topic", "topic",
        config=ssh_signing(key),
    )  # fmt: skip
    facts = world.facts()
    assert len(_codes(facts)) == 5
    check = one(SIGNED, "signed", repo=facts)
    assert check.outcome is Outcome.FAIL
    assert check.summary == "1 of 5 commits not signed by a pinned key"
    assert sneaky[:12] in check.reasons[0]
    assert first in _codes(facts)


def test_an_octopus_merge_brings_every_parents_commits_into_the_range(world: World) -> None:
    key = world.alice[0]
    tips = []
    for n, branch in enumerate(("one", "two", "three")):
        world.git("checkout", "-q", "-b", branch, world.base)
        tips.append(world.commit(f"{branch}.txt", key=None if n == 2 else key))
    world.git("checkout", "-q", "main")
    world.git("merge", "-q", "-S", "-m", "octopus", "one", "two", "three", config=ssh_signing(key))
    octopus = world.git("rev-parse", "HEAD")
    facts = world.facts()
    assert set(_codes(facts)) == {*tips, octopus}
    check = one(SIGNED, "signed", repo=facts)
    assert check.outcome is Outcome.FAIL
    assert tips[2][:12] in "\n".join(check.reasons)
    assert f"{octopus[:12]} is an octopus merge of 3 parents" in text_of(check)


def test_a_merge_whose_second_parent_is_already_in_the_base_checks_only_the_new_commits(
    world: World,
) -> None:
    key = world.alice[0]
    world.git("checkout", "-q", "-b", "old")
    old = world.commit("old.txt", message="old and unsigned")
    world.git("checkout", "-q", "main")
    world.git("merge", "-q", "--no-ff", "-m", "merge old", "old")
    release = world.git("rev-parse", "HEAD")  # the base: it holds the old commit
    world.git("checkout", "-q", "-b", "fix", old)  # a branch off the old commit
    fix = world.commit("fix.txt", key=key)
    world.git("checkout", "-q", "main")
    world.git("merge", "-q", "--no-ff", "-S", "-m", "merge fix", "fix", config=ssh_signing(key))
    merge = world.git("rev-parse", "HEAD")
    facts = world.facts(base=release)
    assert _codes(facts) == {fix: "G", merge: "G"}
    assert one(SIGNED, "signed", repo=facts).outcome is Outcome.PASS


def test_a_merge_of_an_old_branch_brings_its_old_commits_into_the_range(world: World) -> None:
    key = world.alice[0]
    world.git("checkout", "-q", "-b", "old")
    old = world.commit("old.txt", message="old and unsigned", author=BOB)
    world.git("checkout", "-q", "main")
    release = world.commit("release.txt", key=key)
    world.git("merge", "-q", "--no-ff", "-S", "-m", "merge old", "old", config=ssh_signing(key))
    facts = world.facts(base=release)
    check = one(SIGNED, "signed", repo=facts)
    assert check.outcome is Outcome.FAIL
    assert f"{old[:12]} 'old and unsigned': not signed" in check.reasons


# --- 2. ranges -----------------------------------------------------------------------------


def test_after_a_force_push_the_range_is_the_heads_commits_not_in_the_old_base(
    world: World,
) -> None:
    key = world.alice[0]
    world.git("checkout", "-q", "-b", "topic")
    world.commit("a.txt", message="first try, unsigned")
    before = world.commit("b.txt", message="second try, unsigned")
    world.git("reset", "-q", "--hard", world.base)  # force-pushed: rewritten and signed
    after = world.commit("a.txt", "better\n", key=key)
    facts = world.facts(base=before, head=after)
    assert _codes(facts) == {after: "G"}
    assert facts.base == world.base  # the merge base: where the histories part
    assert facts.changed == ("a.txt",)
    assert one(SIGNED, "signed", repo=facts).outcome is Outcome.PASS


def test_a_head_equal_to_or_behind_the_base_is_an_empty_range(world: World) -> None:
    later = world.commit("a.txt", key=world.alice[0])
    for base, head in ((later, later), (later, world.base)):
        facts = world.facts(base=base, head=head)
        assert facts.commits == ()
        assert facts.changed == ()
        check = one(SIGNED, "signed", repo=facts)
        assert check.outcome is Outcome.PASS
        assert check.summary == "no commits in the range"
        assert "nothing new to verify" in text_of(check)


def test_a_root_commit_and_an_unrelated_history(world: World) -> None:
    only_root = world.facts(base=world.base, head=world.base)
    assert only_root.commits == ()
    assert only_root.previous_tag is None  # a root has no parent to describe
    world.git("checkout", "-q", "--orphan", "fresh")
    world.git("rm", "-q", "-rf", ".")
    root = world.commit("new.txt", key=world.alice[0])
    facts = world.facts(head=root)
    assert _codes(facts) == {root: "G"}  # everything in the head that the base lacks
    assert facts.changed == ("README.md", "new.txt")
    assert facts.head_commit is not None
    assert facts.head_commit.parents == ()


def test_empty_commits_and_reverts_are_in_the_range_but_change_no_file(world: World) -> None:
    key = world.alice[0]
    add = world.commit("a.txt", key=key)
    world.git("revert", "--no-edit", "-S", add, config=ssh_signing(key))
    revert = world.git("rev-parse", "HEAD")
    empty = world.commit_staged("an empty commit, unsigned")
    facts = world.facts()
    assert _codes(facts) == {add: "G", revert: "G", empty: "N"}
    assert facts.changed == ()
    check = one(SIGNED, "signed", repo=facts)
    assert check.outcome is Outcome.FAIL
    assert check.reasons == (f"{empty[:12]} 'an empty commit, unsigned': not signed",)


def test_after_criss_cross_merges_the_bases_own_commits_are_not_the_changes(
    world: World,
) -> None:
    key = world.alice[0]
    sign = ssh_signing(key)
    world.git("checkout", "-q", "-b", "topic")
    x1 = world.commit("x1.txt", message="x1, unsigned, already on main")
    world.git("checkout", "-q", "main")
    m1 = world.commit("m1.txt", message="m1, unsigned, already on main")
    world.git("merge", "-q", "--no-ff", "-m", "main takes topic", "topic")
    base = world.git("rev-parse", "HEAD")
    world.git("checkout", "-q", "topic")
    world.git("merge", "-q", "--no-ff", "-S", "-m", "topic takes main", m1, config=sign)
    cross = world.git("rev-parse", "HEAD")
    top = world.commit("t.txt", key=key)
    bases = world.git("merge-base", "--all", base, top).split()
    assert sorted(bases) == sorted([x1, m1])  # two merge bases: a criss-cross
    facts = world.facts(base=base, head=top)
    assert _codes(facts) == {cross: "G", top: "G"}
    assert one(SIGNED, "signed", repo=facts).outcome is Outcome.PASS


# --- 3. file names, renames, deletions, submodules, symlinks, binaries, modes -------------

ODD_NAMES = (
    "docs/with space.md",
    "docs/caf\u00e9 \u65e5\u672c.md",
    "docs/\"quoted\" 'single'.md",
    "docs/new\nline.md",
    "docs/-rf",
    "docs/--force",
    "docs/*.md",
    "docs/[ab]?.md",
    "docs/back\\slash.md",
    "docs/tab\there.md",
)


def test_file_names_git_would_quote_or_read_as_options_or_globs_are_read_exactly(
    world: World,
) -> None:
    world.git("config", "core.quotePath", "false")
    for name in ODD_NAMES:
        path = world.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)
    world.git("add", "--", *ODD_NAMES)
    world.commit_staged("odd names", key=world.alice[0])
    facts = world.facts()
    assert facts.changed == tuple(sorted(ODD_NAMES))
    # only the literal file "docs/*.md" is read for the glob-looking name, nothing else
    files = git.gather(
        git.GitRequest(repo=world.path, head="HEAD", head_globs=("docs/\\*.md", "docs/-rf"))
    ).files
    assert files == {"docs/*.md": "docs/*.md", "docs/-rf": "docs/-rf"}


def _owners(world: World, approvers: list[str], facts: RepoFacts) -> object:
    review = ReviewFacts(
        author="alice",
        head_sha=facts.head,
        reviews=tuple(
            Review(i, who, "User", "APPROVED", facts.head or "") for i, who in enumerate(approvers)
        ),
    )
    return one(OWNERS, "owners", repo=facts, review=review)


def test_a_move_across_owned_directories_needs_the_owners_of_both_sides(world: World) -> None:
    world.commit(".github/CODEOWNERS", "/payments/ @pam\n/web/ @wes\n/docs/ @dora\n")
    world.commit("payments/charge.py", "charge\n")
    world.commit("docs/old.md", "old\n")
    base = world.git("rev-parse", "HEAD")
    (world.path / "web").mkdir()
    world.git("mv", "payments/charge.py", "web/charge.py")
    world.git("rm", "-q", "docs/old.md")
    world.commit_staged("move the charge page to web; drop an old doc")
    facts = world.facts(base=base)
    assert facts.changed == ("docs/old.md", "payments/charge.py", "web/charge.py")
    web_only = _owners(world, ["wes"], facts)
    assert web_only.outcome is Outcome.FAIL  # type: ignore[attr-defined]
    reasons = "\n".join(web_only.reasons)  # type: ignore[attr-defined]
    assert "no approval from @pam for payments/charge.py" in reasons
    assert "no approval from @dora for docs/old.md" in reasons
    everyone = _owners(world, ["wes", "pam", "dora"], facts)
    assert everyone.outcome is Outcome.PASS  # type: ignore[attr-defined]


def test_submodules_symlinks_binaries_and_mode_only_changes_are_changed_paths(
    world: World,
) -> None:
    world.commit("tools/run.sh", "#!/bin/sh\n")
    world.commit("assets/logo.bin", "v1")
    base = world.git("rev-parse", "HEAD")
    sub = "a" * 40
    world.git("update-index", "--add", "--cacheinfo", f"160000,{sub},vendor/lib")
    (world.path / "docs").mkdir()
    os.symlink("../tools/run.sh", world.path / "docs/run-link")
    (world.path / "assets/logo.bin").write_bytes(bytes(range(256)) * 4)
    world.git("add", "docs/run-link", "assets/logo.bin")
    world.git("update-index", "--chmod=+x", "tools/run.sh")
    world.commit_staged("submodule, symlink, binary and mode")
    world.git("config", "diff.ignoreSubmodules", "all")
    world.git("config", "core.fileMode", "false")
    facts = world.facts(base=base)
    assert facts.changed == ("assets/logo.bin", "docs/run-link", "tools/run.sh", "vendor/lib")
    # the head's files: a symlink is its target's name, a submodule is no file at all
    files = git.gather(
        git.GitRequest(repo=world.path, head="HEAD", head_globs=("docs/**", "vendor/**"))
    ).files
    assert files == {"docs/run-link": "../tools/run.sh"}


# --- 4. signatures: SSH options and certificates, GPG subkeys, expiry, identities ----------


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ('namespaces="git"', "G"),
        ('namespaces="file"', "B"),  # a key for files only: ssh-keygen refuses, git says B
        ('valid-after="20261101"', "G"),
        ('valid-after="20261121"', "U"),  # the commit (2026-11-20) predates the key
        ('valid-before="20261121"', "G"),
        ('valid-before="20261119"', "U"),
    ],
)
def test_ssh_allowed_signers_options_are_honoured(world: World, options: str, code: str) -> None:
    sha = world.commit("a.txt", key=world.alice[0])
    world.signers.write_text(f"alice@example.com {options} {world.alice[1]}\n")
    assert _codes(world.facts()) == {sha: code}


def test_an_ssh_certificate_counts_through_a_cert_authority_line_for_its_principal(
    world: World, tmp_path: Path
) -> None:
    ca, ca_line = keygen(world.tmp / "keys", "ca")
    for who in ("alice", "bob"):
        subprocess.run(
            ["ssh-keygen", "-q", "-s", str(ca), "-I", who, "-n", f"{who}@example.com",
             str(world.tmp / "keys" / f"{who}.pub")],
            check=True, capture_output=True,
        )  # fmt: skip
    alice = world.commit("a.txt", key=world.tmp / "keys" / "alice-cert.pub")
    bob = world.commit("b.txt", key=world.tmp / "keys" / "bob-cert.pub", author=BOB)
    world.signers.write_text(f'alice@example.com cert-authority,namespaces="git" {ca_line}\n')
    assert _codes(world.facts()) == {alice: "G", bob: "U"}
    world.signers.write_text(f"*@example.com cert-authority {ca_line}\n")
    facts = world.facts()
    assert _codes(facts) == {alice: "G", bob: "G"}
    assert facts.commits is not None
    assert {c.signer for c in facts.commits} == {"alice@example.com", "bob@example.com"}


def test_a_good_signature_by_someone_other_than_the_committer_passes_and_says_so(
    world: World,
) -> None:
    # eve is in no trusted list; alice's pinned key signed her commit
    sha = world.commit("a.txt", key=world.alice[0], author=("Eve", "eve@example.com"))
    facts = world.facts()
    assert _codes(facts) == {sha: "G"}
    check = one(SIGNED, "signed", repo=facts)
    assert check.outcome is Outcome.PASS
    assert (
        f"{sha[:12]} is signed by alice@example.com but committed as Eve <eve@example.com>"
        in text_of(check)
    )


@needs_gpg
def test_gpg_signing_subkey_counts_through_its_pinned_primary_key(
    world: World, gnupg: Path
) -> None:
    gpg(gnupg, "--quick-gen-key", "Alice <alice@example.com>", "ed25519", "cert", "never")
    primary = gpg_fingerprints(gnupg, "alice@example.com")[0]
    gpg(gnupg, "--quick-add-key", primary, "ed25519", "sign", "never")
    subkey = gpg_fingerprints(gnupg, "alice@example.com")[1]
    (world.path / "a.txt").write_text("a")
    world.git("add", "a.txt")
    world.git(
        "commit", "-q", "-S", "-m", "by the subkey",
        config=gpg_signing(subkey + "!"), env={"GNUPGHOME": str(gnupg)},
    )  # fmt: skip
    sha = world.git("rev-parse", "HEAD")
    keyring = world.tmp / "alice.gpg"
    keyring.write_bytes(gpg(gnupg, "--export", primary))
    facts = world.facts(gpg_keyring=keyring)
    assert _codes(facts) == {sha: "G"}
    assert facts.commits is not None
    assert facts.commits[0].key == subkey[-16:]


@needs_gpg
def test_gpg_unknown_expired_and_other_uid_keys(world: World, gnupg: Path) -> None:
    past = "--faked-system-time=20200101T000000!"
    gpg(gnupg, past, "--quick-gen-key", "Old <old@example.com>", "ed25519", "sign", "1d")
    old = gpg_fingerprints(gnupg, "old@example.com")[0]
    gpg(gnupg, "--quick-gen-key", "Alice <alice@example.com>", "ed25519", "sign", "never")
    alice = gpg_fingerprints(gnupg, "alice@example.com")[0]
    gpg(gnupg, "--quick-gen-key", "Stranger <s@example.com>", "ed25519", "sign", "never")
    stranger = gpg_fingerprints(gnupg, "s@example.com")[0]
    # the old key signs while it is valid (gpg's clock set to the day it was made)
    wrapper = world.tmp / "gpg-in-2020"
    wrapper.write_text(f'#!/bin/sh\nexec gpg "{past}" "$@"\n')
    wrapper.chmod(0o755)
    env = {"GNUPGHOME": str(gnupg)}

    def signed(
        name: str, fpr: str, program: str = "gpg", committer: tuple[str, str] = ALICE
    ) -> str:
        (world.path / name).write_text(name)
        world.git("add", name)
        world.git(
            "commit", "-q", "-S", "-m", f"change {name}",
            config=(*gpg_signing(fpr), f"gpg.program={program}"), env=env, committer=committer,
        )  # fmt: skip
        return world.git("rev-parse", "HEAD")

    expired = signed("old.txt", old, program=str(wrapper))
    unknown = signed("stranger.txt", stranger)
    other_uid = signed("bob.txt", alice, committer=BOB)
    keyring = world.tmp / "pinned.gpg"
    keyring.write_bytes(gpg(gnupg, "--export", old, alice))
    facts = world.facts(gpg_keyring=keyring)
    assert _codes(facts) == {expired: "Y", unknown: "E", other_uid: "G"}
    check = one(_signed_policy(gpg_keyring="k.gpg"), "signed", repo=facts)
    reasons = "\n".join(check.reasons)
    assert f"{expired[:12]} 'change old.txt': good signature by a key that has expired" in reasons
    assert f"{unknown[:12]} 'change stranger.txt': the signature cannot be checked" in reasons
    assert other_uid[:12] not in reasons
    assert (
        f"{other_uid[:12]} is signed by Alice <alice@example.com> but committed as "
        "Bob <bob@example.com>" in text_of(check)
    )


def test_a_merged_signed_tag_does_not_sign_the_merge_commit(world: World) -> None:
    key = world.alice[0]
    _topic(world, "a.txt", key=key)
    world.git("tag", "-s", "-m", "topic ready", "topic-ready", "topic", config=ssh_signing(key))
    world.git("merge", "-q", "--no-ff", "-m", "merge the signed tag", "topic-ready")
    unsigned = world.git("rev-parse", "HEAD")
    assert "mergetag object" in world.git("cat-file", "commit", unsigned)
    assert _codes(world.facts())[unsigned] == "N"
    world.git("reset", "-q", "--hard", "HEAD^")
    world.git(
        "merge", "-q", "--no-ff", "-S", "-m", "merge the signed tag, signed", "topic-ready",
        config=ssh_signing(key),
    )  # fmt: skip
    signed = world.git("rev-parse", "HEAD")
    assert "mergetag object" in world.git("cat-file", "commit", signed)
    assert _codes(world.facts())[signed] == "G"


def test_a_signed_annotated_release_tag_names_the_candidate(world: World) -> None:
    head = world.commit("a.txt", key=world.alice[0])
    world.git("tag", "-s", "-m", "release 1.2.0", "v1.2.0", config=ssh_signing(world.alice[0]))
    world.git("tag", "nightly")  # a lightweight tag on the same commit
    facts = world.facts(head=head)
    assert facts.tags == ("nightly", "v1.2.0")
    later = world.commit("b.txt", key=world.alice[0])
    world.git("tag", "latest", later)
    # the previous release is the nearest earlier tag that looks like a version
    assert world.facts(head=later).previous_tag == "v1.2.0"
    assert world.facts(head=later).tags == ("latest",)


def test_a_plain_directorys_symlinks_and_fifos_are_never_followed(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    (plain / "deploy").mkdir(parents=True)
    (plain / "deploy/app.yaml").write_text("host: db.internal\n")
    secret = tmp_path / "outside.yaml"
    secret.write_text("password: hunter2\n")
    os.symlink(secret, plain / "deploy/link.yaml")
    os.mkfifo(plain / "deploy/pipe.yaml")  # reading it would wait forever
    facts = git.gather(git.GitRequest(repo=plain, head_globs=("deploy/*.yaml",)))
    assert facts.files == {
        "deploy/app.yaml": "host: db.internal\n",
        "deploy/link.yaml": str(secret),
    }


# --- 6. size: a long history is read in one pass --------------------------------------------


def test_a_history_of_thousands_of_commits_is_read_whole(world: World) -> None:
    count = 3000
    stream = b"".join(
        b"commit refs/heads/main\n"
        + f"committer T <t@example.com> {1790000000 + i} +0000\n".encode()
        + f"data {len(f'c{i}')}\nc{i}\n".encode()
        + (f"from {world.base}\n".encode() if i == 0 else b"")
        + f"M 100644 inline d{i % 40}/f{i % 400}.txt\ndata {len(str(i))}\n{i}\n".encode()
        for i in range(count)
    )
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=world.path, input=stream, env=ENV, check=True
    )
    facts = world.facts(head="main")
    assert facts.commits is not None
    assert len(facts.commits) == count
    assert facts.changed is not None
    assert len(facts.changed) == 400
    assert [c.message for c in facts.commits[:2]] == ["c0", "c1"]  # oldest first
    files = git.gather(git.GitRequest(repo=world.path, head="main", head_globs=("d1/*.txt",)))
    assert len(files.files) == 10  # read in one cat-file --batch, not one git per file
    assert files.files["d1/f1.txt"] == "2801"  # the last of the commits that wrote it
    check = one(SIGNED, "signed", repo=facts)
    assert check.summary == f"{count} of {count} commits not signed by a pinned key"


def test_a_keys_file_the_base_does_not_have_pins_nothing_even_if_the_change_adds_it(
    world: World,
) -> None:
    mallory = keygen(world.tmp / "keys", "mallory")
    world.commit(".github/allowed_signers", f"mallory@example.com {mallory[1]}\n", key=mallory[0])
    code, out = _gate(world.tmp, world.path, "--base", world.base, "--format", "json")
    assert code == 1, out
    signed = json.loads(out)["checks"][0]
    assert signed["outcome"] == "error"
    assert "allowed_signers (not in the base revision) does not exist" in signed["reasons"][0]
