"""Decisions on the server: decide on a candidate from stored facts, store, list.

The engine is the CLI's (:func:`golive.core.gate.decide`); the facts are what was
ingested for the candidate: evidence files (by deployable and version, or by
commit), approvals and sign-offs (by deployable and version) and deployment records
(of the deployable, any version: promotion asks where its digest went before),
converted by :mod:`golive.records` into the values the gate's checks read. The
policy is a version published to the server: the one named by digest, else the newest.
Decisions are immutable rows (triggers refuse UPDATE and DELETE) and each is written
with its audit entry in one transaction. Decisions made locally by ``golive gate
--publish`` arrive through :func:`record_published` and are stored the same way,
marked ``published``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from golive import __version__
from golive.core.gate import Candidate, EvidenceItem, Facts, decide
from golive.errors import EvidenceError, NotFound, UsageError
from golive.evidence import read_bytes
from golive.records import deployments, reviews, signoffs
from golive.services.access import Principal
from golive.services.gate import evidence_item, parse_time
from golive.services.idempotency import Answer, Work, run_once
from golive.services.policy_store import load_version
from golive.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class EvaluateRequest:
    environment: str
    deployable: str
    version: str
    commit: str | None = None
    digests: tuple[str, ...] = ()
    author: str | None = None
    stage: str = "pre-deploy"
    policy_digest: str | None = None
    now: dt.datetime | None = None


def evaluate(
    uow: UnitOfWork, principal: Principal, request: EvaluateRequest, *, key: str, digest: str
) -> Answer:
    """Decide on the candidate from stored facts; store the decision once per ``key``."""
    principal.require("decisions:evaluate")

    def work(u: UnitOfWork) -> Work:
        if request.policy_digest:
            row = u.policies.by_digest(principal.tenant_id, request.policy_digest)
            if row is None:
                raise NotFound(f"policy_digest: no policy version {request.policy_digest}")
        else:
            row = u.policies.latest(principal.tenant_id)
            if row is None:
                raise NotFound("policy: this tenant has no published policy; golive policy publish")
        loaded = load_version(row)
        now = request.now or u.clock()
        facts = _facts(u, principal, request)
        decision = decide(
            loaded.policy,
            environment=request.environment,
            facts=facts,
            now=now,
            policy_digest=loaded.digest,
            golive_version=__version__,
            stage=request.stage,
            notes=("decided by the golive server from stored facts",),
        )
        document = decision.to_dict()
        stored = _store(u, principal, document, source="server", policy_version_id=int(row["id"]))
        return Work(201, stored, 1)

    return run_once(
        uow, principal, key=key, route="POST /api/v1/decisions/evaluate", digest=digest, work=work
    )


def _facts(u: UnitOfWork, principal: Principal, request: EvaluateRequest) -> Facts:
    rows = u.records.for_subject(
        "evidence", principal.tenant_id, request.deployable, request.version
    )
    if request.commit:
        rows = [r for r in rows if r["commit_sha"] in (None, request.commit)]
    items: list[EvidenceItem] = []
    unreadable: list[str] = []
    for r in rows:
        try:
            evidence = read_bytes(r["content"], r["name"])
        except EvidenceError as exc:
            unreadable.append(f"{r['name']}: {exc.detail}")
            continue
        items.append(evidence_item(r["name"], r["sha256"], evidence, r["received_at"]))
    items.sort(key=lambda i: i.path)
    candidate = Candidate(
        commit=request.commit,
        digests=request.digests,
        deployable=request.deployable,
        version=request.version,
        author=request.author,
    )
    tenant, subject = principal.tenant_id, (request.deployable, request.version)
    approvals = [
        r
        for r in u.records.for_subject("approvals", tenant, *subject)
        if r["environment"] in (None, request.environment)
    ]
    return Facts(
        candidate=candidate,
        evidence=tuple(items),
        unreadable=tuple(unreadable),
        # the store was asked: nothing stored is "none", not "not gathered"
        review=reviews.from_approvals(approvals, request.author),
        signoffs=signoffs.from_stored(
            u.records.for_subject("signoffs", tenant, *subject), candidate
        ),
        deployments=deployments.from_stored(
            u.records.for_deployable("deployments", tenant, request.deployable)
        ),
    )


def record_published(
    uow: UnitOfWork, principal: Principal, document: dict[str, Any], *, key: str, digest: str
) -> Answer:
    """Store a decision the CLI made locally (``golive gate --publish``), once per ``key``."""
    principal.require("decisions:publish")
    _check_document(document)

    def work(u: UnitOfWork) -> Work:
        found = u.policies.by_digest(principal.tenant_id, document["policy"]["digest"])
        stored = _store(
            u,
            principal,
            document,
            source="published",
            policy_version_id=int(found["id"]) if found else None,
        )
        return Work(201, stored, 1)

    return run_once(
        uow, principal, key=key, route="POST /api/v1/decisions", digest=digest, work=work
    )


def _check_document(document: dict[str, Any]) -> None:
    def need(path: str, value: object) -> None:
        if not isinstance(value, str) or not value:
            raise UsageError(f"decision.{path}: required text is missing")

    need("verdict", document.get("verdict"))
    need("environment", document.get("environment"))
    need("now", document.get("now"))
    policy = document.get("policy")
    need("policy.digest", policy.get("digest") if isinstance(policy, dict) else None)
    if parse_time(document["now"]) is None:
        raise UsageError("decision.now: not an ISO-8601 time with offset")


def _store(
    u: UnitOfWork,
    principal: Principal,
    document: dict[str, Any],
    *,
    source: str,
    policy_version_id: int | None,
) -> dict[str, Any]:
    candidate = document.get("candidate") or {}
    values = {
        "tenant_id": principal.tenant_id,
        "source": source,
        "environment": document["environment"],
        "deployable": candidate.get("deployable") or "",
        "version": candidate.get("version") or "",
        "verdict": document["verdict"],
        "policy_digest": document["policy"]["digest"],
        "policy_version_id": policy_version_id,
        "now": parse_time(document["now"]),
        "decided_at": u.clock(),
        "decided_by": principal.actor,
        "correlation_id": u.correlation_id or "-",
        "document": document,
    }
    decision_id = u.decisions.add(values)
    u.audit(
        tenant=principal.tenant,
        actor=principal.actor,
        action="decision.recorded" if source == "server" else "decision.published",
        subject=f"decision:{decision_id}",
        payload={
            "verdict": values["verdict"],
            "environment": values["environment"],
            "deployable": values["deployable"],
            "version": values["version"],
            "policy_digest": values["policy_digest"],
            "source": source,
        },
    )
    return view({**values, "id": decision_id})


def view(row: dict[str, Any]) -> dict[str, Any]:
    """A stored decision as the API shows it."""
    return {
        "id": row["id"],
        "source": row["source"],
        "environment": row["environment"],
        "deployable": row["deployable"],
        "version": row["version"],
        "verdict": row["verdict"],
        "policy_digest": row["policy_digest"],
        "policy_version_id": row["policy_version_id"],
        "now": row["now"].isoformat(),
        "decided_at": row["decided_at"].isoformat(),
        "decided_by": row["decided_by"],
        "correlation_id": row["correlation_id"],
        "decision": row["document"],
    }


def get(uow: UnitOfWork, principal: Principal, decision_id: int) -> dict[str, Any]:
    principal.require("decisions:read")
    with uow.reading():
        row = uow.decisions.get(principal.tenant_id, decision_id)
    if row is None:
        raise NotFound(f"decision: no decision {decision_id}")
    return view(row)


def find(
    uow: UnitOfWork,
    principal: Principal,
    *,
    environment: str | None,
    deployable: str | None,
    verdict: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    limit: int,
) -> list[dict[str, Any]]:
    principal.require("decisions:read")
    with uow.reading():
        rows = uow.decisions.find(
            principal.tenant_id,
            environment=environment,
            deployable=deployable,
            verdict=verdict,
            since=since,
            until=until,
            limit=limit,
        )
    return [view(r) for r in rows]
