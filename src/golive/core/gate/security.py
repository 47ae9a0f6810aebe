"""``security``: static analysis (SAST), dependency (SCA) and secret scans are clean enough.

For each part the policy sets (``sast``, ``sca``, ``secrets``):

1. **Evidence.** The reports of that kind (optionally only from ``tools``). None, when the part
   is required, is an ``error`` naming what is missing. A report that did not complete, is for
   another candidate or is too old is an ``error`` (:func:`~golive.core.gate.context.screen`).
   A CycloneDX SBOM without a ``vulnerabilities`` section is an inventory, not a scan.
2. **One issue per problem.** Findings from every report are merged by
   :func:`golive.core.dedupe.merge` (aliases, purls), so a CVE three tools report counts once.
3. **Each issue is classified**, in this order, and every issue is listed whatever its class:
   withdrawn advisories and findings absent from the current scan never count; with
   ``new_only``, findings the baseline already had do not count; a VEX ``not_affected`` (or
   ``false_positive``/``resolved``) statement, and a tool's own suppression (``# nosec``,
   SARIF ``suppressions``, Grype ignores), count only when the policy accepts that tool's (or
   ``vex``) suppressions — and only when every report of the issue suppresses it; the rest are
   counted at their resolved severity, ``unknown`` replaced by the policy's
   ``unknown_severity`` (high by default: fail closed).
4. **Threshold.** A counted issue above ``max_severity`` is a violation unless a valid waiver
   covers it (:mod:`golive.core.gate.waivers`); more counted issues than ``max_findings`` also
   fail. A violation whose only waivers are expired or invalid makes the check an ``error``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import cast

from golive import native
from golive.core.dedupe import Issue, merge
from golive.core.findings import Finding, ScanKind, ScanReport, Severity
from golive.core.gate.context import Context, result, screen
from golive.core.gate.model import CheckResult, FindingStatus, FindingView, Outcome, WaiverStatus
from golive.core.gate.tool_versions import too_old
from golive.core.gate.waivers import Waiver, judge
from golive.core.policy.model import SEVERITY_ORDER, ScanPart, SecurityGate

PARTS: tuple[tuple[str, ScanKind, str], ...] = (
    ("sast", ScanKind.SAST, "static analysis (SAST)"),
    ("sca", ScanKind.SCA, "dependency scan (SCA)"),
    ("secrets", ScanKind.SECRETS, "secret scan"),
)

_NOT_AFFECTED = {"not_affected", "false_positive", "resolved", "resolved_with_pedigree"}
_LISTED = 20


@dataclass
class _Tally:
    errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    views: list[FindingView] = field(default_factory=list)
    allowed: int = 0  # views within the threshold
    evidence: list[str] = field(default_factory=list)
    # waiver id -> (status, detail, finding keys)
    waiver_hits: dict[str, tuple[str, str, list[str]]] = field(default_factory=dict)


def evaluate(gate: SecurityGate, ctx: Context) -> CheckResult:
    p = gate.params
    tally = _Tally()
    rules: list[str] = []
    waivers = [w for w in ctx.facts.waivers if w.check == gate.id]
    for name, kind, label in PARTS:
        part: ScanPart | None = getattr(p, name)
        if part is None:
            continue
        rules.append(_rule(name, part))
        _part(gate, ctx, tally, waivers, name, kind, label, part)
    statuses = _waiver_statuses(waivers, tally, ctx)
    waived = [v for v in tally.views if v.status is FindingStatus.WAIVED]
    common = {
        "rule": "; ".join(rules),
        "facts": tuple(tally.facts),
        "evidence": tuple(dict.fromkeys(tally.evidence)),
        "findings": tuple(tally.views),
        "waivers": statuses,
    }
    if tally.errors:
        return result(
            gate,
            Outcome.ERROR,
            tally.errors[0]
            if len(tally.errors) == 1
            else f"{len(tally.errors)} problems with the security evidence",
            reasons=tuple(tally.errors + tally.violations),
            remediation="run the missing or failed scans for this candidate, renew or remove "
            "the waivers named, and pass the reports with --evidence",
            **common,
        )
    if tally.violations:
        return result(
            gate,
            Outcome.FAIL,
            _fail_summary(tally.views),
            reasons=tuple(_capped(tally.violations)),
            remediation=_remediation(tally.views),
            **common,
        )
    if waived:
        return result(
            gate,
            Outcome.WAIVED,
            f"{len(waived)} finding(s) above the threshold are waived",
            reasons=tuple(f"waived by {v.waiver}: {_label(v)}" for v in waived),
            **common,
        )
    return result(
        gate,
        Outcome.PASS,
        f"no finding above the threshold ({tally.allowed} within it)",
        **common,
    )


def _part(
    gate: SecurityGate,
    ctx: Context,
    tally: _Tally,
    waivers: list[Waiver],
    name: str,
    kind: ScanKind,
    label: str,
    part: ScanPart,
) -> None:
    p = gate.params
    tools = {t.lower() for t in part.tools}
    items = [
        e
        for e in ctx.facts.reports(ScanReport)
        if isinstance(e.evidence, ScanReport)
        and e.evidence.kind is kind
        and (not tools or e.tool.lower() in tools)
    ]
    if not items:
        wanted = f" from {', '.join(part.tools)}" if part.tools else ""
        if part.required:
            tally.errors.append(f"{name}: no {label} report{wanted} among the evidence")
        else:
            tally.facts.append(f"{name}: no {label} report{wanted} (optional)")
        return
    usable, problems, facts = screen(items, gate, ctx)
    tally.errors.extend(f"{name}: {p_}" for p_ in problems)
    tally.errors.extend(f"{name}: {p_}" for p_ in too_old(items, part.min_versions))
    tally.facts.extend(f"{name}: {f}" for f in facts)
    tally.evidence.extend(i.path for i in items)
    for item in usable:  # what the readers noticed (ignored values, duplicate rules, ...)
        if isinstance(item.evidence, ScanReport):
            tally.facts.extend(f"{name}: {item.path}: {n}" for n in _first_notes(item.evidence))
    findings: list[Finding] = list(
        itertools.chain.from_iterable(
            i.evidence.findings for i in usable if isinstance(i.evidence, ScanReport)
        )
    )
    issues = merge(findings)
    tally.facts.append(
        f"{name}: {len(findings)} findings in {len(usable)} report(s), {len(issues)} after "
        "de-duplication"
    )
    accepted = {t.lower() for t in p.accept_native_suppressions}
    limit = SEVERITY_ORDER.index(part.max_severity)
    # most issues count as they are: (issue, level, "") here, None where they need a look
    counted, others = _counted(list(issues))
    for position, issue in others:
        status, note = _classify(issue, part, accepted)
        severity, sev_note = _effective(issue, p.unknown_severity)
        if sev_note:
            note = f"{note}; {sev_note}" if note else sev_note
        if status is not None:  # it does not count: listed first, in order
            tally.views.append(FindingView(name, issue, severity, status, None, note))
            continue
        counted[position] = (issue, severity, note)
    kept: list[Counted] = (
        [c for c in counted if c is not None] if others else cast("list[Counted]", counted)
    )
    over_count = part.max_findings is not None and len(kept) > part.max_findings
    # SEVERITY_ORDER starts with "none", so a known severity's index there is rank + 1
    views, above = _views_within(kept, (name, limit, over_count, FindingStatus.ALLOWED))
    tally.allowed += len(views) - len(above)
    for position in above:
        issue, severity, note = kept[position]
        waiver, problems_ = _waive(issue, severity, waivers, gate, ctx, tally)
        if waiver is not None:
            views[position] = FindingView(
                name, issue, severity, FindingStatus.WAIVED, waiver.id, note
            )
            continue
        view = views[position] = FindingView(
            name, issue, severity, FindingStatus.VIOLATION, note=note
        )
        if problems_:
            tally.errors.extend(f"{name}: {_label(view)}: {pr}" for pr in problems_)
        else:
            tally.violations.append(f"{name}: {_label(view)}")
    tally.views.extend(cast("list[FindingView]", views))  # no None left
    if part.max_findings is not None and over_count:
        tally.violations.insert(
            0,
            f"{name}: {len(counted)} findings counted; the policy allows at most "
            f"{part.max_findings}",
        )


_NOTES_SHOWN = 10


def _first_notes(report: ScanReport) -> list[str]:
    """A report's notes without repeats, at most ten, and how many more there are."""
    distinct = list(dict.fromkeys(report.notes))
    shown = distinct[:_NOTES_SHOWN]
    if len(distinct) > _NOTES_SHOWN:
        shown.append(
            f"... and {len(distinct) - _NOTES_SHOWN} more note(s) (golive evidence inspect)"
        )
    return shown


