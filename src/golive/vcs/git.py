"""Facts from a git repository, read with the real ``git`` through ``subprocess``.

Everything golive asks git runs with the user's and the system's git configuration switched
off (``GIT_CONFIG_GLOBAL=/dev/null``, ``GIT_CONFIG_NOSYSTEM=1``) so that a developer's own
``allowedSignersFile`` or keyring can never make a commit look trusted: signatures are
verified only against the keys the policy pins (``gpg.ssh.allowedSignersFile`` for SSH, a
throw-away ``GNUPGHOME`` holding the pinned keyring for GPG).

A directory that is not a git repository still gives its working-tree files (for
``config_scan``, ``feature_flags``), and says in ``problems`` what git could not answer.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from golive.core.gate.codeowners import LOCATIONS
from golive.core.gate.globs import first_match
from golive.core.gate.sources import Commit, RepoFacts
from golive.errors import DependencyUnavailable, UsageError

MAX_FILE_BYTES = 1024 * 1024
_FIELD, _RECORD = "\x1f", "\x1e"
_LOG_FORMAT = _FIELD.join(["%H", "%P", "%an <%ae>", "%cn <%ce>", "%G?", "%GS", "%GK", "%B"])
# (golive's own queries add a random marker to both separators: see _commits)


@dataclass(frozen=True, slots=True)
class GitRequest:
    """What to ask git. ``base`` is the revision the change is compared with."""

    repo: Path
    head: str | None = None
    base: str | None = None
    branch: str | None = None
    tags: tuple[str, ...] = ()
    allowed_signers: Path | None = None
    gpg_keyring: Path | None = None
    x509_roots: Path | None = None
    head_globs: tuple[str, ...] = ()
    base_globs: tuple[str, ...] = ()
    verify: bool = False
    # the pull request's commits (GitHub pulls/N/commits), or its head and base (pulls/N)
    pr_commits: tuple[str, ...] | None = None
    pr_head: str | None = None
    pr_base: str | None = None
    pr_count: int | None = None


#: Configuration golive pins for every git it runs (command scope: it overrides the
#: repository's own ``.git/config``, which the checkout's owner or a CI step may have set).
#: Output formats (no signature lines in ``git log``, UTF-8 messages, no colour, no pager,
#: no submodule or rename hiding) and the programs that verify signatures are golive's,
#: never the repository's: a ``gpg.program`` or ``gpg.ssh.program`` from the checkout could
#: otherwise print a good signature for anything.
PINNED_CONFIG: tuple[tuple[str, str], ...] = (
    ("log.showSignature", "false"),
    ("i18n.logOutputEncoding", "UTF-8"),
    ("core.quotePath", "true"),
    ("color.ui", "false"),
    ("core.pager", "cat"),
    ("diff.noprefix", "false"),
    ("diff.renames", "false"),
    ("diff.ignoreSubmodules", "none"),
    ("core.fsmonitor", "false"),
    ("gpg.program", "gpg"),
    ("gpg.openpgp.program", "gpg"),
    ("gpg.x509.program", "gpgsm"),
    ("gpg.ssh.program", "ssh-keygen"),
    ("gpg.ssh.allowedSignersFile", os.devnull),  # no SSH key is trusted unless pinned
    ("gpg.ssh.revocationKeyring", os.devnull),
    ("gpg.minTrustLevel", "undefined"),
)

#: Seconds a query may take; reading (and verifying) a long history gets longer.
TIMEOUT, LOG_TIMEOUT = 120, 3600


def _clean_environ() -> dict[str, str]:
    """The process environment without any ``GIT_*`` variable.

    ``GIT_DIR``, ``GIT_WORK_TREE``, ``GIT_INDEX_FILE``, ``GIT_OBJECT_DIRECTORY``,
    ``GIT_CONFIG_PARAMETERS`` (set by an outer ``git -c``), ``GIT_CONFIG_COUNT`` and the like
    would point git at another repository or inject configuration; none is golive's input.
    """
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


@lru_cache(maxsize=1)
def _safe_directories() -> tuple[str, ...]:
    """The user's and the system's own ``safe.directory`` values.

    golive switches the global and system configuration off, which would also drop the
    ownership exceptions the user made there (CI checkouts owned by another user are the
    common case); this one key is carried over, in git's protected command scope.
    """
    if shutil.which("git") is None:
        return ()
    out: list[str] = []
    for scope in ("--system", "--global"):
        try:
            proc = subprocess.run(
                ["git", "config", scope, "--get-all", "safe.directory"],
                capture_output=True,
                env={k: v for k, v in os.environ.items() if k not in _REPO_VARIABLES},
                cwd=os.path.abspath(os.sep),
                timeout=TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        out += proc.stdout.decode("utf-8", errors="replace").splitlines()
    return tuple(v for v in out if v)


_REPO_VARIABLES = frozenset(
    {"GIT_DIR", "GIT_WORK_TREE", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_CONFIG"}
)


def git_env(
    extra_env: dict[str, str] | None = None, config: Iterable[tuple[str, str]] = ()
) -> dict[str, str]:
    """The environment of every git golive runs: no user or system configuration, no
    ``GIT_*`` variable of the caller, no replace refs or grafts (either can make git show
    other commits than the objects say), :data:`PINNED_CONFIG` then ``config`` (the
    pinned keys), and the user's ``safe.directory`` exceptions."""
    pairs = [
        *(("safe.directory", d) for d in _safe_directories()),
        *PINNED_CONFIG,
        *config,
    ]
    env = {
        **_clean_environ(),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_NO_REPLACE_OBJECTS": "1",
        "GIT_GRAFT_FILE": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_PAGER": "cat",
        "GIT_OPTIONAL_LOCKS": "0",
        "LC_ALL": "C",
        **(extra_env or {}),
        "GIT_CONFIG_COUNT": str(len(pairs)),
    }
    for i, (key, value) in enumerate(pairs):
        env[f"GIT_CONFIG_KEY_{i}"] = key
        env[f"GIT_CONFIG_VALUE_{i}"] = value
    return env


