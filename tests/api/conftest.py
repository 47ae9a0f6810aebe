"""An app on each database, and helpers to make tenants and tokens."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from api_support import FakeClock, Tenant
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from golive.api.app import create_app
from golive.services import tenants
from golive.services.access import ROLES
from golive.settings import Settings
from golive.storage.unit_of_work import UnitOfWork


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, rate_limit_per_second=1000, rate_limit_burst=1000)


@pytest.fixture
def app(settings: Settings, engine: Engine, clock: FakeClock) -> FastAPI:
    return create_app(settings, engine=engine, clock=clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def make_tenant(engine: Engine, clock: FakeClock) -> Callable[..., Tenant]:
    def make(roles: tuple[str, ...] = ROLES) -> Tenant:
        name = f"t-{uuid.uuid4().hex[:10]}"
        tenants.create_tenant(UnitOfWork(engine, clock=clock), name, actor="test")
        issued = {
            role: tenants.create_token(
                UnitOfWork(engine, clock=clock),
                tenant=name,
                role=role,
                name=f"{role}-token",
                expires_in=None,
                actor="test",
            ).secret
            for role in roles
        }
        return Tenant(name, issued)

    return make


@pytest.fixture
def tenant(make_tenant: Callable[..., Tenant]) -> Tenant:
    return make_tenant()
