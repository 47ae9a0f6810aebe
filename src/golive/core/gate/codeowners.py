"""CODEOWNERS files, parsed and matched the way GitHub (or GitLab) does.

GitHub (``.github/CODEOWNERS``, ``CODEOWNERS``, ``docs/CODEOWNERS``; the first found wins):

- the **last** matching line wins; a line with a pattern and no owners makes the path
  *unowned*, which is not the same as *unmatched* (no line matches);
- patterns are gitignore-like: ``docs/*`` matches ``docs/a.md`` but not ``docs/a/b.md``;
  ``apps/`` matches an ``apps`` directory at any depth; ``/docs/`` only at the root;
  matching is case-sensitive; ``\\ `` escapes a space;
- GitHub rejects ``!`` negation, ``[ ]`` ranges, ``\\#`` escapes, owners that are neither
  ``@user``, ``@org/team`` nor an e-mail address, and (as it once did) a trailing ``#``
  comment; such a line is skipped and reported with its line number.

GitLab (``.gitlab/CODEOWNERS``, or any file with ``[Section]`` headers): every section is
evaluated on its own (last match within the section); ``^[Section]`` is optional;
``[Section][N]`` needs N approvals; owners on the header line are the section's defaults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from golive.core.gate.globs import compile_glob

LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
DEFAULT_SECTION = ""

_OWNER = re.compile(r"^@[A-Za-z0-9](?:[A-Za-z0-9-]*)(?:/[A-Za-z0-9._-]+)?$|^[^@\s]+@[^@\s]+\.\w+$")
_SECTION = re.compile(r"^(\^)?\[([^\]]+)\](?:\[(\d+)\])?\s*(.*)$")


@dataclass(frozen=True, slots=True)
class Rule:
    line: int
    pattern: str
    owners: tuple[str, ...]
    section: str = DEFAULT_SECTION
    regex: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    optional: bool = False
    approvals: int = 1


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class CodeOwners:
    path: str
    rules: tuple[Rule, ...]
    sections: tuple[Section, ...]
    problems: tuple[Problem, ...]
    dialect: str  # github or gitlab

    def owner_of(self, path: str, section: str = DEFAULT_SECTION) -> Rule | None:
        """The last rule of ``section`` matching ``path`` (an owner-less rule: unowned)."""
        for rule in reversed(self.rules):  # the last match wins: look from the end
            if rule.section == section and rule.regex is not None and rule.regex.match(path):
                return rule
        return None


def parse(text: str, path: str = "CODEOWNERS") -> CodeOwners:
    """Parse a CODEOWNERS file; invalid lines become :class:`Problem` values, not exceptions."""
    gitlab = path.startswith(".gitlab/") or any(
        _SECTION.match(line.strip()) and not line.strip().startswith("[!")
        for line in text.splitlines()
        if line.strip().startswith(("[", "^["))
    )
    rules: list[Rule] = []
    problems: list[Problem] = []
    sections: dict[str, Section] = {DEFAULT_SECTION: Section(DEFAULT_SECTION)}
    section = DEFAULT_SECTION
    defaults: tuple[str, ...] = ()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if gitlab:
            header = _SECTION.match(line)
            if header and line.startswith(("[", "^[")):
                name = header.group(2).strip().lower()  # names are case-insensitive
                optional = header.group(1) is not None
                count = int(header.group(3)) if header.group(3) else 1
                prev = sections.get(name)
                sections[name] = Section(
                    name,
                    optional and (prev.optional if prev else True),
                    max(count, prev.approvals if prev else 1),
                )
                section = name
                defaults = tuple(header.group(4).split()) if header.group(4) else ()
                continue
        tokens = _split(line)
        pattern, owners = tokens[0], tuple(tokens[1:])
        message = _invalid(pattern, owners, line, gitlab)
        if message:
            problems.append(Problem(number, message))
            continue
        if gitlab and not owners:
            owners = defaults
        rules.append(Rule(number, pattern, owners, section, _regex(pattern)))
    return CodeOwners(
        path=path,
        rules=tuple(rules),
        sections=tuple(sections.values()),
        problems=tuple(problems),
        dialect="gitlab" if gitlab else "github",
    )


def _split(line: str) -> list[str]:
    """Split on unescaped whitespace; ``\\ `` keeps a space in a pattern."""
    parts: list[str] = []
    current = ""
    i = 0
    while i < len(line):
        c = line[i]
        if c == "\\" and i + 1 < len(line) and line[i + 1] == " ":
            current += " "
            i += 2
            continue
        if c.isspace():
            if current:
                parts.append(current)
                current = ""
        else:
            current += c
        i += 1
    if current:
        parts.append(current)
    return parts


def _invalid(pattern: str, owners: tuple[str, ...], line: str, gitlab: bool) -> str:
    if pattern.startswith("!"):
        return f"'{pattern}': negation with '!' is not supported"
    if pattern.startswith("\\#"):
        return f"'{pattern}': the '\\#' escape is not supported"
    if not gitlab and ("[" in pattern or "]" in pattern):
        return f"'{pattern}': character ranges '[ ]' are not supported"
    for owner in owners:
        if owner.startswith("#"):
            return "an inline comment after the owners (GitHub has rejected this line)"
        if gitlab and owner.startswith("@@"):
            continue  # GitLab role owners such as @@maintainer
        if not _OWNER.match(owner):
            return f"owner '{owner}' is not @user, @org/team or an e-mail address"
    return ""


def _regex(pattern: str) -> re.Pattern[str]:
    """GitHub's CODEOWNERS matching (gitignore rules, with GitHub's ``docs/*`` exception).

    A pattern with no slash but a trailing one matches at any depth; a leading or middle slash
    anchors it at the root. A pattern naming a file or directory also owns everything under
    it, except that a last segment that is a lone ``*`` matches direct children only
    (``docs/*``, ``/*``). A trailing slash matches directories only. ``\\*`` and ``\\?`` are
    literal. Checked against the pattern table of hmarr/codeowners (tests).
    """
    directory = pattern.endswith("/")
    body = pattern.rstrip("/")
    anchored = body.startswith("/") or "/" in body
    body = body.lstrip("/")
    if body in ("*", "**"):
        if not anchored and not directory:
            return re.compile(r".*\Z", re.DOTALL)  # everything
        if body == "*" and directory:
            return re.compile(r"[^/]+/.*\Z", re.DOTALL)  # /*/: under any root directory
        if body == "*":
            return re.compile(r"[^/]+\Z", re.DOTALL)  # /*: files at the root only
    inner = compile_glob(body).pattern.removesuffix(r"\Z")
    prefix = "" if anchored else "(?:.*/)?"
    last = body.rsplit("/", 1)[-1]
    if directory:
        suffix = "" if last == "**" else "/.*"
    elif last == "*":
        suffix = ""  # docs/* matches files directly under docs/ only
    else:
        suffix = "(?:/.*)?"  # a file, or a directory and everything under it
    return re.compile(prefix + inner + suffix + r"\Z", re.DOTALL)
