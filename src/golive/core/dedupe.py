"""Fold findings that are the same problem into one :class:`Issue` listing every source.

Vulnerabilities are the same when their ids are linked by aliases (CVE, GHSA,
PYSEC, OSV ids; the closure is transitive: if A names B and B names C, all
three are one vulnerability). One issue lists every tool, file and package
that reported it, so a CVE that Trivy reports on three packages, Grype and
pip-audit report once each, becomes one issue with five sources.

Other findings (code, secrets, misconfigurations) are the same when the same
tool reports the same rule at the same place with the same fingerprint, which
happens when a tool's report is uploaded twice or a SARIF file has several
runs of one tool.

The issue's severity is the highest of its members' (the conflict rule of
docs/severity.md); its provenance names the member it came from.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from packageurl import PackageURL

from golive import native
from golive.core.findings import Finding, FindingKind, ResolvedSeverity, Severity

_PEP503 = re.compile(r"[-_.]+")
#: Ranks of id schemes: CVE, then GHSA, then the ids of OSV's ecosystem databases (PYSEC, Go,
#: RustSec, OSV's own, OpenSSF malicious packages, GSD, ENISA's EUVD), then vendor ids (Snyk's
#: ``SNYK-JS-LODASH-567746``), then anything else. An issue is named by its first id, so a CVE
#: names an issue whenever any report links one.
_ID_ORDER = (
    ("CVE-",),
    ("GHSA-",),
    ("PYSEC-", "GO-", "RUSTSEC-", "OSV-", "MAL-", "GSD-", "EUVD-"),
    ("SNYK-",),
)
#: Id schemes written in upper case whatever the report wrote (GHSA keeps a lower-case body).
_UPPER_IDS = ("CVE-", "PYSEC-", "OSV-", "GO-", "RUSTSEC-", "MAL-", "GSD-", "EUVD-", "SNYK-")


def normalize_purl(text: str) -> str | None:
    """A purl with qualifiers and subpath dropped and the name normalised; None if malformed.

    PyPI names are normalised as PEP 503 says (``Jinja2`` and ``jinja2`` are one
    package). A malformed purl such as ``pkg:pypi:jinja2`` gives None; callers
    keep the raw text as the package name.
    """
    return _normalize_purl(text.strip())


#: Purls already in normal form with nothing to quote, of types whose rules are plain: lower-case
#: namespace and name made of unreserved characters, a version of unreserved characters, no
#: qualifiers or subpath. Most purls in SBOMs look like this; they are normalised without the
#: parser (a test compares the two ways over generated purls of these types).
_PLAIN_TYPES = (
    "pypi", "npm", "maven", "golang", "cargo", "gem", "nuget", "deb", "rpm", "generic", "github",
    "gitlab", "bitbucket", "composer", "apk", "conda", "swift", "cocoapods", "docker",
)  # fmt: skip
_PLAIN_PURL = re.compile(
    rf"pkg:({'|'.join(_PLAIN_TYPES)})/"
    r"((?:[a-z0-9][a-z0-9._-]*/)*)([a-z0-9][a-z0-9._-]*)(?:@([A-Za-z0-9][A-Za-z0-9._~-]*))?"
)


@functools.lru_cache(maxsize=65536)
def _normalize_purl(text: str) -> str | None:
    # cached: an SBOM names each package in its component list and again in every
    # vulnerability that affects it, and parsing a purl is the costly part of reading one
    plain = _PLAIN_PURL.fullmatch(text)
    if plain is not None:
        type_, namespace, name, version = plain.groups()
        if type_ == "pypi":
            name = _PEP503.sub("-", name)
        return (
            f"pkg:{type_}/{namespace}{name}@{version}"
            if version
            else f"pkg:{type_}/{namespace}{name}"
        )
    return _parse_purl(text)


def _parse_purl(text: str) -> str | None:
    """:func:`normalize_purl` by the purl parser: any purl."""
    try:
        purl = PackageURL.from_string(text)
    except ValueError:
        return None
    name = purl.name
    namespace = purl.namespace
    if purl.type == "pypi":
        name = _PEP503.sub("-", name).lower()
    version = purl.version or None
    if name == purl.name and version == purl.version and not purl.qualifiers and not purl.subpath:
        return purl.to_string()  # already in normal form: no second parse and build
    return str(PackageURL(type=purl.type, namespace=namespace, name=name, version=version))


def pypi_purl(name: str, version: str | None) -> str | None:
    """The purl of a PyPI distribution, or None for a name that cannot be one."""
    clean = _PEP503.sub("-", name.strip()).lower()
    if not clean:
        return None
    try:
        return str(PackageURL(type="pypi", name=clean, version=version or None))
    except ValueError:
        return None


def canonical_id(vuln_id: str) -> str:
    """One spelling per id: ``CVE-``/``PYSEC-``/``SNYK-``/... upper case, GHSA with a
    lower-case body; other ids as written (Snyk's legacy ``npm:ms:20170412`` among them)."""
    text = vuln_id.strip()
    upper = text.upper()
    if upper.startswith("GHSA-"):
        return "GHSA-" + text[5:].lower()
    if upper.startswith(_UPPER_IDS):
        return upper
    return text


def id_sort_key(vuln_id: str) -> tuple[int, str]:
    """CVE ids first, then GHSA, then OSV database ids (PYSEC, GO, RUSTSEC, OSV, MAL, GSD,
    EUVD), then Snyk's, then the rest; alphabetical within."""
    upper = vuln_id.upper()
    for rank, prefixes in enumerate(_ID_ORDER):
        if upper.startswith(prefixes):
            return rank, upper
    return len(_ID_ORDER), upper


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem, reported by one or more findings."""

    key: str
    kind: FindingKind
    ids: tuple[str, ...]
    severity: ResolvedSeverity
    findings: tuple[Finding, ...]

    @property
    def sources(self) -> tuple[str, ...]:
        """``tool (file)`` for every report that contributed, sorted, without repeats."""
        if len(self.findings) == 1:  # most issues; a decision may list 100,000
            only = self.findings[0]
            return (f"{only.tool} ({only.source})",)
        return tuple(sorted({f"{f.tool} ({f.source})" for f in self.findings}))

    @property
    def tools(self) -> tuple[str, ...]:
        return tuple(sorted({f.tool for f in self.findings}))

    @property
    def packages(self) -> tuple[str, ...]:
        """Every affected package (normalised purl, or ``name@version``), sorted."""
        if len(self.findings) == 1 and self.findings[0].package is None:
            return ()
        names: set[str] = set()
        for f in self.findings:
            if f.package is None:
                continue
            if f.package.purl:
                names.add(f.package.purl)
            else:
                version = f"@{f.package.version}" if f.package.version else ""
                names.add(f"{f.package.name}{version}")
        return tuple(sorted(names))


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        self.parent.setdefault(item, item)
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def merge(findings: Iterable[Finding]) -> tuple[Issue, ...]:
    """Fold findings into issues; issues come out sorted by severity, then key.

    In C where ``golive._native`` is built (:func:`golive.native.merge_issues`), else by
    :func:`python_merge`; the answers are the same (tests compare them).
    """
    items = list(findings)
    if native.enabled():
        uf = _UnionFind()

        def vulnerability_group(f: Finding) -> str:
            return uf.find(canonical_id(f.ids[0]))

        context = (Issue, native.field_names(Issue), FindingKind.VULNERABILITY,
                   functools.partial(_link, uf), vulnerability_group, _issue, _RANKS)  # fmt: skip
        with contextlib.suppress(TypeError):  # an issue the C sort cannot order
            return tuple(native.merge_issues(items, context))
    return _merge(items, _linked(items))


def python_merge(findings: Iterable[Finding]) -> tuple[Issue, ...]:
    """:func:`merge` in Python alone: the reference the compiled path is tested against."""
    items = list(findings)
    return _merge(items, _linked(items))


def _linked(items: list[Finding]) -> _UnionFind:
    """Vulnerability ids tied together by the aliases each finding lists."""
    uf = _UnionFind()
    for f in items:
        if f.kind is FindingKind.VULNERABILITY and f.ids:
            _link(uf, f)
    return uf


def _link(uf: _UnionFind, f: Finding) -> None:
    """Tie a vulnerability's ids (it has some) together."""
    first = canonical_id(f.ids[0])
    uf.find(first)
    for other in f.ids[1:]:
        uf.union(first, canonical_id(other))


def _merge(items: list[Finding], uf: _UnionFind) -> tuple[Issue, ...]:
    groups: dict[object, list[Finding]] = {}
    vulnerability = FindingKind.VULNERABILITY
    for f in items:
        group: object
        if f.kind is vulnerability and f.ids:
            group = uf.find(canonical_id(f.ids[0]))
        else:
            # a tuple of plain values: ``_value_``, not ``.value`` (an enum descriptor) and not
            # the member itself (enum members hash in Python)
            loc = f.location
            where = (loc.path, loc.line, loc.column) if loc else None
            group = (f.kind._value_, f.tool, f.rule_id, where, f.fingerprint)
        groups.setdefault(group, []).append(f)

    # most findings fold with nothing: their issues are built in one call (see native.instances)
    rows: list[tuple[object, ...] | Issue] = []
    for members in groups.values():
        only = members[0]
        if len(members) == 1 and not only.ids:
            rows.append((only.key, only.kind, (), only.severity, (only,)))
        else:
            rows.append(_issue(members))
    issues = native.instances(Issue, rows)
    issues.sort(key=lambda i: (-i.severity.level.rank, i.key))
    return tuple(issues)


#: Each severity with its rank, for the compiled merge's sort.
_RANKS = tuple((level, level.rank) for level in Severity)


def _issue(members: list[Finding]) -> Issue:
    first = members[0]
    ids: set[str] = set()
    for f in members:
        ids.update(canonical_id(i) for i in f.ids)
    ordered = tuple(sorted(ids, key=id_sort_key))
    worst = max(members, key=lambda f: f.severity.level.rank)
    severity = worst.severity
    if worst.severity.level is not Severity.UNKNOWN and len(members) > 1:
        severity = ResolvedSeverity(
            level=worst.severity.level,
            provenance=f"{worst.tool}: {worst.severity.provenance}",
            score=worst.severity.score,
            inferred=worst.severity.inferred,
        )
    key = ordered[0] if first.kind is FindingKind.VULNERABILITY and ordered else first.key
    return Issue(
        key=key,
        kind=first.kind,
        ids=ordered,
        severity=severity,
        findings=tuple(members),
    )
