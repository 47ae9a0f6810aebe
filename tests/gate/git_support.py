"""Real git repositories with commits signed by SSH keys made by ``ssh-keygen`` in tmp dirs."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ENV = {
    **os.environ,
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_DATE": "2026-11-20T10:00:00Z",
    "GIT_COMMITTER_DATE": "2026-11-20T10:00:00Z",
}


def keygen(directory: Path, name: str) -> tuple[Path, str]:
    """A new ed25519 key: (private key path, public key line)."""
    key = directory / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True
    )
    return key, (directory / f"{name}.pub").read_text().strip()


class Repo:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, key: Path | None = None, stdin: str | None = None) -> str:
        config = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]
        if key is not None:
            config += ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}"]
        proc = subprocess.run(
            ["git", *config, *args],
            cwd=self.path,
            env=ENV,
            input=stdin,
            capture_output=True,
            text=True,
            check=True,
        )
        return proc.stdout.strip()

    def commit(self, name: str, text: str = "x", key: Path | None = None, message: str = "") -> str:
        file = self.path / name
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text)
        self.git("add", name)
        sign = ["-S"] if key is not None else []
        self.git("commit", "-q", *sign, "-m", message or f"change {name}", key=key)
        return self.git("rev-parse", "HEAD")

    def tamper_head(self) -> str:
        """Rewrite HEAD's message keeping its signature: a commit whose signature is bad."""
        raw = self.git("cat-file", "commit", "HEAD")
        forged = raw.replace("change", "forged change", 1) + "\n"
        sha = self.git("hash-object", "-t", "commit", "-w", "--stdin", stdin=forged)
        self.git("update-ref", "refs/heads/main", sha)
        self.git("reset", "-q", "--hard", sha)
        return sha


def gpgsm(home: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Run gpgsm non-interactively with ``home`` as GNUPGHOME (keys without passphrases)."""
    return subprocess.run(
        ["gpgsm", "--batch", "--pinentry-mode", "loopback", "--passphrase", "", *args],
        env={**os.environ, "GNUPGHOME": str(home)},
        capture_output=True,
        check=True,
        timeout=120,
    )


def x509_commit(repo: Repo, home: Path, fingerprint: str, message: str) -> None:
    """Commit the staged change as Alice, signed with gpgsm by the certificate ``fingerprint``."""
    subprocess.run(
        [
            *("git", "-c", "user.name=Alice", "-c", "user.email=alice@example.com"),
            *("-c", "gpg.format=x509", "-c", f"user.signingkey=0x{fingerprint[-16:]}"),
            *("commit", "-q", "-S", "-m", message),
        ],
        cwd=repo.path,
        env={**ENV, "GNUPGHOME": str(home)},
        check=True,
        capture_output=True,
        timeout=120,
    )


# --- helpers for histories as they happen in real repositories (test_real_git_histories) ---

GITHUB = ("GitHub", "noreply@github.com")  # the committer of web merges, squashes, rebases


def run_git(
    repo: Path,
    *args: str,
    author: tuple[str, str] = ("Alice", "alice@example.com"),
    committer: tuple[str, str] | None = None,
    config: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    stdin: bytes | None = None,
) -> str:
    """``git ARGS`` in ``repo`` as ``author`` (committed by ``committer``, else the author),
    with ``-c`` ``config`` entries and more environment (e.g. ``GNUPGHOME``)."""
    who = committer or author
    proc = subprocess.run(
        ["git", *(x for c in config for x in ("-c", c)), *args],
        cwd=repo,
        env={
            **ENV,
            "GIT_AUTHOR_NAME": author[0],
            "GIT_AUTHOR_EMAIL": author[1],
            "GIT_COMMITTER_NAME": who[0],
            "GIT_COMMITTER_EMAIL": who[1],
            **(env or {}),
        },
        input=stdin,
        capture_output=True,
        check=True,
        timeout=120,
    )
    return proc.stdout.decode("utf-8", errors="replace").strip()


def ssh_signing(key: Path) -> tuple[str, ...]:
    """``-c`` entries that make ``git commit -S`` sign with the SSH key (or certificate)."""
    return ("gpg.format=ssh", f"user.signingkey={key}")


def gpg_signing(fingerprint: str) -> tuple[str, ...]:
    """``-c`` entries that make ``git commit -S`` sign with this OpenPGP key."""
    return ("gpg.format=openpgp", f"user.signingkey={fingerprint}")


def gpg(home: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """Run gpg non-interactively with ``home`` as GNUPGHOME (keys without passphrases)."""
    return subprocess.run(
        ["gpg", "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", "", *args],
        env={**os.environ, "GNUPGHOME": str(home)},
        input=stdin,
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout


def gpg_fingerprints(home: Path, uid: str, kind: str = "fpr") -> list[str]:
    """The fingerprints of ``uid``'s key: the primary key first, then its subkeys."""
    listing = gpg(home, "--with-colons", "--list-keys", uid).decode()
    return [line.split(":")[9] for line in listing.splitlines() if line.startswith(f"{kind}:")]


def stop_gpg_agent(home: Path) -> None:
    """Stop the agent gpg started for ``home`` (tests leave no agent running)."""
    subprocess.run(
        ["gpgconf", "--homedir", str(home), "--kill", "all"], capture_output=True, check=False
    )
