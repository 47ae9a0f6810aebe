"""Checkov's own JSON (``checkov -o json``; bridgecrewio/checkov ``runner_registry.py``).

Shapes:

- one framework that reported anything: an object ``{check_type, results{passed_checks,
  failed_checks, skipped_checks, parsing_errors}, summary{passed, failed, skipped,
  parsing_errors, resource_count, checkov_version}, url}``; several: an array of them;
- ``--quiet``: ``results`` holds only ``failed_checks`` (the summary still counts the rest);
  ``--compact``: no ``code_block``;
- no framework recorded anything: the bare summary ``{passed: 0, failed: 0, ...,
  checkov_version}``. The secrets and SCA runners record only what they find, so a clean
  secrets scan writes exactly this (``checkov --framework secrets`` on clean code); so does a
  run that found no file to check. golive reads it as a clean secrets scan, never as a
  configuration scan: a policy asking for one still finds none.

Each record of ``failed_checks`` is a finding and each of ``skipped_checks`` a finding with a
suppression claim (an in-source ``checkov:skip=ID:reason`` comment, or a skip by the platform
or by ``--skip-cve-package``), its ``suppress_comment`` the justification; passed checks are
counted in a note. By framework (``check_type``):

- ``secrets``: a secret (``FindingKind.SECRET``). The ``code_block`` holds the line with the
  secret partly masked and ``resource`` is a SHA-1 of the secret: neither is kept; the
  fingerprint is a SHA-256 of that hash, so the same secret is recognised across files;
- ``sca_package`` and ``sca_image`` (these need a platform API key): a vulnerability from
  ``vulnerability_details`` (``id``, ``severity``, ``cvss``, ``vector``, ``package_name``,
  ``package_version``, ``fixed_versions``/``lowest_fixed_version``/``fix_version``, or the
  versions of ``status: "fixed in 1.2, 1.3"``); a licence record (``check_name`` ``SCA
  license``) is not a vulnerability and is counted in a note;
- every other framework (terraform, cloudformation, kubernetes, helm, dockerfile,
  github_actions, ...): a misconfiguration of the ``resource`` at ``file_path`` (leading ``/``
  removed, as Checkov's own SARIF does), line ``file_line_range[0]``.

Severity: a record's ``severity`` (``CRITICAL`` ... ``INFO``) is set only when Checkov knows
it, which needs a platform API key; without one every record has ``severity: null`` and the
finding's severity is unknown (the policy's ``unknown_severity`` decides), not guessed.

The report's kind is the one of its frameworks, as for Trivy: SCA when a vulnerability
framework ran, else SAST when a configuration framework ran, else secrets. Any framework's
``parsing_errors`` (files Checkov could not parse, so did not check) make the scan
incomplete, each file named.
"""

from __future__ import annotations

import re

from golive.core.findings import (
    Binding,
    Completeness,
    Finding,
    FindingKind,
    Location,
    ResolvedSeverity,
    ScanKind,
    ScanReport,
    Suppression,
    Tool,
)
from golive.core.severity import claim_from_label, claim_from_score, claim_from_vector
from golive.core.severity import resolve as resolve_severity
from golive.evidence._common import fingerprint, package, unique
from golive.evidence._doc import Doc

FORMAT = "checkov"

#: The keys of Checkov's bare summary, written when no framework reported anything.
SUMMARY_KEYS = frozenset(
    {"passed", "failed", "skipped", "parsing_errors", "resource_count", "checkov_version"}
)

_SCA = frozenset({"sca_package", "sca_image"})
_SECRETS = "secrets"
_LICENSE_CHECK = "SCA license"
_NAMED = 5  # files named in a parsing-error reason; the rest are counted


def is_checkov(value: object) -> bool:
    """Whether a parsed JSON document is Checkov's own JSON (used by format detection)."""
    if isinstance(value, list):
        return bool(value) and all(_is_framework(x) for x in value)
    if not isinstance(value, dict):
        return False
    if _is_framework(value):
        return True
    return "checkov_version" in value and value.keys() <= SUMMARY_KEYS


