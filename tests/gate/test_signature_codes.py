"""Every ``%G?`` code git can print, from recorded ``git log`` output (case 37).

Real git covers G, B, U, N (SSH keys), E and R (GPG) in ``test_signed_commits.py`` and x509
(gpgsm) where gpgsm is installed; this table pins the parsing and the verdict of all eight
codes, X and Y included, whatever made the signature (openpgp, ssh or x509).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from git_support import Repo, gpgsm, x509_commit
from part2_support import one, policy, text_of

from golive.core.gate import Outcome
from golive.core.gate.signatures import MEANING, verdict
from golive.core.gate.sources import RepoFacts
from golive.vcs import git
from golive.vcs.git import parse_log

FS, RS = "\x1f", "\x1e"
SIGNED = policy(
    """
    environments:
      - id: production
    gates:
      - id: signed
        type: signed_commits
        params: {gpg_keyring: keys/pinned.gpg}
    """
)


def _record(code: str, signer: str = "", key: str = "", sha: str = "a" * 40) -> str:
    """One commit as git prints it with golive's log format (``%H %P %an %cn %G? %GS %GK %B``)."""
    fields = [sha, "b" * 40, "Ann <ann@example.com>", "Ann <ann@example.com>", code, signer, key]
    return FS.join([*fields, f"change {code or 'none'}\n\nbody\n"]) + RS + "\n"


CODES = [
    # code, signer (%GS), key (%GK), counts, meaning
    ("G", "CN=Ann,O=Example", "0x4F2A9C", True, "good signature by a pinned key"),
    ("B", "CN=Ann,O=Example", "0x4F2A9C", False, "bad signature"),
    ("U", "ann@example.com", "SHA256:abc", False, "not pinned, or not valid at the commit's time"),
    ("X", "Ann <ann@example.com>", "AB12CD34", False, "signature that has expired"),
    ("Y", "Ann <ann@example.com>", "AB12CD34", False, "key that has expired"),
    ("R", "Ann <ann@example.com>", "AB12CD34", False, "key that has been revoked"),
    ("E", "", "AB12CD34", False, "cannot be checked"),
    ("N", "", "", False, "not signed"),
    ("", "", "", False, "not signed"),  # nothing printed: read as N
]


@pytest.mark.parametrize(("code", "signer", "key", "counts", "meaning"), CODES)
def test_case_37_each_signature_code_of_recorded_git_log_output_is_parsed_and_judged(
    code: str, signer: str, key: str, counts: bool, meaning: str
) -> None:
    (commit,) = parse_log(_record(code, signer, key))
    assert commit.signature == (code or "N")
    assert commit.signer == signer
    assert commit.key == key
    assert commit.parents == ("b" * 40,)
    assert commit.subject == f"change {code or 'none'}"
    why = verdict(commit)
    assert (why is None) is counts
    assert meaning in (MEANING[commit.signature] if counts else why or "")


def test_case_37_a_range_of_every_code_fails_naming_each_commit_but_the_good_one() -> None:
    out = "".join(
        _record(code, signer, key, sha=str(i) * 40)
        for i, (code, signer, key, _, _) in enumerate(CODES[:8])
    )
    commits = parse_log(out)
    assert [c.signature for c in commits] == list("GBUXYREN")
    check = one(SIGNED, "signed", repo=RepoFacts(base="f" * 40, head="7" * 40, commits=commits))
    assert check.outcome is Outcome.FAIL
    assert check.summary == "7 of 8 commits not signed by a pinned key"
    assert ("0" * 12) not in "\n".join(check.reasons)
    assert all(str(i) * 12 in text_of(check) for i in range(1, 8))


def test_an_unknown_code_is_never_a_pass() -> None:
    (commit,) = parse_log(_record("Q"))
    assert verdict(commit) == "unknown signature status 'Q'"


@pytest.mark.skipif(shutil.which("gpgsm") is None, reason="gpgsm is not installed")
def test_case_37_an_x509_signature_is_read_by_real_git_and_never_counts_without_pinned_roots(
    tmp_path: Path,
) -> None:
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    (home / "gpg-agent.conf").write_text("allow-loopback-pinentry\n")
    params = tmp_path / "params"
    params.write_text(
        "Key-Type: RSA\nKey-Length: 2048\nKey-Usage: sign\nSerial: random\n"
        "Name-DN: CN=Alice,O=Example\nName-Email: alice@example.com\n"
    )
    try:
        gpgsm(home, "--gen-key", "--output", str(tmp_path / "alice.crt"), str(params))
        gpgsm(home, "--import", str(tmp_path / "alice.crt"))
        listing = gpgsm(home, "--with-colons", "--list-secret-keys").stdout.decode()
        fpr = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
        (home / "trustlist.txt").write_text(f"{fpr} S relax\n")  # a self-signed root, trusted
        repo = Repo(tmp_path / "repo")
        base = repo.commit("base.txt")
        (repo.path / "a.txt").write_text("a")
        repo.git("add", "a.txt")
        x509_commit(repo, home, fpr, "x509 change")
        # where the certificate is trusted, git reads the x509 signature as good
        trusted = git.Git(repo.path, {"GNUPGHOME": str(home)})
        (commit,) = parse_log(trusted.run("log", "-1", f"--format={git._LOG_FORMAT}{RS}") or "")
        assert commit.signature == "G"
        assert "CN=Alice" in commit.signer
        assert commit.key == fpr
        # golive verifies against the pinned keys only: no x509 root is pinned, so not G
        signers = tmp_path / "allowed_signers"
        signers.write_text("")
        facts = git.gather(
            git.GitRequest(repo=repo.path, base=base, allowed_signers=signers, verify=True)
        )
        assert facts.commits is not None
        (seen,) = facts.commits
        assert seen.signature != "G"
        assert one(SIGNED_SSH, "signed", repo=facts).outcome is Outcome.FAIL
    finally:
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False)


SIGNED_SSH = policy(
    """
    environments:
      - id: production
    gates:
      - id: signed
        type: signed_commits
        params: {allowed_signers: .github/allowed_signers}
    """
)
