"""``golive serve`` signs checkpoints on a schedule when ``GOLIVE_AUDIT_KEY`` is set."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from ledger_support import ORIGIN, fill

from golive.api.app import create_app
from golive.api.scheduler import CHECKPOINT_TASK
from golive.core.checkpoint import Checkpoint, sign_checkpoint
from golive.services import audit, database
from golive.settings import Settings
from golive.storage import ledger
from golive.storage.engine import make_engine

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
TICK = "0.05"


@pytest.fixture
def migrated(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'serve.db'}")
    database.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "audit.key"
    audit.generate_key(ORIGIN, path)
    return path


def _settings(engine: sa.Engine, audit_key: str = "") -> Settings:
    return Settings(database_url=str(engine.url), audit_key=audit_key, checkpoint_interval=TICK)


def _checkpoints(engine: sa.Engine) -> list[ledger.StoredCheckpoint]:
    with engine.connect() as connection:
        return ledger.list_checkpoints(connection)


def _wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def _checkpoint_tasks(client: TestClient) -> list[asyncio.Task[object]]:
    def find() -> list[asyncio.Task[object]]:
        return [t for t in asyncio.all_tasks() if t.get_name() == CHECKPOINT_TASK]

    return client.portal.call(find)  # type: ignore[union-attr]


def test_the_server_signs_a_checkpoint_each_interval_once_the_tree_grew(
    migrated: sa.Engine, key: Path
) -> None:
    fill(migrated, 3)
    app = create_app(_settings(migrated, str(key)), engine=migrated, clock=lambda: NOW)
    with TestClient(app) as client:
        assert _wait_for(lambda: [c.size for c in _checkpoints(migrated)] == [3])
        fill(migrated, 2, start=3)
        assert _wait_for(lambda: [c.size for c in _checkpoints(migrated)] == [3, 5])
        time.sleep(0.2)  # the tree did not grow: no new checkpoint
        assert [c.size for c in _checkpoints(migrated)] == [3, 5]
        assert client.get("/healthz").status_code == 200
    latest = _checkpoints(migrated)[-1]
    signer = audit.load_signers([key])[0]
    with migrated.connect() as connection:
        proof = audit.prove_inclusion(connection, 4)
    assert audit.verify_proof(proof, [signer.verifier()]).startswith("entry 4 is in the tree")
    assert latest.issued_at.startswith("2026-11-24T10:00:00")


def test_without_an_audit_key_no_checkpoint_is_signed_and_no_task_runs(
    migrated: sa.Engine,
) -> None:
    fill(migrated, 3)
    with TestClient(create_app(_settings(migrated), engine=migrated)) as client:
        assert _checkpoint_tasks(client) == []
        time.sleep(0.3)
    assert _checkpoints(migrated) == []


def test_shutdown_cancels_the_task_and_no_checkpoint_follows(
    migrated: sa.Engine, key: Path
) -> None:
    fill(migrated, 1)
    app = create_app(_settings(migrated, str(key)), engine=migrated, clock=lambda: NOW)
    with TestClient(app) as client:
        tasks = _checkpoint_tasks(client)
        assert len(tasks) == 1
        assert _wait_for(lambda: len(_checkpoints(migrated)) == 1)
    assert tasks[0].done()
    assert tasks[0].cancelled()
    fill(migrated, 1, start=1)
    time.sleep(0.3)
    assert [c.size for c in _checkpoints(migrated)] == [1]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_a_failing_checkpoint_is_logged_and_the_server_keeps_serving(
    migrated: sa.Engine, key: Path
) -> None:
    fill(migrated, 2)
    signer = audit.load_signers([key])[0]
    bogus = sign_checkpoint(Checkpoint(ORIGIN, 1000, bytes(32)), [signer])
    with migrated.begin() as connection:  # a checkpoint the tree cannot extend
        ledger.insert_checkpoint(connection, size=1000, root=bytes(32), issued_at=NOW, note=bogus)
    app = create_app(_settings(migrated, str(key)), engine=migrated, clock=lambda: NOW)
    logger, records = logging.getLogger("golive.scheduler"), _Records()
    logger.addHandler(records)
    try:
        with TestClient(app) as client:
            assert _wait_for(lambda: len(records.messages) >= 2)  # it failed, then tried again
            assert client.get("/healthz").status_code == 200
            assert len(_checkpoint_tasks(client)) == 1
    finally:
        logger.removeHandler(records)
    assert records.messages[0].startswith("scheduled checkpoint failed: VerificationError")
    assert [c.size for c in _checkpoints(migrated)] == [1000]


@pytest.mark.parametrize(
    ("text", "seconds"), [("5m", 300.0), ("30s", 30.0), ("1h30m", 5400.0), ("0.05", 0.05)]
)
def test_the_interval_is_a_duration_or_a_number_of_seconds(text: str, seconds: float) -> None:
    assert Settings(checkpoint_interval=text).checkpoint_interval_seconds == seconds


@pytest.mark.parametrize("text", ["", "0", "-1", "5bd", "1y", "five minutes", "nan", "inf"])
def test_an_interval_that_is_not_a_positive_elapsed_time_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="checkpoint_interval"):
        Settings(checkpoint_interval=text)


def test_the_default_interval_is_five_minutes() -> None:
    assert Settings().checkpoint_interval_seconds == 300.0
