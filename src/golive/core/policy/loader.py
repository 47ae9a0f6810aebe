"""Turn policy text into a validated :class:`Policy`, or into diagnostics a person can act on.

Every problem is reported at once, each as ``file:line:col``, the field path
(``gates[3].params.max_severity``), a message and, where golive can guess, a
hint ("did you mean `max_severity`?"). Nothing here touches the file system:
the caller hands in text (see :mod:`golive.services.policies`).
"""

from __future__ import annotations

import hashlib
import json
import re
import types
import typing
from dataclasses import dataclass
from typing import Any, TypeVar, Union

from pydantic import BaseModel, ValidationError

from golive.core.policy import checks
from golive.core.policy.model import API_VERSION, Policy
from golive.core.policy.source import Document, Mark, Path, SourceError, format_path, parse_yaml
from golive.core.suggest import did_you_mean
from golive.errors import Diagnostic, PolicyError


@dataclass(frozen=True)
class LoadedPolicy:
    """A validated policy, the name it was read from, its digest and any warnings."""

    policy: Policy
    file: str
    digest: str
    warnings: tuple[Diagnostic, ...] = ()


def canonical_json(policy: Policy) -> bytes:
    """The canonical form the digest is taken over.

    The validated model as JSON: field names as written in policies, values equal to their
    defaults left out, durations and thresholds in one spelling each, keys sorted, no
    whitespace. Comments, key order, YAML style, equivalent spellings (``48h`` and ``2d``)
    and writing out a default therefore do not change the digest; any change in meaning
    does. Leaving defaults out also keeps a digest stable when a later golive adds an
    optional field the policy does not use, so a pinned digest (``--policy-digest``)
    survives the upgrade; the golive version that decided is recorded beside it.
    """
    data = policy.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def policy_digest(policy: Policy) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(policy)).hexdigest()


def load_policy_text(text: str, file: str) -> LoadedPolicy:
    """Parse and validate one policy; raise :class:`PolicyError` with every problem found."""
    try:
        document = parse_yaml(text)
    except SourceError as exc:
        raise PolicyError(
            [
                Diagnostic(file, p.mark.line, p.mark.column, p.message, hint=p.hint)
                for p in exc.problems
            ]
        ) from None
    _check_shape(document, file)
    try:
        policy = Policy.model_validate(document.data)
    except ValidationError as exc:
        diagnostics = [_diagnostic(error, document, file) for error in exc.errors()]
        raise PolicyError(_sorted(_unique(diagnostics))) from None
    found = checks.check(policy)
    errors = [_from_issue(i, document, file) for i in found if i.severity == "error"]
    if errors:
        raise PolicyError(_sorted(errors))
    warnings = tuple(_sorted([_from_issue(i, document, file) for i in found]))
    return LoadedPolicy(policy, file, policy_digest(policy), warnings)


M = TypeVar("M", bound=BaseModel)


def validate_yaml(text: str, file: str, model: type[M], *, what: str) -> M:
    """Parse YAML (or JSON) ``text`` and validate it as ``model``, with policy-style diagnostics.

    Every input file golive reads besides the policy (waivers, rosters, records) goes through
    here, so its errors name the file, line, column and field the same way. ``what`` names the
    kind of file in the message for an empty or non-mapping document.
    """
    try:
        document = parse_yaml(text)
    except SourceError as exc:
        raise PolicyError(
            [
                Diagnostic(file, p.mark.line, p.mark.column, p.message, hint=p.hint)
                for p in exc.problems
            ]
        ) from None
    if not isinstance(document.data, dict):
        found = "empty" if document.data is None else "not a mapping"
        raise PolicyError([Diagnostic(file, 1, 1, f"{what} must be a mapping, but it is {found}")])
    try:
        return model.model_validate(document.data)
    except ValidationError as exc:
        diagnostics = [_diagnostic(e, document, file, model) for e in exc.errors()]
        raise PolicyError(_sorted(_unique(diagnostics))) from None


