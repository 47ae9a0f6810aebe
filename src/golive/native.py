"""golive's optional compiled inner loops (``golive._native``, built from ``_native.c``).

Where the extension is present, the ledger verifier reads and hashes SQLite entries and
nodes in C (SQLite's and OpenSSL's C interfaces, without holding the GIL), and PostgreSQL's
where it was built with libpq (binary ``COPY`` on connections of its own), export bundles
are scanned and hashed without being parsed, and the Merkle tree's leaf hashes and levels
are computed in C; where it is not (no compiler at install time, another platform) or
``GOLIVE_NO_NATIVE=1`` is set, the same checks run in Python. The answers are the same:
tests compare the two, and whatever a compiled path does not accept is judged by the checked
Python path.
"""

from __future__ import annotations

import dataclasses
import importlib
import mmap
import os
from collections.abc import Sequence
from types import ModuleType
from typing import Any, TypeVar

T = TypeVar("T")


def _load() -> ModuleType | None:
    if os.environ.get("GOLIVE_NO_NATIVE") == "1":
        return None
    try:
        return importlib.import_module("golive._native")
    except ImportError:
        return None


_MODULE: ModuleType | None = _load()


def enabled() -> bool:
    """Whether the compiled inner loops run in this process."""
    return _MODULE is not None


def pg_enabled() -> bool:
    """Whether the compiled inner loops can read PostgreSQL ledgers too (libpq was found
    when the extension was built)."""
    return _MODULE is not None and hasattr(_MODULE, "pg_open")


def describe() -> str:
    """Which paths run, in one line (the verification benchmark prints it)."""
    if _MODULE is not None and not pg_enabled():
        return "compiled (golive._native, without PostgreSQL: built without libpq)"
    if _MODULE is not None:
        return "compiled (golive._native)"
    if os.environ.get("GOLIVE_NO_NATIVE") == "1":
        return "pure Python (GOLIVE_NO_NATIVE=1)"
    return "pure Python (golive._native was not built)"


def _module() -> ModuleType:
    if _MODULE is None:
        raise RuntimeError("golive._native is not available; check native.enabled() first")
    return _MODULE


def sqlite_subtree(
    path: str, start: int, stop: int, version: int, floor: int
) -> list[bytes] | None:
    """The levels of the perfect subtree of entries ``[start, stop)`` of the SQLite ledger
    at ``path`` (leaf hashes first, its root last; each level's 32-byte hashes
    concatenated), read and hashed, each leaf compared with the leaf hash stored in its row
    and every stored node of the subtree from level ``floor`` up compared, in one read
    transaction; None when any entry or node is missing, irregular or different, or the
    file cannot be read."""
    levels: list[bytes] | None = _module().sqlite_subtree(path, start, stop, version, floor)
    return levels


def pg_open(conninfo: str, snapshot: str | None) -> object:
    """A reader of the PostgreSQL ledger at ``conninfo`` (a libpq connection string): a
    connection of its own in a read-only ``REPEATABLE READ`` transaction, in the exported
    ``snapshot`` (``pg_export_snapshot()``) if one is given. Closed when dropped. One thread
    at a time may use it. ConnectionError when it cannot be opened."""
    reader: object = _module().pg_open(conninfo, snapshot)
    return reader


def pg_options() -> frozenset[str]:
    """The connection options the libpq the extension was built with knows."""
    options: frozenset[str] = _module().pg_options()
    return options


def pg_subtree(
    reader: object, start: int, stop: int, version: int, floor: int
) -> list[bytes] | None:
    """:func:`sqlite_subtree` for PostgreSQL, through a reader from :func:`pg_open`: the
    entries and the stored nodes from level ``floor`` up of the perfect subtree ``[start,
    stop)`` read by binary ``COPY``, the leaves built, hashed and compared with the stored
    ones, the levels computed and compared; the levels, or None when anything is missing,
    irregular or different, or the server answered with an error."""
    levels: list[bytes] | None = _module().pg_subtree(reader, start, stop, version, floor)
    return levels


def levels(hashes: bytes) -> list[bytes]:
    """The levels of the perfect tree over ``hashes`` (a power of two of concatenated
    32-byte leaf hashes), the leaves' level first and the root's last."""
    found: list[bytes] = _module().levels(hashes)
    return found


def leaf_hashes(entries: list[bytes]) -> list[bytes]:
    """``SHA-256(0x00 || entry)`` of each entry (:func:`golive.core.merkle.leaf_hashes`);
    TypeError for an entry that is not ``bytes``."""
    hashes: list[bytes] = _module().leaf_hashes(entries)
    return hashes


def level_up(level: list[bytes]) -> list[bytes]:
    """The level above ``level`` (:func:`golive.core.merkle.level_up`); ValueError for a
    node that is not 32 bytes."""
    hashes: list[bytes] = _module().level_up(level)
    return hashes


#: From this many nodes a root is computed by several threads.
ROOT_THREADS_FROM = 1 << 16


def _threads() -> int:
    return min(os.cpu_count() or 1, 8)


def root(level: list[bytes]) -> bytes:
    """The RFC 9162 tree hash over one level's 32-byte node hashes, at least one
    (:func:`golive.core.merkle.root_from_level`), by one thread per CPU for large levels;
    ValueError for a node that is not 32 bytes."""
    threads = _threads() if len(level) >= ROOT_THREADS_FROM else 1
    found: bytes = _module().root(level, threads)
    return found


def all_hashes(items: list[bytes]) -> bool:
    """Whether every item is a ``bytes`` object of 32 bytes (a loop in C)."""
    found: bool = _module().all_hashes(items)
    return found


