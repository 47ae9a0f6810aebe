"""Helpers shared by the ledger tests: engines, a fresh ledger, filling it, checkpoints, and
changes made behind golive's back."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from golive.core import ledger as core
from golive.core.note import Ed25519Signer
from golive.services import audit
from golive.storage import ledger, worm
from golive.storage.metadata import metadata

ORIGIN = "golive.example.com/acme/prod"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

LEDGER_TABLES = [
    ledger.audit_head,
    ledger.audit_entries,
    ledger.audit_nodes,
    ledger.audit_checkpoints,
    ledger.audit_personal,
    ledger.audit_prunes,
]


def sqlite_engine(path: Path, *, guarded: bool = True) -> sa.Engine:
    """A SQLite engine the way golive opens one: WAL, BEGIN IMMEDIATE, the WORM authorizer."""
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"isolation_level": None})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: object, record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    if guarded:
        worm.install_sqlite_authorizer(engine)
    return engine


def create_ledger(engine: sa.Engine) -> None:
    """Create the ledger tables and their WORM triggers (what migration 0002 does)."""
    with engine.begin() as connection:
        metadata.create_all(connection, tables=LEDGER_TABLES)
        worm.install_worm(connection)


def fill(engine: sa.Engine, count: int, *, start: int = 0, tenant: str = "acme") -> None:
    with engine.begin() as connection:
        for n in range(start, start + count):
            ledger.append_entry(
                connection,
                time=T0 + timedelta(minutes=n),
                tenant=tenant,
                actor=f"user:{n % 3}",
                action="release.decided",
                subject=f"release:{n}",
                correlation_id=f"req-{n}",
                payload={"n": n, "email": f"user{n}@example.com", "ok": n % 2 == 0},
                personal=["email"],
            )


def text_entries(fields: Sequence[tuple[str, str, str, str, str, str]]) -> list[ledger.NewEntry]:
    """Entries of the given ``(tenant, actor, action, subject, correlation_id, text)``, the
    text also in the payload: for comparing leaves built elsewhere with golive's."""
    return [
        ledger.NewEntry(
            time=T0 + timedelta(seconds=n),
            tenant=tenant,
            actor=actor,
            action=action,
            subject=subject,
            correlation_id=correlation,
            payload={"text": text, "n": n},
        )
        for n, (tenant, actor, action, subject, correlation, text) in enumerate(fields)
    ]


def checkpoint(engine: sa.Engine, signers: list[Ed25519Signer]) -> ledger.StoredCheckpoint:
    with engine.begin() as connection:
        return audit.issue_checkpoint(connection, signers, now=T0)


FIELDS = ("time", "tenant", "actor", "action", "subject", "correlation_id", "payload", "leaf")

TAMPER_SIZE = 600
"""The ledger the tamper tests change: two whole tiles of 256 entries (stored nodes of
level 8, and one of level 9 over both) and a partial third."""
TAMPER_CHECKPOINTS = (5, 16, 31, 300, 513, TAMPER_SIZE)


def forged_index(k: int, size: int, checkpoints: Sequence[int]) -> int:
    """The index verification names when entry ``k`` was changed together with its stored
    leaf hash: the first thing that no longer matches is either the level-8 node over its
    tile (named from the tile's start) or the next signed root (named from the last point
    a node or root vouched for, which cannot be after ``k``); whichever comes first."""
    tile_start = k & ~255
    tile_end = tile_start + 256
    following = min(c for c in checkpoints if c > k)
    if tile_end <= min(following, size):
        return tile_start
    return max(tile_start, max((c for c in checkpoints if c <= k), default=0))


@dataclass(frozen=True)
class Mutation:
    """One change behind golive's back, and the index verification must name."""

    description: str
    expected: int | None
    apply: Callable[[sa.Connection], None]


