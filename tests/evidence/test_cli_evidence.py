"""``golive evidence inspect``: text, JSON, directories, and exit code 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from evidence_support import FIXTURES, HANDMADE

from golive.cli.main import cli


def _run(*args: str):
    return CliRunner().invoke(cli, ["evidence", "inspect", *args], catch_exceptions=False)


def test_inspect_text_shows_format_tool_completeness_and_findings():
    result = _run(str(FIXTURES / "semgrep-with-errors.json"))
    assert result.exit_code == 0
    assert "semgrep (semgrep 1.182.0), sast, 2 finding(s)" in result.output
    assert "complete: NO" in result.output
    assert "[HIGH] eval-call app.py:28 (semgrep ERROR -> high)" in result.output


def test_inspect_json_is_versioned_and_lists_files_and_issues():
    result = _run("--format", "json", str(HANDMADE / "grype.json"), str(HANDMADE / "trivy.json"))
    data = json.loads(result.output)
    assert data["schema"] == "golive.evidence.inspect/v1"
    assert data["severity_algorithm"] == "1"
    assert [f["format"] for f in data["files"]] == ["grype", "trivy"]
    issue = next(i for i in data["issues"] if i["key"] == "CVE-2018-18074")
    assert issue["sources"] == [
        f"grype ({HANDMADE / 'grype.json'})",
        f"trivy ({HANDMADE / 'trivy.json'})",
    ]


def test_inspect_json_output_is_byte_identical_across_runs():
    args = ("--format", "json", str(HANDMADE))
    assert _run(*args).output == _run(*args).output


def test_inspect_directory_skips_files_that_are_not_evidence_and_fails_on_broken_ones():
    result = _run(str(FIXTURES))
    assert "skipped " in result.output
    assert "src-sample/app.py: not an evidence format" in result.output
    assert result.exit_code == 2  # the deliberately broken JUnit fixtures
    assert "junit-billion-laughs.xml: XML with a DTD" in result.stderr


def test_inspect_bad_file_exits_2_with_the_file_name_and_no_traceback(tmp_path: Path):
    bad = tmp_path / "report.sarif"
    bad.write_text('{"version": "2.1.0", "runs": [ {')
    proc = subprocess.run(
        [sys.executable, "-m", "golive", "evidence", "inspect", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"golive: error: {bad}: line 1 column")
    assert "Traceback" not in proc.stderr


def test_inspect_explicit_file_of_unknown_format_exits_2():
    result = _run(str(FIXTURES / "src-sample" / "requirements.txt"))
    assert result.exit_code == 2
    assert "requirements.txt: is neither JSON nor XML" in result.stderr


def test_inspect_max_size_names_the_limit():
    result = _run("--max-size", "0.001", str(FIXTURES / "bandit.json"))
    assert result.exit_code == 2
    assert "larger than the evidence size limit of 0.001 MiB" in result.stderr
