"""detect-secrets baseline (``.secrets.baseline``).

A baseline records *accepted state*, not a scan: it lists what was found when
it was last updated and what was audited. Read: ``version``,
``plugins_used``, ``filters_used``, ``results{file: [{type, filename,
hashed_secret, is_verified, line_number, is_secret?}]}``, ``generated_at``.

- One line can carry several plugin types with the same hash: folded on
  ``(filename, line_number, hashed_secret)``, types joined in the rule id.
- ``is_secret`` absent means unaudited (not false); ``is_secret: false`` is an
  audit saying "not a secret" and becomes a suppression claim.
- Only a prefix of ``hashed_secret`` (a SHA-1 of the secret) is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
from golive.core.severity import unknown
from golive.evidence._doc import Doc

FORMAT = "detect-secrets"


@dataclass
class _Slot:
    types: list[str] = field(default_factory=list)
    audits: list[bool | None] = field(default_factory=list)
    verified: bool = False

    @property
    def audit(self) -> bool | None:
        """The audit of the secret over its plugin entries: any entry marked a real secret
        makes it one; any entry left unaudited leaves it unaudited (detect-secrets 0.x audits
        each plugin's entry on its own); only entries all marked false say "not a secret"."""
        if True in self.audits:
            return True
        if None in self.audits or not self.audits:
            return None
        return False


def read(doc: Doc) -> ScanReport:
    merged: dict[tuple[str, int, str], _Slot] = {}
    for filename, entries in doc.get("results").members():
        for entry in entries.objects():
            path = entry.get("filename").text() or filename
            line = entry.get("line_number").integer()
            hashed = entry.get("hashed_secret").text()
            key = (path, line, hashed)
            slot = merged.setdefault(key, _Slot())
            kind = entry.get("type").text()
            if kind and kind not in slot.types:
                slot.types.append(kind)
            slot.audits.append(entry.get("is_secret").flag())
            if entry.get("is_verified").flag():
                slot.verified = True
    findings: list[Finding] = []
    unaudited = 0
    for (path, line, hashed), slot in merged.items():
        types = slot.types
        audit = slot.audit
        suppressions: tuple[Suppression, ...] = ()
        notes: list[str] = []
        if audit is False:
            suppressions = (
                Suppression(
                    mechanism="detect-secrets-audit",
                    status="accepted",
                    justification="audited: not a secret",
                ),
            )
        elif audit is None:
            unaudited += 1
            notes.append("unaudited")
        else:
            notes.append("audited: a real secret")
        if slot.verified:
            notes.append("verified live by detect-secrets")
        findings.append(
            Finding(
                kind=FindingKind.SECRET,
                tool="detect-secrets",
                source=doc.source,
                rule_id=" + ".join(str(t) for t in types) or "(no type)",
                title=", ".join(str(t) for t in types),
                severity=unknown("detect-secrets reports no severity"),
                location=Location(path=path, line=line),
                fingerprint=f"sha1:{hashed[:16]}" if hashed else "",
                suppressions=suppressions,
                hidden_by_tool=bool(suppressions),
                notes=tuple(notes),
            )
        )
    filters = [f.get("path").text() for f in doc.get("filters_used").objects()]
    notes = ["a baseline records accepted state; it is not proof of a fresh scan"]
    if unaudited:
        notes.append(f"{unaudited} unaudited entr{'y' if unaudited == 1 else 'ies'}")
    custom = [f for f in filters if not f.startswith("detect_secrets.filters.")]
    if custom:
        notes.append("custom filters: " + ", ".join(custom[:5]))
    return ScanReport(
        source=doc.source,
        format=FORMAT,
        tool=Tool(name="detect-secrets", version=doc.get("version").opt_text()),
        kind=ScanKind.SECRETS,
        findings=tuple(findings),
        completeness=Completeness(),
        binding=Binding(),
        notes=tuple(notes),
    )
