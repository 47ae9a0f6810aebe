"""Decide on a candidate from files: the use case behind ``golive gate``.

This module gathers the facts (evidence files, waivers, roster, command runs) from the file
system and hands them to the pure engine (:func:`golive.core.gate.decide`). It reads; it
never writes, except the command record when asked (``record``).

Evidence rules:

- A file given by name must be evidence golive reads; anything else is bad input (exit 2).
- In a directory, files that are not evidence (a README, a log) are skipped and listed as
  notes; a file that *looks* like evidence (XML or JSON of a known shape) but cannot be read
  makes the decision blocked, because an unreadable report could have said anything.
- Each item's time is the one the report records; when it records none, the file's
  modification time is used for age checks only, and the decision says so.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import json
import os
import subprocess
import sys
import threading
import time as _time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from golive import __version__, native
from golive.core.findings import (
    Binding,
    CommandReport,
    CommandRun,
    Completeness,
    Component,
    Evidence,
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
from golive.core.gate import Candidate, Decision, EvidenceItem, Facts, Waiver, WaiverFile, decide
from golive.core.gate.engine import applicable
from golive.core.gate.model import FindingView, write_rows
from golive.core.instants import parse_instant
from golive.core.policy.loader import LoadedPolicy, validate_yaml
from golive.core.policy.model import CommandPassedGate
from golive.core.roster import RosterFile
from golive.errors import EvidenceError, UsageError
from golive.evidence import DEFAULT_MAX_BYTES, Loaded, UnknownFormat, iter_files, read_path
from golive.files import write_atomic
from golive.services import gate_facts
from golive.services.policies import read_policy_text

RUN_SOURCE = "golive gate --run"


@dataclass(frozen=True, slots=True)
class GateRequest:
    """Everything ``golive gate`` was asked to decide on."""

    loaded: LoadedPolicy
    environment: str
    now: datetime
    evidence: Sequence[Path] = ()
    candidate: Candidate = field(default_factory=Candidate)
    stage: str = "pre-deploy"
    waivers: Path | None = None
    roster: Path | None = None
    unavailable: frozenset[str] = frozenset()
    run: bool = False
    repo: Path = Path(".")
    record: Path | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    more: gate_facts.MoreFacts | None = None  # part 2: git, reviews, deployments, sign-offs


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while reading and deciding.

    Reading 100,000 findings allocates millions of small objects and no reference cycles;
    the collector's full passes over them cost more time than the reading itself (measured
    with bench/gate_large.py). Memory is still freed by reference counting.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def evaluate(request: GateRequest) -> Decision:
    """Gather the facts for ``request`` and decide."""
    with _no_cycle_collection():
        return _evaluate(request)


def _evaluate(request: GateRequest) -> Decision:
    items, notes, unreadable = gather_evidence(request.evidence, max_bytes=request.max_bytes)
    policy = request.loaded.policy
    waivers = _waivers(request, notes)
    roster = load_roster(request.roster).role_map() if request.roster else None
    if request.run:
        report = run_commands(request, notes)
        if report is not None:
            # run by this very invocation: it is as fresh as the decision, whatever --now says
            items.append(EvidenceItem(RUN_SOURCE, "", report, request.now, "run by this gate"))
            if request.record is not None:
                write_record(request.record, report)
    gathered = None
    candidate = request.candidate
    if request.more is not None:
        teams = load_roster(request.roster).team_map() if request.roster else {}
        more = dataclasses.replace(request.more, teams=teams)
        gathered = gate_facts.gather(
            more, policy, request.environment, request.stage, request.candidate
        )
        candidate = gathered.candidate
    facts = Facts(
        candidate=candidate,
        evidence=tuple(items),
        waivers=tuple(waivers),
        roster=roster,
        unavailable=request.unavailable,
        unreadable=tuple(unreadable),
        **(gathered.fields if gathered else {}),
    )
    decision = decide(
        policy,
        environment=request.environment,
        facts=facts,
        now=request.now,
        policy_digest=request.loaded.digest,
        golive_version=__version__,
        stage=request.stage,
        notes=tuple(notes),
    )
    if gathered is not None:
        decision = gate_facts.apply_override(decision, policy, gathered, facts)
    return decision


#: Evidence directories holding at least this many bytes (in two or more files) are read by
#: one worker process per core: reading and normalising is per-record Python work.
PARALLEL_BYTES = 8 * 1024 * 1024


def gather_evidence(
    paths: Sequence[Path], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[EvidenceItem], list[str], list[str]]:
    """Read every evidence file under ``paths``: items, notes, and unreadable files."""
    items: list[EvidenceItem] = []
    notes: list[str] = []
    unreadable: list[str] = []
    seen: set[Path] = set()
    in_dirs: list[tuple[Path, str]] = []
    for root in paths:
        if not root.exists():
            raise UsageError(f"{root}: no such file or directory (given with --evidence)")
        for path in iter_files(root):
            real = path.resolve()
            if real in seen:
                continue
            seen.add(real)
            shown = _shown(path, root)
            if root.is_dir():
                in_dirs.append((path, shown))
                continue
            # a named file: any error is bad input
            loaded = read_path(path, max_bytes=max_bytes, name=shown)
            items.append(_item(path, shown, loaded))
    outcomes = _read_all(in_dirs, max_bytes)
    for (path, shown), outcome in zip(in_dirs, outcomes, strict=True):
        if isinstance(outcome, Loaded):
            items.append(_item(path, shown, outcome))
        elif outcome[0] == "unknown":
            notes.append(f"skipped {shown}: {outcome[1]}")
        else:
            unreadable.append(f"{shown}: {outcome[1]}")
    items.sort(key=lambda i: i.path)
    return items, notes, unreadable


def _item(path: Path, shown: str, loaded: Loaded) -> EvidenceItem:
    mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return evidence_item(shown, loaded.sha256, loaded.evidence, mtime)


_Outcome = Loaded | tuple[str, str]


def _read_one(path: Path, shown: str, max_bytes: int) -> _Outcome:
    """Read one file; an unusable one becomes ("unknown" | "error", why) instead of raising."""
    try:
        return read_path(path, max_bytes=max_bytes, name=shown)
    except UnknownFormat as exc:
        return ("unknown", exc.detail)
    except EvidenceError as exc:
        return ("error", exc.detail)


def _read_all(files: list[tuple[Path, str]], max_bytes: int) -> list[_Outcome]:
    """Read ``files`` (path, shown name); shared with worker processes when it pays.

    This process and one forked worker per further core take the next unread file (largest
    first) until none is left, so a slow format does not leave a core idle; the workers send
    their facts back when done. Facts are the same either way (a test compares them).
    """
    workers = min(os.cpu_count() or 1, len(files)) - 1
    total = sum(p.stat().st_size for p, _ in files)
    if workers < 1 or total < PARALLEL_BYTES or not _may_fork():
        return [_read_one(p, shown, max_bytes) for p, shown in files]
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    order = sorted(range(len(files)), key=lambda i: -files[i][0].stat().st_size)
    shared = _Shared(ctx.Value("i", 0), order, files, max_bytes)
    started = []
    for _ in range(workers):
        receive, send = ctx.Pipe(duplex=False)
        process = ctx.Process(target=_work, args=(shared, send), daemon=True)
        process.start()
        send.close()
        started.append((process, receive))
    outcomes: dict[int, _Outcome] = dict(_take_and_read(shared))
    for process, receive in started:
        with contextlib.suppress(EOFError, OSError, ValueError):  # a worker that died sends
            # nothing (or what cannot be unpacked): what it took is read again below
            outcomes.update((i, _received(sent)) for i, sent in receive.recv())
        receive.close()
        process.join()
    return [
        outcomes[i] if i in outcomes else _read_one(path, shown, max_bytes)
        for i, (path, shown) in enumerate(files)
    ]


@dataclass(frozen=True)
class _Shared:
    """What this process and its reading workers share: the next position in ``order``."""

    next: Any  # a multiprocessing Value("i")
    order: list[int]
    files: list[tuple[Path, str]]
    max_bytes: int


def _take_and_read(shared: _Shared) -> Iterator[tuple[int, _Outcome]]:
    while True:
        with shared.next.get_lock():
            position = shared.next.value
            shared.next.value = position + 1
        if position >= len(shared.order):
            return
        i = shared.order[position]
        path, shown = shared.files[i]
        yield i, _read_one(path, shown, shared.max_bytes)


def _work(shared: _Shared, send: Any) -> None:  # pragma: no cover - runs in the worker
    gc.disable()  # a short-lived process of acyclic facts, as in evaluate()
    with contextlib.suppress(Exception):  # nothing is sent: the parent reads these itself
        send.send([(i, _sent(outcome)) for i, outcome in _take_and_read(shared)])
    send.close()


@dataclass(frozen=True)
class _Packed:
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
        tuple((c, tuple(f.name for f in dataclasses.fields(c))) for c in classes),
        tuple((e, tuple(e)) for e in enums),
    )


#: What the facts of evidence are made of (golive.core.findings).
_PACKABLE = _packable()


def _sent(outcome: _Outcome) -> _Outcome | _Packed:
    """What a worker sends for ``outcome``: a read file's facts packed in C where
    ``golive._native`` is built (building them again from pickle runs every frozen
    dataclass's ``__init__``, several times the cost), else the outcome as it is."""
    if native.enabled() and isinstance(outcome, Loaded):
        with contextlib.suppress(TypeError):  # something pack does not know: pickle it
            return _Packed(outcome.path, outcome.sha256, native.pack(outcome.evidence, *_PACKABLE))
    return outcome


def _received(sent: _Outcome | _Packed) -> _Outcome:
    if isinstance(sent, _Packed):
        return Loaded(sent.path, sent.sha256, native.unpack(sent.data, *_PACKABLE))
    return sent


def _may_fork() -> bool:
    """Forking is safe: Linux, and no other thread whose locks a child would inherit held
    (in ``golive serve`` the gate's reading and writing stay in one process)."""
    return sys.platform == "linux" and threading.active_count() == 1


#: A decision listing at least this many findings is written by two processes when its rows
#: are written in Python (see :func:`rows_in_parallel`).
PARALLEL_ROWS = 20_000


def rows_in_parallel(views: Sequence[FindingView], indent: str, last: bool) -> Iterator[str]:
    """A :data:`~golive.core.gate.model.RowsWriter` that shares a long list with a worker.

    A forked worker writes the second half of the rows into a pipe while this process writes
    the first half; a thread drains the pipe meanwhile (so the worker never waits on a full
    pipe), and its text follows this process's. The text is :func:`write_rows`' exactly (a
    test compares them). Falls back to writing alone when forking is not possible.
    """
    if (
        native.enabled()  # compiled rows: one process writes them faster than two
        or len(views) < PARALLEL_ROWS
        or (os.cpu_count() or 1) < 2
        or not _may_fork()
    ):
        yield from write_rows(views, indent, last)
        return
    half = len(views) // 2
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the worker
        code = 1
        try:
            os.close(read_end)
            with open(write_end, "wb", buffering=1 << 20) as out:
                for piece in write_rows(views[half:], indent, last):
                    out.write(piece.encode("utf-8"))
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    received: list[bytes] = []
    with open(read_end, "rb") as source:
        drain = threading.Thread(target=lambda: received.append(source.read()), daemon=True)
        drain.start()
        yield from write_rows(views[:half], indent, False)
        drain.join()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0 or not received:
        yield from write_rows(views[half:], indent, last)  # the worker failed: write them here
        return
    yield received[0].decode("utf-8")


def evidence_item(
    name: str, sha256_hex: str, evidence: Evidence, stored_at: datetime | None = None
) -> EvidenceItem:
    """An evidence item for the engine: its time is the report's own, when it records one.

    ``stored_at`` (a file's modification time, or when the server received it) is used for
    ``max_age`` only, and only when the report records no time.
    """
    produced, source = _report_time(evidence.produced_at)
    return EvidenceItem(
        path=name,
        sha256="sha256:" + sha256_hex,
        evidence=evidence,
        produced_at=produced,
        time_source=source,
        file_mtime=stored_at,
    )


def _shown(path: Path, root: Path) -> str:
    """The name a decision shows: relative to the directory given, so decisions are portable."""
    if root.is_dir():
        return f"{root.name}/{path.relative_to(root).as_posix()}"
    return path.name


def _report_time(text: str | None) -> tuple[datetime | None, str]:
    found = parse_instant(text)
    if found is None:
        return None, ""
    if found[1]:
        return found[0], "report time without a UTC offset, read as UTC"
    return found[0], "report time"


def parse_time(text: object) -> datetime | None:
    """An ISO 8601 time (``Z`` allowed); a time without an offset is read as UTC; else None."""
    found = parse_instant(text)
    return found[0] if found is not None else None


def _waivers(request: GateRequest, notes: list[str]) -> list[Waiver]:
    files: list[Path] = []
    if request.waivers is not None:
        files.append(request.waivers)
    for gate in request.loaded.policy.gates:
        name = getattr(getattr(gate, "params", None), "waivers", None)
        rel = getattr(name, "file", "")
        if rel:
            for root in request.evidence:
                base = root if root.is_dir() else root.parent
                candidate = base / rel
                if candidate.is_file() and candidate not in files:
                    files.append(candidate)
    out: list[Waiver] = []
    for path in files:
        out.extend(load_waivers(path).waivers)
        notes.append(f"waivers from {path.name}")
    ids = [w.id for w in out]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise UsageError(f"waiver id(s) {', '.join(dupes)} appear in more than one waivers file")
    return out


def load_waivers(path: Path) -> WaiverFile:
    """Read and validate a waivers file (YAML or JSON); errors name the line and field."""
    text = read_policy_text(path)
    return validate_yaml(text, str(path), WaiverFile, what="a waivers file")


def load_roster(path: Path) -> RosterFile:
    """Read and validate a roster file (YAML or JSON)."""
    text = read_policy_text(path)
    return validate_yaml(text, str(path), RosterFile, what="a roster file")


# ---------------------------------------------------------------------------------------------
# --run: run the policy's commands here
# ---------------------------------------------------------------------------------------------


def run_commands(request: GateRequest, notes: list[str]) -> CommandReport | None:
    """Run every command of the ``command_passed`` gates this decision applies."""
    gates = applicable(
        request.loaded.policy, request.environment, request.stage, request.candidate.deployable
    )
    commands = [c for g in gates if isinstance(g, CommandPassedGate) for c in g.params.commands]
    if not commands:
        notes.append("--run: no command_passed gate applies; nothing was run")
        return None
    runs: list[CommandRun] = []
    for cmd in commands:
        cwd = (request.repo / cmd.cwd) if cmd.cwd else request.repo
        runs.append(_run_one(cmd.name, cmd.run, cwd, cmd.timeout.seconds or 600))
    return CommandReport(
        source=RUN_SOURCE,
        format="golive-commands",
        runs=tuple(runs),
        produced_at=_now_iso(),
    )


def _run_one(name: str, command: str, cwd: Path, timeout: int) -> CommandRun:
    started = _now_iso()
    start = _time.monotonic()
    digest = hashlib.sha256()
    try:
        # the policy's own command line, run as written by a shell
        proc = subprocess.run(
            command,
            shell=True,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        digest.update(exc.output or b"")
        return CommandRun(
            name,
            command,
            None,
            round(_time.monotonic() - start, 3),
            digest.hexdigest(),
            timed_out=True,
            started_at=started,
        )
    except OSError as exc:
        return CommandRun(name, command, None, 0.0, started_at=started, error=str(exc))
    digest.update(proc.stdout or b"")
    return CommandRun(
        name,
        command,
        proc.returncode,
        round(_time.monotonic() - start, 3),
        digest.hexdigest(),
        started_at=started,
    )


def _now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def write_record(path: Path, report: CommandReport) -> None:
    """Write the runs as ``golive.commands/v1`` evidence, atomically."""
    doc = {
        "schema": "golive.commands/v1",
        "produced_at": report.produced_at,
        "runs": [
            {
                "name": r.name,
                "command": r.command,
                "exit_code": r.exit_code,
                "duration_s": r.duration_s,
                "output_sha256": r.output_sha256,
                "timed_out": r.timed_out,
                "started_at": r.started_at,
                **({"error": r.error} if r.error else {}),
            }
            for r in report.runs
        ],
    }
    write_atomic(path, json.dumps(doc, indent=2) + "\n")