def _require_git() -> None:
    # a dependency of this machine, not the input: exit 3, as for gpg and gpgsm
    if shutil.which("git") is None:
        raise DependencyUnavailable(
            "git is not installed, and --repo needs it to read the candidate's history; "
            "install git (2.34 or later) and run golive again"
        )


class Git:
    """A thin runner of ``git -C repo ...`` with golive's own configuration (:func:`git_env`)."""

    def __init__(
        self,
        repo: Path,
        extra_env: dict[str, str] | None = None,
        config: Iterable[tuple[str, str]] = (),
    ) -> None:
        _require_git()
        self.repo = repo
        self.env = git_env(extra_env, config)

    def _proc(self, args: tuple[str, ...], timeout: int) -> subprocess.CompletedProcess[bytes]:
        try:
            return subprocess.run(
                ["git", "-C", str(self.repo), *args],
                capture_output=True,
                env=self.env,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise DependencyUnavailable(
                f"git {args[0]} did not finish within {timeout} s in {self.repo}; run golive "
                "again, or check the repository (git fsck) and its size"
            ) from None
        except OSError as exc:
            raise UsageError(f"git could not be run ({exc.strerror}); install git") from None

    def run(self, *args: str, timeout: int = TIMEOUT) -> str | None:
        """git's output, or ``None`` when git says no (for questions that may have no answer)."""
        proc = self._proc(args, timeout)
        if proc.returncode != 0:
            return None
        return proc.stdout.decode("utf-8", errors="replace")

    def must(self, *args: str, timeout: int = TIMEOUT) -> str:
        """git's output; a failure is bad input naming git's own words, never "nothing"."""
        proc = self._proc(args, timeout)
        if proc.returncode != 0:
            said = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()
            raise UsageError(
                f"git {args[0]} failed in {self.repo}: {said[0] if said else 'no message'}; "
                "check that the repository is complete (git fsck) and holds both revisions"
            )
        return proc.stdout.decode("utf-8", errors="replace")

    def show(self, rev: str, path: str) -> str | None:
        data = self.show_bytes(rev, path)
        return data.decode("utf-8", errors="replace") if data is not None else None

    def show_bytes(self, rev: str, path: str) -> bytes | None:
        """The bytes of ``path`` at ``rev`` (None when absent, not a file, or over the limit)."""
        proc = self._proc(("cat-file", "blob", f"{rev}:{path}"), 60)
        if proc.returncode != 0 or len(proc.stdout) > MAX_FILE_BYTES:
            return None
        return proc.stdout


def is_repository(path: Path) -> bool:
    """Whether git reads ``path`` as (inside) a repository.

    A repository git refuses because another user owns it (``safe.directory``) is bad input
    that says how to trust it, never a plain directory: that would silently drop its history.
    """
    if shutil.which("git") is None:
        return False
    try:
        proc = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "--git-dir"],
            capture_output=True,
            env=git_env(),
            timeout=TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    if proc.returncode != 0 and b"dubious ownership" in proc.stderr:
        raise UsageError(
            f"git refuses to read {path}: the repository is owned by another user. If you "
            f"trust it, run: git config --global --add safe.directory {path.resolve()}"
        )
    return proc.returncode == 0


