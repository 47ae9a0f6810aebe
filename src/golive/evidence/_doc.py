"""Typed, located access to a parsed JSON document, for the readers.

Every reader walks untrusted JSON through :class:`Doc`, which checks each
field's type and raises :class:`~golive.errors.EvidenceError` naming the file
and the field path (``runs[0].results[3].level``) instead of a ``KeyError`` or
``TypeError``. Strings are cleaned of control characters (terminal escapes in
a report must never reach a terminal).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from golive.errors import EvidenceError

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """``text`` without control characters other than tab and newline."""
    if text.isprintable():  # no control character at all (the common case, checked in C)
        return text
    return _CONTROL.sub("\ufffd", text)


class Doc:
    """A JSON value at a path inside an evidence file."""

    # The path is built only when an error needs it: a child keeps its parent and its step,
    # so walking 100,000 results does not build 3,000,000 path strings.
    __slots__ = ("_parent", "_prefix", "_step", "source", "value")

    def __init__(
        self,
        value: object,
        source: str,
        path: str = "",
        parent: Doc | None = None,
        step: str = "",
    ) -> None:
        self.value = value
        self.source = source
        self._prefix = path
        self._parent = parent
        self._step = step

    @property
    def path(self) -> str:
        """Where this value is, e.g. ``runs[0].results[3].level``."""
        steps: list[str] = []
        node: Doc | None = self
        while node is not None and node._parent is not None:
            steps.append(node._step)
            node = node._parent
        text = node._prefix if node is not None else ""
        for step in reversed(steps):
            if step.startswith("["):
                text += step
            else:
                text = f"{text}.{step}" if text else step
        return text

    def fail(self, message: str) -> EvidenceError:
        path = self.path
        where = f"{path}: " if path else ""
        return EvidenceError(self.source, f"{where}{message}")

    def _child(self, value: object, step: str) -> Doc:
        return Doc(value, self.source, "", self, step)

    # -- shape -----------------------------------------------------------
    def is_obj(self) -> bool:
        return isinstance(self.value, dict)

    def is_list(self) -> bool:
        return isinstance(self.value, list)

    def is_null(self) -> bool:
        return self.value is None

    def has(self, key: str) -> bool:
        return isinstance(self.value, dict) and key in self.value

    def obj(self) -> dict[str, object]:
        if not isinstance(self.value, dict):
            raise self.fail(f"expected an object, found {_kind(self.value)}")
        return self.value

    def get(self, key: str) -> Doc:
        """The member ``key``: a null Doc when absent or when this Doc is null.

        Any other non-object value here is an error naming the path.
        """
        value = self.value
        if type(value) is dict:
            return Doc(value.get(key), self.source, "", self, key)
        if value is None:
            return Doc(None, self.source, "", self, key)
        return self._child(self.obj().get(key), key)

    def items(self) -> Iterator[Doc]:
        """Elements of an array; an absent or null value gives no elements."""
        if self.value is None:
            return
        if not isinstance(self.value, list):
            raise self.fail(f"expected an array, found {_kind(self.value)}")
        for i, v in enumerate(self.value):
            yield self._child(v, f"[{i}]")

    def members(self) -> Iterator[tuple[str, Doc]]:
        """Key and value of an object's members; absent or null gives none."""
        if self.value is None:
            return
        for k, v in self.obj().items():
            yield k, self._child(v, k)

    def element(self, index: int, value: object) -> Doc:
        """Element ``index`` (holding ``value``) of this array, which must be an object."""
        item = self._child(value, f"[{index}]")
        item.obj()
        return item

    def objects(self) -> Iterator[Doc]:
        """Elements of an array that must each be an object."""
        for item in self.items():
            item.obj()
            yield item

    # -- scalars -----------------------------------------------------------
    def text(self, default: str = "") -> str:
        """A string; absent or null gives ``default``; numbers are written out."""
        v = self.value
        if v is None:
            return default
        if isinstance(v, str):
            return clean(v)
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return str(v)
        raise self.fail(f"expected a string, found {_kind(v)}")

    def opt_text(self) -> str | None:
        """A non-empty string or None."""
        text = self.text()
        return text or None

    def integer(self, default: int = 0) -> int:
        """An integer (or integral string); absent, null or unreadable gives ``default``."""
        return as_integer(self.value, default)

    def flag(self) -> bool | None:
        v = self.value
        return v if isinstance(v, bool) else None

    def texts(self) -> tuple[str, ...]:
        """An array of strings (non-strings skipped); a lone string counts as one."""
        if isinstance(self.value, str):
            return (clean(self.value),) if self.value else ()
        return tuple(clean(i.value) for i in self.items() if isinstance(i.value, str) and i.value)


def as_integer(v: object, default: int = 0) -> int:
    """:meth:`Doc.integer` of a plain value (for readers' fast paths)."""
    if type(v) is int:
        return v
    if isinstance(v, bool) or v is None:
        return default
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    if isinstance(v, str):
        try:
            return int(v.strip())
        except ValueError:
            return default
    return default


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
