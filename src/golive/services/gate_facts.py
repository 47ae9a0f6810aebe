"""Facts for part 2 of the gate: git, pull-request reviews, deployments, sign-offs, overrides.

``golive gate`` hands a :class:`MoreFacts` request to :func:`gather`, which reads only what
the applicable gates need (git is not asked unless a gate wants it) and returns the fields
of :class:`golive.core.gate.Facts` it fills, plus the override claim to apply after the
decision. Nothing here decides.
"""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.core.gate import Candidate, Decision, Facts
from golive.core.gate import override as override_rules
from golive.core.gate.engine import applicable
from golive.core.gate.sources import RepoFacts
from golive.core.policy.model import (
    ApiDocsGate,
    ApprovalsGate,
    BranchGate,
    ConfigScanGate,
    FeatureFlagsGate,
    Policy,
    SemverGate,
    SignedCommitsGate,
)
from golive.records import debts as debt_records
from golive.records import deployments as deployment_records
from golive.records import operations, overrides, pull_commits, reviews, signoffs
from golive.vcs import git


@dataclass(frozen=True, slots=True)
class MoreFacts:
    """Where part 2's facts come from (each optional)."""

    repo: Path | None = None  # a git checkout of the candidate (or a plain directory)
    base: str | None = None
    head: str | None = None
    branch: str | None = None
    tags: tuple[str, ...] = ()
    ref_source: str = ""  # where branch/tags came from when not from git or the command line
    allowed_signers: Path | None = None
    reviews: Path | None = None
    pull: Path | None = None
    pr_commits: Path | None = None  # GitHub REST pulls/N/commits
    deployments: Path | None = None
    signoffs: Path | None = None
    override: Path | None = None
    records: Path | None = None
    teams: dict[str, tuple[str, ...]] = field(default_factory=dict)
    debts: Path | None = None  # the local debts file (golive.records.debts)


@dataclass(frozen=True, slots=True)
class Gathered:
    fields: dict[str, Any]
    candidate: Candidate
    claim: override_rules.OverrideClaim | None = None


def needs_git(gates: list[Any]) -> bool:
    kinds = (
        BranchGate,
        SemverGate,
        ApprovalsGate,
        SignedCommitsGate,
        ApiDocsGate,
        ConfigScanGate,
        FeatureFlagsGate,
    )
    return any(isinstance(g, kinds) for g in gates)


def gather(
    more: MoreFacts, policy: Policy, environment: str, stage: str, candidate: Candidate
) -> Gathered:
    gates = applicable(policy, environment, stage, candidate.deployable)
    out: dict[str, Any] = {}
    review = reviews.review_facts(more.reviews, more.pull, more.teams)
    if review is not None:
        out["review"] = review
        if candidate.author is None and review.author:
            candidate = dataclasses.replace(candidate, author=review.author)
    out["repo"] = _repo(more, gates, candidate, policy)
    if more.deployments is not None:
        out["deployments"] = deployment_records.read_deployments(more.deployments)
    path = more.signoffs
    if path is None and more.repo is not None:
        default = more.repo / signoffs.DEFAULT_PATH
        path = default if default.is_file() else None
    if path is not None:
        out["signoffs"] = signoffs.read(path)
    if more.records is not None:
        out["records"] = operations.read_records(more.records)
    if more.debts is not None:
        out["debts"] = debt_records.open_debts(more.debts, environment, candidate.deployable)
    claim = overrides.read_override(more.override) if more.override is not None else None
    return Gathered(out, candidate, claim)


def _repo(
    more: MoreFacts, gates: list[Any], candidate: Candidate, policy: Policy
) -> RepoFacts | None:
    if more.repo is None or not (needs_git(gates) or more.override is not None):
        if more.branch is None and not more.tags:
            return None
        return RepoFacts(
            head=candidate.commit, branch=more.branch, tags=more.tags, ref_source=more.ref_source
        )
    head_globs: list[str] = []
    base_globs: list[str] = []
    signed = [g for g in gates if isinstance(g, SignedCommitsGate)]
    for g in gates:
        if isinstance(g, ConfigScanGate):
            head_globs += g.params.paths
        elif isinstance(g, FeatureFlagsGate):
            head_globs.append(g.params.file)
    for g in policy.gates:  # semver looks at the API diff even when api_docs does not run
        if isinstance(g, ApiDocsGate):
            head_globs += g.params.schemas
            base_globs += g.params.schemas
    pr: dict[str, Any] = {}
    if signed and signed[0].params.range == "pull_request":
        pr = _pull_request(more)
    with tempfile.TemporaryDirectory(prefix="golive-signers-") as tmp:
        params = signed[0].params if signed else None
        signers = more.allowed_signers
        if signers is None and params is not None and params.allowed_signers:
            signers = _pinned_file(more, params.allowed_signers, Path(tmp), "allowed_signers")
        keyring = roots = None
        if params is not None and params.gpg_keyring:
            keyring = _pinned_file(more, params.gpg_keyring, Path(tmp), "keyring")
        if params is not None and params.x509_roots:
            roots = _pinned_file(more, params.x509_roots, Path(tmp), "x509_roots")
        facts = git.gather(
            git.GitRequest(
                repo=more.repo,
                head=more.head or candidate.commit,
                base=more.base,
                branch=more.branch,
                tags=more.tags,
                allowed_signers=signers,
                gpg_keyring=keyring,
                x509_roots=roots,
                head_globs=tuple(head_globs),
                base_globs=tuple(base_globs),
                verify=bool(signed),
                **pr,
            )
        )
        return dataclasses.replace(facts, ref_source=more.ref_source) if more.ref_source else facts


def _pull_request(more: MoreFacts) -> dict[str, Any]:
    """The pull request's commits (``--pr-commits``) or its range (``--pr``), for git."""
    out: dict[str, Any] = {}
    if more.pull is not None:
        span = pull_commits.read_range(more.pull)
        out.update(pr_head=span.head, pr_base=span.base, pr_count=span.count)
    if more.pr_commits is not None:
        out["pr_commits"] = pull_commits.read_commits(more.pr_commits)
    return out


def _pinned_file(more: MoreFacts, rel: str, tmp: Path, name: str) -> Path:
    """A pinned-keys file of the policy (SSH allowed signers, GPG keyring, x509 roots), read
    from the BASE revision when there is one.

    A change must not be able to add its own key: the file at the base is what the team
    already trusted, and a file the base does not have pins nothing (the check is an error).
    Without a base, the checkout's copy is used.
    """
    assert more.repo is not None
    if more.base and git.is_repository(more.repo):
        data = git.Git(more.repo).show_bytes(more.base, rel)
        if data is not None:
            target = tmp / name
            target.write_bytes(data)
            return target
        # not at the base: never the checkout's copy, which the change itself may have added
        return tmp / f"{rel} (not in the base revision)"
    return more.repo / rel


def apply_override(
    decision: Decision, policy: Policy, gathered: Gathered, facts: Facts
) -> Decision:
    if gathered.claim is None:
        return decision
    repo = facts.repo
    head = repo.head_commit if repo else None
    return override_rules.apply(decision, policy, gathered.claim, facts, head)
