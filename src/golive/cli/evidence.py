"""``golive evidence``: look at evidence files the way the gate will read them."""

from __future__ import annotations

from pathlib import Path

import click

from golive.cli._output import echo_json
from golive.core.dedupe import Issue, merge
from golive.core.findings import (
    CommandReport,
    Finding,
    ScanReport,
    TestOutcome,
    TestReport,
    to_jsonable,
)
from golive.core.severity import ALGORITHM_VERSION
from golive.errors import EXIT_BAD_INPUT, EvidenceError
from golive.evidence import DEFAULT_MAX_BYTES, Loaded, UnknownFormat, iter_files, read_path

SCHEMA = "golive.evidence.inspect/v1"


@click.group()
def evidence() -> None:
    """Read evidence files (test reports, scanner reports, SBOMs)."""


@evidence.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option(
    "--max-size",
    "max_mib",
    type=click.FloatRange(min=0.001),
    default=DEFAULT_MAX_BYTES / (1024 * 1024),
    show_default=True,
    help="Refuse evidence files larger than this many MiB.",
)
@click.pass_context
def inspect(ctx: click.Context, paths: tuple[Path, ...], fmt: str, max_mib: float) -> None:
    """Show what each evidence file was detected as, and what golive reads from it.

    PATH is a file or a directory (read recursively; files that are not
    evidence are listed as skipped). The format is recognised by content,
    never by file name. Exit 2 if any file cannot be read.
    """
    max_bytes = int(max_mib * 1024 * 1024)
    loaded: list[Loaded] = []
    skipped: list[str] = []
    errors: list[EvidenceError] = []
    for root in paths:
        in_directory = root.is_dir()
        for path in iter_files(root):
            try:
                loaded.append(read_path(path, max_bytes=max_bytes))
            except UnknownFormat as err:
                if in_directory:
                    skipped.append(f"{path}: not an evidence format")
                else:
                    errors.append(err)
            except EvidenceError as err:
                errors.append(err)

    findings = [
        f
        for item in loaded
        if isinstance(item.evidence, ScanReport)
        for f in item.evidence.findings
    ]
    issues = merge(findings)
    if fmt == "json":
        echo_json(
            {
                "schema": SCHEMA,
                "severity_algorithm": ALGORITHM_VERSION,
                "files": [
                    {
                        "path": item.path,
                        "sha256": item.sha256,
                        "format": item.evidence.format,
                        "evidence": to_jsonable(item.evidence),
                    }
                    for item in loaded
                ],
                "issues": [_issue_json(i) for i in issues],
                "skipped": skipped,
                "errors": [str(e) for e in errors],
            }
        )
    else:
        for item in loaded:
            for line in _text(item):
                click.echo(line)
            click.echo("")
        if len(loaded) > 1 and issues:
            algo = f"severity algorithm v{ALGORITHM_VERSION}"
            click.echo(f"{len(issues)} issue(s) after de-duplication ({algo}):")
            for issue in issues:
                click.echo(f"  {_issue_line(issue)}")
        for line in skipped:
            click.echo(f"skipped {line}")
    for problem in errors:
        click.echo(f"golive: error: {problem}", err=True)
    if errors:
        ctx.exit(EXIT_BAD_INPUT)


def _issue_json(issue: Issue) -> dict[str, object]:
    return {
        "key": issue.key,
        "kind": issue.kind.value,
        "ids": list(issue.ids),
        "severity": to_jsonable(issue.severity),
        "packages": list(issue.packages),
        "sources": list(issue.sources),
    }


def _issue_line(issue: Issue) -> str:
    pkgs = f" in {', '.join(issue.packages[:3])}" if issue.packages else ""
    return (
        f"[{issue.severity.level.value.upper()}] {issue.key}{pkgs} "
        f"(sources: {', '.join(issue.tools)}; {issue.severity.provenance})"
    )


def _text(item: Loaded) -> list[str]:
    ev = item.evidence
    if isinstance(ev, TestReport):
        return _test_text(item.path, ev)
    if isinstance(ev, CommandReport):
        return _command_text(item.path, ev)
    return _scan_text(item.path, ev)


def _command_text(path: str, ev: CommandReport) -> list[str]:
    lines = [f"{path}: golive command results ({len(ev.runs)} runs)"]
    for run in ev.runs:
        if run.timed_out:
            result = "timed out"
        elif run.exit_code is None:
            result = f"did not run: {run.error or 'no exit code'}"
        else:
            result = f"exit {run.exit_code}"
        lines.append(f"  {run.name}: {result} in {run.duration_s:.1f}s ({run.command})")
    return lines + _completeness(ev.completeness.complete, ev.completeness.reasons)


def _completeness(complete: bool, reasons: tuple[str, ...]) -> list[str]:
    if complete:
        return ["  complete: yes"]
    return ["  complete: NO", *(f"    - {r}" for r in reasons)]


def _test_text(path: str, ev: TestReport) -> list[str]:
    c = ev.counts
    lines = [
        f"{path}: junit test report",
        f"  tests {c.total} (from {ev.records} records): passed {c.passed}, failed {c.failed}, "
        f"errors {c.errors}, skipped {c.skipped}, flaky {c.flaky}",
        *_completeness(ev.completeness.complete, ev.completeness.reasons),
    ]
    for case in ev.cases:
        if case.outcome is TestOutcome.PASSED:
            continue
        extra = f" after {case.attempts} attempts" if case.attempts > 1 else ""
        kind = f" ({case.skip_kind})" if case.skip_kind else ""
        msg = f": {case.message}" if case.message else ""
        lines.append(
            f"  {case.outcome.value.upper()}{kind} {case.classname}::{case.name}{extra}{msg}"
        )
    lines.extend(f"  note: {n}" for n in ev.notes)
    return lines


def _scan_text(path: str, ev: ScanReport) -> list[str]:
    version = f" {ev.tool.version}" if ev.tool.version else ""
    lines = [
        f"{path}: {ev.format} ({ev.tool.name}{version}), {ev.kind.value}, "
        f"{len(ev.findings)} finding(s)",
        *_completeness(ev.completeness.complete, ev.completeness.reasons),
    ]
    if ev.binding.bound or ev.binding.artifact:
        bound = ", ".join([*ev.binding.commits, *ev.binding.digests]) or "nothing"
        lines.append(
            f"  bound to: {bound}" + (f" ({ev.binding.artifact})" if ev.binding.artifact else "")
        )
    if ev.components:
        lines.append(f"  components: {len(ev.components)}")
    lines.extend(f"  {_finding_line(f)}" for f in ev.findings)
    lines.extend(f"  note: {n}" for n in ev.notes)
    return lines


def _finding_line(f: Finding) -> str:
    where = ""
    if f.location is not None and f.location.path:
        where = f" {f.location.path}" + (f":{f.location.line}" if f.location.line else "")
    pkg = ""
    if f.package is not None:
        pkg = f" {f.package.purl or f.package.name}"
    flags = []
    if f.suppressions:
        flags.append(
            "suppressed by tool: " + ", ".join(f"{s.mechanism} {s.status}" for s in f.suppressions)
        )
    if f.vex is not None:
        flags.append(f"vex {f.vex.state}")
    if f.withdrawn:
        flags.append("withdrawn")
    if f.fingerprint and f.kind.value == "secret":
        flags.append(f"fingerprint {f.fingerprint}")
    tail = f" [{'; '.join(flags)}]" if flags else ""
    return (
        f"[{f.severity.level.value.upper()}] {f.rule_id}{pkg}{where} "
        f"({f.severity.provenance}){tail}"
    )
