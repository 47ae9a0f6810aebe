"""OSV JSON records (``ossf/osv-schema``): one record, an array of records, or ``{"vulns": [...]}``.

An OSV record is advisory data: each ``affected[]`` package becomes one
finding. Severity claims: every ``severity[]`` vector (top level and per
``affected``) scored, and ``database_specific.severity`` (GHSA's word) mapped;
the highest wins. ``aliases`` feed de-duplication. ``withdrawn`` marks the
record withdrawn. A malformed purl (``pkg:pypi:jinja2``) is kept out of the
package's purl and noted; EUVD records with no ranges or versions are noted.

osv-scanner's JSON output (``osv-scanner --format json``) is read by
:func:`read_scanner`: ``results[].{source|packageSource}.path``,
``packages[].{package|Package}`` (the installed name, version, ecosystem) and
its ``vulnerabilities[]`` (full OSV records). One finding per package and
record, bound to the installed version; severity from the record's
``severity[]``, ``database_specific.severity`` and the ``affected[]`` entry of
that package (not of every package the record names). A group's
``experimentalAnalysis`` saying a vulnerability is not called is noted (never
a waiver); ``license_violations`` are counted in a note.
"""

from __future__ import annotations

import re

from golive.core.dedupe import normalize_purl
from golive.core.findings import (
    Binding,
    Completeness,
    Finding,
    FindingKind,
    Location,
    ScanKind,
    ScanReport,
    Tool,
)
from golive.core.severity import Claim, claim_from_label, claim_from_vector
from golive.core.severity import resolve as resolve_severity
from golive.evidence._common import package, unique
from golive.evidence._doc import Doc

FORMAT = "osv"
SCANNER_FORMAT = "osv-scanner"


def records(doc: Doc) -> list[Doc]:
    if doc.is_list():
        return list(doc.objects())
    if doc.has("vulns"):
        return list(doc.get("vulns").objects())
    return [doc]


def read(doc: Doc) -> ScanReport:
    findings: list[Finding] = []
    notes: list[str] = []
    for rec in records(doc):
        findings.extend(_record(rec, doc.source, notes))
    return ScanReport(
        source=doc.source,
        format=FORMAT,
        tool=Tool(name="osv"),
        kind=ScanKind.SCA,
        findings=tuple(findings),
        completeness=Completeness(),
        binding=Binding(),
        notes=tuple(notes),
    )


def _claims(sev: Doc, origin: str) -> list[Claim | None]:
    out: list[Claim | None] = []
    for s in sev.objects():
        score = s.get("score").text()
        stype = s.get("type").text()
        if stype.startswith("CVSS_") and score:
            out.append(claim_from_vector(score, origin))
    return out


def _record(rec: Doc, source: str, notes: list[str]) -> list[Finding]:
    vid = rec.get("id").text() or "(no id)"
    ids = unique([vid, *rec.get("aliases").texts()])
    base_claims = _claims(rec.get("severity"), "osv")
    db = rec.get("database_specific")
    if db.is_obj():
        base_claims.append(claim_from_label("osv", db.get("severity").value))
    withdrawn = rec.get("withdrawn").opt_text() is not None
    title = rec.get("summary").text() or rec.get("details").text()
    out: list[Finding] = []
    affected = list(rec.get("affected").objects())
    if not affected:
        notes.append(f"{vid}: no affected packages")
    for aff in affected:
        claims = base_claims + _claims(aff.get("severity"), "osv affected")
        eco_db = aff.get("database_specific")
        if eco_db.is_obj():
            claims.append(claim_from_label("osv", eco_db.get("severity").value))
        severity = resolve_severity(claims, "osv record has no severity")
        pkg_doc = aff.get("package")
        name = pkg_doc.get("name").text() if pkg_doc.is_obj() else ""
        purl = pkg_doc.get("purl").opt_text() if pkg_doc.is_obj() else None
        eco = pkg_doc.get("ecosystem").opt_text() if pkg_doc.is_obj() else None
        pkg = package(name or (purl or ""), None, purl, eco)
        rec_notes: list[str] = []
        if purl and normalize_purl(purl) is None:
            rec_notes.append(f"malformed purl {purl!r} ignored")
        if not list(aff.get("ranges").items()) and not list(aff.get("versions").items()):
            rec_notes.append("no ranges or versions: cannot tell which versions are affected")
        fixed = [
            e.get("fixed").text()
            for r in aff.get("ranges").objects()
            for e in r.get("events").objects()
            if e.get("fixed").text()
        ]
        out.append(
            Finding(
                kind=FindingKind.VULNERABILITY,
                tool="osv",
                source=source,
                rule_id=vid,
                title=title[:300],
                severity=severity,
                package=pkg,
                ids=ids,
                fix_versions=unique(fixed),
                withdrawn=withdrawn,
                notes=tuple(rec_notes),
            )
        )
    return out


