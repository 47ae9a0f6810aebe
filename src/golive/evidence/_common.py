"""Small helpers the readers share: fingerprints, tool kinds, vulnerability ids."""

from __future__ import annotations

import hashlib
import re

from packageurl import PackageURL

from golive.core.dedupe import canonical_id, normalize_purl, pypi_purl
from golive.core.findings import Package

#: Vulnerability ids golive recognises in free text: CVE; GitHub's GHSA; the OSV databases'
#: PYSEC, GO, RUSTSEC, OSV, MAL (OpenSSF malicious packages), GSD and ENISA's EUVD; Snyk's
#: ``SNYK-<ECOSYSTEM>-<PACKAGE>-<n>`` (``SNYK-JS-LODASH-567746``, ``SNYK-DEBIAN11-OPENSSL-
#: 5291769``; the ecosystem and package parts are upper-case letters and digits). Snyk IaC's
#: ``SNYK-CC-…`` ids name configuration rules, not vulnerabilities, and are left out.
_VULN_ID = re.compile(
    r"\b(CVE-\d{4}-\d{4,}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}|"
    r"(?:PYSEC|GO|RUSTSEC|OSV|MAL|GSD|EUVD)-\d{4}-\d+|"
    r"SNYK-(?!CC-)[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+-\d+)\b",
    re.IGNORECASE,
)


def fingerprint(*parts: object) -> str:
    """A short, stable digest (``sha256:`` and 16 hex digits) of ``parts``.

    Used for secrets, so that a finding can be recognised and waived without
    its value being kept anywhere.
    """
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8", "replace"))
    return "sha256:" + digest.hexdigest()[:16]


#: What gitleaks writes in place of a secret under ``--redact`` (8.0: ``REDACT``; later
#: ``REDACTED``; ``--redact=N`` keeps a prefix and appends ``...``).
_REDACTED = ("REDACTED", "REDACT", "***")


def is_redacted(secret: str) -> bool:
    """Whether a secret scanner wrote a placeholder instead of the secret itself.

    A placeholder is the same for every secret, so it must never serve as a fingerprint.
    """
    text = secret.strip()
    return not text or text.upper() in _REDACTED or text.endswith("...")


#: Values some tools write in place of a fingerprint: Semgrep, run without logging in, writes
#: ``"requires login"`` as every result's ``matchBasedId/v1`` (SARIF) and ``extra.fingerprint``
#: (JSON). The same value on every result identifies nothing.
_PLACEHOLDER_FINGERPRINTS = frozenset({"requires login"})


def is_placeholder_fingerprint(value: str) -> bool:
    """Whether a tool's fingerprint value is empty or a placeholder rather than an identity.

    Such a value must never stand for a finding: a waiver naming it would cover every result
    of that rule, wherever it is.
    """
    return not value.strip() or value.strip().lower() in _PLACEHOLDER_FINGERPRINTS


def vuln_ids_in(text: str) -> list[str]:
    """Vulnerability ids (CVE, GHSA, OSV databases, EUVD, Snyk) that appear in ``text``."""
    out: list[str] = []
    for match in _VULN_ID.findall(text):
        norm = canonical_id(match)
        if norm not in out:
            out.append(norm)
    return out


def unique(items: list[str]) -> tuple[str, ...]:
    """Items in first-seen order without repeats or empties."""
    seen: list[str] = []
    for item in items:
        if item and item not in seen:
            seen.append(item)
    return tuple(seen)


#: Package ecosystems (OSV's names, lower-cased; a few scanners' own) whose purl follows from
#: the name alone. OS ecosystems (Debian, Alpine, ...) need a distribution namespace and are
#: left out.
_ECOSYSTEM_PURL_TYPES = {
    "npm": "npm", "go": "golang", "golang": "golang", "crates.io": "cargo", "cargo": "cargo",
    "maven": "maven", "rubygems": "gem", "gem": "gem", "nuget": "nuget",
    "packagist": "composer", "composer": "composer", "pub": "pub", "hex": "hex",
    "cocoapods": "cocoapods",
}  # fmt: skip


def package(
    name: str, version: str | None, purl: str | None, ecosystem: str | None = None
) -> Package:
    """A package with its purl normalised (a malformed purl is kept out, not guessed).

    Without a usable purl, one is made from the ecosystem and the name where that is
    unambiguous (OSV records of malicious packages, and many others, carry no purl; the same
    package named by another tool's purl is then still the same package).
    """
    normal = normalize_purl(purl) if purl else None
    eco = ecosystem.split(":", 1)[0].strip().lower() if ecosystem else ""
    if normal is None and eco in {"pypi", "python", "python-pkg"}:
        normal = pypi_purl(name, version)
    elif normal is None and eco in _ECOSYSTEM_PURL_TYPES and name:
        normal = _purl_of(_ECOSYSTEM_PURL_TYPES[eco], name, version)
    return Package(name=name, version=version, purl=normal, ecosystem=ecosystem)


def _purl_of(purl_type: str, name: str, version: str | None) -> str | None:
    namespace = None
    if purl_type == "maven" and ":" in name:
        namespace, name = name.split(":", 1)
    elif purl_type in {"npm", "golang", "composer"} and "/" in name:
        namespace, name = name.rsplit("/", 1)
    try:
        text = str(PackageURL(type=purl_type, namespace=namespace, name=name, version=version))
    except ValueError:
        return None
    return normalize_purl(text)
