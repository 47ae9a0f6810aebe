"""``min_versions``: a report from a scanner older than the policy pins is an error (case 43)."""

from __future__ import annotations

from pathlib import Path

import pytest
from gate_support import check, policy, result, run, sarif, write

from golive.core.gate import Outcome
from golive.core.gate.tool_versions import version_key
from golive.errors import PolicyError

PINNED = """
- id: security
  type: security
  params:
    sast: {max_severity: medium, min_versions: {scanner: "1.30.0"}}
"""
UNPINNED = """
- id: security
  type: security
  params:
    sast: {max_severity: medium}
"""


def _report(tmp_path: Path, version: str | None, findings: list[dict]) -> Path:
    doc = sarif(findings, tool="scanner", successful=True)
    driver = doc["runs"][0]["tool"]["driver"]
    if version is None:
        del driver["version"]
    else:
        driver["version"] = version
    return write(tmp_path, f"scan-{version}.sarif", doc)


def test_a_scanner_upgrade_that_flips_the_verdict_is_caught_by_a_pinned_minimum_case_43(
    tmp_path: Path,
) -> None:
    # the old scanner misses the rule the new one applies: unpinned, the old report passes
    old = _report(tmp_path, "1.29.0", [])
    new = _report(tmp_path, "1.30.0", [result("NEW-RULE", "error")])
    assert check(run(policy(UNPINNED), old), "security").outcome is Outcome.PASS
    assert check(run(policy(UNPINNED), new), "security").outcome is Outcome.FAIL
    # pinned at 1.30.0, the old report is an error naming both versions, never a pass
    res = check(run(policy(PINNED), old), "security")
    assert res.outcome is Outcome.ERROR
    assert res.summary == (
        "sast: scan-1.29.0.sarif: made by scanner 1.29.0, older than 1.30.0, the oldest version "
        "the policy accepts (min_versions)"
    )
    assert "by scanner >= 1.30.0" in res.rule
    assert check(run(policy(PINNED), new), "security").outcome is Outcome.FAIL


@pytest.mark.parametrize(
    ("version", "outcome", "words"),
    [
        ("1.30.0", Outcome.PASS, ""),
        ("v1.30", Outcome.PASS, ""),
        ("1.31.2", Outcome.PASS, ""),
        ("2.0", Outcome.PASS, ""),
        ("1.29.9", Outcome.ERROR, "made by scanner 1.29.9, older than 1.30.0"),
        ("1.30.0-rc1", Outcome.ERROR, "made by scanner 1.30.0-rc1, older than 1.30.0"),
        ("1.3", Outcome.ERROR, "made by scanner 1.3, older than 1.30.0"),
        (None, Outcome.ERROR, "made by scanner of an unknown version (none recorded)"),
        ("nightly", Outcome.ERROR, "made by scanner of an unknown version (nightly)"),
    ],
)
def test_case_43_each_reported_version_is_compared_with_the_pinned_minimum(
    tmp_path: Path, version: str | None, outcome: Outcome, words: str
) -> None:
    res = check(run(policy(PINNED), _report(tmp_path, version, [])), "security")
    assert res.outcome is outcome, res.reasons
    assert words in " ".join(res.reasons)


def test_case_43_a_pin_names_its_tool_case_insensitively_and_leaves_other_tools_alone(
    tmp_path: Path,
) -> None:
    pinned_other = PINNED.replace("scanner:", "Other-Tool:")
    res = check(run(policy(pinned_other), _report(tmp_path, "0.1", [])), "security")
    assert res.outcome is Outcome.PASS
    pinned_upper = PINNED.replace("scanner:", "SCANNER:")
    res = check(run(policy(pinned_upper), _report(tmp_path, "0.1", [])), "security")
    assert res.outcome is Outcome.ERROR


@pytest.mark.parametrize("pin", ["latest", "1.30.x", '""'])
def test_case_43_a_pinned_version_that_is_not_a_version_is_refused_when_the_policy_loads(
    pin: str,
) -> None:
    with pytest.raises(PolicyError):
        policy(PINNED.replace('"1.30.0"', pin))


@pytest.mark.parametrize(
    ("older", "newer"),
    [("1.29.0", "1.30.0"), ("1.9", "1.10"), ("v8.25.9", "8.26"), ("1.0.0-rc1", "1.0.0")],
)
def test_versions_compare_by_their_numbers(older: str, newer: str) -> None:
    a, b = version_key(older), version_key(newer)
    assert a is not None
    assert b is not None
    assert a < b
    assert version_key("v1.30") == version_key("1.30.0")