def gather(request: GitRequest) -> RepoFacts:
    """The candidate's refs, range, commits (with signatures) and files, from git."""
    if not request.repo.is_dir():
        raise UsageError(f"--repo {request.repo}: no such directory")
    needs_history = bool(request.base or request.head or request.verify)
    if shutil.which("git") is None and (needs_history or (request.repo / ".git").exists()):
        _require_git()
    if not is_repository(request.repo):
        if request.base:
            raise UsageError(
                f"--repo {request.repo} is not a git repository, so --base '{request.base}' "
                "cannot be read; give the candidate's git checkout (with its history)"
            )
        return RepoFacts(
            head=request.head,
            base=request.base,
            branch=request.branch,
            tags=request.tags,
            files=working_tree_files(request.repo, request.head_globs),
            problems=(f"{request.repo.name or request.repo} is not a git repository",),
        )
    missing = ""
    if request.allowed_signers is not None and not request.allowed_signers.is_file():
        missing = f"the pinned keys file {request.allowed_signers.name} does not exist"
        request = dataclasses.replace(request, allowed_signers=None, verify=False)
    with _signature_env(request) as (env, config):
        git = Git(request.repo, env, config)
        facts = _gather(git, request)
    if missing:
        facts = dataclasses.replace(facts, problems=(missing, *facts.problems))
    return facts


