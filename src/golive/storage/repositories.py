"""Repositories: the queries golive runs, one class per family of tables.

Every method that reads or writes a tenant's rows takes ``tenant_id`` and filters
on it; a row of another tenant is indistinguishable from a row that does not
exist. Repositories never begin or commit: the unit of work does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, Table, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from golive.storage import dialect
from golive.storage.tables import (
    approvals,
    debts,
    decisions,
    deployments,
    evidence_files,
    idempotency_keys,
    policy_versions,
    publish_attempts,
    repositories,
    signoffs,
    suite_runs,
    tenants,
    tokens,
)


@dataclass(frozen=True, slots=True)
class TenantRow:
    id: int
    name: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class TokenRow:
    id: int
    tenant_id: int
    tenant: str
    name: str
    role: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    rotated_from: int | None

    def usable(self, now: dt.datetime) -> bool:
        if self.revoked_at is not None and self.revoked_at <= now:
            return False
        return self.expires_at is None or self.expires_at > now


class TenantRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, name: str, now: dt.datetime) -> TenantRow:
        result = self._c.execute(insert(tenants).values(name=name, created_at=now))
        (tenant_id,) = result.inserted_primary_key or (0,)
        return TenantRow(int(tenant_id), name, now)

    def by_name(self, name: str) -> TenantRow | None:
        row = self._c.execute(select(tenants).where(tenants.c.name == name)).first()
        return TenantRow(row.id, row.name, row.created_at) if row else None

    def all(self) -> list[TenantRow]:
        rows = self._c.execute(select(tenants).order_by(tenants.c.name)).all()
        return [TenantRow(r.id, r.name, r.created_at) for r in rows]

    def repository_id(self, tenant_id: int, name: str, now: dt.datetime) -> int:
        """The id of the tenant's repository ``name``, created on first use."""
        query = select(repositories.c.id).where(
            repositories.c.tenant_id == tenant_id, repositories.c.name == name
        )
        found = self._c.execute(query).scalar()
        if found is not None:
            return int(found)
        stmt = dialect.insert_ignoring_conflicts(
            repositories, self._c, ["tenant_id", "name"]
        ).values(tenant_id=tenant_id, name=name, created_at=now)
        self._c.execute(stmt)
        return int(self._c.execute(query).scalar_one())

    def repositories(self, tenant_id: int) -> list[dict[str, Any]]:
        rows = self._c.execute(
            select(repositories.c.id, repositories.c.name, repositories.c.created_at)
            .where(repositories.c.tenant_id == tenant_id)
            .order_by(repositories.c.name)
        ).all()
        return [dict(r._mapping) for r in rows]


class TokenRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(
        self,
        *,
        tenant_id: int,
        name: str,
        role: str,
        token_hash: str,
        prefix: str,
        now: dt.datetime,
        expires_at: dt.datetime | None,
        rotated_from: int | None = None,
    ) -> int:
        result = self._c.execute(
            insert(tokens).values(
                tenant_id=tenant_id,
                name=name,
                role=role,
                token_hash=token_hash,
                prefix=prefix,
                created_at=now,
                expires_at=expires_at,
                rotated_from=rotated_from,
            )
        )
        (token_id,) = result.inserted_primary_key or (0,)
        return int(token_id)

    def _select(self) -> Any:
        return select(
            tokens.c.id,
            tokens.c.tenant_id,
            tenants.c.name.label("tenant"),
            tokens.c.name,
            tokens.c.role,
            tokens.c.prefix,
            tokens.c.created_at,
            tokens.c.expires_at,
            tokens.c.revoked_at,
            tokens.c.rotated_from,
        ).join(tenants, tenants.c.id == tokens.c.tenant_id)

    def by_hash(self, token_hash: str) -> TokenRow | None:
        row = self._c.execute(self._select().where(tokens.c.token_hash == token_hash)).first()
        return _token(row) if row else None

    def get(self, tenant_id: int, token_id: int) -> TokenRow | None:
        row = self._c.execute(
            self._select().where(tokens.c.id == token_id, tokens.c.tenant_id == tenant_id)
        ).first()
        return _token(row) if row else None

    def find(self, tenant_id: int) -> list[TokenRow]:
        rows = self._c.execute(
            self._select().where(tokens.c.tenant_id == tenant_id).order_by(tokens.c.id)
        ).all()
        return [_token(r) for r in rows]

    def revoke(self, tenant_id: int, token_id: int, at: dt.datetime) -> None:
        self._c.execute(
            update(tokens)
            .where(tokens.c.id == token_id, tokens.c.tenant_id == tenant_id)
            .values(revoked_at=at)
        )


