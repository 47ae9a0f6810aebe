"""Audit ledger use cases: keys, checkpoints, proofs, export, verification, pruning.

Every function that touches the database takes a ``sqlalchemy.Connection`` inside the
caller's transaction (a unit of work, an API request, a CLI command) and never commits.
:func:`verify_bundle_file` needs no database at all: an auditor runs it with the bundle and
the log's public key only.

JSON shapes (version 1, documented in ``docs/ledger.md``): :func:`prove_inclusion`,
:func:`prove_consistency`, :func:`export_bundle` and the reports' ``as_dict``.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import hashlib
import itertools
import multiprocessing
import multiprocessing.pool
import os
import re
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from golive import native
from golive.core import ledger as core
from golive.core import merkle
from golive.core import tiles as tiles_layout
from golive.core.checkpoint import Checkpoint, open_checkpoint, parse_checkpoint, sign_checkpoint
from golive.core.merkle import (
    Frontier,
    consistency_ranges,
    inclusion_ranges,
    perfect_ranges,
    verify_consistency,
)
from golive.core.note import Signer, Verifier, parse_note
from golive.errors import InputError, VerificationError
from golive.services.ledger_files import (
    BUNDLE_MAX_BYTES,
    generate_key,
    load_bundle,
    load_signers,
    load_verifiers,
    verify_bundle_file,
    verify_proof,
    write_bundle,
)
from golive.storage import dialect, ledger, worm
from golive.storage.engine import make_engine

__all__ = [
    "BUNDLE_MAX_BYTES",
    "DatabaseReport",
    "ErasureReport",
    "Finding",
    "PruneReport",
    "erase_personal",
    "erase_subject",
    "export_bundle",
    "export_tiles",
    "generate_key",
    "issue_checkpoint",
    "load_bundle",
    "load_signers",
    "load_verifiers",
    "prove_consistency",
    "prove_inclusion",
    "prune",
    "resolve_bound",
    "scheduled_checkpoint",
    "verify_bundle_file",
    "verify_database",
    "verify_proof",
    "write_bundle",
]


# --- checkpoints ------------------------------------------------------------------------------


def issue_checkpoint(
    connection: sa.Connection, signers: Sequence[Signer], *, now: datetime
) -> ledger.StoredCheckpoint:
    """Sign and store a checkpoint of the current tree head, inside the caller's transaction.

    Before signing, the head is checked to extend the latest stored checkpoint (a log must
    never sign a tree inconsistent with one it signed before); otherwise
    :class:`VerificationError` and nothing is signed.
    """
    if not signers:
        raise InputError("a checkpoint needs at least one signing key")
    ledger.lock_head(connection)  # no append or other checkpoint in between
    frontier = ledger.read_frontier(connection)
    root = frontier.root()
    previous = ledger.latest_checkpoint(connection)
    if previous is not None:
        _check_extends(connection, previous, frontier.size, root)
    note = sign_checkpoint(Checkpoint(signers[0].name, frontier.size, root), signers)
    return ledger.insert_checkpoint(
        connection, size=frontier.size, root=root, issued_at=now, note=note
    )


def _check_extends(
    connection: sa.Connection, previous: ledger.StoredCheckpoint, size: int, root: bytes
) -> None:
    if previous.size > size:
        raise VerificationError(
            f"the tree head (size {size}) is behind checkpoint {previous.id} "
            f"(size {previous.size}): entries were removed; refusing to sign"
        )
    if previous.size == 0:
        return
    proof = ledger.subtree_hashes(connection, consistency_ranges(previous.size, size))
    try:
        verify_consistency(previous.size, size, proof, previous.root, root)
    except VerificationError as exc:
        raise VerificationError(
            f"the tree head does not extend checkpoint {previous.id}: {exc}; refusing to sign"
        ) from None


def scheduled_checkpoint(
    engine: sa.Engine, signers: Sequence[Signer], clock: Callable[[], datetime]
) -> ledger.StoredCheckpoint | None:
    """For the scheduler: issue a checkpoint in its own transaction if the tree grew since
    the latest one (or none exists). Returns the new checkpoint, or None if nothing to do."""
    if not signers:
        return None
    with engine.begin() as connection:
        # Replicas each run this loop: the first to lock the head signs, the others then
        # find its checkpoint at the same size and sign nothing.
        ledger.lock_head(connection)
        latest = ledger.latest_checkpoint(connection)
        size = ledger.read_frontier(connection).size
        if latest is not None and latest.size == size and _signed_by(latest.note, signers):
            return None
        return issue_checkpoint(connection, signers, now=clock())


def _signed_by(note: str, signers: Sequence[Signer]) -> bool:
    present = {(s.name, s.key_id) for s in parse_note(note).signatures}
    return all((s.name, s.key_id) in present for s in signers)


# --- proofs ------------------------------------------------------------------------------------


def _anchor(
    connection: sa.Connection, size: int | None, must_exceed: int
) -> ledger.StoredCheckpoint:
    if size is None:
        found = ledger.latest_checkpoint(connection)
        if found is None:
            raise InputError("the ledger has no checkpoint yet; run 'golive audit checkpoint'")
    else:
        found = ledger.checkpoint_by_size(connection, size)
        if found is None:
            raise InputError(f"no checkpoint of tree size {size}; list them with the API")
    if found.size <= must_exceed:
        raise InputError(
            f"entry {must_exceed} is not covered by checkpoint size {found.size} yet; "
            "issue a newer checkpoint ('golive audit checkpoint')"
        )
    return found


def _entry_dict(entry: core.Entry) -> dict[str, object]:
    data = entry.as_dict()
    data["leaf_hash"] = core.b64(entry.leaf_hash())
    return data


def prove_inclusion(
    connection: sa.Connection,
    index: int,
    *,
    tenant: str | None = None,
    checkpoint_size: int | None = None,
) -> dict[str, object]:
    """Entry ``index`` with its RFC 9162 inclusion proof against a checkpoint (the latest,
    or the one of ``checkpoint_size``). ``tenant`` limits the lookup to that tenant."""
    if index < 0:
        raise InputError(f"index: {index} is negative")
    entry = ledger.get_entry(connection, index, tenant=tenant)
    if entry is None:
        pruned = ledger.pruned_before(connection)
        if index < pruned and tenant is None:
            raise InputError(
                f"entry {index} was pruned after archiving; prove it from the archive bundle"
            )
        raise InputError(f"index: no entry {index}")
    anchor = _anchor(connection, checkpoint_size, index)
    proof = ledger.subtree_hashes(connection, inclusion_ranges(index, anchor.size))
    return {
        "version": 1,
        "kind": "inclusion",
        "entry": _entry_dict(entry),
        "tree_size": anchor.size,
        "proof": [core.b64(h) for h in proof],
        "checkpoint": anchor.note,
    }


def prove_consistency(connection: sa.Connection, old_size: int, new_size: int) -> dict[str, object]:
    """The consistency proof between the checkpoints of ``old_size`` and ``new_size``."""
    if not 0 < old_size <= new_size:
        raise InputError(f"sizes: need 0 < old ({old_size}) <= new ({new_size})")
    old = ledger.checkpoint_by_size(connection, old_size)
    new = ledger.checkpoint_by_size(connection, new_size)
    for size, found in ((old_size, old), (new_size, new)):
        if found is None:
            raise InputError(f"no checkpoint of tree size {size}")
    assert old is not None
    assert new is not None
    proof = ledger.subtree_hashes(connection, consistency_ranges(old_size, new_size))
    return {
        "version": 1,
        "kind": "consistency",
        "old_size": old_size,
        "new_size": new_size,
        "proof": [core.b64(h) for h in proof],
        "old_checkpoint": old.note,
        "new_checkpoint": new.note,
    }


# --- export -------------------------------------------------------------------------------------


def resolve_bound(connection: sa.Connection, value: str | None) -> int | None:
    """An export bound: an entry index (``1234``) or an ISO date/time (the first entry at or
    after it). None stays None."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{value!r}: expected an entry index or an ISO date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    first = connection.execute(
        sa.select(sa.func.min(ledger.audit_entries.c.idx)).where(
            ledger.audit_entries.c.time >= core.format_time(moment)
        )
    ).scalar()
    if first is None:
        return ledger.read_frontier(connection).size
    return int(first)


