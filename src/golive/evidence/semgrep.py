"""Semgrep JSON (``semgrep/semgrep-interfaces:semgrep_output_v1.atd``).

- ``results[]``: ``check_id``, ``path``, ``start``, ``extra.severity`` (either
  vocabulary, even mixed in one file: ERROR/WARNING/INFO and
  CRITICAL/HIGH/MEDIUM/LOW/INFO), ``extra.metadata.confidence`` (kept apart from
  severity), ``extra.is_ignored`` (a ``nosemgrep`` suppression claim).
- ``extra.lines`` (source text, "requires login" without an account) is never
  kept; ``extra.fingerprint`` is used only when it is a real fingerprint.
- A non-empty ``errors[]`` makes the scan incomplete; ``skipped_rules`` noted.
- Rules in category ``secrets`` give secret findings.
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
from golive.core.severity import claim_from_label
from golive.core.severity import resolve as resolve_severity
from golive.evidence._common import fingerprint, is_placeholder_fingerprint
from golive.evidence._doc import Doc

FORMAT = "semgrep"


def read(doc: Doc) -> ScanReport:
    findings: list[Finding] = []
    reasons: list[str] = []
    notes: list[str] = []
    secrets_only = True
    vocab: set[str] = set()
    for res in doc.get("results").objects():
        extra = res.get("extra")
        label = extra.get("severity").text() if extra.is_obj() else ""
        vocab.add(label.upper())
        meta = extra.get("metadata") if extra.is_obj() else Doc(None, doc.source)
        category = meta.get("category").text() if meta.is_obj() else ""
        is_secret = category.lower() == "secrets"
        secrets_only = secrets_only and is_secret
        rule = res.get("check_id").text() or "(no rule)"
        path = res.get("path").text()
        start = res.get("start")
        line = start.get("line").integer() if start.is_obj() else 0
        col = start.get("col").integer() if start.is_obj() else 0
        native = extra.get("fingerprint").text() if extra.is_obj() else ""
        ignored = extra.get("is_ignored").flag() if extra.is_obj() else None
        findings.append(
            Finding(
                kind=FindingKind.SECRET if is_secret else FindingKind.CODE,
                tool="semgrep",
                source=doc.source,
                rule_id=rule,
                title="" if is_secret else extra.get("message").text()[:300],
                severity=resolve_severity(
                    [claim_from_label("semgrep", label)],
                    f"semgrep severity {label!r}" if label else "semgrep gives no severity",
                ),
                location=Location(path=path, line=line, column=col),
                fingerprint=fingerprint(rule, native)
                if not is_placeholder_fingerprint(native)
                else fingerprint(rule, path, line, col),
                confidence=meta.get("confidence").opt_text() if meta.is_obj() else None,
                suppressions=(Suppression(mechanism="nosemgrep"),) if ignored else (),
                hidden_by_tool=bool(ignored),
            )
        )
    for err in doc.get("errors").items():
        if err.is_obj():
            level = err.get("level").text()
            err_type = err.get("type").text() if not err.get("type").is_list() else ""
            if err.get("type").is_list():
                err_type = err.get("type").texts()[0] if err.get("type").texts() else "error"
            message = err.get("message").text().strip().splitlines()
            text = message[0] if message else ""
            where = err.get("path").text() or err.get("rule_id").text()
            reasons.append(
                f"semgrep {level or 'error'}: {err_type}{f' ({where})' if where else ''}: {text}"[
                    :300
                ]
            )
        else:
            reasons.append(f"semgrep error: {err.text()[:200]}")
    skipped = list(doc.get("skipped_rules").items())
    if skipped:
        notes.append(f"{len(skipped)} rule(s) skipped by semgrep")
    legacy = vocab & {"ERROR", "WARNING"}
    modern = vocab & {"CRITICAL", "HIGH", "MEDIUM", "LOW"}
    if legacy and modern:
        notes.append("both semgrep severity vocabularies appear (ERROR/WARNING and HIGH/LOW)")
    paths = doc.get("paths")
    if paths.is_obj():
        scanned = len(list(paths.get("scanned").items()))
        notes.append(f"{scanned} path(s) scanned")
    kind = ScanKind.SECRETS if findings and secrets_only else ScanKind.SAST
    return ScanReport(
        source=doc.source,
        format=FORMAT,
        tool=Tool(name="semgrep", version=doc.get("version").opt_text()),
        kind=kind,
        findings=tuple(findings),
        completeness=Completeness.of(reasons),
        binding=Binding(),
        notes=tuple(notes),
    )
