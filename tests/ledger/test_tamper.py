"""Tamper detection: changes made behind golive's back are found, and the first bad index named.

The mutations run as a superuser would: on SQLite through a connection without golive's
authorizer, with the triggers dropped inside the transaction; on PostgreSQL with
``session_replication_role = replica``. Each mutation is verified and rolled back.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from ledger_support import ORIGIN, T0, checkpoint, create_ledger, fill, sqlite_engine

from golive.core import ledger as core
from golive.core.checkpoint import Checkpoint, sign_checkpoint
from golive.core.note import Ed25519Signer
from golive.services import audit
from golive.storage import ledger, worm

SIZE = 45
CHECKPOINTS = (5, 16, 31, SIZE)
FIELDS = ("time", "tenant", "actor", "action", "subject", "correlation_id", "payload")


@dataclass(frozen=True)
class Mutation:
    """One change behind golive's back, and the index verification must name."""

    description: str
    expected: int | None
    apply: Callable[[sa.Connection], None]


def _entry(connection: sa.Connection, index: int) -> dict[str, object]:
    row = connection.execute(
        sa.select(ledger.audit_entries).where(ledger.audit_entries.c.idx == index)
    ).one()
    return dict(row._mapping)


def _set(index: int, **values: object) -> Callable[[sa.Connection], None]:
    def apply(connection: sa.Connection) -> None:
        table = ledger.audit_entries
        connection.execute(table.update().where(table.c.idx == index).values(**values))

    return apply


def _changed_value(rng: random.Random, row: dict[str, object], name: str) -> object:
    if name == "time":
        moment = core.parse_time(str(row["time"]))
        return core.format_time(moment + timedelta(microseconds=rng.choice([1, -1, 1000])))
    if name == "payload":
        payload = json.loads(str(row["payload"]))
        key = rng.choice(sorted(payload))
        value = payload[key]
        payload[key] = (
            not value
            if isinstance(value, bool)
            else value + 1
            if isinstance(value, int)
            else {"x": 1}
        )
        return core.canonical_json(payload).decode()
    value = str(row[name])
    return rng.choice([value + "x", value[:-1], value.upper() + "!", " " + value])


def _mutation(rng: random.Random, connection: sa.Connection) -> Mutation:
    kind = rng.choices(
        ["field", "delete", "move", "swap", "insert", "node", "leaf"],
        weights=[14, 2, 1, 2, 1, 2, 1],
    )[0]
    k = rng.randrange(SIZE)
    entries, nodes = ledger.audit_entries, ledger.audit_nodes
    if kind == "field":
        name = rng.choice(FIELDS)
        value = _changed_value(rng, _entry(connection, k), name)
        return Mutation(f"entry {k}.{name} := {value!r}", k, _set(k, **{name: value}))
    if kind == "delete":
        return Mutation(
            f"delete entry {k}",
            k,
            lambda c: c.execute(entries.delete().where(entries.c.idx == k)) and None,
        )
    if kind == "move":
        target = rng.choice([-1, SIZE + 7, 10**9])
        return Mutation(f"move entry {k} to {target}", k, _set(k, idx=target))
    if kind == "swap":
        j = rng.choice([i for i in range(SIZE) if i != k])

        def swap(c: sa.Connection) -> None:
            c.execute(entries.update().where(entries.c.idx == k).values(idx=-100))
            c.execute(entries.update().where(entries.c.idx == j).values(idx=k))
            c.execute(entries.update().where(entries.c.idx == -100).values(idx=j))

        return Mutation(f"swap entries {k} and {j}", min(k, j), swap)
    if kind == "insert":
        row = _entry(connection, k)
        row["idx"] = SIZE
        return Mutation(
            f"insert a copy of {k} at {SIZE}",
            SIZE,
            lambda c: c.execute(entries.insert().values(**row)) and None,
        )
    if kind == "leaf":

        def forge(c: sa.Connection) -> None:
            # a careful attacker changes the entry AND its leaf hash: interior nodes or
            # checkpoints still give it away
            c.execute(entries.update().where(entries.c.idx == k).values(actor="user:mallory"))
            forged = ledger.entry_from_row(_entry(c, k)).leaf_hash()
            c.execute(
                nodes.update().where(nodes.c.level == 0, nodes.c.idx == k).values(hash=forged)
            )

        # the pair of leaves under the first stored parent is named (which of the two was
        # forged, the stored tree cannot tell); the last, unpaired leaf shows in the root
        return Mutation(f"forge entry {k} and its leaf hash", k & ~1, forge)
    level = rng.randrange(0, 6)
    count = SIZE >> level
    index = rng.randrange(count)
    return Mutation(
        f"flip node ({level}, {index})",
        index << level,
        lambda c: (
            c.execute(
                nodes.update()
                .where(nodes.c.level == level, nodes.c.idx == index)
                .values(hash=b"\xff" * 32)
            )
            and None
        ),
    )


