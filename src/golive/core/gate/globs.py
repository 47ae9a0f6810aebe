"""Glob patterns with GitHub's semantics, as regular expressions.

Branch and tag patterns (environment ``branches``/``tags``, freeze ``branches``) follow
GitHub's filter syntax: ``*`` matches any run of characters except ``/``, ``**`` matches any
run including ``/``, ``?`` one character except ``/``, ``[abc]`` one of the set, and ``\\``
makes the next character literal. The whole name must match. Path patterns (``public_api``,
``schemas``, ``config_scan.paths``) use the same rules, with ``**/`` also matching no
directory at all (``**/x.yaml`` matches ``x.yaml``).
"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=1024)
def compile_glob(pattern: str) -> re.Pattern[str]:
    """The anchored regular expression for ``pattern``."""
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:  # an escaped character is literal: \* \? \[
            out.append(re.escape(pattern[i + 1]))
            i += 2
        elif pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
                i += 1
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def matches(pattern: str, name: str) -> bool:
    """True when ``name`` (a branch, tag or path) matches ``pattern`` as a whole."""
    return compile_glob(pattern).match(name) is not None


def first_match(patterns: list[str] | tuple[str, ...], name: str) -> str | None:
    """The first pattern that ``name`` matches, else ``None``."""
    return next((p for p in patterns if matches(p, name)), None)
