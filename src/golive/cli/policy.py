"""``golive policy``: validate, explain and describe policy files."""

from __future__ import annotations

import json
from pathlib import Path

import click

from golive.cli._lazy import LazyGroup
from golive.cli._output import FORMATS, echo_json
from golive.core.policy.explain import STAGES, Explanation, explain
from golive.core.policy.schema import policy_json_schema
from golive.errors import EXIT_BAD_INPUT, Diagnostic, PolicyError
from golive.services.policies import load_policy_file
from golive.settings import load_settings


@click.group(
    cls=LazyGroup,
    lazy_commands={
        "publish": "golive.cli.policy_publish:publish",
        "replay": "golive.cli.policy_replay:replay_cmd",
        "test": "golive.cli.policy_test:test_cmd",
    },
)
def policy() -> None:
    """Validate, explain and describe policy files."""


@policy.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def validate(files: tuple[Path, ...], fmt: str, strict: bool) -> None:
    """Check policy FILES; print every problem as file:line:col.

    Exit 0 when every file is valid, 2 when any is not.
    """
    max_bytes = load_settings().max_policy_bytes
    results: list[dict[str, object]] = []
    failed = False
    for path in files:
        diagnostics: list[Diagnostic]
        digest = None
        try:
            loaded = load_policy_file(path, max_bytes)
            diagnostics, digest = list(loaded.warnings), loaded.digest
        except PolicyError as err:
            diagnostics = err.diagnostics
        bad = any(d.severity == "error" or strict for d in diagnostics)
        failed = failed or bad
        results.append(
            {
                "file": str(path),
                "valid": not bad,
                "digest": digest,
                "diagnostics": [d.as_dict() for d in diagnostics],
            }
        )
        if fmt == "text":
            for diag in diagnostics:
                click.echo(diag.render(), err=True)
            if not bad:
                click.echo(f"{path}: valid ({digest})")
    if fmt == "json":
        echo_json({"schema": "golive.validate/v1", "files": results})
    if failed:
        raise SystemExit(EXIT_BAD_INPUT)


@policy.command(name="explain")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--env", "environment", help="Only what applies to this environment.")
@click.option("--format", "fmt", type=FORMATS, default="text")
def explain_cmd(file: Path, environment: str | None, fmt: str) -> None:
    """Everything FILE enforces, grouped by stage, with control ids and the policy digest."""
    loaded = load_policy_file(file, load_settings().max_policy_bytes)
    if environment is not None and loaded.policy.environment(environment) is None:
        known = ", ".join(e.id for e in loaded.policy.environments)
        raise PolicyError(
            [
                Diagnostic(
                    str(file),
                    0,
                    0,
                    f"the policy has no environment '{environment}'",
                    hint=f"environments: {known}",
                )
            ]
        )
    result = explain(loaded.policy, loaded.digest, environment)
    if fmt == "json":
        echo_json(result.as_dict())
    elif fmt == "markdown":
        click.echo(_markdown(result), nl=False)
    else:
        click.echo(_text(result), nl=False)


@policy.command()
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write to a file.")
def schema(output: Path | None) -> None:
    """Print the JSON Schema of the policy language (for editors and CI)."""
    text = json.dumps(policy_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


def _header(result: Explanation) -> list[str]:
    title = result.title or result.name
    scope = f" — environment {result.environment}" if result.environment else ""
    return [f"{title} ({result.name}){scope}", f"policy {result.digest}"]


def _text(result: Explanation) -> str:
    lines = _header(result)
    for stage, stage_title in STAGES:
        items = [i for i in result.items if i.stage == stage]
        if not items:
            continue
        lines += ["", stage_title.upper()]
        for item in items:
            controls = f"  [{', '.join(item.controls)}]" if item.controls else ""
            lines.append(f"  {item.kind} {item.id}: {item.title}{controls}")
            lines += [f"      {sentence}" for sentence in item.summary]
    data = result.as_dict()
    uncovered = [c["id"] for c in data["controls"] if not c["enforced_by"]]
    lines += [
        "",
        f"{len(data['controls'])} controls; "
        + (
            f"not carried out here: {', '.join(uncovered)}"
            if uncovered
            else "every one carried out"
        ),
    ]
    return "\n".join(lines) + "\n"


def _markdown(result: Explanation) -> str:
    title = result.title or result.name
    lines = [f"# {title}", "", f"Policy `{result.name}`, digest `{result.digest}`."]
    if result.environment:
        lines.append(f"Environment: `{result.environment}`.")
    for stage, stage_title in STAGES:
        items = [i for i in result.items if i.stage == stage]
        if not items:
            continue
        lines += ["", f"## {stage_title}", ""]
        for item in items:
            controls = f" ({', '.join(f'`{c}`' for c in item.controls)})" if item.controls else ""
            lines.append(f"- **{item.kind} `{item.id}`: {item.title}**{controls}")
            lines += [f"  - {sentence}" for sentence in item.summary]
    data = result.as_dict()
    if data["controls"]:
        lines += [
            "",
            "## Controls",
            "",
            "| control | rule | carried out by |",
            "| --- | --- | --- |",
        ]
        for control in data["controls"]:
            by = ", ".join(f"`{x}`" for x in control["enforced_by"]) or "—"
            lines.append(f"| `{control['id']}` | {control['title']} | {by} |")
    return "\n".join(lines) + "\n"