#: Below this many bytes a bundle is scanned by one thread: starting threads costs more.
BUNDLE_THREADS_FROM = 8 << 20


def bundle_entries(
    data: bytes | mmap.mmap, threads: int | None = None
) -> tuple[int, int, list[bytes], list[tuple[int, int, int]]] | None:
    """Scan an export bundle's bytes: the byte span of its ``entries`` array, each entry's
    RFC 9162 leaf hash from its text without whitespace and without ``personal``, and
    ``(position, start, end)`` of each entry that has ``personal``; None when the bytes are
    not one JSON object with one plain ``entries`` array of objects.

    ``threads`` stretches of the array are scanned at once (by default one per CPU, up to 8,
    for bundles of :data:`BUNDLE_THREADS_FROM` bytes or more); the answer does not depend
    on it."""
    if threads is None:
        threads = _threads() if len(data) >= BUNDLE_THREADS_FROM else 1
    found: tuple[int, int, list[bytes], list[tuple[int, int, int]]] | None
    found = _module().bundle_entries(data, threads)
    return found


def finding_rows(
    views: Sequence[object],
    indent: str,
    last: bool,
    parts: tuple[str, ...],
    layout: tuple[object, ...] | None = None,
    threads: int = 1,
) -> str:
    """The text of :func:`golive.core.gate.model.python_rows` over ``views`` (``FindingView``
    values): each row after ``indent``, followed by ``,\\n``, or ``\\n`` after the last view
    when ``last``. ``parts`` are the 19 pieces of a row around its 18 values. TypeError for a
    value that is not a string, a list of strings or None. With ``layout`` (see
    ``model._row_layout``) and ``threads`` > 1, rows of the common shape are written by that
    many threads at once, without the GIL."""
    text: str = _module().finding_rows(views, indent, last, parts, layout, threads)
    return text


def row_threads() -> int:
    """How many threads :func:`finding_rows` writes a long list of rows with: one per core,
    at most four."""
    return min(os.cpu_count() or 1, 4)


def sarif_results(results: list[object], context: tuple[object, ...]) -> list[Any]:
    """``golive.evidence.sarif``'s fast path over a run's ``results`` (parsed JSON): for each
    result its ``Finding``, or None where the Python paths must read it. ``context`` is the
    tuple ``_Fast._context`` builds."""
    found: list[Any] = _module().sarif_results(results, context)
    return found


#: Classes :func:`pack` may meet: (slotted dataclass, its field names in order).
Classes = tuple[tuple[type, tuple[str, ...]], ...]
#: Enums :func:`pack` may meet: (enum class, its members in order).
Enums = tuple[tuple[type, tuple[object, ...]], ...]


def pack(value: object, classes: Classes, enums: Enums) -> bytes:
    """``value`` written as bytes for :func:`unpack` (in another process): None, bools,
    ints, floats, str, tuples, lists, dicts, instances of ``classes`` and members of
    ``enums``, each object referenced more than once written once. TypeError for anything
    else (the caller pickles instead)."""
    data: bytes = _module().pack(value, classes, enums)
    return data


def unpack(data: bytes, classes: Classes, enums: Enums) -> Any:
    """The value :func:`pack` wrote into ``data``, with the same ``classes`` and ``enums``;
    instances are built with their fields set directly, not through ``__init__``. ValueError
    for data that is cut short or was not packed."""
    return _module().unpack(data, classes, enums)


def instances(cls: type[T], rows: list[tuple[object, ...] | T]) -> list[T]:
    """An instance of ``cls`` (a frozen, slotted dataclass) for each row that is a tuple of
    its field values in order, any other row kept as it is: ``cls(*row)`` without running
    ``__init__`` (which sets each field of a frozen class through ``object.__setattr__``),
    in C where ``golive._native`` is built."""
    if _MODULE is None:
        return [cls(*row) if type(row) is tuple else row for row in rows]  # type: ignore[misc]
    built: list[T] = _MODULE.instances(cls, field_names(cls), rows)
    return built


def junit_records(
    children: list[Any], suite: str, where: str | None, context: tuple[object, ...]
) -> tuple[list[Any], int]:
    """The JUnit reader's records of a suite's plain test cases in C, None for its other
    children, and how many records; ``context`` is the tuple ``junit._CONTEXT``."""
    found: tuple[list[Any], int] = _module().junit_records(children, suite, where, context)
    return found


def merge_issues(findings: list[Any], context: tuple[object, ...]) -> list[Any]:
    """:func:`golive.core.dedupe.merge` over ``findings`` in C: their issues, sorted.
    ``context`` is the tuple ``dedupe._native_context`` builds; TypeError for an issue it
    cannot sort (the caller sorts in Python)."""
    found: list[Any] = _module().merge_issues(findings, context)
    return found


def counted_issues(issues: list[Any], unknown: object) -> tuple[list[Any], list[Any]]:
    """The security check's ``_counted`` in C (see there)."""
    found: tuple[list[Any], list[Any]] = _module().counted_issues(issues, unknown)
    return found


def views_within(counted: list[Any], context: tuple[object, ...]) -> tuple[list[Any], list[int]]:
    """The security check's ``_views_within`` in C (see there); ``context`` is (FindingView,
    its field names, part, limit, over_count, the allowed status)."""
    found: tuple[list[Any], list[int]] = _module().views_within(counted, context)
    return found


def field_names(cls: type) -> tuple[str, ...]:
    """The field names of dataclass ``cls``, in order (what the compiled functions that build
    instances are given); computed once per class."""
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


_FIELDS: dict[type, tuple[str, ...]] = {}
