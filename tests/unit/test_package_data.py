"""Every data file golive reads at run time is shipped in the wheel.

setuptools ships only the package data that ``[tool.setuptools.package-data]`` names; a new
kind of file (an ``.svg`` beside the console's CSS, say) would be missing from installs
from a wheel while every test run from the source tree still passed.
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "golive"
NOT_DATA = {".py", ".pyc", ".c", ".h", ".so"}


def test_every_data_file_of_the_package_is_named_in_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["golive"]
    data = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and path.suffix not in NOT_DATA and "__pycache__" not in path.parts
    ]
    assert data, "no data files found: the test looks in the wrong place"
    missing = [name for name in data if not any(fnmatch.fnmatch(name, p) for p in patterns)]
    assert missing == []
