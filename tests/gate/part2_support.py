"""Helpers for the part-2 gate tests: whole policies from text, facts from values, one check."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from typing import Any

from golive.core.gate import Candidate, CheckResult, Decision, Facts, decide
from golive.core.policy.loader import LoadedPolicy, load_policy_text

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
DIGEST = "sha256:" + "ab" * 32
OTHER_DIGEST = "sha256:" + "cd" * 32
COMMIT = "3f2a9c1e" + "0" * 32

ROLES = """\
roles:
  - id: release-manager
    members: [rita]
  - id: sre
    members: [sam]
  - id: vp-engineering
    members: [victor]
  - id: developer
"""


def policy(body: str, name: str = "test-policy") -> LoadedPolicy:
    """A policy from ``body`` (YAML: environments, gates, and any other section)."""
    text = f"apiVersion: golive/v1\nmetadata: {{name: {name}}}\n" + textwrap.dedent(body)
    return load_policy_text(text, "policy.yaml")


def decision(
    loaded: LoadedPolicy,
    *,
    now: datetime = NOW,
    environment: str = "production",
    candidate: Candidate | None = None,
    stage: str = "pre-deploy",
    **facts: Any,
) -> Decision:
    return decide(
        loaded.policy,
        environment=environment,
        facts=Facts(candidate=candidate or Candidate(commit=COMMIT, digests=(DIGEST,)), **facts),
        now=now,
        policy_digest=loaded.digest,
        golive_version="test",
        stage=stage,
    )


def one(loaded: LoadedPolicy, gate_id: str, **kwargs: Any) -> CheckResult:
    """Decide and return the check ``gate_id``."""
    return next(c for c in decision(loaded, **kwargs).checks if c.id == gate_id)


def text_of(check: CheckResult) -> str:
    return "\n".join([check.summary, *check.reasons, *check.facts])
