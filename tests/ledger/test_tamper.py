"""Tamper detection: changes made behind golive's back are found, and the first bad index named.

The mutations run as a superuser would: on SQLite through a connection without golive's
authorizer, with the triggers dropped inside the transaction; on PostgreSQL with
``session_replication_role = replica``. Each mutation is verified and rolled back.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import sqlalchemy as sa
from ledger_support import (
    ORIGIN,
    T0,
    TAMPER_CHECKPOINTS,
    TAMPER_SIZE,
    build_with_checkpoints,
    bypass_guards,
    create_ledger,
    random_mutation,
    sqlite_engine,
)

from golive.core.checkpoint import Checkpoint, sign_checkpoint
from golive.core.note import Ed25519Signer
from golive.services import audit
from golive.storage import ledger, worm

SIZE, CHECKPOINTS = TAMPER_SIZE, TAMPER_CHECKPOINTS


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
                mutation = random_mutation(rng, connection, SIZE)
                bypass_guards(connection)
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
    build_with_checkpoints(guarded, signer, CHECKPOINTS)
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
    build_with_checkpoints(pg_engine, signer, CHECKPOINTS)
    _check_mutations(pg_engine, signer, 40, seed=6)


def test_a_removed_tail_is_detected_by_a_later_checkpoint(
    sqlite_db: sa.Engine, signer: Ed25519Signer
) -> None:
    build_with_checkpoints(sqlite_db, signer, CHECKPOINTS)
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
    build_with_checkpoints(sqlite_db, signer, CHECKPOINTS)
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
