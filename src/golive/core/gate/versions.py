"""Semantic versions (semver.org 2.0.0): parsing, tag prefixes and what counts as a major bump."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)


@dataclass(frozen=True, slots=True)
class Version:
    """A semantic version. Compare precedence with :func:`precedence` (semver §11), never
    with the fields' order: a pre-release sorts before its release, numeric identifiers
    compare as numbers, and build metadata does not count."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: str = ""

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        return text + (f"+{self.build}" if self.build else "")


def parse(text: str) -> Version | None:
    """A :class:`Version`, or ``None`` when ``text`` is not a semantic version."""
    m = _SEMVER.fullmatch(text)  # fullmatch: "$" alone would accept a trailing newline
    if m is None:
        return None
    pre = tuple(m.group(4).split(".")) if m.group(4) else ()
    return Version(int(m.group(1)), int(m.group(2)), int(m.group(3)), pre, m.group(5) or "")


def strip_prefix(tag: str, prefix: str) -> str | None:
    tag = tag.removeprefix("refs/tags/")
    return tag[len(prefix) :] if tag.startswith(prefix) else None


def is_major_bump(old: Version, new: Version) -> bool:
    """True when ``new`` may carry breaking changes after ``old`` (semver §8, §4)."""
    if old.major == 0 and new.major == 0:
        return new.minor > old.minor
    return new.major > old.major


def precedence(version: Version) -> tuple[object, ...]:
    """A sort key giving semver §11 precedence: ``sorted(versions, key=precedence)``.

    ``1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta < 1.0.0-beta.2 <
    1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0``; ``1.0.0+a`` and ``1.0.0+b`` have equal precedence.
    """
    core = (version.major, version.minor, version.patch)
    if not version.prerelease:
        return (*core, 1, ())
    # numeric identifiers sort before alphanumeric ones, and by value among themselves
    ids = tuple((0, int(i), "") if i.isdigit() else (1, 0, i) for i in version.prerelease)
    return (*core, 0, ids)
