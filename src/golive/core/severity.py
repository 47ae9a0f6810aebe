"""golive's one severity algorithm (version :data:`ALGORITHM_VERSION`), see docs/severity.md.

Scanners disagree on vocabulary (SARIF levels, Semgrep's two vocabularies,
Grype's ``Negligible``, CVSS vectors with no score). Readers turn whatever a
report says about one finding into :class:`Claim` values; :func:`resolve`
picks the one severity golive uses and says where it came from.

The algorithm, in order:

1. **Format chain first.** A format with a documented precedence (SARIF:
   ``security-severity`` on the result, then on the rule, then the tool's own
   label in tags or rule id, then ``level``) is resolved by its reader into a
   single claim; see :func:`sarif_claims`.
2. **CVSS vectors are scored**, never trusted as written: v2, v3.0, v3.1 and
   v4.0 through the ``cvss`` library, banded by :func:`band_for_score`.
   A score given without a readable vector is banded as given.
3. **Tool labels** are mapped through the explicit tables in
   :data:`LABEL_MAPS`; a label not in its table is no claim.
4. **Conflicts: the highest wins.** When a report gives several claims (a
   label and a vector, ratings from several sources), the highest band is used
   and the overruled claims are named in the provenance.
5. **Unknown is its own value.** With no usable claim the result is
   :attr:`Severity.UNKNOWN`; the gate fails it closed unless the policy says
   otherwise.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from cvss import CVSS2, CVSS3, CVSS4, CVSSError

from golive.core.findings import ResolvedSeverity, Severity

ALGORITHM_VERSION = "1"

#: Tool vocabularies. Keys are upper-cased labels. A label absent from its
#: table, and every label mapped to UNKNOWN, yields no claim.
LABEL_MAPS: dict[str, dict[str, Severity]] = {
    # Semgrep: the legacy vocabulary and the one of 1.72.0+, which can appear
    # side by side in one file. INFO exists in both; it maps to low (the
    # legacy INFO became LOW, and the higher reading fails safe).
    "semgrep": {
        "CRITICAL": Severity.CRITICAL,
        "HIGH": Severity.HIGH,
        "ERROR": Severity.HIGH,
        "MEDIUM": Severity.MEDIUM,
        "WARNING": Severity.MEDIUM,
        "LOW": Severity.LOW,
        "INFO": Severity.LOW,
        "EXPERIMENT": Severity.INFO,
        "INVENTORY": Severity.INFO,
    },
    # Bandit has no critical; UNDEFINED is unknown.
    "bandit": {
        "HIGH": Severity.HIGH,
        "MEDIUM": Severity.MEDIUM,
        "LOW": Severity.LOW,
        "UNDEFINED": Severity.UNKNOWN,
    },
    # Trivy: UNKNOWN, and "" before trivy PR #10795, are unknown.
    "trivy": {
        "CRITICAL": Severity.CRITICAL,
        "HIGH": Severity.HIGH,
        "MEDIUM": Severity.MEDIUM,
        "LOW": Severity.LOW,
        "UNKNOWN": Severity.UNKNOWN,
    },
    # Grype: Negligible has no golive band; it goes to the unknown policy
    # (gates-and-evidence §9 case 15) unless a CVSS vector says more.
    "grype": {
        "CRITICAL": Severity.CRITICAL,
        "HIGH": Severity.HIGH,
        "MEDIUM": Severity.MEDIUM,
        "LOW": Severity.LOW,
        "NEGLIGIBLE": Severity.UNKNOWN,
        "UNKNOWN": Severity.UNKNOWN,
    },
    # CycloneDX ratings[].severity.
    "cyclonedx": {
        "CRITICAL": Severity.CRITICAL,
        "HIGH": Severity.HIGH,
        "MEDIUM": Severity.MEDIUM,
        "LOW": Severity.LOW,
        "INFO": Severity.INFO,
        "NONE": Severity.INFO,
        "UNKNOWN": Severity.UNKNOWN,
    },
    # OSV database_specific.severity (GHSA uses MODERATE).
    "osv": {
        "CRITICAL": Severity.CRITICAL,
        "HIGH": Severity.HIGH,
        "MODERATE": Severity.MEDIUM,
        "MEDIUM": Severity.MEDIUM,
        "LOW": Severity.LOW,
    },
    # Snyk: the word opening each rule's shortDescription ("High severity - ..."); its SARIF
    # writes level error for critical and high alike.
    "snyk": {
        "CRITICAL": Severity.CRITICAL,
        "HIGH": Severity.HIGH,
        "MEDIUM": Severity.MEDIUM,
        "LOW": Severity.LOW,
    },
    # gosec: the word among each rule's tags; its SARIF writes level error for MEDIUM too.
    "gosec": {
        "HIGH": Severity.HIGH,
        "MEDIUM": Severity.MEDIUM,
        "LOW": Severity.LOW,
    },
    # DevSkim: a rule's properties.DevSkimSeverity (microsoft/DevSkim, its Severity enum); its
    # SARIF writes level error for Critical and Important alike. ManualReview asks a person to
    # look: low, as the level note it is written with.
    "devskim": {
        "CRITICAL": Severity.CRITICAL,
        "IMPORTANT": Severity.HIGH,
        "MODERATE": Severity.MEDIUM,
        "BESTPRACTICE": Severity.LOW,
        "MANUALREVIEW": Severity.LOW,
    },
    # Checkov: a record's severity (the platform's ``Severities``: CRITICAL, IMPORTANT, HIGH,
    # MODERATE, MEDIUM, LOW, INFO, NONE; OFF is no severity), set only when a platform API key
    # is given; vulnerability records write it in lower case.
    "checkov": {
        "CRITICAL": Severity.CRITICAL,
        "IMPORTANT": Severity.HIGH,
        "HIGH": Severity.HIGH,
        "MEDIUM": Severity.MEDIUM,
        "MODERATE": Severity.MEDIUM,
        "LOW": Severity.LOW,
        "INFO": Severity.INFO,
        "NONE": Severity.INFO,
    },
    # SARIF level, used only when no security-severity or tool label exists;
    # the result is marked inferred.
    "sarif-level": {
        "ERROR": Severity.HIGH,
        "WARNING": Severity.MEDIUM,
        "NOTE": Severity.LOW,
        "NONE": Severity.INFO,
    },
}


@dataclass(frozen=True, slots=True)
class Claim:
    """One statement a report makes about a finding's severity."""

    level: Severity
    provenance: str
    score: float | None = None
    inferred: bool = False


