"""``command_passed``: each of the policy's named commands ran for this candidate and exited 0.

Results come from ``golive.commands/v1`` evidence (``golive gate --run`` writes one). A
command with no recorded result, or a result for a different command line than the
policy's, is an ``error``; a non-zero exit or a timeout is a ``fail``.
"""

from __future__ import annotations

from golive.core.findings import CommandReport, CommandRun
from golive.core.gate.context import Context, result, screen
from golive.core.gate.model import CheckResult, Outcome
from golive.core.policy.model import CommandPassedGate


def evaluate(gate: CommandPassedGate, ctx: Context) -> CheckResult:
    commands = gate.params.commands
    rule = "these commands exit 0: " + ", ".join(f"{c.name} ({c.run})" for c in commands)
    items = ctx.facts.commands()
    usable, problems, facts = screen(items, gate, ctx)
    paths = tuple(i.path for i in items)
    runs: dict[str, CommandRun] = {}
    for item in usable:
        assert isinstance(item.evidence, CommandReport)
        for recorded in item.evidence.runs:
            runs[recorded.name] = recorded  # a later file (sorted by path) wins
    errors = list(problems)
    failures: list[str] = []
    for cmd in commands:
        run = runs.get(cmd.name)
        if run is None:
            errors.append(f"{cmd.name}: no recorded result")
            continue
        facts.append(_fact(run))
        if run.command and run.command.strip() != cmd.run.strip():
            errors.append(
                f"{cmd.name}: the recorded run was '{run.command}', not the policy's '{cmd.run}'"
            )
        elif run.timed_out:
            failures.append(f"{cmd.name}: timed out after {run.duration_s:.0f}s")
        elif run.exit_code is None:
            errors.append(f"{cmd.name}: did not run: {run.error or 'no exit code recorded'}")
        elif run.exit_code != 0:
            failures.append(f"{cmd.name}: exited {run.exit_code} ({run.command})")
    if errors:
        return result(
            gate,
            Outcome.ERROR,
            f"{len(errors)} command result(s) missing or unusable",
            rule=rule,
            reasons=tuple(errors + failures),
            facts=tuple(facts),
            evidence=paths,
            remediation="run the commands with 'golive gate --run' (or record their results "
            "as golive.commands/v1 evidence) for this candidate",
        )
    if failures:
        return result(
            gate,
            Outcome.FAIL,
            f"{len(failures)} of {len(commands)} commands failed",
            rule=rule,
            reasons=tuple(failures),
            facts=tuple(facts),
            evidence=paths,
            remediation="fix what the failing commands report, then run them again",
        )
    return result(
        gate,
        Outcome.PASS,
        f"all {len(commands)} commands exited 0",
        rule=rule,
        facts=tuple(facts),
        evidence=paths,
    )


def _fact(run: CommandRun) -> str:
    status = "timed out" if run.timed_out else f"exit {run.exit_code}"
    digest = f", output sha256 {run.output_sha256[:16]}" if run.output_sha256 else ""
    return f"{run.name}: '{run.command}' {status} in {run.duration_s:.1f}s{digest}"
