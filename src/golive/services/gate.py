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

import dataclasses
import hashlib
import json
import os
import subprocess
import threading
import time as _time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from golive import __version__, collector, native
from golive.core.findings import (
    CommandReport,
    CommandRun,
    Evidence,
)
from golive.core.gate import Candidate, Decision, EvidenceItem, Facts, Waiver, WaiverFile, decide
from golive.core.gate.engine import applicable
from golive.core.gate.model import FindingView, write_rows
from golive.core.instants import parse_instant
from golive.core.policy.loader import LoadedPolicy, validate_yaml
from golive.core.policy.model import CommandPassedGate
from golive.core.roster import RosterFile
from golive.errors import UsageError
from golive.evidence import DEFAULT_MAX_BYTES, Loaded, read_path
from golive.files import write_atomic
from golive.services import gate_facts, reading
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


def evaluate(request: GateRequest) -> Decision:
    """Gather the facts for ``request`` and decide."""
    with collector.paused():  # millions of objects, no cycles
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


def gather_evidence(
    paths: Sequence[Path], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[EvidenceItem], list[str], list[str]]:
    """Read every evidence file under ``paths``: items, notes, and unreadable files.

    A file named on its own must be readable evidence (anything wrong is bad input); files
    found in a directory that are not evidence are skipped with a note, and unreadable ones
    block the decision (see :mod:`golive.services.reading`, which reads them).
    """
    items: list[EvidenceItem] = []
    notes: list[str] = []
    unreadable: list[str] = []
    in_dirs: list[tuple[Path, str]] = []
    for path, shown, in_dir in reading.evidence_files(paths):
        if in_dir:
            in_dirs.append((path, shown))
            continue
        loaded = read_path(path, max_bytes=max_bytes, name=shown)
        items.append(_item(path, shown, loaded))
    outcomes = reading.read_files(in_dirs, max_bytes)
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
        or not reading.may_fork()
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
