"""Decisions on the server: decide on a candidate from stored facts, store, list.

The engine is the CLI's (:func:`golive.core.gate.decide`); the facts are what was
ingested for the candidate: evidence files (by deployable and version, or by
commit), approvals and sign-offs (by deployable and version), deployment records and
suite runs (of the deployable, any version: promotion asks where its digest went before
and how its suites ran there),
converted by :mod:`golive.records` into the values the gate's checks read. The
policy is a version published to the server: the one named by digest, else the newest.
Decisions are immutable rows (triggers refuse UPDATE and DELETE) and each is written
with its audit entry in one transaction. Decisions made locally by ``golive gate
--publish`` arrive through :func:`record_published` and are stored the same way,
marked ``published``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from golive import __version__
from golive.core.gate import (
    Candidate,
    CheckResult,
    Debt,
    EvidenceItem,
    Facts,
    Outcome,
    decide,
    settles,
)
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
    unavailable: frozenset[str] = frozenset()
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
        open_rows = u.debts.open_for(principal.tenant_id, request.environment, request.deployable)
        facts = dataclasses.replace(
            stored_facts(u, principal, request), debts=tuple(debt_from_row(r) for r in open_rows)
        )
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
        stored = _store(
            u,
            principal,
            document,
            source="server",
            policy_version_id=int(row["id"]),
            open_rows=open_rows,
            request=request_dict(request),
        )
        return Work(201, stored, 1)

    return run_once(
        uow, principal, key=key, route="POST /api/v1/decisions/evaluate", digest=digest, work=work
    )


def request_dict(request: EvaluateRequest) -> dict[str, Any]:
    """What the server was asked, as stored with its decision (for a replay to ask again)."""
    return {
        "environment": request.environment,
        "deployable": request.deployable,
        "version": request.version,
        "commit": request.commit,
        "digests": list(request.digests),
        "author": request.author,
        "unavailable": sorted(request.unavailable),
        "stage": request.stage,
    }


def request_from_dict(data: dict[str, Any]) -> EvaluateRequest:
    """:func:`request_dict` read back."""
    return EvaluateRequest(
        environment=data["environment"],
        deployable=data["deployable"],
        version=data["version"],
        commit=data.get("commit"),
        digests=tuple(data.get("digests") or ()),
        author=data.get("author"),
        unavailable=frozenset(data.get("unavailable") or ()),
        stage=data.get("stage") or "pre-deploy",
    )


def stored_facts(
    u: UnitOfWork,
    principal: Principal,
    request: EvaluateRequest,
    as_of: dt.datetime | None = None,
) -> Facts:
    """The stored facts for ``request``; with ``as_of``, only those received by then (what a
    decision made at ``as_of`` saw)."""

    def seen(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return rows if as_of is None else [r for r in rows if r["received_at"] <= as_of]

    rows = seen(
        u.records.for_subject("evidence", principal.tenant_id, request.deployable, request.version)
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
        for r in seen(u.records.for_subject("approvals", tenant, *subject))
        if r["environment"] in (None, request.environment)
    ]
    return Facts(
        candidate=candidate,
        evidence=tuple(items),
        unreadable=tuple(unreadable),
        unavailable=request.unavailable,
        # the store was asked: nothing stored is "none", not "not gathered"
        review=reviews.from_approvals(approvals, request.author),
        signoffs=signoffs.from_stored(
            seen(u.records.for_subject("signoffs", tenant, *subject)), candidate
        ),
        deployments=deployments.from_stored(
            seen(u.records.for_deployable("deployments", tenant, request.deployable)),
            seen(u.records.for_deployable("suite_runs", tenant, request.deployable)),
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
        deployable = (document.get("candidate") or {}).get("deployable") or ""
        stored = _store(
            u,
            principal,
            document,
            source="published",
            policy_version_id=int(found["id"]) if found else None,
            open_rows=u.debts.open_for(principal.tenant_id, document["environment"], deployable),
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
    open_rows: list[dict[str, Any]],
    request: dict[str, Any] | None = None,
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
        "request": request,
    }
    decision_id = u.decisions.add(values)
    settled, opened = _settle_and_open(u, principal, document, values, decision_id, open_rows)
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
            "debts_settled": [d["check_id"] for d in settled],
            "debts_opened": [d["check_id"] for d in opened],
        },
    )
    return view({**values, "id": decision_id}, settled + opened)


def debt_from_row(row: dict[str, Any]) -> Debt:
    return Debt(str(row["check_id"]), row["opened_at"], f"decision:{row['opened_by']}")


def _checks(document: dict[str, Any]) -> tuple[CheckResult, ...]:
    """The checks of a decision document, as far as debts need them (id, outcome, debt)."""
    out = []
    for c in document.get("checks") or ():
        if not isinstance(c, dict) or not isinstance(c.get("id"), str):
            continue
        try:
            outcome = Outcome(c.get("outcome"))
        except ValueError:
            continue
        out.append(
            CheckResult(
                c["id"], str(c.get("type", "")), "", outcome, True, "", debt=bool(c.get("debt"))
            )
        )
    return tuple(out)


def _settle_and_open(
    u: UnitOfWork,
    principal: Principal,
    document: dict[str, Any],
    values: dict[str, Any],
    decision_id: int,
    open_rows: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Settle the open debts this decision settles (the engine's rule, :func:`settles`) and
    open one for each check it let pass with a debt, unless that check's debt is still open."""
    checks = _checks(document)
    open_debts = [debt_from_row(r) for r in open_rows]
    settled_debts = settles(tuple(open_debts), checks)
    settled = [r for r, d in zip(open_rows, open_debts, strict=True) if d in settled_debts]
    u.debts.settle(
        principal.tenant_id, [r["id"] for r in settled], decision_id, values["decided_at"]
    )
    still = {r["check_id"] for r in open_rows if r not in settled}
    opened = []
    for check in checks:
        if check.debt and check.id not in still:
            row = {
                "tenant_id": principal.tenant_id,
                "environment": values["environment"],
                "deployable": values["deployable"],
                "check_id": check.id,
                "opened_by": decision_id,
                "opened_at": values["now"],
            }
            opened.append({**row, "id": u.debts.open(row), "settled_by": None, "settled_at": None})
    settled = [
        {**r, "settled_by": decision_id, "settled_at": values["decided_at"]} for r in settled
    ]
    return settled, opened


