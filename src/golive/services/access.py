"""Who may do what: roles and permissions as one table of data, and the caller (Principal).

Each permission lists the roles that hold it. The API checks a permission on
every route; nothing else decides who may act. Adding a role or moving a
permission is an edit to :data:`PERMISSIONS`, nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass

from golive.errors import PermissionDenied

ROLES = ("viewer", "developer", "release-manager", "sre", "security", "admin")

#: permission -> the roles that hold it, and the risk the restriction prevents.
PERMISSIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "records:read": (ROLES, "reading is open to every role of the tenant"),
    "records:write": (
        ("developer", "release-manager", "sre", "security", "admin"),
        "a viewer token leaked from a dashboard cannot forge evidence or deployments",
    ),
    "decisions:read": (ROLES, "reading is open to every role of the tenant"),
    "decisions:evaluate": (
        ("developer", "release-manager", "sre", "admin"),
        "only roles that ship releases ask for release decisions",
    ),
    "decisions:publish": (
        ("developer", "release-manager", "sre", "admin"),
        "only pipelines and release roles record decisions made locally",
    ),
    "policies:read": (ROLES, "reading is open to every role of the tenant"),
    "policies:publish": (
        ("release-manager", "security", "admin"),
        "a developer cannot loosen the gates that judge their own release",
    ),
    "audit:read": (
        ("release-manager", "sre", "security", "admin"),
        "publish attempts and audit entries name people; need-to-know only",
    ),
    "tokens:manage": (
        ("admin",),
        "only an admin creates, rotates or revokes credentials (no privilege escalation)",
    ),
}


def roles_with(permission: str) -> tuple[str, ...]:
    return PERMISSIONS[permission][0]


def permissions_of(role: str) -> list[str]:
    return [name for name, (roles, _why) in PERMISSIONS.items() if role in roles]


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: a golive API token or an OIDC identity, in one tenant."""

    tenant_id: int
    tenant: str
    role: str
    actor: str  # "token:12:ci-pipeline" or "oidc:alice@example.com"
    limit_key: str  # what rate limits count against

    def require(self, permission: str) -> None:
        """Raise :class:`PermissionDenied` unless this caller's role holds ``permission``."""
        if self.role not in roles_with(permission):
            raise PermissionDenied(
                f"role '{self.role}' may not {permission}; roles that may: "
                + ", ".join(roles_with(permission))
            )
