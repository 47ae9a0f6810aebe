"""Helpers shared by the gate tests: policies from text, evidence from values, decisions."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime
from pathlib import Path

from golive.core.gate import Candidate, Decision, Facts, Waiver, decide
from golive.core.policy.loader import LoadedPolicy, load_policy_text
from golive.services.gate import gather_evidence

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "evidence"
HANDMADE = FIXTURES / "handmade"
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def policy(gates: str, extra: str = "") -> LoadedPolicy:
    """A policy with one environment, ``production``, and the given gates (YAML list items)."""
    text = (
        "apiVersion: golive/v1\n"
        "metadata: {name: test-policy}\n"
        "roles:\n"
        "  - id: security-lead\n"
        "    members: [sam]\n"
        "  - id: developer\n"
        "environments:\n"
        "  - id: production\n"
        "  - id: staging\n"
        "gates:\n" + textwrap.indent(textwrap.dedent(gates).strip() + "\n", "  ") + extra
    )
    return load_policy_text(text, "policy.yaml")


def write(directory: Path, name: str, content: object) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content), encoding="utf-8")
    return path


def run(
    loaded: LoadedPolicy,
    *paths: Path,
    now: datetime = NOW,
    environment: str = "production",
    candidate: Candidate | None = None,
    waivers: tuple[Waiver, ...] = (),
    unavailable: frozenset[str] = frozenset(),
    roster: dict[str, tuple[str, ...]] | None = None,
    stage: str = "pre-deploy",
) -> Decision:
    """Gather evidence from ``paths`` and decide, as ``golive gate`` does."""
    items, notes, unreadable = gather_evidence(list(paths))
    facts = Facts(
        candidate=candidate or Candidate(),
        evidence=tuple(items),
        waivers=waivers,
        roster=roster,
        unavailable=unavailable,
        unreadable=tuple(unreadable),
    )
    return decide(
        loaded.policy,
        environment=environment,
        facts=facts,
        now=now,
        policy_digest=loaded.digest,
        golive_version="test",
        stage=stage,
        notes=tuple(notes),
    )


def check(decision: Decision, gate_id: str):  # type: ignore[no-untyped-def]
    return next(c for c in decision.checks if c.id == gate_id)


def sarif(
    results: list[dict],
    *,
    tool: str = "TestTool",
    rules: list[dict] | None = None,
    successful: bool | None = None,
    **run: object,
) -> dict:
    driver: dict[str, object] = {"name": tool, "version": "1.0"}
    if rules is not None:
        driver["rules"] = rules
    body: dict[str, object] = {"tool": {"driver": driver}, "results": results, **run}
    if successful is not None:
        body["invocations"] = [{"executionSuccessful": successful}]
    return {"version": "2.1.0", "runs": [body]}


def result(rule: str, level: str = "error", path: str = "app.py", line: int = 1, **extra: object):
    return {
        "ruleId": rule,
        "level": level,
        "message": {"text": f"{rule} found"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": path},
                    "region": {"startLine": line},
                }
            }
        ],
        **extra,
    }


def waiver(**fields: object) -> Waiver:
    base: dict[str, object] = {
        "id": "W-1",
        "check": "security",
        "reason": "not reachable from our code",
        "ticket": "SEC-1",
        "approved_by": "sam",
        "role": "security-lead",
        "created": "2026-11-20T00:00:00Z",
        "expires": "2026-12-01T00:00:00Z",
    }
    base.update(fields)
    return Waiver.model_validate(base)


_DECISION_SCHEMA: dict[str, object] | None = None


def assert_valid_decision(document: object) -> None:
    """``document`` is a ``golive.decision/v1`` as docs/decision.schema.json describes it."""
    global _DECISION_SCHEMA
    import jsonschema

    if _DECISION_SCHEMA is None:
        path = Path(__file__).resolve().parents[2] / "docs" / "decision.schema.json"
        _DECISION_SCHEMA = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(document, _DECISION_SCHEMA)
