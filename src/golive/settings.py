"""Settings, read once from the environment (``GOLIVE_`` prefix) into a typed object.

The environment is read by a few lines here rather than by pydantic-settings, whose import
(with asyncio and ssl) cost every command about 65 ms of its start-up: each field ``name``
comes from ``GOLIVE_<NAME>`` (the name matched in any case), values given to ``Settings(...)``
win over the environment, and pydantic converts and checks every value as before.
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from golive.core.durations import Duration, DurationError
from golive.services.policies import DEFAULT_MAX_BYTES


def interval_seconds(text: str) -> float:
    """Seconds in an interval setting: an elapsed duration (``30s``, ``5m``, ``1h30m``) or
    a plain positive number of seconds (``0.05``, for tests). Raises ``ValueError``."""
    raw = text.strip()
    try:
        seconds = float(raw)
    except ValueError:
        try:
            parsed = Duration.parse(raw).seconds
        except DurationError as exc:
            raise ValueError(str(exc)) from None
        if parsed is None:
            raise ValueError(f"'{raw}' is not an elapsed duration; use s, m, h, d or w") from None
        seconds = float(parsed)
    if not seconds > 0 or seconds == float("inf"):
        raise ValueError(f"'{raw}' must be a positive length of time")
    return seconds


ENV_PREFIX = "GOLIVE_"


def _from_environment(names: Any) -> dict[str, str]:
    """``GOLIVE_<NAME>`` of each field name, matched in any case, as given."""
    present = {key.lower(): value for key, value in os.environ.items()}
    prefix = ENV_PREFIX.lower()
    return {name: present[prefix + name] for name in names if prefix + name in present}


class Settings(BaseModel):
    """Every setting golive reads; each is an environment variable ``GOLIVE_<NAME>``."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    def __init__(self, **values: Any) -> None:
        super().__init__(**{**_from_environment(type(self).model_fields), **values})

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
    checkpoint_interval: str = Field(
        "5m",
        description="How often `golive serve` signs a ledger checkpoint with `audit_key` "
        "(only when the tree grew): an elapsed duration such as `30s`, `5m` or `1h`, or a "
        "number of seconds. Ignored when `audit_key` is empty.",
    )
    max_request_bytes: int = Field(
        10 * 1024 * 1024, gt=0, description="Largest request body the server accepts, in bytes."
    )
    rate_limit_per_second: float = Field(
        50.0,
        gt=0,
        description="Requests per second each API token may make on average (token bucket).",
    )
    rate_limit_burst: int = Field(
        200, gt=0, description="Requests one API token may make at once before being limited."
    )
    oidc_issuer: str = Field(
        "",
        description="Issuer (`iss`) of OIDC bearer tokens the server accepts; empty turns OIDC "
        "off and only golive API tokens are accepted.",
    )
    oidc_audience: str = Field("", description="Audience (`aud`) OIDC bearer tokens must carry.")
    oidc_jwks: str = Field(
        "",
        description="The issuer's signing keys: a JWKS file path or an `https://` URL; empty "
        "reads the `jwks_uri` of the issuer's discovery document when first needed.",
    )
    oidc_tenant_claim: str = Field(
        "golive_tenant", description="JWT claim naming the caller's golive tenant."
    )
    oidc_role_claim: str = Field("golive_role", description="JWT claim naming the caller's role.")
    oidc_client_id: str = Field(
        "",
        description="The console's OIDC client id at the issuer; set, the sign-in page offers "
        "single sign-on (the authorization code flow with PKCE). ID tokens must name it as "
        "their audience.",
    )
    oidc_client_secret: SecretStr = Field(
        SecretStr(""), description="The console's OIDC client secret (never printed)."
    )
    oidc_redirect_url: str = Field(
        "",
        description="The callback URL registered at the issuer, e.g. "
        "`https://golive.example.com/sign-in/oidc/callback`; empty derives it from the "
        "request (set it behind a proxy that rewrites the host).",
    )
    log_level: str = Field("INFO", description="Server log level (JSON lines on stderr).")
    session_secret: SecretStr = Field(
        SecretStr(""),
        description="Key that signs admin console session cookies (never printed); empty "
        "means a random key per process, so sessions end when the server restarts. Set it "
        "when running several workers or replicas.",
    )

    @field_validator("checkpoint_interval")
    @classmethod
    def _interval_is_a_duration(cls, value: str) -> str:
        interval_seconds(value)
        return value

    @property
    def checkpoint_interval_seconds(self) -> float:
        """``checkpoint_interval`` in seconds."""
        return interval_seconds(self.checkpoint_interval)


def load_settings() -> Settings:
    """Read the settings now (never at import time)."""
    return Settings()