def _token(row: Row[Any]) -> TokenRow:
    return TokenRow(
        row.id,
        row.tenant_id,
        row.tenant,
        row.name,
        row.role,
        row.prefix,
        row.created_at,
        row.expires_at,
        row.revoked_at,
        row.rotated_from,
    )


class PolicyRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def by_digest(self, tenant_id: int, digest: str) -> dict[str, Any] | None:
        row = self._c.execute(
            select(policy_versions).where(
                policy_versions.c.tenant_id == tenant_id, policy_versions.c.digest == digest
            )
        ).first()
        return dict(row._mapping) if row else None

    def add(
        self,
        *,
        tenant_id: int,
        digest: str,
        name: str,
        source: str,
        now: dt.datetime,
        by: str,
    ) -> int:
        result = self._c.execute(
            insert(policy_versions).values(
                tenant_id=tenant_id,
                digest=digest,
                name=name,
                source=source,
                published_at=now,
                published_by=by,
            )
        )
        (version_id,) = result.inserted_primary_key or (0,)
        return int(version_id)

    def latest(self, tenant_id: int) -> dict[str, Any] | None:
        row = self._c.execute(
            select(policy_versions)
            .where(policy_versions.c.tenant_id == tenant_id)
            .order_by(policy_versions.c.id.desc())
            .limit(1)
        ).first()
        return dict(row._mapping) if row else None

    def find(self, tenant_id: int) -> list[dict[str, Any]]:
        rows = self._c.execute(
            select(
                policy_versions.c.id,
                policy_versions.c.digest,
                policy_versions.c.name,
                policy_versions.c.published_at,
                policy_versions.c.published_by,
            )
            .where(policy_versions.c.tenant_id == tenant_id)
            .order_by(policy_versions.c.id)
        ).all()
        return [dict(r._mapping) for r in rows]


#: The tables a batch of records can go to, by the kind the API calls them.
RECORD_TABLES = {
    "evidence": evidence_files,
    "deployments": deployments,
    "suite_runs": suite_runs,
    "approvals": approvals,
    "signoffs": signoffs,
}


