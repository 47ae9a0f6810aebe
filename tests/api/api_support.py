"""Helpers for the API tests: a fake clock, tenants with a token per role, request bodies."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass


class FakeClock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += dt.timedelta(**kwargs)


@dataclass
class Tenant:
    name: str
    tokens: dict[str, str]

    def auth(self, role: str = "admin") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def key() -> str:
    return str(uuid.uuid4())


NOW = "2026-11-24T09:00:00Z"


def deployments_batch(n: int = 2, version: str = "1.0.0") -> dict[str, object]:
    return {
        "repository": "org/app",
        "records": [
            {
                "environment": "production",
                "deployable": "api",
                "version": version,
                "digest": f"sha256:{i:064x}",
                "status": "succeeded",
                "time": NOW,
            }
            for i in range(n)
        ],
    }


def approvals_batch() -> dict[str, object]:
    return {
        "repository": "org/app",
        "records": [
            {
                "approval": "change-approval",
                "environment": "production",
                "deployable": "api",
                "version": "1.0.0",
                "approver": "alice@example.com",
                "role": "release-manager",
                "time": NOW,
            }
        ],
    }


def signoffs_batch() -> dict[str, object]:
    return {
        "repository": "org/app",
        "records": [
            {
                "checklist": "release",
                "item": "runbook updated",
                "deployable": "api",
                "version": "1.0.0",
                "signer": "bob@example.com",
                "time": NOW,
            }
        ],
    }


def evidence_batch(content: str = '{"version": "2.1.0", "runs": []}') -> dict[str, object]:
    return {
        "repository": "org/app",
        "records": [
            {
                "name": "reports/sast.sarif",
                "content": content,
                "deployable": "api",
                "version": "1.0.0",
            }
        ],
    }
