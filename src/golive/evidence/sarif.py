"""SARIF 2.1.0 from any tool (CodeQL, Semgrep, gitleaks, Trivy, Grype, Checkov, ...).

Level resolution (gates-and-evidence §4.1):

1. ``kind`` other than ``fail``, ``open`` or ``review`` (``pass``,
   ``notApplicable``, ``informational``) is not a finding.
2. ``level`` is the result's, else the rule's ``defaultConfiguration.level``
   (rule found by ``rule.toolComponent`` + ``rule.index``/``ruleIndex``, then
   by id), else ``warning``.
3. Severity: ``security-severity`` on the result, then on the rule; then the
   tool's own label (Trivy's tags and ``[HIGH] CVE-…`` rule ids); then the
   level, marked inferred. See :func:`golive.core.severity.sarif_claims`.
   Checkov (and Prisma Cloud, its name under ``--output-bc-ids``/platform runs)
   writes ``security-severity`` on a rule only when it knows the check's
   severity; without a platform API key it knows none and writes ``level:
   error`` for every failed check (``checkov/common/output/sarif.py``), so
   such a result's severity is unknown, not high.

Also read: suppressions (kept as claims; ``hidden_by_tool`` follows the SARIF
viewer reading of the nine permutations), ``baselineState`` (``absent``
results are not findings), ``invocations[].executionSuccessful`` and error
notifications (an incomplete scan), ``versionControlProvenance`` (binding to
a commit), several runs per file. Snippets are never kept; for secret
scanners the message text is not kept either.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast
from urllib.parse import unquote, urlsplit

from golive import native
from golive.core.dedupe import canonical_id
from golive.core.findings import (
    Binding,
    Completeness,
    Finding,
    FindingKind,
    Location,
    Package,
    ResolvedSeverity,
    ScanKind,
    ScanReport,
    Suppression,
    Tool,
)
from golive.core.severity import LABEL_MAPS, Claim, claim_from_label, sarif_claims
from golive.core.severity import unknown as unknown_severity
from golive.errors import EvidenceError
from golive.evidence._common import (
    fingerprint,
    is_placeholder_fingerprint,
    is_redacted,
    package,
    unique,
    vuln_ids_in,
)
from golive.evidence._doc import Doc, as_integer, clean
from golive.evidence.bandit import redact_issue_text

FORMAT = "sarif"

_NOT_FINDINGS = {"pass", "notApplicable", "informational"}
_SECRET_TOOLS = ("gitleaks", "trufflehog", "detect-secrets", "ggshield", "secretlint")
_SCA_TOOLS = ("trivy", "grype", "osv-scanner", "snyk", "dependency-check", "pip-audit")
_LEVELS = {"error", "warning", "note", "none"}


#: Products of SCA vendors that analyse code or configuration, not dependencies: Snyk's SAST
#: driver is ``SnykCode`` (``snyk code test --sarif``), its IaC one ``Snyk IaC``.
_SAST_PRODUCTS = ("snykcode", "snyk code", "snyk iac", "snyk infrastructure")


def scan_kind(tool: str) -> ScanKind:
    low = tool.lower()
    if any(t in low for t in _SECRET_TOOLS):
        return ScanKind.SECRETS
    if any(t in low for t in _SAST_PRODUCTS):
        return ScanKind.SAST
    if any(t in low for t in _SCA_TOOLS):
        return ScanKind.SCA
    return ScanKind.SAST


class _Rules:
    """Rules of one tool component, looked up by index or id."""

    def __init__(self, component: Doc) -> None:
        self.component = component
        self.by_index: list[Doc] = list(component.get("rules").objects())
        self.by_id: dict[str, Doc] = {}
        self.duplicates: list[str] = []
        for rule in self.by_index:
            rid = rule.get("id").text()
            if rid in self.by_id:
                self.duplicates.append(rid)
            else:
                self.by_id[rid] = rule


def read(doc: Doc) -> ScanReport:
    root = doc.obj()
    version = doc.get("version").text()
    notes: list[str] = []
    if version and version != "2.1.0":
        notes.append(f"SARIF version {version!r}; read as 2.1.0")
    reasons: list[str] = []
    findings: list[Finding] = []
    tools: list[Tool] = []
    commits: list[str] = []
    digests: list[str] = []
    artifacts: list[str] = []
    kinds: list[ScanKind] = []
    runs = list(doc.get("runs").objects())
    if not runs:
        reasons.append("the log holds no runs: no tool reported running")
    del root
    for n, run in enumerate(runs):
        tool = _tool(run)
        tools.append(tool)
        label = f"run {n} ({tool.name})"
        kinds.append(_read_run(run, tool, label, doc.source, findings, reasons, notes))
        for vcp in run.get("versionControlProvenance").objects():
            rev = vcp.get("revisionId").opt_text()
            if rev:
                commits.append(rev)
        _image_binding(run.get("properties"), digests, artifacts)
    names = unique([t.name for t in tools])
    versions = unique([t.version or "" for t in tools])
    tool = Tool(
        name=" + ".join(names) if names else "unknown",
        version=" + ".join(versions) if versions else None,
    )
    # every run saying the same kind (a Trivy run of misconfigurations only is SAST) decides;
    # otherwise the tool names do
    kind = kinds[0] if kinds and len(set(kinds)) == 1 else scan_kind(tool.name)
    return ScanReport(
        source=doc.source,
        format=FORMAT,
        tool=tool,
        kind=kind,
        findings=tuple(findings),
        completeness=Completeness.of(reasons),
        binding=Binding(
            commits=unique(commits),
            digests=unique(digests),
            artifact=artifacts[0] if len(set(artifacts)) == 1 else None,
        ),
        notes=tuple(notes),
    )


def _image_binding(props: Doc, digests: list[str], artifacts: list[str]) -> None:
    """The image a run scanned, from the run's ``properties``.

    Trivy's SARIF of an image scan names it there (``imageName``, ``imageID``,
    ``repoDigests``, ``repoTags``: the same facts as its JSON's ``Metadata``), and nowhere
    else: each result's location is only the repository name.
    """
    if not props.is_obj():
        return
    image_id = props.get("imageID").text()
    if image_id.startswith("sha256:"):
        digests.append(image_id)
    for rd in props.get("repoDigests").texts():
        if "@sha256:" in rd:
            digests.append(rd.split("@", 1)[1])
    name = props.get("imageName").text()
    if name:
        artifacts.append(name)


def _tool(run: Doc) -> Tool:
    driver = run.get("tool").get("driver")
    name = driver.get("name").text() or "unknown"
    version = driver.get("semanticVersion").opt_text() or driver.get("version").opt_text()
    return Tool(name=name, version=version)


def _read_run(
    run: Doc,
    tool: Tool,
    label: str,
    source: str,
    findings: list[Finding],
    reasons: list[str],
    notes: list[str],
) -> ScanKind:
    """Read one run into ``findings``, ``reasons`` and ``notes``; the kind of scan it was."""
    driver_rules = _Rules(run.get("tool").get("driver"))
    extensions = [_Rules(ext) for ext in run.get("tool").get("extensions").objects()]
    for dup in unique(driver_rules.duplicates + [d for e in extensions for d in e.duplicates]):
        notes.append(f"{label}: rule id {dup!r} appears more than once; the first is used")

    for i, inv in enumerate(run.get("invocations").objects()):
        ok = inv.get("executionSuccessful").flag()
        if ok is False:
            code = inv.get("exitCode").value
            extra = f" (exit code {code})" if isinstance(code, int) else ""
            reasons.append(f"{label}: invocations[{i}].executionSuccessful is false{extra}")
        # Bandit's SARIF reports files it could not scan (syntax errors) as configuration
        # notifications, other tools as execution notifications: an error in either counts.
        # Semgrep writes each entry of its JSON's errors[] as a notification, its ``warn``
        # errors (a file that did not parse, a per-file timeout) at level warning: those
        # count as its JSON's do.
        failing = {"error", "warning"} if _is_semgrep(tool) else {"error"}
        for field, what in (
            ("toolExecutionNotifications", "tool error notification"),
            ("toolConfigurationNotifications", "tool configuration error notification"),
        ):
            for note in inv.get(field).objects():
                level = note.get("level").text()
                if level in failing:
                    text = note.get("message").get("text").text().strip().splitlines()
                    first = text[0][:200] if text else ""
                    shown = what if level == "error" else f"{what} ({level})"
                    reasons.append(f"{label}: {shown}: {first}")

    results = run.get("results")
    kind = _run_kind(tool, driver_rules)
    if results.is_null():
        reasons.append(f"{label}: no results array: the tool did not report analysing anything")
        return kind
    base_uris = _base_uris(run)
    context = _Run(tool, kind, driver_rules, extensions, base_uris, source, label, notes)
    fast = _Fast(context)
    absent = 0
    not_findings = 0
    licences = 0
    # Trivy's licence scanner writes its results into the same log: not security findings
    # (Trivy's JSON reader leaves its Licenses out the same way)
    licence_rules = _is_trivy(tool) and any(
        _trivy_class(rule) == "license" for rule in driver_rules.by_index
    )
    compiled = fast.compiled(results.value)
    for result in results.objects() if compiled is None else _rest(results, compiled, findings):
        raw = result.value
        if compiled is None and type(raw) is dict and raw.keys() <= _FAST_KEYS:
            found = fast.finding(raw)
            if found is not None:
                findings.append(found)
                continue
        r_kind = result.get("kind").text("fail")
        if r_kind in _NOT_FINDINGS:
            not_findings += 1
            continue
        baseline = result.get("baselineState").opt_text()
        if baseline == "absent":
            absent += 1
            continue
        if licence_rules:
            _, rule = _rule_for(result, driver_rules, extensions, label, [])
            if rule is not None and _trivy_class(rule) == "license":
                licences += 1
                continue
        findings.append(_finding(result, context))
    if licences:
        notes.append(
            f"{label}: {licences} licence result(s) are not security findings and are left out"
        )
    if absent:
        notes.append(f"{label}: {absent} result(s) with baselineState absent are not findings")
    if not_findings:
        notes.append(f"{label}: {not_findings} result(s) of kind pass/notApplicable/informational")
    return kind


def _run_kind(tool: Tool, rules: _Rules) -> ScanKind:
    """The kind of scan a run was: by the tool's name, except a Trivy run whose every rule
    is a misconfiguration (``trivy config``: SAST) or a secret (``--scanners secret``)."""
    kind = scan_kind(tool.name)
    if not _is_trivy(tool) or not rules.by_index:
        return kind
    classes = {_trivy_class(rule) for rule in rules.by_index}
    if classes == {"misconfiguration"}:
        return ScanKind.SAST
    if classes == {"secret"}:
        return ScanKind.SECRETS
    return kind


def _base_uris(run: Doc) -> _Bases:
    raw: dict[str, tuple[str, str]] = {}
    for name, base in run.get("originalUriBaseIds").members():
        if base.is_obj():
            raw[name] = (base.get("uri").text(), base.get("uriBaseId").text())
    bases = _Bases.resolve(raw)
    # SARIF §3.4.3: an artifactLocation may give only the index of its run.artifacts entry
    for artifact in run.get("artifacts").items():
        where = artifact.get("location") if artifact.is_obj() else artifact
        known = where.is_obj()
        uri = where.get("uri").text() if known else ""
        bases.artifacts.append((uri, where.get("uriBaseId").text() if known else ""))
    return bases


def _rule_for(
    result: Doc, driver: _Rules, extensions: list[_Rules], label: str, notes: list[str]
) -> tuple[str, Doc | None]:
    ref = result.get("rule")
    rule_id = result.get("ruleId").text() or (ref.get("id").text() if ref.is_obj() else "")
    component = driver
    index = result.get("ruleIndex").integer(-1)
    if ref.is_obj():
        tc = ref.get("toolComponent")
        if tc.is_obj():
            ext = tc.get("index").integer(-1)
            if 0 <= ext < len(extensions):
                component = extensions[ext]
        if index < 0:
            index = ref.get("index").integer(-1)
    by_index = component.by_index[index] if 0 <= index < len(component.by_index) else None
    by_id = component.by_id.get(rule_id) if rule_id else None
    if by_id is None and rule_id:
        for other in extensions:
            by_id = by_id or other.by_id.get(rule_id)
    if by_index is not None and rule_id and by_index.get("id").text() != rule_id:
        notes.append(
            f"{label}: ruleId {rule_id!r} and ruleIndex {index} "
            f"({by_index.get('id').text()!r}) disagree; the rule named by ruleId is used"
        )
        return rule_id, by_id
    rule = by_index or by_id
    if not rule_id and rule is not None:
        rule_id = rule.get("id").text()
    return rule_id or "(no rule id)", rule


@dataclass(frozen=True, slots=True)
class _Run:
    """What reading one run's results needs: its tool, rules, base URIs and where notes go."""

    tool: Tool
    kind: ScanKind
    driver: _Rules
    extensions: list[_Rules]
    base_uris: _Bases
    source: str
    label: str
    notes: list[str]


