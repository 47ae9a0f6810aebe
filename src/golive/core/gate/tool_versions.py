"""Minimum tool versions (checklist case 43: a scanner upgrade flips the verdict).

A scan part's ``min_versions`` pins the oldest version of a tool whose report counts: the
rules a scanner applies change between releases (oasdiff 1.30 reports breaking changes that
1.29 missed; gitleaks 8.26 reads ``.gitleaksignore`` differently), so a verdict reached by an
older tool than the team decided on proves less than it says. Versions compare by their
numbers (``v1.30`` equals ``1.30.0``); a pre-release (``1.30.0-rc1``) is older than its
release.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from golive.core.gate.model import EvidenceItem

_VERSION = re.compile(r"^\s*v?(\d+(?:\.\d+)*)(-\S+)?")


def version_key(text: str | None) -> tuple[int, ...] | None:
    """A sortable key of a version, or ``None`` when ``text`` has no version number."""
    match = _VERSION.match(text or "")
    if match is None:
        return None
    numbers = [int(x) for x in match.group(1).split(".")]
    numbers += [0] * (4 - len(numbers))
    return (*numbers, 0 if match.group(2) else 1)


def too_old(items: Iterable[EvidenceItem], min_versions: Mapping[str, str]) -> list[str]:
    """One sentence for each report made by a tool older than its pinned minimum."""
    pins = {tool.lower(): version for tool, version in min_versions.items()}
    problems: list[str] = []
    for item in items:
        wanted = pins.get(item.tool.lower())
        if wanted is None:
            continue
        have = item.tool_version
        have_key, wanted_key = version_key(have), version_key(wanted)
        if have_key is None:
            problems.append(
                f"{item.path}: made by {item.tool} of an unknown version "
                f"({have or 'none recorded'}); the policy needs {item.tool} {wanted} or later"
            )
        elif wanted_key is not None and have_key < wanted_key:
            problems.append(
                f"{item.path}: made by {item.tool} {have}, older than {wanted}, the oldest "
                "version the policy accepts (min_versions)"
            )
    return problems
