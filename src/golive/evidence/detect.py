"""Tell which evidence format a file holds, by its content, never by its name.

The first non-blank byte decides between XML and JSON; the document's
distinctive fields decide the format. Rules are tried in order; the first
that matches wins. An empty JSON array is read as gitleaks output (the only
supported format whose clean result is ``[]``).

=================  =====================================================
format             recognised by
=================  =====================================================
junit              XML root ``<testsuites>`` or ``<testsuite>``
sarif              ``runs`` array, and ``version`` "2.1.0" or a SARIF ``$schema``
cyclonedx          ``bomFormat: "CycloneDX"``
spdx               ``spdxVersion`` starting ``SPDX-``, or no ``spdxVersion`` but
                   ``SPDXID: "SPDXRef-DOCUMENT"`` (early Trivy); or SPDX 3 JSON-LD (an
                   ``@context`` naming ``spdx.org/rdf/3`` and an ``@graph``);
                   or GitHub's REST API answer ``{"sbom": {SPDX 2.x}}``
                   (``gh api …/dependency-graph/sbom``), read as its document
trivy              ``SchemaVersion`` with ``ArtifactName`` or ``Results``
grype              ``matches`` array and ``descriptor`` (or ``ignoredMatches``)
pip-audit          ``dependencies`` array of ``{name, ...}`` and ``fixes``
detect-secrets     ``plugins_used`` and a ``results`` object
semgrep            ``results`` array, ``errors``, and ``paths`` or ``version``,
                   results carrying ``check_id``
bandit             ``results`` array, ``errors`` and ``metrics``
osv                ``id`` with ``affected``/``aliases``/``modified``; or
                   ``{"vulns": [...]}``; or an array of such records; or one
                   record in YAML (``pypa/advisory-database``), its values read
                   as the text written (an unquoted ``2.10`` stays "2.10")
osv-scanner        ``results`` array of ``{source|packageSource, packages}``
                   and no ``errors``; or ``{"results": []}`` alone or with
                   ``experimental_config`` (and osv-scanner's other top-level keys)
gitleaks           an array of objects with ``RuleID``; or ``[]``
checkov            ``check_type`` with ``results`` and ``summary`` objects, or an
                   array of those; or Checkov's bare summary (``checkov_version``
                   and only its counters)
golive-commands    ``schema: "golive.commands/v1"``
=================  =====================================================
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

from golive.core.policy.source import SourceError, parse_yaml
from golive.errors import EvidenceError
from golive.evidence._io import decode_text, is_wide_text, parse_json, parse_xml
from golive.evidence.checkov import is_checkov

FORMATS = (
    "junit",
    "sarif",
    "cyclonedx",
    "spdx",
    "trivy",
    "grype",
    "pip-audit",
    "detect-secrets",
    "semgrep",
    "bandit",
    "osv",
    "osv-scanner",
    "gitleaks",
    "checkov",
    "golive-commands",
)


@dataclass(frozen=True, slots=True)
class Detected:
    """A parsed document and the format it was recognised as."""

    format: str
    document: object  # a JSON value, or an ElementTree Element for XML


class UnknownFormat(EvidenceError):
    """The file parsed, but is not any evidence format golive reads."""


def _first_byte(data: bytes) -> bytes:
    for bom in (b"\xef\xbb\xbf",):
        if data.startswith(bom):
            data = data[len(bom) :]
    if is_wide_text(data):
        # UTF-16/32 text (JSON, or XML re-encoded by a Windows shell): its first character
        try:
            text = decode_text(data, "").lstrip("\ufeff \t\r\n")
        except EvidenceError:
            return b"{"  # the JSON parser names the problem
        return text[:1].encode("utf-8", "replace") if text[:1] in ("<", "{", "[") else b"{"
    stripped = data.lstrip()
    return stripped[:1]


def detect(data: bytes, source: str) -> Detected:
    """Parse ``data`` and name its format; raise :class:`EvidenceError` otherwise."""
    first = _first_byte(data)
    if not first:
        raise EvidenceError(source, "is empty")
    if first == b"<":
        root = parse_xml(data, source)
        return _detect_xml(root, source)
    if first in (b"{", b"["):
        value = _unwrap(parse_json(data, source))
        fmt = json_format(value)
        if fmt is None:
            raise UnknownFormat(source, _unknown_json(value))
        return Detected(fmt, value)
    return _detect_yaml(data, source)


#: An OSV record in YAML, as ``pypa/advisory-database`` keeps them: ``id:`` and one of the
#: record's other top-level keys, each at the start of a line. Anything else that is neither
#: JSON nor XML is not parsed at all (a log or a README in an evidence directory).
_OSV_YAML_ID = re.compile(rb"^id:[ \t]*\S", re.MULTILINE)
_OSV_YAML_KEY = re.compile(rb"^(?:affected|aliases|modified):", re.MULTILINE)


def _detect_yaml(data: bytes, source: str) -> Detected:
    if not (_OSV_YAML_ID.search(data) and _OSV_YAML_KEY.search(data)):
        raise UnknownFormat(source, "is neither JSON nor XML; not an evidence format golive reads")
    try:
        parsed = parse_yaml(decode_text(data, source).lstrip("\ufeff"), text_scalars=True)
    except SourceError as exc:
        problem = exc.problems[0]
        raise EvidenceError(
            source,
            f"line {problem.mark.line} column {problem.mark.column}: looks like an OSV record "
            f"in YAML, but {problem.message}",
        ) from None
    if not _osv_record(parsed.data):
        raise UnknownFormat(
            source, "is YAML but not an OSV record; not an evidence format golive reads"
        )
    return Detected("osv", parsed.data)


def _unwrap(value: object) -> object:
    """The SPDX document inside GitHub's dependency-graph SBOM API answer, else ``value``.

    ``GET /repos/{owner}/{repo}/dependency-graph/sbom`` answers ``{"sbom": {...}}``; the
    web page's "Export SBOM" gives the document alone. Both are the same SBOM.
    """
    if isinstance(value, dict) and len(value) == 1:
        inner = value.get("sbom")
        if isinstance(inner, dict) and str(inner.get("spdxVersion", "")).startswith("SPDX-"):
            return inner
    return value


def _detect_xml(root: ET.Element, source: str) -> Detected:
    tag = root.tag.rsplit("}", 1)[-1] if isinstance(root.tag, str) else ""
    if tag in {"testsuites", "testsuite"}:
        return Detected("junit", root)
    raise UnknownFormat(source, f"XML with root <{tag}> is not JUnit; no other XML is read")


def _unknown_json(value: object) -> str:
    if isinstance(value, dict):
        keys = ", ".join(sorted(str(k) for k in value)[:6])
        return f"JSON object with keys ({keys}) is not an evidence format golive reads"
    return "JSON of no evidence format golive reads"


def _is(d: dict[str, object], key: str, kind: type) -> bool:
    return isinstance(d.get(key), kind)


def _sarif(d: dict[str, object]) -> bool:
    schema = d.get("$schema")
    return _is(d, "runs", list) and (
        d.get("version") == "2.1.0" or (isinstance(schema, str) and "sarif" in schema.lower())
    )


def _spdx3(d: dict[str, object]) -> bool:
    context = d.get("@context")
    contexts = context if isinstance(context, list) else [context]
    return _is(d, "@graph", list) and any(
        isinstance(c, str) and "spdx.org/rdf/3" in c for c in contexts
    )


def _spdx_unversioned(d: dict[str, object]) -> bool:
    """An SPDX 2.x document that lacks ``spdxVersion``, as Trivy wrote them (its early SPDX
    JSON; spdx/tools-python keeps one among its invalid test data): the document's own
    ``SPDXID`` and the document-level fields around it."""
    return (
        "spdxVersion" not in d
        and d.get("SPDXID") == "SPDXRef-DOCUMENT"
        and ("documentNamespace" in d or "creationInfo" in d)
    )


def _trivy(d: dict[str, object]) -> bool:
    return "SchemaVersion" in d and ("ArtifactName" in d or "Results" in d)


def _grype(d: dict[str, object]) -> bool:
    return _is(d, "matches", list) and ("descriptor" in d or "ignoredMatches" in d)


def _pip_audit(d: dict[str, object]) -> bool:
    deps = d.get("dependencies")
    return (
        isinstance(deps, list)
        and "fixes" in d
        and all(isinstance(x, dict) and "name" in x for x in deps)
    )


def _semgrep(d: dict[str, object]) -> bool:
    results = d.get("results")
    if not isinstance(results, list) or "errors" not in d or "metrics" in d:
        return False
    if results:
        return all(isinstance(r, dict) and "check_id" in r for r in results[:5])
    return "paths" in d or "version" in d


def _bandit(d: dict[str, object]) -> bool:
    return _is(d, "results", list) and "errors" in d and _is(d, "metrics", dict)


_OSV_SCANNER_TOP = frozenset(
    {"results", "experimental_config", "image_metadata", "license_summary"}
)


def _osv_scanner(d: dict[str, object]) -> bool:
    results = d.get("results")
    if not isinstance(results, list) or "errors" in d:
        return False
    if not results:  # an empty report: only osv-scanner's own top-level keys
        return d.keys() <= _OSV_SCANNER_TOP
    return all(
        isinstance(r, dict)
        and ("packages" in r or "Packages" in r)
        and ("source" in r or "packageSource" in r)
        for r in results[:5]
    )


def _osv_record(d: object) -> bool:
    return (
        isinstance(d, dict)
        and isinstance(d.get("id"), str)
        and ("affected" in d or "aliases" in d or "modified" in d)
    )


_OBJECT_RULES: tuple[tuple[str, Callable[[dict[str, object]], bool]], ...] = (
    ("golive-commands", lambda d: d.get("schema") == "golive.commands/v1"),
    ("sarif", _sarif),
    ("cyclonedx", lambda d: d.get("bomFormat") == "CycloneDX"),
    (
        "spdx",
        lambda d: (
            str(d.get("spdxVersion", "")).startswith("SPDX-") or _spdx3(d) or _spdx_unversioned(d)
        ),
    ),
    ("trivy", _trivy),
    ("grype", _grype),
    ("pip-audit", _pip_audit),
    ("detect-secrets", lambda d: "plugins_used" in d and _is(d, "results", dict)),
    ("semgrep", _semgrep),
    ("bandit", _bandit),
    ("osv", lambda d: _osv_record(d) or (_is(d, "vulns", list) and len(d) <= 2)),
    ("osv-scanner", _osv_scanner),
    ("checkov", is_checkov),
)


def json_format(value: object) -> str | None:
    """The format of a parsed JSON document, or None."""
    if isinstance(value, dict):
        for name, rule in _OBJECT_RULES:
            if rule(value):
                return name
        return None
    if isinstance(value, list):
        if not value:
            return "gitleaks"
        if all(isinstance(x, dict) and "RuleID" in x for x in value):
            return "gitleaks"
        if all(_osv_record(x) for x in value):
            return "osv"
        if is_checkov(value):
            return "checkov"
    return None
