"""Facts survive the trip from a worker process: pickled and unpickled, they are equal."""

from __future__ import annotations

import pickle

import pytest
from evidence_support import FIXTURES, HANDMADE

from golive.evidence import read_path

FILES = [
    FIXTURES / "junit-pytest-rerunfailures.xml",
    FIXTURES / "cyclonedx-py-1.6.cdx.json",
    FIXTURES / "semgrep.sarif",
    HANDMADE / "sarif-suppressions.sarif",
    HANDMADE / "cyclonedx-vex-1.5.json",
    HANDMADE / "trivy.json",
    HANDMADE / "gitleaks.json",
]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_read_facts_round_trip_through_pickle(path):
    loaded = read_path(path)
    again = pickle.loads(pickle.dumps(loaded, protocol=pickle.HIGHEST_PROTOCOL))
    assert again == loaded
    assert hash(again.evidence) == hash(loaded.evidence)