class RecordRepository:
    """Evidence files, deployment records, approvals and sign-offs."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add_many(self, kind: str, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert rows (each already carrying tenant, repository and batch); their ids."""
        if not rows:
            return []
        table = RECORD_TABLES[kind]
        names = list(rows[0])
        if self._c.dialect.name == "postgresql" and all(list(r) == names for r in rows):
            return self._add_many_unnest(table, names, rows)
        result = self._c.execute(insert(table).returning(table.c.id), list(rows))
        return [int(r[0]) for r in result.all()]

    def _add_many_unnest(
        self, table: Table, names: list[str], rows: Sequence[Mapping[str, Any]]
    ) -> list[int]:
        """PostgreSQL: one ``INSERT ... SELECT FROM unnest(arrays)``, one array per column.

        The statement text does not grow with the batch (the driver caches it, instead of
        parsing a 1,000-placeholder ``VALUES`` list on every batch). Rows are inserted in
        the order given, so their ids ascend in that order.
        """
        arrays = [
            bindparam(f"col_{i}", [r[name] for r in rows], type_=ARRAY(table.c[name].type))
            for i, name in enumerate(names)
        ]
        source = (
            func.unnest(*arrays).table_valued(*names, with_ordinality="ordinality").render_derived()
        )
        query = select(*[source.c[name] for name in names]).order_by(source.c.ordinality)
        stmt = insert(table).from_select(names, query).returning(table.c.id)
        return sorted(int(r[0]) for r in self._c.execute(stmt).all())

    def get(self, kind: str, tenant_id: int, record_id: int) -> dict[str, Any] | None:
        table = RECORD_TABLES[kind]
        row = self._c.execute(
            select(table).where(table.c.id == record_id, table.c.tenant_id == tenant_id)
        ).first()
        return dict(row._mapping) if row else None

    def find(
        self,
        kind: str,
        tenant_id: int,
        *,
        filters: Mapping[str, str] | None = None,
        limit: int = 100,
        after_id: int = 0,
    ) -> list[dict[str, Any]]:
        table = RECORD_TABLES[kind]
        columns = [c for c in table.c if c.name != "content"]
        query = select(*columns).where(table.c.tenant_id == tenant_id, table.c.id > after_id)
        for name, value in (filters or {}).items():
            query = query.where(table.c[name] == value)
        rows = self._c.execute(query.order_by(table.c.id).limit(limit)).all()
        return [dict(r._mapping) for r in rows]

    def for_subject(
        self, kind: str, tenant_id: int, deployable: str, version: str
    ) -> list[dict[str, Any]]:
        table = RECORD_TABLES[kind]
        rows = self._c.execute(
            select(table)
            .where(
                table.c.tenant_id == tenant_id,
                table.c.deployable == deployable,
                table.c.version == version,
            )
            .order_by(table.c.id)
        ).all()
        return [dict(r._mapping) for r in rows]

    def for_deployable(self, kind: str, tenant_id: int, deployable: str) -> list[dict[str, Any]]:
        """Every record of ``kind`` for ``deployable``, any version, oldest first."""
        table = RECORD_TABLES[kind]
        rows = self._c.execute(
            select(table)
            .where(table.c.tenant_id == tenant_id, table.c.deployable == deployable)
            .order_by(table.c.id)
        ).all()
        return [dict(r._mapping) for r in rows]

    def count_by_batch(self, tenant_id: int, batch_key: str) -> dict[str, int]:
        out = {}
        for kind, table in RECORD_TABLES.items():
            out[kind] = int(
                self._c.execute(
                    select(func.count())
                    .select_from(table)
                    .where(table.c.tenant_id == tenant_id, table.c.batch_key == batch_key)
                ).scalar_one()
            )
        return out


