"""Settings, read once from the environment (``GOLIVE_`` prefix) into a typed object."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from golive.services.policies import DEFAULT_MAX_BYTES


class Settings(BaseSettings):
    """Every setting golive reads; each is an environment variable ``GOLIVE_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="GOLIVE_", extra="ignore", frozen=True)

    max_policy_bytes: int = Field(
        DEFAULT_MAX_BYTES, gt=0, description="Largest policy file golive reads, in bytes."
    )
    database_url: str = Field(
        "sqlite:///golive.db",
        description="Where the control plane keeps its state: a SQLAlchemy URL, "
        "`sqlite:///PATH` (the default, ./golive.db) or `postgresql+psycopg://...`.",
    )
    server: str = Field(
        "",
        description="Base URL of a golive control plane that `--publish` and `golive publish` "
        "send to; empty means publishing is off.",
    )
    token: SecretStr = Field(
        SecretStr(""), description="API token the CLI presents to the server (never printed)."
    )
    outbox: str = Field(
        ".golive/outbox",
        description="Directory of the local outbox: payloads waiting for the server.",
    )
    audit_key: str = Field(
        "",
        description="Ed25519 signing key file for ledger checkpoints (from `golive audit "
        "keygen`); empty means checkpoints are not signed by this process.",
    )
    max_request_bytes: int = Field(
        10 * 1024 * 1024, gt=0, description="Largest request body the server accepts, in bytes."
    )


def load_settings() -> Settings:
    """Read the settings now (never at import time)."""
    return Settings()
