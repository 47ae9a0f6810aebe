"""Evidence readers: report files in, typed facts (:mod:`golive.core.findings`) out.

One module per format; :mod:`golive.evidence.detect` picks the module by
content. :func:`read_path` and :func:`read_bytes` are the entry points; both
raise :class:`~golive.errors.EvidenceError` (exit 2) for anything unusable,
never another exception. See docs/evidence.md.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from golive.core.findings import CommandReport, Evidence, ScanReport
from golive.errors import EvidenceError
from golive.evidence import (
    bandit,
    checkov,
    commands,
    cyclonedx,
    detect_secrets,
    gitleaks,
    grype,
    junit,
    osv,
    pip_audit,
    sarif,
    semgrep,
    spdx,
    trivy,
)
from golive.evidence._doc import Doc
from golive.evidence._io import DEFAULT_MAX_BYTES, read_limited
from golive.evidence.detect import UnknownFormat, detect

__all__ = [
    "DEFAULT_MAX_BYTES",
    "Loaded",
    "UnknownFormat",
    "iter_files",
    "read_bytes",
    "read_path",
]

_JSON_READERS: dict[str, Callable[[Doc], ScanReport | CommandReport]] = {
    "golive-commands": commands.read,
    "sarif": sarif.read,
    "cyclonedx": cyclonedx.read,
    "spdx": spdx.read,
    "trivy": trivy.read,
    "grype": grype.read,
    "pip-audit": pip_audit.read,
    "detect-secrets": detect_secrets.read,
    "semgrep": semgrep.read,
    "bandit": bandit.read,
    "osv": osv.read,
    "osv-scanner": osv.read_scanner,
    "gitleaks": gitleaks.read,
    "checkov": checkov.read,
}


@dataclass(frozen=True, slots=True)
class Loaded:
    """An evidence file read: its facts and the SHA-256 of its bytes."""

    path: str
    sha256: str
    evidence: Evidence


def read_bytes(data: bytes, source: str) -> Evidence:
    """Facts of one evidence document given as bytes; ``source`` names it in messages."""
    found = detect(data, source)
    if found.format == "junit":
        import xml.etree.ElementTree as ET

        assert isinstance(found.document, ET.Element)
        report = junit.read(found.document, source)
        stamps = [s.timestamp for s in report.suites if s.timestamp]
        return dataclasses.replace(report, produced_at=max(stamps) if stamps else None)
    doc = Doc(found.document, source)
    if found.format == "spdx" and doc.has("@graph"):
        result: ScanReport | CommandReport = spdx.read_v3(doc)
    else:
        result = _JSON_READERS[found.format](doc)
    if isinstance(result, ScanReport) and result.produced_at is None:
        stamp = _produced_at(found.format, doc)
        if stamp:
            result = dataclasses.replace(result, produced_at=stamp)
    return result


def _produced_at(fmt: str, doc: Doc) -> str | None:
    """When the report says it was made, where its format records that; None otherwise."""
    try:
        if fmt == "sarif":
            stamps = [
                t
                for run in doc.get("runs").objects()
                for inv in run.get("invocations").objects()
                for t in (inv.get("endTimeUtc").opt_text(), inv.get("startTimeUtc").opt_text())
                if t
            ]
            return max(stamps) if stamps else None
        path = _TIME_FIELDS.get(fmt)
        if path is None:
            return None
        node = doc
        for step in path:
            node = node.get(step)
        return node.opt_text()
    except EvidenceError:
        return None


_TIME_FIELDS: dict[str, tuple[str, ...]] = {
    "cyclonedx": ("metadata", "timestamp"),
    "spdx": ("creationInfo", "created"),
    "trivy": ("CreatedAt",),
    "grype": ("descriptor", "timestamp"),
    "bandit": ("generated_at",),
    "detect-secrets": ("generated_at",),
}


def read_path(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, name: str | None = None) -> Loaded:
    """Read, detect and parse one evidence file, refusing files over ``max_bytes``.

    ``name`` is what the facts call the file (a finding's ``source``); a decision passes the
    name it shows, so that no machine path reaches a decision. Errors always name ``path``.
    """
    import hashlib

    data = read_limited(path, max_bytes)
    try:
        evidence = read_bytes(data, name or str(path))
    except EvidenceError as exc:
        if name is None or exc.source == str(path):
            raise
        raise type(exc)(str(path), exc.detail) from None
    return Loaded(path=str(path), sha256=hashlib.sha256(data).hexdigest(), evidence=evidence)


def iter_files(path: Path) -> Iterator[Path]:
    """``path`` itself, or every regular file under a directory in sorted order.

    Hidden files are included (``.secrets.baseline``); hidden directories
    (``.git``) and symbolic links to directories are not entered.
    """
    if not path.is_dir():
        yield path
        return
    for root, dirs, files in os.walk(path, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            yield Path(root) / name


__all__ += ["EvidenceError"]
