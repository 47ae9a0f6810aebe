"""Decisions keep the request the server decided on (author, unavailable sources, stage), so
that a replay with another policy decides on the same question.

Revision ID: 0006_decision_requests
Revises: 0005_suite_runs
Create Date: 2026-11-24 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_decision_requests"
down_revision: str | None = "0005_suite_runs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # adding a nullable column rewrites no row: the immutability triggers are not involved
    op.add_column("decisions", sa.Column("request", sa.JSON(), nullable=True))


def downgrade() -> None:
    # native on PostgreSQL and SQLite >= 3.35, and unlike a batch rebuild it keeps the
    # table's immutability triggers
    op.execute("ALTER TABLE decisions DROP COLUMN request")
