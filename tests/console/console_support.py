"""Helpers for the console tests: a seeded demo database, tokens per role, signing in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from golive.services import demo, tenants
from golive.storage.unit_of_work import UnitOfWork

ROOT = Path(__file__).resolve().parents[2]
TENANT = "pumuki-saas"
OTHER = "intelgraph"
EMPTY = "empty-tenant"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Seeded:
    url: str
    tokens: dict[tuple[str, str], str]  # (tenant, role) -> secret


def seed(engine: Engine, url: str) -> Seeded:
    """The five reference tenants (``golive demo seed``), an empty tenant, and tokens."""
    demo.seed(
        engine,
        policies=ROOT / "examples" / "policies",
        evidence=ROOT / "tests" / "fixtures" / "evidence",
    )
    tenants.ensure_tenant(UnitOfWork(engine), EMPTY, actor="test")
    issued = {}
    for tenant in (TENANT, OTHER, EMPTY):
        for role in ("viewer", "developer", "release-manager", "admin"):
            issued[(tenant, role)] = tenants.create_token(
                UnitOfWork(engine),
                tenant=tenant,
                role=role,
                name=f"console-{role}",
                expires_in=None,
                actor="test",
            ).secret
    return Seeded(url, issued)


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, token: str) -> None:
    page = client.get("/sign-in")
    answer = client.post(
        "/sign-in",
        data={"csrf": csrf_of(page.text), "token": token, "next": "/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
