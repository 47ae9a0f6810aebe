"""The audit ledger's tables, and appending to it inside the caller's transaction.

Tables (all on the shared :data:`golive.storage.metadata.metadata`):

``audit_head``         one row (id 1): the tree size and the frontier (the roots of the
                       perfect subtrees covering ``[0, size)``, 32 bytes each, concatenated).
                       The only mutable ledger row; its row lock serialises appenders.
``audit_entries``      one row per entry: the fields of the leaf, payload as canonical JSON,
                       and the entry's leaf hash (``leaf``).
``audit_nodes``        the *perfect* nodes ``(level, idx)`` from level :data:`NODE_FLOOR` (8)
                       up: the hash of leaves ``[idx * 2**level, (idx + 1) * 2**level)``.
                       One row per 128 entries, each written once. The levels below are
                       those of one 256-entry tile (C2SP tlog-tiles), recomputed from its
                       leaf hashes when a proof needs them; entries pruned into an archive
                       leave their leaf hashes and those lower levels here.
``audit_checkpoints``  every signed checkpoint issued (C2SP signed note).
``audit_personal``     values of personal payload fields with their salts. Not part of the
                       tree: erasure deletes rows here and no hash changes.
``audit_prunes``       archive segments verified before their hot entries were pruned.

Append-only tables (WORM, :mod:`golive.storage.worm`): entries, nodes, checkpoints, prunes.

Reads for proofs: any subtree hash of the RFC 9162 recursion splits into at most
``log2(n) + 1`` perfect nodes, so an inclusion or consistency proof of a tree of ``n``
entries needs at most about ``2 * log2(n)`` node rows, fetched in one ``SELECT``, and the
leaf hashes of at most two tiles (256 entries each) for the nodes below level 8, in one
more (:func:`subtree_hashes`). An append reads the head row (one) and writes the entry
with its leaf hash, a node only when it completes a tile (one in 256 appends, amortised
1/128 of a row) and the head.

Inserting the head row if it is missing goes through :mod:`golive.storage.dialect`. The
writes of an append after the claim are the one place that picks its SQL by database
(:func:`_write`, on :func:`golive.storage.dialect.is_sqlite`): prepared statements run by
the driver for every row on SQLite, one statement of data-modifying CTEs (one round trip)
on PostgreSQL; both store the same rows.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from golive.core import ledger as core
from golive.core import merkle
from golive.core.merkle import HASH_SIZE, Frontier, leaf_hash, perfect_ranges, range_hash
from golive.core.tiles import HEIGHT
from golive.errors import InputError, VerificationError
from golive.storage import dialect
from golive.storage.metadata import metadata

__all__ = [
    "NODE_FLOOR",
    "WORM_TABLES",
    "NewEntry",
    "StoredCheckpoint",
    "append_entries",
    "append_entry",
    "audit_checkpoints",
    "audit_entries",
    "audit_head",
    "audit_nodes",
    "audit_personal",
    "audit_prunes",
    "checkpoint_by_size",
    "entry_from_row",
    "entry_rows",
    "get_entry",
    "insert_checkpoint",
    "iter_entries",
    "keep_lower_nodes",
    "latest_checkpoint",
    "leaf_hashes",
    "list_checkpoints",
    "node_rows",
    "nodes_completed_in",
    "personal_values",
    "personal_with_payloads",
    "pruned_before",
    "read_frontier",
    "read_nodes",
    "subtree_hashes",
    "tile_hashes",
]

_HEAD_ID = 1

NODE_FLOOR = HEIGHT
"""The lowest level ``audit_nodes`` holds for entries still stored: 8, the height of a C2SP
tlog-tiles tile. Each entry row carries its own leaf hash; a node of a level in between is
the root over the leaf hashes of its part of one 256-entry tile, computed when needed (a
proof reads at most two tiles' leaf hashes). Storing them would cost two rows per entry
on every append and on every verification, for hashes any reader recomputes in
microseconds. Pruning writes the leaf hashes and these levels for the entries it removes
(:func:`golive.services.audit.prune`), so the database still proves everything above."""

AnyRow = sa.Row[*tuple[Any, ...]]
"""A result row of any shape."""

audit_head = sa.Table(
    "audit_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("frontier", sa.LargeBinary, nullable=False),
    comment="The ledger's tree size and frontier; its row lock serialises appenders.",
)

audit_entries = sa.Table(
    "audit_entries",
    metadata,
    sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("time", sa.String(27), nullable=False),
    sa.Column("tenant", sa.String, nullable=False),
    sa.Column("actor", sa.String, nullable=False),
    sa.Column("action", sa.String, nullable=False),
    sa.Column("subject", sa.String, nullable=False),
    sa.Column("correlation_id", sa.String, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("leaf", sa.LargeBinary(HASH_SIZE), nullable=True),
    sa.Index("ix_audit_entries_tenant_idx", "tenant", "idx"),
    sa.Index("ix_audit_entries_correlation_id", "correlation_id"),
    sa.Index("ix_audit_entries_subject", "subject"),
    comment="Audit ledger entries (append-only); payload is RFC 8785 canonical JSON.",
)

audit_nodes = sa.Table(
    "audit_nodes",
    metadata,
    sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("hash", sa.LargeBinary(HASH_SIZE), nullable=False),
    comment="Perfect Merkle nodes (append-only): leaves [idx*2^level, (idx+1)*2^level).",
)

audit_checkpoints = sa.Table(
    "audit_checkpoints",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("root", sa.LargeBinary(HASH_SIZE), nullable=False),
    sa.Column("issued_at", sa.String(27), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Index("ix_audit_checkpoints_size", "size"),
    comment="Signed C2SP checkpoints of the ledger (append-only).",
)

audit_personal = sa.Table(
    "audit_personal",
    metadata,
    sa.Column("entry_idx", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("field", sa.String, primary_key=True),
    sa.Column("salt", sa.LargeBinary(32), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    comment="Personal payload values and salts; erasure deletes rows, the tree is unchanged.",
)

audit_prunes = sa.Table(
    "audit_prunes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("before_idx", sa.BigInteger, nullable=False),
    sa.Column("checkpoint_size", sa.BigInteger, nullable=False),
    sa.Column("archive_sha256", sa.String(64), nullable=False),
    sa.Column("archive_name", sa.String, nullable=False),
    sa.Column("pruned_at", sa.String(27), nullable=False),
    comment="Verified archive segments whose hot entries were pruned (append-only).",
)

WORM_TABLES = ("audit_entries", "audit_nodes", "audit_checkpoints", "audit_prunes")
"""Tables no one may UPDATE, DELETE or TRUNCATE (entries below a prune mark excepted)."""


# --- appending --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewEntry:
    """An entry to append. ``personal`` names the payload fields the policy marks personal."""

    time: datetime
    tenant: str
    actor: str
    action: str
    subject: str
    correlation_id: str
    payload: Mapping[str, object] = field(default_factory=dict)
    personal: Collection[str] = ()


def append_entry(
    connection: sa.Connection,
    *,
    time: datetime,
    tenant: str,
    actor: str,
    action: str,
    subject: str,
    correlation_id: str,
    payload: Mapping[str, object],
    personal: Collection[str] = (),
) -> int:
    """Append one entry inside the caller's transaction (never commits); return its index.

    Payload fields named in ``personal`` are replaced in the leaf by a salted commitment,
    and their values kept in ``audit_personal`` where erasure can delete them.
    """
    entry = NewEntry(time, tenant, actor, action, subject, correlation_id, payload, personal)
    return append_entries(connection, [entry])[0]


def append_entries(connection: sa.Connection, entries: Sequence[NewEntry]) -> list[int]:
    """Append several entries in order, inside the caller's transaction; return their indices.

    Appenders serialise on the head row: its ``UPDATE`` takes a row lock on PostgreSQL and
    the write lock on SQLite, held until the caller's transaction ends.
    """
    if not entries:
        return []
    # validate and serialise everything before taking the lock and claiming indices, so a
    # bad entry never leaves a claimed index behind; what needs the index (the leaf's
    # "index" field, the row key) is spliced in after the claim
    prepared = []
    personal_any = False
    for new in entries:
        payload, personal = _split_personal(new.payload, new.personal)
        payload_json = core.canonical_json(payload)
        row = (
            core.format_time(new.time),
            new.tenant,
            new.actor,
            new.action,
            new.subject,
            new.correlation_id,
            payload_json.decode("utf-8"),
        )
        head, tail = core.leaf_parts(
            time=row[0],
            tenant=new.tenant,
            actor=new.actor,
            action=new.action,
            subject=new.subject,
            correlation_id=new.correlation_id,
            payload_json=payload_json,
        )
        prepared.append((row, head, tail, personal))
        personal_any = personal_any or bool(personal)
    first, frontier = _claim(connection, len(entries))
    entry_rows: list[tuple[object, ...]] = []
    node_rows: list[tuple[int, int, bytes]] = []
    personal_rows: list[tuple[int, str, bytes, str]] = []
    append_leaf_hash = frontier.append_leaf_hash
    for index, (row, head, tail, personal) in enumerate(prepared, first):
        hashed = leaf_hash(head + str(index).encode() + tail)
        entry_rows.append((index, *row, hashed))
        completed = append_leaf_hash(hashed)  # level by level from 0: a tile is complete
        if len(completed) > NODE_FLOOR:  # when it reaches NODE_FLOOR, one append in 256
            node_rows += [(n.level, n.index, n.hash) for n in completed[NODE_FLOOR:]]
        if personal_any:
            personal_rows += [(index, f, salt, value) for f, salt, value in personal]
    _write(connection, entry_rows, node_rows, personal_rows, b"".join(frontier.hashes))
    return list(range(first, first + len(entries)))


_CLAIM = f"UPDATE audit_head SET size = size + {{}} WHERE id = {_HEAD_ID} RETURNING size, frontier"
_SQLITE_CLAIM = _CLAIM.format("?")
_PG_CLAIM = _CLAIM.format("%s")
_ENTRY_COLUMNS = "idx, time, tenant, actor, action, subject, correlation_id, payload, leaf"
_SQLITE_WRITES = (
    f"INSERT INTO audit_entries ({_ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO audit_nodes (level, idx, hash) VALUES (?, ?, ?)",
    "INSERT INTO audit_personal (entry_idx, field, salt, value) VALUES (?, ?, ?, ?)",
    f"UPDATE audit_head SET frontier = ? WHERE id = {_HEAD_ID}",
)
#: PostgreSQL: each table's rows travel as one JSON array of objects (written by the C JSON
#: encoder, byte strings as bytea hex text ``\\x...``) expanded by ``json_to_recordset``.
#: Arrays of one value per column cost psycopg most of an append's time to quote in
#: Python (100 entries with their nodes: 10 ms, against 2 ms of server work).
_PG_ENTRIES = (
    f"entries AS (INSERT INTO audit_entries ({_ENTRY_COLUMNS}) SELECT {_ENTRY_COLUMNS} "
    "FROM json_to_recordset(%s::json) AS r(idx bigint, time text, tenant text, actor text, "
    "action text, subject text, correlation_id text, payload text, leaf bytea))"
)
_PG_NODES = (
    "nodes AS (INSERT INTO audit_nodes (level, idx, hash) SELECT level, idx, hash "
    "FROM json_to_recordset(%s::json) AS r(level smallint, idx bigint, hash bytea))"
)
_PG_PERSONAL = (
    "personal AS (INSERT INTO audit_personal (entry_idx, field, salt, value) "
    "SELECT entry_idx, field, salt, value "
    "FROM json_to_recordset(%s::json) AS r(entry_idx bigint, field text, salt bytea, value text))"
)
_PG_HEAD = f"UPDATE audit_head SET frontier = %s WHERE id = {_HEAD_ID}"
#: The statement of an append by what it writes besides entries and the head: (nodes,
#: personal values). Most appends complete no tile and keep no personal value.
_PG_WRITES = {
    (False, False): f"WITH {_PG_ENTRIES} {_PG_HEAD}",
    (True, False): f"WITH {_PG_ENTRIES}, {_PG_NODES} {_PG_HEAD}",
    (False, True): f"WITH {_PG_ENTRIES}, {_PG_PERSONAL} {_PG_HEAD}",
    (True, True): f"WITH {_PG_ENTRIES}, {_PG_NODES}, {_PG_PERSONAL} {_PG_HEAD}",
}
_ENTRY_KEYS = tuple(_ENTRY_COLUMNS.split(", "))
_NODE_KEYS = ("level", "idx", "hash")
_PERSONAL_KEYS = ("entry_idx", "field", "salt", "value")
_pg_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _pg_records(keys: tuple[str, ...], rows: Sequence[Sequence[object]]) -> str:
    """Rows as the JSON array of objects ``json_to_recordset`` reads; bytes as bytea hex."""
    return _pg_json(
        [
            dict(zip(keys, [f"\\x{v.hex()}" if type(v) is bytes else v for v in row], strict=True))
            for row in rows
        ]
    )


def _write(
    connection: sa.Connection,
    entry_rows: list[tuple[object, ...]],
    node_rows: list[tuple[int, int, bytes]],
    personal_rows: list[tuple[int, str, bytes, str]],
    frontier: bytes,
) -> None:
    """Insert the rows of an append and write the new frontier, the head row already locked.

    SQLite (in process, no round trips): one prepared statement per table, executed for
    every row by the driver. PostgreSQL: one statement and one round trip, the inserts as
    data-modifying CTEs over ``json_to_recordset`` of one JSON array per table (a fixed
    number of parameters whatever the batch size), the head update as the main statement.
    Tables with no row in this append are left out of either.
    """
    if dialect.is_sqlite(connection):
        entries_sql, nodes_sql, personal_sql, head_sql = _SQLITE_WRITES
        connection.exec_driver_sql(entries_sql, entry_rows)
        if node_rows:
            connection.exec_driver_sql(nodes_sql, node_rows)
        if personal_rows:
            connection.exec_driver_sql(personal_sql, personal_rows)
        connection.exec_driver_sql(head_sql, (frontier,))
        return
    values: list[object] = [_pg_records(_ENTRY_KEYS, entry_rows)]
    if node_rows:
        values.append(_pg_records(_NODE_KEYS, node_rows))
    if personal_rows:
        values.append(_pg_records(_PERSONAL_KEYS, personal_rows))
    statement = _PG_WRITES[bool(node_rows), bool(personal_rows)]
    connection.exec_driver_sql(statement, (*values, frontier))


def _split_personal(
    payload: Mapping[str, object], personal: Collection[str]
) -> tuple[dict[str, object], list[tuple[str, bytes, str]]]:
    if not isinstance(payload, Mapping):
        raise InputError("an audit entry payload must be a mapping")
    leaf_payload = dict(payload)
    rows: list[tuple[str, bytes, str]] = []
    for name in sorted(set(personal)):
        if name not in leaf_payload:
            continue
        value = leaf_payload[name]
        salt = secrets.token_bytes(32)
        leaf_payload[name] = core.personal_commitment(value, salt)
        rows.append((name, salt, core.canonical_json(value).decode("utf-8")))
    return leaf_payload, rows


def _claim(connection: sa.Connection, count: int) -> tuple[int, Frontier]:
    """Lock the head, reserve ``count`` indices; return the first and the frontier before."""
    claim = _SQLITE_CLAIM if dialect.is_sqlite(connection) else _PG_CLAIM
    row = connection.exec_driver_sql(claim, (count,)).first()
    if row is None:
        _insert_head(connection)
        row = connection.exec_driver_sql(claim, (count,)).one()
    size = int(row.size) - count
    return size, _frontier(size, row.frontier)


def _insert_head(connection: sa.Connection) -> None:
    """Create the head row if a concurrent appender has not (migration 0002 seeds it)."""
    insert = dialect.insert_ignoring_conflicts(audit_head, connection, ["id"])
    connection.execute(insert.values(id=_HEAD_ID, size=0, frontier=b""))


def _frontier(size: int, blob: bytes) -> Frontier:
    blob = bytes(blob)
    hashes = [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]
    try:
        return Frontier(size, hashes)
    except InputError as exc:
        raise VerificationError(f"the ledger head is corrupt: {exc}") from None


def lock_head(connection: sa.Connection) -> None:
    """Hold the head row for the rest of the caller's transaction (appenders and other
    checkpoint issuers wait). PostgreSQL: a row lock; SQLite's write transactions already
    hold the database's write lock (``BEGIN IMMEDIATE``)."""
    if not dialect.is_sqlite(connection):
        connection.execute(
            sa.select(audit_head.c.id).where(audit_head.c.id == _HEAD_ID).with_for_update()
        )


