"""Bandit JSON (``PyCQA/bandit:bandit/formatters/json.py``).

- ``results[]``: ``test_id``, ``issue_severity`` (LOW/MEDIUM/HIGH; no
  critical; UNDEFINED is unknown), ``issue_confidence`` (kept apart),
  ``filename``, ``line_number``, ``issue_cwe``. The ``code`` excerpt is never
  kept, and the quoted value in B105-B107 ``issue_text`` ("Possible hardcoded
  password: '...'") is redacted.
- A non-empty ``errors[]`` (files that did not parse) makes the scan incomplete.
- Hidden filtering: ``-l``/``-i`` drop findings silently. ``metrics._totals``
  still counts every issue by severity; when it counts more than the results
  hold, the difference is noted, as are ``nosec`` suppressions.
"""

from __future__ import annotations

import re

from golive.core.findings import (
    Binding,
    Completeness,
    Finding,
    FindingKind,
    Location,
    ScanKind,
    ScanReport,
    Tool,
)
from golive.core.severity import claim_from_label
from golive.core.severity import resolve as resolve_severity
from golive.evidence._common import fingerprint
from golive.evidence._doc import Doc

FORMAT = "bandit"

# Tests whose issue_text quotes the secret: hardcoded password string,
# function argument and default (B105, B106, B107).
_QUOTES_SECRET = {"B105", "B106", "B107"}
_QUOTED = re.compile(r"(['\"]).*\1", re.DOTALL)


def redact_issue_text(rule: str, text: str) -> str:
    """Bandit's issue text with a quoted secret replaced (JSON and SARIF alike)."""
    if rule in _QUOTES_SECRET or "password" in text.lower():
        return _QUOTED.sub("[redacted]", text)
    return text


def read(doc: Doc) -> ScanReport:
    findings: list[Finding] = []
    reasons: list[str] = []
    notes: list[str] = []
    by_sev: dict[str, int] = {}
    for res in doc.get("results").objects():
        rule = res.get("test_id").text() or "(no test id)"
        path = res.get("filename").text()
        line = res.get("line_number").integer()
        col = res.get("col_offset").integer(-1) + 1
        label = res.get("issue_severity").text()
        by_sev[label.upper()] = by_sev.get(label.upper(), 0) + 1
        cwe = res.get("issue_cwe")
        cwe_id = cwe.get("id").integer() if cwe.is_obj() else 0
        findings.append(
            Finding(
                kind=FindingKind.CODE,
                tool="bandit",
                source=doc.source,
                rule_id=rule,
                title=redact_issue_text(rule, res.get("issue_text").text())[:300],
                severity=resolve_severity(
                    [claim_from_label("bandit", label)],
                    f"bandit severity {label!r}" if label else "bandit gives no severity",
                ),
                location=Location(path=path, line=line, column=max(col, 0)),
                fingerprint=fingerprint(rule, path, line, col),
                confidence=res.get("issue_confidence").opt_text(),
                notes=(f"CWE-{cwe_id}",) if cwe_id else (),
            )
        )
    for err in doc.get("errors").objects():
        reasons.append(
            f"bandit could not scan {err.get('filename').text()!r}: {err.get('reason').text()}"[
                :300
            ]
        )
    totals = doc.get("metrics").get("_totals") if doc.get("metrics").is_obj() else None
    if totals is not None and totals.is_obj():
        for sev in ("HIGH", "MEDIUM", "LOW", "UNDEFINED"):
            counted = totals.get(f"SEVERITY.{sev}").integer()
            shown = by_sev.get(sev, 0)
            if counted > shown:
                notes.append(
                    f"metrics count {counted} {sev.lower()}-severity issue(s) but the results "
                    f"hold {shown}: bandit ran with a severity or confidence filter (-l/-i)"
                )
        nosec = totals.get("nosec").integer()
        if nosec:
            notes.append(f"{nosec} issue(s) suppressed inline with # nosec")
        skipped = totals.get("skipped_tests").integer()
        if skipped:
            notes.append(f"{skipped} test(s) skipped by # nosec <test id> comments")
    return ScanReport(
        source=doc.source,
        format=FORMAT,
        tool=Tool(name="bandit"),
        kind=ScanKind.SAST,
        findings=tuple(findings),
        completeness=Completeness.of(reasons),
        binding=Binding(),
        notes=tuple(notes),
    )
