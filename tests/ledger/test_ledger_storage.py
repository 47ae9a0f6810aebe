"""Appending to the ledger in the caller's transaction, and proofs from stored nodes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from golive.core import ledger as core
from golive.core import merkle
from golive.storage import ledger

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _append(connection: sa.Connection, n: int, **overrides: object) -> int:
    values: dict[str, object] = {
        "time": T0 + timedelta(seconds=n),
        "tenant": "acme",
        "actor": "user:ana",
        "action": "release.decided",
        "subject": f"release:{n}",
        "correlation_id": f"req-{n}",
        "payload": {"n": n, "outcome": "pass"},
    }
    values.update(overrides)
    return ledger.append_entry(connection, **values)  # type: ignore[arg-type]


def _leaves(connection: sa.Connection) -> list[bytes]:
    return [ledger.entry_from_row(row).leaf() for row in ledger.iter_entries(connection)]


def test_appends_get_consecutive_indices_and_the_head_root_is_the_rfc_9162_root(
    engine: sa.Engine,
) -> None:
    with engine.begin() as connection:
        indices = [_append(connection, n) for n in range(21)]
    assert indices == list(range(21))
    with engine.connect() as connection:
        frontier = ledger.read_frontier(connection)
        leaves = _leaves(connection)
        nodes = connection.execute(sa.select(sa.func.count()).select_from(ledger.audit_nodes))
        node_count = nodes.scalar_one()
    assert frontier.size == 21
    assert frontier.root() == merkle.root_from_entries(leaves)
    assert node_count == 0  # no tile of 256 entries is complete yet


def test_each_row_holds_its_leaf_hash_and_nodes_are_stored_from_level_8_up(
    engine: sa.Engine,
) -> None:
    with engine.begin() as connection:
        ledger.append_entries(
            connection,
            [
                ledger.NewEntry(T0, "acme", "svc:ci", "evidence.ingested", f"s{n}", "", {"n": n})
                for n in range(600)
            ],
        )
    with engine.connect() as connection:
        leaves = _leaves(connection)
        stored = [bytes(row.leaf) for row in ledger.iter_entries(connection)]
        nodes = {
            (int(r.level), int(r.idx)): bytes(r.hash)
            for r in connection.execute(sa.select(ledger.audit_nodes))
        }
    assert stored == merkle.leaf_hashes(leaves)
    # 600 entries: two complete tiles (level 8) and the level-9 node over both
    assert sorted(nodes) == [(8, 0), (8, 1), (9, 0)]
    for (level, index), value in nodes.items():
        assert value == merkle.root_from_entries(leaves[index << level : (index + 1) << level])


def test_an_append_belongs_to_the_callers_transaction_and_rolls_back_with_it(
    engine: sa.Engine,
) -> None:
    with engine.begin() as connection:
        _append(connection, 0)
    connection = engine.connect()
    transaction = connection.begin()
    _append(connection, 1)
    transaction.rollback()  # the state change failed
    connection.close()
    with engine.begin() as connection:
        assert _append(connection, 2) == 1
        assert ledger.read_frontier(connection).size == 2


SIZES = [*range(1, 38), 255, 256, 257, 300, 511, 512, 513, 520, 600]


def test_stored_nodes_and_leaf_hashes_serve_every_inclusion_and_consistency_proof(
    engine: sa.Engine,
) -> None:
    with engine.begin() as connection:
        for n in range(37):
            _append(connection, n)
        ledger.append_entries(
            connection,
            [
                ledger.NewEntry(T0, "acme", "svc:ci", "evidence.ingested", f"s{n}", "", {"n": n})
                for n in range(37, 600)
            ],
        )
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    with engine.connect() as connection:
        leaves = _leaves(connection)
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            for size in SIZES:
                indices = (
                    range(size) if size < 40 else sorted({0, 1, 100, 255, size // 2, size - 1})
                )
                for index in (i for i in indices if i < size):
                    ranges = merkle.inclusion_ranges(index, size)
                    statements.clear()
                    proof = ledger.subtree_hashes(connection, ranges)
                    # the nodes from level 8 up in one query, then the leaf hashes of at
                    # most two tiles (the entry's and the last one's), one query each
                    assert len(statements) <= 3
                    expected = merkle.inclusion_proof(
                        index, size, lambda a, b: merkle.root_from_entries(leaves[a:b])
                    )
                    assert proof == expected
                    root = merkle.root_from_entries(leaves[:size])
                    merkle.verify_inclusion(
                        merkle.leaf_hash(leaves[index]), index, size, proof, root
                    )
                olds = range(1, size + 1) if size < 40 else [1, 7, 255, 256, 257, 299, size]
                for old in (o for o in olds if o <= size):
                    statements.clear()
                    proof = ledger.subtree_hashes(connection, merkle.consistency_ranges(old, size))
                    assert len(statements) <= 3
                    merkle.verify_consistency(
                        old,
                        size,
                        proof,
                        merkle.root_from_entries(leaves[:old]),
                        merkle.root_from_entries(leaves[:size]),
                    )
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)


def test_a_proof_reads_at_most_two_log_n_node_rows() -> None:
    for size in (1000, 1 << 20, (1 << 40) + 12345):
        for index in (0, size // 3, size - 1):
            keys = set()
            for lo, hi in merkle.inclusion_ranges(index, size):
                keys |= {(b - a, a) for a, b in merkle.perfect_ranges(lo, hi)}
            assert len(keys) <= 2 * size.bit_length()


def test_group_commit_appends_many_entries_in_one_statement_each(engine: sa.Engine) -> None:
    new = [
        ledger.NewEntry(T0, "acme", "svc:ci", "evidence.ingested", f"s{n}", f"c{n}", {"n": n})
        for n in range(100)
    ]
    with engine.begin() as connection:
        assert ledger.append_entries(connection, new) == list(range(100))
        assert ledger.append_entries(connection, new[:3]) == [100, 101, 102]
    with engine.connect() as connection:
        assert ledger.read_frontier(connection).root() == merkle.root_from_entries(
            _leaves(connection)
        )


def test_concurrent_appenders_serialise_without_gaps_or_duplicates(engine: sa.Engine) -> None:
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            for n in range(15):
                with engine.begin() as connection:
                    _append(connection, k * 100 + n)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with engine.connect() as connection:
        rows = list(ledger.iter_entries(connection))
        assert [int(r.idx) for r in rows] == list(range(60))
        assert sorted(int(r.subject.split(":")[1]) for r in rows) == sorted(
            k * 100 + n for k in range(4) for n in range(15)
        )
        assert ledger.read_frontier(connection).root() == merkle.root_from_entries(
            _leaves(connection)
        )


def test_personal_fields_are_committed_in_the_leaf_and_kept_outside_the_tree(
    engine: sa.Engine,
) -> None:
    with engine.begin() as connection:
        index = _append(
            connection,
            0,
            payload={"email": "ana@example.com", "role": "approver"},
            personal=["email", "absent"],
        )
    with engine.connect() as connection:
        entry = ledger.get_entry(connection, index)
        kept = ledger.personal_values(connection, [index])
    assert entry is not None
    assert entry.payload["role"] == "approver"
    commitment = entry.payload["email"]
    assert isinstance(commitment, dict)
    assert set(commitment) == {core.PERSONAL_KEY}
    salt, value = kept[index]["email"]
    assert core.personal_commitment(core.parse_json(value), salt) == commitment
    assert b"ana@example.com" not in entry.leaf()


def test_entries_are_read_per_tenant(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        _append(connection, 0, tenant="acme")
        _append(connection, 1, tenant="globex")
    with engine.connect() as connection:
        assert ledger.get_entry(connection, 1, tenant="acme") is None
        found = ledger.get_entry(connection, 1, tenant="globex")
        assert found is not None
        assert found.tenant == "globex"
        assert [r.idx for r in ledger.iter_entries(connection, tenant="acme")] == [0]


def test_a_naive_time_is_refused_before_anything_is_written(engine: sa.Engine) -> None:
    from golive.errors import InputError

    with pytest.raises(InputError), engine.begin() as connection:
        _append(connection, 0, time=datetime(2026, 1, 1))
    with engine.connect() as connection:
        assert ledger.read_frontier(connection).size == 0


def test_a_bad_entry_in_a_batch_claims_no_index_even_if_the_caller_commits(
    engine: sa.Engine,
) -> None:
    from golive.errors import InputError

    good = ledger.NewEntry(T0, "acme", "u", "a", "s", "c", {"n": 1})
    bad = ledger.NewEntry(T0, "acme", "u", "a", "s", "c", {"n": float("nan")})
    with engine.begin() as connection:
        with pytest.raises(InputError):
            ledger.append_entries(connection, [good, bad])
        assert ledger.append_entries(connection, [good]) == [0]
    with engine.connect() as connection:
        assert ledger.read_frontier(connection).size == 1
