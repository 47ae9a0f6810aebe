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
"""

from __future__ import annotations

from golive.core.gate.context import Context, result
from golive.core.gate.model import CheckResult, Outcome
from golive.core.gate.sources import Commit
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
    pinned = p.allowed_signers or p.gpg_keyring or "(none)"
    span = p.range.replace("_", " ")
    rule = f"every commit from the {span} to the head is signed by a key in {pinned}"
    repo = ctx.facts.repo
    if not p.allowed_signers and not p.gpg_keyring:
        return result(
            gate,
            Outcome.ERROR,
            "the policy pins no keys",
            rule=rule,
            remediation="set allowed_signers (SSH) or gpg_keyring in the gate's params",
        )
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
    bad: list[str] = []
    for commit in repo.commits:
        why = verdict(commit, p.allow_web_flow)
        signer = f" by {commit.signer}" if commit.signer else ""
        facts.append(f"{commit.sha[:12]} {commit.signature}{signer}: {commit.subject[:60]}")
        if why is not None:
            bad.append(f"{commit.sha[:12]} '{commit.subject[:60]}': {why}")
    if not repo.commits:
        return result(gate, Outcome.PASS, "no commits in the range", rule=rule, facts=tuple(facts))
    if bad:
        return result(
            gate,
            Outcome.FAIL,
            f"{len(bad)} of {len(repo.commits)} commits not signed by a pinned key",
            rule=rule,
            facts=tuple(facts),
            reasons=tuple(bad),
            remediation="re-sign the commits named (git rebase --exec 'git commit --amend "
            "--no-edit -S') with a key listed in the pinned file, or add the signer's key",
        )
    return result(
        gate,
        Outcome.PASS,
        f"all {len(repo.commits)} commits signed by pinned keys",
        rule=rule,
        facts=tuple(facts),
    )
