"""A decision as text, Markdown, JUnit XML and SARIF (JSON is :meth:`Decision.to_json`).

Every renderer is a pure function of the decision: the same decision gives the same bytes.
Text puts the verdict first, then the checks that block with their reasons and remediation,
then the rest. No renderer prints a secret: findings carry fingerprints, never values.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from golive.core.gate.model import (
    CheckResult,
    Decision,
    FindingStatus,
    FindingView,
    Outcome,
    Verdict,
)

_MARK = {
    Outcome.PASS: "PASS",
    Outcome.FAIL: "FAIL",
    Outcome.WAIVED: "WAIVED",
    Outcome.NOT_APPLICABLE: "N/A",
    Outcome.ERROR: "ERROR",
    Outcome.OWED: "OWED",
}
_SARIF_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
_SARIF_SCORE = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0", "info": "0.0"}


def _iso(decision: Decision) -> str:
    return decision.now.isoformat().replace("+00:00", "Z")


def _candidate(decision: Decision) -> str:
    c = decision.candidate
    parts = []
    if c.deployable:
        parts.append(c.deployable + (f" {c.version}" if c.version else ""))
    elif c.version:
        parts.append(c.version)
    if c.commit:
        parts.append(f"commit {c.commit[:12]}")
    parts.extend(c.digests)
    return ", ".join(parts) or "(not named: pass --commit and --digest to bind the evidence)"


def _headline(decision: Decision) -> str:
    verdict = decision.verdict.value.upper()
    return (
        f"{verdict}: {decision.policy_name} -> {decision.environment} "
        f"({decision.stage}) at {_iso(decision)}"
    )


def _tail(decision: Decision) -> list[str]:
    return [
        f"candidate: {_candidate(decision)}",
        f"policy {decision.policy_digest}; golive {decision.golive_version}; severity "
        f"algorithm {decision.severity_algorithm}; {len(decision.evidence)} evidence file(s)",
    ]


def text(decision: Decision, *, explain: bool = False) -> str:
    """The human report: verdict, blocking checks with reasons and remediation, then the rest."""
    lines = [_headline(decision), *_tail(decision), ""]
    blocking = decision.blocking_checks
    others = [c for c in decision.checks if not c.blocks]
    if not decision.checks:
        lines.append("No gate of the policy applies to this environment and stage.")
    if blocking:
        lines.append(f"{len(blocking)} of {len(decision.checks)} checks block the release:")
        for check in blocking:
            lines.extend(_check_text(check, explain=explain, full=True))
        lines.append("")
    if others:
        lines.append("Checks that do not block:" if blocking else "Checks:")
        for check in others:
            full = explain or check.outcome is not Outcome.PASS
            lines.extend(_check_text(check, explain=explain, full=full))
        lines.append("")
    if decision.waivers:
        lines.append("Waivers:")
        for w in decision.waivers:
            lines.append(f"  {w.id} ({w.check}): {w.status}: {w.detail}")
        lines.append("")
    lines.extend(_debt_lines(decision))
    for note in decision.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines).rstrip() + "\n"


def _debt_lines(decision: Decision) -> list[str]:
    """Open debts (earlier ones still open, and this decision's) and the ones it settled."""
    lines: list[str] = []
    still = [f"  {d.check}: owed since {d.since.isoformat()}" for d in decision.open_debts]
    new = [f"  {c.id}: owed now ({c.summary})" for c in decision.debts]
    if still or new:
        lines += ["Open debts (until a decision sees the check pass):", *still, *new, ""]
    if decision.settled_debts:
        lines.append("Debts settled by this decision:")
        lines += [f"  {d.check}: owed since {d.since.isoformat()}" for d in decision.settled_debts]
        lines.append("")
    return lines


def _check_text(check: CheckResult, *, explain: bool, full: bool) -> list[str]:
    advisory = "" if check.blocking else " (advisory)"
    debt = " (debt recorded)" if check.debt else ""
    out = [
        f"  {_MARK[check.outcome]:<6} {check.id}: {check.title}{advisory}{debt} - {check.summary}"
    ]
    if explain and check.rule:
        out.append(f"         rule: {check.rule}")
    if explain:
        out.extend(f"         fact: {f}" for f in check.facts)
    if full:
        out.extend(f"         - {r}" for r in check.reasons)
        hidden = [v for v in check.findings if v.status is not FindingStatus.VIOLATION]
        if hidden and check.type == "security":
            out.append("         also listed: " + _status_counts(hidden))
        if check.remediation and check.outcome is not Outcome.PASS:
            out.append(f"         fix: {check.remediation}")
    if check.controls and explain:
        out.append(f"         controls: {', '.join(check.controls)}")
    return out


def _status_counts(views: list[FindingView]) -> str:
    counts: dict[str, int] = {}
    for v in views:
        counts[v.status.value] = counts.get(v.status.value, 0) + 1
    return ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(counts.items()))


