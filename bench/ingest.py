"""Ingestion load generator: batches of 100 records against a local ``golive serve``.

Starts the server on SQLite (a temporary file) and on PostgreSQL (a temporary
database on 127.0.0.1:5432), then offers a fixed load of batches for a fixed time
from several client threads, each batch with a fresh Idempotency-Key; a share of
the requests resend an earlier batch with its key (the retries a flaky network
causes) and must come back as replays. Reports records/s stored, latency
p50/p95/p99, errors and the replay rate.

    .venv/bin/python bench/ingest.py                       # both databases, defaults
    .venv/bin/python bench/ingest.py --db sqlite --rate 60 --seconds 20 --workers 2

Target (issue: the control plane): >= 5,000 records/s sustained with p95 <= 100 ms
on PostgreSQL on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
RECORDS = 100


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    replays_sent: int = 0
    replays_seen: int = 0
    records: int = 0
    records_per_s: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _batch(i: int) -> dict[str, object]:
    return {
        "repository": "bench/app",
        "records": [
            {
                "environment": "production",
                "deployable": "api",
                "version": f"{i}.{j}",
                "digest": f"sha256:{i:032x}{j:032x}",
                "status": "succeeded",
                "time": "2026-11-24T10:00:00Z",
            }
            for j in range(RECORDS)
        ],
    }


def _serve(url: str, workers: int) -> tuple[subprocess.Popen[bytes], int, str]:
    env = {
        **os.environ,
        "GOLIVE_DATABASE_URL": url,
        "GOLIVE_RATE_LIMIT_PER_SECOND": "1000000",
        "GOLIVE_RATE_LIMIT_BURST": "1000000",
        "GOLIVE_LOG_LEVEL": "WARNING",
    }
    golive = [sys.executable, "-m", "golive"]
    subprocess.run([*golive, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*golive, "tenant", "create", "bench"], env=env, check=True, capture_output=True)
    token = subprocess.run(
        [*golive, "token", "create", "--tenant", "bench", "--role", "developer"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    port = _port()
    proc = subprocess.Popen(
        [*golive, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=0.5).is_success:
                return proc, port, token
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("golive serve did not start")


def _run(port: int, token: str, rate: float, seconds: float, workers: int, replay: float) -> Result:
    result = Result()
    per_worker = rate / workers
    start = time.monotonic() + 0.2
    end = start + seconds

    def worker(n: int) -> None:
        rng = random.Random(n)
        sent: list[tuple[str, dict[str, object]]] = []
        client = httpx.Client(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        k = 0
        while True:
            due = start + k / per_worker  # open loop: a fixed schedule of sends
            now = time.monotonic()
            if due >= end:
                break
            if due > now:
                time.sleep(due - now)
            is_replay = bool(sent) and rng.random() < replay
            if is_replay:
                key, body = rng.choice(sent)
            else:
                key, body = str(uuid.uuid4()), _batch(n * 1_000_000 + k)
            t0 = time.perf_counter()
            try:
                r = client.post("/api/v1/deployments", json=body, headers={"Idempotency-Key": key})
                ok = r.status_code == 201
            except httpx.HTTPError:
                ok = False
                r = None
            elapsed = time.perf_counter() - t0
            with result.lock:
                result.latencies.append(elapsed)
                if not ok:
                    result.errors += 1
                elif is_replay:
                    result.replays_sent += 1
                    if r is not None and r.headers.get("Idempotent-Replayed") == "true":
                        result.replays_seen += 1
                else:
                    result.records += RECORDS
                    sent.append((key, body))
                    del sent[:-20]
            k += 1
        client.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if not result.latencies:
        result.latencies.append(0.0)
    elapsed = max(time.monotonic() - start, seconds)
    result.records_per_s = result.records / elapsed
    return result


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def bench(db: str, args: argparse.Namespace) -> None:
    cleanup: list[object] = []
    if db == "sqlite":
        tmp = tempfile.mkdtemp(prefix="golive-bench-")
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
    else:
        name = f"golive_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
        cleanup.append((admin, name))
    proc, port, token = _serve(url, args.server_workers)
    try:
        r = _run(port, token, args.rate, args.seconds, args.workers, args.replay)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        for admin, name in cleanup:  # type: ignore[misc]
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    total = len(r.latencies)
    print(
        f"{db:<8} offered {args.rate:g} batches/s x {RECORDS} records for {args.seconds:g} s, "
        f"{args.workers} clients, {args.server_workers} server worker(s)\n"
        f"         stored {r.records_per_s:,.0f} records/s; "
        f"latency p50 {_pct(r.latencies, 50):.1f} ms"
        f" p95 {_pct(r.latencies, 95):.1f} ms p99 {_pct(r.latencies, 99):.1f} ms; "
        f"requests {total}, errors {r.errors}; replays {r.replays_seen}/{r.replays_sent} "
        f"({100 * r.replays_sent / max(total, 1):.1f}% of requests)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rate", type=float, default=60, help="offered batches per second")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=8, help="client threads")
    parser.add_argument("--server-workers", type=int, default=1)
    parser.add_argument("--replay", type=float, default=0.05, help="share of requests resent")
    args = parser.parse_args()
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        bench(db, args)


if __name__ == "__main__":
    main()