def debt_view(row: dict[str, Any]) -> dict[str, Any]:
    """A stored debt as the API shows it."""
    return {
        "id": row["id"],
        "check": row["check_id"],
        "environment": row["environment"],
        "deployable": row["deployable"],
        "state": "open" if row["settled_by"] is None else "settled",
        "opened_by": row["opened_by"],
        "opened_at": row["opened_at"].isoformat(),
        "settled_by": row["settled_by"],
        "settled_at": row["settled_at"].isoformat() if row["settled_at"] else None,
    }


def list_debts(
    uow: UnitOfWork,
    principal: Principal,
    *,
    state: str,
    environment: str | None,
    deployable: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    principal.require("decisions:read")
    with uow.reading():
        rows = uow.debts.find(
            principal.tenant_id,
            state=state,
            environment=environment,
            deployable=deployable,
            limit=limit,
        )
    return [debt_view(r) for r in rows]


def view(row: dict[str, Any], debts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A stored decision as the API shows it, with the debts it settled and opened."""
    mine = debts or []
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
        "request": row.get("request"),
        "debts": {
            "settled": [debt_view(d) for d in mine if d["settled_by"] == row["id"]],
            "opened": [debt_view(d) for d in mine if d["opened_by"] == row["id"]],
        },
    }


def get(uow: UnitOfWork, principal: Principal, decision_id: int) -> dict[str, Any]:
    principal.require("decisions:read")
    with uow.reading():
        row = uow.decisions.get(principal.tenant_id, decision_id)
        debts = uow.debts.find(principal.tenant_id, state="all", decision_ids=[decision_id])
    if row is None:
        raise NotFound(f"decision: no decision {decision_id}")
    return view(row, debts)


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
        debts = uow.debts.find(
            principal.tenant_id, state="all", decision_ids=[r["id"] for r in rows], limit=100_000
        )
    return [view(r, debts) for r in rows]
