"""Sharing out the work of writing a long decision never changes a byte of it.

Rows are shared with a worker only when they are written in Python; the compiled writer
writes them alone (faster than two processes and a pipe)."""

from __future__ import annotations

import pytest
from gate_support import policy, run, write

from golive.services import gate as gate_service


def _sarif(results: int) -> dict[str, object]:
    return {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "CodeQL", "rules": [{"id": "R1"}, {"id": "R2"}]}},
                "results": [
                    {
                        "ruleId": f"R{1 + i % 2}",
                        "level": ["error", "warning", "note"][i % 3],
                        "message": {"text": f"finding {i} \u00e9\u4e2d"},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": f"src/m{i}.py"},
                                    "region": {"startLine": i + 1},
                                }
                            }
                        ],
                    }
                    for i in range(results)
                ],
            }
        ],
    }


@pytest.mark.parametrize("results", [21, 22, 57])
def test_rows_written_by_two_processes_equal_rows_written_by_one(
    tmp_path, monkeypatch, results
) -> None:
    write(tmp_path / "ev", "scan.sarif", _sarif(results))
    loaded = policy("- id: security\n  type: security\n  params:\n    sast: {max_severity: high}\n")
    decision = run(loaded, tmp_path / "ev")
    alone = decision.to_json()
    assert alone.count('"part": "sast"') == results
    monkeypatch.setattr(gate_service, "PARALLEL_ROWS", 2)
    monkeypatch.setattr(gate_service.native, "enabled", lambda: False)
    monkeypatch.setattr(gate_service.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(gate_service.reading, "may_fork", lambda: True)
    forks = []
    real_fork = gate_service.os.fork

    def counted_fork() -> int:
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(gate_service.os, "fork", counted_fork)
    shared = "".join(decision.iter_json(gate_service.rows_in_parallel))
    assert forks, "the rows were shared with a worker"
    assert shared == alone


def test_a_server_thread_keeps_the_writing_in_one_process(tmp_path, monkeypatch) -> None:
    import threading

    write(tmp_path / "ev", "scan.sarif", _sarif(30))
    loaded = policy("- id: security\n  type: security\n  params:\n    sast: {}\n")
    decision = run(loaded, tmp_path / "ev")
    monkeypatch.setattr(gate_service, "PARALLEL_ROWS", 2)
    monkeypatch.setattr(gate_service.native, "enabled", lambda: False)
    monkeypatch.setattr(gate_service.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(gate_service.os, "fork", lambda: pytest.fail("forked beside a thread"))
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        shared = "".join(decision.iter_json(gate_service.rows_in_parallel))
    finally:
        stop.set()
        other.join()
    assert shared == decision.to_json()


def test_a_worker_that_fails_leaves_its_rows_to_this_process(tmp_path, monkeypatch) -> None:
    write(tmp_path / "ev", "scan.sarif", _sarif(30))
    loaded = policy("- id: security\n  type: security\n  params:\n    sast: {}\n")
    decision = run(loaded, tmp_path / "ev")
    alone = decision.to_json()
    monkeypatch.setattr(gate_service, "PARALLEL_ROWS", 2)
    monkeypatch.setattr(gate_service.native, "enabled", lambda: False)
    monkeypatch.setattr(gate_service.os, "cpu_count", lambda: 2)
    real_open = open

    def failing_open(file, mode="r", *args, **kwargs):  # the worker's pipe cannot be written
        if mode == "wb" and isinstance(file, int):
            raise OSError("no space")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", failing_open)
    monkeypatch.setattr(gate_service.reading, "may_fork", lambda: True)
    shared = "".join(decision.iter_json(gate_service.rows_in_parallel))
    assert shared == alone


def test_compiled_rows_are_written_by_this_process_alone(tmp_path, monkeypatch) -> None:
    if not gate_service.native.enabled():
        pytest.skip("golive._native is not built")
    write(tmp_path / "ev", "scan.sarif", _sarif(30))
    loaded = policy("- id: security\n  type: security\n  params:\n    sast: {}\n")
    decision = run(loaded, tmp_path / "ev")
    monkeypatch.setattr(gate_service, "PARALLEL_ROWS", 2)
    monkeypatch.setattr(gate_service.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(gate_service.reading, "may_fork", lambda: True)
    monkeypatch.setattr(gate_service.os, "fork", lambda: pytest.fail("forked"))
    assert "".join(decision.iter_json(gate_service.rows_in_parallel)) == decision.to_json()