#: An issue that counts, with the severity it counts at and a note.
Counted = tuple[Issue, Severity, str]


def _counted(issues: list[Issue]) -> tuple[list[Counted | None], list[tuple[int, Issue]]]:
    """For each issue, (issue, level, "") when it is plain and of a known severity, else
    None; and the position and issue of each None. In C where ``golive._native`` is built."""
    if native.enabled():
        return native.counted_issues(issues, Severity.UNKNOWN)
    unknown = Severity.UNKNOWN
    counted: list[Counted | None] = []
    others: list[tuple[int, Issue]] = []
    for i, issue in enumerate(issues):
        level = issue.severity.level
        if level is not unknown and _plain(issue):
            counted.append((issue, level, ""))
        else:
            counted.append(None)
            others.append((i, issue))
    return counted, others


def _views_within(
    counted: list[Counted], context: tuple[str, int, bool, FindingStatus]
) -> tuple[list[FindingView | None], list[int]]:
    """For each counted issue within the limit (``context``: part, limit, over_count, the
    allowed status) its view, else None; and the positions of the None. In C where
    ``golive._native`` is built."""
    if native.enabled():
        return native.views_within(
            counted, (FindingView, native.field_names(FindingView), *context)
        )
    part, limit, over_count, allowed = context
    views: list[FindingView | None] = []
    above: list[int] = []
    for i, (issue, severity, note) in enumerate(counted):
        if severity.rank >= limit or over_count:
            views.append(None)
            above.append(i)
        else:
            views.append(FindingView(part, issue, severity, allowed, None, note))
    return views, above


