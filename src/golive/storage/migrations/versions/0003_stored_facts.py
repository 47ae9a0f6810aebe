"""Stored facts for server decisions: a sign-off's role, link and candidate; an approval's commit.

The checklist gate counts a sign-off only when its role is one the item accepts and the
signer holds it, and (where the item says) it carries a link; the approvals gate tells fresh
approvals from stale ones by the commit approved. Server decisions read these columns
(:mod:`golive.services.decisions`). All are nullable: rows ingested before this revision
simply lack them (a sign-off without a role does not count, and says why).

Revision ID: 0003_stored_facts
Revises: 0002_audit_ledger
Create Date: 2026-11-25 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_stored_facts"
down_revision: str | None = "0002_audit_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("signoffs") as batch:
        batch.add_column(sa.Column("role", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("link", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("candidate", sa.String(length=300), nullable=True))
    with op.batch_alter_table("approvals") as batch:
        batch.add_column(sa.Column("commit_sha", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_deployments_tenant_deployable", "deployments", ["tenant_id", "deployable", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_deployments_tenant_deployable", table_name="deployments")
    with op.batch_alter_table("approvals") as batch:
        batch.drop_column("commit_sha")
    with op.batch_alter_table("signoffs") as batch:
        batch.drop_column("candidate")
        batch.drop_column("link")
        batch.drop_column("role")