def entry_row(connection: sa.Connection, index: int) -> dict[str, object]:
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
    if name == "leaf":
        value = bytes(row["leaf"])  # type: ignore[arg-type]
        return rng.choice([bytes([value[0] ^ 1]) + value[1:], value[:-1], None])
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


def random_mutation(
    rng: random.Random,
    connection: sa.Connection,
    size: int = TAMPER_SIZE,
    checkpoints: Sequence[int] = TAMPER_CHECKPOINTS,
) -> Mutation:
    """One random change behind golive's back to a ledger of ``size`` entries with
    checkpoints at ``checkpoints``."""
    kind = rng.choices(
        ["field", "delete", "move", "swap", "insert", "node", "leaf"],
        weights=[14, 2, 1, 2, 1, 2, 1],
    )[0]
    k = rng.randrange(size)
    entries, nodes = ledger.audit_entries, ledger.audit_nodes
    if kind == "field":
        name = rng.choice(FIELDS)
        value = _changed_value(rng, entry_row(connection, k), name)
        return Mutation(f"entry {k}.{name} := {value!r}", k, _set(k, **{name: value}))
    if kind == "delete":
        return Mutation(
            f"delete entry {k}",
            k,
            lambda c: c.execute(entries.delete().where(entries.c.idx == k)) and None,
        )
    if kind == "move":
        target = rng.choice([-1, size + 7, 10**9])
        return Mutation(f"move entry {k} to {target}", k, _set(k, idx=target))
    if kind == "swap":
        j = rng.choice([i for i in range(size) if i != k])

        def swap(c: sa.Connection) -> None:
            c.execute(entries.update().where(entries.c.idx == k).values(idx=-100))
            c.execute(entries.update().where(entries.c.idx == j).values(idx=k))
            c.execute(entries.update().where(entries.c.idx == -100).values(idx=j))

        return Mutation(f"swap entries {k} and {j}", min(k, j), swap)
    if kind == "insert":
        row = entry_row(connection, k)
        row["idx"] = size
        return Mutation(
            f"insert a copy of {k} at {size}",
            size,
            lambda c: c.execute(entries.insert().values(**row)) and None,
        )
    if kind == "leaf":

        def forge(c: sa.Connection) -> None:
            # a careful attacker changes the entry AND its leaf hash: the stored nodes or
            # checkpoints still give it away
            c.execute(entries.update().where(entries.c.idx == k).values(actor="user:mallory"))
            forged = ledger.entry_from_row(entry_row(c, k)).leaf_hash()
            c.execute(entries.update().where(entries.c.idx == k).values(leaf=forged))

        # which entry of the range under the first stored node or signed root that no
        # longer matches was forged, the stored tree cannot tell: the range is named
        expected = forged_index(k, size, checkpoints)
        return Mutation(f"forge entry {k} and its leaf hash", expected, forge)
    level = rng.randrange(ledger.NODE_FLOOR, size.bit_length())
    count = size >> level
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


def build_with_checkpoints(engine: sa.Engine, signer: Ed25519Signer, sizes: Sequence[int]) -> None:
    """Fill the ledger to each of ``sizes`` in turn, with a signed checkpoint at each."""
    have = 0
    for size in sizes:
        fill(engine, size - have, start=have)
        have = size
        checkpoint(engine, [signer])


def bypass_guards(connection: sa.Connection) -> None:
    """Act as a superuser in this transaction: no WORM triggers (SQLite), no triggers at
    all (PostgreSQL's replica role)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
    else:
        for statement in worm._sqlite_drop():
            connection.exec_driver_sql(statement)


def spy_answers(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[bool]:
    """Replace ``module.name`` (a compiled subtree check) by a spy; the list it returns
    fills with whether each call gave an answer (not None)."""
    answers: list[bool] = []
    real = getattr(module, name)

    def spy(*args: object) -> object:
        found = real(*args)
        answers.append(found is not None)
        return found

    monkeypatch.setattr(module, name, spy)
    return answers
