"""The values of a gate decision: facts in, check results and a decision out.

Everything here is a frozen value. :func:`golive.core.gate.engine.decide` turns
a policy, :class:`Facts` and ``now`` into a :class:`Decision`; the same inputs
always give an equal decision, and :meth:`Decision.to_json` the same bytes.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from json.encoder import encode_basestring as _q  # the escaping of ensure_ascii=False

from golive import native
from golive.core.dedupe import Issue
from golive.core.findings import (
    CommandReport,
    Evidence,
    Finding,
    FindingKind,
    Location,
    ResolvedSeverity,
    ScanReport,
    Severity,
    TestReport,
    to_jsonable,
)
from golive.core.gate.sources import (
    DeploymentFacts,
    OpsRecords,
    RepoFacts,
    ReviewFacts,
    SignOff,
)
from golive.core.gate.waivers import Waiver

DECISION_SCHEMA = "golive.decision/v1"


class Outcome(enum.Enum):
    """What one check concluded.

    ``error`` means golive could not tell (evidence missing, unreadable, incomplete, stale or
    for another candidate): it never counts as a pass. ``owed`` means the check's source is
    unavailable; the policy says whether that blocks or passes with a recorded debt.
    """

    PASS = "pass"
    FAIL = "fail"
    WAIVED = "waived"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"
    OWED = "owed"


class Verdict(enum.Enum):
    PASS = "pass"
    BLOCKED = "blocked"
    OVERRIDDEN = "overridden"


class FindingStatus(enum.Enum):
    """How one finding was counted by a security check."""

    VIOLATION = "violation"  # counted and above the allowed severity (or count)
    WAIVED = "waived"  # would be a violation; a valid waiver covers it
    SUPPRESSED = "suppressed"  # a tool-native suppression the policy accepts
    ALLOWED = "allowed"  # counted, within the allowed severity
    NOT_AFFECTED = "not_affected"  # a VEX statement the policy accepts says not affected
    WITHDRAWN = "withdrawn"  # the advisory was withdrawn or rejected
    NOT_NEW = "not_new"  # the policy counts only new findings, and this one is not new


@dataclass(frozen=True, slots=True)
class Candidate:
    """What is being released: the commit and artifact digests every decision names."""

    commit: str | None = None
    digests: tuple[str, ...] = ()
    deployable: str | None = None
    version: str | None = None
    author: str | None = None  # who made the change (the pull request's author), if known


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One evidence file as the engine sees it.

    ``produced_at`` is when the evidence was made: the time the report records, else the file's
    modification time; ``time_source`` says which (and whether a naive time was read as UTC).
    """

    path: str
    sha256: str
    evidence: Evidence
    produced_at: datetime | None = None
    time_source: str = ""
    file_mtime: datetime | None = None  # used for age only when the report records no time

    @property
    def tool(self) -> str:
        ev = self.evidence
        if isinstance(ev, ScanReport):
            return ev.tool.name
        if isinstance(ev, TestReport):
            return "junit"
        return "golive"

    @property
    def tool_version(self) -> str | None:
        ev = self.evidence
        return ev.tool.version if isinstance(ev, ScanReport) else None

    @property
    def kind(self) -> str:
        ev = self.evidence
        if isinstance(ev, ScanReport):
            return ev.kind.value
        if isinstance(ev, TestReport):
            return "tests"
        return "commands"