def _build(engine: sa.Engine, signer: Ed25519Signer) -> None:
    have = 0
    for size in CHECKPOINTS:
        fill(engine, size - have, start=have)
        have = size
        checkpoint(engine, [signer])


def _bypass(connection: sa.Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
    else:
        for statement in worm._sqlite_drop():
            connection.exec_driver_sql(statement)


def _check_mutations(engine: sa.Engine, signer: Ed25519Signer, count: int, seed: int) -> None:
    rng = random.Random(seed)
    verifiers = [signer.verifier()]
    with engine.connect() as connection:
        assert audit.verify_database(connection, verifiers).ok
    undetected = []
    for _ in range(count):
        with engine.connect() as connection:
            transaction = connection.begin()
            try:
                mutation = _mutation(rng, connection)
                _bypass(connection)
                mutation.apply(connection)
                report = audit.verify_database(connection, verifiers, batch=16)
            finally:
                transaction.rollback()
        if report.ok:
            undetected.append(mutation.description)
        elif mutation.expected is not None and report.first_bad_index != mutation.expected:
            undetected.append(
                f"{mutation.description}: named {report.first_bad_index}, "
                f"expected {mutation.expected}"
            )
    assert undetected == []


@pytest.fixture
def signer(tmp_path: Path) -> Ed25519Signer:
    return audit.generate_key(ORIGIN, tmp_path / "log.key")


def test_200_random_single_changes_on_sqlite_are_all_detected_at_the_right_index(
    tmp_path: Path, signer: Ed25519Signer
) -> None:
    path = tmp_path / "ledger.db"
    guarded = sqlite_engine(path)
    create_ledger(guarded)
    _build(guarded, signer)
    guarded.dispose()
    superuser = sqlite_engine(path, guarded=False)
    try:
        _check_mutations(superuser, signer, 200, seed=20261124)
    finally:
        superuser.dispose()


@pytest.mark.postgres
def test_random_single_changes_on_postgresql_are_all_detected(
    pg_engine: sa.Engine, signer: Ed25519Signer
) -> None:
    _build(pg_engine, signer)
    _check_mutations(pg_engine, signer, 40, seed=6)


def test_a_removed_tail_is_detected_by_a_later_checkpoint(
    sqlite_db: sa.Engine, signer: Ed25519Signer
) -> None:
    _build(sqlite_db, signer)
    with sqlite_db.connect() as connection:
        transaction = connection.begin()
        with worm.allow_ddl(connection), worm.allow_prune(connection):
            connection.exec_driver_sql("DROP TRIGGER golive_audit_audit_entries_no_delete")
            connection.execute(
                ledger.audit_entries.delete().where(ledger.audit_entries.c.idx >= 40)
            )
        frontier = ledger.read_frontier(connection)
        report = audit.verify_database(connection, [signer.verifier()])
        transaction.rollback()
    assert frontier.size == SIZE
    assert report.first_bad_index == 40


def test_a_forged_checkpoint_signature_is_detected(
    sqlite_db: sa.Engine, signer: Ed25519Signer
) -> None:
    _build(sqlite_db, signer)
    other = Ed25519Signer(ORIGIN, b"\3" * 32)
    with sqlite_db.begin() as connection:
        ledger.insert_checkpoint(
            connection,
            size=SIZE,
            root=ledger.read_frontier(connection).root(),
            issued_at=T0,
            note=sign_checkpoint(
                Checkpoint(ORIGIN, SIZE, ledger.read_frontier(connection).root()), [other]
            ),
        )
    with sqlite_db.connect() as connection:
        report = audit.verify_database(connection, [signer.verifier()])
        unsigned = audit.verify_database(connection)
    assert not report.ok
    assert "does not verify" in report.findings[0].message
    assert unsigned.ok  # without the public key only the structure can be checked
