"""``signed_commits``: every commit in the candidate's range carries a good signature by a
pinned key.

git verifies each commit (``git log --format=%G?``) against the policy's pinned keys only
(an SSH ``allowed_signers`` file, or a GPG keyring in a throw-away home); the adapter
(:mod:`golive.vcs.git`) never uses the machine's own keys. Only ``G`` (good signature, key
trusted) counts. Every other commit is named with why:

- ``N`` unsigned; ``B`` bad signature (the commit was altered after signing);
- ``U`` a good signature by a key git cannot vouch for: for SSH, a key not in
  ``allowed_signers``, or one outside its ``valid-after``/``valid-before`` at the commit's
  time; ``E`` cannot be checked (a GPG key missing from the keyring);
- ``X`` expired signature; ``Y`` expired key; ``R`` revoked key (GPG).

A commit made by the forge's web-flow (committer ``noreply@github.com``, as a web merge is)
is refused unless ``allow_web_flow``; even then its signature must verify against a pinned
key (GitHub's web-flow GPG key in the keyring), because the key rotates and has expired.

**Which commits** (``range``):

- ``merge_base`` (the default): every commit of ``merge-base(base, head)..head``, merges
  included. After a squash merge the head is the squash commit alone (the authored commits
  are not in its history); after an update-branch merge from an older ``--base``, the base's
  own commits that the merge brought in are in the range too.
- ``pull_request``: the pull request's own commits as GitHub lists them (``pulls/N/commits``,
  else ``merge-base(base.sha, head.sha)..head.sha`` from ``pulls/N``). An update-branch merge
  (the base merged into the head) is one of them and is verified like any commit (a merge
  made with GitHub's "Update branch" button is web-flow's); the base commits it brought in
  are not the pull request's and are not checked here. When the candidate's head is not one
  of the pull request's commits (a squash or merge of it, usually committed by web-flow) it
  is verified too.
"""

from __future__ import annotations

from golive.core.gate.context import Context, result
from golive.core.gate.model import CheckResult, Outcome
from golive.core.gate.sources import Commit, RepoFacts
from golive.core.policy.model import SignedCommitsGate

MEANING = {
    "G": "good signature by a pinned key",
    "B": "bad signature (the commit does not match what was signed)",
    "U": "good signature by a key that is not pinned, or not valid at the commit's time",
    "X": "good signature that has expired",
    "Y": "good signature by a key that has expired",
    "R": "good signature by a key that has been revoked",
    "E": "the signature cannot be checked (e.g. a GPG key that is not in the keyring)",
    "N": "not signed",
}


WEB_FLOW = "noreply@github.com"


def verdict(commit: Commit, allow_web_flow: bool = False) -> str | None:
    """``None`` when the commit counts as signed; else why it does not."""
    if WEB_FLOW in commit.committer.lower() and not allow_web_flow:
        return "committed by the forge's web-flow (a web merge); allow_web_flow is false"
    if commit.signature == "G":
        return None
    return MEANING.get(commit.signature, f"unknown signature status '{commit.signature}'")


def evaluate(gate: SignedCommitsGate, ctx: Context) -> CheckResult:
    p = gate.params
    pinned = " and ".join(x for x in (p.allowed_signers, p.gpg_keyring, p.x509_roots) if x)
    pinned = pinned or "(none)"
    rule = f"every commit from the merge base to the head is signed by a key in {pinned}"
    if p.range == "pull_request":
        rule = f"every commit of the pull request (and the head) is signed by a key in {pinned}"
    repo = ctx.facts.repo
    if not p.allowed_signers and not p.gpg_keyring and not p.x509_roots:
        return result(
            gate,
            Outcome.ERROR,
            "the policy pins no keys",
            rule=rule,
            remediation="set allowed_signers (SSH), gpg_keyring (GPG) or x509_roots in the "
            "gate's params",
        )
    if p.range == "pull_request":
        if repo is None or repo.pr_commits is None:
            return result(
                gate,
                Outcome.ERROR,
                "the pull request's commits are unknown",
                rule=rule,
                reasons=(
                    *(repo.problems if repo else ()),
                    "range: pull_request needs the pull request's commits",
                ),
                remediation="give --repo (holding the pull request's commits) and --pr-commits "
                "FILE (GitHub REST pulls/N/commits) or --pr FILE (pulls/N)",
            )
        commits, facts = _pull_request(repo)
        return _judge(gate, rule, commits, facts)
    if repo is None or repo.commits is None:
        problems = (repo.problems if repo else ()) or (
            "golive needs the repository to verify commit signatures",
        )
        return result(
            gate,
            Outcome.ERROR,
            "the commits could not be verified",
            rule=rule,
            reasons=tuple(problems),
            remediation="give --repo (a git checkout with history) and --base",
        )
    facts = [f"range: {repo.base or '?'}..{repo.head or '?'} ({len(repo.commits)} commits)"]
    if repo.signature_trust:
        facts.append(f"verified against {repo.signature_trust}")
    return _judge(gate, rule, repo.commits, facts)


