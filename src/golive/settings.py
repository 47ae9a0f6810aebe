"""Settings, read once from the environment (``GOLIVE_`` prefix) into a typed object."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from golive.services.policies import DEFAULT_MAX_BYTES


class Settings(BaseSettings):
    """Every setting golive reads; each is an environment variable ``GOLIVE_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="GOLIVE_", extra="ignore", frozen=True)

    max_policy_bytes: int = Field(
        DEFAULT_MAX_BYTES, gt=0, description="Largest policy file golive reads, in bytes."
    )


def load_settings() -> Settings:
    """Read the settings now (never at import time)."""
    return Settings()