class DebtRepository:
    """Debts of owed checks: opened by one decision, settled (once) by a later one."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def open_for(self, tenant_id: int, environment: str, deployable: str) -> list[dict[str, Any]]:
        rows = self._c.execute(
            select(debts)
            .where(
                debts.c.tenant_id == tenant_id,
                debts.c.environment == environment,
                debts.c.deployable == deployable,
                debts.c.settled_by.is_(None),
            )
            .order_by(debts.c.id)
        ).all()
        return [dict(r._mapping) for r in rows]

    def open_before(
        self, tenant_id: int, environment: str, deployable: str, decision_id: int
    ) -> list[dict[str, Any]]:
        """The debts that were open when decision ``decision_id`` was made: opened by an
        earlier decision, and not settled by one before it."""
        rows = self._c.execute(
            select(debts)
            .where(
                debts.c.tenant_id == tenant_id,
                debts.c.environment == environment,
                debts.c.deployable == deployable,
                debts.c.opened_by < decision_id,
                debts.c.settled_by.is_(None) | (debts.c.settled_by >= decision_id),
            )
            .order_by(debts.c.id)
        ).all()
        return [dict(r._mapping) for r in rows]

    def open(self, values: Mapping[str, Any]) -> int:
        result = self._c.execute(insert(debts).values(**values))
        (debt_id,) = result.inserted_primary_key or (0,)
        return int(debt_id)

    def settle(self, tenant_id: int, ids: Sequence[int], decision_id: int, at: dt.datetime) -> None:
        if ids:
            self._c.execute(
                update(debts)
                .where(
                    debts.c.tenant_id == tenant_id,
                    debts.c.id.in_(list(ids)),
                    debts.c.settled_by.is_(None),
                )
                .values(settled_by=decision_id, settled_at=at)
            )

    def find(
        self,
        tenant_id: int,
        *,
        state: str = "open",
        environment: str | None = None,
        deployable: str | None = None,
        decision_ids: Sequence[int] | None = None,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:
        query = select(debts).where(debts.c.tenant_id == tenant_id)
        if state == "open":
            query = query.where(debts.c.settled_by.is_(None))
        elif state == "settled":
            query = query.where(debts.c.settled_by.is_not(None))
        if environment:
            query = query.where(debts.c.environment == environment)
        if deployable:
            query = query.where(debts.c.deployable == deployable)
        if decision_ids is not None:
            ids = list(decision_ids)
            query = query.where(debts.c.opened_by.in_(ids) | debts.c.settled_by.in_(ids))
        rows = self._c.execute(query.order_by(debts.c.id).limit(limit)).all()
        return [dict(r._mapping) for r in rows]


class DecisionRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, values: Mapping[str, Any]) -> int:
        result = self._c.execute(insert(decisions).values(**values))
        (decision_id,) = result.inserted_primary_key or (0,)
        return int(decision_id)

    def get(self, tenant_id: int, decision_id: int) -> dict[str, Any] | None:
        row = self._c.execute(
            select(decisions).where(
                decisions.c.id == decision_id, decisions.c.tenant_id == tenant_id
            )
        ).first()
        return dict(row._mapping) if row else None

    def find(
        self,
        tenant_id: int,
        *,
        environment: str | None = None,
        deployable: str | None = None,
        verdict: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        query = select(decisions).where(decisions.c.tenant_id == tenant_id)
        if environment:
            query = query.where(decisions.c.environment == environment)
        if deployable:
            query = query.where(decisions.c.deployable == deployable)
        if verdict:
            query = query.where(decisions.c.verdict == verdict)
        if since:
            query = query.where(decisions.c.decided_at >= since)
        if until:
            query = query.where(decisions.c.decided_at < until)
        rows = self._c.execute(query.order_by(decisions.c.id.desc()).limit(limit)).all()
        return [dict(r._mapping) for r in rows]


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    route: str
    request_hash: str
    status_code: int | None
    response: bytes | None


class IdempotencyRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def claim(
        self, tenant_id: int, key: str, route: str, request_hash: str, now: dt.datetime
    ) -> bool:
        """Take ``key`` for this request; False when it was taken before.

        On PostgreSQL a concurrent claim of the same key waits for the other
        transaction and then finds its row; on SQLite writers are serialised.
        """
        stmt = dialect.insert_ignoring_conflicts(
            idempotency_keys, self._c, ["tenant_id", "key"]
        ).values(
            tenant_id=tenant_id, key=key, route=route, request_hash=request_hash, created_at=now
        )
        return self._c.execute(stmt.returning(idempotency_keys.c.key)).first() is not None

    def get(self, tenant_id: int, key: str) -> StoredAnswer | None:
        row = self._c.execute(
            select(
                idempotency_keys.c.route,
                idempotency_keys.c.request_hash,
                idempotency_keys.c.status_code,
                idempotency_keys.c.response,
            ).where(idempotency_keys.c.tenant_id == tenant_id, idempotency_keys.c.key == key)
        ).first()
        if row is None:
            return None
        return StoredAnswer(row.route, row.request_hash, row.status_code, row.response)

    def answer(self, tenant_id: int, key: str, status_code: int, response: bytes) -> None:
        self._c.execute(
            update(idempotency_keys)
            .where(idempotency_keys.c.tenant_id == tenant_id, idempotency_keys.c.key == key)
            .values(status_code=status_code, response=response)
        )


class PublishAttemptRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, values: Mapping[str, Any]) -> None:
        self._c.execute(insert(publish_attempts).values(**values))

    def find(self, tenant_id: int, limit: int = 100) -> list[dict[str, Any]]:
        rows = self._c.execute(
            select(publish_attempts)
            .where(publish_attempts.c.tenant_id == tenant_id)
            .order_by(publish_attempts.c.id.desc())
            .limit(limit)
        ).all()
        return [dict(r._mapping) for r in rows]
