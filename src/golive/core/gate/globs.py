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
        elif c == "[" and (found := _bracket(pattern, i)) is not None:
            regex, i = found
            out.append(regex)
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def _bracket(pattern: str, i: int) -> tuple[str, int] | None:
    """The regular expression for the set that opens at ``pattern[i]`` (``[``) and the
    index after it, or None when it never closes (the ``[`` is then literal).

    As in git's wildmatch: ``!`` or ``^`` first negates; a ``]`` first (after any ``!``) is
    a member, so ``[]]`` and ``[!]]`` are sets; ``a-z`` is a range, and a reversed one
    (``z-a``) matches nothing; every other character, ``\\`` included, is a member as it
    is. A set left empty matches nothing, its negation any character."""
    j = i + 1
    negate = pattern.startswith(("!", "^"), j)
    if negate:
        j += 1
    first = j
    if pattern.startswith("]", j):
        j += 1
    end = pattern.find("]", j)
    if end == -1:
        return None
    body = pattern[first:end]
    members: list[str] = []
    k = 0
    while k < len(body):
        if k + 2 < len(body) and body[k + 1] == "-":
            low, high = body[k], body[k + 2]
            if low <= high:
                members.append(f"{re.escape(low)}-{re.escape(high)}")
            k += 3
        else:
            members.append(re.escape(body[k]))
            k += 1
    if not members:
        return ("." if negate else "(?!)"), end + 1
    return "[" + ("^" if negate else "") + "".join(members) + "]", end + 1


def matches(pattern: str, name: str) -> bool:
    """True when ``name`` (a branch, tag or path) matches ``pattern`` as a whole."""
    return compile_glob(pattern).match(name) is not None


def first_match(patterns: list[str] | tuple[str, ...], name: str) -> str | None:
    """The first pattern that ``name`` matches, else ``None``."""
    return next((p for p in patterns if matches(p, name)), None)