def read_scanner(doc: Doc) -> ScanReport:
    """osv-scanner JSON output (v1 and v2 shapes)."""
    findings: list[Finding] = []
    notes: list[str] = []
    licence_violations = 0
    for res in doc.get("results").objects():
        src = res.get("source") if res.has("source") else res.get("packageSource")
        path = src.get("path").text() if src.is_obj() else ""
        for pv in res.get("packages").objects():
            pkg_doc = pv.get("package") if pv.has("package") else pv.get("Package")
            name = pkg_doc.get("name").text() if pkg_doc.is_obj() else ""
            version = pkg_doc.get("version").opt_text() if pkg_doc.is_obj() else None
            eco = pkg_doc.get("ecosystem").opt_text() if pkg_doc.is_obj() else None
            commit = pkg_doc.get("commit").opt_text() if pkg_doc.is_obj() else None
            uncalled: set[str] = set()
            for group in pv.get("groups").objects():
                for vid, info in group.get("experimentalAnalysis").members():
                    if info.is_obj() and info.get("called").flag() is False:
                        uncalled.add(vid)
            licence_violations += len(list(pv.get("license_violations").items()))
            for rec in pv.get("vulnerabilities").objects():
                findings.append(
                    _scanned(rec, name, version or commit, eco, path, uncalled, doc.source)
                )
    if licence_violations:
        notes.append(f"{licence_violations} licence violation(s) reported; not read as findings")
    return ScanReport(
        source=doc.source,
        format=SCANNER_FORMAT,
        tool=Tool(name="osv-scanner"),
        kind=ScanKind.SCA,
        findings=tuple(findings),
        completeness=Completeness(),
        binding=Binding(),
        notes=tuple(notes),
    )


def _same_name(a: str, b: str) -> bool:
    """Package names equal up to case and PyPI's ``-``/``_``/``.`` folding (a lockfile's
    ``Jinja2`` is an advisory's ``jinja2``)."""
    return re.sub(r"[-_.]+", "-", a).lower() == re.sub(r"[-_.]+", "-", b).lower()


def _scanned(
    rec: Doc,
    name: str,
    version: str | None,
    eco: str | None,
    path: str,
    uncalled: set[str],
    source: str,
) -> Finding:
    vid = rec.get("id").text() or "(no id)"
    ids = unique([vid, *rec.get("aliases").texts()])
    claims = _claims(rec.get("severity"), "osv")
    db = rec.get("database_specific")
    if db.is_obj():
        claims.append(claim_from_label("osv", db.get("severity").value))
    purl: str | None = None
    fixed: list[str] = []
    for aff in rec.get("affected").objects():
        apkg = aff.get("package")
        if not apkg.is_obj() or _same_name(apkg.get("name").text(), name) is False:
            continue
        their_eco = apkg.get("ecosystem").text()
        if eco and their_eco and their_eco.split(":")[0].lower() != eco.split(":")[0].lower():
            continue
        claims.extend(_claims(aff.get("severity"), "osv affected"))
        eco_db = aff.get("database_specific")
        if eco_db.is_obj():
            claims.append(claim_from_label("osv", eco_db.get("severity").value))
        purl = purl or apkg.get("purl").opt_text()
        fixed.extend(
            e.get("fixed").text()
            for r in aff.get("ranges").objects()
            for e in r.get("events").objects()
            if e.get("fixed").text()
        )
    notes: list[str] = []
    if vid in uncalled:
        notes.append("osv-scanner call analysis: the vulnerable code is not called")
    if purl and version and "@" not in purl and normalize_purl(purl) is not None:
        purl = f"{purl}@{version}"
    elif purl and normalize_purl(purl) is None:
        notes.append(f"malformed purl {purl!r} ignored")
        purl = None
    return Finding(
        kind=FindingKind.VULNERABILITY,
        tool="osv-scanner",
        source=source,
        rule_id=vid,
        title=(rec.get("summary").text() or rec.get("details").text())[:300],
        severity=resolve_severity(claims, "osv record has no severity"),
        location=Location(path=path) if path else None,
        package=package(name, version, purl, eco),
        ids=ids,
        fix_versions=unique(fixed),
        withdrawn=rec.get("withdrawn").opt_text() is not None,
        notes=tuple(notes),
    )
