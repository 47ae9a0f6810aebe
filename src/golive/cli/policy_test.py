"""``golive policy test``: run a policy's tests, the gate on fixture evidence, case by case.

Each case's ``gate`` options are parsed by the ``golive gate`` command itself, so a case
accepts exactly what the command line accepts, with the same checks and messages.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import click

from golive.cli import gate as gate_cli
from golive.cli._output import echo_json
from golive.core.suggest import did_you_mean
from golive.errors import EXIT_OK, EXIT_POLICY_SAYS_NO, InputError, UsageError
from golive.records.policy_tests import OptionValue, TestCase, TestFile, read_tests
from golive.services import policy_tests
from golive.services.policy_tests import CaseResult

#: Test files found in a directory: ``golive-test.yaml`` or ``NAME.golive-test.yaml``.
SUFFIXES = ("golive-test.yaml", "golive-test.yml", "golive-test.json")

#: Options a case may not set: the policy is the test's, and nothing is written or sent.
_NOT_IN_A_CASE = {
    "policy": "the policy under test is the file's `policy:` or --policy",
    "output": "a test writes nothing",
    "publish": "a test sends nothing",
    "attest": "a test writes nothing",
    "signing-key": "a test signs nothing",
    "record": "a test writes nothing",
    "format": "the test's own --format chooses the output",
    "explain": "the test's own output explains failures",
}


@click.command("test")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The policy under test (default: each test file's `policy:`).",
)
@click.option(
    "--case",
    "only",
    multiple=True,
    help="Run only the cases whose name contains this text (repeatable).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit"]), default="text")
@click.pass_context
def test_cmd(
    ctx: click.Context,
    paths: tuple[Path, ...],
    policy_path: Path | None,
    only: tuple[str, ...],
    fmt: str,
) -> None:
    """Run policy tests: the gate on fixture evidence, each decision checked against its case.

    PATHS are test files (kind: PolicyTests) or directories searched for files named
    golive-test.yaml or NAME.golive-test.yaml. Every case runs `golive gate` with its options
    (relative paths are relative to its file) and compares the verdict, check outcomes,
    blocking checks and mentioned words with what it expects. Nothing is written or sent; CI
    variables of this machine are ignored. Exit 0 when every case passes, 1 when one fails, 2
    for a bad test file or case.
    """
    files = [read_tests(path) for path in _test_files(paths)]
    results: list[CaseResult] = []
    for test_file in files:
        policy = policy_path or test_file.policy
        if policy is None:
            raise UsageError(
                f"{test_file.path}: no policy to test: set `policy:` in the file or give --policy"
            )
        if not policy.is_file():
            raise UsageError(f"{test_file.path}: the policy under test, {policy}: no such file")
        for case in test_file.cases:
            if only and not any(word in case.name for word in only):
                continue
            results.append(_run(test_file, case, policy))
    if not results:
        raise UsageError(f"--case {', '.join(only)}: no case's name contains it")
    if fmt == "json":
        echo_json(policy_tests.to_dict(results))
    elif fmt == "junit":
        click.echo(_junit(results), nl=False)
    else:
        click.echo(_text(results), nl=False)
    ctx.exit(EXIT_OK if all(r.passed for r in results) else EXIT_POLICY_SAYS_NO)


def _test_files(paths: tuple[Path, ...]) -> Iterator[Path]:
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or directory")
        if not path.is_dir():
            yield path
            continue
        found = sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES))
        if not found:
            raise UsageError(
                f"{path}: no test file in it (files named golive-test.yaml or "
                "NAME.golive-test.yaml)"
            )
        yield from found


def _run(test_file: TestFile, case: TestCase, policy: Path) -> CaseResult:
    where = f"{test_file.path}: case {case.index + 1} ({case.name!r})"
    argv = [*_argv(case.options, test_file.path.parent, where), "--policy", str(policy)]
    try:
        gate_ctx = gate_cli.gate.make_context("gate", argv)
    except click.ClickException as exc:
        raise UsageError(f"{where}: {exc.format_message()}") from None
    if gate_ctx.params["now_text"] is None:
        raise UsageError(
            f"{where}: no `now`: a test decides as of a fixed instant; set now in the case or "
            "in defaults (e.g. now: 2026-11-24T10:00:00Z)"
        )
    try:
        with gate_ctx:
            request, _ = gate_cli.build_request(gate_ctx, gate_ctx.params, environ={})
            return policy_tests.run_case(
                str(test_file.path), case.index, case.name, request, case.expect
            )
    except InputError as exc:
        raise UsageError(f"{where}: {exc}") from None


def _argv(options: dict[str, OptionValue], base: Path, where: str) -> list[str]:
    """A case's options as a ``golive gate`` command line; relative file names made relative
    to the test file."""
    by_name = {
        opt.removeprefix("--"): param
        for param in gate_cli.gate.params
        if isinstance(param, click.Option)
        for opt in param.opts
        if opt.startswith("--")
    }
    argv: list[str] = []
    for name, value in options.items():
        if name in _NOT_IN_A_CASE:
            raise UsageError(f"{where}: gate option '{name}' is not allowed in a test: "
                             f"{_NOT_IN_A_CASE[name]}")  # fmt: skip
        param = by_name.get(name)
        if param is None:
            hint = did_you_mean(name, [n for n in by_name if n not in _NOT_IN_A_CASE])
            raise UsageError(
                f"{where}: '{name}' is not a golive gate option"
                + (f"; {hint}" if hint else "; see golive gate --help")
            )
        if param.is_flag:
            if not isinstance(value, bool):
                raise UsageError(f"{where}: '{name}' is a flag: true or false")
            if value:
                argv.append(f"--{name}")
            continue
        if isinstance(value, bool):
            raise UsageError(f"{where}: '{name}' takes a value, not true or false")
        values = value if isinstance(value, list) else [value]
        if len(values) > 1 and not param.multiple:
            raise UsageError(f"{where}: '{name}' takes one value, not a list")
        for item in values:
            text = str(item)
            if isinstance(param.type, click.Path) and text and not Path(text).is_absolute():
                text = str(base / text)
            argv += [f"--{name}", text]
    return argv


def _text(results: list[CaseResult]) -> str:
    failed = [r for r in results if not r.passed]
    head = (
        f"{'FAILED' if failed else 'PASSED'}: {len(results) - len(failed)} of {len(results)} "
        f"case(s) passed"
    )
    lines = [head]
    for r in results:
        lines.append(f"{'ok  ' if r.passed else 'FAIL'}  {r.name}  ({r.file}, case {r.index + 1})")
        lines.extend(f"        {p}" for p in r.problems)
    return "\n".join(lines) + "\n"


def _junit(results: list[CaseResult]) -> str:
    """One test suite per test file, one test case per case; a missed case is a failure."""
    root = ET.Element("testsuites", {"name": "golive policy test"})
    by_file: dict[str, list[CaseResult]] = {}
    for r in results:
        by_file.setdefault(r.file, []).append(r)
    for file, cases in by_file.items():
        suite = ET.SubElement(
            root,
            "testsuite",
            {
                "name": file,
                "tests": str(len(cases)),
                "failures": str(sum(1 for c in cases if not c.passed)),
                "errors": "0",
                "skipped": "0",
            },
        )
        for r in cases:
            case = ET.SubElement(suite, "testcase", {"classname": file, "name": r.name})
            if not r.passed:
                ET.SubElement(case, "failure", {"message": r.problems[0]}).text = "\n".join(
                    r.problems
                )
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
