"""The control plane's tables (SQLAlchemy Core), declared on the shared ``metadata``.

Every row that belongs to a tenant carries ``tenant_id``, and every query in
:mod:`golive.storage.repositories` filters on it: a tenant never sees another's rows.
Records ingested in a batch carry the batch's idempotency key, so that "this batch
is stored exactly once" can be checked with one query.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from golive.storage.dialect import UtcDateTime
from golive.storage.metadata import metadata

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets BIGINT identities.
_Id = BigInteger().with_variant(Integer(), "sqlite")


def _id() -> Column[int]:
    return Column("id", _Id, primary_key=True, autoincrement=True)


def _tenant() -> Column[int]:
    return Column("tenant_id", _Id, ForeignKey("tenants.id", ondelete="RESTRICT"), nullable=False)


tenants = Table(
    "tenants",
    metadata,
    _id(),
    Column("name", String(80), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

repositories = Table(
    "repositories",
    metadata,
    _id(),
    _tenant(),
    Column("name", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("tenant_id", "name", name="uq_repositories_tenant_name"),
)

tokens = Table(
    "tokens",
    metadata,
    _id(),
    _tenant(),
    Column("name", String(200), nullable=False),
    Column("role", String(40), nullable=False),
    # SHA-256 of the secret; the secret itself is never stored.
    Column("token_hash", String(64), nullable=False, unique=True),
    # The first characters, to tell tokens apart in listings (not enough to use one).
    Column("prefix", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=True),
    Column("revoked_at", UtcDateTime(), nullable=True),
    Column("rotated_from", _Id, ForeignKey("tokens.id"), nullable=True),
)

policy_versions = Table(
    "policy_versions",
    metadata,
    _id(),
    _tenant(),
    Column("digest", String(71), nullable=False),
    Column("name", String(200), nullable=False),
    Column("source", Text, nullable=False),
    Column("published_at", UtcDateTime(), nullable=False),
    Column("published_by", String(200), nullable=False),
    UniqueConstraint("tenant_id", "digest", name="uq_policy_versions_tenant_digest"),
)

evidence_files = Table(
    "evidence_files",
    metadata,
    _id(),
    _tenant(),
    Column("repository_id", _Id, ForeignKey("repositories.id"), nullable=False),
    Column("batch_key", String(200), nullable=False),
    Column("name", String(500), nullable=False),
    Column("format", String(40), nullable=True),
    Column("commit_sha", String(64), nullable=True),
    Column("deployable", String(80), nullable=True),
    Column("version", String(200), nullable=True),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Index("ix_evidence_files_tenant_batch", "tenant_id", "batch_key"),
    Index("ix_evidence_files_tenant_subject", "tenant_id", "deployable", "version"),
)

deployments = Table(
    "deployments",
    metadata,
    _id(),
    _tenant(),
    Column("repository_id", _Id, ForeignKey("repositories.id"), nullable=False),
    Column("batch_key", String(200), nullable=False),
    Column("environment", String(80), nullable=False),
    Column("deployable", String(80), nullable=False),
    Column("version", String(200), nullable=False),
    Column("digest", String(200), nullable=True),
    Column("status", String(40), nullable=False),
    Column("time", UtcDateTime(), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Index("ix_deployments_tenant_batch", "tenant_id", "batch_key"),
    Index("ix_deployments_tenant_env_time", "tenant_id", "environment", "time"),
    Index("ix_deployments_tenant_deployable", "tenant_id", "deployable", "id"),
)

suite_runs = Table(
    "suite_runs",
    metadata,
    _id(),
    _tenant(),
    Column("repository_id", _Id, ForeignKey("repositories.id"), nullable=False),
    Column("batch_key", String(200), nullable=False),
    Column("environment", String(80), nullable=False),
    Column("deployable", String(80), nullable=False),
    Column("suite", String(80), nullable=False),
    Column("digest", String(200), nullable=False),
    Column("result", String(20), nullable=False),
    Column("time", UtcDateTime(), nullable=False),
    Column("tests", Integer, nullable=True),
    Column("failed", Integer, nullable=True),
    Column("detail", String(200), nullable=True),
    Column("received_at", UtcDateTime(), nullable=False),
    Index("ix_suite_runs_tenant_batch", "tenant_id", "batch_key"),
    Index("ix_suite_runs_tenant_deployable", "tenant_id", "deployable", "id"),
)

approvals = Table(
    "approvals",
    metadata,
    _id(),
    _tenant(),
    Column("repository_id", _Id, ForeignKey("repositories.id"), nullable=False),
    Column("batch_key", String(200), nullable=False),
    Column("approval", String(80), nullable=False),
    Column("environment", String(80), nullable=True),
    Column("deployable", String(80), nullable=False),
    Column("version", String(200), nullable=False),
    Column("approver", String(200), nullable=False),
    Column("role", String(80), nullable=True),
    Column("time", UtcDateTime(), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("commit_sha", String(64), nullable=True),  # the commit approved (0003)
    Index("ix_approvals_tenant_batch", "tenant_id", "batch_key"),
    Index("ix_approvals_tenant_subject", "tenant_id", "deployable", "version"),
)

signoffs = Table(
    "signoffs",
    metadata,
    _id(),
    _tenant(),
    Column("repository_id", _Id, ForeignKey("repositories.id"), nullable=False),
    Column("batch_key", String(200), nullable=False),
    Column("checklist", String(80), nullable=False),
    Column("item", String(200), nullable=False),
    Column("deployable", String(80), nullable=False),
    Column("version", String(200), nullable=False),
    Column("signer", String(200), nullable=False),
    Column("time", UtcDateTime(), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    # 0003: the role signed in, a ticket or runbook link, the candidate text of golive attest
    Column("role", String(80), nullable=True),
    Column("link", String(500), nullable=True),
    Column("candidate", String(300), nullable=True),
    Index("ix_signoffs_tenant_batch", "tenant_id", "batch_key"),
    Index("ix_signoffs_tenant_subject", "tenant_id", "deployable", "version"),
)

decisions = Table(
    "decisions",
    metadata,
    _id(),
    _tenant(),
    Column("source", String(20), nullable=False),  # "server" or "published" (local CLI)
    Column("environment", String(80), nullable=False),
    Column("deployable", String(80), nullable=False),
    Column("version", String(200), nullable=False),
    Column("verdict", String(40), nullable=False),
    Column("policy_digest", String(71), nullable=False),
    Column("policy_version_id", _Id, ForeignKey("policy_versions.id"), nullable=True),
    Column("now", UtcDateTime(), nullable=False),
    Column("decided_at", UtcDateTime(), nullable=False),
    Column("decided_by", String(200), nullable=False),
    Column("correlation_id", String(200), nullable=False),
    Column("document", JSON, nullable=False),
    # what the server was asked (author, unavailable sources, ...); null for published ones
    Column("request", JSON, nullable=True),
    Index("ix_decisions_tenant_time", "tenant_id", "decided_at"),
    Index("ix_decisions_tenant_subject", "tenant_id", "environment", "deployable"),
)

debts = Table(
    "debts",
    metadata,
    _id(),
    _tenant(),
    Column("environment", String(80), nullable=False),
    Column("deployable", String(80), nullable=False),
    Column("check_id", String(80), nullable=False),
    Column("opened_by", _Id, ForeignKey("decisions.id"), nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),  # the opening decision's `now`
    Column("settled_by", _Id, ForeignKey("decisions.id"), nullable=True),
    Column("settled_at", UtcDateTime(), nullable=True),
    Index("ix_debts_tenant_subject", "tenant_id", "environment", "deployable", "settled_by"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    _tenant(),
    Column("key", String(200), nullable=False),
    Column("route", String(200), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("response", LargeBinary, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    # The primary key is the idempotency rule: one answer per (tenant, key).
    PrimaryKeyConstraint("tenant_id", "key"),
)

publish_attempts = Table(
    "publish_attempts",
    metadata,
    _id(),
    _tenant(),
    Column("idempotency_key", String(200), nullable=True),
    Column("route", String(200), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("outcome", String(20), nullable=False),  # accepted, replayed, collision, rejected
    Column("status_code", Integer, nullable=False),
    Column("records", Integer, nullable=False),
    Column("request_hash", String(64), nullable=True),
    Column("correlation_id", String(200), nullable=False),
    Column("detail", Text, nullable=True),
    Column("time", UtcDateTime(), nullable=False),
    Index("ix_publish_attempts_tenant_time", "tenant_id", "time"),
)

#: Tables whose rows are never updated or deleted (triggers enforce it).
IMMUTABLE_TABLES = ("decisions", "publish_attempts")
