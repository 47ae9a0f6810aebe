"""Ingestion: batches of evidence files, deployment records, suite runs, approvals, sign-offs.

Each batch is stored exactly once per ``Idempotency-Key`` (see
:mod:`golive.services.idempotency`), with one audit ledger entry in the same
transaction naming the batch, its records and, for evidence, each file's SHA-256.
Input arrives validated by the entry point (the API schemas); this module adds
the tenant, repository, batch key and receipt time, checks evidence digests,
and recognises evidence formats.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from golive.errors import EvidenceError, UsageError
from golive.evidence.detect import detect
from golive.services.access import Principal
from golive.services.idempotency import Answer, Work, run_once
from golive.storage.unit_of_work import UnitOfWork

KINDS = ("evidence", "deployments", "suite_runs", "approvals", "signoffs")


def ingest(
    uow: UnitOfWork,
    principal: Principal,
    *,
    kind: str,
    repository: str,
    records: Sequence[Mapping[str, Any]],
    key: str,
    digest: str,
) -> Answer:
    """Store one batch of ``kind`` records for ``repository``, once per ``key``."""
    principal.require("records:write")
    if kind not in KINDS:
        raise UsageError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    prepared = [_prepare(kind, i, r) for i, r in enumerate(records)]

    def work(u: UnitOfWork) -> Work:
        now = u.clock()
        repo_id = u.tenants.repository_id(principal.tenant_id, repository, now)
        rows = [
            {
                **r,
                "tenant_id": principal.tenant_id,
                "repository_id": repo_id,
                "batch_key": key,
                "received_at": now,
            }
            for r in prepared
        ]
        ids = u.records.add_many(kind, rows)
        payload: dict[str, Any] = {
            "kind": kind,
            "repository": repository,
            "records": len(ids),
            "first_id": ids[0] if ids else None,
            "last_id": ids[-1] if ids else None,
            "request_sha256": digest,
        }
        if kind == "evidence":
            payload["files"] = [{"name": r["name"], "sha256": r["sha256"]} for r in prepared]
        u.audit(
            tenant=principal.tenant,
            actor=principal.actor,
            action=f"{kind}.ingested",
            subject=f"batch:{key}",
            payload=payload,
        )
        body = {
            "batch": key,
            "kind": kind,
            "repository": repository,
            "accepted": len(ids),
            "ids": ids,
            "received_at": now.isoformat(),
        }
        return Work(201, body, len(ids))

    route = f"POST /api/v1/{path_of(kind)}"
    return run_once(uow, principal, key=key, route=route, digest=digest, work=work)


def path_of(kind: str) -> str:
    """The API path segment of a kind (``suite_runs`` is ``suite-runs``)."""
    return kind.replace("_", "-")


def _prepare(kind: str, index: int, record: Mapping[str, Any]) -> dict[str, Any]:
    if kind == "approvals":
        out = dict(record)
        out["commit_sha"] = out.pop("commit", None)
        return out
    if kind == "signoffs":
        return {**record, "checklist": record.get("checklist") or ""}
    if kind != "evidence":
        return dict(record)
    content: bytes = record["content"]
    sha = hashlib.sha256(content).hexdigest()
    claimed = record.get("sha256")
    if claimed and claimed.removeprefix("sha256:").lower() != sha:
        raise UsageError(
            f"records[{index}].sha256: the content hashes to {sha}, not {claimed}; "
            "the file was changed or truncated on the way"
        )
    try:
        fmt: str | None = detect(content, record["name"]).format
    except EvidenceError:
        fmt = None
    return {
        "name": record["name"],
        "format": fmt,
        "commit_sha": record.get("commit"),
        "deployable": record.get("deployable"),
        "version": record.get("version"),
        "sha256": sha,
        "size": len(content),
        "content": content,
    }


def get_record(uow: UnitOfWork, principal: Principal, kind: str, record_id: int) -> dict[str, Any]:
    from golive.errors import NotFound

    principal.require("records:read")
    with uow.reading():
        row = uow.records.get(kind, principal.tenant_id, record_id)
    if row is None:
        raise NotFound(f"{kind}: no record {record_id}")
    return row


def list_records(
    uow: UnitOfWork,
    principal: Principal,
    kind: str,
    *,
    filters: Mapping[str, str],
    limit: int,
    after_id: int,
) -> list[dict[str, Any]]:
    principal.require("records:read")
    with uow.reading():
        return uow.records.find(
            kind, principal.tenant_id, filters=filters, limit=limit, after_id=after_id
        )


def list_attempts(uow: UnitOfWork, principal: Principal, limit: int) -> list[dict[str, Any]]:
    principal.require("audit:read")
    with uow.reading():
        return uow.attempts.find(principal.tenant_id, limit=limit)