def read_frontier(connection: sa.Connection) -> Frontier:
    """The committed head: tree size and frontier (empty if nothing was appended yet)."""
    row = connection.execute(
        sa.select(audit_head.c.size, audit_head.c.frontier).where(audit_head.c.id == _HEAD_ID)
    ).first()
    if row is None:
        return Frontier()
    return _frontier(int(row.size), row.frontier)


# --- reading nodes for proofs -----------------------------------------------------------------


def subtree_hashes(connection: sa.Connection, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    """The hashes of the leaf ranges ``ranges`` (each a subtree of the RFC 9162 recursion),
    from the perfect nodes they split into: those from :data:`NODE_FLOOR` up (and any kept
    by a prune) read in one ``SELECT`` of at most ``sum(log2(size) + 1)`` rows, the others
    computed from the leaf hashes of their tile, read in one more per tile."""
    keys: set[tuple[int, int]] = set()
    for lo, hi in ranges:
        for a, b in perfect_ranges(lo, hi):
            level = (b - a).bit_length() - 1
            keys.add((level, a >> level))
    found = read_nodes(connection, keys)
    below = [k for k in keys if k not in found and k[0] < NODE_FLOOR]
    ends: dict[int, int] = {}  # tile -> the end of the leaves its keys need
    for level, index in below:
        tile = (index << level) >> NODE_FLOOR
        ends[tile] = max(ends.get(tile, 0), (index + 1) << level)
    tiles = {tile: leaf_hashes(connection, tile << NODE_FLOOR, end) for tile, end in ends.items()}
    for level, index in below:
        start = index << level
        offset = start & ((1 << NODE_FLOOR) - 1)
        leaves = tiles[start >> NODE_FLOOR][offset : offset + (1 << level)]
        found[level, index] = merkle.root_from_level(leaves)

    def node(level: int, index: int) -> bytes:
        value = found.get((level, index))
        if value is None:
            raise VerificationError(f"ledger node (level {level}, index {index}) is missing")
        return value

    return [range_hash(lo, hi, node) for lo, hi in ranges]


def read_nodes(
    connection: sa.Connection, keys: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], bytes]:
    by_level: dict[int, list[int]] = {}
    for level, index in keys:
        by_level.setdefault(level, []).append(index)
    if not by_level:
        return {}
    condition = sa.or_(
        *(
            sa.and_(audit_nodes.c.level == level, audit_nodes.c.idx.in_(indices))
            for level, indices in sorted(by_level.items())
        )
    )
    rows = connection.execute(
        sa.select(audit_nodes.c.level, audit_nodes.c.idx, audit_nodes.c.hash).where(condition)
    )
    return {(int(r.level), int(r.idx)): bytes(r.hash) for r in rows}