def _check_shape(document: Document, file: str) -> None:
    data = document.data
    if data is None:
        raise PolicyError(
            [
                Diagnostic(
                    file,
                    1,
                    1,
                    "the file is empty; a policy starts with 'apiVersion: golive/v1'",
                    hint="run 'golive init' for a commented starter policy",
                )
            ]
        )
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({data!r})"
        raise PolicyError(
            [Diagnostic(file, 1, 1, f"a policy is a mapping of sections, but this file is {kind}")]
        )
    version = data.get("apiVersion")
    if version is None:
        raise PolicyError(
            [
                Diagnostic(
                    file,
                    1,
                    1,
                    "missing 'apiVersion'; golive cannot tell which policy language this is",
                    path="apiVersion",
                    hint=f"add 'apiVersion: {API_VERSION}' as the first line",
                )
            ]
        )
    if version != API_VERSION:
        mark = document.mark_of(("apiVersion",))
        raise PolicyError(
            [
                Diagnostic(
                    file,
                    mark.line,
                    mark.column,
                    f"apiVersion '{version}' is not one this golive reads",
                    path="apiVersion",
                    hint=f"this golive reads '{API_VERSION}'",
                )
            ]
        )


# ---------------------------------------------------------------------------------------------
# pydantic errors -> diagnostics
# ---------------------------------------------------------------------------------------------


def _data_path(loc: tuple[int | str, ...], data: Any) -> Path:
    """Drop pydantic's union-tag segments: keep only steps that exist in the data.

    The last segment is kept even when absent from the data (a missing field).
    """
    path: list[str | int] = []
    node = data
    for position, step in enumerate(loc):
        last = position == len(loc) - 1
        child = _child(node, step)
        if child is not None or (isinstance(node, dict) and step in node):
            path.append(step)
            node = child
        elif last:
            path.append(step)
        # else: a union tag or validator label; not part of the document
    return tuple(path)


def _value_at(path: Path, data: Any) -> Any:
    node = data
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _model_at(path: Path, data: Any, root: type[BaseModel] = Policy) -> type[BaseModel] | None:
    """The model class that the mapping at ``path`` is validated against."""
    current: Any = root
    node = data
    for step in path:
        current = _narrow(current, node)
        if current is None:
            return None
        if isinstance(step, int):
            current = _item_type(current)
        else:
            if not (isinstance(current, type) and issubclass(current, BaseModel)):
                return None
            field = _field_by_alias(current, step)
            if field is None:
                return None
            current = field
        node = _child(node, step)
    current = _narrow(current, node)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _child(node: Any, step: str | int) -> Any:
    if isinstance(node, dict) and isinstance(step, str):
        return node.get(step)
    if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
        return node[step]
    return None


def _field_by_alias(model: type[BaseModel], name: str) -> Any:
    for field_name, info in model.model_fields.items():
        if (info.alias or field_name) == name:
            return info.annotation
    return None


