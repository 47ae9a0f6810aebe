"""Audit ledger: each entry row carries its leaf hash; ``audit_nodes`` keeps levels 8 and up.

Before, ``audit_nodes`` held every perfect node from the leaves (level 0) up: about two rows
per entry, written by every append and read by every verification. Now the entry row holds
its leaf hash (``audit_entries.leaf``) and ``audit_nodes`` the nodes from level 8 (one C2SP
tlog-tiles tile of 256 entries) up; the levels between are recomputed from a tile's leaf
hashes when a proof needs them (:data:`golive.storage.ledger.NODE_FLOOR`).

Upgrade: the column is added and filled from the level-0 nodes, then the nodes below level
8 are removed, except those over entries already pruned into an archive (below the highest
prune mark), which stay: they are what the database still proves those entries with.
Downgrade recomputes the removed nodes from the leaf hashes and drops the column. Both
lift the WORM triggers for their own transaction only, and put them back.

Revision ID: 0007_leaf_hashes
Revises: 0006_decision_requests
Create Date: 2026-11-24 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from golive.core.merkle import node_hash
from golive.storage import worm

revision: str = "0007_leaf_hashes"
down_revision: str | None = "0006_decision_requests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLOOR = 8
"""The lowest node level kept for entries not pruned (fixed here: later code may change)."""

_PRUNED = "(SELECT COALESCE(MAX(before_idx), 0) FROM audit_prunes)"


def upgrade() -> None:
    bind = op.get_bind()
    with worm.allow_ddl(bind):
        worm.uninstall_worm(bind)
        op.add_column("audit_entries", sa.Column("leaf", sa.LargeBinary(32), nullable=True))
        op.execute(
            "UPDATE audit_entries SET leaf = (SELECT n.hash FROM audit_nodes n "
            "WHERE n.level = 0 AND n.idx = audit_entries.idx)"
        )
        op.execute(
            f"DELETE FROM audit_nodes WHERE level < {FLOOR} AND ((idx + 1) << level) > {_PRUNED}"
        )
        worm.install_worm(bind)


def downgrade() -> None:
    bind = op.get_bind()
    pruned = int(bind.exec_driver_sql(_PRUNED.strip("()")).scalar() or 0)
    size = int(bind.exec_driver_sql("SELECT size FROM audit_head WHERE id = 1").scalar() or 0)
    insert = sa.text("INSERT INTO audit_nodes (level, idx, hash) VALUES (:level, :idx, :hash)")
    first = (pruned >> FLOOR) << FLOOR
    for tile in range(first, size, 1 << FLOOR):
        stop = min(tile + (1 << FLOOR), size)
        found: dict[int, bytes | None] = dict(
            bind.execute(
                sa.text("SELECT idx, leaf FROM audit_entries WHERE idx >= :a AND idx < :b"),
                {"a": max(tile, pruned), "b": stop},
            ).all()
        )
        below = bind.execute(
            sa.text("SELECT idx, hash FROM audit_nodes WHERE level = 0 AND idx >= :a AND idx < :b"),
            {"a": tile, "b": stop},
        ).all()
        for index, value in below:
            found.setdefault(index, value)
        level_hashes = []
        for index in range(tile, stop):
            value = found.get(index)
            if value is None:
                raise RuntimeError(
                    f"audit ledger: the leaf hash of entry {index} is missing; the nodes "
                    f"below level {FLOOR} cannot be rebuilt (run 'golive audit verify --db')"
                )
            level_hashes.append(bytes(value))
        rows = []
        for level in range(FLOOR):
            base = tile >> level
            rows += [
                {"level": level, "idx": base + i, "hash": value}
                for i, value in enumerate(level_hashes)
                if (base + i + 1) << level > pruned
            ]
            level_hashes = [
                node_hash(level_hashes[i], level_hashes[i + 1])
                for i in range(0, len(level_hashes) - 1, 2)
            ]
        if rows:
            bind.execute(insert, rows)
    with worm.allow_ddl(bind):
        worm.uninstall_worm(bind)
        op.execute("ALTER TABLE audit_entries DROP COLUMN leaf")
        worm.install_worm(bind)