def _gather(git: Git, request: GitRequest) -> RepoFacts:
    problems: list[str] = []
    head_rev = request.head or "HEAD"
    head = _rev(git, head_rev)
    if head is None:
        raise UsageError(f"--head/--commit '{head_rev}' is not a commit of {request.repo}")
    shallow = _is_shallow(git)
    range_known = True
    base = None
    span = ""
    if request.base:
        base_commit = _rev(git, request.base)
        if base_commit is None:
            hint = (
                "; this is a shallow clone: fetch the full history (actions/checkout "
                "fetch-depth: 0, or git fetch --unshallow)"
                if shallow
                else ""
            )
            raise UsageError(f"--base '{request.base}' is not a commit of {request.repo}{hint}")
        merge_base = git.run("merge-base", base_commit, head)
        base = merge_base.strip() if merge_base else base_commit
        # the head's commits that the base does not hold: merge-base..head, except after
        # criss-cross merges (several merge bases), where the base's own commits that are not
        # below the one merge base git picks would be taken for the change's
        span = f"{base_commit}..{head}"
        if not merge_base and shallow:
            range_known = False  # commits below the clone's boundary would go unchecked
            problems.append(_SHALLOW_RANGE)
    branch = request.branch
    if branch is None and request.head is None:
        name = git.run("symbolic-ref", "--quiet", "--short", "HEAD")
        branch = name.strip() if name else None
    tags = request.tags or tuple(sorted((git.run("tag", "--points-at", head) or "").split()))
    # the nearest earlier tag that looks like a version (holds "N.N"): a "nightly" or
    # "latest" tag is no release, and would make every semver check an error
    previous = git.run(
        "describe",
        "--tags",
        "--abbrev=0",
        "--match",
        "*[0-9].[0-9]*",
        "--end-of-options",
        f"{head}^",
    )
    changed: tuple[str, ...] | None = None
    commits: tuple[Commit, ...] | None = None
    if base is not None:
        changed = changed_paths(git, base, head)
        if request.verify and range_known:
            commits = _commits(git, span)
    else:
        problems.append("no base revision was given (--base), so the range is unknown")
        if request.verify:
            commits = None
    pr_commits: tuple[Commit, ...] | None = None
    pr_source = ""
    if request.verify:
        pr_commits, pr_source, pr_problems = _pull_request_commits(git, request)
        problems += pr_problems
    trust = " and ".join(
        f"{kind} {path.name}"
        for kind, path in (
            ("SSH allowed_signers", request.allowed_signers),
            ("GPG keyring", request.gpg_keyring),
            ("x509 roots", request.x509_roots),
        )
        if path is not None
    )
    return RepoFacts(
        head=head,
        base=base,
        branch=branch,
        tags=tags,
        previous_tag=previous.strip() if previous else None,
        changed=changed,
        commits=commits,
        head_commit=next(iter(_commits(git, "-1", head)), None),
        signature_trust=trust,
        files=_files(git, head, request.head_globs),
        base_files=_files(git, base, request.base_globs) if base else {},
        codeowners={
            k: v
            for k, v in (("head", _codeowners(git, head)), ("base", _codeowners(git, base)))
            if v is not None
        },
        problems=tuple(problems),
        pr_commits=pr_commits,
        pr_source=pr_source,
        shallow=shallow,
    )


def _pull_request_commits(
    git: Git, request: GitRequest
) -> tuple[tuple[Commit, ...] | None, str, list[str]]:
    """The pull request's own commits, as GitHub counts them, verified; with any problems.

    From ``pulls/N/commits`` when given (exactly those commits, so the base's commits an
    update-branch merge brought in are not the pull request's); else from ``pulls/N``'s
    ``base.sha`` and ``head.sha``: ``merge-base(base, head)..head``, GitHub's own range.
    """
    if request.pr_commits is not None:
        resolved = [(s, _rev(git, s)) for s in request.pr_commits]
        missing = [s for s, r in resolved if r is None]
        shas = tuple(r for _, r in resolved if r is not None)
        if missing:
            return (
                None,
                "",
                [
                    f"commit {s[:12]} of the pull request is not in {request.repo.name or 'the'} "
                    "repository (fetch the pull request's head, e.g. refs/pull/N/head)"
                    for s in missing
                ],
            )
        if request.pr_count is not None and len(shas) < request.pr_count:
            return (
                None,
                "",
                [
                    f"the commits export lists {len(shas)} of the pull request's "
                    f"{request.pr_count} commits (GitHub lists at most 250; give every page)"
                ],
            )
        commits = _commits(git, "--no-walk=unsorted", *shas) if shas else ()
        return commits, f"the pull request's {len(shas)} commits (pulls/N/commits)", []
    if request.pr_head is None or request.pr_base is None:
        return None, "", []
    head, base = _rev(git, request.pr_head), _rev(git, request.pr_base)
    absent = [s for s, r in ((request.pr_head, head), (request.pr_base, base)) if r is None]
    if head is None or base is None:
        return (
            None,
            "",
            [f"the pull request's commit {s[:12]} is not in the repository" for s in absent],
        )
    found = (git.run("merge-base", base, head) or "").strip()
    if not found and _is_shallow(git):
        return None, "", [_SHALLOW_RANGE]
    merge_base = found or base
    commits = _commits(git, f"{base}..{head}")  # = merge_base..head but after criss-crosses
    return (
        commits,
        f"the pull request's range {merge_base[:12]}..{head[:12]} (merge-base of base.sha and "
        "head.sha, from pulls/N)",
        [],
    )