def export_bundle(
    connection: sa.Connection,
    *,
    start: int | None = None,
    end: int | None = None,
    include_personal: bool = False,
) -> dict[str, object]:
    """A self-contained bundle of entries ``[start, end)`` (version 1, ``docs/ledger.md``).

    The bundle carries the entries, the range proof tying them to the *anchor* checkpoint
    (the smallest checkpoint of size >= ``end``; by default the latest, with ``end`` its
    size), every checkpoint of a size in ``(start, anchor]`` and the latest one, and the
    consistency proofs between consecutive ones.
    """
    pruned = ledger.pruned_before(connection)
    first = pruned if start is None else start
    if first < pruned:
        raise InputError(
            f"from: entries below {pruned} were pruned; export from {pruned} or use the archive"
        )
    if end is None:
        anchor = ledger.latest_checkpoint(connection)
        if anchor is None:
            raise InputError("the ledger has no checkpoint yet; run 'golive audit checkpoint'")
        last = anchor.size
    else:
        last = end
        covering = ledger.list_checkpoints(connection, min_size=max(last, 1), limit=1)
        if not covering:
            raise InputError(
                f"to: no checkpoint covers entry {last - 1} yet; run 'golive audit checkpoint'"
            )
        anchor = covering[0]
    if not 0 <= first < last:
        raise InputError(f"from/to: the range [{first}, {last}) is empty")
    rows = list(ledger.iter_entries(connection, first, last))
    if len(rows) != last - first:
        raise VerificationError(
            f"entries [{first}, {last}) are not all stored ({len(rows)} rows); "
            "run 'golive audit verify --db'"
        )
    kept = ledger.personal_values(connection, range(first, last)) if include_personal else {}
    entries = []
    for row in rows:
        entry = ledger.entry_from_row(row)
        item = entry.as_dict()
        disclosed = kept.get(entry.index)
        if disclosed:
            item["personal"] = {
                name: {"salt": core.b64(salt), "value": core.parse_json(value)}
                for name, (salt, value) in sorted(disclosed.items())
            }
        entries.append(item)
    range_proof = ledger.subtree_hashes(
        connection, core.range_proof_ranges(first, last, anchor.size)
    )
    checkpoints = ledger.list_checkpoints(connection, min_size=first + 1, max_size=anchor.size)
    latest = ledger.latest_checkpoint(connection)
    if latest is not None and latest.size > anchor.size:
        checkpoints.append(latest)
    sizes = sorted({c.size for c in checkpoints if c.size > 0})
    consistency = [
        {
            "old_size": old,
            "new_size": new,
            "proof": [
                core.b64(h) for h in ledger.subtree_hashes(connection, consistency_ranges(old, new))
            ],
        }
        for old, new in itertools.pairwise(sizes)
    ]
    origin = parse_checkpoint(parse_note(anchor.note).text).origin
    return {
        "format": core.BUNDLE_FORMAT,
        "version": core.BUNDLE_VERSION,
        "origin": origin,
        "range": {"start": first, "end": last},
        "tree_size": anchor.size,
        "entries": entries,
        "range_proof": [core.b64(h) for h in range_proof],
        "checkpoints": [
            {"size": c.size, "issued_at": c.issued_at, "note": c.note} for c in checkpoints
        ],
        "consistency": consistency,
    }


def export_tiles(
    connection: sa.Connection, out: Path, *, size: int | None = None
) -> dict[str, object]:
    """Write the log up to a checkpoint (by default the latest; else the one of ``size``)
    as a C2SP tlog-tiles directory at ``out`` (:mod:`golive.core.tiles`): the signed
    checkpoint, every hash tile, and the entry bundles of the entries still stored (those
    below a prune are in their archive and left out). ``out`` must not exist; the files
    are written to a directory beside it and renamed into place, so a failure leaves
    nothing. Each entry written is checked against the stored leaf hash first."""
    anchor = (
        ledger.latest_checkpoint(connection)
        if size is None
        else ledger.checkpoint_by_size(connection, size)
    )
    if anchor is None:
        raise InputError(
            "the ledger has no checkpoint yet; run 'golive audit checkpoint'"
            if size is None
            else f"to: no checkpoint of size {size}; export at a checkpoint's size"
        )
    if out.exists() or out.is_symlink():
        raise InputError(f"{out}: already exists; golive writes tiles to a new directory")
    parent = out.parent
    if not parent.is_dir():
        raise InputError(f"{parent}: no such directory")
    pruned = ledger.pruned_before(connection)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
    try:
        written = _write_tiles(connection, staging, anchor, pruned)
        os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return {"version": 1, "out": str(out), "tree_size": anchor.size, **written}


