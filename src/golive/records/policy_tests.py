"""Policy test files (``golive policy test FILE``), YAML or JSON::

    apiVersion: golive/v1
    kind: PolicyTests
    policy: ../golive.yaml              # relative to this file (or --policy)
    defaults:                           # golive gate options every case starts from
      env: production
      now: 2026-11-24T10:00:00Z
    cases:
      - name: a clean release passes
        gate: {evidence: clean/}        # golive gate options, by their long names
        expect: {verdict: pass}
      - name: a critical CVE blocks
        gate: {evidence: [critical-cve/], waivers: waivers.yaml}
        expect:
          verdict: blocked
          blocking: [security]
          checks: {tests: pass}
          mentions: {security: [CVE-2026-1234]}

Options that name files (``evidence``, ``waivers``, ``roster``, ``repo``, ...) are relative to
the test file. A case's ``gate`` options replace the same options of ``defaults``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    StringConstraints,
    model_validator,
)

from golive.core.gate.expectations import Expectation
from golive.core.policy.loader import validate_yaml
from golive.services.policies import read_policy_text

#: What one ``golive gate`` option may be set to: a value, a flag, or a repeated option's values.
OptionValue = StrictStr | int | StrictBool | list[StrictStr]
#: An option's long name, with or without its dashes: ``allowed-signers``, ``allowed_signers``.
OptionName = Annotated[str, StringConstraints(pattern=r"^(--)?[A-Za-z][A-Za-z0-9_-]*$")]
#: The verdicts and outcomes an expectation may name (a test keeps them equal to the enums).
VERDICTS = ("pass", "blocked", "overridden")
OUTCOMES = ("pass", "fail", "waived", "not_applicable", "error", "owed")


class _Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdict: Literal["pass", "blocked", "overridden"] | None = Field(
        None, description="The decision's verdict."
    )
    checks: dict[str, Literal["pass", "fail", "waived", "not_applicable", "error", "owed"]] = Field(
        default_factory=dict, description="Check id -> its expected outcome."
    )
    blocking: list[str] | None = Field(
        None, description="Exactly the checks that block (an empty list: none)."
    )
    mentions: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Check id -> words its explanation or findings must contain.",
    )

    @model_validator(mode="after")
    def _something(self) -> _Expect:
        if self.verdict is None and not self.checks and self.blocking is None and not self.mentions:
            raise ValueError("expect states nothing: give verdict, checks, blocking or mentions")
        return self


class _Case(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, description="What the case shows, in words.")
    gate: dict[OptionName, OptionValue] = Field(
        default_factory=dict, description="golive gate options (long names) for this case."
    )
    expect: _Expect


class PolicyTestsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    api_version: Literal["golive/v1"] = Field(alias="apiVersion")
    kind: Literal["PolicyTests"]
    policy: str | None = Field(None, description="The policy under test, relative to this file.")
    defaults: dict[OptionName, OptionValue] = Field(
        default_factory=dict, description="golive gate options every case starts from."
    )
    cases: list[_Case] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> PolicyTestsFile:
        seen: set[str] = set()
        for case in self.cases:
            if case.name in seen:
                raise ValueError(f"two cases are named {case.name!r}: give each its own name")
            seen.add(case.name)
        return self


@dataclass(frozen=True)
class TestCase:
    """One case, ready to run: its options merged with the defaults."""

    __test__: ClassVar[bool] = False  # not a pytest class

    index: int
    name: str
    options: dict[str, OptionValue]
    expect: Expectation


@dataclass(frozen=True)
class TestFile:
    """A policy test file: where it is, the policy it names, and its cases."""

    __test__: ClassVar[bool] = False

    path: Path
    policy: Path | None
    cases: list[TestCase]


def read_tests(path: Path) -> TestFile:
    """Read and check a policy test file; errors name the file, line and field (exit 2)."""
    doc = validate_yaml(read_policy_text(path), str(path), PolicyTestsFile, what="a test file")
    cases = [
        TestCase(
            index=n,
            name=case.name,
            options={**_keys(doc.defaults), **_keys(case.gate)},
            expect=Expectation(
                verdict=case.expect.verdict,
                checks=dict(case.expect.checks),
                blocking=tuple(case.expect.blocking) if case.expect.blocking is not None else None,
                mentions={k: tuple(v) for k, v in case.expect.mentions.items()},
            ),
        )
        for n, case in enumerate(doc.cases)
    ]
    policy = (path.parent / doc.policy) if doc.policy else None
    return TestFile(path=path, policy=policy, cases=cases)


def _keys(options: dict[str, OptionValue]) -> dict[str, OptionValue]:
    """Option names as the command line spells them: ``allowed_signers`` is ``allowed-signers``."""
    return {key.removeprefix("--").replace("_", "-"): value for key, value in options.items()}
