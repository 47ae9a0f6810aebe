"""OSV JSON records (``ossf/osv-schema``): one record, an array of records, or ``{"vulns": [...]}``.

An OSV record is advisory data: each ``affected[]`` package becomes one
finding. Severity claims: every ``severity[]`` vector (top level and per
``affected``) scored, and ``database_specific.severity`` (GHSA's word) mapped;
the highest wins. ``aliases`` feed de-duplication. ``withdrawn`` marks the
record withdrawn. A malformed purl (``pkg:pypi:jinja2``) is kept out of the
package's purl and noted; EUVD records with no ranges or versions are noted.
"""

from __future__ import annotations

from golive.core.dedupe import normalize_purl
from golive.core.findings import (
    Binding,
    Completeness,
    Finding,
    FindingKind,
    ScanKind,
    ScanReport,
    Tool,
)
from golive.core.severity import Claim, claim_from_label, claim_from_vector
from golive.core.severity import resolve as resolve_severity
from golive.evidence._common import package, unique
from golive.evidence._doc import Doc

FORMAT = "osv"


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
