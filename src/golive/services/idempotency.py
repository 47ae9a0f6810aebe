"""Run a write exactly once per idempotency key, and record every publish attempt.

The key is claimed, the work done, the answer stored and the attempt recorded in
one transaction: either all of it is durable, or none of it is and a retry with
the same key starts afresh. A retry whose body hashes the same gets the first
answer back, byte for byte (a *replay*); the same key with a different body is
a :class:`~golive.errors.Conflict` (an idempotency *collision*), recorded as an
attempt and changing nothing else.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from golive.errors import Conflict
from golive.services.access import Principal
from golive.storage.unit_of_work import UnitOfWork

MAX_KEY_LENGTH = 200


@dataclass(frozen=True, slots=True)
class Answer:
    """What the server answered: status, JSON body bytes, and how it came about."""

    status: int
    body: bytes
    replayed: bool
    records: int


@dataclass(frozen=True, slots=True)
class Work:
    """The outcome of the work done under a key: status, JSON-able body, record count."""

    status: int
    body: dict[str, Any]
    records: int


def request_hash(payload: object) -> str:
    """SHA-256 of the canonical JSON of a request body (key order and spacing do not count)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()


def run_once(
    uow: UnitOfWork,
    principal: Principal,
    *,
    key: str,
    route: str,
    digest: str,
    work: Callable[[UnitOfWork], Work],
) -> Answer:
    """Do ``work`` once for (tenant, key); replay or refuse on later calls."""
    collision: str | None = None
    with uow:
        now = uow.clock()
        attempt = {
            "tenant_id": principal.tenant_id,
            "idempotency_key": key,
            "route": route,
            "actor": principal.actor,
            "request_hash": digest,
            "correlation_id": uow.correlation_id,
            "time": now,
        }
        if uow.idempotency.claim(principal.tenant_id, key, route, digest, now):
            done = work(uow)
            body = encode(done.body)
            uow.idempotency.answer(principal.tenant_id, key, done.status, body)
            uow.attempts.add(
                {
                    **attempt,
                    "outcome": "accepted",
                    "status_code": done.status,
                    "records": done.records,
                }
            )
            return Answer(done.status, body, replayed=False, records=done.records)
        stored = uow.idempotency.get(principal.tenant_id, key)
        assert stored is not None
        assert stored.status_code is not None
        if stored.request_hash == digest and stored.route == route:
            uow.attempts.add(
                {**attempt, "outcome": "replayed", "status_code": stored.status_code, "records": 0}
            )
            return Answer(stored.status_code, stored.response or b"", replayed=True, records=0)
        collision = (
            f"Idempotency-Key {key!r} was used before for a different request "
            f"({stored.route}); send a new key for a new request"
        )
        uow.attempts.add(
            {
                **attempt,
                "outcome": "collision",
                "status_code": 409,
                "records": 0,
                "detail": collision,
            }
        )
    raise Conflict(collision)


def record_rejected(
    uow: UnitOfWork,
    principal: Principal,
    *,
    key: str | None,
    route: str,
    status: int,
    detail: str,
) -> None:
    """Record an attempt refused before any work (invalid body, too large, no key)."""
    with uow:
        uow.attempts.add(
            {
                "tenant_id": principal.tenant_id,
                "idempotency_key": key,
                "route": route,
                "actor": principal.actor,
                "request_hash": None,
                "correlation_id": uow.correlation_id,
                "time": uow.clock(),
                "outcome": "rejected",
                "status_code": status,
                "records": 0,
                "detail": detail[:2000],
            }
        )