def _unwrap(tp: Any) -> list[Any]:
    """The alternatives of an annotation, with Annotated and Optional removed."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin is Union or origin is types.UnionType:
        out: list[Any] = []
        for arg in typing.get_args(tp):
            out.extend(_unwrap(arg))
        return [a for a in out if a is not type(None)]
    return [tp]


def _narrow(tp: Any, node: Any) -> Any:
    options = _unwrap(tp)
    models = [o for o in options if isinstance(o, type) and issubclass(o, BaseModel)]
    if len(options) == 1:
        return options[0]
    if models and isinstance(node, dict):
        for model in models:
            for tag_field in ("type", "kind"):
                info = model.model_fields.get(tag_field)
                if info is not None and node.get(tag_field) in typing.get_args(info.annotation):
                    return model
        return models[0] if len(models) == 1 else None
    lists = [o for o in options if typing.get_origin(o) in (list, dict)]
    return lists[0] if len(lists) == 1 else None


def _item_type(tp: Any) -> Any:
    for option in _unwrap(tp):
        if typing.get_origin(option) is list:
            return typing.get_args(option)[0]
    return None


def allowed_fields(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


_QUOTED = re.compile(r"'([^']*)'")


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text ('{value}')" if len(value) < 60 else "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


_PATTERN_WORDS = {
    "^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$": (
        "is not a valid id; use letters, digits, '.', '_' and '-', starting with a letter or "
        "digit, at most 80 characters"
    ),
    "^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$": (
        "is not a control id; write upper-case parts joined by '-', such as 'IG-SEC-1'"
    ),
}

_TYPE_WORDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "date_type": "a date (YYYY-MM-DD)",
    "datetime_type": "a date and time with offset (2026-01-05T09:00:00+01:00)",
}


def _diagnostic(
    error: Any, document: Document, file: str, root: type[BaseModel] = Policy
) -> Diagnostic:
    loc = tuple(error["loc"])
    path = _data_path(loc, document.data)
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    hint = ""
    if kind == "extra_forbidden":
        key = path[-1] if path else ""
        model = _model_at(path[:-1], document.data, root)
        choices = allowed_fields(model) if model else []
        message = f"unknown field '{key}'"
        hint = did_you_mean(str(key), choices)
        if not hint and choices:
            hint = "allowed here: " + ", ".join(choices)
    elif kind == "missing":
        message = f"missing required field '{path[-1]}'"
    elif kind in ("union_tag_invalid", "union_tag_not_found"):
        discriminator = str(ctx.get("discriminator", "'type'")).strip("'")
        expected = _QUOTED.findall(str(ctx.get("expected_tags", "")))
        path = (*path, discriminator)
        if kind == "union_tag_not_found":
            message = f"missing required field '{discriminator}'"
            hint = "one of: " + ", ".join(expected)
        else:
            message = f"unknown {discriminator} '{ctx.get('tag')}'"
            hint = did_you_mean(str(ctx.get("tag")), expected) or "one of: " + ", ".join(expected)
    elif kind == "literal_error":
        expected = _QUOTED.findall(str(ctx.get("expected", "")))
        message = f"{_describe(value)} is not allowed here; expected one of: {', '.join(expected)}"
        hint = did_you_mean(str(value), expected) if isinstance(value, str) else ""
    elif kind == "string_pattern_mismatch":
        words = _PATTERN_WORDS.get(str(ctx.get("pattern")), "does not match the expected form")
        message = f"'{value}' {words}"
    elif kind == "value_error":
        message = str(ctx.get("error", error["msg"]))
    elif kind in _TYPE_WORDS:
        message = f"expected {_TYPE_WORDS[kind]}, got {_describe(value)}"
        if kind == "bool_type" and isinstance(value, str):
            hint = "golive reads YAML 1.2: write true or false (yes/no/on/off are text)"
    elif kind == "too_short":
        message = f"needs at least {ctx.get('min_length', 1)} item(s)"
    elif kind in ("date_from_datetime_parsing", "date_parsing", "date_from_datetime_inexact"):
        message = f"{_describe(value)} is not a date; write YYYY-MM-DD"
    elif kind in ("datetime_parsing", "datetime_from_date_parsing"):
        message = f"{_describe(value)} is not a date and time; write e.g. 2026-01-05T09:00:00Z"
    else:
        message = str(error["msg"])
        message = message[0].lower() + message[1:] if message else message
    mark = document.mark_of(path)
    return Diagnostic(file, mark.line, mark.column, message, format_path(path), hint)


def _from_issue(issue: checks.Issue, document: Document, file: str) -> Diagnostic:
    mark: Mark = document.mark_of(issue.path)
    return Diagnostic(
        file,
        mark.line,
        mark.column,
        issue.message,
        format_path(issue.path),
        issue.hint,
        issue.severity,
    )


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[int, int, str, str]] = set()
    out = []
    for d in diagnostics:
        key = (d.line, d.column, d.path, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def _sorted(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: (d.line, d.column, d.path))
