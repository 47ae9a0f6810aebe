"""``golive init``: write a commented starter policy."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import click

from golive.errors import UsageError

TEMPLATES = {
    "minimal": "minimal.yaml",
    "intelgraph": "intelgraph.yaml",
    "intelgraph-sprint-lock": "intelgraph-sprint-lock.yaml",
    "narralytica": "narralytica.yaml",
    "pumuki-saas": "pumuki-saas.yaml",
    "ai-film-studio": "ai-film-studio.yaml",
}


def template_text(name: str) -> str:
    if name not in TEMPLATES:
        raise UsageError(f"no template '{name}'; choose one of: {', '.join(TEMPLATES)}")
    return (resources.files("golive") / "templates" / TEMPLATES[name]).read_text("utf-8")


@click.command()
@click.option(
    "--template",
    "-t",
    type=click.Choice(list(TEMPLATES)),
    default="minimal",
    show_default=True,
    help="A commented starter, or one of the five reference definitions.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=Path("golive.yaml"),
    show_default=True,
    help="Where to write it ('-' for standard output).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(template: str, output: Path, force: bool) -> None:
    """Write a starter policy you can edit and validate."""
    text = template_text(template)
    if str(output) == "-":
        click.echo(text, nl=False)
        return
    if output.exists() and not force:
        raise UsageError(f"{output} exists; pass --force to overwrite it")
    tmp = output.with_name(f".{output.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, output)
    click.echo(f"wrote {output} (template '{template}'); next: golive policy validate {output}")