def _write_tiles(
    connection: sa.Connection, root: Path, anchor: ledger.StoredCheckpoint, pruned: int
) -> dict[str, object]:
    def put(relative: str, data: bytes) -> None:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    size = anchor.size
    put("checkpoint", anchor.note.encode("utf-8"))
    tiles = 0
    for level, index, width in tiles_layout.hash_tiles(size):
        tree_level = tiles_layout.HEIGHT * level
        low = index * tiles_layout.WIDTH
        hashes = ledger.tile_hashes(connection, tree_level, low, low + width)
        if hashes is None:
            raise VerificationError(
                f"hashes of level {tree_level} from {low} are not all stored; "
                "run 'golive audit verify --db'"
            )
        put(tiles_layout.tile_path(level, index, width), b"".join(hashes))
        tiles += 1
    bundles = skipped = 0
    for index, width in tiles_layout.entry_bundles(size):
        low = index * tiles_layout.WIDTH
        if low < pruned:
            skipped += 1
            continue
        rows = ledger.entry_rows(connection, low, low + width)
        if len(rows) != width:
            raise VerificationError(
                f"entries [{low}, {low + width}) are not all stored; run 'golive audit verify --db'"
            )
        entries = core.stored_leaves(*list(zip(*rows, strict=True))[:8])
        put(tiles_layout.entries_path(index, width), tiles_layout.encode_bundle(entries, low))
        bundles += 1
    # the copy checked as a client checks it before it is renamed into place: each entry
    # against its leaf hash, and every hash written against the signed root
    try:
        tiles_layout.verify_tiles(size, anchor.root, functools.partial(_read_file, root))
    except VerificationError as exc:
        raise VerificationError(
            f"the stored hashes do not lead to checkpoint {anchor.id}'s root ({exc}); "
            "run 'golive audit verify --db'"
        ) from None
    return {"tiles": tiles, "entry_bundles": bundles, "entry_bundles_pruned": skipped}


def _read_file(root: Path, relative: str) -> bytes | None:
    path = root / relative
    return path.read_bytes() if path.is_file() else None


# --- tamper detection ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing in the database that is not what the ledger committed to."""

    index: int | None
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"index": self.index, "message": self.message}


@dataclass
class DatabaseReport:
    """The outcome of :func:`verify_database`."""

    size: int = 0
    pruned_before: int = 0
    entries: int = 0
    checkpoints: int = 0
    signatures_checked: bool = False
    missing_guards: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first_bad_index(self) -> int | None:
        indices = [f.index for f in self.findings if f.index is not None]
        return min(indices) if indices else None

    def as_dict(self) -> dict[str, object]:
        return {
            "version": 1,
            "ok": self.ok,
            "tree_size": self.size,
            "pruned_before": self.pruned_before,
            "entries_checked": self.entries,
            "checkpoints_checked": self.checkpoints,
            "signatures_checked": self.signatures_checked,
            "missing_guards": self.missing_guards,
            "first_bad_index": self.first_bad_index,
            "findings": [f.as_dict() for f in self.findings],
        }


_MAX_FINDINGS = 100


