"""Local-first publishing: a durable outbox, flushed to the server with idempotency keys.

The CLI stays authoritative: ``golive gate --publish`` decides locally, then puts
each payload (the evidence batch, the decision) in the outbox *before* trying to
send it. A payload is one JSON file in ``Settings.outbox``, written atomically
(temporary file, fsync, rename, fsync of the directory), carrying its own
``Idempotency-Key``. :func:`flush` sends what is due; a payload leaves the outbox
only after the server answered 2xx (or a replay of the first answer), so a crash
at any point sends it again with the same key and the server stores it once.

Failures: connection errors, 5xx and 429 back off exponentially per payload
(1 s, 2 s, 4 s ... capped at 5 min, with jitter; ``Retry-After`` wins); 401 and
403 stop the flush and keep everything (fix the token); any other 4xx moves the
payload to ``failed/`` with the server's answer, since sending it again cannot
succeed.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import random
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from golive.errors import DependencyUnavailable, UsageError
from golive.files import fsync_dir, write_atomic

BACKOFF_BASE_S = 1.0
BACKOFF_MAX_S = 300.0
#: Largest evidence batch sent at once (bytes of file content); larger sets are split.
BATCH_BYTES = 4 * 1024 * 1024


@dataclass
class Entry:
    """One payload waiting in the outbox."""

    path: Path
    key: str
    route: str
    body: dict[str, Any]
    created_at: str
    attempts: int = 0
    next_attempt_at: float = 0.0
    last_error: str = ""

    def document(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "route": self.route,
            "body": self.body,
            "created_at": self.created_at,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at,
            "last_error": self.last_error,
        }


class Outbox:
    """A directory of payloads, one file each, named so that they sort by creation."""

    def __init__(self, directory: Path, clock: Callable[[], float] = time.time) -> None:
        self.directory = directory
        self.failed = directory / "failed"
        self._clock = clock

    def put(self, route: str, body: dict[str, Any], key: str | None = None) -> Entry:
        """Store a payload durably; it is in the outbox when this returns."""
        key = key or str(uuid.uuid4())
        now = self._clock()
        stamp = dt.datetime.fromtimestamp(now, dt.UTC)
        name = f"{stamp:%Y%m%dT%H%M%S%f}-{hashlib.sha256(key.encode()).hexdigest()[:12]}.json"
        entry = Entry(self.directory / name, key, route, body, stamp.isoformat(), 0, now)
        write_atomic(entry.path, json.dumps(entry.document(), sort_keys=True).encode())
        return entry

    def entries(self) -> list[Entry]:
        if not self.directory.is_dir():
            return []
        out = []
        for path in sorted(self.directory.glob("*.json")):
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
                out.append(
                    Entry(
                        path,
                        doc["key"],
                        doc["route"],
                        doc["body"],
                        doc["created_at"],
                        int(doc.get("attempts", 0)),
                        float(doc.get("next_attempt_at", 0.0)),
                        str(doc.get("last_error", "")),
                    )
                )
            except (OSError, ValueError, KeyError):
                continue  # a file being written by another process; next time
        return out

    def retry_later(self, entry: Entry, error: str, retry_after: float | None = None) -> None:
        entry.attempts += 1
        delay = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** (entry.attempts - 1))
        delay = delay * (0.5 + random.random() / 2)  # jitter: replicas of CI do not stampede
        if retry_after is not None:
            delay = max(delay, retry_after)
        entry.next_attempt_at = self._clock() + delay
        entry.last_error = error[:500]
        write_atomic(entry.path, json.dumps(entry.document(), sort_keys=True).encode())

    def delivered(self, entry: Entry) -> None:
        entry.path.unlink(missing_ok=True)
        fsync_dir(self.directory)

    def give_up(self, entry: Entry, answer: str) -> None:
        entry.last_error = answer[:2000]
        write_atomic(
            self.failed / entry.path.name,
            json.dumps(entry.document(), sort_keys=True).encode(),
        )
        self.delivered(entry)


@dataclass
class FlushReport:
    delivered: list[str] = field(default_factory=list)
    replayed: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "delivered": self.delivered,
            "replayed": self.replayed,
            "waiting": self.waiting,
            "failed": self.failed,
            "errors": self.errors,
        }


def client_for(server: str, token: str, *, timeout: float = 10.0) -> httpx.Client:
    """An HTTP client for the control plane at ``server`` with the API token."""
    if not server:
        raise UsageError("server: set GOLIVE_SERVER to the control plane's URL to publish")
    return httpx.Client(
        base_url=server.rstrip("/"),
        headers={"Authorization": f"Bearer {token}"} if token else {},
        timeout=timeout,
    )


def flush(outbox: Outbox, client: httpx.Client, *, only_due: bool = True) -> FlushReport:
    """Send every due payload once, oldest first; stop at the first sign the server is down."""
    report = FlushReport()
    now = time.time()
    pending = outbox.entries()
    for index, entry in enumerate(pending):
        if only_due and entry.next_attempt_at > now:
            report.waiting.append(entry.key)
            continue
        try:
            response = client.post(
                entry.route, json=entry.body, headers={"Idempotency-Key": entry.key}
            )
        except httpx.HTTPError as exc:
            outbox.retry_later(entry, f"{type(exc).__name__}: {exc}")
            report.waiting += [e.key for e in pending[index:]]
            report.errors.append(f"server unreachable: {exc}")
            break
        status = response.status_code
        if 200 <= status < 300:
            outbox.delivered(entry)
            replayed = response.headers.get("Idempotent-Replayed") == "true"
            (report.replayed if replayed else report.delivered).append(entry.key)
        elif status in (401, 403):
            report.waiting += [e.key for e in pending[index:]]
            report.errors.append(f"the server refused the token ({status}); fix GOLIVE_TOKEN")
            break
        elif status == 429 or status >= 500:
            retry_after = _retry_after(response.headers.get("Retry-After"))
            outbox.retry_later(entry, f"HTTP {status}", retry_after)
            report.waiting += [e.key for e in pending[index:]]
            report.errors.append(f"server answered {status}; will retry")
            break
        else:
            outbox.give_up(entry, f"HTTP {status}: {response.text}")
            report.failed.append(entry.key)
            report.errors.append(f"{entry.key}: HTTP {status}: {response.text[:300]}")
    return report


def flush_until_empty(
    outbox: Outbox,
    client: httpx.Client,
    *,
    deadline_s: float,
    sleep: Callable[[float], None] = time.sleep,
) -> FlushReport:
    """Flush, waiting out back-offs, until the outbox is empty or ``deadline_s`` passes."""
    end = time.monotonic() + deadline_s
    total = FlushReport()
    while True:
        report = flush(outbox, client)
        total.delivered += report.delivered
        total.replayed += report.replayed
        total.failed += report.failed
        total.errors += report.errors
        left = outbox.entries()
        if not left or time.monotonic() >= end or any("token" in e for e in report.errors):
            total.waiting = [e.key for e in left]
            return total
        due = min(e.next_attempt_at for e in left) - time.time()
        sleep(max(0.05, min(due, end - time.monotonic())))


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def evidence_batches(
    files: Iterable[tuple[str, bytes]],
    *,
    repository: str,
    commit: str | None,
    deployable: str | None,
    version: str | None,
) -> list[dict[str, Any]]:
    """Evidence files as ingestion batches of at most :data:`BATCH_BYTES` each."""
    batches: list[dict[str, Any]] = []
    current: list[dict[str, Any]] = []
    size = 0
    for name, data in files:
        record: dict[str, Any] = {
            "name": name,
            "content_base64": base64.b64encode(data).decode(),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        for field_name, value in (
            ("commit", commit),
            ("deployable", deployable),
            ("version", version),
        ):
            if value:
                record[field_name] = value
        if current and size + len(data) > BATCH_BYTES:
            batches.append({"repository": repository, "records": current})
            current, size = [], 0
        current.append(record)
        size += len(data)
    if current:
        batches.append({"repository": repository, "records": current})
    return batches


def queue_gate_result(
    outbox: Outbox,
    *,
    decision: dict[str, Any],
    evidence: Sequence[tuple[str, bytes]],
    repository: str,
) -> list[Entry]:
    """Put a local decision and its evidence in the outbox (evidence first)."""
    candidate = decision.get("candidate") or {}
    entries = [
        outbox.put("/api/v1/evidence", batch)
        for batch in evidence_batches(
            evidence,
            repository=repository,
            commit=candidate.get("commit"),
            deployable=candidate.get("deployable"),
            version=candidate.get("version"),
        )
    ]
    entries.append(outbox.put("/api/v1/decisions", {"decision": decision}))
    return entries


def queue_signoff(
    outbox: Outbox,
    *,
    repository: str,
    deployable: str,
    version: str,
    item: str,
    candidate: str,
    by: str,
    role: str,
    at: dt.datetime,
    link: str = "",
    checklist: str = "",
) -> Entry:
    """Put one sign-off (``golive attest --publish``) in the outbox as a batch of one, with
    its own idempotency key: sent any number of times, the server stores it once."""
    record: dict[str, Any] = {
        "item": item,
        "deployable": deployable,
        "version": version,
        "signer": by,
        "role": role,
        "candidate": candidate,
        "time": at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
    }
    if link:
        record["link"] = link
    if checklist:
        record["checklist"] = checklist
    return outbox.put("/api/v1/signoffs", {"repository": repository, "records": [record]})


def publish_now(outbox: Outbox, server: str, token: str) -> FlushReport:
    """Try to send everything due now; never raises for an unreachable server."""
    with client_for(server, token) as client:
        return flush(outbox, client)


def require_delivered(report: FlushReport) -> None:
    if report.waiting:
        raise DependencyUnavailable(
            f"{len(report.waiting)} payload(s) wait in the outbox: {'; '.join(report.errors)}"
        )


def read_evidence_files(paths: Sequence[Path], max_bytes: int) -> list[tuple[str, bytes]]:
    """The bytes of every file under ``paths``, named as ``golive gate`` names them."""
    from golive.evidence import iter_files
    from golive.evidence._io import read_limited

    out: list[tuple[str, bytes]] = []
    for root in paths:
        for path in iter_files(root):
            name = (
                f"{root.name}/{path.relative_to(root).as_posix()}" if root.is_dir() else path.name
            )
            out.append((name, read_limited(path, max_bytes)))
    return out
