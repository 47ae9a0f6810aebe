"""The fast paths of verification agree with the checked, entry-by-entry ones.

``verify_database`` and ``verify_bundle`` hash stored text directly when nothing was changed
and fall back to parsing every entry as soon as anything differs. These tests pin the pieces
(leaf bytes, JSON parsing, whole-subtree appends) against the checked code, and cover what
only the new batching reaches: a checkpoint between two batch ends, and a malformed row
whose leaf hash and in-batch nodes were rewritten to match it.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_support import ORIGIN, T0, checkpoint, create_ledger, fill, sqlite_engine

from golive import native
from golive.core import ledger as core
from golive.core import merkle
from golive.core.note import Ed25519Signer
from golive.errors import InputError
from golive.services import audit
from golive.storage import dialect, ledger, worm
from golive.storage.engine import make_engine

texts = st.text(max_size=40)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(value=json_values, indent=st.sampled_from([None, 0, 1, 2]))
def test_parse_json_reads_every_text_as_the_integer_hook_does(value: object, indent: int) -> None:
    text = json.dumps(value, indent=indent)
    expected = json.loads(text, parse_int=core._parse_int)
    assert core.parse_json(text) == expected
    assert core.parse_json(text.encode()) == expected
    assert repr(core.parse_json(text)) == repr(expected)  # ints stay ints, floats floats


@settings(max_examples=300, deadline=None)
@given(
    index=st.integers(min_value=0, max_value=2**40),
    fields=st.lists(st.text(max_size=30), min_size=5, max_size=5),
    payload=st.dictionaries(st.text(max_size=8), json_values, max_size=4),
    seconds=st.integers(min_value=0, max_value=10**9),
)
def test_stored_leaf_hashes_equal_the_checked_leaf_of_every_well_formed_row(
    index: int, fields: list[str], payload: dict[str, object], seconds: int
) -> None:
    try:
        payload_json = core.canonical_json(payload)
        entry = core.Entry(index, core.format_time(T0 + timedelta(seconds=seconds)), *fields)
        entry = core.Entry(
            index,
            entry.time,
            *fields,
            payload=core.parse_json(payload_json),  # type: ignore[arg-type]
        )
        expected = entry.leaf_hash()
    except InputError:  # a lone surrogate: nothing golive would store
        return
    tenant, actor, action, subject, correlation_id = fields
    computed = core.stored_leaf_hashes(
        [index],
        [action],
        [actor],
        [correlation_id],
        [payload_json.decode()],
        [subject],
        [tenant],
        [entry.time],
    )
    assert computed == [expected]


@settings(max_examples=100, deadline=None)
@given(size_log=st.integers(0, 6), chunks=st.lists(st.integers(0, 3), max_size=6))
def test_appending_a_whole_subtree_equals_appending_its_leaves(
    size_log: int, chunks: list[int]
) -> None:
    one, many = merkle.Frontier(), merkle.Frontier()
    leaves = [merkle.leaf_hash(str(i).encode()) for i in range(64 * 7)]
    position = 0
    for level in [size_log, *chunks]:
        while one.size % (1 << level):
            level -= 1
        part = leaves[position : position + (1 << level)]
        position += len(part)
        completed = []
        for leaf in part:
            completed += many.append_leaf_hash(leaf)
        got = one.append_subtree_hash(level, merkle.root_from_leaf_hashes(part))
        assert got[0].level == level
        assert all(node in completed for node in got)
        assert one.hashes == many.hashes
        assert one.root() == many.root()
    with pytest.raises(InputError):
        merkle.Frontier(1, [leaves[0]]).append_subtree_hash(1, leaves[1])


# --- the database -------------------------------------------------------------------------


@pytest.fixture
def signer(tmp_path: Path) -> Ed25519Signer:
    return audit.generate_key(ORIGIN, tmp_path / "log.key")


def _superuser(path: Path) -> sa.Engine:
    return sqlite_engine(path, guarded=False)


def _rewrite(connection: sa.Connection, changes: dict[int, str]) -> None:
    """Change the payload text of entries, and rewrite their leaf hashes, every stored node
    and the head to match the changed rows (what a careful attacker with the database
    does)."""
    for statement in worm._sqlite_drop():
        connection.exec_driver_sql(statement)
    entries, nodes = ledger.audit_entries, ledger.audit_nodes
    for index, payload in changes.items():
        connection.execute(entries.update().where(entries.c.idx == index).values(payload=payload))
    rows = list(connection.execute(sa.select(entries).order_by(entries.c.idx)))
    leaves = core.stored_leaf_hashes(
        *zip(
            *(
                (r.idx, r.action, r.actor, r.correlation_id, r.payload, r.subject, r.tenant, r.time)
                for r in rows
            ),
            strict=True,
        )
    )
    for row, leaf in zip(rows, leaves, strict=True):
        connection.execute(entries.update().where(entries.c.idx == row.idx).values(leaf=leaf))
    frontier = merkle.Frontier()
    for leaf in leaves:
        for node in frontier.append_leaf_hash(leaf):
            connection.execute(
                nodes.update()
                .where(nodes.c.level == node.level, nodes.c.idx == node.index)
                .values(hash=node.hash)
            )
    connection.execute(ledger.audit_head.update().values(frontier=b"".join(frontier.hashes)))


def test_a_checkpoint_between_two_batch_ends_is_checked(
    tmp_path: Path, signer: Ed25519Signer
) -> None:
    path = tmp_path / "ledger.db"
    engine = sqlite_engine(path)
    create_ledger(engine)
    fill(engine, 7)
    checkpoint(engine, [signer])  # size 7: inside the first batch of 16, and of 5000
    fill(engine, 13, start=7)
    engine.dispose()
    superuser = _superuser(path)
    try:
        with superuser.connect() as connection:
            transaction = connection.begin()
            # a well-formed change of entry 3 with every node and the head rewritten: only
            # the signed checkpoint of size 7 still remembers the old entry
            row = connection.execute(
                sa.select(ledger.audit_entries.c.payload).where(ledger.audit_entries.c.idx == 3)
            ).scalar_one()
            changed = json.loads(row)
            changed["n"] = 33
            _rewrite(connection, {3: core.canonical_json(changed).decode()})
            reports = [
                audit.verify_database(connection, [signer.verifier()], batch=batch)
                for batch in (1, 4, 16, 5000)
            ]
            transaction.rollback()
    finally:
        superuser.dispose()
    for report in reports:
        assert not report.ok
        # nothing before the checkpoint vouches for any entry: the range [0, 7) is named
        assert report.first_bad_index == 0
        assert "no longer lead to its signed root" in report.findings[0].message
        assert "[0, 7)" in report.findings[0].message


def test_a_malformed_row_with_its_leaf_and_nodes_rewritten_is_named(
    tmp_path: Path, signer: Ed25519Signer
) -> None:
    path = tmp_path / "ledger.db"
    engine = sqlite_engine(path)
    create_ledger(engine)
    fill(engine, 20)
    checkpoint(engine, [signer])
    engine.dispose()
    superuser = _superuser(path)
    try:
        with superuser.connect() as connection:
            transaction = connection.begin()
            row = connection.execute(
                sa.select(ledger.audit_entries.c.payload).where(ledger.audit_entries.c.idx == 2)
            ).scalar_one()
            # the same value, not in its canonical spelling: the row hashes to the rewritten
            # leaf and to every rewritten node; the checked path calls it malformed
            _rewrite(connection, {2: json.dumps(json.loads(row), indent=1)})
            reports = [
                audit.verify_database(connection, [signer.verifier()], batch=batch)
                for batch in (1, 4, 16, 5000)
            ]
            transaction.rollback()
    finally:
        superuser.dispose()
    for report in reports:
        assert not report.ok
        assert report.first_bad_index == 2
        assert "entry 2 is malformed: payload is not canonical JSON" in {
            f.message for f in report.findings
        }


def test_large_batches_verify_a_clean_ledger_with_personal_values(
    sqlite_db: sa.Engine, signer: Ed25519Signer
) -> None:
    for _ in range(3):
        fill(sqlite_db, 37, start=ledger_size(sqlite_db))
        checkpoint(sqlite_db, [signer])
    with sqlite_db.connect() as connection:
        for batch in (1, 2, 8, 64, 5000):
            report = audit.verify_database(connection, [signer.verifier()], batch=batch)
            assert report.ok, (batch, report.findings)
            assert report.entries == 111


def ledger_size(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return ledger.read_frontier(connection).size


# --- bundles --------------------------------------------------------------------------------


def test_a_bundle_entry_the_c_encoder_spells_differently_still_verifies(
    sqlite_db: sa.Engine, signer: Ed25519Signer, tmp_path: Path
) -> None:
    with sqlite_db.begin() as connection:
        for payload in ({"x": 1.0, "y": 1e21}, {"é": 1, "z": 2**60}, {"\U0001f600": 1, "ÿ": 2}):
            ledger.append_entry(
                connection,
                time=T0,
                tenant="acme",
                actor="a",
                action="b",
                subject="c",
                correlation_id="d",
                payload=payload,
            )
    checkpoint(sqlite_db, [signer])
    with sqlite_db.connect() as connection:
        bundle = audit.export_bundle(connection)
    path = tmp_path / "bundle.json"
    audit.write_bundle(bundle, path)
    report = audit.verify_bundle_file(path, [signer.verifier()])
    assert (report.start, report.end) == (0, 3)
    assert core._fast_entries(bundle, bundle["entries"], 0, 3, report.root) is None  # type: ignore[arg-type]


# --- worker processes ---------------------------------------------------------------------


def _reader(engine: sa.Engine) -> sa.Connection:
    """A connection reading as 'golive audit verify --db' does: on SQLite a plain BEGIN
    (no write lock), on PostgreSQL one REPEATABLE READ snapshot."""
    if engine.dialect.name == "sqlite":
        engine = make_engine(engine.url.render_as_string(hide_password=False))
        return engine.connect().execution_options(**{dialect.TRANSACTION_OPTION: "read"})
    return engine.connect().execution_options(isolation_level="REPEATABLE READ")


def _tamper_and_verify_in_workers(
    engine: sa.Engine, signer: Ed25519Signer, monkeypatch: pytest.MonkeyPatch
) -> list[audit.DatabaseReport]:
    """Commit changes behind golive's back, then verify with worker processes (from any
    size) and in one process; both reports for each change."""
    monkeypatch.setattr(audit, "PARALLEL_FROM", 0)
    entries = ledger.audit_entries
    changes = [
        lambda c: c.execute(entries.update().where(entries.c.idx == 9).values(actor="mallory")),
        lambda c: c.execute(entries.update().where(entries.c.idx == 4).values(leaf=b"\1" * 32)),
    ]
    pools: list[bool] = []
    workers_of = audit._workers

    @contextlib.contextmanager
    def spy(connection: sa.Connection, entries: int) -> Iterator[object]:
        with workers_of(connection, entries) as pool:
            pools.append(pool is not None)
            yield pool

    monkeypatch.setattr(audit, "_workers", spy)
    reports = []
    for change in changes:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            else:
                for statement in worm._sqlite_drop():
                    connection.exec_driver_sql(statement)
            change(connection)
        for workers in (True, False):
            monkeypatch.setattr(audit, "PARALLEL_FROM", 0 if workers else 1 << 60)
            with _reader(engine) as connection, connection.begin():
                reports.append(audit.verify_database(connection, [signer.verifier()], batch=4))
    assert pools == [True, False, True, False]  # the worker processes did run
    return reports


def _ledger_of_45(engine: sa.Engine, signer: Ed25519Signer) -> None:
    for start, count in ((0, 5), (5, 11), (16, 15), (31, 14)):
        fill(engine, count, start=start)
        checkpoint(engine, [signer])


def test_worker_processes_find_what_one_process_finds_on_sqlite(
    tmp_path: Path, signer: Ed25519Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker processes are what SQLite uses without the compiled extension (with it,
    threads of the same process read ahead: tests/ledger/test_native_verifier.py)."""
    monkeypatch.setattr(native, "_MODULE", None)
    path = tmp_path / "ledger.db"
    engine = sqlite_engine(path)
    create_ledger(engine)
    _ledger_of_45(engine, signer)
    monkeypatch.setattr(audit, "PARALLEL_FROM", 0)
    with _reader(engine) as connection, connection.begin():
        assert audit.verify_database(connection, [signer.verifier()], batch=4).ok
    engine.dispose()
    superuser = _superuser(path)
    try:
        reports = _tamper_and_verify_in_workers(superuser, signer, monkeypatch)
    finally:
        superuser.dispose()
    assert [r.first_bad_index for r in reports] == [9, 9, 4, 4]
    assert [f.message for f in reports[0].findings] == [f.message for f in reports[1].findings]


@pytest.mark.postgres
def test_worker_processes_read_the_snapshot_of_the_verifying_connection_on_postgresql(
    pg_engine: sa.Engine, signer: Ed25519Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker processes are what PostgreSQL uses without the compiled extension's libpq
    part (with it, threads read ahead on connections of their own: test_native_pg.py)."""
    monkeypatch.setattr(native, "pg_enabled", lambda: False)
    _ledger_of_45(pg_engine, signer)
    monkeypatch.setattr(audit, "PARALLEL_FROM", 0)
    with _reader(pg_engine) as connection, connection.begin():
        assert audit.verify_database(connection, [signer.verifier()], batch=4).ok
    reports = _tamper_and_verify_in_workers(pg_engine, signer, monkeypatch)
    assert [r.first_bad_index for r in reports] == [9, 9, 4, 4]
