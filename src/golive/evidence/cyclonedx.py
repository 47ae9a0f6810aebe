"""CycloneDX 1.4-1.6 JSON: components, vulnerabilities, ratings and VEX analysis.

Read from the raw JSON, never through cyclonedx-python-lib's ``Bom.from_json``
(which merges components that differ only by bom-ref, CycloneDX/
cyclonedx-python-lib#677, and has failed on valid 1.5 BOMs, #597).

- Components: ``bom-ref``, name, version, purl (normalised), supplier,
  licenses; nested ``components`` are flattened.
- Vulnerabilities: one finding per vulnerability and affected ref. Every
  ``ratings[]`` entry is a severity claim (a vector is scored; a score without
  vector is banded; a severity word is mapped); the highest wins.
- ``analysis`` is kept as a VEX statement (``in_triage`` is not a waiver;
  ``not_affected`` with ``response: [update]`` is flagged contradictory).
- ``rejected`` marks a withdrawn advisory. ``properties`` is a multimap and is
  kept as pairs. ``affects[].ref`` may be a BOM-Link (``urn:cdx:…#ref``).
- Binding: ``metadata.component`` purl and sha-256 hashes, and the
  ``serialNumber`` as document id.
"""

from __future__ import annotations

from golive.core.findings import (
    Binding,
    Completeness,
    Component,
    Finding,
    FindingKind,
    ScanKind,
    ScanReport,
    Tool,
    VexAnalysis,
)
from golive.core.severity import Claim, claim_from_label, claim_from_score, claim_from_vector
from golive.core.severity import resolve as resolve_severity
from golive.evidence._common import package, unique, vuln_ids_in
from golive.evidence._doc import Doc

FORMAT = "cyclonedx"


def read(doc: Doc) -> ScanReport:
    spec = doc.get("specVersion").text()
    notes: list[str] = []
    if spec and spec not in {"1.4", "1.5", "1.6", "1.7"}:
        notes.append(f"specVersion {spec}; golive is tested with 1.4-1.6")
    components = _components(doc)
    by_ref = {c.ref: c for c in components if c.ref}
    meta = doc.get("metadata")
    tool = _tool(meta) if meta.is_obj() else Tool(name="unknown")
    digests: list[str] = []
    artifact = None
    if meta.is_obj() and meta.get("component").is_obj():
        mc = meta.get("component")
        artifact = mc.get("purl").opt_text() or mc.get("name").opt_text()
        for h in mc.get("hashes").objects():
            if h.get("alg").text().upper().replace("-", "") == "SHA256":
                digests.append("sha256:" + h.get("content").text().lower())
        version = mc.get("version").text()
        if mc.get("type").text() == "container" and version.startswith("sha256:"):
            digests.append(version)  # grype and syft: an image's digest as its version
        for prop in mc.get("properties").objects():
            # Trivy: the image id and repo digests as properties, as its JSON's Metadata
            name, value = prop.get("name").text(), prop.get("value").text()
            if name == "aquasecurity:trivy:ImageID" and value.startswith("sha256:"):
                digests.append(value)
            elif name == "aquasecurity:trivy:RepoDigest" and "@sha256:" in value:
                digests.append(value.split("@", 1)[1])
        if artifact and "@sha256:" in artifact:
            digests.append(artifact.split("@", 1)[1].split("?", 1)[0])
        elif artifact and "@sha256%3A" in artifact:
            digests.append("sha256:" + artifact.split("@sha256%3A", 1)[1].split("?", 1)[0])
    findings: list[Finding] = []
    has_vulns = doc.has("vulnerabilities")
    for vuln in doc.get("vulnerabilities").objects():
        findings.extend(_vuln_findings(vuln, by_ref, tool, doc.source))
    return ScanReport(
        source=doc.source,
        format=FORMAT,
        tool=tool,
        kind=ScanKind.SCA if has_vulns else ScanKind.SBOM,
        findings=tuple(findings),
        completeness=Completeness(),
        binding=Binding(digests=unique(digests), artifact=artifact),
        components=tuple(components),
        notes=tuple(notes),
        document_id=doc.get("serialNumber").opt_text(),
    )


def _tool(meta: Doc) -> Tool:
    tools = meta.get("tools")
    entries: list[Doc] = []
    if tools.is_list():  # 1.4: [{vendor, name, version}]
        entries = list(tools.objects())
    elif tools.is_obj():  # 1.5+: {components: [...], services: [...]}
        entries = list(tools.get("components").objects()) + list(tools.get("services").objects())
    names = unique([e.get("name").text() for e in entries])
    versions = unique([e.get("version").text() for e in entries])
    if not names:
        return Tool(name="unknown")
    return Tool(name=" + ".join(names), version=" + ".join(versions) or None)


