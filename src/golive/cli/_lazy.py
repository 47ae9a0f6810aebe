"""A click group whose commands are imported only when used.

``golive --version`` or ``golive gate`` must not pay for SQLAlchemy, Alembic, FastAPI and
uvicorn, which only some commands need. A :class:`LazyGroup` holds a table of command
name -> ``"module:attribute"`` and imports a module the first time its command is run, or
when ``--help`` lists the commands (listing needs each one's short help).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import click

from golive import collector


class LazyGroup(click.Group):
    """A group whose ``lazy_commands`` load on demand; ``--help`` lists them all, sorted
    with any commands added eagerly, as :class:`click.Group` does."""

    def __init__(
        self, *args: Any, lazy_commands: Mapping[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands: dict[str, str] = dict(lazy_commands or {})
        self.preludes: dict[str, str] = {}

    def add_lazy_command(self, name: str, target: str, prelude: str | None = None) -> None:
        """Register ``name`` to be loaded from ``target`` (``"package.module:attribute"``).

        ``prelude`` (``"package.module:function"``), when given, is called with the
        command's arguments before its module is imported: work that can start early (the
        gate starts reading evidence while the policy language loads). It must not fail or
        print; the command parses and checks its arguments itself afterwards.
        """
        self.lazy_commands[name] = target
        if prelude is not None:
            self.preludes[name] = prelude

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] in self.preludes and not ctx.resilient_parsing:
            module_name, _, function = self.preludes.pop(args[0]).partition(":")
            getattr(_import(module_name), function)(args[1:])
        return super().resolve_command(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            self.add_command(_load(self.lazy_commands[cmd_name]), cmd_name)
        return super().get_command(ctx, cmd_name)


def _load(target: str) -> click.Command:
    module_name, _, attribute = target.partition(":")
    command = getattr(_import(module_name), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{target} is not a click command")
    return command


def _import(module_name: str) -> ModuleType:
    """Import a command's module with the cyclic collector paused, then move what the import
    made (classes, functions, pydantic's validators: kept for the life of the process) out of
    its sight; collecting while the policy language loads costs a tenth of its import."""
    with collector.paused(freeze=True):
        return importlib.import_module(module_name)
