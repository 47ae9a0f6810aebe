"""Waivers: a named person's time-bound decision that one finding may ship.

A waiver is scoped to one check and to findings by id, package, path or rule (at least
one; blanket waivers do not exist). It carries a reason, an approver with a role, when it
was granted and when it expires. The rules, each preventing a risk seen in real tools:

- **An expired waiver no longer waives** (Kyverno's CLI kept honouring expired exceptions,
  kyverno#17473). A waiver expires *at* ``expires``: one that expires exactly at ``now`` is
  expired. A date without a time expires at 00:00 UTC on that date (as Trivy's
  ``expired_at``).
- **A waiver may not last longer than the policy allows for the severity it waives**
  (``waivers.max_lifetime``); a longer one is invalid, not shortened.
- **Only approvers with an allowed role** count, and when the role has known members (the
  roster, or the policy's static members) the approver must be one of them.
- **A waiver that matches nothing is reported as unused** (Conftest counted exceptions that
  waived nothing, conftest#548), and waived findings are always listed.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from golive.core.dedupe import Issue, canonical_id, normalize_purl
from golive.core.durations import Duration, add_to
from golive.core.policy.model import Id, Text

WAIVERS_KIND = "Waivers"
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Waiver(BaseModel):
    """One waiver, as written in a waivers file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Id = Field(description="The waiver's id, unique in the file; decisions name it.")
    check: Id = Field(description="The gate (by id) whose findings it waives.")
    finding: str = Field(
        "",
        description="A finding key, vulnerability id or alias (CVE, GHSA, PYSEC), or a secret's "
        "fingerprint.",
    )
    purl: str = Field(
        "",
        description="A package URL; without a version it covers every version of the package.",
    )
    path: str = Field("", description="A path glob the finding's location must match.")
    rule: str = Field("", description="The scanner rule id the finding must have.")
    reason: Text = Field(description="Why the finding may ship; required.")
    ticket: str = Field("", description="The ticket that tracks the fix.")
    approved_by: Text = Field(description="Who approved the waiver.")
    role: Id = Field(description="The role under which they approved it.")
    created: datetime | date = Field(description="When the waiver was granted.")
    expires: datetime | date = Field(
        description="When it stops waiving; a date means 00:00 UTC on that date."
    )

    @field_validator("created", "expires", mode="before")
    @classmethod
    def _date_or_instant(cls, value: object) -> object:
        """A bare ``YYYY-MM-DD`` is a date; anything else must be a full date and time."""
        if isinstance(value, str) and _DATE_ONLY.match(value.strip()):
            return date.fromisoformat(value.strip())
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                return value  # pydantic reports it as not a date and time
        return value

    @field_validator("created", "expires")
    @classmethod
    def _aware(cls, value: datetime | date) -> datetime | date:
        if isinstance(value, datetime) and (value.tzinfo is None or value.utcoffset() is None):
            raise ValueError(
                f"'{value.isoformat()}' has no UTC offset; write e.g. "
                f"'{value.isoformat()}Z' so the instant is unambiguous"
            )
        return value

    @model_validator(mode="after")
    def _scoped(self) -> Waiver:
        if not (self.finding or self.purl or self.path or self.rule):
            raise ValueError(
                "a waiver needs a scope: set at least one of 'finding', 'purl', 'path' or 'rule' "
                "(blanket waivers are not allowed)"
            )
        if self.purl and normalize_purl(self.purl) is None:
            raise ValueError(f"'{self.purl}' is not a package URL (e.g. pkg:pypi/requests@2.31.0)")
        return self

    @property
    def created_at(self) -> datetime:
        return _instant(self.created)

    @property
    def expires_at(self) -> datetime:
        return _instant(self.expires)

    def matches(self, issue: Issue) -> bool:
        """True when every scope field the waiver sets matches the finding."""
        if self.finding and not _matches_finding(self.finding, issue):
            return False
        if self.purl and not _matches_purl(self.purl, issue):
            return False
        if self.path and not any(
            f.location is not None and fnmatch.fnmatchcase(f.location.path, self.path)
            for f in issue.findings
        ):
            return False
        return not self.rule or any(f.rule_id == self.rule for f in issue.findings)