def _plain(issue: Issue) -> bool:
    """One finding, with nothing that could keep it from counting (no withdrawal, baseline
    state, VEX statement or suppression)."""
    members = issue.findings
    if len(members) != 1:
        return False
    only = members[0]
    return (
        not only.withdrawn
        and only.baseline_state is None
        and only.vex is None
        and not only.suppressions
    )


def _classify(issue: Issue, part: ScanPart, accepted: set[str]) -> tuple[FindingStatus | None, str]:
    """The status of an issue that does not count, or None when it counts (with a note)."""
    members = issue.findings
    if _plain(issue):
        return None, ""  # a plain finding: it counts
    if all(f.withdrawn for f in members):
        return FindingStatus.WITHDRAWN, "the advisory was withdrawn"
    if all(f.baseline_state == "absent" for f in members):
        return FindingStatus.NOT_NEW, "absent from the current scan (baselineState absent)"
    if part.new_only and all(f.baseline_state == "unchanged" for f in members):
        return FindingStatus.NOT_NEW, "already in the baseline (baselineState unchanged)"
    notes: list[str] = []
    vex = [f for f in members if f.vex is not None and f.vex.state in _NOT_AFFECTED]
    if vex:
        contradictory = [f for f in vex if f.vex is not None and f.vex.contradictory]
        ok = "vex" in accepted or all(f.tool.lower() in accepted for f in vex)
        if len(vex) == len(members) and ok and not contradictory:
            state = vex[0].vex.state if vex[0].vex else ""
            return FindingStatus.NOT_AFFECTED, f"VEX: {state}"
        if contradictory:
            notes.append("VEX says not_affected and also asks for an update; not accepted")
        elif not ok:
            notes.append("a VEX statement says not affected, but the policy does not accept it")
    suppressed = [f for f in members if _suppressed(f)]
    if suppressed:
        mechanisms = sorted({s.mechanism for f in suppressed for s in f.suppressions})
        ok = all(f.tool.lower() in accepted for f in suppressed)
        if len(suppressed) == len(members) and ok:
            return FindingStatus.SUPPRESSED, "suppressed in the tool: " + ", ".join(mechanisms)
        if not ok:
            notes.append(
                "suppressed in the tool (" + ", ".join(mechanisms) + "), but the policy does "
                "not accept that tool's suppressions"
            )
        else:
            notes.append("suppressed by one report but reported by another")
    return None, "; ".join(notes)


def _suppressed(f: Finding) -> bool:
    return any(s.status in ("accepted", "") for s in f.suppressions)


def _effective(issue: Issue, unknown_as: str) -> tuple[Severity, str]:
    level = issue.severity.level
    if level is Severity.UNKNOWN:
        return Severity(unknown_as), f"severity unknown, counted as {unknown_as} by the policy"
    return level, ""


