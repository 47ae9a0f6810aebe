"""Grype JSON.

- ``matches[]``: one finding each. Claims: ``vulnerability.severity`` through
  the Grype table (``Negligible`` and ``Unknown`` are no claim) and every
  ``cvss[].vector`` scored; the highest wins, so the golden file's "Low" next
  to CVSS 8.2 resolves to high, with both named in the provenance.
- ``relatedVulnerabilities[].id`` are aliases (NVD records of a GHSA, ...).
- ``ignoredMatches[]``: kept as findings, hidden by the tool, each applied
  ignore rule a suppression claim. A rule that ignores by ``fix-state`` alone
  (no vulnerability, no package) hides every such vulnerability and is noted.
- ``descriptor.{name,version}`` is the tool; ``source.target`` the artifact
  (``manifestDigest``, ``imageID`` and the digests of ``repoDigests`` when the
  source is an image: a multi-platform image is deployed by its repo digest,
  the index, which is not the platform manifest's digest).
"""

from __future__ import annotations

from golive.core.findings import (
    Binding,
    Completeness,
    Finding,
    FindingKind,
    Location,
    ScanKind,
    ScanReport,
    Suppression,
    Tool,
)
from golive.core.severity import Claim, claim_from_label, claim_from_score, claim_from_vector
from golive.core.severity import resolve as resolve_severity
from golive.evidence._common import package, unique
from golive.evidence._doc import Doc

FORMAT = "grype"


def read(doc: Doc) -> ScanReport:
    findings: list[Finding] = []
    notes: list[str] = []
    descriptor = doc.get("descriptor")
    tool = Tool(
        name=descriptor.get("name").text() or "grype" if descriptor.is_obj() else "grype",
        version=descriptor.get("version").opt_text() if descriptor.is_obj() else None,
    )
    for match in doc.get("matches").objects():
        findings.append(_finding(match, doc.source, ()))
    blanket: set[str] = set()
    for match in doc.get("ignoredMatches").objects():
        rules: list[Suppression] = []
        for rule in match.get("appliedIgnoreRules").objects():
            state = rule.get("fix-state").text()
            scope = [
                f"{k}={v.text()}"
                for k, v in rule.members()
                if k not in {"reason", "package"} and not v.is_obj() and v.text()
            ]
            pkg = rule.get("package")
            pkg_scope = (
                [f"package.{k}={v.text()}" for k, v in pkg.members() if not v.is_obj() and v.text()]
                if pkg.is_obj()
                else []
            )
            scope.extend(pkg_scope)
            # a package object of empty fields scopes nothing; grype before fix-state was
            # written (presenter/models/ignore.go) shows a fix-state-only rule as {}
            unscoped = not rule.get("vulnerability").text() and not pkg_scope
            if unscoped and not rule.get("vex-status").text():
                blanket.add(state or "")
            reason = rule.get("reason").text()
            rules.append(
                Suppression(
                    mechanism="grype-ignore",
                    status="accepted",
                    justification="; ".join([*scope, reason] if reason else scope)[:300],
                )
            )
        findings.append(_finding(match, doc.source, tuple(rules)))
    for state in sorted(blanket):
        notes.append(
            f"a blanket ignore rule (fix-state: {state}) hides every vulnerability in that state"
            if state
            else "an ignore rule naming no vulnerability or package (written as {}) hid "
            "vulnerabilities: it may be a blanket fix-state rule"
        )
    source = doc.get("source")
    digests: list[str] = []
    artifact = None
    if source.is_obj():
        target = source.get("target")
        if target.is_obj():
            artifact = target.get("userInput").opt_text()
            for key in ("manifestDigest", "imageID"):
                value = target.get(key).opt_text()
                if value:
                    digests.append(value)
            for repo_digest in target.get("repoDigests").texts():
                if "@" in repo_digest:
                    digests.append(repo_digest.split("@", 1)[1])
        else:
            artifact = target.opt_text()
    return ScanReport(
        source=doc.source,
        format=FORMAT,
        tool=tool,
        kind=ScanKind.SCA,
        findings=tuple(findings),
        completeness=Completeness(),
        binding=Binding(digests=unique(digests), artifact=artifact),
        notes=tuple(notes),
    )


def _finding(match: Doc, source: str, suppressions: tuple[Suppression, ...]) -> Finding:
    vuln = match.get("vulnerability")
    vid = vuln.get("id").text() or "(no id)"
    label = vuln.get("severity").text()
    claims: list[Claim | None] = [claim_from_label("grype", label)]
    for c in vuln.get("cvss").objects():
        vector = c.get("vector").opt_text()
        claim = (
            claim_from_vector(vector, f"grype {c.get('source').text()}".strip()) if vector else None
        )
        if claim is None:
            metrics = c.get("metrics")
            if metrics.is_obj():
                version = "2" if c.get("version").text().startswith("2") else "3"
                claim = claim_from_score(metrics.get("baseScore").value, "grype cvss", version)
        claims.append(claim)
    severity = resolve_severity(
        claims, f"grype severity {label!r}" if label else "grype gives no severity"
    )
    ids = [vid] + [r.get("id").text() for r in match.get("relatedVulnerabilities").objects()]
    art = match.get("artifact")
    locations = list(art.get("locations").objects())
    path = locations[0].get("path").text() if locations else ""
    fix = vuln.get("fix")
    state = fix.get("state").text() if fix.is_obj() else ""
    return Finding(
        kind=FindingKind.VULNERABILITY,
        tool="grype",
        source=source,
        rule_id=vid,
        title=vuln.get("description").text()[:300],
        severity=severity,
        location=Location(path=path) if path else None,
        package=package(
            art.get("name").text(),
            art.get("version").opt_text(),
            art.get("purl").opt_text(),
            art.get("type").opt_text(),
        ),
        ids=unique(ids),
        fix_versions=fix.get("versions").texts() if fix.is_obj() else (),
        suppressions=suppressions,
        hidden_by_tool=bool(suppressions),
        notes=(f"fix state {state}",) if state else (),
    )