def band_for_score(score: float, cvss_version: str = "3") -> Severity:
    """Qualitative band of a CVSS base score.

    v3.x and v4.0 (FIRST): 0.0 info, 0.1-3.9 low, 4.0-6.9 medium, 7.0-8.9
    high, 9.0-10.0 critical. v2 (NVD) has no critical band: 7.0-10.0 is high.
    Bands are closed below, so 8.95 is high and 9.0 is critical.
    """
    if score <= 0.0:
        return Severity.INFO
    if score < 4.0:
        return Severity.LOW
    if score < 7.0:
        return Severity.MEDIUM
    if score < 9.0 or cvss_version == "2":
        return Severity.HIGH
    return Severity.CRITICAL


@dataclass(frozen=True, slots=True)
class CvssScore:
    version: str  # "2", "3.0", "3.1", "4.0"
    score: float


@functools.lru_cache(maxsize=4096)
def score_vector(vector: str) -> CvssScore | None:
    """Base score of a CVSS vector, or None when the vector does not parse.

    The version comes from the prefix (``CVSS:3.0/``, ``CVSS:3.1/``,
    ``CVSS:4.0/``); a vector without a prefix is read as v2, with or without
    the parentheses NVD once printed around it.
    """
    text = vector.strip()
    try:
        if text.startswith("CVSS:4.0/"):
            return CvssScore("4.0", float(CVSS4(text).base_score))
        if text.startswith(("CVSS:3.0/", "CVSS:3.1/")):
            return CvssScore(text[5:8], float(CVSS3(text).scores()[0]))
        if text.startswith("CVSS:"):
            return None
        text = text.strip("()")
        base = CVSS2(text).scores()[0]
        return None if base is None else CvssScore("2", float(base))
    except (CVSSError, ValueError, KeyError, IndexError, TypeError, ArithmeticError):
        return None


def claim_from_vector(vector: str, origin: str = "") -> Claim | None:
    """A claim from a CVSS vector; ``origin`` names where the vector came from."""
    scored = score_vector(vector)
    if scored is None:
        return None
    band = band_for_score(scored.score, scored.version.split(".")[0])
    where = f"{origin} " if origin else ""
    return Claim(
        level=band,
        provenance=f"{where}CVSS {scored.version} vector -> {scored.score:g} {band.value}",
        score=scored.score,
    )


