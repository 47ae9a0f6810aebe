"""Audit ledger: entries, perfect Merkle nodes, checkpoints, head, personal values, prunes.

Also installs the WORM triggers (:mod:`golive.storage.worm`): ``audit_entries``,
``audit_nodes``, ``audit_checkpoints`` and ``audit_prunes`` refuse UPDATE, DELETE and
(PostgreSQL) TRUNCATE; entries below a recorded prune mark may be deleted.

Revision ID: 0002_audit_ledger
Revises: 0001_control_plane
Create Date: 2026-11-24 10:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from golive.storage import worm

revision: str = "0002_audit_ledger"
down_revision: str | None = "0001_control_plane"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("frontier", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
        comment="The ledger's tree size and frontier; its row lock serialises appenders.",
    )
    op.create_table(
        "audit_entries",
        sa.Column("idx", sa.BigInteger, autoincrement=False, nullable=False),
        sa.Column("time", sa.String(27), nullable=False),
        sa.Column("tenant", sa.String, nullable=False),
        sa.Column("actor", sa.String, nullable=False),
        sa.Column("action", sa.String, nullable=False),
        sa.Column("subject", sa.String, nullable=False),
        sa.Column("correlation_id", sa.String, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("idx", name="pk_audit_entries"),
        comment="Audit ledger entries (append-only); payload is RFC 8785 canonical JSON.",
    )
    op.create_index("ix_audit_entries_tenant_idx", "audit_entries", ["tenant", "idx"])
    op.create_index("ix_audit_entries_correlation_id", "audit_entries", ["correlation_id"])
    op.create_index("ix_audit_entries_subject", "audit_entries", ["subject"])
    op.create_table(
        "audit_nodes",
        sa.Column("level", sa.SmallInteger, autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger, autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name="pk_audit_nodes"),
        comment="Perfect Merkle nodes (append-only): leaves [idx*2^level, (idx+1)*2^level).",
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("issued_at", sa.String(27), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_checkpoints"),
        comment="Signed C2SP checkpoints of the ledger (append-only).",
    )
    op.create_index("ix_audit_checkpoints_size", "audit_checkpoints", ["size"])
    op.create_table(
        "audit_personal",
        sa.Column("entry_idx", sa.BigInteger, autoincrement=False, nullable=False),
        sa.Column("field", sa.String, nullable=False),
        sa.Column("salt", sa.LargeBinary(32), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("entry_idx", "field", name="pk_audit_personal"),
        comment="Personal payload values and salts; erasure deletes rows, the tree is unchanged.",
    )
    op.create_table(
        "audit_prunes",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("before_idx", sa.BigInteger, nullable=False),
        sa.Column("checkpoint_size", sa.BigInteger, nullable=False),
        sa.Column("archive_sha256", sa.String(64), nullable=False),
        sa.Column("archive_name", sa.String, nullable=False),
        sa.Column("pruned_at", sa.String(27), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_prunes"),
        comment="Verified archive segments whose hot entries were pruned (append-only).",
    )
    op.execute(
        sa.text("INSERT INTO audit_head (id, size, frontier) VALUES (1, 0, :empty)").bindparams(
            sa.bindparam("empty", b"", type_=sa.LargeBinary)
        )
    )
    worm.install_worm(op.get_bind())


def downgrade() -> None:
    bind = op.get_bind()
    with worm.allow_ddl(bind):  # golive's own SQLite connections carry the WORM authorizer
        worm.uninstall_worm(bind)
        for table in (
            "audit_prunes",
            "audit_personal",
            "audit_checkpoints",
            "audit_nodes",
            "audit_entries",
            "audit_head",
        ):
            op.drop_table(table)
