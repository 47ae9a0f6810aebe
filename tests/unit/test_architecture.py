"""The dependency rule of ARCHITECTURE.md §3, checked on the source: the core stays pure."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "golive"
CORE_FILES = sorted((SRC / "core").rglob("*.py"))

#: Third-party libraries the core may use: pure computation, no I/O of their own.
PURE_LIBRARIES = {"pydantic", "pydantic_core", "yaml", "cvss", "packageurl", "cryptography"}
#: golive modules outside core/ that the core may import (leaf modules with no I/O).
#: ``golive.native`` is computation (hashing in C, the same answers as the Python loops); the
#: one thing it reads from outside is its switch, ``GOLIVE_NO_NATIVE``, once at import.
GOLIVE_LEAVES = {"golive", "golive.errors", "golive.native"}
#: Standard-library modules that reach the outside world or the environment.
IMPURE_STDLIB = {
    "os",
    "subprocess",
    "socket",
    "shutil",
    "tempfile",
    "urllib",
    "http",
    "sqlite3",
    "pathlib",
    "glob",
    "io",
    "signal",
    "threading",
    "multiprocessing",
}
#: Calls that read a clock or a file.
IMPURE_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("date", "today"),
    ("time", "time"),
    ("time", "monotonic"),
}


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module == "golive" and node.level == 0:
            # from golive import X: the submodule golive.X when there is one
            for alias in node.names:
                sub = SRC / alias.name
                is_module = sub.is_dir() or sub.with_suffix(".py").is_file()
                found.append((node.lineno, f"golive.{alias.name}" if is_module else "golive"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_the_core_imports_only_the_standard_library_pure_libraries_and_itself(
    path: Path,
) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = []
    for line, module in _imports(tree):
        top = module.split(".")[0]
        if module.startswith("golive."):
            if not (module.startswith("golive.core") or module in GOLIVE_LEAVES):
                bad.append(f"{line}: {module}")
        elif top in IMPURE_STDLIB or (
            top not in sys.stdlib_module_names and top not in PURE_LIBRARIES | {"golive"}
        ):
            bad.append(f"{line}: {module}")
    assert not bad, f"{path.name} imports what the core may not: {bad}"


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_the_core_reads_no_clock_and_opens_no_file(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "open":
                bad.append(f"{node.lineno}: open()")
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and (func.value.id, func.attr) in IMPURE_CALLS
            ):
                bad.append(f"{node.lineno}: {func.value.id}.{func.attr}()")
    assert not bad, f"{path.name}: {bad}"


def test_the_exit_codes_are_pinned() -> None:
    from golive import errors

    assert (
        errors.EXIT_OK,
        errors.EXIT_POLICY_SAYS_NO,
        errors.EXIT_BAD_INPUT,
        errors.EXIT_UNAVAILABLE,
    ) == (0, 1, 2, 3)
    assert errors.InputError.exit_code == 2
    assert errors.DependencyUnavailable.exit_code == 3
