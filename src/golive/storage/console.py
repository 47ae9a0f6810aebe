"""Read-only queries the admin console needs beyond the repositories: one page each.

Every query takes the tenant (id or name) and filters on it, like
:mod:`golive.storage.repositories`. Each one is bounded (``LIMIT``) and served by an
index, so a page stays fast with hundreds of thousands of audit entries.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from golive.storage.ledger import AnyRow, audit_entries
from golive.storage.tables import deployments


class ConsoleQueries:
    def __init__(self, connection: sa.Connection) -> None:
        self._c = connection

    def current_deployments(self, tenant_id: int) -> list[dict[str, Any]]:
        """The latest succeeded deployment of each (environment, deployable)."""
        latest = (
            sa.select(
                deployments.c.environment,
                deployments.c.deployable,
                sa.func.max(deployments.c.id).label("id"),
            )
            .where(deployments.c.tenant_id == tenant_id, deployments.c.status == "succeeded")
            .group_by(deployments.c.environment, deployments.c.deployable)
            .subquery()
        )
        rows = self._c.execute(
            sa.select(deployments)
            .join(latest, latest.c.id == deployments.c.id)
            .order_by(deployments.c.environment, deployments.c.deployable)
        ).all()
        return [dict(r._mapping) for r in rows]

    def audit_page(
        self,
        tenant: str,
        *,
        actor: str | None = None,
        action: str | None = None,
        correlation_id: str | None = None,
        since: str | None = None,
        until: str | None = None,
        before: int | None = None,
        limit: int = 50,
    ) -> list[AnyRow]:
        """The tenant's entries, newest first; ``since``/``until`` in the ledger's time spelling."""
        t = audit_entries
        query = sa.select(t).where(t.c.tenant == tenant)
        if actor:
            query = query.where(t.c.actor == actor)
        if action:
            query = query.where(t.c.action == action)
        if correlation_id:
            query = query.where(t.c.correlation_id == correlation_id)
        if since:
            query = query.where(t.c.time >= since)
        if until:
            query = query.where(t.c.time < until)
        if before is not None:
            query = query.where(t.c.idx < before)
        return list(self._c.execute(query.order_by(t.c.idx.desc()).limit(limit)))
