"""pip-audit JSON (``pip_audit/_format/json.py``).

``{"dependencies": [{name, version, vulns: [{id, fix_versions, aliases, description?}]}
| {name, skip_reason}], "fixes": [...]}``

- There is **no severity** in pip-audit output: every finding's severity is
  unknown unless another report names the same vulnerability (de-duplication
  then carries the other tool's severity).
- A dependency with ``skip_reason`` was not audited: the report is
  incomplete, whatever pip-audit printed.
- ``--ignore-vuln`` entries vanish from the output; that cannot be seen here.
"""

from __future__ import annotations

from golive.core.findings import (
    Binding,
    Completeness,
    Finding,
    FindingKind,
    ScanKind,
    ScanReport,
    Tool,
)
from golive.core.severity import unknown
from golive.evidence._common import package, unique
from golive.evidence._doc import Doc

FORMAT = "pip-audit"


def read(doc: Doc) -> ScanReport:
    findings: list[Finding] = []
    reasons: list[str] = []
    notes: list[str] = []
    audited = 0
    for dep in doc.get("dependencies").objects():
        name = dep.get("name").text()
        skip = dep.get("skip_reason").opt_text()
        if skip:
            reasons.append(f"dependency {name!r} was not audited: {skip}")
            continue
        audited += 1
        version = dep.get("version").opt_text()
        pkg = package(name, version, None, "pypi")
        for vuln in dep.get("vulns").objects():
            vid = vuln.get("id").text() or "(no id)"
            ids = unique([vid, *vuln.get("aliases").texts()])
            findings.append(
                Finding(
                    kind=FindingKind.VULNERABILITY,
                    tool="pip-audit",
                    source=doc.source,
                    rule_id=vid,
                    title=vuln.get("description").text()[:300],
                    severity=unknown("pip-audit reports no severity"),
                    package=pkg,
                    ids=ids,
                    fix_versions=vuln.get("fix_versions").texts(),
                )
            )
    for fix in doc.get("fixes").objects():
        skip = fix.get("skip_reason").opt_text()
        if skip:
            notes.append(f"no fix computed for {fix.get('name').text()!r}: {skip}")
    if not doc.get("dependencies").is_list():
        reasons.append("no dependencies array: nothing was audited")
    elif audited == 0 and not reasons:
        notes.append("the report lists no dependencies")
    return ScanReport(
        source=doc.source,
        format=FORMAT,
        tool=Tool(name="pip-audit"),
        kind=ScanKind.SCA,
        findings=tuple(findings),
        completeness=Completeness.of(reasons),
        binding=Binding(),
        notes=tuple(notes),
    )