class WaiverFile(BaseModel):
    """A waivers file: ``apiVersion: golive/v1``, ``kind: Waivers`` and a list of waivers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_version: Literal["golive/v1"] = Field(alias="apiVersion", description="Always golive/v1.")
    kind: Literal["Waivers"] = Field(description="Always 'Waivers'.")
    waivers: list[Waiver] = Field(default_factory=list, description="The waivers.")

    @model_validator(mode="after")
    def _unique(self) -> WaiverFile:
        seen: set[str] = set()
        for w in self.waivers:
            if w.id in seen:
                raise ValueError(f"waiver id '{w.id}' is used twice; ids must be unique")
            seen.add(w.id)
        return self


@dataclass(frozen=True, slots=True)
class Judgement:
    """Whether one waiver may waive one finding at ``now``; ``problem`` says why not."""

    valid: bool
    expired: bool = False
    problem: str = ""


def judge(
    waiver: Waiver,
    *,
    severity: str,
    now: datetime,
    max_lifetime: Mapping[str, Duration] | Mapping[Any, Duration],
    approver_roles: list[str],
    members: tuple[str, ...] | None,
) -> Judgement:
    """Apply the waiver rules (module docstring) for a finding of ``severity``."""
    expires, created = waiver.expires_at, waiver.created_at
    if expires <= now:
        return Judgement(False, expired=True, problem=f"expired at {_show(expires)}")
    if created > now:
        return Judgement(False, problem=f"is dated {_show(created)}, after now")
    if expires <= created:
        return Judgement(False, problem="expires before it was created")
    limit = max_lifetime.get(severity)
    if limit is not None:
        latest = add_to(created, limit)
        if expires > latest:
            return Judgement(
                False,
                problem=f"lasts until {_show(expires)}, longer than the {limit} the policy "
                f"allows for a {severity} finding (latest {_show(latest)})",
            )
    if approver_roles and waiver.role not in approver_roles:
        return Judgement(
            False,
            problem=f"was approved as '{waiver.role}', which may not approve waivers "
            f"(allowed: {', '.join(approver_roles)})",
        )
    if members is not None and waiver.approved_by not in members:
        return Judgement(
            False, problem=f"{waiver.approved_by} does not hold the role '{waiver.role}'"
        )
    return Judgement(True)


def _matches_finding(wanted: str, issue: Issue) -> bool:
    target = canonical_id(wanted)
    if wanted == issue.key or target in issue.ids:
        return True
    if any(wanted in (f.fingerprint, f.key) for f in issue.findings):
        return True
    native = _gitleaks_parts(wanted)
    if native is None:
        return False
    for f in issue.findings:
        for note in f.notes:
            if note.startswith(_GITLEAKS_NOTE):
                theirs = _gitleaks_parts(note[len(_GITLEAKS_NOTE) :])
                if theirs is not None and _same_gitleaks(native, theirs):
                    return True
    return False


_GITLEAKS_NOTE = "gitleaks fingerprint "
_HEX = re.compile(r"^[0-9a-fA-F]{7,40}$")


def _gitleaks_parts(text: str) -> tuple[str, str, str, str] | None:
    """``commit:file:rule:line`` split, or None; the file may itself contain colons."""
    head, _, rest = text.strip().partition(":")
    if not _HEX.match(head) or rest.count(":") < 2:
        return None
    path_rule, _, line = rest.rpartition(":")
    path, _, rule = path_rule.rpartition(":")
    return head.lower(), path, rule, line


def _same_gitleaks(a: tuple[str, str, str, str], b: tuple[str, str, str, str]) -> bool:
    """Equal, where the commit matches by prefix: gitleaks 8.26 shortened it to 7 characters
    (a full-SHA entry written for an older gitleaks must not silently go stale)."""
    return a[1:] == b[1:] and (a[0].startswith(b[0]) or b[0].startswith(a[0]))


def _matches_purl(wanted: str, issue: Issue) -> bool:
    norm = normalize_purl(wanted)
    if norm is None:
        return False
    versioned = "@" in norm
    for purl in issue.packages:
        if purl == norm or (not versioned and purl.split("@", 1)[0] == norm):
            return True
    return False


def _instant(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(0, 0), tzinfo=UTC)


def _show(instant: datetime) -> str:
    text = instant.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")