def _waive(
    issue: Issue,
    severity: Severity,
    waivers: list[Waiver],
    gate: SecurityGate,
    ctx: Context,
    tally: _Tally,
) -> tuple[Waiver | None, list[str]]:
    rules = gate.params.waivers
    problems: list[str] = []
    for waiver in sorted(waivers, key=lambda w: w.id):
        if not waiver.matches(issue):
            continue
        verdict = judge(
            waiver,
            severity=severity.value,
            now=ctx.now,
            max_lifetime=dict(rules.max_lifetime),
            approver_roles=list(rules.approver_roles),
            members=ctx.members(waiver.role),
        )
        status, detail, keys = tally.waiver_hits.get(waiver.id, ("", "", []))
        keys.append(issue.key)
        if verdict.valid:
            tally.waiver_hits[waiver.id] = ("used", detail, keys)
            return waiver, []
        new = "expired" if verdict.expired else "invalid"
        tally.waiver_hits[waiver.id] = (status if status == "used" else new, verdict.problem, keys)
        problems.append(f"waiver {waiver.id} {verdict.problem}")
    return None, problems


def _waiver_statuses(
    waivers: list[Waiver], tally: _Tally, ctx: Context
) -> tuple[WaiverStatus, ...]:
    out: list[WaiverStatus] = []
    for w in sorted(waivers, key=lambda w: w.id):
        hit = tally.waiver_hits.get(w.id)
        if hit is None:
            detail = "matches no finding that needed a waiver; remove it"
            if w.expires_at <= ctx.now:
                detail += " (it has also expired)"
            out.append(WaiverStatus(w.id, w.check, "unused", detail))
            continue
        status, detail, keys = hit
        if status == "used":
            detail = f"approved by {w.approved_by} ({w.role}) until {_iso(w)}: {w.reason}"
        out.append(WaiverStatus(w.id, w.check, status, detail, tuple(dict.fromkeys(keys))))
    return tuple(out)


def _iso(w: Waiver) -> str:
    return w.expires_at.isoformat().replace("+00:00", "Z")


def _label(view: FindingView) -> str:
    issue = view.issue
    first = issue.findings[0]
    name = issue.key if issue.ids else first.rule_id
    text = f"[{view.severity.value.upper()}] {name}"
    if issue.packages:
        text += " in " + ", ".join(issue.packages[:3])
        if len(issue.packages) > 3:
            text += f" (+{len(issue.packages) - 3})"
    elif first.location is not None and first.location.path:
        text += f" at {first.location.path}:{first.location.line}"
        if first.title and first.title != first.rule_id:
            text += f": {first.title[:120]}"
    fixes = sorted({v for f in issue.findings for v in f.fix_versions})
    if fixes:
        text += f", fixed in {', '.join(fixes[:3])}"
    text += f" (sources: {', '.join(issue.tools)}; {issue.severity.provenance})"
    if view.note:
        text += f" [{view.note}]"
    return text


def _capped(lines: list[str]) -> list[str]:
    if len(lines) <= _LISTED:
        return lines
    return [
        *lines[:_LISTED],
        f"… and {len(lines) - _LISTED} more (every finding is in --format json)",
    ]


def _fail_summary(views: list[FindingView]) -> str:
    bad = [v for v in views if v.status is FindingStatus.VIOLATION]
    by_sev: dict[str, int] = {}
    for v in bad:
        by_sev[v.severity.value] = by_sev.get(v.severity.value, 0) + 1
    order = [s for s in reversed(SEVERITY_ORDER) if s in by_sev]
    parts = ", ".join(f"{by_sev[s]} {s}" for s in order)
    return f"{len(bad)} finding(s) over the limit: {parts}" if bad else "too many findings"


def _remediation(views: list[FindingView]) -> str:
    bad = [v for v in views if v.status is FindingStatus.VIOLATION]
    upgrades: list[str] = []
    for v in bad:
        fixes = sorted({x for f in v.issue.findings for x in f.fix_versions})
        pkgs = sorted({f.package.name for f in v.issue.findings if f.package is not None})
        if fixes and pkgs:
            upgrades.append(f"upgrade {pkgs[0]} to {fixes[0]}")
    text = "fix the findings listed, or waive each with a reason, a ticket, an approver and an "
    text += "expiry (see docs/gate.md#waivers)"
    if upgrades:
        unique = list(dict.fromkeys(upgrades))
        text = "; ".join(unique[:5]) + ("; …" if len(unique) > 5 else "") + "; otherwise " + text
    return text


def _rule(name: str, part: ScanPart) -> str:
    text = f"{name}: nothing above {part.max_severity}"
    if part.max_severity == "none":
        text = f"{name}: no findings"
    if part.max_findings is not None:
        text += f", at most {part.max_findings} findings"
    if part.new_only:
        text += ", new findings only"
    if part.tools:
        text += f", from {', '.join(part.tools)}"
    if part.min_versions:
        text += ", by " + ", ".join(f"{t} >= {v}" for t, v in sorted(part.min_versions.items()))
    if not part.required:
        text += " (optional)"
    return text
