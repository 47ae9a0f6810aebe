"""Replay: what would another policy have decided on the releases the server decided?

Before a policy change is enforced, its authors want to know what it would have stopped. A
replay takes the decisions the server made from stored facts, asks each one's question again
(the same candidate, environment, stage, author and unavailable sources, at the same ``now``,
with the facts received by the time it was decided and the debts then open) under the new
policy, and reports every decision whose verdict or check outcomes would change. Nothing is
stored: a replay is a read.

Decisions published by ``golive gate --publish`` are listed as skipped: they were decided in
CI from facts the server does not hold (the git history, local files). Decisions stored
before the server kept its requests (migration 0006) are replayed without the author and the
unavailable sources, and say so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from golive import __version__
from golive.core.gate import decide
from golive.core.policy.loader import LoadedPolicy, load_policy_text
from golive.errors import UsageError
from golive.services.access import Principal
from golive.services.decisions import (
    EvaluateRequest,
    debt_from_row,
    request_from_dict,
    stored_facts,
)
from golive.storage.unit_of_work import UnitOfWork

SCHEMA = "golive.replay/v1"
_PUBLISHED = (
    "decided by golive gate in CI and published: the server does not hold the git history and "
    "local files it was decided from"
)
_APPROXIMATE = (
    "stored before the server kept its requests: replayed without the candidate's author and "
    "the unavailable sources"
)


@dataclass(frozen=True)
class ReplayRequest:
    """Which stored decisions to replay (the filters of ``GET /api/v1/decisions``)."""

    environment: str | None = None
    deployable: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    limit: int = 100


def replay(
    uow: UnitOfWork, principal: Principal, *, source: str, file: str, request: ReplayRequest
) -> dict[str, Any]:
    """Decide again, under the policy ``source``, every stored decision ``request`` selects.

    An invalid policy is a :class:`~golive.errors.PolicyError` naming ``file``, line and field.
    """
    principal.require("decisions:read")
    loaded = load_policy_text(source, file)
    results: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    with uow.reading():
        rows = uow.decisions.find(
            principal.tenant_id,
            environment=request.environment,
            deployable=request.deployable,
            since=request.since,
            until=request.until,
            limit=request.limit,
        )
        for row in rows:
            if row["source"] != "server":
                skipped.append({"decision_id": row["id"], "reason": _PUBLISHED})
                continue
            try:
                results.append(_replay_one(uow, principal, loaded, row))
            except UsageError as exc:  # e.g. the policy no longer has that environment
                skipped.append({"decision_id": row["id"], "reason": str(exc)})
    changed = [r for r in results if r["changed"]]
    return {
        "schema": SCHEMA,
        "policy": {"name": loaded.policy.metadata.name, "digest": loaded.digest},
        "replayed": len(results),
        "changed": len(changed),
        "newly_blocked": sum(1 for r in changed if r["would_be"]["verdict"] == "blocked"),
        "newly_passing": sum(1 for r in changed if r["was"]["verdict"] == "blocked"),
        "results": results,
        "skipped": skipped,
    }


def _replay_one(
    uow: UnitOfWork, principal: Principal, loaded: LoadedPolicy, row: dict[str, Any]
) -> dict[str, Any]:
    stored = row.get("request")
    request = request_from_dict(stored) if stored else _from_document(row)
    facts = stored_facts(uow, principal, request, as_of=row["decided_at"])
    open_rows = uow.debts.open_before(
        principal.tenant_id, row["environment"], row["deployable"], row["id"]
    )
    facts = dataclasses.replace(facts, debts=tuple(debt_from_row(r) for r in open_rows))
    decision = decide(
        loaded.policy,
        environment=row["environment"],
        facts=facts,
        now=row["now"],
        policy_digest=loaded.digest,
        golive_version=__version__,
        stage=request.stage,
        notes=(f"replayed decision {row['id']} under another policy",),
    )
    document: dict[str, Any] = row["document"]
    before = {c["id"]: c["outcome"] for c in document.get("checks", [])}
    after = {c.id: c.outcome.value for c in decision.checks}
    checks = [
        {"id": check_id, "was": before.get(check_id), "would_be": after.get(check_id)}
        for check_id in sorted(before.keys() | after.keys())
        if before.get(check_id) != after.get(check_id)
    ]
    was_blocking = sorted(document.get("summary", {}).get("blocking", []))
    result: dict[str, Any] = {
        "decision_id": row["id"],
        "environment": row["environment"],
        "deployable": row["deployable"],
        "version": row["version"],
        "now": row["now"].isoformat(),
        "was": {
            "verdict": document["verdict"],
            "policy_digest": row["policy_digest"],
            "blocking": was_blocking,
        },
        "would_be": {
            "verdict": decision.verdict.value,
            "blocking": sorted(c.id for c in decision.blocking_checks),
        },
        "changed": decision.verdict.value != document["verdict"],
        "checks": checks,
    }
    if not stored:
        result["note"] = _APPROXIMATE
    return result


def _from_document(row: dict[str, Any]) -> EvaluateRequest:
    """The request of a decision stored without one, from what its document records."""
    document: dict[str, Any] = row["document"]
    candidate = document.get("candidate") or {}
    return EvaluateRequest(
        environment=row["environment"],
        deployable=row["deployable"],
        version=row["version"],
        commit=candidate.get("commit"),
        digests=tuple(candidate.get("digests") or ()),
        stage=document.get("stage") or "pre-deploy",
    )