def markdown(decision: Decision) -> str:
    """A pull-request comment: verdict, a table of checks, details of what blocks."""
    icon = {Verdict.PASS: "✅", Verdict.BLOCKED: "⛔", Verdict.OVERRIDDEN: "⚠️"}[decision.verdict]
    lines = [
        f"### {icon} golive: **{decision.verdict.value.upper()}** for "
        f"`{decision.environment}` ({decision.stage})",
        "",
        f"Candidate: {_md(_candidate(decision))}  ",
        f"Policy `{decision.policy_name}` `{decision.policy_digest}` · golive "
        f"{decision.golive_version} · {_iso(decision)}",
        "",
        "| Check | Outcome | Summary |",
        "| --- | --- | --- |",
    ]
    for c in decision.checks:
        flag = " (advisory)" if not c.blocking else ""
        lines.append(
            f"| `{c.id}` {_md(c.title)}{flag} | **{_MARK[c.outcome]}** | {_md(c.summary)} |"
        )
    for c in decision.checks:
        if c.outcome in (Outcome.PASS, Outcome.NOT_APPLICABLE) or not (c.reasons or c.findings):
            continue
        lines += ["", f"<details><summary><code>{c.id}</code>: {_md(c.summary)}</summary>", ""]
        lines += [f"- {_md(r)}" for r in c.reasons]
        if c.remediation:
            lines += ["", f"**Fix:** {_md(c.remediation)}"]
        lines += ["", "</details>"]
    if decision.waivers:
        lines += ["", "**Waivers**", ""]
        lines += [f"- `{w.id}` ({w.check}): {w.status}: {_md(w.detail)}" for w in decision.waivers]
    return "\n".join(lines) + "\n"


def _md(value: str) -> str:
    return value.replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def junit(decision: Decision) -> str:
    """One test case per check: fail is a failure, error is an error, not applicable skipped."""
    suite = ET.Element(
        "testsuite",
        {
            "name": f"golive {decision.environment} {decision.stage}",
            "tests": str(len(decision.checks)),
            "failures": str(sum(1 for c in decision.checks if c.outcome is Outcome.FAIL)),
            "errors": str(sum(1 for c in decision.checks if c.outcome is Outcome.ERROR)),
            "skipped": str(sum(1 for c in decision.checks if c.outcome is Outcome.NOT_APPLICABLE)),
            "timestamp": _iso(decision),
        },
    )
    for c in decision.checks:
        case = ET.SubElement(suite, "testcase", {"classname": f"golive.{c.type}", "name": c.id})
        body = "\n".join(
            [c.summary, *c.reasons, *([f"fix: {c.remediation}"] if c.remediation else [])]
        )
        if c.outcome is Outcome.FAIL or (c.outcome is Outcome.OWED and c.blocks):
            ET.SubElement(
                case, "failure", {"message": c.summary, "type": c.outcome.value}
            ).text = body
        elif c.outcome is Outcome.ERROR:
            ET.SubElement(case, "error", {"message": c.summary, "type": "error"}).text = body
        elif c.outcome is Outcome.NOT_APPLICABLE:
            ET.SubElement(case, "skipped", {"message": c.summary})
        else:
            ET.SubElement(case, "system-out").text = f"{c.outcome.value}: {body}"
    root = ET.Element("testsuites", {"name": "golive"})
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def sarif(decision: Decision, version_uri: str = "https://github.com/golive") -> str:
    """SARIF 2.1.0: every finding with golive's resolved severity, and every check that blocks.

    Waived and suppressed findings are results too, with a SARIF suppression, so that code
    scanning shows them as dismissed rather than hiding them.
    """
    rules: dict[str, dict[str, object]] = {}
    results: list[dict[str, object]] = []
    for check in decision.checks:
        rules.setdefault(
            check.id,
            {
                "id": check.id,
                "name": check.type,
                "shortDescription": {"text": check.title},
                "fullDescription": {"text": check.rule or check.title},
                "properties": {"controls": list(check.controls)},
            },
        )
        for view in check.findings:
            results.append(_sarif_finding(check, view))
        if check.blocks and check.type != "security":
            results.append(
                {
                    "ruleId": check.id,
                    "level": "error",
                    "message": {"text": "; ".join([check.summary, *check.reasons][:10])},
                    "properties": {"outcome": check.outcome.value},
                }
            )
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "golive",
                        "version": decision.golive_version,
                        "informationUri": version_uri,
                        "rules": list(rules.values()),
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "endTimeUtc": _iso(decision),
                        "properties": {
                            "verdict": decision.verdict.value,
                            "policyDigest": decision.policy_digest,
                        },
                    }
                ],
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _sarif_finding(check: CheckResult, view: FindingView) -> dict[str, object]:
    issue = view.issue
    first = issue.findings[0]
    sev = view.severity.value
    out: dict[str, object] = {
        "ruleId": check.id,
        "level": _SARIF_LEVEL.get(sev, "note")
        if view.status is FindingStatus.VIOLATION
        else "note",
        "message": {
            "text": f"[{sev.upper()}] {issue.key}: {first.title or first.rule_id} "
            f"({view.status.value.replace('_', ' ')}; {issue.severity.provenance})"
        },
        "properties": {
            "security-severity": _SARIF_SCORE.get(sev, "0.0"),
            "golive-status": view.status.value,
            "golive-part": view.part,
            "ids": list(issue.ids),
            "packages": list(issue.packages),
            "sources": list(issue.sources),
        },
        "partialFingerprints": {"goliveKey/v1": f"{view.part}:{issue.key}"},
    }
    loc = first.location
    if loc is not None and loc.path:
        region = {"startLine": loc.line} if loc.line > 0 else {}
        out["locations"] = [
            {"physicalLocation": {"artifactLocation": {"uri": loc.path}, "region": region}}
            if region
            else {"physicalLocation": {"artifactLocation": {"uri": loc.path}}}
        ]
    if view.status is FindingStatus.WAIVED:
        out["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": f"waiver {view.waiver}"}
        ]
    elif view.status is not FindingStatus.VIOLATION and view.status is not FindingStatus.ALLOWED:
        out["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": view.note or view.status.value,
            }
        ]
    return out