def _is_framework(value: object) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("check_type"), str)
        and isinstance(value.get("results"), dict)
        and isinstance(value.get("summary"), dict)
    )


def read(doc: Doc) -> ScanReport:
    if not doc.is_list() and not doc.has("check_type"):
        return _bare_summary(doc)
    frameworks = list(doc.objects()) if doc.is_list() else [doc]
    findings: list[Finding] = []
    incomplete: list[str] = []
    notes: list[str] = []
    kinds: set[ScanKind] = set()
    versions: list[str] = []
    passed = licences = 0
    for fw in frameworks:
        check_type = fw.get("check_type").text()
        summary = fw.get("summary")
        versions.append(summary.get("checkov_version").text())
        kinds.add(_kind(check_type))
        results = fw.get("results")
        passed += _count(results.get("passed_checks"), summary.get("passed"))
        for field, skipped in (("failed_checks", False), ("skipped_checks", True)):
            for record in results.get(field).objects():
                found = _finding(record, check_type, doc.source, skipped=skipped)
                if found is None:
                    licences += 1
                else:
                    findings.append(found)
        reason = _parsing_errors(check_type, results, summary)
        if reason:
            incomplete.append(reason)
    if passed:
        notes.append(f"{passed} passed check(s) are not findings")
    if licences:
        notes.append(f"{licences} licence record(s) (SCA license) are not vulnerabilities")
    return ScanReport(
        source=doc.source,
        format=FORMAT,
        tool=Tool(name="checkov", version=next(iter(unique(versions)), None)),
        kind=_report_kind(kinds),
        findings=tuple(findings),
        completeness=Completeness.of(incomplete),
        binding=Binding(),
        notes=tuple(notes),
    )


def _bare_summary(doc: Doc) -> ScanReport:
    """Checkov's JSON when no framework reported a record.

    The secrets and SCA runners record only what they find, so this is what a clean secrets
    (or SCA) scan writes; an infrastructure framework that checked any file records its passed
    checks and is never bare. So the summary reads as a clean secrets scan, and a policy that
    asks for a configuration scan still finds none here (a scan that found no file to check
    cannot pass for one).
    """
    version = doc.get("checkov_version").opt_text()
    return ScanReport(
        source=doc.source,
        format=FORMAT,
        tool=Tool(name="checkov", version=version),
        kind=ScanKind.SECRETS,
        completeness=Completeness(),
        binding=Binding(),
        notes=(
            "Checkov's bare summary: no framework recorded anything. Read as a secrets scan "
            "that found nothing (what a clean secrets scan writes); it is also what Checkov "
            "writes when it found no file to check, so it is never a configuration scan",
        ),
    )


def _kind(check_type: str) -> ScanKind:
    if check_type in _SCA:
        return ScanKind.SCA
    if check_type == _SECRETS:
        return ScanKind.SECRETS
    return ScanKind.SAST


def _report_kind(kinds: set[ScanKind]) -> ScanKind:
    for kind in (ScanKind.SCA, ScanKind.SAST, ScanKind.SECRETS):
        if kind in kinds:
            return kind
    return ScanKind.SAST


def _count(records: Doc, counted: Doc) -> int:
    """How many records an array holds, or (``--quiet`` leaves it out) the summary's count."""
    if isinstance(records.value, list):
        return len(records.value)
    return counted.integer()


def _parsing_errors(check_type: str, results: Doc, summary: Doc) -> str:
    files = list(results.get("parsing_errors").texts())
    count = max(len(files), summary.get("parsing_errors").integer())
    if not count:
        return ""
    where = f" ({check_type})" if check_type else ""
    if not files:  # --quiet: only the summary counts them
        return f"Checkov could not parse {count} file(s){where}; they were not checked"
    named = ", ".join(files[:_NAMED])
    more = f" and {count - _NAMED} more" if count > _NAMED else ""
    return f"Checkov could not parse {count} file(s){where}, not checked: {named}{more}"