class _Verifier:
    """Streams the entries once, recomputing leaves, perfect nodes and roots."""

    def __init__(
        self, connection: sa.Connection, verifiers: Sequence[Verifier], batch: int
    ) -> None:
        self.connection = connection
        self.verifiers = list(verifiers)
        self.batch = batch
        self.report = DatabaseReport(signatures_checked=bool(verifiers))
        self._fast: list[tuple[int, int]] = []  # batches whose rows were only hashed
        self.native_path = _native_sqlite_path(connection)
        self.pg_source = _native_pg_source(connection)
        self._prefetched: Iterator[tuple[bytes, dict[int, list[bytes]]] | None] | None = None
        # entries [0, _vouched) lead to a stored node (from NODE_FLOOR up) or a signed root
        # that matched; a root that does not is then named from here
        self._vouched = 0

    def add(self, index: int | None, message: str) -> None:
        if len(self.report.findings) < _MAX_FINDINGS:
            self.report.findings.append(Finding(index, message))

    def run(self) -> DatabaseReport:
        connection, report = self.connection, self.report
        report.missing_guards = worm.missing_guards(connection)
        try:
            head = ledger.read_frontier(connection)
        except VerificationError as exc:
            self.add(None, str(exc))
            head = Frontier()
        report.size = head.size
        report.pruned_before = start = ledger.pruned_before(connection)
        self._vouched = start  # the pruned prefix: its archive was verified against the tree
        checkpoints = ledger.list_checkpoints(connection)
        report.checkpoints = len(checkpoints)
        for stored in checkpoints:
            self._check_note(stored)
        pending = [c for c in checkpoints if c.size > start]
        for stored in (c for c in checkpoints if c.size <= start):
            self._check_root_from_nodes(stored)
        frontier = self._frontier_at(start)
        # every batch is one perfect subtree of the tree (its nodes are computed level by
        # level, see _fast_batch): whole aligned chunks of a power of two, and the smaller
        # perfect subtrees that cover the ends (after a pruned prefix, before the head)
        align = 1 << (max(self.batch, 1).bit_length() - 1)
        batches = []
        position = start
        while position < head.size:
            stop = min((position // align + 1) * align, head.size)
            for lo, hi in perfect_ranges(position, stop):
                batches.append((lo, hi, [c for c in pending if lo < c.size <= hi]))
                pending = [c for c in pending if c.size > hi]
            position = stop
        subtrees = [(lo, hi, [c.size for c in due], self.native_path) for lo, hi, due in batches]
        with contextlib.ExitStack() as stack:
            # the compiled paths run without the GIL: threads of this process read ahead
            compiled: Callable[[int, int], list[bytes] | None] | None = None
            if self.native_path is not None:
                path = self.native_path
                compiled = functools.partial(_native_sqlite_subtree, path)
            elif self.pg_source is not None:
                compiled = stack.enter_context(_native_pg_readers(*self.pg_source))
            if compiled is not None and len(subtrees) > 1:
                self._prefetched = stack.enter_context(
                    contextlib.closing(self._read_ahead(subtrees, compiled))
                )
            else:
                pool = stack.enter_context(_workers(connection, head.size - start))
                if pool is not None:  # subtrees checked ahead, in order, by worker processes
                    self._prefetched = pool.imap(_worker_check_subtree, subtrees)
            for lo, hi, due in batches:
                frontier = self._check_batch(frontier, lo, hi, due)
            self._prefetched = None
        self._check_outside(start, head.size)
        for stored in pending:
            self.add(
                head.size,
                f"checkpoint {stored.id} covers {stored.size} entries but the tree holds "
                f"{head.size}: entries from {head.size} on were removed",
            )
        if frontier.size == head.size and frontier.root() != head.root():
            self._deep_check(start, head.size)
            self.add(None, "the ledger head's frontier does not match the entries")
        return report

    def _read_ahead(
        self,
        subtrees: Sequence[tuple[int, int, list[int], str | None]],
        compiled: Callable[[int, int], list[bytes] | None],
    ) -> Generator[tuple[bytes, dict[int, list[bytes]]] | None, None, None]:
        """:func:`_check_subtree` of each subtree in order, the compiled part (``compiled``:
        reading, hashing, comparing; no GIL) run ahead by one thread per CPU (at most
        :data:`READ_AHEAD_THREADS`), at most two subtrees per thread waiting (each about 4 MB
        of levels); the rest (kept personal values, through this connection) here."""
        threads = min(os.cpu_count() or 1, READ_AHEAD_THREADS)
        pending: collections.deque[tuple[tuple[int, int, list[int]], Future[list[bytes] | None]]]
        pending = collections.deque()
        with ThreadPoolExecutor(threads, thread_name_prefix="golive-verify") as executor:
            tasks = iter(subtrees)
            while True:
                while len(pending) < 2 * threads:
                    task = next(tasks, None)
                    if task is None:
                        break
                    lo, hi, sizes, _ = task
                    pending.append(((lo, hi, sizes), executor.submit(compiled, lo, hi)))
                if not pending:
                    return
                (lo, hi, sizes), levels = pending.popleft()
                yield _check_subtree(self.connection, lo, hi, sizes, found=levels.result())

    def _check_outside(self, start: int, size: int) -> None:
        idx = ledger.audit_entries.c.idx
        beyond = self.connection.execute(sa.select(sa.func.min(idx)).where(idx >= size)).scalar()
        if beyond is not None:
            self.add(int(beyond), f"entry {beyond} is beyond the tree (size {size}): inserted")
        below = self.connection.execute(sa.select(sa.func.min(idx)).where(idx < start)).scalar()
        if below is not None:
            where = "a negative index" if below < 0 else f"the pruned range (< {start})"
            self.add(None, f"an entry was inserted at {where}: index {below}")

    def _frontier_at(self, size: int) -> Frontier:
        if size == 0:
            return Frontier()
        keys = {(lvl, i) for lvl, i in _perfect_keys(0, size)}
        found = ledger.read_nodes(self.connection, keys)

        def node(level: int, index: int) -> bytes:
            value = found.get((level, index))
            if value is None:
                raise VerificationError(f"node ({level}, {index}) of the pruned prefix is missing")
            return value

        try:
            return Frontier.from_nodes(size, node)
        except VerificationError as exc:
            self.add(0, str(exc))
            return Frontier()

    def _check_note(self, stored: ledger.StoredCheckpoint) -> None:
        where = f"checkpoint {stored.id} (size {stored.size})"
        try:
            if self.verifiers:
                origin = parse_checkpoint(parse_note(stored.note).text).origin
                head, _ = open_checkpoint(stored.note, origin, self.verifiers)
            else:
                head = parse_checkpoint(parse_note(stored.note).text)
        except (InputError, VerificationError) as exc:
            self.add(None, f"{where}: its signed note does not verify: {exc}")
            return
        if head.size != stored.size or head.root_hash != stored.root:
            self.add(None, f"{where}: the stored size or root differs from its signed note")

    def _check_root(self, stored: ledger.StoredCheckpoint, frontier: Frontier) -> None:
        if frontier.size != stored.size:
            return
        if frontier.root() == stored.root:
            self._vouched = max(self._vouched, stored.size)
        elif not self._explained(0, stored.size):
            first = min(self._vouched, stored.size - 1)
            self.add(
                first,
                f"checkpoint {stored.id} (size {stored.size}): the entries no longer lead to "
                f"its signed root; an entry in [{first}, {stored.size}) was changed together "
                "with its leaf hash",
            )

    def _check_root_from_nodes(self, stored: ledger.StoredCheckpoint) -> None:
        if stored.size == 0:
            return
        root = self._frontier_at(stored.size).root()
        if root != stored.root:
            self.add(
                stored.size - 1,
                f"checkpoint {stored.id} (size {stored.size}, archived): the stored nodes no "
                "longer lead to its signed root",
            )

    def _check_batch(
        self,
        frontier: Frontier,
        start: int,
        stop: int,
        due: Sequence[ledger.StoredCheckpoint] = (),
    ) -> Frontier:
        """Check entries ``[start, stop)``, their nodes and the checkpoints ``due`` (of sizes
        in ``(start, stop]``); return the frontier at ``stop``."""
        found = self._fast_batch(frontier, start, stop, due)
        if found is not None:
            self.report.entries += stop - start
            self._fast.append((start, stop))
            return found
        return self._checked_batch(frontier, start, stop, due)

    def _fast_batch(
        self,
        frontier: Frontier,
        start: int,
        stop: int,
        due: Sequence[ledger.StoredCheckpoint],
    ) -> Frontier | None:
        """The batch in the common case, where nothing was changed: every row hashes to its
        stored leaf, every node and checkpoint matches. Returns the frontier at ``stop``,
        or None as soon as anything differs (then :meth:`_checked_batch` judges the batch
        row by row and names what is wrong). ``frontier`` is left as it was.

        A row is hashed from its stored text (:func:`core.stored_leaf_hashes`), not parsed
        and re-serialised: a hash equal to the stored leaf proves the row is the entry the
        leaf commits to, whose payload golive wrote as canonical JSON. Rows with kept
        personal values are parsed, to check the values against their commitments.
        """
        connection, count = self.connection, stop - start
        frontier = frontier.copy()
        sizes = [c.size for c in due]
        # one perfect subtree, checked on its own (maybe by a worker process), then the
        # nodes its root completes with the frontier
        if self._prefetched is not None:
            local = next(self._prefetched)
        else:
            local = _check_subtree(connection, start, stop, sizes, self.native_path)
        if local is None:
            return None
        root, inside = local
        before = frontier.hashes
        completed = frontier.append_subtree_hash(count.bit_length() - 1, root)
        above = [n for n in completed[1:] if n.level >= ledger.NODE_FLOOR]
        roots = {size: _fold([*before, *inside[size]]) for size in sizes}
        if above:
            keys = {(node.level, node.index) for node in above}
            stored_above = ledger.read_nodes(connection, keys)
            if any(stored_above.get((n.level, n.index)) != n.hash for n in above):
                return None
        if any(roots[c.size] != c.root for c in due):
            return None
        # what a stored node or a signed root now vouches for: everything before its end
        ends = [n.end for n in completed if n.level >= ledger.NODE_FLOOR]
        self._vouched = max([self._vouched, *ends, *sizes])
        return frontier

    def _checked_batch(
        self,
        frontier: Frontier,
        start: int,
        stop: int,
        due: Sequence[ledger.StoredCheckpoint],
    ) -> Frontier:
        """The batch row by row: each entry parsed and checked, each leaf and node compared,
        each difference named (the path taken once :meth:`_fast_batch` saw one)."""
        rows = list(ledger.iter_entries(self.connection, start, stop, batch=stop - start + 1))
        stored = {
            (int(r.level), int(r.idx)): bytes(r.hash)
            for r in ledger.nodes_completed_in(self.connection, start, stop)
        }
        personal = ledger.personal_values(self.connection, range(start, stop))
        by_index = {int(r.idx): r for r in rows}
        checkpoints = {c.size: c for c in due}
        self.report.entries += len(rows)
        for index in range(start, stop):
            computed: bytes | None = None
            row = by_index.get(index)
            if row is None:
                self.add(index, f"entry {index} is missing: deleted or moved")
            else:
                try:
                    entry = ledger.entry_from_row(row)
                    computed = entry.leaf_hash()
                    self._check_personal(entry, personal.get(index, {}))
                except VerificationError as exc:
                    self.add(index, str(exc))
            leaf = None if row is None or row.leaf is None else bytes(row.leaf)
            if row is not None and leaf is None:
                self.add(index, f"the leaf hash of entry {index} is missing")
            elif computed is not None and computed != leaf:
                self.add(index, f"entry {index} does not hash to its stored leaf: changed")
            # go on with the honest recomputation, so later nodes are judged on their own
            chosen = computed or leaf or bytes(32)
            for node in frontier.append_leaf_hash(chosen)[ledger.NODE_FLOOR :]:
                if stored.get((node.level, node.index)) == node.hash:
                    self._vouched = max(self._vouched, node.end)
                elif not self._explained(node.start, node.end):
                    self.add(
                        node.start,
                        f"tree node (level {node.level}, index {node.index}) over entries "
                        f"[{node.start}, {node.end}) is missing or changed, or an entry in "
                        "that range was changed together with its leaf hash",
                    )
            if index + 1 in checkpoints:
                self._check_root(checkpoints[index + 1], frontier)
        return frontier

    def _explained(self, start: int, end: int) -> bool:
        """Whether a finding inside ``[start, end)`` already explains a node mismatch."""
        self._deep_check(start, end)
        return any(f.index is not None and start <= f.index < end for f in self.report.findings)

    def _deep_check(self, start: int, end: int) -> None:
        """Parse and check the rows of ``[start, end)`` that only had their hash compared
        (:meth:`_fast_batch`), once, before a mismatch of a node or root over them is
        judged: a row that is not well-formed is then named as the row-by-row path would
        have named it, even if its stored leaf hash was rewritten to match it."""
        for span in [s for s in self._fast if s[0] < end and start < s[1]]:
            self._fast.remove(span)
            for row in ledger.iter_entries(self.connection, span[0], span[1]):
                try:
                    ledger.entry_from_row(row)
                except VerificationError as exc:
                    self.add(int(row.idx), str(exc))

    def _check_personal(self, entry: core.Entry, kept: Mapping[str, tuple[bytes, str]]) -> None:
        for name in _personal_mismatches(entry.payload, kept):
            self.add(
                entry.index,
                f"the kept personal value {name!r} of entry {entry.index} does not "
                "match its commitment",
            )


def _personal_mismatches(
    payload: Mapping[str, object], kept: Mapping[str, tuple[bytes, str]]
) -> list[str]:
    """The kept personal values of an entry (its ``payload``) that do not match their
    commitments."""
    wrong = []
    for name, (salt, value) in kept.items():
        try:
            commitment = core.personal_commitment(core.parse_json(value), salt)
        except InputError:
            commitment = {}
        if payload.get(name) != commitment:
            wrong.append(name)
    return wrong


def _fold(hashes: Sequence[bytes]) -> bytes:
    """The root over perfect subtree hashes, left to right (as :meth:`Frontier.root`)."""
    acc = hashes[-1]
    for node in reversed(hashes[:-1]):
        acc = merkle.node_hash(node, acc)
    return acc


def _native_sqlite_path(connection: sa.Connection) -> str | None:
    """The SQLite file the compiled verifier may read on its own connection, or None: the
    extension is not here, the database is not a plain SQLite file, or a transaction holds
    its write lock (it may have rows the compiled reader could not see)."""
    if not native.enabled() or not dialect.is_sqlite(connection):
        return None
    url = connection.engine.url
    path = url.database
    if path in (None, "", ":memory:") or url.query or not Path(path).is_file():
        return None
    return path if _sqlite_unlocked(path) else None


def _native_sqlite_subtree(path: str, start: int, stop: int) -> list[bytes] | None:
    return native.sqlite_subtree(path, start, stop, core.LEAF_VERSION, ledger.NODE_FLOOR)


def _native_pg_source(connection: sa.Connection) -> tuple[str, str] | None:
    """What the compiled verifier needs to read a PostgreSQL ledger on connections of its
    own: the libpq connection string this connection was opened with, and the snapshot it
    exported, so that those connections read exactly its rows. None when the extension
    cannot read PostgreSQL, the driver is not psycopg, or the connection is not in a
    transaction that has written nothing (:func:`_export_snapshot`)."""
    if not native.pg_enabled() or dialect.is_sqlite(connection):
        return None
    info = getattr(connection.connection.dbapi_connection, "info", None)
    dsn, password = getattr(info, "dsn", None), getattr(info, "password", None)
    if not isinstance(dsn, str):
        return None
    snapshot = _export_snapshot(connection)
    if snapshot is None:
        return None
    # psycopg (the driver of every PostgreSQL URL golive takes) may bring a newer libpq
    # than the one the extension was built with: options only it knows are left out
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    known = native.pg_options()
    options = {k: v for k, v in conninfo_to_dict(dsn).items() if k in known}
    if password:
        options["password"] = password
    return make_conninfo("", **options), snapshot


@contextlib.contextmanager
def _native_pg_readers(
    conninfo: str, snapshot: str
) -> Iterator[Callable[[int, int], list[bytes] | None]]:
    """:func:`golive.native.pg_subtree` for any thread: each thread opens its own reader in
    ``snapshot`` on first use (all closed on leaving). A reader that cannot be opened, or a
    server error, gives no answer (None): the caller's own path then reads the range."""
    local = threading.local()
    readers: list[object] = []
    lock = threading.Lock()

    def subtree(start: int, stop: int) -> list[bytes] | None:
        reader = getattr(local, "reader", None)
        if reader is None:
            try:
                reader = native.pg_open(conninfo, snapshot)
                with lock:
                    readers.append(reader)
            except ConnectionError:
                reader = False  # not again in this thread
            local.reader = reader
        if reader is False:
            return None
        return native.pg_subtree(reader, start, stop, core.LEAF_VERSION, ledger.NODE_FLOOR)

    try:
        yield subtree
    finally:
        readers.clear()  # each reader's connection closes with its last reference


def _export_snapshot(connection: sa.Connection) -> str | None:
    """PostgreSQL: the snapshot of ``connection``'s transaction (``pg_export_snapshot``), for
    other sessions to read exactly what it reads; None when it is not in a transaction (an
    exported snapshot lives only as long as its transaction) or its transaction has written
    (others could not see its uncommitted rows)."""
    if (
        not connection.in_transaction()
        or connection.exec_driver_sql("SELECT txid_current_if_assigned()").scalar() is not None
    ):
        return None
    snapshot = str(connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar())
    return snapshot if _SNAPSHOT.fullmatch(snapshot) else None


def _row_leaves(connection: sa.Connection, start: int, stop: int) -> list[bytes] | None:
    """The leaf hashes of the stored rows ``[start, stop)`` from their stored text, with
    the kept personal values checked; None if a row is missing or anything is off."""
    rows = ledger.entry_rows(connection, start, stop)
    if len(rows) != stop - start:
        return None
    columns = list(zip(*rows, strict=True))
    if columns[0] != tuple(range(start, stop)):
        return None
    try:
        leaves = core.stored_leaf_hashes(*columns[:8])
    except (TypeError, ValueError):  # a text field not a string, a lone surrogate
        return None
    if leaves != [None if h is None else bytes(h) for h in columns[8]]:
        return None
    return leaves if _personal_kept(connection, start, stop) else None


def _personal_kept(connection: sa.Connection, start: int, stop: int) -> bool:
    """Whether the kept personal values of entries ``[start, stop)``, whose leaves were
    checked already, match the commitments in their payloads: each value's commitment is
    SHA-256 of its salt and its stored text, which golive wrote as canonical JSON. A match
    proves the value (the commitment was made over canonical text); anything else,
    including an equal value in another spelling, says no, and the checked path then
    judges the range. One joined query."""
    rows = ledger.personal_with_payloads(connection, start, stop)
    payloads: dict[int, object] = {}
    for index, name, salt, value, payload_text in rows:
        if payload_text is None or not isinstance(value, str):
            return False
        payload = payloads.get(index)
        if payload is None:
            try:
                payload = payloads[index] = core.parse_json(payload_text)
            except InputError:
                return False
        commitment = payload.get(name) if isinstance(payload, dict) else None
        try:
            digest = hashlib.sha256(bytes(salt) + value.encode("utf-8")).hexdigest()
        except UnicodeEncodeError:  # a lone surrogate: never written by golive
            return False
        if commitment != {core.PERSONAL_KEY: digest}:
            return False
    return True


def _nodes_match(connection: sa.Connection, start: int, levels: Sequence[Sequence[bytes]]) -> bool:
    """Whether the stored nodes of each level from :data:`ledger.NODE_FLOOR` up, from the
    first completed in the batch at ``start`` on, are exactly ``levels`` (one indexed range
    per level)."""
    for level, computed in enumerate(levels):
        if level < ledger.NODE_FLOOR:
            continue
        low = start >> level
        stored = ledger.node_rows(connection, level, low, low + len(computed))
        if len(stored) != len(computed) or [row[1] for row in stored] != computed:
            return False  # (level, idx) is the key: as many rows as slots, in idx order
    return True


def _check_subtree(
    connection: sa.Connection,
    start: int,
    stop: int,
    sizes: Sequence[int],
    native_path: str | None = None,
    found: list[bytes] | None = None,
) -> tuple[bytes, dict[int, list[bytes]]] | None:
    """Check the perfect subtree of leaves ``[start, stop)`` on its own: rows, leaves,
    kept personal values and every stored node inside it. Returns its root and, for each
    tree size in ``sizes`` (inside the subtree), the hashes of the perfect subtrees that
    cover ``[start, size)``; None if anything differs.

    ``native_path``: the SQLite file, read, hashed and compared by the compiled path;
    ``found``: that path's levels, already computed. On PostgreSQL the server builds the
    leaves (:func:`_pg_subtree`). Anything these do not accept is left to the Python path
    here, then to the checked one."""
    if found is None and native_path is not None:
        found = _native_sqlite_subtree(native_path, start, stop)
    if found is None and not dialect.is_sqlite(connection):
        found = _pg_subtree(connection, start, stop)
    if found is not None:
        if not _personal_kept(connection, start, stop):
            return None
        inside = {
            size: [_node_in(found, start, lo, hi) for lo, hi in perfect_ranges(start, size)]
            for size in sizes
        }
        return found[-1], inside
    leaves = _row_leaves(connection, start, stop)
    if leaves is None:
        return None
    levels = [leaves]
    while len(levels[-1]) > 1:
        levels.append(merkle.level_up(levels[-1]))
    if not _nodes_match(connection, start, levels):
        return None
    inside = {}
    for size in sizes:
        inside[size] = [
            levels[(hi - lo).bit_length() - 1][(lo - start) >> ((hi - lo).bit_length() - 1)]
            for lo, hi in merkle.perfect_ranges(start, size)
        ]
    return levels[-1][0], inside


def _pg_subtree(connection: sa.Connection, start: int, stop: int) -> list[bytes] | None:
    """PostgreSQL's part of the compiled path: the server builds and hashes the leaves of
    the perfect subtree ``[start, stop)`` and sends each level's stored nodes as one value;
    the levels are computed here (in C with golive._native) and compared. The levels, each
    concatenated, or None when anything is missing or differs."""
    leaves = ledger.pg_leaf_hashes(connection, start, stop)
    if leaves is None:
        return None
    levels = native.levels(leaves) if native.enabled() else _levels_of(leaves)
    for level, hashes in enumerate(levels[ledger.NODE_FLOOR :], ledger.NODE_FLOOR):
        low = start >> level
        if ledger.pg_node_hashes(connection, level, low, low + len(hashes) // 32) != hashes:
            return None
    return levels


def _levels_of(leaves: bytes) -> list[bytes]:
    """:func:`golive.native.levels` in Python: the levels of a perfect tree over
    concatenated leaf hashes, each concatenated."""
    level = [leaves[i : i + 32] for i in range(0, len(leaves), 32)]
    levels = [leaves]
    while len(level) > 1:
        level = merkle.level_up(level)
        levels.append(b"".join(level))
    return levels


def _node_in(levels: Sequence[bytes], start: int, lo: int, hi: int) -> bytes:
    """The hash of the perfect subtree ``[lo, hi)`` from concatenated levels of the perfect
    subtree that begins at ``start``."""
    level = (hi - lo).bit_length() - 1
    at = ((lo - start) >> level) * 32
    return levels[level][at : at + 32]


READ_AHEAD_THREADS = 8
"""Threads that read SQLite subtrees ahead with the compiled path (more rarely pay: the
file's pages are read by one machine's disks)."""

PARALLEL_FROM = 1 << 18
"""Entries in whole subtrees from which :func:`verify_database` checks them in worker
processes (one per CPU, forked), when the platform forks and the database allows it."""

_WORKER: list[sa.Connection] = []
_SNAPSHOT = re.compile(r"[0-9A-Fa-f-]+")


@contextlib.contextmanager
def _workers(connection: sa.Connection, entries: int) -> Iterator[multiprocessing.pool.Pool | None]:
    """A pool of forked worker processes reading the same database, or None when it would
    not pay (fewer than :data:`PARALLEL_FROM` entries, one CPU), when this process runs other
    threads (the server's "verify now": a fork copies their locks), or could not read what
    ``connection`` reads: an in-memory SQLite database, or a transaction that may have
    written (workers would not see its uncommitted rows; on SQLite any transaction holding
    the write lock, as golive's own read-write ones do from their start). On PostgreSQL
    every worker reads in the snapshot of ``connection`` (``pg_export_snapshot``); on
    SQLite in its own read transaction, which holds the same append-only rows below the
    head."""
    cpus = os.cpu_count() or 1
    if (
        entries < PARALLEL_FROM
        or cpus < 2
        or "fork" not in multiprocessing.get_all_start_methods()
        or threading.active_count() > 1  # forking a threaded process (a server) may deadlock
    ):
        yield None
        return
    url = connection.engine.url
    snapshot = None
    if dialect.is_sqlite(connection):
        if (
            url.database in (None, "", ":memory:")
            or url.query
            or not _sqlite_unlocked(url.database)
        ):
            yield None
            return
    else:
        snapshot = _export_snapshot(connection)
        if snapshot is None:
            yield None
            return
    context = multiprocessing.get_context("fork")
    initargs = (url.render_as_string(hide_password=False), snapshot)
    with context.Pool(cpus, initializer=_worker_init, initargs=initargs) as pool:
        yield pool


def _sqlite_unlocked(path: str) -> bool:
    """Whether no connection holds the write lock of the SQLite database at ``path`` (so
    no transaction has uncommitted rows workers could not see), probed with a ``BEGIN
    IMMEDIATE`` that does not wait. A writer, or a transaction begun for writing: no."""
    try:
        probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    except sqlite3.Error:
        return False
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.Error:
        return False
    finally:
        probe.close()


def _worker_init(url: str, snapshot: str | None) -> None:
    """In a worker process: open its own connection, in the given snapshot if any."""
    options: dict[str, str] = {dialect.TRANSACTION_OPTION: "read"}
    if snapshot is not None:
        options["isolation_level"] = "REPEATABLE READ"
    connection = make_engine(url).connect().execution_options(**options)
    connection.begin()
    if snapshot is not None:
        connection.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
    _WORKER.append(connection)


def _worker_check_subtree(
    task: tuple[int, int, list[int], str | None],
) -> tuple[bytes, dict[int, list[bytes]]] | None:
    start, stop, sizes, native_path = task
    return _check_subtree(_WORKER[0], start, stop, sizes, native_path)


def _perfect_keys(start: int, end: int) -> list[tuple[int, int]]:
    keys = []
    for lo, hi in perfect_ranges(start, end):
        level = (hi - lo).bit_length() - 1
        keys.append((level, lo >> level))
    return keys


def verify_database(
    connection: sa.Connection, verifiers: Sequence[Verifier] = (), *, batch: int = 1 << 16
) -> DatabaseReport:
    """Recompute the whole tree from the stored entries and check every stored node,
    checkpoint (signature too, when ``verifiers`` are given) and the head.

    Finds entries changed, deleted, inserted or reordered behind golive's back; the report
    names the first bad index. Reads the database once, in batches. Run it in one snapshot
    (PostgreSQL ``REPEATABLE READ``; any SQLite transaction) when appenders are live, or
    entries committed meanwhile look inserted.
    """
    return _Verifier(connection, verifiers, batch).run()


# --- retention ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PruneReport:
    """What :func:`prune` removed."""

    before_idx: int
    deleted: int
    archive_sha256: str

    def as_dict(self) -> dict[str, object]:
        return {
            "version": 1,
            "pruned_before": self.before_idx,
            "deleted": self.deleted,
            "archive_sha256": self.archive_sha256,
        }


def prune(
    connection: sa.Connection,
    archive: Path,
    *,
    before: datetime,
    verifiers: Sequence[Verifier],
    now: datetime,
) -> PruneReport:
    """Delete hot entries older than ``before`` that the archive bundle holds, after
    verifying the archive with the public keys and checking that it matches this database
    entry for entry and checkpoint for checkpoint. Tree nodes are kept, and the leaf hashes
    of the pruned entries with the nodes below :data:`ledger.NODE_FLOOR` over them are
    added (so proofs of later entries, and consistency proofs, still come from the
    database). Runs in the caller's
    transaction; on SQLite the connection must be golive's (the authorizer lets it prune).
    """
    bundle, digest = load_bundle(archive)
    try:
        report = core.verify_bundle(bundle, verifiers)
    except InputError as exc:
        raise InputError(f"{archive}: {exc}") from None
    anchor = ledger.checkpoint_by_size(connection, report.tree_size)
    if anchor is None or anchor.root != report.root:
        raise VerificationError(
            f"{archive}: its anchor checkpoint (size {report.tree_size}) is not one this "
            "database issued; refusing to prune"
        )
    already = ledger.pruned_before(connection)
    if report.start > already:
        raise InputError(
            f"{archive}: the archive starts at entry {report.start}, but entries from "
            f"{already} on are not archived; export from {already}"
        )
    cutoff = core.format_time(before)
    entries = bundle["entries"]
    assert isinstance(entries, list)
    cut = already
    leaves = []
    for item in entries[already - report.start :]:
        entry = core.Entry.from_dict(item)
        if entry.time >= cutoff:
            break
        stored = ledger.get_entry(connection, entry.index)
        if stored is None or stored.leaf_hash() != entry.leaf_hash():
            raise VerificationError(
                f"{archive}: entry {entry.index} differs from the database; run "
                "'golive audit verify --db' before pruning"
            )
        leaves.append(entry.leaf_hash())
        cut = entry.index + 1
    if cut <= already:
        return PruneReport(already, 0, digest)
    # the rows leaving keep their leaf hashes and the nodes below NODE_FLOOR over them, so
    # proofs and checkpoints over the pruned range still come from the database
    tile = (already >> ledger.NODE_FLOOR) << ledger.NODE_FLOOR
    ledger.keep_lower_nodes(
        connection, tile, [*ledger.leaf_hashes(connection, tile, already), *leaves], already
    )
    connection.execute(
        ledger.audit_prunes.insert().values(
            before_idx=cut,
            checkpoint_size=report.tree_size,
            archive_sha256=digest,
            archive_name=archive.name,
            pruned_at=core.format_time(now),
        )
    )
    with worm.allow_prune(connection):
        deleted = connection.execute(
            ledger.audit_entries.delete().where(ledger.audit_entries.c.idx < cut)
        ).rowcount
    personal = ledger.audit_personal
    connection.execute(personal.delete().where(personal.c.entry_idx < cut))
    return PruneReport(cut, int(deleted), digest)


def erase_personal(connection: sa.Connection, *, subject_indices: Iterable[int]) -> int:
    """Erase the kept personal values of the given entries (right to erasure). The tree,
    its checkpoints and every proof are unaffected: the leaves hold only commitments."""
    indices = sorted(set(subject_indices))
    if not indices:
        return 0
    result = connection.execute(
        ledger.audit_personal.delete().where(ledger.audit_personal.c.entry_idx.in_(indices))
    )
    return int(result.rowcount)


ERASED_ACTION = "personal.erased"
"""The action of the audit entry that records an erasure."""


@dataclass(frozen=True, slots=True)
class ErasureReport:
    """What :func:`erase_subject` erased and which audit entries record it."""

    subject: str
    entries: list[int]
    values_erased: int
    recorded: list[int]

    def as_dict(self) -> dict[str, object]:
        return {
            "version": 1,
            "subject": self.subject,
            "entries": self.entries,
            "values_erased": self.values_erased,
            "recorded": self.recorded,
        }


def erase_subject(
    connection: sa.Connection,
    subject: str,
    *,
    tenant: str | None = None,
    actor: str,
    now: datetime,
    correlation_id: str = "",
) -> ErasureReport:
    """Erase the kept personal values of every entry whose ``subject`` is ``subject`` (of
    ``tenant`` only, when given) with :func:`erase_personal`, and record the erasure as a
    ``personal.erased`` entry per tenant touched, in the caller's transaction.

    The record names the subject (already in the leaves), the entry indices and the number
    of values erased; never a personal value. Nothing matches: nothing is recorded.
    """
    if not subject.strip():
        raise InputError("subject: must not be empty")
    entries = ledger.audit_entries
    query = sa.select(entries.c.idx, entries.c.tenant).where(entries.c.subject == subject)
    if tenant is not None:
        query = query.where(entries.c.tenant == tenant)
    by_tenant: dict[str, list[int]] = {}
    for idx, owner in connection.execute(query.order_by(entries.c.idx)):
        by_tenant.setdefault(str(owner), []).append(int(idx))
    erased_total, recorded, matched = 0, [], []
    for owner, indices in sorted(by_tenant.items()):
        erased = erase_personal(connection, subject_indices=indices)
        erased_total += erased
        matched += indices
        recorded.append(
            ledger.append_entry(
                connection,
                time=now,
                tenant=owner,
                actor=actor,
                action=ERASED_ACTION,
                subject=subject,
                correlation_id=correlation_id,
                payload={"entries": indices, "values_erased": erased},
            )
        )
    return ErasureReport(subject, sorted(matched), erased_total, recorded)
