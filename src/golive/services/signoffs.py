"""Record a sign-off of a checklist item for a release candidate, from a person.

The console's sign-off form calls :func:`record`. The sign-off is stored as a
``signoffs`` record through :func:`golive.services.ingest.ingest`, so it is the same
row the ingestion API writes, stored once per idempotency key and with its audit entry
(``signoffs.ingested``) in the same transaction. Only roles that hold ``records:write``
may sign off (the one table in :mod:`golive.services.access`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from golive.errors import UsageError
from golive.services import ingest
from golive.services.access import Principal
from golive.services.idempotency import Answer, request_hash
from golive.storage.unit_of_work import UnitOfWork

#: The repository sign-offs made in the console are filed under.
REPOSITORY = "golive-console"
_TEXT = re.compile(r"^[^\x00-\x1f\x7f]{1,200}$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._/@:+-]")


@dataclass(frozen=True)
class SignOff:
    deployable: str
    version: str
    checklist: str
    item: str


def record(uow: UnitOfWork, who: Principal, signoff: SignOff, *, nonce: str) -> Answer:
    """Store ``signoff`` by ``who`` now, once per form ``nonce``; its audit entry commits
    with it. The idempotency key, and so the entry's subject (``batch:<key>``), names what
    was signed: ``signoff:app@1.4.2:go-live/rollback-tested:<nonce>``."""
    who.require("records:write")
    for name in ("deployable", "version", "checklist", "item"):
        value = getattr(signoff, name)
        if not isinstance(value, str) or not _TEXT.match(value.strip()):
            raise UsageError(f"{name}: give 1 to 200 printable characters")
    row = {
        "checklist": signoff.checklist.strip(),
        "item": signoff.item.strip(),
        "deployable": signoff.deployable,
        "version": signoff.version,
        "signer": who.actor,
        "time": uow.clock(),
    }
    key = _key(signoff, nonce)
    return ingest.ingest(
        uow,
        who,
        kind="signoffs",
        repository=REPOSITORY,
        records=[row],
        key=key,
        digest=request_hash({k: v for k, v in row.items() if k != "time"}),
    )


def _key(signoff: SignOff, nonce: str) -> str:
    text = (
        f"signoff:{signoff.deployable}@{signoff.version}:"
        f"{signoff.checklist.strip()}/{signoff.item.strip()}"
    )
    readable = _UNSAFE.sub("-", text)[:160]
    return f"{readable}:{_UNSAFE.sub('-', nonce)[:32]}"