@dataclass(frozen=True, slots=True)
class Debt:
    """An owed check that passed with a debt (``owed: pass_with_debt``) and is still open.

    It stays open for its environment and deployable until a later decision decides the same
    check ``pass`` or ``waived``. ``ref`` says where it was recorded (a stored decision, or the
    candidate of a local one).
    """

    check: str
    since: datetime
    ref: str = ""

    def to_dict(self) -> dict[str, object]:
        return {"check": self.check, "since": _iso(self.since), "ref": self.ref or None}


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything the engine may look at, besides the policy and ``now``.

    ``unreadable`` lists evidence files that look like evidence but could not be read; they
    make the decision blocked (an unreadable report could have said anything).
    ``roster`` maps a role id to the people who hold it; it wins over the policy's static
    ``roles[].members``. ``unavailable`` names fact sources that could not be reached
    (``--unavailable remote-ci``): checks that depend on them are ``owed``.
    """

    candidate: Candidate = field(default_factory=Candidate)
    evidence: tuple[EvidenceItem, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    roster: Mapping[str, tuple[str, ...]] | None = None
    unavailable: frozenset[str] = frozenset()
    unreadable: tuple[str, ...] = ()  # "path: why" for evidence files that could not be read
    # part 2 of the gate (golive.core.gate.sources); None means "not gathered"
    repo: RepoFacts | None = None
    review: ReviewFacts | None = None
    deployments: DeploymentFacts | None = None
    signoffs: tuple[SignOff, ...] | None = None
    records: OpsRecords | None = None
    debts: tuple[Debt, ...] = ()  # open debts of this environment and deployable

    def reports(self, kind: type[Evidence]) -> list[EvidenceItem]:
        return [e for e in self.evidence if isinstance(e.evidence, kind)]

    def commands(self) -> list[EvidenceItem]:
        return [e for e in self.evidence if isinstance(e.evidence, CommandReport)]


@dataclass(frozen=True, slots=True)
class FindingView:
    """One de-duplicated finding as a security check counted it."""

    part: str  # sast, sca or secrets
    issue: Issue
    severity: Severity  # the severity the check used (unknown mapped by the policy)
    status: FindingStatus
    waiver: str | None = None
    note: str = ""

    def to_dict(self) -> dict[str, object]:
        return dict(zip(_ROW_KEYS, self._values(), strict=True))

    def row(self) -> str:
        """``to_dict()`` as one compact JSON row, byte for byte what ``_ROW`` encodes of it,
        written without building the dictionary (a decision may list 100,000 findings)."""
        return _ROW_TEXT % tuple(map(_encode, self._values()))

    def _values(self) -> tuple[str | list[str] | None, ...]:
        """The values of :data:`_ROW_KEYS`, in order.

        Written for speed: enums are read through ``_value_`` (``.value`` is a descriptor
        call), and the sets that fold several reports are built only when there is something
        to fold.
        """
        issue = self.issue
        members = issue.findings
        first = members[0]
        loc = first.location
        several = len(members) > 1
        fixes = (
            sorted({v for f in members for v in f.fix_versions})
            if several or first.fix_versions
            else []
        )
        suppressions = (
            sorted({f"{s.mechanism} ({s.status})" for f in members for s in f.suppressions})
            if several or first.suppressions
            else []
        )
        severity = issue.severity
        return (
            self.part,
            issue.key,
            self.status._value_,
            self.severity._value_,
            severity.level._value_,
            severity.provenance,
            issue.kind._value_,
            first.rule_id,
            first.title,
            list(issue.ids),
            f"{loc.path}:{loc.line}" if loc is not None and loc.path else None,
            list(issue.packages),
            fixes,
            first.fingerprint or None,
            list(issue.sources),
            suppressions,
            self.waiver,
            self.note or None,
        )


#: The keys of a finding's row, in order.
_ROW_KEYS = (
    "part", "key", "status", "severity", "reported_severity", "severity_provenance", "kind",
    "rule", "title", "ids", "location", "packages", "fix_versions", "fingerprint", "sources",
    "suppressions", "waiver", "note",
)  # fmt: skip


#: The row of :meth:`FindingView.row`: each key, and its value's JSON, as ``_ROW`` writes them.
_ROW_TEXT = "{" + ", ".join(f'"{k}": %s' for k in _ROW_KEYS) + "}"
#: ``_ROW_TEXT`` around its values: what the compiled row writer puts between them.
_ROW_PARTS = tuple(_ROW_TEXT.split("%s"))


def _encode(value: str | list[str] | None) -> str:
    """A row value as the row encoder writes it: a string, a list of strings, or null."""
    if type(value) is str:
        return _q(value)
    if value is None:
        return "null"
    if not value:
        return "[]"
    return "[" + ", ".join(map(_q, value)) + "]"


@dataclass(frozen=True, slots=True)
class WaiverStatus:
    """What became of one waiver in this decision."""

    id: str
    check: str
    status: str  # used, unused (stale), expired, invalid
    detail: str
    findings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check's conclusion, explained.

    ``rule`` says in words what the check requires; ``facts`` lists the facts it used (one line
    each); ``reasons`` says why the outcome is what it is; ``remediation`` what would make it pass.
    """

    id: str
    type: str
    title: str
    outcome: Outcome
    blocking: bool
    summary: str
    rule: str = ""
    reasons: tuple[str, ...] = ()
    remediation: str = ""
    controls: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    findings: tuple[FindingView, ...] = ()
    waivers: tuple[WaiverStatus, ...] = ()
    debt: bool = False

    @property
    def blocks(self) -> bool:
        """True when this result alone stops the release."""
        if not self.blocking:
            return False
        if self.outcome is Outcome.OWED:
            return not self.debt
        return self.outcome in (Outcome.FAIL, Outcome.ERROR)

    def to_dict(self, *, lazy: bool = False) -> dict[str, object]:
        """Plain JSON values; with ``lazy`` the findings are rendered only while written."""
        findings: object = _Rows(self.findings) if lazy else [f.to_dict() for f in self.findings]
        return {
            "id": self.id,
            "type": self.type,
            "title": self.title,
            "outcome": self.outcome.value,
            "blocking": self.blocking,
            "blocks": self.blocks,
            "summary": self.summary,
            "rule": self.rule,
            "reasons": list(self.reasons),
            "remediation": self.remediation or None,
            "controls": list(self.controls),
            "facts": list(self.facts),
            "evidence": list(self.evidence),
            "findings": findings,
            "waivers": [to_jsonable(w) for w in self.waivers],
            "debt": self.debt,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """The gate's answer for one candidate, environment and stage at ``now``."""

    verdict: Verdict
    environment: str
    stage: str
    now: datetime
    candidate: Candidate
    policy_name: str
    policy_digest: str
    golive_version: str
    severity_algorithm: str
    evidence: tuple[EvidenceItem, ...]
    checks: tuple[CheckResult, ...]
    waivers: tuple[WaiverStatus, ...] = ()
    notes: tuple[str, ...] = ()
    settled_debts: tuple[Debt, ...] = ()  # open debts this decision settles
    open_debts: tuple[Debt, ...] = ()  # open debts it leaves open (besides its own new ones)

    @property
    def blocking_checks(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.blocks)

    @property
    def debts(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.debt)

    def counts(self) -> dict[str, int]:
        out = {o.value: 0 for o in Outcome}
        for check in self.checks:
            out[check.outcome.value] += 1
        return out

    def to_dict(self, *, lazy: bool = False) -> dict[str, object]:
        return {
            "schema": DECISION_SCHEMA,
            "verdict": self.verdict.value,
            "environment": self.environment,
            "stage": self.stage,
            "now": _iso(self.now),
            "candidate": {
                "commit": self.candidate.commit,
                "digests": list(self.candidate.digests),
                "deployable": self.candidate.deployable,
                "version": self.candidate.version,
            },
            "policy": {"name": self.policy_name, "digest": self.policy_digest},
            "golive": {
                "version": self.golive_version,
                "severity_algorithm": self.severity_algorithm,
            },
            "summary": {
                "checks": len(self.checks),
                "blocking": [c.id for c in self.blocking_checks],
                "outcomes": self.counts(),
                "debts": [c.id for c in self.debts],
            },
            "evidence": [
                {
                    "path": e.path,
                    "sha256": e.sha256,
                    "format": e.evidence.format,
                    "kind": e.kind,
                    "tool": e.tool,
                    "tool_version": e.tool_version,
                    "produced_at": _iso(e.produced_at) if e.produced_at else None,
                    "time_source": e.time_source or None,
                }
                for e in self.evidence
            ],
            "checks": [c.to_dict(lazy=lazy) for c in self.checks],
            "waivers": [to_jsonable(w) for w in self.waivers],
            "notes": list(self.notes),
            "debts": {
                "settled": [d.to_dict() for d in self.settled_debts],
                "open": [d.to_dict() for d in self.open_debts],
            },
        }

    def to_json(self) -> str:
        """The decision as JSON: the same decision always gives the same bytes."""
        return "".join(self.iter_json())

    def iter_json(self, rows: RowsWriter | None = None) -> Iterator[str]:
        """:meth:`to_json` in pieces, so a decision with 100,000 findings is written without
        holding every finding's dictionary (or the whole text) in memory at once.

        ``rows`` writes a long list of findings (default :func:`write_rows`); a caller may
        share that work out, as long as it gives the same text.
        """
        yield from _iter_dumps(self.to_dict(lazy=True), 0, rows or write_rows)
        yield "\n"


class _Rows:
    """Findings rendered one at a time, while the JSON is written."""

    __slots__ = ("views",)

    def __init__(self, views: tuple[FindingView, ...]) -> None:
        self.views = views


def dumps(value: object, level: int = 0) -> str:
    """JSON indented by two spaces, except that each element of a long list of objects is
    written compactly on its own line: readable, diff-friendly, and encoded by the C encoder
    (``json.dumps`` with ``indent`` falls back to pure Python, 10x slower on 100,000 findings).
    """
    return "".join(_iter_dumps(value, level))


#: Writes findings as rows: ``(views, indent, last)`` -> the text of every row, each on its
#: own line after ``indent``, followed by ``,`` except after the last row of the whole list
#: (``last`` says whether these views end it).
RowsWriter = Callable[[Sequence[FindingView], str, bool], Iterator[str]]


def write_rows(views: Sequence[FindingView], indent: str, last: bool) -> Iterator[str]:
    """Findings as compact JSON rows, one per line (the default :data:`RowsWriter`).

    Written in C where ``golive._native`` is present, :data:`ROWS_PER_PIECE` views per piece
    of text; the text is :func:`python_rows`' exactly (a test compares them).
    """
    if not native.enabled():
        yield from python_rows(views, indent, last)
        return
    total = len(views)
    threads = native.row_threads() if total >= THREADS_FROM else 1
    layout = _row_layout()
    for start in range(0, total, ROWS_PER_PIECE):
        stop = min(start + ROWS_PER_PIECE, total)
        yield native.finding_rows(
            views[start:stop], indent, last and stop == total, _ROW_PARTS, layout, threads
        )


#: Rows written by one call of the compiled writer: pieces of about 2 MB.
ROWS_PER_PIECE = 4096
#: Lists of at least this many views are written by several threads (without the GIL; see
#: :func:`golive.native.row_threads`).
THREADS_FROM = 1024


def _row_layout() -> tuple[object, ...]:
    """What the compiled writer reads views with: their classes, and each enum member's
    value (see ``rows_in_threads`` in ``_gate.c``)."""
    global _LAYOUT
    if _LAYOUT is None:
        pairs = tuple((m, m._value_) for e in (FindingStatus, Severity, FindingKind) for m in e)
        _LAYOUT = (FindingView, Issue, Finding, ResolvedSeverity, Location, pairs)
    return _LAYOUT


_LAYOUT: tuple[object, ...] | None = None


def python_rows(views: Sequence[FindingView], indent: str, last: bool) -> Iterator[str]:
    """:func:`write_rows` in Python, one row at a time."""
    final = len(views) - 1
    for n, view in enumerate(views):
        yield indent + view.row() + ("\n" if last and n == final else ",\n")


def _iter_dumps(value: object, level: int, rows: RowsWriter = write_rows) -> Iterator[str]:
    pad, inner = "  " * level, "  " * (level + 1)
    if isinstance(value, _Rows):
        value = value.views
        if len(value) > _COMPACT_AFTER:
            yield "[\n"
            yield from rows(value, inner, True)
            yield pad + "]"
            return
        value = [v.to_dict() for v in value]
    if isinstance(value, dict) and value:
        yield "{\n"
        last = len(value) - 1
        for n, (k, v) in enumerate(value.items()):
            yield f"{inner}{json.dumps(str(k), ensure_ascii=False)}: "
            yield from _iter_dumps(v, level + 1, rows)
            yield ",\n" if n < last else "\n"
        yield pad + "}"
        return
    if isinstance(value, list) and value:
        compact = len(value) > _COMPACT_AFTER and all(isinstance(v, dict) for v in value)
        yield "[\n"
        last = len(value) - 1
        for n, v in enumerate(value):
            yield inner
            if compact:
                yield _ROW.encode(v)
            else:
                yield from _iter_dumps(v, level + 1, rows)
            yield ",\n" if n < last else "\n"
        yield pad + "]"
        return
    yield json.dumps(value, ensure_ascii=False)


_COMPACT_AFTER = 20
#: One encoder for every compact row (``json.dumps`` with arguments builds a new one per call).
_ROW = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def _iso(instant: datetime) -> str:
    text = instant.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
