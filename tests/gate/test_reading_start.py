"""Reading evidence that starts before the gate engine loads gives the same facts."""

from __future__ import annotations

import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from gate_support import FIXTURES

from golive.cli import gate_prelude
from golive.cli._lazy import LazyGroup
from golive.services import gate as gate_service
from golive.services import reading


@pytest.fixture
def shared(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every directory is shared out with one worker, whatever its size."""
    monkeypatch.setattr(reading, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(reading.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(reading, "_STARTED", None)


def _copy(tmp_path: Path, name: str, files: list[str]) -> Path:
    directory = tmp_path / name
    directory.mkdir()
    for file in files:
        shutil.copy(FIXTURES / file, directory / file)
    return directory


FILES = ["junit-pytest.xml", "semgrep.sarif", "bandit.json", "cyclonedx-py-1.6.cdx.json"]


@pytest.mark.usefixtures("shared")
def test_a_started_reading_is_joined_and_gives_the_same_facts(tmp_path: Path) -> None:
    evidence = _copy(tmp_path, "ev", FILES)
    alone = gate_service.gather_evidence([evidence])
    reading.start([evidence])
    started = reading._STARTED
    assert started is not None
    assert started.workers
    assert gate_service.gather_evidence([evidence]) == alone
    assert reading._STARTED is None  # used once
    assert all(not process.is_alive() for process, _ in started.workers)


@pytest.mark.usefixtures("shared")
def test_a_start_for_other_files_is_dropped(tmp_path: Path) -> None:
    other = _copy(tmp_path, "other", FILES[:2])
    evidence = _copy(tmp_path, "ev", FILES)
    alone = gate_service.gather_evidence([evidence])
    reading.start([other])
    started = reading._STARTED
    assert started is not None
    assert gate_service.gather_evidence([evidence]) == alone
    assert all(not process.is_alive() for process, _ in started.workers)


@pytest.mark.usefixtures("shared")
def test_a_start_never_raises_and_leaves_errors_to_the_gate(tmp_path: Path) -> None:
    reading.start([tmp_path / "missing"])
    assert reading._STARTED is None
    with pytest.raises(Exception, match="no such file or directory"):
        gate_service.gather_evidence([tmp_path / "missing"])


def test_small_directories_are_read_by_this_process_alone(tmp_path: Path) -> None:
    reading.start([_copy(tmp_path, "ev", FILES)])  # far below PARALLEL_BYTES
    assert reading._STARTED is None


def test_the_prelude_picks_the_evidence_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[Path]] = []
    monkeypatch.setattr(reading, "start", lambda paths: seen.append(list(paths)))
    gate_prelude.before(
        ["--policy", "p.yaml", "--evidence", "a", "--env", "prod", "--evidence=b", "--", "c"]
    )
    gate_prelude.before(["--evidence", "a", "--help"])
    gate_prelude.before(["--policy", "p.yaml"])
    gate_prelude.before(["--evidence"])
    assert seen == [[Path("a"), Path("b")]]


def test_a_lazy_group_runs_a_prelude_once_before_loading_the_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(gate_prelude, "before", calls.append)
    group = LazyGroup(name="g")

    @click.command()
    @click.argument("words", nargs=-1)
    def hello(words: tuple[str, ...]) -> None:
        click.echo(" ".join(words))

    group.add_command(hello, "hello")
    group.preludes["hello"] = "golive.cli.gate_prelude:before"
    result = CliRunner().invoke(group, ["hello", "a", "b"])
    assert result.output == "a b\n"
    assert calls == [["a", "b"]]
