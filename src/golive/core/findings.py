"""The facts golive reads from evidence files: test reports, scan reports, findings.

Readers under :mod:`golive.evidence` turn report files into these frozen values;
engines decide on them. Nothing here reads a file or knows a file format: a
value says what a report *claims*, normalised, with enough provenance (tool,
version, source file, resolved severity and where it came from) for a decision
to be explained.

Two rules hold for every value:

- **No secret is ever kept.** Secret scanners' matches, code snippets and
  lines are dropped by the readers; a finding carries a ``fingerprint`` (a
  short digest) and a location instead.
- **Unknown stays unknown.** A severity that a report does not give is
  :attr:`Severity.UNKNOWN`, a scan that did not finish is
  ``Completeness(complete=False, reasons=...)``; neither is ever rounded to a
  pass. The gate engine turns them into ``error`` outcomes.
"""

from __future__ import annotations

import dataclasses
import enum
import operator
from collections.abc import Mapping
from dataclasses import dataclass, field


class Severity(enum.Enum):
    """golive's one severity scale. ``UNKNOWN`` is a value of its own, not the lowest."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"
    UNKNOWN = "unknown"

    rank: int
    """Order for comparisons: info 0 … critical 4; unknown is -1 (it has no rank). Set once
    below as a plain attribute: an enum property would hash the member on every read."""

    def at_least(self, other: Severity) -> bool:
        """True when this severity is known and as high as ``other``."""
        return self is not Severity.UNKNOWN and self.rank >= other.rank


_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
    Severity.UNKNOWN: -1,
}
for _member, _rank in _RANK.items():
    _member.rank = _rank
del _member, _rank


class ScanKind(enum.Enum):
    """What a scan looked for."""

    SAST = "sast"
    SCA = "sca"
    SECRETS = "secrets"
    SBOM = "sbom"


class FindingKind(enum.Enum):
    """What one finding is about."""

    CODE = "code"  # a static-analysis result in source
    VULNERABILITY = "vulnerability"  # a known vulnerability in a package
    SECRET = "secret"  # a credential found in source or history
    MISCONFIGURATION = "misconfiguration"  # an infrastructure or config rule


class TestOutcome(enum.Enum):
    """Outcome of one test after reruns and duplicate records are folded."""

    __test__ = False  # not a pytest test class

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    FLAKY = "flaky"  # failed at least once, then passed on a rerun


@dataclass(frozen=True, slots=True)
class ResolvedSeverity:
    """A severity and how it was reached.

    ``provenance`` reads like ``"CVSS 3.1 vector -> 7.5 high"`` or
    ``"semgrep ERROR -> high"``; when several claims were weighed it lists them
    and the conflict rule. ``inferred`` is true when the severity was derived
    from a weaker signal (a SARIF level instead of a ``security-severity``).
    """

    level: Severity
    provenance: str
    score: float | None = None
    inferred: bool = False


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding is. ``line`` and ``column`` are 1-based, 0 when not given."""

    path: str
    line: int = 0
    column: int = 0
    end_line: int = 0


@dataclass(frozen=True, slots=True)
class Package:
    """A package a vulnerability affects; ``purl`` is normalised when it parsed."""

    name: str
    version: str | None = None
    purl: str | None = None
    ecosystem: str | None = None


@dataclass(frozen=True, slots=True)
class Suppression:
    """A tool-native claim that a finding should not count.

    golive treats these as *claims*: they are always shown, and they count only
    where the policy accepts them. ``status`` is ``accepted`` (or absent in the
    report, which SARIF reads as accepted), ``under_review`` or ``rejected``.
    """

    mechanism: str  # e.g. "sarif:inSource", "nosec", "nosemgrep", "vex", "grype-ignore"
    status: str = "accepted"
    justification: str = ""


@dataclass(frozen=True, slots=True)
class VexAnalysis:
    """A CycloneDX VEX ``analysis`` (or Trivy's VEX-modified finding)."""

    state: str
    justification: str = ""
    responses: tuple[str, ...] = ()
    detail: str = ""

    @property
    def contradictory(self) -> bool:
        """``not_affected`` together with a response of ``update`` says two things."""
        return self.state == "not_affected" and "update" in self.responses


@dataclass(frozen=True, slots=True)
class Finding:
    """One result of one tool in one file, normalised.

    ``key`` identifies the finding for waivers and de-duplication: the
    vulnerability id for vulnerabilities, otherwise rule and location.
    ``ids`` holds the vulnerability id and every alias the report gave.
    """

    kind: FindingKind
    tool: str
    source: str  # the evidence file this came from
    rule_id: str
    title: str
    severity: ResolvedSeverity
    location: Location | None = None
    package: Package | None = None
    ids: tuple[str, ...] = ()
    fix_versions: tuple[str, ...] = ()
    fingerprint: str = ""
    confidence: str | None = None
    suppressions: tuple[Suppression, ...] = ()
    hidden_by_tool: bool = False  # a SARIF viewer or the tool itself would hide it
    baseline_state: str | None = None  # SARIF: new, unchanged, updated
    vex: VexAnalysis | None = None
    withdrawn: bool = False  # the advisory was rejected or withdrawn
    notes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        if self.kind is FindingKind.VULNERABILITY and self.ids:
            return self.ids[0]
        where = ""
        if self.location is not None:
            where = f"{self.location.path}:{self.location.line}"
        return f"{self.rule_id}@{where}" if where else self.rule_id


