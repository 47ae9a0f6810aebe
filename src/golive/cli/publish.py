"""``golive publish``: send what waits in the local outbox to the control plane."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from golive.cli._output import echo_json
from golive.errors import EXIT_BAD_INPUT, EXIT_UNAVAILABLE
from golive.services import publish as service
from golive.settings import Settings, load_settings


@click.command()
@click.option("--flush", is_flag=True, required=True, help="Send every payload that is due.")
@click.option(
    "--wait",
    "wait_s",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    help="Keep retrying (with back-off) for up to this many seconds.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
def publish(ctx: click.Context, flush: bool, wait_s: float, fmt: str) -> None:
    """Flush the outbox (GOLIVE_OUTBOX) to GOLIVE_SERVER with each payload's idempotency key.

    Exit 0 when the outbox is empty, 3 when payloads still wait for the server, 2 when
    the server refused a payload for good (it is kept under failed/ with the answer).
    """
    settings = load_settings()
    outbox = service.Outbox(Path(settings.outbox))
    with service.client_for(settings.server, settings.token.get_secret_value()) as client:
        report = (
            service.flush_until_empty(outbox, client, deadline_s=wait_s)
            if wait_s
            else service.flush(outbox, client, only_due=False)
        )
    if fmt == "json":
        echo_json(report.as_dict())
    else:
        click.echo(
            f"delivered {len(report.delivered)}, already there {len(report.replayed)}, "
            f"waiting {len(report.waiting)}, failed {len(report.failed)}"
        )
        for error in report.errors:
            click.echo(f"  {error}", err=True)
    if report.failed:
        ctx.exit(EXIT_BAD_INPUT)
    if report.waiting:
        ctx.exit(EXIT_UNAVAILABLE)


def publish_after_gate(
    settings: Settings, decision: dict[str, Any], evidence: Sequence[Path], repository: str
) -> None:
    """``golive gate --publish``: queue the decision and evidence, then try to send them.

    The local verdict stands whatever happens here; an unreachable server leaves the
    payloads in the outbox for ``golive publish --flush``.
    """
    if not settings.server:
        raise click.UsageError("--publish needs GOLIVE_SERVER (the control plane's URL)")
    outbox = service.Outbox(Path(settings.outbox))
    files = service.read_evidence_files(evidence, settings.max_request_bytes)
    service.queue_gate_result(outbox, decision=decision, evidence=files, repository=repository)
    report = service.publish_now(outbox, settings.server, settings.token.get_secret_value())
    if report.waiting:
        click.echo(
            f"golive: published later: {len(report.waiting)} payload(s) wait in "
            f"{settings.outbox} ({'; '.join(report.errors)}); run 'golive publish --flush'",
            err=True,
        )
    else:
        click.echo(f"golive: published to {settings.server}", err=True)
