"""``golive gate``: may this candidate go to this environment now? Exit 0 pass, 1 blocked."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from golive import collector
from golive.cli import gate_part2
from golive.cli.main import end_now
from golive.core.gate import STAGES, Candidate, Decision, Verdict
from golive.core.gate import render as renderers
from golive.core.instants import parse_instant
from golive.errors import EXIT_OK, EXIT_POLICY_SAYS_NO, UsageError
from golive.files import atomic_binary
from golive.services import gate as gate_service
from golive.services.policies import load_policy_file
from golive.settings import Settings, load_settings

GATE_FORMATS = ("text", "json", "junit", "sarif", "markdown")


def parse_now(value: str | None, option: str = "--now") -> datetime:
    """``--now`` (or ``option``): an ISO 8601 instant with an offset; now when absent."""
    if value is None:
        return datetime.now(UTC).replace(microsecond=0)
    found = parse_instant(value)
    if found is None:
        raise UsageError(
            f"{option} '{value}' is not an ISO 8601 date and time (e.g. 2026-11-24T10:00:00Z)"
        )
    if found[1]:
        raise UsageError(f"{option} '{value}' has no UTC offset; add Z or +01:00")
    return found[0]


def render(decision: Decision, fmt: str, *, explain: bool = False) -> str:
    if fmt == "json":
        return decision.to_json()
    if fmt == "junit":
        return renderers.junit(decision)
    if fmt == "sarif":
        return renderers.sarif(decision)
    if fmt == "markdown":
        return renderers.markdown(decision)
    return renderers.text(decision, explain=explain)


def emit(chunks: Iterator[str], output: Path | None) -> None:
    """Write the report to stdout and, atomically, to ``output``, piece by piece."""
    out = sys.stdout
    if output is None:
        for chunk in chunks:
            out.write(chunk)
        out.flush()
        return
    with atomic_binary(output) as fh:
        for chunk in chunks:
            fh.write(chunk.encode("utf-8"))
            out.write(chunk)
    out.flush()


@click.command()
@click.option(
    "--policy",
    "policy_path",
    required=True,
    type=click.Path(path_type=Path),
    help="The policy file.",
)
@click.option("--env", "environment", required=True, help="The environment to deploy to.")
@click.option(
    "--evidence",
    "evidence",
    multiple=True,
    type=click.Path(path_type=Path),
    help="An evidence file or directory (repeatable). Formats are detected by content.",
)
@click.option("--commit", help="The candidate's commit SHA; evidence for another is an error.")
@click.option(
    "--digest",
    "digests",
    multiple=True,
    help="An artifact digest of the candidate, sha256:... (repeatable).",
)
@click.option("--deployable", help="The deployable (from the policy) being released.")
@click.option("--version", "version", help="The version being released, e.g. 1.4.2.")
@click.option(
    "--stage",
    type=click.Choice(STAGES),
    default="pre-deploy",
    show_default=True,
    help="Which gates run; pre-deploy also re-checks pre-merge gates.",
)
@click.option("--waivers", type=click.Path(path_type=Path), help="A waivers file.")
@click.option("--roster", type=click.Path(path_type=Path), help="Who holds which role.")
@click.option(
    "--unavailable",
    multiple=True,
    help="A fact source that cannot be reached (repeatable); its checks are owed.",
)
@click.option("--now", "now_text", help="Decide as of this instant (ISO 8601 with offset).")
@click.option("--run", "run", is_flag=True, help="Run the policy's commands here first.")
@click.option(
    "--repo",
    type=click.Path(path_type=Path, file_okay=False),
    default=".",
    show_default=True,
    help="Where --run runs the commands; given, also the git checkout of the candidate.",
)
@click.option(
    "--record",
    type=click.Path(path_type=Path, dir_okay=False),
    help="With --run: save the command results as evidence for a later gate.",
)
@click.option("--format", "fmt", type=click.Choice(GATE_FORMATS), default="text")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the report in --format to this file.",
)
@click.option("--explain", is_flag=True, help="Show, for each check, its rule and the facts used.")
@click.option(
    "--publish",
    "publish_to",
    is_flag=True,
    help="Also send the decision and evidence to GOLIVE_SERVER (queued in the outbox if down).",
)
@gate_part2.options
@click.pass_context
def gate(ctx: click.Context, /, **params: Any) -> None:
    """Decide whether a release may go to an environment, and explain why.

    Reads the evidence (test reports, scanner reports, SBOMs, command results), applies every
    gate of the policy that guards ENV, and prints the verdict first, then each check. Exit 0
    pass, 1 blocked, 2 bad input. The same inputs and --now give byte-identical JSON.
    """
    request, settings = build_request(ctx, params)
    decision = _evaluate_and_freeze(request)
    gate_part2.after(decision, params, request.more)
    fmt = params["fmt"]
    chunks = (
        decision.iter_json(gate_service.rows_in_parallel)
        if fmt == "json"
        else iter([render(decision, fmt, explain=params["explain"])])
    )
    emit(chunks, params["output"])
    if params["publish_to"]:
        from golive.cli.publish import publish_after_gate

        publish_after_gate(
            settings, decision.to_dict(), params["evidence"], params["deployable"] or "local"
        )
    code = EXIT_OK if decision.verdict is not Verdict.BLOCKED else EXIT_POLICY_SAYS_NO
    end_now(code)  # the decision and its facts are not freed one by one
    ctx.exit(code)


def _evaluate_and_freeze(request: gate_service.GateRequest) -> Decision:
    """Decide, then move the decision and its facts (millions of objects, none in a cycle,
    living until the process ends) out of the cyclic collector's sight.

    The collector stays paused until they are frozen: re-enabling it first would run a full
    collection over them at the next allocation (0.2 s on bench/gate_large.py's bundle), and
    writing the report would run more.
    """
    with collector.paused(freeze=True):
        return gate_service.evaluate(request)


def build_request(
    ctx: click.Context, params: dict[str, Any], environ: Mapping[str, str] | None = None
) -> tuple[gate_service.GateRequest, Settings]:
    """The request the options of ``golive gate`` (parsed in ``ctx``) ask for.

    Shared with ``golive policy test``, which parses each case's options with this command and
    passes an empty ``environ`` so that no CI variable of the machine running the tests leaks
    into a case (see :func:`gate_part2.request`).
    """
    run, record = params["run"], params["record"]
    if record is not None and not run:
        raise UsageError("--record saves the results of --run; add --run")
    digests: tuple[str, ...] = params["digests"]
    for d in digests:
        if ":" not in d:
            raise UsageError(f"--digest '{d}' needs an algorithm prefix, e.g. sha256:{d}")
    settings = load_settings()
    policy_path: Path = params["policy_path"]
    repo: Path = params["repo"]
    loaded = load_policy_file(policy_path, settings.max_policy_bytes)
    loaded = gate_part2.trusted_policy(ctx, loaded, policy_path, repo, params)
    candidate = Candidate(
        commit=params["commit"],
        digests=digests,
        deployable=params["deployable"],
        version=params["version"],
    )
    request = gate_service.GateRequest(
        loaded=loaded,
        environment=params["environment"],
        now=parse_now(params["now_text"]),
        evidence=params["evidence"],
        candidate=gate_part2.candidate(candidate, params.get("candidate_spec")),
        stage=params["stage"],
        waivers=params["waivers"],
        roster=params["roster"],
        unavailable=frozenset(params["unavailable"]),
        run=run,
        repo=repo,
        record=record,
        more=gate_part2.request(ctx, repo, params, environ),
    )
    return request, settings
