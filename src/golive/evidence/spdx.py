"""SPDX 2.3 JSON: packages and their identifiers, for presence and completeness gates.

SPDX carries no vulnerabilities. Read: ``spdxVersion``, ``documentNamespace``
(the document id), ``creationInfo.creators`` (the tool), and per package
``SPDXID``, ``name``, ``versionInfo``, ``supplier``, ``licenseConcluded`` (else
``licenseDeclared``: syft concludes nothing and declares what it found) and the
purl from ``externalRefs`` (``referenceType: purl``). ``NOASSERTION`` and
``NONE`` become None. UTF-16 files and control characters are handled by the
loader; a package without a name is noted, not guessed. The creating tool is
split at the first ``-`` before a version (``syft-v0.42.0-bogus`` is syft
``v0.42.0-bogus``). A package of ``primaryPackagePurpose: CONTAINER`` (syft's
image root) binds the report to its SHA-256 checksum. Several ``Tool:``
creators are all named (GitHub's dependency-graph export lists the
``protobom`` library that wrote the file before ``GitHub.com-Dependency-Graph``,
which made it).

SPDX 3.0 JSON-LD (``@context`` of ``spdx.org/rdf/3``, an ``@graph`` of
elements, as ``syft -o spdx-json@3.0`` writes) is read by :func:`read_v3`:
``software_Package`` elements (name, ``software_packageVersion``,
``software_packageUrl``, ``spdxId``), the ``Tool`` elements' names, and the
``SpdxDocument``'s ``spdxId``.
"""

from __future__ import annotations

import re

from golive.core.findings import Binding, Completeness, Component, ScanKind, ScanReport, Tool
from golive.evidence._common import package, unique
from golive.evidence._doc import Doc

FORMAT = "spdx"
_NO_VALUE = {"NOASSERTION", "NONE", ""}
_TOOL = re.compile(r"^(?P<name>.+?)-(?P<version>v?\d.*)$")


def _tool(text: str) -> Tool:
    """``name-version`` as written in a ``Tool:`` creator (the name may hold ``-`` too)."""
    text = text.strip()
    match = _TOOL.match(text)
    if match is None:
        return Tool(name=text or "unknown")
    return Tool(name=match.group("name"), version=match.group("version"))


def _tools(creators: list[str]) -> Tool:
    """The creating tool; several are joined as the SARIF reader joins several runs' tools."""
    tools = [_tool(c) for c in unique(creators)]
    if not tools:
        return Tool(name="unknown")
    if len(tools) == 1:
        return tools[0]
    versions = [t.version for t in tools if t.version]
    return Tool(
        name=" + ".join(t.name for t in tools),
        version=" + ".join(f"{t.name} {t.version}" for t in tools if t.version)
        if versions
        else None,
    )


def _value(d: Doc) -> str | None:
    text = d.text().strip()
    return None if text.upper() in _NO_VALUE else text


def read(doc: Doc) -> ScanReport:
    notes: list[str] = []
    version = doc.get("spdxVersion").text()
    if not version:
        notes.append(
            "spdxVersion is missing (as in Trivy's early SPDX JSON); read as SPDX 2.x, "
            "golive is tested with SPDX-2.3"
        )
    elif version != "SPDX-2.3":
        notes.append(f"spdxVersion {version!r}; golive is tested with SPDX-2.3")
    creators = doc.get("creationInfo").get("creators").texts() if doc.has("creationInfo") else ()
    tools = [c.split(":", 1)[1].strip() for c in creators if c.startswith("Tool:")]
    components: list[Component] = []
    digests: list[str] = []
    missing = 0
    for pkg in doc.get("packages").objects():
        if pkg.get("primaryPackagePurpose").text().upper() == "CONTAINER":
            for checksum in pkg.get("checksums").objects():
                if checksum.get("algorithm").text().upper().replace("-", "") == "SHA256":
                    digests.append("sha256:" + checksum.get("checksumValue").text().lower())
        purl = None
        for ref in pkg.get("externalRefs").objects():
            if ref.get("referenceType").text() == "purl":
                purl = ref.get("referenceLocator").opt_text()
                break
        pkg_name = pkg.get("name").text()
        if not pkg_name:
            missing += 1
        normal = package(pkg_name, None, purl).purl if purl else None
        components.append(
            Component(
                name=pkg_name,
                version=_value(pkg.get("versionInfo")),
                purl=normal or purl,
                ref=pkg.get("SPDXID").opt_text(),
                supplier=_value(pkg.get("supplier")),
                # syft writes every licence as declared and NOASSERTION as concluded
                license=_value(pkg.get("licenseConcluded")) or _value(pkg.get("licenseDeclared")),
            )
        )
    if missing:
        notes.append(f"{missing} package(s) without a name")
    no_assert = sum(1 for c in components if c.version is None)
    if no_assert:
        notes.append(f"{no_assert} package(s) without a version (NOASSERTION or absent)")
    return ScanReport(
        source=doc.source,
        format=FORMAT,
        tool=_tools(tools),
        kind=ScanKind.SBOM,
        completeness=Completeness(),
        binding=Binding(digests=unique(digests)),
        components=tuple(components),
        notes=tuple(notes),
        document_id=doc.get("documentNamespace").opt_text(),
    )


def read_v3(doc: Doc) -> ScanReport:
    """SPDX 3.0 JSON-LD: the packages and tools of its ``@graph``."""
    components: list[Component] = []
    tools: list[str] = []
    document_id = None
    spec = ""
    for element in doc.get("@graph").objects():
        kind = element.get("type").text()
        if kind == "software_Package":
            purl = element.get("software_packageUrl").opt_text()
            name = element.get("name").text()
            normal = package(name, None, purl).purl if purl else None
            components.append(
                Component(
                    name=name,
                    version=_value(element.get("software_packageVersion")),
                    purl=normal or purl,
                    ref=element.get("spdxId").opt_text(),
                    supplier=None,
                    license=None,
                )
            )
        elif kind == "Tool":
            tools.append(element.get("name").text())
        elif kind == "SpdxDocument":
            document_id = element.get("spdxId").opt_text()
        elif kind == "CreationInfo":
            spec = spec or element.get("specVersion").text()
    notes = [f"SPDX {spec or '3'} JSON-LD: packages and tools read; licences and relationships not"]
    no_version = sum(1 for c in components if c.version is None)
    if no_version:
        notes.append(f"{no_version} package(s) without a version (NOASSERTION or absent)")
    return ScanReport(
        source=doc.source,
        format=FORMAT,
        tool=_tool(tools[0]) if tools else Tool(name="unknown"),
        kind=ScanKind.SBOM,
        completeness=Completeness(),
        binding=Binding(),
        components=tuple(components),
        notes=tuple(notes),
        document_id=document_id,
    )
