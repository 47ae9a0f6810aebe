"""Policies on the server: publish a version (stored by digest), list, fetch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from golive.core.policy.loader import LoadedPolicy, load_policy_text
from golive.errors import NotFound
from golive.services.access import Principal
from golive.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Published:
    """The stored version; ``created`` is False when the digest was stored before."""

    id: int
    digest: str
    name: str
    created: bool


def publish(uow: UnitOfWork, principal: Principal, *, source: str, file: str) -> Published:
    """Validate ``source`` and store it by digest; the same policy twice is stored once."""
    principal.require("policies:publish")
    loaded = load_policy_text(source, file)
    name = loaded.policy.metadata.name
    with uow:
        found = uow.policies.by_digest(principal.tenant_id, loaded.digest)
        if found is not None:
            return Published(int(found["id"]), loaded.digest, found["name"], created=False)
        version_id = uow.policies.add(
            tenant_id=principal.tenant_id,
            digest=loaded.digest,
            name=name,
            source=source,
            now=uow.clock(),
            by=principal.actor,
        )
        uow.audit(
            tenant=principal.tenant,
            actor=principal.actor,
            action="policy.published",
            subject=f"policy:{loaded.digest}",
            payload={"name": name, "file": file, "version_id": version_id},
        )
    return Published(version_id, loaded.digest, name, created=True)


def list_versions(uow: UnitOfWork, principal: Principal) -> list[dict[str, Any]]:
    principal.require("policies:read")
    with uow.reading():
        return uow.policies.find(principal.tenant_id)


def get_version(uow: UnitOfWork, principal: Principal, digest: str) -> dict[str, Any]:
    principal.require("policies:read")
    with uow.reading():
        found = uow.policies.by_digest(principal.tenant_id, digest)
    if found is None:
        raise NotFound(f"policy: no version {digest}")
    return found


def load_version(row: dict[str, Any]) -> LoadedPolicy:
    return load_policy_text(row["source"], f"{row['name']}@{row['digest']}")
