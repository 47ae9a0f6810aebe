"""SPDX 2.3 JSON: packages and their identifiers, for presence and completeness gates.

SPDX carries no vulnerabilities. Read: ``spdxVersion``, ``documentNamespace``
(the document id), ``creationInfo.creators`` (the tool), and per package
``SPDXID``, ``name``, ``versionInfo``, ``supplier``, ``licenseConcluded`` and the
purl from ``externalRefs`` (``referenceType: purl``). ``NOASSERTION`` and
``NONE`` become None. UTF-16 files and control characters are handled by the
loader; a package without a name is noted, not guessed.
"""

from __future__ import annotations

from golive.core.findings import Binding, Completeness, Component, ScanKind, ScanReport, Tool
from golive.evidence._common import package
from golive.evidence._doc import Doc

FORMAT = "spdx"
_NO_VALUE = {"NOASSERTION", "NONE", ""}


def _value(d: Doc) -> str | None:
    text = d.text().strip()
    return None if text.upper() in _NO_VALUE else text


def read(doc: Doc) -> ScanReport:
    notes: list[str] = []
    version = doc.get("spdxVersion").text()
    if version != "SPDX-2.3":
        notes.append(f"spdxVersion {version!r}; golive is tested with SPDX-2.3")
    creators = doc.get("creationInfo").get("creators").texts() if doc.has("creationInfo") else ()
    tools = [c.split(":", 1)[1].strip() for c in creators if c.startswith("Tool:")]
    name, tool_version = (tools[0] if tools else "unknown"), ""
    head, _, tail = name.rpartition("-")
    if head and tail[:1].isdigit():
        name, tool_version = head, tail
    components: list[Component] = []
    missing = 0
    for pkg in doc.get("packages").objects():
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
                license=_value(pkg.get("licenseConcluded")),
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
        tool=Tool(name=name.strip() or "unknown", version=tool_version.strip() or None),
        kind=ScanKind.SBOM,
        completeness=Completeness(),
        binding=Binding(),
        components=tuple(components),
        notes=tuple(notes),
        document_id=doc.get("documentNamespace").opt_text(),
    )
