"""A click group whose commands are imported only when used.

``golive --version`` or ``golive gate`` must not pay for SQLAlchemy, Alembic, FastAPI and
uvicorn, which only some commands need. A :class:`LazyGroup` holds a table of command
name -> ``"module:attribute"`` and imports a module the first time its command is run, or
when ``--help`` lists the commands (listing needs each one's short help).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import click


class LazyGroup(click.Group):
    """A group whose ``lazy_commands`` load on demand; ``--help`` lists them all, sorted
    with any commands added eagerly, as :class:`click.Group` does."""

    def __init__(
        self, *args: Any, lazy_commands: Mapping[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands: dict[str, str] = dict(lazy_commands or {})

    def add_lazy_command(self, name: str, target: str) -> None:
        """Register ``name`` to be loaded from ``target`` (``"package.module:attribute"``)."""
        self.lazy_commands[name] = target

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            self.add_command(_load(self.lazy_commands[cmd_name]), cmd_name)
        return super().get_command(ctx, cmd_name)


def _load(target: str) -> click.Command:
    module_name, _, attribute = target.partition(":")
    command = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{target} is not a click command")
    return command
