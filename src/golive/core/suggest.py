""" "Did you mean ...?" for every place golive names what it expected."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice ``word`` most likely meant: a close spelling, a case slip, or a prefix."""
    options = sorted(set(choices))
    found = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if found:
        return found[0]
    lowered = word.lower()
    for option in options:
        if option.lower() == lowered:
            return option
    prefixed = [o for o in options if len(word) >= 3 and o.lower().startswith(lowered)]
    return prefixed[0] if len(prefixed) == 1 else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"did you mean 'x'?"``, or an empty string when nothing is close."""
    match = closest(word, choices)
    return f"did you mean '{match}'?" if match else ""
