"""Alembic revisions of the ledger: 0002_audit_ledger (the tables, triggers, and back) and
0007_leaf_hashes (leaf hashes into the entry rows, nodes from level 8 up, and back)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from golive.core import ledger as core
from golive.core import merkle
from golive.services import audit, database
from golive.storage import ledger, worm
from golive.storage.engine import make_engine
from golive.storage.metadata import metadata


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrated.db'}"
    url: str = request.getfixturevalue("pg_database")
    admin = sa.create_engine(url)
    with admin.begin() as connection:
        connection.exec_driver_sql(
            "DROP SCHEMA public CASCADE; CREATE SCHEMA public; GRANT ALL ON SCHEMA public TO PUBLIC"
        )
    admin.dispose()
    return url


def test_the_migrations_create_the_ledger_as_declared_with_its_guards(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        assert "0002_audit_ledger" in database.upgrade(engine, "0002_audit_ledger").current
        database.upgrade(engine)
        with engine.begin() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": _ledger_only}
            )
            diff = [d for d in compare_metadata(context, metadata) if _is_ledger(d)]
            assert diff == []
            assert worm.missing_guards(connection) == []
            index = ledger.append_entry(
                connection,
                time=datetime(2026, 1, 1, tzinfo=UTC),
                tenant="acme",
                actor="user:ana",
                action="policy.published",
                subject="policy:1",
                correlation_id="req-1",
                payload={},
            )
            assert index == 0
        # golive's own engine (storage.engine.make_engine) refuses to rewrite history
        for statement in (
            "UPDATE audit_entries SET actor = 'x'",
            "UPDATE audit_entries SET leaf = NULL",
            "DELETE FROM audit_entries",
        ):
            with (
                pytest.raises(sa.exc.DatabaseError, match=r"append-only|not authorized"),
                engine.begin() as c,
            ):
                c.execute(sa.text(statement))
        _downgrade(engine, "0001_control_plane")
        with engine.connect() as connection:
            names = sa.inspect(connection).get_table_names()
        assert not [name for name in names if name.startswith("audit_")]
    finally:
        engine.dispose()


def _ledger_only(name: str | None, kind: str, parent: object) -> bool:
    return kind != "table" or (name or "").startswith("audit_")


def _is_ledger(diff: object) -> bool:
    return "audit_" in repr(diff)


def _downgrade(engine: sa.Engine, revision: str) -> None:
    from alembic import command

    config = database.alembic_config(engine)
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        connection.commit()


OLD_SIZE = 600
OLD_PRUNED = 300


def _old_layout(connection: sa.Connection) -> dict[tuple[int, int], bytes]:
    """A ledger as revision 0006 stored it: entries without their leaf hash, every perfect
    node from the leaves up; then pruned below :data:`OLD_PRUNED` (the nodes stay)."""
    frontier = merkle.Frontier()
    nodes: dict[tuple[int, int], bytes] = {}
    rows = []
    for n in range(OLD_SIZE):
        entry = core.Entry(
            index=n,
            time=core.format_time(datetime(2026, 1, 1, tzinfo=UTC)),
            tenant="acme",
            actor=f"user:{n % 3}",
            action="release.decided",
            subject=f"release:{n}",
            correlation_id=f"req-{n}",
            payload={"n": n},
        )
        data = entry.as_dict()
        rows.append({**data, "idx": n, "payload": core.canonical_json(data["payload"]).decode()})
        for node in frontier.append_leaf_hash(entry.leaf_hash()):
            nodes[node.level, node.index] = node.hash
    columns = "idx, time, tenant, actor, action, subject, correlation_id, payload"
    values = ", ".join(f":{c}" for c in columns.split(", "))
    connection.execute(sa.text(f"INSERT INTO audit_entries ({columns}) VALUES ({values})"), rows)
    connection.execute(
        sa.text("INSERT INTO audit_nodes (level, idx, hash) VALUES (:level, :idx, :hash)"),
        [{"level": lv, "idx": i, "hash": h} for (lv, i), h in nodes.items()],
    )
    connection.execute(
        sa.text("UPDATE audit_head SET size = :size, frontier = :frontier WHERE id = 1"),
        {"size": OLD_SIZE, "frontier": b"".join(frontier.hashes)},
    )
    connection.execute(
        ledger.audit_prunes.insert().values(
            before_idx=OLD_PRUNED,
            checkpoint_size=OLD_SIZE,
            archive_sha256="0" * 64,
            archive_name="segment.json",
            pruned_at=core.format_time(datetime(2026, 2, 1, tzinfo=UTC)),
        )
    )
    with worm.allow_prune(connection):
        connection.execute(sa.text(f"DELETE FROM audit_entries WHERE idx < {OLD_PRUNED}"))
    return nodes


def test_migration_0007_moves_leaf_hashes_into_the_rows_and_back(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        database.upgrade(engine, "0006_decision_requests")
        with engine.begin() as connection:
            before = _old_layout(connection)
            root = ledger.read_frontier(connection).root()
        database.upgrade(engine)
        with engine.connect() as connection:
            kept = {
                (int(r.level), int(r.idx)): bytes(r.hash)
                for r in connection.execute(sa.select(ledger.audit_nodes))
            }
            leaves = ledger.leaf_hashes(connection, 0, OLD_SIZE)
            report = audit.verify_database(connection)
            proofs = {
                (index, size): ledger.subtree_hashes(
                    connection, merkle.inclusion_ranges(index, size)
                )
                for index, size in ((0, 600), (299, 301), (300, 600), (301, 302), (599, 600))
            }
            consistency = ledger.subtree_hashes(connection, merkle.consistency_ranges(297, 598))
            assert worm.missing_guards(connection) == []
        # what stays: nodes from level 8 up, and every node over the pruned entries only
        assert kept == {
            (level, index): value
            for (level, index), value in before.items()
            if level >= ledger.NODE_FLOOR or (index + 1) << level <= OLD_PRUNED
        }
        assert leaves == [before[0, n] for n in range(OLD_SIZE)]
        assert report.ok, report.findings
        for (index, size), proof in proofs.items():
            expected = merkle.inclusion_proof(
                index, size, lambda a, b: merkle.root_from_level(leaves[a:b])
            )
            assert proof == expected, (index, size)
        merkle.verify_consistency(
            297,
            598,
            consistency,
            merkle.root_from_level(leaves[:297]),
            merkle.root_from_level(leaves[:598]),
        )
        assert merkle.root_from_level(leaves) == root
        _downgrade(engine, "0006_decision_requests")
        with engine.connect() as connection:
            restored = {
                (int(r.level), int(r.idx)): bytes(r.hash)
                for r in connection.execute(sa.text("SELECT level, idx, hash FROM audit_nodes"))
            }
            columns = [c["name"] for c in sa.inspect(connection).get_columns("audit_entries")]
            assert worm.missing_guards(connection) == []
        assert restored == before
        assert "leaf" not in columns
    finally:
        engine.dispose()
