"""``golive``: the root command, its groups, and the one place errors become exit codes."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

import click

from golive import __version__
from golive.errors import EXIT_BAD_INPUT, GoliveError, PolicyError

EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug in golive, never a verdict


class GoliveGroup(click.Group):
    """The root group: golive errors become their exit codes here, for every command."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except GoliveError as err:
            report_error(err)
            ctx.exit(err.exit_code)


@click.group(
    cls=GoliveGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", "-V", prog_name="golive", message="%(version)s")
def cli() -> None:
    """golive: your Definition of Production as one policy file, carried out.

    Exit codes: 0 pass or success; 1 the policy says no (blocked, failing,
    breached); 2 bad input or usage; 3 a dependency (server, git, database) is
    unavailable.
    """


def _register() -> None:
    """Attach every command group. One import per group, in help order."""
    from golive.cli import evidence, gate, init_cmd, policy

    cli.add_command(policy.policy)
    cli.add_command(init_cmd.init)
    cli.add_command(evidence.evidence)
    cli.add_command(gate.gate)
    cli.add_command(importlib.import_module("golive.cli.db").db)
    part2 = importlib.import_module("golive.cli.gate_part2")
    cli.add_command(part2.attest)
    cli.add_command(part2.decision)
    cli.add_command(importlib.import_module("golive.cli.serve").serve)
    cli.add_command(importlib.import_module("golive.cli.tenant").tenant)
    cli.add_command(importlib.import_module("golive.cli.tenant").token)
    cli.add_command(importlib.import_module("golive.cli.publish").publish)
    cli.add_command(importlib.import_module("golive.cli.demo").demo)
    policy.policy.add_command(importlib.import_module("golive.cli.policy_publish").publish)
    cli.add_command(importlib.import_module("golive.cli.audit").audit_group)


_register()


def report_error(err: GoliveError) -> None:
    """Print a golive error to stderr the way every command does."""
    if isinstance(err, PolicyError):
        for diag in err.diagnostics:
            click.echo(diag.render(), err=True)
        return
    click.echo(f"golive: error: {err}", err=True)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI; map golive errors to exit codes; never show a traceback."""
    try:
        code = cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("golive: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_BAD_INPUT if exc.exit_code == 2 else exc.exit_code)
    except (KeyboardInterrupt, BrokenPipeError):
        sys.exit(130)
    except Exception as exc:  # the edge: a bug must still not print a traceback
        if os.environ.get("GOLIVE_DEBUG"):
            raise
        click.echo(
            f"golive: internal error: {type(exc).__name__}: {exc}\n"
            "  hint: this is a bug in golive; run again with GOLIVE_DEBUG=1 for the traceback "
            "and report it",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)
    sys.exit(code if isinstance(code, int) else 0)
