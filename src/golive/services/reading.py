"""Reading evidence directories with every core, and starting before the rest of golive loads.

A directory of large reports is read by this process and one forked worker per further
core: each takes the next unread file (largest first) until none is left, and the workers
send each file's facts back as soon as it is read, packed in C (:func:`golive.native.pack`) where
``golive._native`` is built, else pickled. Facts are the same either way (tests compare
them).

``golive gate`` starts the workers as soon as its arguments are known (:func:`start`, called
by the CLI before it imports the policy language and the gate engine, about a third of a
second), so the reading overlaps that import; the command's own reading
(:func:`read_files`) then takes the next unread files, and collects the workers'. A start
for other files than the ones read, or with another size limit, is dropped unused.

This module imports only the evidence readers: the CLI loads it before anything heavy.
"""

from __future__ import annotations

import contextlib
import gc
import os
import queue
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive import native
from golive.core.findings import (
    Binding,
    CommandReport,
    CommandRun,
    Completeness,
    Component,
    Finding,
    FindingKind,
    Location,
    Package,
    ResolvedSeverity,
    ScanKind,
    ScanReport,
    Severity,
    Suppression,
    TestCase,
    TestCounts,
    TestOutcome,
    TestReport,
    TestSuite,
    Tool,
    VexAnalysis,
)
from golive.errors import EvidenceError, UsageError
from golive.evidence import DEFAULT_MAX_BYTES, Loaded, UnknownFormat, iter_files, read_path

#: Evidence directories holding at least this many bytes (in two or more files) are read by
#: one worker process per core: reading and normalising is per-record Python work.
PARALLEL_BYTES = 8 * 1024 * 1024

#: A file read: its facts, or ("unknown" | "error", why).
Outcome = Loaded | tuple[str, str]


def evidence_files(paths: Sequence[Path]) -> Iterator[tuple[Path, str, bool]]:
    """Every evidence file under ``paths`` once: (path, the name a decision shows, whether
    it was found in a directory). UsageError, when reached, for a path that does not exist.
    """
    seen: set[Path] = set()
    for root in paths:
        if not root.exists():
            raise UsageError(f"{root}: no such file or directory (given with --evidence)")
        in_dir = root.is_dir()
        for path in iter_files(root):
            real = path.resolve()
            if real in seen:
                continue
            seen.add(real)
            yield path, _shown(path, root, in_dir), in_dir


def _shown(path: Path, root: Path, in_dir: bool) -> str:
    """The name a decision shows: relative to the directory given, so decisions are portable."""
    if in_dir:
        return f"{root.name}/{path.relative_to(root).as_posix()}"
    return path.name


def read_one(path: Path, shown: str, max_bytes: int) -> Outcome:
    """Read one file; an unusable one becomes ("unknown" | "error", why) instead of raising."""
    try:
        return read_path(path, max_bytes=max_bytes, name=shown)
    except UnknownFormat as exc:
        return ("unknown", exc.detail)
    except EvidenceError as exc:
        return ("error", exc.detail)


@dataclass(frozen=True)
class _Shared:
    """What this process and its reading workers share: the next position in ``order``."""

    next: Any  # a multiprocessing Value("i")
    order: list[int]
    files: list[tuple[Path, str]]
    max_bytes: int


@dataclass
class _Started:
    """Workers reading ``shared.files``, and the pipes their facts come back on."""

    shared: _Shared
    workers: list[tuple[Any, Any]]  # (process, receiving end)


#: Workers started by :func:`start` and not yet collected.
_STARTED: _Started | None = None


