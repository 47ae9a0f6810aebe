"""Deployment records and test-suite runs: the facts of the ``promotion`` gate.

The file (YAML or JSON, ``--deployments FILE``)::

    apiVersion: golive/v1
    kind: Deployments
    deployments:
      - {environment: staging, digest: "sha256:...", at: "2026-11-20T10:00:00Z"}
    runs:
      - {suite: regression, environment: staging, digest: "sha256:...", junit: runs/01.xml}
      - {suite: regression, environment: staging, digest: "sha256:...",
         at: "2026-11-21T10:00:00Z", result: passed}

A run either points at a JUnit file (relative to the records file; its time is the suite's
``timestamp``, it passed when no test failed or errored) or states ``at`` and ``result``.
Times without a UTC offset are kept and flagged; the gate's ``naive_timestamps`` decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from golive.core.findings import TestReport
from golive.core.gate.sources import Deployment, DeploymentFacts, SuiteRun
from golive.core.instants import parse_instant
from golive.core.policy.loader import validate_yaml
from golive.errors import EvidenceError, UsageError
from golive.evidence import read_path
from golive.services.policies import read_policy_text


class _Deployment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    environment: str = Field(min_length=1, description="Where it was deployed.")
    digest: str = Field(pattern=r"^([^@\s]+@)?sha256:[0-9a-fA-F]{64}$", description="sha256:...")
    at: str = Field(description="When, ISO 8601 with a UTC offset.")
    status: Literal["succeeded", "failed", "rolled_back"] = "succeeded"

    @field_validator("at")
    @classmethod
    def _aware(cls, value: str) -> str:
        parsed = parse_instant(value)
        if parsed is None:
            raise ValueError(f"'{value}' is not an ISO 8601 date and time")
        if parsed[1]:
            raise ValueError(f"'{value}' has no UTC offset; add Z or +01:00")
        return value


class _Run(BaseModel):
    model_config = ConfigDict(extra="forbid")
    suite: str = Field(min_length=1)
    environment: str = Field(min_length=1)
    digest: str = Field(pattern=r"^([^@\s]+@)?sha256:[0-9a-fA-F]{64}$")
    junit: str | None = None
    at: str | None = None
    result: Literal["passed", "failed"] | None = None

    @field_validator("at")
    @classmethod
    def _time(cls, value: str | None) -> str | None:
        if value is not None and parse_instant(value) is None:
            raise ValueError(f"'{value}' is not an ISO 8601 date and time")
        return value


class DeploymentsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    api_version: Literal["golive/v1"] = Field(alias="apiVersion")
    kind: Literal["Deployments"]
    deployments: list[_Deployment] = Field(default_factory=list)
    runs: list[_Run] = Field(default_factory=list)


def read_deployments(path: Path) -> DeploymentFacts:
    doc = validate_yaml(
        read_policy_text(path), str(path), DeploymentsFile, what="a deployments file"
    )
    deployments = []
    for d in doc.deployments:
        parsed = parse_instant(d.at)
        assert parsed is not None
        deployments.append(Deployment(d.environment, d.digest, parsed[0], d.status))
    runs = [_run(path, i, r) for i, r in enumerate(doc.runs)]
    return DeploymentFacts(tuple(deployments), tuple(runs), path.name)


def _run(path: Path, index: int, run: _Run) -> SuiteRun:
    where = f"{path.name} runs[{index}]"
    if run.junit is None:
        if run.at is None or run.result is None:
            raise UsageError(f"{path}: runs[{index}]: give 'junit', or both 'at' and 'result'")
        parsed = parse_instant(run.at)
        assert parsed is not None
        return SuiteRun(
            run.suite,
            run.environment,
            run.digest,
            parsed[0],
            run.result == "passed",
            naive=parsed[1],
            source=where,
        )
    file = path.parent / run.junit
    try:
        report = read_path(file).evidence
    except EvidenceError as exc:
        raise UsageError(f"{path}: runs[{index}].junit: {exc}") from None
    if not isinstance(report, TestReport):
        raise UsageError(f"{path}: runs[{index}].junit: {run.junit} is not a JUnit report")
    stamp = run.at or report.produced_at
    parsed = parse_instant(stamp) if stamp else None
    c = report.counts
    passed = c.failed == 0 and c.errors == 0 and c.total > 0 and report.completeness.complete
    detail = f"{c.failed} failed, {c.errors} errors of {c.total}" if not passed else ""
    return SuiteRun(
        run.suite,
        run.environment,
        run.digest,
        parsed[0] if parsed else None,
        passed,
        detail=detail,
        naive=parsed[1] if parsed else False,
        source=f"{path.name}:{run.junit}",
    )


def from_stored(
    rows: Iterable[Mapping[str, Any]], runs: Iterable[Mapping[str, Any]] = ()
) -> DeploymentFacts:
    """Deployment records and suite runs ingested through the API (``deployments`` and
    ``suite_runs`` rows), as the promotion gate reads them."""
    return DeploymentFacts(
        tuple(
            Deployment(str(r["environment"]), str(r["digest"] or ""), r["time"], str(r["status"]))
            for r in rows
        ),
        tuple(_stored_run(r) for r in runs),
        "stored deployment records and suite runs",
    )


def _stored_run(row: Mapping[str, Any]) -> SuiteRun:
    counts = ""
    if row.get("tests") is not None:
        counts = f"{row.get('failed') or 0} failed of {row['tests']}"
    detail = "; ".join(x for x in (counts, row.get("detail") or "") if x)
    return SuiteRun(
        str(row["suite"]),
        str(row["environment"]),
        str(row["digest"]),
        row["time"],
        row["result"] == "passed",
        detail=detail if row["result"] != "passed" else "",
        source=f"suite run {row['id']} (batch {row['batch_key']})",
    )
