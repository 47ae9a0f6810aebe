"""The options of ``golive gate`` for part 2 of the gate, and the ``attest`` and ``decision``
commands.

Kept apart from :mod:`golive.cli.gate` so the two halves of the gate grow without stepping on
each other; :func:`options` decorates the gate command and :func:`request` turns the
options into a :class:`golive.services.gate_facts.MoreFacts`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from golive.core.gate import Candidate, Decision
from golive.core.gate.sources import SignOff
from golive.core.policy.loader import LoadedPolicy, load_policy_text
from golive.errors import EXIT_OK, UsageError
from golive.records import debts, signoffs
from golive.services import decision_records
from golive.services.gate_facts import MoreFacts
from golive.vcs import git
from golive.vcs.ci import ci_ref

if TYPE_CHECKING:
    from golive.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])
_DIGEST = re.compile(r"^sha256:[0-9a-fA-F]{64}$")
_COMMIT = re.compile(r"^[0-9a-fA-F]{7,64}$")

_FILE = click.Path(path_type=Path, dir_okay=False)

OPTIONS = [
    click.option(
        "--candidate",
        "candidate_spec",
        help="The candidate: COMMIT, sha256:DIGEST, or COMMIT@sha256:DIGEST[,sha256:...].",
    ),
    click.option("--base", help="The base revision (target branch) the change is compared with."),
    click.option("--head", help="The candidate's revision in --repo; default --commit or HEAD."),
    click.option(
        "--branch",
        help="The branch the candidate comes from (else from the CI variables, else git).",
    ),
    click.option("--tag", "tags", multiple=True, help="A tag on the candidate (repeatable)."),
    click.option(
        "--allowed-signers",
        type=_FILE,
        help="SSH allowed_signers to verify commits with (default: the policy's file at --base).",
    ),
    click.option("--reviews", type=_FILE, help="Pull-request reviews, GitHub REST JSON."),
    click.option("--pr", "pull", type=_FILE, help="The pull request, GitHub REST JSON."),
    click.option(
        "--pr-commits",
        type=_FILE,
        help="The pull request's commits, GitHub REST JSON (pulls/N/commits).",
    ),
    click.option(
        "--deployments", type=_FILE, help="Deployment records and suite runs (kind: Deployments)."
    ),
    click.option(
        "--signoffs",
        type=_FILE,
        help="Sign-offs (JSON lines by golive attest); default --repo/.golive/signoffs.jsonl.",
    ),
    click.option(
        "--records",
        type=_FILE,
        help="Open bugs, backups, audit events and publishes (kind: Records).",
    ),
    click.option(
        "--override",
        "override_file",
        type=_FILE,
        help="An emergency override (kind: Override); the verdict reads 'overridden' if valid.",
    ),
    click.option(
        "--policy-digest",
        help="Refuse a policy whose digest is not this sha256:... (a pinned policy).",
    ),
    click.option(
        "--policy-from-base",
        is_flag=True,
        help="Read --policy from the --base revision of --repo, so a change cannot relax the "
        "rules it is judged by.",
    ),
    click.option(
        "--attest",
        "attest_out",
        type=_FILE,
        help="Write the decision as a DSSE-signed in-toto statement to this file.",
    ),
    click.option(
        "--signing-key",
        type=_FILE,
        help="Ed25519 private key (PEM) that signs --attest.",
    ),
]


def options(f: F) -> F:
    for option in reversed(OPTIONS):
        f = option(f)
    return f


def parse_candidate(spec: str) -> tuple[str | None, tuple[str, ...]]:
    """``COMMIT``, ``sha256:D`` or ``COMMIT@sha256:D[,sha256:D]`` -> (commit, digests)."""
    commit: str | None = None
    digests: list[str] = []
    for part in (p.strip() for p in spec.replace(",", "@").split("@")):
        if not part:
            continue
        if _DIGEST.match(part):
            digests.append(part.lower())
        elif _COMMIT.match(part) and commit is None:
            commit = part.lower()
        else:
            raise UsageError(
                f"--candidate '{spec}': '{part}' is neither a commit SHA nor sha256:<64 hex>"
            )
    return commit, tuple(digests)


def candidate(base: Candidate, spec: str | None) -> Candidate:
    if not spec:
        return base
    commit, digests = parse_candidate(spec)
    if (
        base.commit
        and commit
        and not (base.commit.startswith(commit) or commit.startswith(base.commit))
    ):
        raise UsageError(f"--candidate names commit {commit}, --commit {base.commit}")
    return Candidate(
        commit=base.commit or commit,
        digests=tuple(dict.fromkeys([*base.digests, *digests])),
        deployable=base.deployable,
        version=base.version,
        author=base.author,
    )


def request(
    ctx: click.Context, repo: Path, args: dict[str, Any], environ: Mapping[str, str] | None = None
) -> MoreFacts:
    """Part 2's facts the options ask for; ``environ`` (default: this process's) names the CI
    ref of a detached HEAD when --branch and --tag are not given."""
    explicit = ctx.get_parameter_source("repo") is click.core.ParameterSource.COMMANDLINE
    if args.get("attest_out") and not args.get("signing_key"):
        raise UsageError("--attest needs --signing-key (an Ed25519 private key in PEM)")
    branch, tags, source = args.get("branch"), tuple(args.get("tags") or ()), ""
    if branch is None and not tags:
        # a detached HEAD in CI: the CI system names the ref
        found = ci_ref(os.environ if environ is None else environ)
        if found is not None:
            branch, tags = found.branch, (found.tag,) if found.tag else ()
            source = f"the CI environment ({found.source})"
    return MoreFacts(
        repo=repo if explicit else None,
        base=args.get("base"),
        head=args.get("head"),
        branch=branch,
        tags=tags,
        ref_source=source,
        allowed_signers=args.get("allowed_signers"),
        reviews=args.get("reviews"),
        pull=args.get("pull"),
        pr_commits=args.get("pr_commits"),
        deployments=args.get("deployments"),
        signoffs=args.get("signoffs"),
        override=args.get("override_file"),
        records=args.get("records"),
        debts=debts.path_for(args.get("signoffs"), repo),
    )


def trusted_policy(
    ctx: click.Context, loaded: LoadedPolicy, policy_path: Path, repo: Path, args: dict[str, Any]
) -> LoadedPolicy:
    """The policy to judge by: from the base revision when asked, and checked against a pin."""
    if args.get("policy_from_base"):
        base = args.get("base")
        if (
            not base
            or ctx.get_parameter_source("repo") is not click.core.ParameterSource.COMMANDLINE
        ):
            raise UsageError("--policy-from-base needs --repo and --base")
        try:
            rel = policy_path.resolve().relative_to(repo.resolve()).as_posix()
        except ValueError:
            raise UsageError(f"--policy {policy_path} is not inside --repo {repo}") from None
        text = git.Git(repo).show(base, rel) if git.is_repository(repo) else None
        if text is None:
            raise UsageError(f"{rel} does not exist at the base revision {base}")
        loaded = load_policy_text(text, f"{rel}@{base}")
    pin = args.get("policy_digest")
    if pin and pin.lower() != loaded.digest:
        raise UsageError(
            f"the policy's digest is {loaded.digest}, not the pinned {pin}: it was changed; "
            "decide with the pinned policy (or update the pin through review)"
        )
    return loaded


def after(decision: Decision, args: dict[str, Any], more: MoreFacts | None = None) -> None:
    """Write the signed decision record when asked; record debts opened and settled."""
    out, key = args.get("attest_out"), args.get("signing_key")
    if out is not None and key is not None:
        decision_records.write(decision, key, out)
    if more is not None and more.debts is not None:
        debts.record(more.debts, decision)


@click.command()
@click.argument("item")
@click.option("--candidate", "candidate_spec", required=True, help="COMMIT[@sha256:DIGEST].")
@click.option("--by", "by", required=True, help="Who signs off (their roster name).")
@click.option("--role", required=True, help="The role they sign off in.")
@click.option("--link", default="", help="A ticket, runbook or report URL.")
@click.option("--checklist", default="", help="The checklist the item belongs to.")
@click.option("--now", "now_text", help="The time of the sign-off (ISO 8601 with offset).")
@click.option(
    "--file",
    "path",
    type=_FILE,
    default=signoffs.DEFAULT_PATH,
    show_default=True,
    help="The sign-offs file to append to.",
)
@click.option(
    "--publish",
    "publish_to",
    is_flag=True,
    help="Also send the sign-off to GOLIVE_SERVER (queued in the outbox if it is down); "
    "implied when GOLIVE_SERVER is set and --deployable and --version are given.",
)
@click.option("--deployable", help="The deployable the candidate is a release of (to publish).")
@click.option("--version", "version", help="The candidate's version (to publish).")
@click.option("--repository", help="The repository to file it under (default: the deployable).")
def attest(
    item: str,
    candidate_spec: str,
    by: str,
    role: str,
    link: str,
    checklist: str,
    now_text: str | None,
    path: Path,
    publish_to: bool,
    deployable: str | None,
    version: str | None,
    repository: str | None,
) -> None:
    """Record a sign-off of checklist ITEM for a candidate (appended atomically).

    The gate decides whether it counts: BY must hold ROLE in the roster, ROLE must be one the
    item accepts, and the release's author may sign only where the policy allows. With
    --publish the sign-off also goes to the control plane through the outbox, with an
    idempotency key; the local record stays authoritative.
    """
    from golive.cli.gate import parse_now
    from golive.settings import load_settings

    parse_candidate(candidate_spec)  # refuse a malformed candidate before writing anything
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$", item):
        raise UsageError(f"ITEM '{item}' is not a checklist item id")
    settings = load_settings()
    subject = deployable and version
    if publish_to and not subject:
        raise UsageError("--publish needs --deployable and --version (the server files by them)")
    if publish_to and not settings.server:
        raise UsageError("--publish needs GOLIVE_SERVER (the control plane's URL)")
    at = parse_now(now_text) if now_text else datetime.now(UTC).replace(microsecond=0)
    signoff = SignOff(
        item=item,
        candidate=candidate_spec,
        by=by,
        role=role,
        at=at,
        link=link,
        checklist=checklist,
    )
    signoffs.append(path, signoff)
    click.echo(f"signed off {item} for {candidate_spec} by {by} ({role}) in {path}")
    if settings.server and not subject:
        click.echo("golive: not published: give --deployable and --version", err=True)
    elif settings.server and deployable and version:
        _publish_signoff(settings, signoff, deployable, version, repository or deployable)


def _publish_signoff(
    settings: Settings, signoff: SignOff, deployable: str, version: str, repository: str
) -> None:
    from golive.services import publish

    outbox = publish.Outbox(Path(settings.outbox))
    publish.queue_signoff(
        outbox,
        repository=repository,
        deployable=deployable,
        version=version,
        item=signoff.item,
        candidate=signoff.candidate,
        by=signoff.by,
        role=signoff.role,
        at=signoff.at,
        link=signoff.link,
        checklist=signoff.checklist,
    )
    report = publish.publish_now(outbox, settings.server, settings.token.get_secret_value())
    if report.waiting:
        click.echo(
            f"golive: published later: {len(report.waiting)} payload(s) wait in "
            f"{settings.outbox} ({'; '.join(report.errors)}); run 'golive publish --flush'",
            err=True,
        )
    else:
        click.echo(f"golive: published to {settings.server}", err=True)


@click.group()
def decision() -> None:
    """Work with decision records written by golive gate --attest."""


@decision.command("verify")
@click.argument("path", type=_FILE)
@click.option("--key", "key", type=_FILE, required=True, help="The Ed25519 public key (PEM).")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text")
@click.pass_context
def verify(ctx: click.Context, path: Path, key: Path, fmt: str) -> None:
    """Check a decision record's signature offline; print what it says. Exit 1 if it fails."""
    statement = decision_records.verify(path, key)
    pred = statement.get("predicate", {})
    summary = pred.get("golive", {})
    if fmt == "json":
        click.echo(json.dumps(statement, indent=2, sort_keys=True))
    else:
        subjects = ", ".join(
            f"{k}:{v}" for s in statement.get("subject", []) for k, v in s.get("digest", {}).items()
        )
        click.echo(f"signature OK: {path}")
        click.echo(f"verdict: {summary.get('verdict')} ({pred.get('verificationResult')})")
        click.echo(f"subject: {subjects}")
        click.echo(
            f"policy: {pred.get('policy', {}).get('uri')} {pred.get('policy', {}).get('digest')}"
        )
        click.echo(f"verified at: {pred.get('timeVerified')}")
    ctx.exit(EXIT_OK)