_SHALLOW_RANGE = (
    "the clone is shallow and base and head share no history in it, so the range of commits "
    "is unknown; fetch the full history (actions/checkout fetch-depth: 0)"
)


def _is_shallow(git: Git) -> bool:
    return (git.run("rev-parse", "--is-shallow-repository") or "").strip() == "true"


def _rev(git: Git, rev: str) -> str | None:
    """The commit ``rev`` names (a revision that looks like an option is never one)."""
    if not rev or rev.startswith("-"):
        return None
    out = git.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    return out.strip() if out else None


def changed_paths(git: Git, base: str, head: str) -> tuple[str, ...]:
    """Every path the change touches, as git stores it (NUL-separated, never quoted).

    Renames and copies count as the old path deleted and the new one added (``--no-renames``),
    so the owners of both sides see a move; a submodule's new commit is its path, whatever
    the repository says about ignoring submodules; mode-only changes, symlinks and binary
    files are paths like any other.
    """
    names = git.must(
        "diff",
        "--name-only",
        "--no-renames",
        "--no-ext-diff",
        "--no-textconv",
        "--ignore-submodules=none",
        "-z",
        base,
        head,
        "--",
        timeout=LOG_TIMEOUT,
    )
    return tuple(sorted({n for n in names.split("\0") if n}))


def _commits(git: Git, *span: str) -> tuple[Commit, ...]:
    """The commits of ``span``, parsed from one ``git log``.

    Fields and records are separated by control characters followed by a random marker, so
    that no commit message (which may hold any byte) can end a record and forge another.
    """
    marker = secrets.token_hex(8)
    field, record = f"{_FIELD}{marker}", f"{_RECORD}{marker}"
    order = () if span[:1] == ("--no-walk=unsorted",) else ("--topo-order", "--reverse")
    out = git.must(
        "log",
        "--no-color",
        "--no-show-signature",
        "--encoding=UTF-8",
        *order,
        f"--format={_log_format(field)}{record}",
        *span,
        "--",
        timeout=LOG_TIMEOUT,
    )
    return parse_log(out, field, record)


def _log_format(field: str) -> str:
    return field.join(["%H", "%P", "%an <%ae>", "%cn <%ce>", "%G?", "%GS", "%GK", "%B"])


def parse_log(out: str, field: str = _FIELD, record_end: str = _RECORD) -> tuple[Commit, ...]:
    """Commits from ``git log --format=`` :data:`_LOG_FORMAT` output (records end in RS)."""
    commits: list[Commit] = []
    for record in out.split(record_end):
        record = record.strip("\n")
        if not record:
            continue
        sha, parents, author, committer, code, signer, key, message = (
            record.split(field, 7) + [""] * 8
        )[:8]
        commits.append(
            Commit(
                sha=sha,
                parents=tuple(parents.split()),
                author=author,
                committer=committer,
                message=message.strip(),
                signature=code or "N",
                signer=signer,
                key=key,
            )
        )
    return tuple(commits)


def commit_message(repo: Path, rev: str) -> str | None:
    """The full message of ``rev`` (for the override's commit tag)."""
    if not is_repository(repo):
        return None
    git = Git(repo)
    sha = _rev(git, rev)
    return git.run("log", "-1", "--encoding=UTF-8", "--format=%B", sha) if sha else None


