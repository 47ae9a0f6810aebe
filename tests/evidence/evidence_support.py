"""Helpers shared by the evidence tests."""

from __future__ import annotations

import json
from pathlib import Path

from golive.core.findings import Evidence, ScanReport, TestReport
from golive.evidence import read_bytes, read_path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "evidence"
HANDMADE = FIXTURES / "handmade"


def scan(name: str) -> ScanReport:
    """A fixture read as a scan report; ``handmade/x`` or a real-tool fixture name."""
    ev = read_path(FIXTURES / name).evidence
    assert isinstance(ev, ScanReport)
    return ev


def junit_of(name: str) -> TestReport:
    ev = read_path(FIXTURES / name).evidence
    assert isinstance(ev, TestReport)
    return ev


def from_json(doc: object, source: str = "inline.json") -> Evidence:
    return read_bytes(json.dumps(doc).encode(), source)


def sarif_log(results: list[dict], rules: list[dict] | None = None, **run: object) -> dict:
    driver: dict[str, object] = {"name": "TestTool", "version": "1.0"}
    if rules is not None:
        driver["rules"] = rules
    return {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results, **run}],
    }
