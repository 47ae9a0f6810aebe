"""Strict JSON reading with ``file:line:col`` errors, and pydantic errors with field paths."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from golive.errors import Diagnostic, PolicyError
from golive.services.policies import read_policy_text


def read_json(path: Path) -> Any:
    """The JSON value in ``path``; a :class:`PolicyError` naming line and column if malformed."""
    text = read_policy_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicyError(
            [Diagnostic(str(path), exc.lineno, exc.colno, f"not valid JSON: {exc.msg}")]
        ) from None


def field_errors(path: Path, exc: ValidationError, prefix: str = "", line: int = 0) -> PolicyError:
    """A :class:`PolicyError` with one diagnostic per pydantic error, named by field path."""
    diags = []
    for err in exc.errors():
        where = prefix + "".join(
            f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]
        ).lstrip(".")
        diags.append(Diagnostic(str(path), line, 1 if line else 0, err["msg"], path=where))
    return PolicyError(diags)