def _components(doc: Doc) -> list[Component]:
    out: list[Component] = []
    stack = list(reversed(list(doc.get("components").objects())))
    while stack:
        comp = stack.pop()
        licenses = []
        for lic in comp.get("licenses").objects():
            if lic.has("expression"):
                licenses.append(lic.get("expression").text())
            elif lic.get("license").is_obj():
                inner = lic.get("license")
                licenses.append(inner.get("id").text() or inner.get("name").text())
        supplier = comp.get("supplier")
        purl_text = comp.get("purl").opt_text()
        pkg = package(comp.get("name").text(), None, purl_text) if purl_text else None
        out.append(
            Component(
                name=_qualified_name(comp, purl_text),
                version=comp.get("version").opt_text(),
                purl=pkg.purl if pkg is not None and pkg.purl else purl_text,
                ref=comp.get("bom-ref").opt_text(),
                supplier=supplier.get("name").opt_text() if supplier.is_obj() else None,
                license=" AND ".join(x for x in licenses if x) or None,
            )
        )
        stack.extend(reversed(list(comp.get("components").objects())))
    return out


def _qualified_name(comp: Doc, purl: str | None) -> str:
    """A component's name with its ``group``: ``@babel/core`` (an npm scope),
    ``org.slf4j:slf4j-api`` (a Maven groupId), ``github.com/x/y`` (a Go module path written as
    group and name).

    cyclonedx-npm and cdxgen write an npm scope as ``group`` and the rest as ``name``; without
    the group ``@babel/core`` and ``@angular/core`` would both read as ``core``.
    """
    name = comp.get("name").text()
    group = comp.get("group").text()
    if not group or name.startswith(group):
        return name
    sep = ":" if (purl or "").startswith("pkg:maven/") else "/"
    return f"{group}{sep}{name}"


#: ``ratings[].method`` values whose score is a CVSS base score; any other method's score
#: (EPSS probability and the CISA KEV flag that grype writes as ``method: other``, OWASP risk,
#: SSVC) is not a CVSS score and is never banded as one.
_CVSS_METHODS = {"CVSSv2": "2", "CVSSv3": "3.0", "CVSSv31": "3.1", "CVSSv4": "4.0"}


def _vector(vector: str, method: str) -> str:
    """A CVSS v3/v4 vector given without its ``CVSS:x/`` prefix gets the one its method names
    (CycloneDX's own VEX examples write ``AV:N/AC:L/...`` with ``method: CVSSv31``)."""
    version = _CVSS_METHODS.get(method)
    if version in {"3.0", "3.1", "4.0"} and not vector.upper().startswith("CVSS:"):
        return f"CVSS:{version}/{vector.strip('()')}"
    return vector


def rating_claims(vuln: Doc, origin: str) -> list[Claim | None]:
    claims: list[Claim | None] = []
    for rating in vuln.get("ratings").objects():
        source = rating.get("source").get("name").text() if rating.get("source").is_obj() else ""
        method = rating.get("method").text()
        where = " ".join(x for x in (origin, source, method) if x)
        vector = rating.get("vector").opt_text()
        claim = claim_from_vector(_vector(vector, method), where) if vector else None
        cvss = not method or method in _CVSS_METHODS
        if claim is None and cvss and rating.get("score").value is not None:
            version = "2" if method == "CVSSv2" else "3"
            claim = claim_from_score(rating.get("score").value, where or "rating", version)
        claims.append(claim)
        # the rating's own word is a claim too (grype writes its severity next to NVD's vector)
        label = claim_from_label("cyclonedx", rating.get("severity").value)
        if label is not None and (claim is None or label.level is not claim.level):
            claims.append(Claim(label.level, f"{where} {label.provenance}".strip()))
    return claims


def _vuln_findings(
    vuln: Doc, by_ref: dict[str, Component], tool: Tool, source: str
) -> list[Finding]:
    vid = vuln.get("id").text() or "(no id)"
    ids = [vid]
    for reference in vuln.get("references").objects():
        ids.append(reference.get("id").text())
    for adv in vuln.get("advisories").objects():
        ids.extend(vuln_ids_in(adv.get("url").text()))
    severity = resolve_severity(rating_claims(vuln, "cyclonedx"), "cyclonedx: no ratings")
    analysis = vuln.get("analysis")
    vex = None
    if analysis.is_obj() and analysis.get("state").opt_text():
        vex = VexAnalysis(
            state=analysis.get("state").text(),
            justification=analysis.get("justification").text(),
            responses=analysis.get("response").texts(),
            detail=analysis.get("detail").text()[:300],
        )
    props = tuple(
        f"{p.get('name').text()}={p.get('value').text()}" for p in vuln.get("properties").objects()
    )
    title = vuln.get("description").text() or vuln.get("detail").text()
    fixes = vuln.get("recommendation").text()
    refs = [a.get("ref").text() for a in vuln.get("affects").objects()] or [""]
    out: list[Finding] = []
    for ref in refs:
        local = ref.split("#", 1)[1] if ref.startswith("urn:cdx:") and "#" in ref else ref
        comp = by_ref.get(local)
        pkg = None
        notes = list(props)
        if comp is not None:
            pkg = package(comp.name, comp.version, comp.purl)
        elif local:
            pkg = package(local, None, local if local.startswith("pkg:") else None)
            notes.append(f"affects ref {ref!r} names no component in this BOM")
        out.append(
            Finding(
                kind=FindingKind.VULNERABILITY,
                tool=tool.name,
                source=source,
                rule_id=vid,
                title=title[:300],
                severity=severity,
                package=pkg,
                ids=unique(ids),
                fix_versions=(fixes[:200],) if fixes else (),
                vex=vex,
                withdrawn=vuln.get("rejected").opt_text() is not None,
                notes=tuple(notes),
            )
        )
    return out
