"""Once the server answered 2xx, the batch survives ``kill -9``; retried batches land once.

A real ``golive serve`` subprocess is killed with SIGKILL at random moments while
batches are ingested in a loop; after each kill it is restarted. Every batch the
server acknowledged must be stored exactly once; a batch whose answer was lost is
retried with the same Idempotency-Key until acknowledged, and must also be stored once.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

import httpx
from sqlalchemy import func, select

from golive.services import tenants
from golive.storage.tables import deployments
from golive.storage.unit_of_work import UnitOfWork

LOOP_SECONDS = 8.0
BATCH = 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, database_url: str, port: int) -> None:
        self.port = port
        self.env = {
            **os.environ,
            "GOLIVE_DATABASE_URL": database_url,
            "GOLIVE_RATE_LIMIT_PER_SECOND": "100000",
            "GOLIVE_RATE_LIMIT_BURST": "100000",
            "GOLIVE_LOG_LEVEL": "WARNING",
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "golive", "serve", "--port", str(self.port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=0.5).is_success:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise AssertionError("golive serve did not start")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def _body(i: int) -> dict[str, object]:
    return {
        "repository": "org/app",
        "records": [
            {
                "environment": "production",
                "deployable": "api",
                "version": f"{i}.{j}",
                "status": "succeeded",
                "time": "2026-11-24T10:00:00Z",
            }
            for j in range(BATCH)
        ],
    }


def test_acknowledged_batches_survive_kill_9_exactly_once(engine, database_url) -> None:
    name = f"dur-{uuid.uuid4().hex[:8]}"
    tenants.create_tenant(UnitOfWork(engine), name, actor="test")
    token = tenants.create_token(
        UnitOfWork(engine), tenant=name, role="developer", name="ci", expires_in=None, actor="t"
    ).secret
    server = Server(database_url, _free_port())
    server.start()
    stop = threading.Event()
    kills = 0

    def killer() -> None:
        nonlocal kills
        rng = random.Random()
        while not stop.wait(rng.uniform(0.4, 1.2)):
            with server.lock:
                server.kill()
                kills += 1
                server.start()

    thread = threading.Thread(target=killer, daemon=True)
    acked: dict[str, int] = {}
    retried = 0
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{server.port}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=3,
    )
    end = time.monotonic() + LOOP_SECONDS
    # a slow machine restarts the server slowly: go on (up to a bound) until it was killed
    # often enough for the test to mean something
    hard_end = end + 6 * LOOP_SECONDS
    thread.start()
    try:
        i = 0
        while time.monotonic() < end or (kills < 3 and time.monotonic() < hard_end):
            key = str(uuid.uuid4())
            while True:
                try:
                    r = client.post(
                        "/api/v1/deployments", json=_body(i), headers={"Idempotency-Key": key}
                    )
                except httpx.HTTPError:
                    retried += 1
                    time.sleep(0.05)
                    continue
                assert r.status_code == 201, r.text
                acked[key] = r.json()["accepted"]
                break
            i += 1
    finally:
        stop.set()
        thread.join()
        with server.lock:
            server.kill()
        client.close()

    assert kills >= 3, "the server was not killed often enough to mean anything"
    assert len(acked) >= 10
    with engine.connect() as conn:
        rows = conn.execute(
            select(deployments.c.batch_key, func.count())
            .where(deployments.c.batch_key.in_(list(acked)))
            .group_by(deployments.c.batch_key)
        ).all()
    stored = dict(rows)
    missing = [k for k in acked if k not in stored]
    wrong = {k: n for k, n in stored.items() if n != BATCH}
    assert not missing, f"{len(missing)} acknowledged batches lost after {kills} kills"
    assert not wrong, f"batches stored more or less than once: {wrong}"
    print(f"{len(acked)} batches, {kills} kills, {retried} retries")