def _files(git: Git, rev: str | None, globs: Iterable[str]) -> dict[str, str]:
    patterns = list(globs)
    if rev is None or not patterns:
        return {}
    listing = git.must("ls-tree", "-r", "-z", "-l", "--full-tree", rev, timeout=LOG_TIMEOUT)
    wanted: list[tuple[str, str]] = []  # (path, blob id), in the tree's order
    for entry in listing.split("\0"):
        meta, _, name = entry.partition("\t")
        parts = meta.split()
        if len(parts) != 4 or parts[1] != "blob" or not first_match(patterns, name):
            continue  # submodules (commit), and anything that is not a file
        if parts[3].isdigit() and int(parts[3]) <= MAX_FILE_BYTES:
            wanted.append((name, parts[2]))
    return _blobs(git, wanted)


def _blobs(git: Git, wanted: list[tuple[str, str]]) -> dict[str, str]:
    """The text of many blobs from one ``git cat-file --batch`` (not one git per file)."""
    if not wanted:
        return {}
    stdin = "".join(f"{oid}\n" for _, oid in wanted).encode("ascii")
    try:
        proc = subprocess.run(
            ["git", "-C", str(git.repo), "cat-file", "--batch"],
            input=stdin,
            capture_output=True,
            env=git.env,
            timeout=LOG_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise DependencyUnavailable(
            f"git cat-file did not finish within {LOG_TIMEOUT} s in {git.repo}"
        ) from None
    if proc.returncode != 0:
        said = proc.stderr.decode("utf-8", errors="replace").strip()
        raise UsageError(f"git cat-file failed in {git.repo}: {said or 'no message'}")
    data, at, out = proc.stdout, 0, {}
    for name, _ in wanted:
        end = data.index(b"\n", at)
        header = data[at:end].split()
        if len(header) != 3 or header[1] != b"blob":
            raise UsageError(f"git cat-file could not read {name} in {git.repo} (missing object)")
        size = int(header[2])
        out[name] = data[end + 1 : end + 1 + size].decode("utf-8", errors="replace")
        at = end + 1 + size + 1
    return out


def _codeowners(git: Git, rev: str | None) -> tuple[str, str] | None:
    if rev is None:
        return None
    for path in LOCATIONS:
        text = git.show(rev, path)
        if text is not None:
            return path, text
    return None


def working_tree_files(root: Path, globs: Iterable[str]) -> dict[str, str]:
    """Files under ``root`` matching ``globs`` (hidden directories such as .git skipped)."""
    patterns = list(globs)
    out: dict[str, str] = {}
    if not patterns:
        return out
    for path in _walk(root):
        rel = path.relative_to(root).as_posix()
        if not first_match(patterns, rel):
            continue
        if path.is_symlink():  # as git stores it: the link's target, never what it points at
            out[rel] = os.readlink(path)
        elif path.is_file() and path.stat().st_size <= MAX_FILE_BYTES:  # no FIFOs or devices
            out[rel] = path.read_text(encoding="utf-8", errors="replace")
    return out


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in (".git", ".golive"))
        for name in sorted(filenames):
            yield Path(dirpath) / name


@contextmanager
def _signature_env(
    request: GitRequest,
) -> Iterator[tuple[dict[str, str], tuple[tuple[str, str], ...]]]:
    """Environment and configuration that trust only the pinned keys, for the queries' life.

    A fresh ``GNUPGHOME`` holds nothing but what the policy pins: the GPG keyring's keys
    (ultimately trusted: that is what pinning them means) and the x509 root certificates
    (in gpgsm's trust list). No key or certificate of the machine is ever trusted; without
    a pinned SSH file, :data:`PINNED_CONFIG` names an empty one.
    """
    config: tuple[tuple[str, str], ...] = ()
    if request.allowed_signers is not None:
        config = (("gpg.ssh.allowedSignersFile", str(request.allowed_signers.resolve())),)
    env: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="golive-gnupg-") as home:
        env["GNUPGHOME"] = home  # empty unless keys are pinned below
        try:
            if request.gpg_keyring is not None:
                _pin_gpg_keyring(request.gpg_keyring, home)
            if request.x509_roots is not None:
                _pin_x509_roots(request.x509_roots, home)
            yield env, config
        finally:
            # git's own gpg or gpgsm calls may start an agent here too (an x509 signature
            # checked against no pinned root does): stop it before the directory goes away
            _stop_gpg_agent(home)


