"""Semantic versions (semver.org 2.0.0): parsing, tag prefixes and what counts as a major bump."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)


@dataclass(frozen=True, slots=True, order=True)
class Version:
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
    m = _SEMVER.match(text)
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
