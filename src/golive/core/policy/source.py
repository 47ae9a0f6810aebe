"""Read YAML text into plain data plus the position of every field.

Why not ``yaml.safe_load``: it forgets where things were, accepts duplicate keys
(the last silently wins), expands aliases without limit (a "billion laughs" file
takes the process down) and applies YAML 1.1 scalar rules, under which ``no``
(Norway) and ``off`` become booleans and ``1:30`` becomes 5400.

This reader composes the node graph with PyYAML's safe composer, then builds
the data itself with YAML 1.2 core-schema scalars, refusing duplicate keys,
bounding alias expansion, and recording ``path -> (line, column)`` for every
mapping key and sequence item. Pure: it takes text, not a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[str | int, ...]

#: Most nodes one document may expand to through anchors and aliases.
MAX_NODES = 100_000

_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$")
_OCT = re.compile(r"^0o[0-7]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$")
_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True, slots=True)
class Mark:
    """A 1-based position in the source text."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class SourceProblem:
    """Why the text is not a usable YAML document, and where."""

    message: str
    mark: Mark
    hint: str = ""


class SourceError(Exception):
    """The text cannot be read as one YAML document; carries the problems found."""

    def __init__(self, problems: list[SourceProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass
class Document:
    """Plain data (dicts, lists, str, int, float, bool, None) and where each part stands."""

    data: Any
    marks: dict[Path, Mark] = field(default_factory=dict)

    def mark_of(self, path: Path) -> Mark:
        """The position of ``path``, or of its nearest ancestor that has one."""
        probe = tuple(path)
        while probe:
            if probe in self.marks:
                return self.marks[probe]
            probe = probe[:-1]
        return self.marks.get((), Mark(1, 1))


def format_path(path: Path) -> str:
    """``("gates", 3, "params", "max_severity")`` -> ``gates[3].params.max_severity``."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += f".{step}" if out else step
    return out


def _mark(node: Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def _scalar(node: ScalarNode) -> Any:
    """Resolve a scalar by the YAML 1.2 core schema; quoted and block scalars stay strings."""
    text: str = node.value
    if node.style in ("'", '"', "|", ">"):
        return text
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.match(text):
        return int(text.replace("_", ""))
    if _OCT.match(text):
        return int(text[2:], 8)
    if _HEX.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text) and any(c.isdigit() for c in text):
        return float(text.replace("_", ""))
    return _SPECIAL_FLOATS.get(text, text)


_SPECIAL_FLOATS: dict[str, float] = {
    **dict.fromkeys((".inf", "+.inf", ".Inf", "+.Inf", ".INF", "+.INF"), float("inf")),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), float("-inf")),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), float("nan")),
}


class _Builder:
    def __init__(self, text_scalars: bool = False) -> None:
        self.text_scalars = text_scalars
        self.marks: dict[Path, Mark] = {}
        self.count = 0
        self.problems: list[SourceProblem] = []
        self.aliased = False
        self._seen: set[int] = set()
        self._top = Mark(1, 1)
        self._open: set[int] = set()

    def build(self, node: Node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise SourceError(
                [
                    SourceProblem(
                        f"the document expands to more than {MAX_NODES:,} nodes through anchors "
                        "and aliases; refused (this is how a YAML bomb works)",
                        self._top,
                        "write the repeated parts out, or reference fewer anchors",
                    )
                ]
            )
        if id(node) in self._seen and isinstance(node, (MappingNode, SequenceNode)):
            self.aliased = True
        self._seen.add(id(node))
        if isinstance(node, ScalarNode):
            if self.text_scalars:  # every value as written; only an empty value is None
                return None if node.style is None and node.value in _NULLS else node.value
            return _scalar(node)
        if id(node) in self._open:
            raise SourceError(
                [
                    SourceProblem(
                        "an alias refers to a node that contains it; a policy cannot be "
                        "an infinite structure",
                        self._top,
                        "remove the alias that points at its own parent",
                    )
                ]
            )
        self._open.add(id(node))
        try:
            return self._collection(node, path)
        finally:
            self._open.discard(id(node))

    def _collection(self, node: Node, path: Path) -> Any:
        if isinstance(node, SequenceNode):
            items: list[Any] = []
            for index, child in enumerate(node.value):
                self.marks.setdefault((*path, index), _mark(child))
                items.append(self.build(child, (*path, index)))
            return items
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        raise SourceError([SourceProblem("unsupported YAML node", _mark(node))])  # pragma: no cover

    def _mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        explicit: dict[str, Mark] = {}
        merged: list[dict[str, Any]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.extend(self._merge_sources(value_node, path))
                continue
            if not isinstance(key_node, ScalarNode):
                self.problems.append(
                    SourceProblem(
                        "a mapping key must be a plain value, not a list or mapping",
                        _mark(key_node),
                    )
                )
                continue
            raw_key = _scalar(key_node)
            key = raw_key if isinstance(raw_key, str) else key_node.value
            if key in explicit:
                first = explicit[key]
                self.problems.append(
                    SourceProblem(
                        f"duplicate key '{key}' (first defined at line {first.line})",
                        _mark(key_node),
                        "remove one of the two; YAML keeps only the last and hides the first",
                    )
                )
                continue
            explicit[key] = _mark(key_node)
            self.marks[(*path, key)] = _mark(key_node)
            if not path:
                self._top = _mark(key_node)
            result[key] = self.build(value_node, (*path, key))
        for source in merged:
            for key, value in source.items():
                result.setdefault(key, value)
        return result

    def _merge_sources(self, node: Node, path: Path) -> list[dict[str, Any]]:
        nodes = node.value if isinstance(node, SequenceNode) else [node]
        sources: list[dict[str, Any]] = []
        for item in nodes:
            if not isinstance(item, MappingNode):
                self.problems.append(SourceProblem("'<<' merges only mappings", _mark(item)))
                continue
            sources.append(self._mapping(item, path))
        return sources


def _tab_problems(text: str) -> list[SourceProblem]:
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip(" ")
        if stripped.startswith("\t"):
            column = len(line) - len(stripped) + 1
            problems.append(
                SourceProblem(
                    "a tab character is used for indentation; YAML allows only spaces",
                    Mark(number, column),
                    "replace the tab with spaces (two per level is usual)",
                )
            )
    return problems


def parse_yaml(text: str, *, text_scalars: bool = False) -> Document:
    """Parse ``text`` as exactly one YAML document with positions.

    Raises :class:`SourceError` with every problem found (tabs, syntax,
    duplicate keys, more than one document, alias bombs). With ``text_scalars``
    every value stays the text it was written as (``2.10`` is "2.10", not 2.1;
    ``yes`` is "yes"), except a null (``~``, ``null``, empty), which is None:
    for data whose values are all text, such as OSV records.
    """
    tabs = _tab_problems(text)
    if tabs:
        raise SourceError(tabs)
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Mark(mark.line + 1, mark.column + 1) if mark else Mark(1, 1)
        problem = (exc.problem or "invalid YAML").strip()
        context = f" ({exc.context.strip()})" if exc.context else ""
        started = exc.context_mark
        if started is not None and mark is not None and started.line != mark.line:
            context = f" ({(exc.context or 'while parsing').strip()} that starts at line "
            context += f"{started.line + 1})"
        raise SourceError([SourceProblem(f"invalid YAML: {problem}{context}", where)]) from None
    except yaml.YAMLError as exc:
        raise SourceError([SourceProblem(f"invalid YAML: {exc}", Mark(1, 1))]) from None
    except RecursionError:
        raise SourceError([_too_deep()]) from None
    documents = [n for n in nodes if n is not None]
    if not documents:
        return Document(data=None, marks={(): Mark(1, 1)})
    if len(documents) > 1:
        raise SourceError(
            [
                SourceProblem(
                    f"the file holds {len(documents)} YAML documents; a policy is exactly one",
                    _mark(documents[1]),
                    "remove the '---' separator and merge the documents, or split the files",
                )
            ]
        )
    builder = _Builder(text_scalars)
    root = documents[0]
    builder.marks[()] = _mark(root)
    try:
        data = builder.build(root, ())
    except RecursionError:
        raise SourceError([_too_deep()]) from None
    if builder.problems:
        raise SourceError(builder.problems)
    return Document(data=data, marks=builder.marks)


def _too_deep() -> SourceProblem:
    return SourceProblem(
        "the document nests lists and mappings too deeply to read",
        Mark(1, 1),
        "flatten the structure; no real document nests hundreds of levels",
    )