def claim_from_score(score: object, origin: str, cvss_version: str = "3") -> Claim | None:
    """A claim from a numeric score given without a readable vector."""
    value = parse_score(score)
    if value is None:
        return None
    band = band_for_score(value, cvss_version)
    return Claim(level=band, provenance=f"{origin} score {value:g} -> {band.value}", score=value)


def parse_score(score: object) -> float | None:
    """A score in 0.0-10.0 from a number or numeric string; None otherwise."""
    if isinstance(score, bool):
        return None
    if isinstance(score, int | float):
        value = float(score)
    elif isinstance(score, str):
        try:
            value = float(score.strip())
        except ValueError:
            return None
    else:
        return None
    if not math.isfinite(value) or value < 0.0 or value > 10.0:
        return None
    return value


def claim_from_label(tool: str, label: object) -> Claim | None:
    """A claim from a tool's own severity word; None when the word means nothing."""
    if not isinstance(label, str) or not label.strip():
        return None
    table = LABEL_MAPS[tool]
    level = table.get(label.strip().upper())
    if level is None or level is Severity.UNKNOWN:
        return None
    return Claim(level=level, provenance=f"{tool} {label.strip()} -> {level.value}")


def unknown(reason: str) -> ResolvedSeverity:
    """The unknown severity, with the reason it is unknown."""
    return ResolvedSeverity(level=Severity.UNKNOWN, provenance=f"{reason} -> unknown")


def resolve(claims: list[Claim | None], when_none: str) -> ResolvedSeverity:
    """Apply the conflict rule (highest wins) to a finding's claims.

    ``when_none`` says why there is no claim, for the provenance of an
    unknown severity ("pip-audit reports no severity").
    """
    usable = [c for c in claims if c is not None and c.level is not Severity.UNKNOWN]
    if not usable:
        return unknown(when_none)
    best = max(usable, key=lambda c: c.level.rank)
    others = [c for c in usable if c is not best]
    provenance = best.provenance
    if any(c.level is not best.level for c in others):
        overruled = "; ".join(c.provenance for c in others if c.level is not best.level)
        provenance = f"{best.provenance} (highest of: {overruled})"
    return ResolvedSeverity(
        level=best.level, provenance=provenance, score=best.score, inferred=best.inferred
    )


def security_severity_claim(value: object, origin: str) -> tuple[Claim | None, str | None]:
    """GitHub's ``security-severity`` bucketing, or why the value was not used.

    The value is a string "0.1"-"10.0" by the GitHub spec; a JSON number is
    accepted too. 0.0 means no severity (info). Values outside 0-10 and
    non-numbers are ignored with a note, and the chain falls through.
    """
    parsed = parse_score(value)
    if parsed is None:
        return None, f"{origin} security-severity {value!r} is not a score in 0-10; ignored"
    band = band_for_score(parsed, "3")
    kind = "" if isinstance(value, str) else " (a number, not a string)"
    return (
        Claim(
            level=band,
            provenance=f"SARIF {origin} security-severity {parsed:g}{kind} -> {band.value}",
            score=parsed,
        ),
        None,
    )


def sarif_claims(
    *,
    result_security_severity: object,
    rule_security_severity: object,
    tool_label: Claim | None,
    level: str,
    level_origin: str,
) -> tuple[ResolvedSeverity, tuple[str, ...]]:
    """The SARIF chain: security-severity (result, then rule), tool label, level.

    Returns the resolved severity and notes about values that were ignored.
    A severity from ``level`` is marked inferred.
    """
    notes: list[str] = []
    for value, origin in (
        (result_security_severity, "result"),
        (rule_security_severity, "rule"),
    ):
        if value is None:
            continue
        claim, note = security_severity_claim(value, origin)
        if note:
            notes.append(note)
        if claim is not None:
            return _resolved(claim), tuple(notes)
    if tool_label is not None:
        return _resolved(tool_label), tuple(notes)
    mapped = LABEL_MAPS["sarif-level"].get(level.upper(), Severity.MEDIUM)
    claim = Claim(
        level=mapped,
        provenance=f"SARIF level {level} ({level_origin}) -> {mapped.value} "
        "(inferred: no security-severity)",
        inferred=True,
    )
    return _resolved(claim), tuple(notes)


def _resolved(claim: Claim) -> ResolvedSeverity:
    return ResolvedSeverity(
        level=claim.level, provenance=claim.provenance, score=claim.score, inferred=claim.inferred
    )
