"""The operator at the command line, acting on one tenant's data in the database."""

from __future__ import annotations

from sqlalchemy import Engine

from golive.errors import NotFound
from golive.services.access import Principal
from golive.storage.unit_of_work import UnitOfWork


def tenant_admin(engine: Engine, tenant_name: str) -> Principal:
    """Whoever runs the command, as an admin of ``--tenant``; an unknown tenant is exit 2."""
    with UnitOfWork(engine).reading() as uow:
        tenant = uow.tenants.by_name(tenant_name)
    if tenant is None:
        raise NotFound(f"--tenant: no tenant named {tenant_name!r}; golive tenant list")
    return Principal(tenant.id, tenant.name, "admin", "cli", "cli")