def nodes_completed_in(connection: sa.Connection, start: int, end: int) -> list[AnyRow]:
    """Every stored node from :data:`NODE_FLOOR` up whose range ends in ``(start, end]``:
    the nodes appends of leaves ``[start, end)`` completed. One indexed range per level."""
    conditions = []
    level = NODE_FLOOR
    while end >> level:
        conditions.append(
            sa.and_(
                audit_nodes.c.level == level,
                audit_nodes.c.idx >= start >> level,
                audit_nodes.c.idx < end >> level,
            )
        )
        level += 1
    if not conditions:
        return []
    query = sa.select(audit_nodes.c.level, audit_nodes.c.idx, audit_nodes.c.hash)
    return list(connection.execute(query.where(sa.or_(*conditions))).all())


def leaf_hashes(connection: sa.Connection, start: int, stop: int) -> list[bytes]:
    """The stored leaf hash of each entry ``[start, stop)``: the entry row's, or, for an
    entry pruned into an archive, the level-0 node the prune kept. Raises
    :class:`VerificationError` naming the first that is missing."""
    found = _stored_leaf_hashes(connection, start, stop)
    for index in range(start, stop):
        if index not in found:
            raise VerificationError(f"the leaf hash of entry {index} is missing")
    return [found[index] for index in range(start, stop)]


