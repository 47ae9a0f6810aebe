"""Pull-request reviews and the pull request itself, as saved from GitHub's REST API.

- ``--reviews FILE``: ``GET /repos/{owner}/{repo}/pulls/{n}/reviews`` (a JSON list; paginated
  pages may be concatenated into one list). Each review needs ``id``, ``user.login``,
  ``state``; ``user.type``, ``commit_id`` and ``submitted_at`` are used when present.
- ``--pr FILE``: ``GET /repos/{owner}/{repo}/pulls/{n}``: ``user.login`` (the author),
  ``head.sha``, ``number``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from golive.core.gate.sources import Review, ReviewFacts
from golive.errors import Diagnostic, PolicyError
from golive.records._json import field_errors, read_json


class _User(BaseModel):
    model_config = ConfigDict(extra="ignore")
    login: str = Field(min_length=1)
    type: str = "User"


class _Review(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: int
    user: _User | None
    state: str = Field(min_length=1)
    commit_id: str | None = None
    submitted_at: datetime | None = None


class _Head(BaseModel):
    model_config = ConfigDict(extra="ignore")
    sha: str


class _Pull(BaseModel):
    model_config = ConfigDict(extra="ignore")
    number: int | None = None
    user: _User
    head: _Head


def read_reviews(path: Path) -> tuple[Review, ...]:
    data = read_json(path)
    if not isinstance(data, list):
        raise PolicyError(
            [
                Diagnostic(
                    str(path), 1, 1, "reviews must be a JSON list (GitHub REST pulls/N/reviews)"
                )
            ]
        )
    out: list[Review] = []
    for index, raw in enumerate(data):
        try:
            review = _Review.model_validate(raw)
        except ValidationError as exc:
            raise field_errors(path, exc, prefix=f"[{index}].") from None
        if review.user is None:  # a deleted ("ghost") account: cannot be a counted human
            continue
        when = review.submitted_at
        if when is not None and when.tzinfo is None:
            raise PolicyError(
                [Diagnostic(str(path), 0, 0, "submitted_at has no UTC offset", path=f"[{index}]")]
            )
        out.append(
            Review(
                id=review.id,
                user=review.user.login,
                user_type=review.user.type,
                state=review.state.upper(),
                commit_id=review.commit_id or "",
                submitted_at=when,
            )
        )
    return tuple(out)


def read_pull(path: Path) -> tuple[str, str, int | None]:
    """(author login, head sha, number) of the pull request."""
    data = read_json(path)
    try:
        pull = _Pull.model_validate(data)
    except ValidationError as exc:
        raise field_errors(path, exc) from None
    return pull.user.login, pull.head.sha, pull.number


def review_facts(
    reviews: Path | None, pull: Path | None, teams: Mapping[str, tuple[str, ...]]
) -> ReviewFacts | None:
    if reviews is None and pull is None:
        return None
    author = head = None
    number = None
    if pull is not None:
        author, head, number = read_pull(pull)
    return ReviewFacts(
        author=author,
        head_sha=head,
        number=number,
        reviews=read_reviews(reviews) if reviews is not None else (),
        teams=dict(teams),
        source=reviews.name if reviews is not None else "",
    )


def from_approvals(rows: Iterable[Mapping[str, Any]], author: str | None) -> ReviewFacts:
    """Approvals ingested through the API (``approvals`` rows) as the approvals gate reads
    reviews: each row is one ``APPROVED`` review by its approver of its commit (none given:
    an unknown commit, which a rule with ``require_fresh`` counts as stale). The rule id a
    row names is not used: as with a pull request's reviews, every approval counts towards
    every rule."""
    reviews = tuple(
        Review(
            id=int(r["id"]),
            user=str(r["approver"]),
            user_type="User",
            state="APPROVED",
            commit_id=str(r.get("commit_sha") or ""),
            submitted_at=r["time"],
        )
        for r in rows
    )
    return ReviewFacts(author=author, reviews=reviews, source="stored approvals")
