"""Rendering helpers shared by commands: JSON the same way everywhere."""

from __future__ import annotations

import json
from typing import Any

import click


def echo_json(data: Any) -> None:
    """Stable JSON: sorted keys, two-space indent, UTF-8, trailing newline."""
    click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))


FORMATS = click.Choice(["text", "json", "markdown"])