_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(\d+)\}")


def _message_text(message: Doc, rule: Doc | None, driver: _Rules) -> str:
    """A result's message: its ``text``, or (SARIF §3.11.7) the message string its ``id``
    names in the rule's ``messageStrings`` or the driver's ``globalMessageStrings``, with
    ``{n}`` replaced by ``arguments[n]`` and ``{{``/``}}`` read as braces (§3.11.5)."""
    text = message.get("text").text()
    ident = message.get("id").text()
    if text or not ident:
        return text
    template = ""
    for strings in (
        rule.get("messageStrings") if rule is not None else None,
        driver.component.get("globalMessageStrings"),
    ):
        if strings is not None and strings.is_obj():
            template = strings.get(ident).get("text").text()
            if template:
                break
    arguments = [a.value for a in message.get("arguments").items()]

    def fill(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group(0)[0]
        n = int(match.group(1))
        value = arguments[n] if n < len(arguments) else None
        return clean(value) if isinstance(value, str) else match.group(0)

    return _PLACEHOLDER.sub(fill, template)


def _finding(result: Doc, run: _Run) -> Finding:
    tool, kind, driver, extensions = run.tool, run.kind, run.driver, run.extensions
    base_uris, source, label, notes = run.base_uris, run.source, run.label, run.notes
    rule_id, rule = _rule_for(result, driver, extensions, label, notes)
    trivy_class = _trivy_class(rule) if rule is not None and _is_trivy(tool) else ""
    level = result.get("level").opt_text()
    origin = "result"
    if level is None and rule is not None:
        level = rule.get("defaultConfiguration").get("level").opt_text()
        origin = "rule default"
    if level is None:
        level, origin = "warning", "SARIF default"
    if level not in _LEVELS:
        notes.append(f"{label}: level {level!r} is not a SARIF level; read as warning")
        level, origin = "warning", "SARIF default"

    props = result.get("properties")
    rule_props = rule.get("properties") if rule is not None else None
    result_ss = props.get("security-severity").value if props.is_obj() else None
    rule_ss = (
        rule_props.get("security-severity").value
        if rule_props is not None and rule_props.is_obj()
        else None
    )
    label_claim = (
        _result_label(tool, props)
        or _tool_label(tool, rule_id, rule_props)
        or _snyk_label(tool, kind, rule)
    )
    if _is_checkov(tool) and result_ss is None and rule_ss is None and label_claim is None:
        severity = unknown_severity(
            f"{tool.name} gives no security-severity (without a platform API key it writes "
            f"level {level} for every check)"
        )
    elif _trivy_unknown(tool, rule_id, rule_props, result_ss, rule_ss, label_claim):
        severity = unknown_severity(
            f"{tool.name} severity UNKNOWN (its security-severity "
            f"{'absent' if rule_ss is None else rule_ss} and "
            f"level {level} stand for no score)"
        )
    else:
        severity = _severity(
            result_ss, rule_ss, label_claim, level, origin, f"{label}: {rule_id}", notes
        )

    suppressions = tuple(
        Suppression(
            mechanism=f"sarif:{s.get('kind').text() or 'unknown'}",
            status={"underReview": "under_review", "rejected": "rejected"}.get(
                s.get("status").text(), "accepted"
            ),
            justification=s.get("justification").text()[:300],
        )
        for s in result.get("suppressions").objects()
    )
    secret = kind is ScanKind.SECRETS or trivy_class == "secret"
    message = _message_text(result.get("message"), rule, driver)
    if rule is not None and (secret or not message):
        message = rule.get("shortDescription").get("text").text() or rule.get("name").text()
    elif secret:
        message = ""
    if _is_bandit(tool):
        message = redact_issue_text(rule_id, message)
    if trivy_class == "misconfiguration" and rule is not None:
        # Trivy's message is a block of ``Artifact:``/``Type:``/``Severity:`` lines; the
        # check's own words are its ``Message:`` line, else the rule's title
        message = _line_value(message, "Message") or (
            rule.get("shortDescription").get("text").text() or message
        )
    if trivy_class == "vulnerability" and rule is not None:
        # Trivy's message is a block of ``Package:``/``Installed Version:``/... lines (the
        # package is read from it below); the vulnerability's title is the rule's
        message = rule.get("shortDescription").get("text").text() or message
    ids = vuln_ids_in(rule_id) if kind is ScanKind.SCA else []
    pkg = None
    snyk = _is_snyk_sca(tool, kind) and rule is not None
    if snyk and rule is not None:
        ids, pkg, title = _snyk_vulnerability(rule_id, rule)
        message = title or message
    finding_kind = (
        FindingKind.SECRET
        if secret
        else FindingKind.VULNERABILITY
        if ids
        else FindingKind.MISCONFIGURATION
        if trivy_class == "misconfiguration"
        else FindingKind.CODE
    )
    location = _location(result, base_uris)
    if ids and props.is_obj():
        purl = props.get("purl").opt_text()
        if purl:
            pkg = package(purl, None, purl)
    if ids and pkg is None and "trivy" in tool.name.lower():
        lockfile = location.path.rsplit("/", 1)[-1] if location is not None else ""
        pkg = _named_package(
            result.get("message").get("text").text(),
            "Installed Version",
            _LOCKFILE_ECOSYSTEMS.get(lockfile),
        )
    elif ids and pkg is None and "grype" in tool.name.lower() and rule is not None:
        # grype: one rule per vulnerability and package, named in the rule's help text
        pkg = _named_package(rule.get("help").get("text").text(), "Version")
    return Finding(
        kind=finding_kind,
        tool=tool.name,
        source=source,
        rule_id=rule_id,
        title=message[:300],
        severity=severity,
        location=location,
        package=pkg,
        ids=tuple(ids),
        fingerprint=_secret_fingerprint(result, rule_id, location)
        if secret
        else _fingerprint(result, rule_id, location),
        suppressions=suppressions,
        hidden_by_tool=_viewer_hides(suppressions),
        baseline_state=result.get("baselineState").opt_text(),
        notes=("kind " + result.get("kind").text(),) if result.has("kind") else (),
    )


#: The severity chain is a pure function of these five values, and a report repeats a few
#: hundred combinations across its results: resolve each combination once.
_SEVERITY_CACHE: dict[tuple[object, ...], tuple[ResolvedSeverity, tuple[str, ...]]] = {}


def _severity(
    result_ss: object,
    rule_ss: object,
    label_claim: Claim | None,
    level: str,
    origin: str,
    where: str,
    notes: list[str],
) -> ResolvedSeverity:
    """The SARIF severity chain (cached); notes about ignored values go to ``notes``."""
    key = (result_ss, rule_ss, label_claim, level, origin)
    try:
        severity, sev_notes = _SEVERITY_CACHE[key]
    except (KeyError, TypeError):  # TypeError: an unhashable (malformed) value; no caching
        severity, sev_notes = sarif_claims(
            result_security_severity=result_ss,
            rule_security_severity=rule_ss,
            tool_label=label_claim,
            level=level,
            level_origin=origin,
        )
        with contextlib.suppress(TypeError):
            if len(_SEVERITY_CACHE) < 10_000:
                _SEVERITY_CACHE[key] = (severity, sev_notes)
    for note in sev_notes:
        notes.append(f"{where}: {note}")
    return severity


#: Members of a result the fast path understands; a result with any other member (``kind``,
#: ``suppressions``, ``baselineState``, ``rule``, ...) takes the full, checked path.
_FAST_KEYS = frozenset(
    {
        "ruleId",
        "ruleIndex",
        "level",
        "message",
        "locations",
        "partialFingerprints",
        "fingerprints",
        "properties",
        "relatedLocations",
        "codeFlows",
        "hostedViewerUri",
        "guid",
        "correlationGuid",
        "occurrenceCount",
        "rank",
    }
)


class _Bail(Exception):
    """The fast path met something it does not handle; the full path reads the result."""


#: The facts of a rule the fast path cannot read (its results take the full path).
_NO_FACTS = object()
#: Each field's default (None for the fields without one, which the compiled path sets).
_FINDING_DEFAULTS = tuple(
    None if f.default is dataclasses.MISSING else f.default for f in dataclasses.fields(Finding)
)


def _rest(results: Doc, compiled: list[Finding | None], findings: list[Finding]) -> Iterator[Doc]:
    """The results the compiled path left to the Python paths, in order; each finding it read
    goes to ``findings`` as the results before it are done."""
    raw = cast(list[object], results.value)  # compiled only for a list (Fast.compiled)
    for i, found in enumerate(compiled):
        if found is not None:
            findings.append(found)
        else:
            yield results.element(i, raw[i])


class _Fast:
    """Reads the common, well-formed shape of a result with plain dict access.

    Gives exactly the :class:`Finding` that :func:`_finding` gives for the same result (a test
    compares the two over every fixture and fuzzed results), or None when the result needs
    the full path: a secret scanner's result, a vulnerability id in the rule id, a message
    taken from the rule, a rule id and index that disagree, a value of an unexpected type, or
    anything that would add a note or raise an error.
    """

    def __init__(self, run: _Run) -> None:
        self.tool = run.tool
        # secret scanners and Bandit (a label on each result) take the full path
        self.enabled = (
            run.kind is not ScanKind.SECRETS
            and not _is_bandit(run.tool)
            and not _is_checkov(run.tool)
            and not _is_snyk_sca(run.tool, run.kind)
            and not _is_trivy(run.tool)  # its rules' class decides a result's kind
        )
        self.sca = run.kind is ScanKind.SCA
        self.driver, self.extensions, self.base_uris = run.driver, run.extensions, run.base_uris
        self.source, self.label, self.notes = run.source, run.label, run.notes
        self.rules: dict[int, tuple[str, str | None, object, Claim | None]] = {}

    def compiled(self, results: object) -> list[Finding | None] | None:
        """:meth:`finding` of every result at once, in C (``golive._native``): for each
        result its finding, or None where the Python paths must read it; None when the
        compiled path is not there or not for this run."""
        if not self.enabled or not native.enabled() or type(results) is not list:
            return None
        return native.sarif_results(results, self._context())

    def _context(self) -> tuple[object, ...]:
        """What ``golive._native.sarif_results`` reads: the rules' facts (read once here; a
        rule whose facts cannot be read sends its results to the Python paths) and the
        functions and values :meth:`_finding` uses. A result whose rule is unknown gets no
        tool label: the runs this path reads (no Trivy) have none without a rule."""

        def facts(rule: Doc) -> object:
            try:
                return self._rule(rule)
            except (_Bail, EvidenceError):
                return _NO_FACTS

        by_id: dict[str, object] = {}
        for rules in (*reversed(self.extensions), self.driver):  # the driver's, then the first
            by_id.update((rule_id, facts(rule)) for rule_id, rule in rules.by_id.items())
        return (
            _FAST_KEYS,
            [facts(rule) for rule in self.driver.by_index],
            by_id,
            _NO_FACTS,
            frozenset(_LEVELS),
            clean,
            as_integer,
            self.base_uris.path,
            _severity,
            fingerprint,
            is_placeholder_fingerprint,
            vuln_ids_in if self.sca else None,
            FindingKind.CODE,
            self.tool.name,
            self.source,
            self.label,
            self.notes,
            Finding,
            native.field_names(Finding),
            _FINDING_DEFAULTS,
            Location,
            native.field_names(Location),
        )

    def finding(self, r: dict[str, object]) -> Finding | None:
        if not self.enabled:
            return None
        try:
            return self._finding(r)
        except (_Bail, EvidenceError):
            return None

    def _rule(self, rule: Doc) -> tuple[str, str | None, object, Claim | None]:
        """A rule's id, default level, security-severity and tool label, read once."""
        facts = self.rules.get(id(rule))
        if facts is None:
            rule_id = rule.get("id").text()
            default = rule.get("defaultConfiguration").get("level").opt_text()
            props = rule.get("properties")
            rule_ss = props.get("security-severity").value if props.is_obj() else None
            facts = (rule_id, default, rule_ss, _tool_label(self.tool, rule_id, props))
            self.rules[id(rule)] = facts
        return facts

    def _finding(self, r: dict[str, object]) -> Finding:
        rule_id = r.get("ruleId")
        if type(rule_id) is not str or not rule_id:
            raise _Bail
        rule_id = clean(rule_id)
        index = as_integer(r.get("ruleIndex"), -1)
        driver = self.driver
        by_index = driver.by_index[index] if 0 <= index < len(driver.by_index) else None
        by_id = driver.by_id.get(rule_id)
        if by_id is None:
            for other in self.extensions:
                by_id = by_id or other.by_id.get(rule_id)
        if by_index is not None and self._rule(by_index)[0] != rule_id:
            raise _Bail  # the full path notes the disagreement
        rule = by_index or by_id
        facts = self._rule(rule) if rule is not None else None

        level = r.get("level")
        origin = "result"
        if level is not None:
            if type(level) is not str:
                raise _Bail
            level = clean(level) or None
        if level is None and facts is not None:
            level, origin = facts[1], "rule default"
        if level is None:
            level, origin = "warning", "SARIF default"
        if level not in _LEVELS:
            raise _Bail  # the full path notes it

        message = r.get("message")
        text = message.get("text") if type(message) is dict else None
        if type(text) is not str or not text:
            raise _Bail  # taken from the rule by the full path
        if self.sca and vuln_ids_in(rule_id):
            raise _Bail
        location = self._location(r.get("locations"))
        fingerprint_ = _fast_fingerprint(r, rule_id, location)
        # the severity last: it may add notes, and nothing after it leaves the fast path
        props = r.get("properties")
        result_ss = props.get("security-severity") if type(props) is dict else None
        rule_ss = facts[2] if facts is not None else None
        label_claim = facts[3] if facts is not None else _tool_label(self.tool, rule_id, None)
        severity = _severity(
            result_ss, rule_ss, label_claim, level, origin, f"{self.label}: {rule_id}", self.notes
        )

        return Finding(
            kind=FindingKind.CODE,
            tool=self.tool.name,
            source=self.source,
            rule_id=rule_id,
            title=clean(text)[:300],
            severity=severity,
            location=location,
            fingerprint=fingerprint_,
        )

    def _location(self, locations: object) -> Location | None:
        if locations is None:
            return None
        if type(locations) is not list:
            raise _Bail
        for loc in locations:
            if type(loc) is not dict:
                raise _Bail
            phys = loc.get("physicalLocation")
            if type(phys) is not dict:
                if phys is not None:
                    raise _Bail
                continue
            art = phys.get("artifactLocation")
            uri = base = ""
            if type(art) is dict:
                uri, base = _text(art.get("uri")), _text(art.get("uriBaseId"))
                if not uri and "index" in art:
                    raise _Bail  # only an index into run.artifacts: the full path reads it
            elif art is not None:
                raise _Bail
            region = phys.get("region")
            line = col = end = 0
            if type(region) is dict:
                line = as_integer(region.get("startLine"))
                col = as_integer(region.get("startColumn"))
                end = as_integer(region.get("endLine"))
            elif region is not None:
                raise _Bail
            return Location(
                path=self.base_uris.path(uri, base), line=line, column=col, end_line=end
            )
        return None


def _text(v: object) -> str:
    """:meth:`Doc.text` of a plain value; anything else leaves the fast path."""
    if type(v) is str:
        return clean(v)
    if v is None:
        return ""
    raise _Bail


def _fast_fingerprint(r: dict[str, object], rule_id: str, location: Location | None) -> str:
    for field in ("fingerprints", "partialFingerprints"):
        prints = r.get(field)
        if type(prints) is dict and prints:
            pairs = sorted((k, _text(v)) for k, v in prints.items() if type(v) is not dict)
            pairs = [(k, v) for k, v in pairs if not is_placeholder_fingerprint(v)]
            if pairs:
                return fingerprint(rule_id, *(f"{k}={v}" for k, v in pairs))
        elif prints is not None and type(prints) is not dict:
            raise _Bail
    where = (location.path, location.line, location.column) if location else ()
    return fingerprint(rule_id, *where)


def _is_bandit(tool: Tool) -> bool:
    return tool.name.lower() == "bandit"


def _is_semgrep(tool: Tool) -> bool:
    """Semgrep's drivers: ``Semgrep OSS``, ``Semgrep PRO`` (1.x), ``semgrep`` (older)."""
    return tool.name.lower().startswith("semgrep")


def _is_trivy(tool: Tool) -> bool:
    return "trivy" in tool.name.lower()


#: Trivy's rule names (``toSarifRuleName`` in its ``pkg/report/sarif.go``) by result class.
_TRIVY_RULE_NAMES = {
    "ospackagevulnerability": "vulnerability",
    "languagespecificpackagevulnerability": "vulnerability",
    "misconfiguration": "misconfiguration",
    "secret": "secret",
    "license": "license",
}


def _trivy_class(rule: Doc) -> str:
    """What a Trivy rule is about: ``vulnerability``, ``misconfiguration``, ``secret``,
    ``license``, or ``""``.

    Trivy writes one SARIF log for every scanner it ran; the class is the rule's ``name`` and
    the first of its ``properties.tags`` (``["misconfiguration", "security", "HIGH"]``).
    """
    name = _TRIVY_RULE_NAMES.get(rule.get("name").text().lower())
    if name:
        return name
    props = rule.get("properties")
    tags = [t.lower() for t in props.get("tags").texts()] if props.is_obj() else []
    for cls in ("misconfiguration", "secret", "vulnerability", "license"):
        if cls in tags:
            return cls
    return ""


def _trivy_words(rule_id: str, rule_props: Doc | None) -> list[str]:
    """Trivy's severity candidates: the ``[HIGH]`` of a legacy rule id, then the rule's tags."""
    words: list[str] = []
    if rule_id.startswith("[") and "]" in rule_id:
        words.append(rule_id[1 : rule_id.index("]")])
    if rule_props is not None and rule_props.is_obj():
        words.extend(rule_props.get("tags").texts())
    return words


def _trivy_unknown(
    tool: Tool,
    rule_id: str,
    rule_props: Doc | None,
    result_ss: object,
    rule_ss: object,
    label_claim: Claim | None,
) -> bool:
    """Whether Trivy says it does not know the severity.

    Trivy's SARIF gives a finding of severity UNKNOWN (or ``""``) ``level: note`` and
    ``security-severity: "0.0"`` (``severityToScore`` has no score for it): read by the SARIF
    chain that is an info finding, below every threshold, while Trivy's JSON of the same scan
    says unknown. A zero ``security-severity`` with no severity word of Trivy's, or the word
    UNKNOWN with no score at all, is unknown.
    """
    if not _is_trivy(tool) or result_ss is not None or label_claim is not None:
        return False
    if rule_ss is None:
        return any(w.strip().upper() == "UNKNOWN" for w in _trivy_words(rule_id, rule_props))
    try:
        return float(str(rule_ss)) == 0.0
    except ValueError:
        return False


#: Checkov's SARIF driver name: ``Checkov`` by default, ``Prisma Cloud`` (its platform
#: name) when no tool name is set in some versions, ``Bridgecrew`` in older ones.
_CHECKOV_NAMES = frozenset({"checkov", "prisma cloud", "prisma_cloud", "bridgecrew"})


def _is_checkov(tool: Tool) -> bool:
    return tool.name.lower() in _CHECKOV_NAMES


def _is_snyk_sca(tool: Tool, kind: ScanKind) -> bool:
    """Snyk Open Source or Snyk Container: one rule per vulnerability, the rule id its id."""
    return kind is ScanKind.SCA and "snyk" in tool.name.lower()


#: Snyk's ``shortDescription``: ``High severity - Command Injection vulnerability in lodash``.
_SNYK_LABEL = re.compile(r"^\s*(\w+)\s+severity\b", re.IGNORECASE)


def _snyk_label(tool: Tool, kind: ScanKind, rule: Doc | None) -> Claim | None:
    """Snyk's own severity word, which opens each rule's ``shortDescription``.

    Snyk writes ``level: error`` for both critical and high (``getLevel`` in the CLI's SARIF
    formatter) and, before it added ``security-severity``, nothing else: without its word a
    critical vulnerability reads as high.
    """
    if rule is None or not _is_snyk_sca(tool, kind):
        return None
    match = _SNYK_LABEL.match(rule.get("shortDescription").get("text").text())
    return claim_from_label("snyk", match.group(1)) if match is not None else None


#: Snyk's package managers (``* Package Manager: npm`` in a rule's help) as purl types.
_SNYK_PURL_TYPES = {
    "npm": "npm", "yarn": "npm", "pnpm": "npm", "pip": "pypi", "poetry": "pypi",
    "pipenv": "pypi", "maven": "maven", "gradle": "maven", "sbt": "maven",
    "rubygems": "gem", "gomodules": "golang", "golangdep": "golang", "govendor": "golang",
    "nuget": "nuget", "paket": "nuget", "composer": "composer", "cocoapods": "cocoapods",
    "hex": "hex", "cargo": "cargo", "pub": "pub",
}  # fmt: skip


def _snyk_vulnerability(rule_id: str, rule: Doc) -> tuple[list[str], Package | None, str]:
    """The ids, package and title of a Snyk Open Source / Container rule.

    Snyk's SARIF has one rule per vulnerability: its id is Snyk's (``SNYK-JS-LODASH-1040724``,
    or the legacy ``npm:ms:20170412``), ``fullDescription`` is ``(CVE-…) name@version`` (the
    CVE only when there is one) and the help names the package manager. A licence issue
    (``snyk:lic:…``) is not a vulnerability.
    """
    if rule_id.lower().startswith("snyk:lic:"):
        ids: list[str] = []
    else:
        ids = [canonical_id(rule_id), *vuln_ids_in(rule_id)]
    full = rule.get("fullDescription").get("text").text()
    ids.extend(vuln_ids_in(full))
    help_text = rule.get("help").get("markdown").text() or rule.get("help").get("text").text()
    manager = module = ""
    for line in help_text.splitlines()[:8]:
        key, sep, value = line.lstrip("*- ").partition(":")
        if not sep:
            continue
        if key.strip() == "Package Manager":
            manager = value.strip().lower()
        elif key.strip() in {"Vulnerable module", "Module"}:
            module = value.strip()
    words = full.split()
    name, version = module, None
    if words and "@" in words[-1].lstrip("@"):
        at_name, _, at_version = words[-1].rpartition("@")
        name, version = at_name, at_version or None
    pkg = None
    if name:
        pkg = package(name, version, _snyk_purl(manager, name, version), manager or None)
    title = rule.get("shortDescription").get("text").text()
    return list(unique(ids)), pkg, title


def _snyk_purl(manager: str, name: str, version: str | None) -> str | None:
    purl_type = _SNYK_PURL_TYPES.get(manager)
    return package(name, version, None, purl_type).purl if purl_type else None


def _result_label(tool: Tool, props: Doc) -> Claim | None:
    """Bandit's own severity on each result (``properties.issue_severity``).

    Bandit's SARIF omits a result's ``level`` when it is ``warning`` while the rule's default
    level comes from the first issue of that test: by the SARIF chain a MEDIUM issue after a
    LOW one of the same test would read as a note. Its own word is the tool's label.
    """
    if not _is_bandit(tool) or not props.is_obj():
        return None
    return claim_from_label("bandit", props.get("issue_severity").value)


def _tool_label(tool: Tool, rule_id: str, rule_props: Doc | None) -> Claim | None:
    """Trivy's own severity, from the rule's tags or a ``[HIGH] CVE-…`` rule id; gosec's,
    from the rule's tags."""
    if tool.name.lower() == "gosec":
        return _gosec_label(rule_props)
    if tool.name.lower() == "devskim":
        return _devskim_label(rule_props)
    if not _is_trivy(tool):
        return None
    for word in _trivy_words(rule_id, rule_props):
        if word.upper() in LABEL_MAPS["trivy"]:
            claim = claim_from_label("trivy", word)
            if claim is not None:
                return claim
    return None


def _gosec_label(rule_props: Doc | None) -> Claim | None:
    """gosec's own severity word, written among each rule's ``properties.tags``.

    gosec writes ``level: error`` for MEDIUM issues as for HIGH ones (G301, G304 in real
    reports) and no ``security-severity``: by the level alone a MEDIUM issue reads as high.
    """
    if rule_props is None or not rule_props.is_obj():
        return None
    for word in rule_props.get("tags").texts():
        claim = claim_from_label("gosec", word)
        if claim is not None:
            return claim
    return None


def _devskim_label(rule_props: Doc | None) -> Claim | None:
    """DevSkim's own severity word, a rule's ``properties.DevSkimSeverity``.

    DevSkim writes ``level: error`` for its Critical and Important rules alike and ``note``
    for BestPractice and ManualReview, with no ``security-severity``: by the level alone a
    Critical finding (a weak hash, a disabled certificate check) reads as high.
    """
    if rule_props is None or not rule_props.is_obj():
        return None
    return claim_from_label("devskim", rule_props.get("DevSkimSeverity").value)


def _line_value(text: str, key: str) -> str:
    """The value of the first ``key: value`` line of ``text``, or ``""``."""
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip() == key:
            return value.strip()
    return ""


#: The ecosystem a dependency file names (Trivy's SARIF locates a vulnerability at the file
#: it read the package from and gives no purl; the file tells the ecosystem, so the package
#: gets the purl other tools give it). Image OS packages need a distribution: none.
_LOCKFILE_ECOSYSTEMS = {
    "requirements.txt": "pypi", "Pipfile.lock": "pypi", "poetry.lock": "pypi",
    "uv.lock": "pypi", "pdm.lock": "pypi", "package-lock.json": "npm", "yarn.lock": "npm",
    "pnpm-lock.yaml": "npm", "npm-shrinkwrap.json": "npm", "bun.lock": "npm", "go.mod": "go",
    "go.sum": "go", "Cargo.lock": "cargo", "Gemfile.lock": "rubygems",
    "composer.lock": "composer", "packages.lock.json": "nuget", "pubspec.lock": "pub",
    "mix.lock": "hex", "Podfile.lock": "cocoapods",
}  # fmt: skip


def _named_package(text: str, version_key: str, ecosystem: str | None = None) -> Package | None:
    """The package named by ``Package: x`` and ``<version_key>: y`` lines.

    Trivy's SARIF has one rule per CVE and names the package only in each result's message;
    grype's has one rule per vulnerability and package and names it in the rule's help text.
    Without this every package of one CVE would be the same, unnamed finding.
    """
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in {"Package", version_key}:
            fields.setdefault(key.strip(), value.strip())
    name = fields.get("Package")
    return package(name, fields.get(version_key) or None, None, ecosystem) if name else None


def _viewer_hides(suppressions: tuple[Suppression, ...]) -> bool:
    """Whether a SARIF viewer hides the result (microsoft/sarif-tutorials Suppressions.sarif).

    Hidden when any suppression is not rejected, except a lone ``underReview``.
    """
    if not suppressions:
        return False
    if len(suppressions) == 1 and suppressions[0].status == "under_review":
        return False
    return any(s.status != "rejected" for s in suppressions)


def _location(result: Doc, base_uris: _Bases) -> Location | None:
    for loc in result.get("locations").objects():
        phys = loc.get("physicalLocation")
        if not phys.is_obj():
            continue
        art = phys.get("artifactLocation")
        uri = art.get("uri").text() if art.is_obj() else ""
        base = art.get("uriBaseId").text() if art.is_obj() else ""
        index = art.get("index").integer(-1) if art.is_obj() else -1
        region = phys.get("region")
        line = region.get("startLine").integer() if region.is_obj() else 0
        col = region.get("startColumn").integer() if region.is_obj() else 0
        end = region.get("endLine").integer() if region.is_obj() else 0
        path = base_uris.located(uri, base, index)
        return Location(path=path, line=line, column=col, end_line=end)
    return None


@dataclass(frozen=True, slots=True)
class _Bases:
    """A run's ``originalUriBaseIds``, for turning result URIs into paths.

    Paths are relative to the scan root, as GitHub code scanning shows them: a base id that
    resolves to an absolute location (``%SRCROOT%`` = ``file:///home/runner/work/app/app/``,
    Trivy's ``ROOTPATH``) is the root, so ``uri: src/a.py`` under it reads ``src/a.py`` on
    every runner, and an absolute ``file:///home/runner/work/app/app/src/a.py`` reads the
    same. A base nested in another (``{"uri": "pkg/", "uriBaseId": "SRCROOT"}``) keeps its
    part (``pkg/src/a.py``); a relative base with no root is kept as written. Waivers,
    fingerprints and de-duplication then see one path for one file, and no decision carries
    the scanner machine's directories.
    """

    prefixes: dict[str, str]  # base id -> the path prefix below the root ("" for a root)
    roots: tuple[str, ...]  # the outermost absolute roots ("/home/runner/work/app/app/")
    artifacts: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # uri, base

    def located(self, uri: str, base: str, index: int) -> str:
        """The path of an artifactLocation: its ``uri``, or when it has none, the location of
        the run's ``artifacts[index]`` (SARIF §3.4.3: a log may give only the index)."""
        if not uri and 0 <= index < len(self.artifacts):
            uri, own = self.artifacts[index]
            base = base or own
        return self.path(uri, base)

    @classmethod
    def resolve(cls, raw: dict[str, tuple[str, str]]) -> _Bases:
        """From ``{id: (uri, parent id)}``; cycles and unknown parents end the chain."""

        def absolute(name: str, seen: frozenset[str]) -> tuple[str, bool]:
            uri, parent = raw[name]
            path = _local_path(uri)
            if path is not None:
                return path, True
            if parent in raw and parent not in seen:
                above, is_absolute = absolute(parent, seen | {parent})
                return _join(above, uri), is_absolute
            return uri, False

        resolved = {name: absolute(name, frozenset({name})) for name in raw}
        roots = {path.rstrip("/") + "/" for path, is_abs in resolved.values() if is_abs}
        outermost = sorted(r for r in roots if not any(o != r and r.startswith(o) for o in roots))
        bases = cls({}, tuple(outermost))
        for name, (path, is_absolute) in resolved.items():
            bases.prefixes[name] = bases.relative(path) if is_absolute else path
        return bases

    def relative(self, path: str) -> str:
        """``path`` below its root, or as it is when under none."""
        for root in self.roots:
            if path.startswith(root):
                return path[len(root) :]
            if path + "/" == root:
                return ""
        return path

    def path(self, uri: str, base: str) -> str:
        """A readable path: ``file:///`` stripped, percent-decoding undone, base ids
        resolved, relative to the scan root.

        A relative reference with backslashes is a Windows path written as it was (KICS on
        Windows writes ``infra\\alb.yaml``; a URI has no literal backslash): it reads with
        ``/``, as the same file scanned on Linux does, so waivers and fingerprints match
        across runners.
        """
        if "\\" in uri and ":" not in uri:
            uri = uri.replace("\\", "/")
        if ":" not in uri and "%" not in uri:  # a plain relative path: nothing to decode
            path = uri
        else:
            try:
                parts = urlsplit(uri)
            except ValueError:
                return uri  # an invalid URI is shown as written
            if parts.scheme == "file":
                path = unquote(parts.path)
                if _DRIVE.match(path):  # file:///C:/x is the Windows path C:/x (ESLint on Windows)
                    path = path[1:]
            elif parts.scheme:
                return uri
            else:
                path = unquote(uri)
        if path.startswith("/") or _DRIVE_PATH.match(path):
            return self.relative(path)
        prefix = self.prefixes.get(base, "") if base else ""
        return _join(prefix, path) if prefix else path


def _local_path(uri: str) -> str | None:
    """The absolute local path a base URI names (``file:`` URIs, ``/x``, ``C:/x``), or None."""
    if uri.startswith("file:"):
        with contextlib.suppress(ValueError):
            path = unquote(urlsplit(uri).path)
            return path[1:] if _DRIVE.match(path) else path
        return None
    if uri.startswith("/") or _DRIVE_PATH.match(uri):
        return uri
    return None


_DRIVE = re.compile(r"^/[A-Za-z]:[/\\]")
_DRIVE_PATH = re.compile(r"^[A-Za-z]:[/\\]")


def _join(prefix: str, path: str) -> str:
    if prefix and not path.startswith("/"):
        return prefix.rstrip("/") + "/" + path
    return path


def _secret_fingerprint(result: Doc, rule_id: str, location: Location | None) -> str:
    """A secret scanner's result: the digest of the secret, as the JSON readers give it.

    gitleaks puts the secret in the snippet (the same digest as its JSON report's ``Secret``)
    and only commit and author data in ``partialFingerprints``: those are the same for every
    leak of one commit, and empty outside git, so they are combined with the place. A
    redacted snippet (a placeholder, the same for every leak) is never the fingerprint.
    """
    for loc in result.get("locations").objects():
        region = loc.get("physicalLocation").get("region")
        snippet = region.get("snippet").get("text").text() if region.is_obj() else ""
        if snippet and not is_redacted(snippet):
            return fingerprint("secret", snippet)
        break
    where = (location.path, location.line, location.column) if location else ()
    for field in ("fingerprints", "partialFingerprints"):
        prints = result.get(field)
        if prints.is_obj() and prints.obj():
            pairs = sorted((k, v.text()) for k, v in prints.members() if not v.is_obj())
            if pairs:
                return fingerprint(rule_id, *where, *(f"{k}={v}" for k, v in pairs))
    return fingerprint(rule_id, *where)


def _fingerprint(result: Doc, rule_id: str, location: Location | None) -> str:
    """The tool's own fingerprints, else rule and place.

    A placeholder value (Semgrep without login writes ``matchBasedId/v1: "requires login"`` on
    every result) or an empty one is no fingerprint: the place stands for the finding instead.
    """
    for field in ("fingerprints", "partialFingerprints"):
        prints = result.get(field)
        if prints.is_obj() and prints.obj():
            pairs = sorted((k, v.text()) for k, v in prints.members() if not v.is_obj())
            pairs = [(k, v) for k, v in pairs if not is_placeholder_fingerprint(v)]
            if pairs:
                return fingerprint(rule_id, *(f"{k}={v}" for k, v in pairs))
    where = (location.path, location.line, location.column) if location else ()
    return fingerprint(rule_id, *where)
