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
from golive.evidence._doc import Doc, clean

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
        try:  # most components: plain values, read without Doc
            out.append(_plain_component(comp.value))
            continue
        except _Slow:
            pass
        licenses = []
        for lic in comp.get("licenses").objects():
            if lic.has("expression"):
                licenses.append(lic.get("expression").text())
            elif lic.get("license").is_obj():
                inner = lic.get("license")
                licenses.append(inner.get("id").text() or inner.get("name").text())
        supplier = comp.get("supplier")
        purl_text = comp.get("purl").opt_text()  # read in this order: the first error is named
        name = comp.get("name").text()
        out.append(
            _component(
                name=name,
                group=comp.get("group").text(),
                purl_text=purl_text,
                version=comp.get("version").opt_text(),
                ref=comp.get("bom-ref").opt_text(),
                supplier=supplier.get("name").opt_text() if supplier.is_obj() else None,
                licenses=licenses,
            )
        )
        stack.extend(reversed(list(comp.get("components").objects())))
    return out


class _Slow(Exception):
    """A value the plain reading does not take: the checked reading (through Doc) reads it,
    and names the field when it is wrong."""


def _text(value: object) -> str:
    """``Doc.text()`` of a raw JSON value; _Slow where Doc would raise."""
    if value is None:
        return ""
    if type(value) is str:
        return value if value.isprintable() else clean(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise _Slow


def _objects(value: object) -> list[dict[str, object]]:
    """``Doc.objects()`` of a raw JSON value; _Slow for anything but null or objects."""
    if value is None:
        return []
    if type(value) is not list or any(type(v) is not dict for v in value):
        raise _Slow
    return value


def _plain_component(comp: object) -> Component:
    """A component read from its raw JSON: what the Doc reading gives, or _Slow."""
    if type(comp) is not dict:
        raise _Slow
    nested = comp.get("components")
    if nested is not None and (type(nested) is not list or nested):
        raise _Slow  # nested components: the Doc reading flattens them
    licenses = []
    for lic in _objects(comp.get("licenses")):
        if "expression" in lic:
            licenses.append(_text(lic["expression"]))
        elif type(inner := lic.get("license")) is dict:
            licenses.append(_text(inner.get("id")) or _text(inner.get("name")))
    supplier = comp.get("supplier")
    return _component(
        name=_text(comp.get("name")),
        group=_text(comp.get("group")),
        purl_text=_text(comp.get("purl")) or None,
        version=_text(comp.get("version")) or None,
        ref=_text(comp.get("bom-ref")) or None,
        supplier=(_text(supplier.get("name")) or None) if type(supplier) is dict else None,
        licenses=licenses,
    )


def _component(
    *,
    name: str,
    group: str,
    purl_text: str | None,
    version: str | None,
    ref: str | None,
    supplier: str | None,
    licenses: list[str],
) -> Component:
    pkg = package(name, None, purl_text) if purl_text else None
    return Component(
        name=_qualified_name(name, group, purl_text),
        version=version,
        purl=pkg.purl if pkg is not None and pkg.purl else purl_text,
        ref=ref,
        supplier=supplier,
        license=" AND ".join(x for x in licenses if x) or None,
    )


def _qualified_name(name: str, group: str, purl: str | None) -> str:
    """A component's name with its ``group``: ``@babel/core`` (an npm scope),
    ``org.slf4j:slf4j-api`` (a Maven groupId), ``github.com/x/y`` (a Go module path written as
    group and name).

    cyclonedx-npm and cdxgen write an npm scope as ``group`` and the rest as ``name``; without
    the group ``@babel/core`` and ``@angular/core`` would both read as ``core``.
    """
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
        claims.extend(
            _rating(
                origin,
                source,
                rating.get("method").text(),
                rating.get("vector").opt_text(),
                rating.get("score").value,
                rating.get("severity").value,
            )
        )
    return claims


def _rating(
    origin: str, source: str, method: str, vector: str | None, score: object, severity: object
) -> list[Claim | None]:
    """The claims of one ``ratings[]`` entry: its vector's or score's, and its own word's."""
    where = " ".join(x for x in (origin, source, method) if x)
    claim = claim_from_vector(_vector(vector, method), where) if vector else None
    cvss = not method or method in _CVSS_METHODS
    if claim is None and cvss and score is not None:
        version = "2" if method == "CVSSv2" else "3"
        claim = claim_from_score(score, where or "rating", version)
    claims = [claim]
    # the rating's own word is a claim too (grype writes its severity next to NVD's vector)
    label = claim_from_label("cyclonedx", severity)
    if label is not None and (claim is None or label.level is not claim.level):
        claims.append(Claim(label.level, f"{where} {label.provenance}".strip()))
    return claims


def _vuln_findings(
    vuln: Doc, by_ref: dict[str, Component], tool: Tool, source: str
) -> list[Finding]:
    try:  # most vulnerabilities: plain values, read without Doc
        return _plain_vuln_findings(vuln.value, by_ref, tool, source)
    except _Slow:
        pass
    vid = vuln.get("id").text() or "(no id)"
    ids = [vid]
    for reference in vuln.get("references").objects():
        ids.append(reference.get("id").text())
    for adv in vuln.get("advisories").objects():
        ids.extend(vuln_ids_in(adv.get("url").text()))
    claims = rating_claims(vuln, "cyclonedx")  # read in this order: the first error is named
    analysis = vuln.get("analysis")
    vex = None
    if analysis.is_obj() and analysis.get("state").opt_text():
        vex = VexAnalysis(
            state=analysis.get("state").text(),
            justification=analysis.get("justification").text(),
            responses=analysis.get("response").texts(),
            detail=analysis.get("detail").text()[:300],
        )
    return _findings(
        vid=vid,
        ids=ids,
        claims=claims,
        vex=vex,
        props=[
            f"{p.get('name').text()}={p.get('value').text()}"
            for p in vuln.get("properties").objects()
        ],
        title=vuln.get("description").text() or vuln.get("detail").text(),
        fixes=vuln.get("recommendation").text(),
        refs=[a.get("ref").text() for a in vuln.get("affects").objects()],
        withdrawn=vuln.get("rejected").opt_text() is not None,
        context=(by_ref, tool, source),
    )


def _plain_vuln_findings(
    vuln: object, by_ref: dict[str, Component], tool: Tool, source: str
) -> list[Finding]:
    """A vulnerability's findings read from its raw JSON: what the Doc reading gives, or
    _Slow (a VEX analysis goes the Doc way)."""
    if type(vuln) is not dict or type(vuln.get("analysis")) is dict:
        raise _Slow  # (an analysis that is no object is ignored by both)
    vid = _text(vuln.get("id")) or "(no id)"
    ids = [vid]
    for reference in _objects(vuln.get("references")):
        ids.append(_text(reference.get("id")))
    for adv in _objects(vuln.get("advisories")):
        ids.extend(vuln_ids_in(_text(adv.get("url"))))
    claims: list[Claim | None] = []
    for rating in _objects(vuln.get("ratings")):
        origin = rating.get("source")
        claims.extend(
            _rating(
                "cyclonedx",
                _text(origin.get("name")) if type(origin) is dict else "",
                _text(rating.get("method")),
                _text(rating.get("vector")) or None,
                rating.get("score"),
                rating.get("severity"),
            )
        )
    return _findings(
        vid=vid,
        ids=ids,
        claims=claims,
        vex=None,
        props=[
            f"{_text(p.get('name'))}={_text(p.get('value'))}"
            for p in _objects(vuln.get("properties"))
        ],
        title=_text(vuln.get("description")) or _text(vuln.get("detail")),
        fixes=_text(vuln.get("recommendation")),
        refs=[_text(a.get("ref")) for a in _objects(vuln.get("affects"))],
        withdrawn=bool(_text(vuln.get("rejected"))),
        context=(by_ref, tool, source),
    )


def _findings(
    *,
    vid: str,
    ids: list[str],
    claims: list[Claim | None],
    vex: VexAnalysis | None,
    props: list[str],
    title: str,
    fixes: str,
    refs: list[str],
    withdrawn: bool,
    context: tuple[dict[str, Component], Tool, str],
) -> list[Finding]:
    """One finding per affected ref (one without a package when none is named)."""
    by_ref, tool, source = context
    severity = resolve_severity(claims, "cyclonedx: no ratings")
    out: list[Finding] = []
    for ref in refs or [""]:
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
                withdrawn=withdrawn,
                notes=tuple(notes),
            )
        )
    return out
