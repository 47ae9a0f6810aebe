"""``golive``: the root command, its groups, and the one place errors become exit codes."""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections.abc import Sequence

import click

from golive import __version__
from golive.cli._lazy import LazyGroup
from golive.errors import EXIT_BAD_INPUT, GoliveError, PolicyError

EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug in golive, never a verdict


class GoliveGroup(LazyGroup):
    """The root group: golive errors become their exit codes here, for every command."""

    def invoke(self, ctx: click.Context) -> object:
        global _DEPTH
        _DEPTH += 1
        try:
            return super().invoke(ctx)
        except GoliveError as err:
            report_error(err)
            ctx.exit(err.exit_code)
        finally:
            _DEPTH -= 1


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


COMMANDS: dict[str, str] = {
    "policy": "golive.cli.policy:policy",
    "init": "golive.cli.init_cmd:init",
    "evidence": "golive.cli.evidence:evidence",
    "gate": "golive.cli.gate:gate",
    "db": "golive.cli.db:db",
    "attest": "golive.cli.gate_part2:attest",
    "decision": "golive.cli.gate_part2:decision",
    "serve": "golive.cli.serve:serve",
    "tenant": "golive.cli.tenant:tenant",
    "token": "golive.cli.tenant:token",
    "publish": "golive.cli.publish:publish",
    "demo": "golive.cli.demo:demo",
    "audit": "golive.cli.audit:audit_group",
}
"""Every command group, name -> ``module:attribute``, imported only when used (so that
``golive --version`` and ``golive gate`` load neither SQLAlchemy, Alembic nor FastAPI).
``golive policy publish`` is registered the same way in :mod:`golive.cli.policy`."""


PRELUDES: dict[str, str] = {"gate": "golive.cli.gate_prelude:before"}
"""Work a command starts before its module is imported (see :class:`LazyGroup`)."""


def _register() -> None:
    """Attach every command group, lazily."""
    for name, target in COMMANDS.items():
        cli.add_lazy_command(name, target, PRELUDES.get(name))


_register()


def report_error(err: GoliveError) -> None:
    """Print a golive error to stderr the way every command does."""
    if isinstance(err, PolicyError):
        for diag in err.diagnostics:
            click.echo(diag.render(), err=True)
        return
    click.echo(f"golive: error: {err}", err=True)


#: Whether a command may end this process at once (see :func:`end_now`): true only in the
#: process the ``golive`` executable (or ``python -m golive``) started, never where ``main``
#: is called from other code, such as the tests.
OWN_PROCESS = False
#: How many golive commands are running, one inside the other (``golive demo seed`` runs
#: ``golive gate`` on each example bundle): only the outermost may end the process.
_DEPTH = 0


def run() -> None:
    """The ``golive`` executable: :func:`main` in a process of its own."""
    global OWN_PROCESS
    OWN_PROCESS = True
    main()


def end_now(code: int) -> None:
    """End the process with ``code`` now, without freeing what it holds, when it is golive's
    own process and the command is not run by another one; else return.

    A gate over a large bundle holds millions of objects until it exits, and freeing them one
    by one takes a tenth of a second that changes nothing (mypy ends the same way). The
    standard streams are flushed and the exit functions run first, as at a normal exit; a
    stream that cannot be flushed, or another thread still running, leaves the normal exit
    to report or wait for it.
    """
    if not OWN_PROCESS or _DEPTH != 1 or threading.active_count() != 1:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    atexit._run_exitfuncs()
    os._exit(code)


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
