"""Trivy JSON (``SchemaVersion: 2``).

- ``Results[].Vulnerabilities[]``: one finding each. Claims: ``Severity``
  through the Trivy table (``UNKNOWN`` and ``""`` are no claim) and every
  ``CVSS.<source>.V3Vector``/``V2Vector`` scored; the highest wins.
  ``VendorSeverity`` is not used (vendors disagree by design).
- ``Results[].Misconfigurations[]`` and ``Secrets[]``; a secret's ``Match`` and
  ``Code`` are never kept, only a fingerprint of rule, target and line. A
  misconfiguration with ``Status: PASS`` (``--include-non-failures``) is a
  check that passed, not a finding (counted in a note); ``EXCEPTION`` is a
  failure excepted by a Rego exception: kept, hidden by the tool, with a
  suppression claim.
- ``ExperimentalModifiedFindings[]`` (VEX-suppressed): kept as findings with a
  VEX statement and a suppression claim.
- ``Results`` missing or null is recorded as a note (Trivy writes it for a
  clean image); a CVE repeated per package and target stays one finding per
  package here and is folded by de-duplication.
- Binding: ``Metadata.ImageID``, ``Metadata.RepoDigests`` and ``ArtifactName``;
  ``Metadata.Commit``, which Trivy writes (with ``RepoURL`` and ``Branch``) when
  the scanned filesystem or repository is a git checkout, binds to that commit.
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
    VexAnalysis,
)
from golive.core.severity import Claim, claim_from_label, claim_from_vector
from golive.core.severity import resolve as resolve_severity
from golive.evidence._common import fingerprint, package, unique
from golive.evidence._doc import Doc

FORMAT = "trivy"


#: Trivy's result classes (``types.ResultClass``) and the scan each stands for; licence
#: classes stand for none (golive does not read licences from Trivy).
_CLASS_KINDS = {
    "os-pkgs": ScanKind.SCA,
    "lang-pkgs": ScanKind.SCA,
    "config": ScanKind.SAST,
    "secret": ScanKind.SECRETS,
}


def read(doc: Doc) -> ScanReport:
    findings: list[Finding] = []
    notes: list[str] = []
    results = doc.get("Results")
    if results.is_null():
        notes.append("Results is missing or null: Trivy found no packages to report on")
    kinds: set[ScanKind] = set()
    passed = 0
    for res in results.objects():
        target = res.get("Target").text()
        rtype = res.get("Type").text()
        # what was scanned, also when nothing was found: a clean `trivy config` report is
        # a configuration scan, never a dependency scan that found nothing
        scanned = _CLASS_KINDS.get(res.get("Class").text())
        if scanned is not None:
            kinds.add(scanned)
        if res.get("MisconfSummary").is_obj():
            kinds.add(ScanKind.SAST)
        for v in res.get("Vulnerabilities").objects():
            kinds.add(ScanKind.SCA)
            findings.append(_vuln(v, target, rtype, doc.source))
        for m in res.get("Misconfigurations").objects():
            kinds.add(ScanKind.SAST)
            if m.get("Status").text().upper() == "PASS":
                passed += 1
                continue
            findings.append(_misconfig(m, target, doc.source))
        for s in res.get("Secrets").objects():
            kinds.add(ScanKind.SECRETS)
            findings.append(_secret(s, target, doc.source))
        for mod in res.get("ExperimentalModifiedFindings").objects():
            found = mod.get("Finding")
            if not found.is_obj() or not found.has("VulnerabilityID"):
                continue
            base = _vuln(found, target, rtype, doc.source)
            statement = mod.get("Statement").text()
            status = mod.get("Status").text()
            findings.append(
                Finding(
                    kind=base.kind,
                    tool=base.tool,
                    source=base.source,
                    rule_id=base.rule_id,
                    title=base.title,
                    severity=base.severity,
                    location=base.location,
                    package=base.package,
                    ids=base.ids,
                    fix_versions=base.fix_versions,
                    suppressions=(
                        Suppression(
                            mechanism="trivy-vex", status="accepted", justification=statement
                        ),
                    ),
                    hidden_by_tool=True,
                    vex=VexAnalysis(
                        state=status, justification=statement, detail=mod.get("Source").text()
                    ),
                )
            )
    if passed:
        notes.append(f"{passed} misconfiguration check(s) with status PASS are not findings")
    meta = doc.get("Metadata")
    digests: list[str] = []
    commits: list[str] = []
    if meta.is_obj():
        commit = meta.get("Commit").opt_text()
        if commit:
            commits.append(commit)
        image_id = meta.get("ImageID").opt_text()
        if image_id:
            digests.append(image_id)
        for rd in meta.get("RepoDigests").texts():
            if "@" in rd:
                digests.append(rd.split("@", 1)[1])
    kind = ScanKind.SCA if ScanKind.SCA in kinds or not kinds else sorted(kinds, key=str)[0]
    return ScanReport(
        source=doc.source,
        format=FORMAT,
        tool=Tool(name="trivy", version=_version(doc)),
        kind=kind,
        findings=tuple(findings),
        completeness=Completeness(),
        binding=Binding(
            commits=unique(commits),
            digests=unique(digests),
            artifact=doc.get("ArtifactName").opt_text(),
        ),
        notes=tuple(notes),
    )


def _version(doc: Doc) -> str | None:
    trivy = doc.get("Trivy")
    if trivy.is_obj():
        return trivy.get("Version").opt_text()
    return None


def _vuln(v: Doc, target: str, rtype: str, source: str) -> Finding:
    vid = v.get("VulnerabilityID").text() or "(no id)"
    claims: list[Claim | None] = [claim_from_label("trivy", v.get("Severity").value)]
    for src, entry in v.get("CVSS").members():
        if not entry.is_obj():
            continue
        for field in ("V40Vector", "V3Vector", "V2Vector"):
            vector = entry.get(field).opt_text()
            if vector:
                claims.append(claim_from_vector(vector, f"trivy {src}"))
    label = v.get("Severity").text()
    severity = resolve_severity(
        claims, f"trivy severity {label!r}" if label else "trivy gives no severity"
    )
    ident = v.get("PkgIdentifier")
    purl = ident.get("PURL").opt_text() if ident.is_obj() else None
    name = v.get("PkgName").text()
    version = v.get("InstalledVersion").opt_text()
    fixed = [f.strip() for f in v.get("FixedVersion").text().split(",") if f.strip()]
    return Finding(
        kind=FindingKind.VULNERABILITY,
        tool="trivy",
        source=source,
        rule_id=vid,
        title=v.get("Title").text()[:300],
        severity=severity,
        location=Location(path=target) if target else None,
        package=package(name, version, purl, rtype or None),
        ids=unique([vid, *v.get("VendorIDs").texts()]),
        fix_versions=tuple(fixed),
        notes=(f"status {v.get('Status').text()}",) if v.get("Status").text() else (),
    )


def _misconfig(m: Doc, target: str, source: str) -> Finding:
    rule = m.get("AVDID").text() or m.get("ID").text() or "(no id)"
    cause = m.get("CauseMetadata")
    line = cause.get("StartLine").integer() if cause.is_obj() else 0
    status = m.get("Status").text()
    excepted = status.upper() == "EXCEPTION"
    return Finding(
        kind=FindingKind.MISCONFIGURATION,
        tool="trivy",
        source=source,
        rule_id=rule,
        title=m.get("Title").text()[:300],
        severity=resolve_severity(
            [claim_from_label("trivy", m.get("Severity").value)], "trivy gives no severity"
        ),
        location=Location(path=target, line=line),
        fingerprint=fingerprint(rule, target, line),
        suppressions=(
            Suppression(
                mechanism="trivy-exception",
                status="accepted",
                justification="excepted by a Trivy policy exception",
            ),
        )
        if excepted
        else (),
        hidden_by_tool=excepted,
        notes=(f"status {status}",) if status else (),
    )


def _secret(s: Doc, target: str, source: str) -> Finding:
    rule = s.get("RuleID").text() or "(no rule)"
    line = s.get("StartLine").integer()
    return Finding(
        kind=FindingKind.SECRET,
        tool="trivy",
        source=source,
        rule_id=rule,
        title=s.get("Title").text()[:300],
        severity=resolve_severity(
            [claim_from_label("trivy", s.get("Severity").value)], "trivy gives no severity"
        ),
        location=Location(path=target, line=line),
        fingerprint=fingerprint(rule, target, line),
    )