def start(paths: Sequence[Path], max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Start reading the directories among ``paths`` in worker processes, for a later
    :func:`read_files` of the same files; nothing happens when it would not pay (or cannot
    be done), and nothing is raised: whatever is wrong is for the later reading to report."""
    global _STARTED
    if _STARTED is not None:
        return
    try:
        files = [(p, shown) for p, shown, in_dir in evidence_files(paths) if in_dir]
        _STARTED = _start(files, max_bytes)
    except Exception:  # a head start only: the reading proper reports what is wrong
        _STARTED = None


def read_files(files: list[tuple[Path, str]], max_bytes: int) -> list[Outcome]:
    """Read ``files`` (path, shown name), in worker processes too when it pays, joining the
    workers :func:`start` began for these very files."""
    global _STARTED
    started, _STARTED = _STARTED, None
    if started is not None and (
        started.shared.files != files or started.shared.max_bytes != max_bytes
    ):
        _stop(started)  # begun for other files: not used
        started = None
    if started is None:
        started = _start(files, max_bytes)
    if started is None:
        return [read_one(p, shown, max_bytes) for p, shown in files]
    outcomes: dict[int, Outcome] = dict(_take_and_read(started.shared))
    for process, receive in started.workers:
        # each file comes as soon as the worker has read it (so that this process unpacks the
        # first while the worker reads the last), then None; a worker that died sends no more
        # (or what cannot be unpacked): what it took and did not send is read again below
        with contextlib.suppress(EOFError, OSError, ValueError):
            while (message := receive.recv()) is not None:
                i, sent = message
                outcomes[i] = _received(sent)
        receive.close()
        process.join()
    return [
        outcomes[i] if i in outcomes else read_one(path, shown, max_bytes)
        for i, (path, shown) in enumerate(files)
    ]


def _start(files: list[tuple[Path, str]], max_bytes: int) -> _Started | None:
    """Fork one worker per further core to read ``files``; None when it would not pay."""
    workers = min(os.cpu_count() or 1, len(files)) - 1
    if workers < 1 or not may_fork():
        return None
    sizes = [p.stat().st_size for p, _ in files]
    if sum(sizes) < PARALLEL_BYTES:
        return None
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    order = sorted(range(len(files)), key=lambda i: -sizes[i])
    shared = _Shared(ctx.Value("i", 0), order, files, max_bytes)
    started = _Started(shared, [])
    for _ in range(workers):
        receive, send = ctx.Pipe(duplex=False)
        process = ctx.Process(target=_work, args=(shared, send), daemon=True)
        process.start()
        send.close()
        started.workers.append((process, receive))
    return started


def _stop(started: _Started) -> None:
    for process, receive in started.workers:
        process.terminate()
        receive.close()
        process.join()


def _take_and_read(shared: _Shared) -> Iterator[tuple[int, Outcome]]:
    while True:
        with shared.next.get_lock():
            position = shared.next.value
            shared.next.value = position + 1
        if position >= len(shared.order):
            return
        i = shared.order[position]
        path, shown = shared.files[i]
        yield i, read_one(path, shown, shared.max_bytes)


def _work(shared: _Shared, send: Any) -> None:  # pragma: no cover - runs in the worker
    gc.disable()  # a short-lived process of acyclic facts, as in the gate's evaluate()
    # A thread sends: the parent takes what is sent only once its own reading is done, and the
    # next file is read meanwhile. What is not sent, the parent reads itself.
    outbox: queue.SimpleQueue[tuple[int, Outcome | Packed] | None] = queue.SimpleQueue()

    def sender() -> None:
        with contextlib.suppress(Exception):
            while (message := outbox.get()) is not None:
                send.send(message)
            send.send(None)

    thread = threading.Thread(target=sender)
    thread.start()
    with contextlib.suppress(Exception):
        for i, outcome in _take_and_read(shared):
            outbox.put((i, _sent(outcome)))
    outbox.put(None)
    thread.join()
    send.close()


def may_fork() -> bool:
    """Forking is safe: Linux, and no other thread whose locks a child would inherit held
    (in ``golive serve`` the gate's reading and writing stay in one process)."""
    return sys.platform == "linux" and threading.active_count() == 1


@dataclass(frozen=True)
class Packed:
    """A file read by a worker, its facts packed by :func:`golive.native.pack`."""

    path: str
    sha256: str
    data: bytes


def _packable() -> tuple[native.Classes, native.Enums]:
    classes = (
        Binding, CommandReport, CommandRun, Completeness, Component, Finding, Location, Package,
        ResolvedSeverity, ScanReport, Suppression, TestCase, TestCounts, TestReport, TestSuite,
        Tool, VexAnalysis,
    )  # fmt: skip
    enums = (FindingKind, ScanKind, Severity, TestOutcome)
    return (
        tuple((c, native.field_names(c)) for c in classes),
        tuple((e, tuple(e)) for e in enums),
    )


#: What the facts of evidence are made of (golive.core.findings).
PACKABLE = _packable()


def _sent(outcome: Outcome) -> Outcome | Packed:
    """What a worker sends for ``outcome``: a read file's facts packed in C where
    ``golive._native`` is built (building them again from pickle runs every frozen
    dataclass's ``__init__``, several times the cost), else the outcome as it is."""
    if native.enabled() and isinstance(outcome, Loaded):
        with contextlib.suppress(TypeError):  # something pack does not know: pickle it
            return Packed(outcome.path, outcome.sha256, native.pack(outcome.evidence, *PACKABLE))
    return outcome


def _received(sent: Outcome | Packed) -> Outcome:
    if isinstance(sent, Packed):
        return Loaded(sent.path, sent.sha256, native.unpack(sent.data, *PACKABLE))
    return sent