@dataclass(frozen=True, slots=True)
class Completeness:
    """Whether a report proves that the tool ran to the end over what it should.

    ``complete=False`` always comes with at least one human-readable reason.
    """

    complete: bool = True
    reasons: tuple[str, ...] = ()

    @staticmethod
    def of(reasons: list[str] | tuple[str, ...]) -> Completeness:
        return Completeness(complete=not reasons, reasons=tuple(reasons))


@dataclass(frozen=True, slots=True)
class Binding:
    """What a report says it was produced from, when it says so."""

    commits: tuple[str, ...] = ()
    digests: tuple[str, ...] = ()
    artifact: str | None = None

    @property
    def bound(self) -> bool:
        return bool(self.commits or self.digests)


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    version: str | None = None


@dataclass(frozen=True, slots=True)
class Component:
    """A package listed in an SBOM. Missing values are ``None`` (SPDX ``NOASSERTION``)."""

    name: str
    version: str | None = None
    purl: str | None = None
    ref: str | None = None  # CycloneDX bom-ref or SPDX SPDXID
    supplier: str | None = None
    license: str | None = None


@dataclass(frozen=True, slots=True)
class ScanReport:
    """What one scanner report or SBOM file says."""

    source: str
    format: str
    tool: Tool
    kind: ScanKind
    findings: tuple[Finding, ...] = ()
    completeness: Completeness = field(default_factory=Completeness)
    binding: Binding = field(default_factory=Binding)
    components: tuple[Component, ...] = ()
    notes: tuple[str, ...] = ()
    document_id: str | None = None  # CycloneDX serialNumber, SPDX documentNamespace
    produced_at: str | None = None  # when the report says it was made (ISO 8601, as written)


@dataclass(frozen=True, slots=True)
class TestCase:
    """One test after its duplicate records (reruns, teardown errors) are folded."""

    __test__ = False

    suite: str
    classname: str
    name: str
    outcome: TestOutcome
    file: str | None = None
    time: float | None = None
    attempts: int = 1
    message: str = ""
    skip_kind: str | None = None  # "skip" or "xfail" for skipped tests


@dataclass(frozen=True, slots=True)
class TestCounts:
    __test__ = False

    total: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    flaky: int = 0


@dataclass(frozen=True, slots=True)
class TestSuite:
    __test__ = False

    name: str
    declared: TestCounts  # what the suite's attributes say; often wrong
    timestamp: str | None = None
    timestamp_has_offset: bool | None = None


@dataclass(frozen=True, slots=True)
class TestReport:
    """What one JUnit XML file says, recounted from its cases."""

    __test__ = False

    source: str
    format: str
    suites: tuple[TestSuite, ...]
    cases: tuple[TestCase, ...]
    counts: TestCounts
    records: int  # raw <testcase> elements before folding
    completeness: Completeness = field(default_factory=Completeness)
    notes: tuple[str, ...] = ()
    produced_at: str | None = None  # the latest suite timestamp, as written
    binding: Binding = field(default_factory=Binding)  # JUnit names no commit; always unbound


@dataclass(frozen=True, slots=True)
class CommandRun:
    """One run of a policy command (``command_passed``), as recorded by ``golive gate --run``.

    Only a digest of the output is kept: command output can hold secrets.
    """

    name: str
    command: str
    exit_code: int | None  # None when it never finished (timed out, could not start)
    duration_s: float
    output_sha256: str = ""
    timed_out: bool = False
    started_at: str | None = None
    error: str = ""  # why it could not start, when it could not


@dataclass(frozen=True, slots=True)
class CommandReport:
    """A ``golive.commands/v1`` file: recorded results of policy commands."""

    source: str
    format: str
    runs: tuple[CommandRun, ...]
    binding: Binding = field(default_factory=Binding)
    produced_at: str | None = None
    completeness: Completeness = field(default_factory=Completeness)
    notes: tuple[str, ...] = ()


Evidence = ScanReport | TestReport | CommandReport


def _pickle_by_fields(cls: type) -> None:
    """Pickle instances of ``cls`` as (class, field values).

    A slotted dataclass pickles through a Python ``__getstate__`` that builds a dict per
    object; the gate reads large evidence directories in worker processes and sends back
    hundreds of thousands of these values, and this halves the cost both ways.
    """
    get = operator.attrgetter(*(f.name for f in dataclasses.fields(cls)))

    def reduce(self: object) -> tuple[type, tuple[object, ...]]:
        return cls, get(self)

    setattr(cls, "__reduce__", reduce)  # noqa: B010 - a method set after the class is made


for _cls in (Finding, Location, Package, ResolvedSeverity, Suppression, TestCase):
    _pickle_by_fields(_cls)
del _cls


def to_jsonable(value: object) -> object:
    """Turn facts into plain JSON values, with a stable field order."""
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, object] = {}
        for f in dataclasses.fields(value):
            out[f.name] = to_jsonable(getattr(value, f.name))
        if isinstance(value, Finding):
            out["key"] = value.key
        return out
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, tuple | list | frozenset | set):
        return [to_jsonable(v) for v in value]
    return value