def _pull_request(repo: RepoFacts) -> tuple[tuple[Commit, ...], list[str]]:
    """The pull request's commits (and a head that is not one of them), with facts."""
    own = tuple(repo.pr_commits or ())
    shas = {c.sha for c in own}
    facts = [f"range: {repo.pr_source} ({len(own)} commits)"]
    if repo.signature_trust:
        facts.append(f"verified against {repo.signature_trust}")
    for c in own:
        if c.is_merge and any(parent not in shas for parent in c.parents[1:]):
            facts.append(
                f"{c.sha[:12]} is an update-branch merge (the base merged into the head); the "
                "base's commits it brought in are not the pull request's"
            )
    head = repo.head_commit
    if head is not None and head.sha not in shas:
        kind = "a merge" if head.is_merge else "a squash or rebase"
        facts.append(
            f"the head {head.sha[:12]} is not one of the pull request's commits ({kind} of "
            "it): it is verified too"
        )
        own = (*own, head)
    return own, facts


def _email(identity: str) -> str:
    """The e-mail address of ``Name <email>`` (or a bare principal), lower-cased."""
    if "<" in identity and identity.endswith(">"):
        return identity[identity.rindex("<") + 1 : -1].strip().lower()
    return identity.strip().lower()


def signer_differs(commit: Commit) -> bool:
    """A good signature whose signer (SSH principal, GPG user id) is not the committer.

    git finds an SSH signature's principal by its key, and a GPG signature's user id by its
    key: neither is compared with the committer, which is free text anyone can write. The
    signature, not the committer line, is what vouches for the commit; the difference is a
    fact worth showing (GitHub would call it ``bad_email``), not a reason to refuse.
    """
    if commit.signature != "G" or not commit.signer or not commit.committer:
        return False
    committer = _email(commit.committer)
    signer = commit.signer.lower()
    return committer not in (_email(signer), signer) and f"<{committer}>" not in signer


def _judge(
    gate: SignedCommitsGate, rule: str, commits: tuple[Commit, ...], facts: list[str]
) -> CheckResult:
    bad: list[str] = []
    for commit in commits:
        why = verdict(commit, gate.params.allow_web_flow)
        signer = f" by {commit.signer}" if commit.signer else ""
        facts.append(f"{commit.sha[:12]} {commit.signature}{signer}: {commit.subject[:60]}")
        if signer_differs(commit):
            facts.append(
                f"{commit.sha[:12]} is signed by {commit.signer} but committed as "
                f"{commit.committer}: the pinned key vouches for it, not the committer line"
            )
        if len(commit.parents) > 2:
            facts.append(
                f"{commit.sha[:12]} is an octopus merge of {len(commit.parents)} parents; "
                "the commits of every parent not in the base are in the range"
            )
        if why is not None:
            bad.append(f"{commit.sha[:12]} '{commit.subject[:60]}': {why}")
    if not commits:
        facts.append(
            "the head is the base, or already in the base's history: nothing new to verify"
        )
        return result(gate, Outcome.PASS, "no commits in the range", rule=rule, facts=tuple(facts))
    if bad:
        return result(
            gate,
            Outcome.FAIL,
            f"{len(bad)} of {len(commits)} commits not signed by a pinned key",
            rule=rule,
            facts=tuple(facts),
            reasons=tuple(bad),
            remediation="re-sign the commits named (git rebase --exec 'git commit --amend "
            "--no-edit -S') with a key listed in the pinned file, or add the signer's key",
        )
    return result(
        gate,
        Outcome.PASS,
        f"all {len(commits)} commits signed by pinned keys",
        rule=rule,
        facts=tuple(facts),
    )
