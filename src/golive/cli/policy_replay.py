"""``golive policy replay``: what a policy change would have decided on past releases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from golive.cli._operator import tenant_admin
from golive.cli._output import echo_json
from golive.cli.gate import parse_now
from golive.errors import EXIT_OK, EXIT_POLICY_SAYS_NO
from golive.services import replay
from golive.services.policies import read_policy_text
from golive.settings import load_settings
from golive.storage.engine import make_engine
from golive.storage.unit_of_work import UnitOfWork


@click.command("replay")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--tenant", "tenant_name", required=True, help="The tenant whose decisions to replay."
)
@click.option("--env", "environment", help="Only decisions for this environment.")
@click.option("--deployable", help="Only decisions for this deployable.")
@click.option("--since", help="Only decisions made at or after this instant (ISO 8601).")
@click.option("--until", help="Only decisions made before this instant (ISO 8601).")
@click.option(
    "--limit", type=click.IntRange(1, 1000), default=100, show_default=True, help="At most."
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
def replay_cmd(
    ctx: click.Context,
    file: Path,
    tenant_name: str,
    environment: str | None,
    deployable: str | None,
    since: str | None,
    until: str | None,
    limit: int,
    fmt: str,
) -> None:
    """Decide TENANT's past releases again under the policy FILE, and show what would change.

    Every decision the server made from stored facts (newest first) is decided again with the
    same candidate and question, at its own time, from the facts received by then. Nothing is
    stored. Decisions published from CI are listed as skipped: their git and local facts are
    not on the server. Exit 0 when no verdict would change, 1 when one would, 2 for an invalid
    policy or option.
    """
    settings = load_settings()
    source = read_policy_text(file, settings.max_policy_bytes)
    window = {name: _instant(name, value) for name, value in (("since", since), ("until", until))}
    engine = make_engine(settings.database_url)
    try:
        who = tenant_admin(engine, tenant_name)
        answer = replay.replay(
            UnitOfWork(engine),
            who,
            source=source,
            file=str(file),
            request=replay.ReplayRequest(
                environment=environment,
                deployable=deployable,
                since=window["since"],
                until=window["until"],
                limit=limit,
            ),
        )
    finally:
        engine.dispose()
    if fmt == "json":
        echo_json(answer)
    else:
        click.echo(render(answer), nl=False)
    ctx.exit(EXIT_POLICY_SAYS_NO if answer["changed"] else EXIT_OK)


def _instant(name: str, value: str | None) -> dt.datetime | None:
    return None if value is None else parse_now(value, f"--{name}")


def render(answer: dict[str, Any]) -> str:
    """The replay in words: a summary line, then each decision that would change."""
    policy = answer["policy"]
    lines = [
        f"{answer['replayed']} decision(s) replayed under {policy['name']} {policy['digest']}: "
        f"{answer['changed']} would change ({answer['newly_blocked']} newly blocked, "
        f"{answer['newly_passing']} newly passing)"
        + (f"; {len(answer['skipped'])} published decision(s) skipped" if answer["skipped"] else "")
    ]
    for r in answer["results"]:
        if not r["checks"] and not r["changed"]:
            continue
        was, would = r["was"]["verdict"], r["would_be"]["verdict"]
        verdict = f"{was} -> {would.upper() if r['changed'] else would}"
        lines.append(
            f"#{r['decision_id']} {r['deployable']} {r['version']} -> {r['environment']} "
            f"at {r['now']}: {verdict}"
        )
        lines.extend(
            f"    {c['id']}: {c['was'] or '-'} -> {c['would_be'] or '-'}" for c in r["checks"]
        )
        if "note" in r:
            lines.append(f"    note: {r['note']}")
    return "\n".join(lines) + "\n"
