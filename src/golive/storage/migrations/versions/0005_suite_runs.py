"""Suite runs: test-suite results against a deployed digest, for the promotion gate's soak.

Revision ID: 0005_suite_runs
Revises: 0004_debts
Create Date: 2026-11-24 12:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_suite_runs"
down_revision: str | None = "0004_debts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "suite_runs",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("repository_id", _ID, nullable=False),
        sa.Column("batch_key", sa.String(length=200), nullable=False),
        sa.Column("environment", sa.String(length=80), nullable=False),
        sa.Column("deployable", sa.String(length=80), nullable=False),
        sa.Column("suite", sa.String(length=80), nullable=False),
        sa.Column("digest", sa.String(length=200), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tests", sa.Integer(), nullable=True),
        sa.Column("failed", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repositories.id"],
            name=op.f("fk_suite_runs_repository_id_repositories"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_suite_runs_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suite_runs")),
    )
    op.create_index("ix_suite_runs_tenant_batch", "suite_runs", ["tenant_id", "batch_key"])
    op.create_index(
        "ix_suite_runs_tenant_deployable", "suite_runs", ["tenant_id", "deployable", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_suite_runs_tenant_deployable", table_name="suite_runs")
    op.drop_index("ix_suite_runs_tenant_batch", table_name="suite_runs")
    op.drop_table("suite_runs")