def _finding(record: Doc, check_type: str, source: str, *, skipped: bool) -> Finding | None:
    """One record as a finding; None for a licence record (not a vulnerability)."""
    check_id = record.get("check_id").text() or "(no check id)"
    path = record.get("file_path").text() or record.get("repo_file_path").text()
    path = path.lstrip("/")
    lines = [i.integer() for i in record.get("file_line_range").items()]
    line = lines[0] if lines and lines[0] > 0 else 0
    end = lines[1] if len(lines) > 1 and lines[1] >= line else 0
    location = Location(path=path, line=line, end_line=end) if path else None
    suppressions: tuple[Suppression, ...] = ()
    if skipped:
        comment = record.get("check_result").get("suppress_comment").text()
        suppressions = (
            Suppression(
                mechanism="checkov:skip",
                status="accepted",
                justification=comment or "No comment provided",
            ),
        )
    details = record.get("vulnerability_details")
    if check_type in _SCA or details.is_obj():
        if record.get("check_name").text() == _LICENSE_CHECK or (
            details.is_obj() and not details.has("id") and details.has("license")
        ):
            return None
        if details.is_obj() and details.get("id").text():
            return _vulnerability(record, details, location, source, suppressions)
    resource = record.get("resource").text()
    secret = check_type == _SECRETS
    if secret:  # the resource is a SHA-1 of the secret: kept only through this digest
        digest = fingerprint("checkov-secret", resource) if resource else ""
    else:  # by resource, not line: the finding keeps its identity when the file's lines move
        digest = fingerprint(check_id, path, resource or line)
    return Finding(
        kind=FindingKind.SECRET if secret else FindingKind.MISCONFIGURATION,
        tool="checkov",
        source=source,
        rule_id=check_id,
        title=record.get("check_name").text()[:300],
        severity=_severity(record, check_id),
        location=location,
        fingerprint=digest or fingerprint(check_id, path, line),
        suppressions=suppressions,
        hidden_by_tool=bool(suppressions),
        notes=(f"resource {resource}",) if resource and not secret else (),
    )


def _severity(record: Doc, check_id: str) -> ResolvedSeverity:
    label = record.get("severity").text()
    return resolve_severity(
        [claim_from_label("checkov", label)],
        f"checkov severity {label!r}"
        if label
        else f"checkov gives no severity for {check_id} (it needs a platform API key)",
    )


_FIXED_IN = re.compile(r"^\s*fixed in\s+", re.IGNORECASE)


def _vulnerability(
    record: Doc,
    details: Doc,
    location: Location | None,
    source: str,
    suppressions: tuple[Suppression, ...],
) -> Finding:
    vid = details.get("id").text().upper()
    label = details.get("severity").text()
    vector = details.get("vector").opt_text()
    claims = [
        claim_from_label("checkov", label),
        claim_from_vector(vector, "checkov") if vector else None,
        None if vector else claim_from_score(details.get("cvss").value, "checkov cvss"),
    ]
    severity = resolve_severity(
        claims, f"checkov severity {label!r}" if label else "checkov gives no severity"
    )
    name = details.get("package_name").text()
    version = details.get("package_version").opt_text()
    fixes = list(details.get("fixed_versions").texts())
    for single in ("lowest_fixed_version", "fix_version", "root_package_fix_version"):
        value = details.get(single).text()
        if value and not fixes:
            fixes.append(value)
    status = details.get("status").text()
    if not fixes and _FIXED_IN.match(status):
        fixes = [v.strip() for v in _FIXED_IN.sub("", status).split(",") if v.strip()]
    title = details.get("description").text() or record.get("short_description").text()
    return Finding(
        kind=FindingKind.VULNERABILITY,
        tool="checkov",
        source=source,
        rule_id=vid,
        title=title[:300] or vid,
        severity=severity,
        location=location,
        package=package(name, version, None, details.get("package_type").opt_text()),
        ids=(vid,),
        fix_versions=unique(fixes),
        suppressions=suppressions,
        hidden_by_tool=bool(suppressions),
        notes=(f"status {status}",) if status else (),
    )
