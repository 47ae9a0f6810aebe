"""gitleaks JSON: an array of leaks.

``Secret`` and ``Match`` hold the plaintext secret unless gitleaks ran with
``--redact``; golive never keeps either. A finding keeps the rule, file,
line, commit, gitleaks' own ``Fingerprint`` (``commit:file:rule:line``, the key
``.gitleaksignore`` uses) and a golive fingerprint: the first 16 hex digits of
the SHA-256 of the secret, so the same secret is recognised across files.
With ``--redact`` gitleaks writes ``REDACTED`` (8.0: ``REDACT``; ``--redact=N``:
a prefix and ``...``) instead of the secret: a placeholder is the same for
every leak, so the fingerprint is then taken from rule, file, line and commit.
``Author``, ``Email`` and ``Message`` are not kept. gitleaks gives no
severity: it is unknown, and the gate fails it closed unless waived.
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
    Tool,
)
from golive.core.severity import unknown
from golive.evidence._common import fingerprint, is_redacted, unique
from golive.evidence._doc import Doc

FORMAT = "gitleaks"


def read(doc: Doc) -> ScanReport:
    findings: list[Finding] = []
    commits: list[str] = []
    for leak in doc.objects():
        rule = leak.get("RuleID").text() or "(no rule)"
        path = leak.get("File").text()
        line = leak.get("StartLine").integer()
        commit = leak.get("Commit").text()
        if commit:
            commits.append(commit)
        secret = leak.get("Secret").value
        if not isinstance(secret, str) or not secret:
            secret = leak.get("Match").value
        redacted = isinstance(secret, str) and bool(secret) and is_redacted(secret)
        digest = (
            fingerprint("secret", secret)
            if isinstance(secret, str) and secret and not redacted
            else fingerprint(rule, path, line, commit)
            if redacted
            else fingerprint(rule, path, line)
        )
        native = leak.get("Fingerprint").text()
        findings.append(
            Finding(
                kind=FindingKind.SECRET,
                tool="gitleaks",
                source=doc.source,
                rule_id=rule,
                title=leak.get("Description").text()[:200] or rule,
                severity=unknown("gitleaks reports no severity"),
                location=Location(
                    path=path,
                    line=line,
                    column=leak.get("StartColumn").integer(),
                    end_line=leak.get("EndLine").integer(),
                ),
                fingerprint=digest,
                notes=tuple(
                    x
                    for x in (
                        f"gitleaks fingerprint {native}" if native else "",
                        f"commit {commit}" if commit else "",
                        "secret redacted by gitleaks: fingerprint of rule, place and commit"
                        if redacted
                        else "",
                    )
                    if x
                ),
            )
        )
    return ScanReport(
        source=doc.source,
        format=FORMAT,
        tool=Tool(name="gitleaks"),
        kind=ScanKind.SECRETS,
        findings=tuple(findings),
        completeness=Completeness(),
        binding=Binding(),
        notes=("commits scanned: " + ", ".join(unique(commits)[:5]),) if commits else (),
    )
