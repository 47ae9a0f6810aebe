"""Every decision golive writes is a ``golive.decision/v1`` as docs/decision.schema.json says.

The example bundles, the waiver, debt and override tests validate their decisions too; this
one makes the widest decision the fixtures allow: every reader, every kind of finding and
status, tests and an unreadable file.
"""

from __future__ import annotations

import json

from gate_support import FIXTURES, assert_valid_decision, policy, run

WIDE = """
- id: tests
  type: tests_pass
- id: security
  type: security
  params:
    sast: {max_severity: medium}
    sca: {max_severity: medium}
    secrets: {max_severity: none}
    accept_native_suppressions: [semgrep]
"""


def test_the_widest_decision_of_the_fixtures_matches_the_schema() -> None:
    decision = run(policy(WIDE), FIXTURES)
    document = json.loads(decision.to_json())
    assert_valid_decision(document)
    findings = [f for c in document["checks"] for f in c["findings"]]
    assert {f["kind"] for f in findings} >= {"code", "vulnerability", "secret"}
    assert len({f["status"] for f in findings}) >= 3
    assert document["verdict"] == "blocked"
