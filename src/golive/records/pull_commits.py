"""A pull request's commits and range, as saved from GitHub's REST API.

- ``--pr-commits FILE``: ``GET /repos/{owner}/{repo}/pulls/{n}/commits`` (a JSON list; pages
  may be concatenated into one list). Each entry needs ``sha``; nothing else is trusted
  (``commit.verification`` is GitHub's opinion, not a check against the pinned keys).
- ``--pr FILE``: ``GET /repos/{owner}/{repo}/pulls/{n}``: ``head.sha``, ``base.sha`` and
  ``commits`` (how many commits GitHub counts in the pull request).

GitHub lists at most 250 commits for a pull request; an export with fewer entries than the
pull request's ``commits`` is incomplete, which the signed-commits check reports as an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from golive.errors import Diagnostic, PolicyError
from golive.records._json import field_errors, read_json

_SHA = r"^[0-9a-fA-F]{40}([0-9a-fA-F]{24})?$"


class _Entry(BaseModel):
    model_config = ConfigDict(extra="ignore")
    sha: str = Field(pattern=_SHA)


class _Ref(BaseModel):
    model_config = ConfigDict(extra="ignore")
    sha: str = Field(pattern=_SHA)


class _Pull(BaseModel):
    model_config = ConfigDict(extra="ignore")
    head: _Ref
    base: _Ref | None = None
    commits: int | None = Field(None, ge=0)


@dataclass(frozen=True, slots=True)
class PullRange:
    """What ``pulls/N`` says of the pull request's commits."""

    head: str
    base: str | None
    count: int | None


def read_commits(path: Path) -> tuple[str, ...]:
    """The SHAs of the pull request's commits, in the export's order."""
    data = read_json(path)
    if not isinstance(data, list):
        raise PolicyError(
            [
                Diagnostic(
                    str(path), 1, 1, "commits must be a JSON list (GitHub REST pulls/N/commits)"
                )
            ]
        )
    out: list[str] = []
    for index, raw in enumerate(data):
        try:
            out.append(_Entry.model_validate(raw).sha.lower())
        except ValidationError as exc:
            raise field_errors(path, exc, prefix=f"[{index}].") from None
    return tuple(dict.fromkeys(out))


def read_range(path: Path) -> PullRange:
    data = read_json(path)
    try:
        pull = _Pull.model_validate(data)
    except ValidationError as exc:
        raise field_errors(path, exc) from None
    return PullRange(
        head=pull.head.sha.lower(),
        base=pull.base.sha.lower() if pull.base else None,
        count=pull.commits,
    )