def _stored_leaf_hashes(connection: sa.Connection, start: int, stop: int) -> dict[int, bytes]:
    found = {
        int(index): bytes(value)
        for index, value in _driver_rows(connection, _LEAF_ROWS, (start, stop))
        if value is not None
    }
    if len(found) < stop - start:  # pruned entries: their leaf hashes are nodes of level 0
        for index, value in node_rows(connection, 0, start, stop):
            found.setdefault(int(index), bytes(value))
    return found


def keep_lower_nodes(
    connection: sa.Connection, start: int, leaves: Sequence[bytes], kept_before: int
) -> None:
    """Store ``leaves``, the leaf hashes of entries ``[start, start + len(leaves))`` about
    to be pruned (``start`` a multiple of ``2 ** NODE_FLOOR``), as nodes of level 0, and
    every complete node below :data:`NODE_FLOOR` over them, leaving out those that end at
    or before ``kept_before`` (an earlier prune stored them)."""
    if start % (1 << NODE_FLOOR):
        raise ValueError(f"start {start} is not at the beginning of a tile")
    rows: list[dict[str, object]] = []
    hashes = list(leaves)
    for level in range(NODE_FLOOR):
        base = start >> level
        rows += [
            {"level": level, "idx": base + i, "hash": value}
            for i, value in enumerate(hashes)
            if (base + i + 1) << level > kept_before
        ]
        hashes = merkle.level_up(hashes)[: len(hashes) // 2]  # complete nodes only
    if rows:
        connection.execute(audit_nodes.insert(), rows)


def tile_hashes(connection: sa.Connection, level: int, start: int, stop: int) -> list[bytes] | None:
    """The stored hashes of tree ``level`` (0 or a multiple of :data:`NODE_FLOOR`: a tile
    level) with ``start <= idx < stop``, as a C2SP tlog-tiles tile holds them; None when
    they are not all stored (not in the tree yet, or a row missing)."""
    if level == 0:
        leaves = _stored_leaf_hashes(connection, start, stop)
        if len(leaves) != stop - start:
            return None
        return [leaves[index] for index in range(start, stop)]
    rows = node_rows(connection, level, start, stop)
    if [int(index) for index, _ in rows] != list(range(start, stop)):
        return None
    return [bytes(value) for _, value in rows]


# --- entries --------------------------------------------------------------------------------


def entry_from_row(row: AnyRow | Mapping[str, Any]) -> core.Entry:
    """The hashed entry a stored row says it is. Raises :class:`VerificationError` if the
    row cannot be an entry golive wrote (a payload that is not canonical JSON, a bad time)."""
    data = row._mapping if isinstance(row, sa.Row) else row
    index = int(data["idx"])
    try:
        payload = core.parse_json(data["payload"])
        entry = core.Entry(
            index=index,
            time=data["time"],
            tenant=data["tenant"],
            actor=data["actor"],
            action=data["action"],
            subject=data["subject"],
            correlation_id=data["correlation_id"],
            payload=payload,  # type: ignore[arg-type]  # Entry checks it is a mapping
        )
        if core.canonical_json(payload).decode("utf-8") != data["payload"]:
            raise InputError("payload is not canonical JSON")
    except (InputError, ValueError, TypeError) as exc:
        raise VerificationError(f"entry {index} is malformed: {exc}") from None
    return entry


def get_entry(
    connection: sa.Connection, index: int, *, tenant: str | None = None
) -> core.Entry | None:
    """Entry ``index``, or None if it does not exist (or belongs to another tenant)."""
    query = sa.select(audit_entries).where(audit_entries.c.idx == index)
    if tenant is not None:
        query = query.where(audit_entries.c.tenant == tenant)
    row = connection.execute(query).first()
    return None if row is None else entry_from_row(row)


def iter_entries(
    connection: sa.Connection,
    start: int = 0,
    end: int | None = None,
    *,
    tenant: str | None = None,
    batch: int = 5000,
) -> Iterator[AnyRow]:
    """Stored entry rows with ``start <= idx < end`` in index order, read in batches."""
    low = start
    while True:
        query = (
            sa.select(audit_entries)
            .where(audit_entries.c.idx >= low)
            .order_by(audit_entries.c.idx)
            .limit(batch)
        )
        if end is not None:
            query = query.where(audit_entries.c.idx < end)
        if tenant is not None:
            query = query.where(audit_entries.c.tenant == tenant)
        rows = list(connection.execute(query))
        yield from rows
        if len(rows) < batch:
            return
        low = int(rows[-1].idx) + 1


_ENTRY_SELECT = (
    "SELECT idx, action, actor, correlation_id, payload, subject, tenant, time, leaf "
    "FROM audit_entries"
)
_ENTRY_ROWS = f"{_ENTRY_SELECT} WHERE idx >= ? AND idx < ? ORDER BY idx"
_LEAF_ROWS = "SELECT idx, leaf FROM audit_entries WHERE idx >= ? AND idx < ?"
_NODE_ROWS = (
    "SELECT idx, hash FROM audit_nodes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx"
)


def _driver_rows(
    connection: sa.Connection, statement: str, parameters: tuple[object, ...]
) -> list[tuple[Any, ...]]:
    """Rows as the driver returns them (plain tuples), through its own cursor in the
    caller's transaction: no SQLAlchemy row objects for reads of millions of rows."""
    if not dialect.is_sqlite(connection):
        statement = statement.replace("?", "%s")
    cursor = connection.connection.cursor()
    try:
        cursor.execute(statement, parameters)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def entry_rows(connection: sa.Connection, start: int, end: int) -> list[tuple[Any, ...]]:
    """Stored entries ``start <= idx < end`` in index order as plain tuples ``(idx, action,
    actor, correlation_id, payload, subject, tenant, time, leaf)``: the order of the leaf's
    keys (the columns :func:`golive.core.ledger.stored_leaf_hashes` takes), then the
    stored leaf hash. Values unchecked."""
    return _driver_rows(connection, _ENTRY_ROWS, (start, end))


def node_rows(connection: sa.Connection, level: int, start: int, end: int) -> list[tuple[Any, ...]]:
    """Stored nodes of ``level`` with ``start <= idx < end`` as ``(idx, hash)`` in index
    order (one range of the primary key)."""
    return _driver_rows(connection, _NODE_ROWS, (level, start, end))


#: The leaf's members in order, each as a PostgreSQL expression over a stored row (the
#: version is a parameter).
_PG_LEAF_MEMBERS = (
    ("action", "to_json(action)::text"),
    ("actor", "to_json(actor)::text"),
    ("correlation_id", "to_json(correlation_id)::text"),
    ("index", "idx::text"),
    ("payload", "payload"),
    ("subject", "to_json(subject)::text"),
    ("tenant", "to_json(tenant)::text"),
    ("time", "to_json(time)::text"),
    ("v", "%s"),
)


def _pg_leaf_text() -> str:
    """The SQL text of a stored row's leaf: ``'{"action":' || to_json(action)::text || ...``."""
    pieces = []
    for n, (name, value) in enumerate(_PG_LEAF_MEMBERS):
        opening = "{" if n == 0 else ","
        pieces.append(f"""'{opening}"{name}":' || {value}""")
    return " || ".join(pieces) + " || '}'"


#: PostgreSQL builds each stored entry's leaf and hashes it (``sha256``, PostgreSQL 11+):
#: ``to_json`` of a text escapes exactly as Python's ``json.encoder.encode_basestring``
#: (``"``, ``\``, ``\b \f \n \r \t`` by name, other control characters as ``\u00xx``, the
#: rest as it is), so for a row golive wrote the bytes are :func:`core.stored_leaf_hashes`'.
#: One aggregated ``bytea`` comes back instead of a row of eight values per entry, with
#: whether every leaf hash equals the one stored in its row.
_PG_LEAF_HASHES = (
    "SELECT string_agg(h, ''::bytea ORDER BY idx), count(*), min(idx), "
    "bool_and(coalesce(h = leaf, false)) FROM (SELECT idx, leaf, "
    f"sha256('\\x00'::bytea || convert_to({_pg_leaf_text()}, 'UTF8')) AS h "
    "FROM audit_entries WHERE idx >= %s AND idx < %s) AS hashed"
)
_PG_NODE_HASHES = (
    "SELECT string_agg(hash, ''::bytea ORDER BY idx), count(*), min(idx), true "
    "FROM audit_nodes WHERE level = %s AND idx >= %s AND idx < %s"
)


def pg_leaf_hashes(connection: sa.Connection, start: int, stop: int) -> bytes | None:
    """PostgreSQL: the leaf hashes of entries ``[start, stop)`` computed by the server from
    the stored columns (as :func:`golive.core.ledger.stored_leaf_hashes` computes them),
    concatenated; None when an entry is missing or a row's stored leaf hash differs."""
    version = str(core.LEAF_VERSION)
    return _pg_aggregate(connection, _PG_LEAF_HASHES, (version, start, stop), stop - start)


def pg_node_hashes(connection: sa.Connection, level: int, start: int, stop: int) -> bytes | None:
    """PostgreSQL: the stored node hashes of ``level`` with ``start <= idx < stop``, in index
    order, concatenated; None when a node is missing or not 32 bytes."""
    return _pg_aggregate(connection, _PG_NODE_HASHES, (level, start, stop), stop - start)


def _pg_aggregate(
    connection: sa.Connection, statement: str, parameters: tuple[Any, ...], count: int
) -> bytes | None:
    """The aggregated hashes of the ``count`` rows from ``parameters[-2]`` on, or None when
    the rows are not exactly those indices (by the primary key, count and minimum are
    enough), a hash is not 32 bytes, or the statement's check of each row failed."""
    blob, found, low, checked = _driver_rows(connection, statement, parameters)[0]
    if (
        blob is None
        or found != count
        or low != parameters[-2]
        or len(blob) != HASH_SIZE * count
        or checked is not True
    ):
        return None
    return bytes(blob)


def personal_values(
    connection: sa.Connection, indices: Collection[int]
) -> dict[int, dict[str, tuple[bytes, str]]]:
    """Kept personal values of the given entries: ``{index: {field: (salt, json)}}``.

    A ``range`` is read as one indexed range; other collections in ``IN`` lists of at most
    :data:`_IN_CHUNK` (SQLite allows 32,766 parameters per statement).
    """
    found: dict[int, dict[str, tuple[bytes, str]]] = {}
    if not indices:
        return found
    column = audit_personal.c.entry_idx
    if isinstance(indices, range) and indices.step == 1:
        conditions = [sa.and_(column >= indices.start, column < indices.stop)]
    else:
        ordered = sorted(indices)
        conditions = [
            column.in_(ordered[i : i + _IN_CHUNK]) for i in range(0, len(ordered), _IN_CHUNK)
        ]
    for condition in conditions:
        for row in connection.execute(sa.select(audit_personal).where(condition)):
            found.setdefault(int(row.entry_idx), {})[row.field] = (bytes(row.salt), row.value)
    return found


_IN_CHUNK = 1000

_PERSONAL_WITH_PAYLOADS = (
    "SELECT p.entry_idx, p.field, p.salt, p.value, e.payload FROM audit_personal p "
    "LEFT JOIN audit_entries e ON e.idx = p.entry_idx "
    "WHERE p.entry_idx >= ? AND p.entry_idx < ?"
)


def personal_with_payloads(
    connection: sa.Connection, start: int, stop: int
) -> list[tuple[Any, ...]]:
    """Kept personal values of entries ``[start, stop)`` as plain tuples ``(entry_idx,
    field, salt, value, payload)``, each with its entry's stored payload (None when the
    entry is missing): one indexed range, joined."""
    return _driver_rows(connection, _PERSONAL_WITH_PAYLOADS, (start, stop))


def pruned_before(connection: sa.Connection) -> int:
    """Entries below this index were pruned after their archive was verified (0 if none)."""
    value = connection.execute(sa.select(sa.func.max(audit_prunes.c.before_idx))).scalar()
    return int(value or 0)


# --- checkpoints ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    """A checkpoint as stored: its row id, tree size, root, issue time and signed note."""

    id: int
    size: int
    root: bytes
    issued_at: str
    note: str


def _checkpoint(row: AnyRow) -> StoredCheckpoint:
    data = row._mapping
    return StoredCheckpoint(
        int(data["id"]), int(data["size"]), bytes(data["root"]), data["issued_at"], data["note"]
    )


def insert_checkpoint(
    connection: sa.Connection, *, size: int, root: bytes, issued_at: datetime, note: bytes
) -> StoredCheckpoint:
    """Store a signed checkpoint (inside the caller's transaction)."""
    values = {
        "size": size,
        "root": root,
        "issued_at": core.format_time(issued_at),
        "note": note.decode("utf-8"),
    }
    new_id = connection.execute(
        audit_checkpoints.insert().values(values).returning(audit_checkpoints.c.id)
    ).scalar_one()
    return StoredCheckpoint(int(new_id), size, root, str(values["issued_at"]), str(values["note"]))


def list_checkpoints(
    connection: sa.Connection,
    *,
    min_size: int = 0,
    max_size: int | None = None,
    limit: int | None = None,
    newest_first: bool = False,
) -> list[StoredCheckpoint]:
    """Stored checkpoints ordered by tree size, then by issue order."""
    query = sa.select(audit_checkpoints).where(audit_checkpoints.c.size >= min_size)
    if max_size is not None:
        query = query.where(audit_checkpoints.c.size <= max_size)
    if newest_first:
        query = query.order_by(audit_checkpoints.c.size.desc(), audit_checkpoints.c.id.desc())
    else:
        query = query.order_by(audit_checkpoints.c.size, audit_checkpoints.c.id)
    if limit is not None:
        query = query.limit(limit)
    return [_checkpoint(row) for row in connection.execute(query)]


def latest_checkpoint(connection: sa.Connection) -> StoredCheckpoint | None:
    """The checkpoint of the largest tree (the last issued among equals), or None."""
    found = list_checkpoints(connection, limit=1, newest_first=True)
    return found[0] if found else None


def checkpoint_by_size(connection: sa.Connection, size: int) -> StoredCheckpoint | None:
    """The last checkpoint issued for tree ``size``, or None."""
    found = list_checkpoints(connection, min_size=size, max_size=size, newest_first=True, limit=1)
    return found[0] if found else None
