"""``signed_commits`` with real git and keys made by ``ssh-keygen``: checklist case 37."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from git_support import Repo, keygen
from part2_support import one, policy, text_of

from golive.cli.main import cli
from golive.core.gate import Outcome
from golive.vcs import git

pytestmark = pytest.mark.skipif(
    subprocess.run(["ssh-keygen", "-?"], capture_output=True, check=False).returncode == 127,
    reason="ssh-keygen is not installed",
)

SIGNED = policy(
    """
    environments:
      - id: production
    gates:
      - id: signed
        type: signed_commits
        params: {allowed_signers: .github/allowed_signers}
    """
)


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    keydir = tmp_path / "keys"
    keydir.mkdir()
    return {name: keygen(keydir, name) for name in ("alice", "mallory", "retired")}


def _signers(keys: dict[str, tuple[Path, str]], tmp_path: Path) -> Path:
    path = tmp_path / "allowed_signers"
    path.write_text(
        f"alice@example.com {keys['alice'][1]}\n"
        f'retired@example.com valid-before="20200101" {keys["retired"][1]}\n'
    )
    return path


def test_case_37_each_signature_status_real_git_reports_is_named(
    tmp_path: Path, keys: dict[str, tuple[Path, str]]
) -> None:
    repo = Repo(tmp_path / "repo")
    base = repo.commit("base.txt")
    good = repo.commit("a.txt", key=keys["alice"][0])
    unsigned = repo.commit("b.txt")
    unknown = repo.commit("c.txt", key=keys["mallory"][0])
    expired = repo.commit("d.txt", key=keys["retired"][0])
    repo.commit("e.txt", key=keys["alice"][0])
    bad = repo.tamper_head()
    facts = git.gather(
        git.GitRequest(
            repo=repo.path, base=base, allowed_signers=_signers(keys, tmp_path), verify=True
        )
    )
    assert facts.commits is not None
    codes = {c.sha: c.signature for c in facts.commits}
    assert codes == {good: "G", unsigned: "N", unknown: "U", expired: "U", bad: "B"}
    check = one(SIGNED, "signed", repo=facts)
    assert check.outcome is Outcome.FAIL
    assert check.summary == "4 of 5 commits not signed by a pinned key"
    reasons = "\n".join(check.reasons)
    assert f"{unsigned[:12]} 'change b.txt': not signed" in reasons
    assert f"{unknown[:12]} 'change c.txt': good signature by a key that is not pinned" in reasons
    assert f"{expired[:12]} 'change d.txt'" in reasons
    assert f"{bad[:12]} 'forged change e.txt': bad signature" in reasons
    assert good[:12] not in reasons


def test_case_37_merge_commits_in_the_range_are_verified_too(
    tmp_path: Path, keys: dict[str, tuple[Path, str]]
) -> None:
    repo = Repo(tmp_path / "repo")
    base = repo.commit("base.txt")
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("t.txt", key=keys["alice"][0])
    repo.git("checkout", "-q", "main")
    repo.commit("m.txt", key=keys["alice"][0])
    repo.git("merge", "-q", "--no-ff", "--no-edit", "topic")  # an unsigned merge commit
    facts = git.gather(
        git.GitRequest(
            repo=repo.path, base=base, allowed_signers=_signers(keys, tmp_path), verify=True
        )
    )
    assert facts.commits is not None
    merges = [c for c in facts.commits if c.is_merge]
    assert len(merges) == 1
    assert merges[0].signature == "N"
    assert one(SIGNED, "signed", repo=facts).outcome is Outcome.FAIL


def test_all_commits_signed_by_a_pinned_key_pass(
    tmp_path: Path, keys: dict[str, tuple[Path, str]]
) -> None:
    repo = Repo(tmp_path / "repo")
    base = repo.commit("base.txt")
    repo.commit("a.txt", key=keys["alice"][0])
    repo.commit("b.txt", key=keys["alice"][0])
    facts = git.gather(
        git.GitRequest(
            repo=repo.path, base=base, allowed_signers=_signers(keys, tmp_path), verify=True
        )
    )
    check = one(SIGNED, "signed", repo=facts)
    assert check.outcome is Outcome.PASS, text_of(check)


def test_the_pinned_keys_are_read_from_the_base_so_a_change_cannot_add_its_own(
    tmp_path: Path, keys: dict[str, tuple[Path, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    repo = Repo(tmp_path / "repo")
    repo.commit(".github/allowed_signers", f"alice@example.com {keys['alice'][1]}\n")
    base = repo.git("rev-parse", "HEAD")
    # the change adds mallory's key to the file, and signs with it
    repo.commit(
        ".github/allowed_signers",
        f"alice@example.com {keys['alice'][1]}\nmallory@example.com {keys['mallory'][1]}\n",
        key=keys["mallory"][0],
    )
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(
        "apiVersion: golive/v1\nmetadata: {name: signed}\nenvironments: [{id: production}]\n"
        "gates:\n  - id: signed\n    type: signed_commits\n"
        "    params: {allowed_signers: .github/allowed_signers}\n"
    )
    from click.testing import CliRunner

    result = CliRunner().invoke(
        cli,
        [
            "gate",
            "--policy",
            str(policy_file),
            "--env",
            "production",
            "--repo",
            str(repo.path),
            "--base",
            base,
            "--now",
            "2026-11-24T10:00:00Z",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 1, result.output
    doc = json.loads(result.output)
    signed = doc["checks"][0]
    assert signed["outcome"] == "fail"
    assert "not pinned" in signed["reasons"][0]


def test_without_a_base_the_range_is_unknown_and_the_check_is_an_error(
    tmp_path: Path, keys: dict[str, tuple[Path, str]]
) -> None:
    repo = Repo(tmp_path / "repo")
    repo.commit("a.txt", key=keys["alice"][0])
    facts = git.gather(
        git.GitRequest(repo=repo.path, allowed_signers=_signers(keys, tmp_path), verify=True)
    )
    check = one(SIGNED, "signed", repo=facts)
    assert check.outcome is Outcome.ERROR
    assert "--base" in text_of(check)


def test_a_missing_pinned_keys_file_is_an_error_not_a_pass(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    base = repo.commit("a.txt")
    repo.commit("b.txt")
    facts = git.gather(
        git.GitRequest(repo=repo.path, base=base, allowed_signers=tmp_path / "nope", verify=True)
    )
    check = one(SIGNED, "signed", repo=facts)
    assert check.outcome is Outcome.ERROR
    assert "the pinned keys file nope does not exist" in check.reasons


@pytest.mark.parametrize(
    ("allow", "signature", "counts"),
    [(False, "G", False), (True, "G", True), (True, "U", False)],
)
def test_case_37_a_web_flow_merge_counts_only_when_allowed_and_verified(
    allow: bool, signature: str, counts: bool
) -> None:
    from golive.core.gate.signatures import verdict
    from golive.core.gate.sources import Commit

    merge = Commit(
        "a" * 40,
        ("b" * 40, "c" * 40),
        committer="GitHub <noreply@github.com>",
        signature=signature,
    )
    assert (verdict(merge, allow) is None) is counts


def _gpg(home: Path, *args: str, stdin: bytes | None = None) -> bytes:
    import os

    return subprocess.run(
        ["gpg", "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", "", *args],
        env={**os.environ, "GNUPGHOME": str(home)},
        input=stdin,
        capture_output=True,
        check=True,
    ).stdout


@pytest.mark.skipif(
    subprocess.run(["which", "gpg"], capture_output=True, check=False).returncode != 0,
    reason="gpg is not installed",
)
def test_case_37_gpg_signatures_good_unknown_key_and_revoked_key(tmp_path: Path) -> None:
    import os

    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    for name in ("alice", "mallory"):
        _gpg(home, "--quick-gen-key", f"{name} <{name}@example.com>", "ed25519", "sign", "never")
    repo = Repo(tmp_path / "repo")
    base = repo.commit("base.txt")
    env = {"GNUPGHOME": str(home)}

    def signed(name: str, who: str) -> str:
        (repo.path / name).write_text(name)
        repo.git("add", name)
        subprocess.run(
            [
                "git",
                "-c",
                "user.name=T",
                "-c",
                "user.email=t@example.com",
                "commit",
                "-q",
                f"-S{who}@example.com",
                "-m",
                f"change {name}",
            ],
            cwd=repo.path,
            env={**os.environ, **env, "GIT_CONFIG_GLOBAL": os.devnull},
            check=True,
            capture_output=True,
        )
        return repo.git("rev-parse", "HEAD")

    good = signed("a.txt", "alice")
    stranger = signed("b.txt", "mallory")
    keyring = tmp_path / "pinned.gpg"
    keyring.write_bytes(_gpg(home, "--export", "alice@example.com"))
    facts = git.gather(git.GitRequest(repo=repo.path, base=base, gpg_keyring=keyring, verify=True))
    assert facts.commits is not None
    codes = {c.sha: c.signature for c in facts.commits}
    assert codes == {good: "G", stranger: "E"}
    # alice's key is revoked: the pinned keyring now carries the revocation
    fpr = next(
        line.split(":")[9]
        for line in _gpg(home, "--with-colons", "--list-keys", "alice@example.com")
        .decode()
        .splitlines()
        if line.startswith("fpr:")
    )
    certificate = (home / "openpgp-revocs.d" / f"{fpr}.rev").read_text()
    revocation = certificate.replace(":-----BEGIN", "-----BEGIN")  # gpg guards it with a ':'
    _gpg(home, "--import", stdin=revocation.encode())
    keyring.write_bytes(_gpg(home, "--export", "alice@example.com"))
    facts = git.gather(git.GitRequest(repo=repo.path, base=base, gpg_keyring=keyring, verify=True))
    assert facts.commits is not None
    assert {c.sha: c.signature for c in facts.commits}[good] == "R"
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False)
