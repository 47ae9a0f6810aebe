"""Debts of owed checks: open until a later decision for the same tenant, environment and
deployable decides the check ``pass`` or ``waived`` (PU-GATE-3).

Revision ID: 0004_debts
Revises: 0003_stored_facts
Create Date: 2026-11-25 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_debts"
down_revision: str | None = "0003_stored_facts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "debts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("environment", sa.String(length=80), nullable=False),
        sa.Column("deployable", sa.String(length=80), nullable=False),
        sa.Column("check_id", sa.String(length=80), nullable=False),
        sa.Column("opened_by", _ID, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_by", _ID, nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_debts_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["opened_by"], ["decisions.id"], name=op.f("fk_debts_opened_by_decisions")
        ),
        sa.ForeignKeyConstraint(
            ["settled_by"], ["decisions.id"], name=op.f("fk_debts_settled_by_decisions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debts")),
    )
    op.create_index(
        "ix_debts_tenant_subject",
        "debts",
        ["tenant_id", "environment", "deployable", "settled_by"],
    )


def downgrade() -> None:
    op.drop_index("ix_debts_tenant_subject", table_name="debts")
    op.drop_table("debts")
