"""The SARIF reader's fast paths give exactly what the full, checked path gives.

The fast path reads the common shape of a result with plain dict access (in C where
``golive._native`` is built, else in Python) and hands anything else to the full path. These
tests read every SARIF file the project has (real tools' output and hand-made cases) and
thousands of generated results every way and compare the facts, notes and errors.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from evidence_support import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golive import native
from golive.errors import EvidenceError
from golive.evidence import read_bytes, sarif

ROOT = Path(__file__).resolve().parents[2]
SARIF_FILES = sorted(
    [*FIXTURES.rglob("*.sarif"), *(ROOT / "examples" / "evidence").rglob("*.sarif")]
)


def _both_ways(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    """What the fast paths read (the compiled one and the Python one must agree), and what
    the full path reads."""

    def read() -> object:
        try:
            return read_bytes(data, "scan.sarif")
        except EvidenceError as exc:
            return ("error", str(exc))

    fast = read()
    with monkeypatch.context() as m:
        m.setattr(native, "enabled", lambda: False)  # the fast path in Python
        python_fast = read()
    assert fast == python_fast
    with monkeypatch.context() as m:
        m.setattr(sarif, "_FAST_KEYS", frozenset())  # every result takes the full path
        full = read()
    return fast, full


def test_the_project_has_sarif_files_to_compare() -> None:
    assert len(SARIF_FILES) >= 10


@pytest.mark.parametrize("path", SARIF_FILES, ids=lambda p: p.name)
def test_fast_path_reads_every_sarif_file_like_the_full_path(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, full = _both_ways(path.read_bytes(), monkeypatch)
    assert fast == full


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_fast_path_is_taken_for_plain_results(compiled: bool) -> None:
    if compiled and not native.enabled():
        pytest.skip("golive._native is not built")
    taken: list[int] = []
    original = sarif._Fast.finding
    original_compiled = sarif._Fast.compiled

    def spy(self: sarif._Fast, r: dict[str, object]) -> object:
        found = original(self, r)
        taken.append(found is not None)
        return found

    def compiled_spy(self: sarif._Fast, results: object) -> object:
        found = original_compiled(self, results)
        if found is not None:
            taken.extend(f is not None for f in found)
        return found

    log = _log([{"ruleId": "R1", "message": {"text": "m"}, "locations": [_loc("a.py", 3)]}])
    with pytest.MonkeyPatch.context() as m:
        m.setattr(sarif._Fast, "finding", spy)
        m.setattr(sarif._Fast, "compiled", compiled_spy)
        if not compiled:
            m.setattr(native, "enabled", lambda: False)
        read_bytes(json.dumps(log).encode(), "scan.sarif")
    assert taken == [True]


def _loc(uri: object, line: object, **extra: object) -> dict[str, object]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": uri, **extra},
            "region": {"startLine": line, "startColumn": 2},
        }
    }


def _log(
    results: list[object], tool: str = "CodeQL", rules: object = None, extensions: object = None
) -> dict[str, object]:
    if rules is None:
        rules = [
            {"id": "R1", "defaultConfiguration": {"level": "error"}},
            {"id": "R2", "properties": {"security-severity": "7.5", "tags": ["HIGH"]}},
            {"id": "CVE-2024-0001", "shortDescription": {"text": "a vulnerability"}},
        ]
    return {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {"name": tool, "rules": rules},
                    **({"extensions": extensions} if extensions is not None else {}),
                },
                "originalUriBaseIds": {"SRC": {"uri": "file:///work/src/"}},
                "results": results,
            }
        ],
    }


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 5),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["", "R1", "R2", "CVE-2024-0001", "note", "error", "bogus", "a\x1bb", "7.5"]),
    st.sampled_from(["\u00e9t\u00e9", "\ud800", "requires login", " Requires Login ", "x\x85"]),
    st.sampled_from([2**63, -(2**63) - 1, 2**70, 1.0, 2.5, "12", " 3 "]),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=4,
)
_uris = st.sampled_from(
    ["a.py", "src/b%20c.py", "file:///x/y.py", "https://h/z", "", "a\x07.py", "\u00fc/\ud800.py"]
)
_locations = st.one_of(
    st.lists(
        st.builds(
            _loc,
            _uris | _values,
            st.integers(0, 9) | _values,
            uriBaseId=st.sampled_from(["SRC", "NONE", ""]),
        ),
        max_size=2,
    ),
    _values,
)
_results = st.fixed_dictionaries(
    {"ruleId": st.sampled_from(["R1", "R2", "R3", "CVE-2024-0001", ""]) | _values},
    optional={
        "ruleIndex": st.integers(-1, 3) | _values,
        "level": st.sampled_from(["error", "warning", "note", "none", "", "fatal"]) | _values,
        "message": st.fixed_dictionaries({"text": st.sampled_from(["m", "", "x\x1by"]) | _values})
        | _values,
        "locations": _locations,
        "partialFingerprints": st.dictionaries(
            st.sampled_from(["a", "b"]), st.sampled_from(["1", "2"]) | _values, max_size=2
        )
        | _values,
        "fingerprints": st.dictionaries(st.sampled_from(["k"]), _values, max_size=1) | _values,
        "properties": st.fixed_dictionaries(
            {}, optional={"security-severity": _scalars, "purl": _scalars}
        )
        | _values,
        "kind": st.sampled_from(["fail", "pass", "open"]),
        "baselineState": st.sampled_from(["new", "absent", "unchanged"]),
    },
)


#: Rules the fast paths must read as the full path does: odd default configurations, a
#: duplicate id, security-severity of every type, gosec's and DevSkim's labels.
_ODD_RULES = [
    {"id": "R1", "defaultConfiguration": "error"},
    {"id": "R2", "defaultConfiguration": {"level": "fatal"}, "properties": {"tags": ["HIGH"]}},
    {"id": "R1", "defaultConfiguration": {"level": "note"}},
    {"id": "R3", "properties": {"security-severity": {"x": 1}, "DevSkimSeverity": "Critical"}},
    {"id": "R4", "properties": "none"},
]
_EXTENSIONS = [
    {"name": "ext", "rules": [{"id": "R3", "defaultConfiguration": {"level": "error"}}]},
    {"name": "ext2", "rules": [{"id": "R3", "properties": {"security-severity": "9.1"}}]},
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    results=st.lists(_results, min_size=1, max_size=4),
    tool=st.sampled_from(["CodeQL", "Trivy", "gitleaks", "Grype", "gosec", "DevSkim", "Semgrep"]),
    rules=st.sampled_from([None, _ODD_RULES]),
    extensions=st.sampled_from([None, _EXTENSIONS]),
)
def test_fast_path_matches_the_full_path_on_generated_results(
    results: list[dict[str, object]], tool: str, rules: object, extensions: object
) -> None:
    data = json.dumps(_log(list(results), tool, rules, extensions)).encode()
    with pytest.MonkeyPatch.context() as m:
        fast, full = _both_ways(data, m)
    assert fast == full