def _pin_gpg_keyring(keyring: Path, home: str) -> None:
    if not keyring.is_file():
        raise UsageError(f"{keyring}: no such GPG keyring")
    if shutil.which("gpg") is None:
        raise DependencyUnavailable("gpg is not installed (needed for gpg_keyring)")
    gpg_env = {**os.environ, "GNUPGHOME": home}
    subprocess.run(
        ["gpg", "--batch", "--quiet", "--import", str(keyring)],
        env=gpg_env,
        capture_output=True,
        check=False,
    )
    listing = subprocess.run(
        ["gpg", "--batch", "--with-colons", "--list-keys"],
        env=gpg_env,
        capture_output=True,
        check=False,
    ).stdout.decode("ascii", errors="replace")
    fingerprints = [line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")]
    subprocess.run(  # pinned keys are trusted: that is what pinning them means
        ["gpg", "--batch", "--import-ownertrust"],
        input="".join(f"{f}:6:\n" for f in fingerprints).encode(),
        env=gpg_env,
        capture_output=True,
        check=False,
    )


def _pin_x509_roots(roots: Path, home: str) -> None:
    """Trust exactly the root certificates in ``roots`` (PEM or DER) for x509 signatures.

    Revocation lists and OCSP are not consulted (the gate runs offline and must be
    reproducible): a revoked signing certificate is removed by taking its root out of the
    pinned file, or by re-signing the commits.
    """
    if not roots.is_file():
        raise UsageError(f"{roots}: no such file of x509 root certificates")
    if shutil.which("gpgsm") is None:
        raise DependencyUnavailable("gpgsm is not installed (needed for x509_roots)")
    Path(home, "gpgsm.conf").write_text("disable-crl-checks\ndisable-ocsp\n", encoding="ascii")
    gpg_env = {**os.environ, "GNUPGHOME": home}
    subprocess.run(
        ["gpgsm", "--batch", "--import", str(roots)],
        env=gpg_env,
        capture_output=True,
        check=False,
        timeout=60,
    )
    listing = subprocess.run(
        ["gpgsm", "--batch", "--with-colons", "--list-keys"],
        env=gpg_env,
        capture_output=True,
        check=False,
        timeout=60,
    ).stdout.decode("ascii", errors="replace")
    roots_found = _self_signed(listing)
    if not roots_found:
        raise UsageError(
            f"{roots.name}: no self-signed x509 root certificate in it (give the CA's root "
            "certificates, PEM or DER)"
        )
    # gpg-agent's trust list: the pinned roots may issue signing certificates ("S"), and
    # "relax" accepts roots without the basicConstraints extension (many corporate CAs)
    Path(home, "trustlist.txt").write_text(
        "".join(f"{fpr} S relax\n" for fpr in roots_found), encoding="ascii"
    )


def _self_signed(listing: str) -> list[str]:
    """Fingerprints of the self-signed certificates in ``gpgsm --with-colons`` output."""
    out: list[str] = []
    fpr = ""
    for line in listing.splitlines():
        fields = line.split(":")
        if fields[0] == "crt":
            fpr = ""
        elif fields[0] == "fpr" and len(fields) > 9:
            fpr = fields[9]
        elif fields[0] == "grp" or not fpr:
            continue
        if fields[0] == "fpr" and len(fields) > 12 and fields[12] == fpr:
            out.append(fpr)  # the issuer's fingerprint is its own: a root
    return out


def _stop_gpg_agent(home: str) -> None:
    """gpg starts an agent for a keyring directory; stop it before the directory goes away."""
    if shutil.which("gpgconf") is not None:
        subprocess.run(
            ["gpgconf", "--homedir", home, "--kill", "all"], capture_output=True, check=False
        )
