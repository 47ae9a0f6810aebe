"""OIDC bearer tokens for people: a JWT checked against the configured issuer and its keys.

The JWKS comes from a file (``GOLIVE_OIDC_JWKS=/etc/golive/jwks.json``) or a URL
(``https://issuer/.well-known/jwks.json``, fetched and cached by PyJWT). The
token must carry the issuer, the audience, an expiry, and two claims naming the
golive tenant and role (``golive_tenant``, ``golive_role`` unless configured).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from golive.errors import DependencyUnavailable, Unauthenticated, UsageError

ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "EdDSA", "PS256"]


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and token.startswith("ey")


@dataclass(frozen=True)
class Identity:
    subject: str
    tenant: str
    role: str


class OidcVerifier:
    """Checks JWTs from one issuer; build once per server (keys are cached)."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks: str,
        tenant_claim: str = "golive_tenant",
        role_claim: str = "golive_role",
    ) -> None:
        if not jwks:
            raise UsageError("oidc_jwks: set it to a JWKS file or URL when oidc_issuer is set")
        self.issuer = issuer
        self.audience = audience
        self.tenant_claim = tenant_claim
        self.role_claim = role_claim
        self._client: jwt.PyJWKClient | None = None
        self._keys: jwt.PyJWKSet | None = None
        if jwks.startswith(("https://", "http://")):
            self._client = jwt.PyJWKClient(jwks, cache_keys=True, lifespan=300, timeout=5)
        else:
            try:
                data = json.loads(Path(jwks).read_text(encoding="utf-8"))
                self._keys = jwt.PyJWKSet.from_dict(data)
            except (OSError, ValueError, jwt.PyJWTError) as exc:
                raise UsageError(f"oidc_jwks: cannot read the JWKS file {jwks}: {exc}") from None

    def _key(self, token: str) -> Any:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("the bearer token is not a valid JWT") from None
        if self._client is not None:
            try:
                return self._client.get_signing_key_from_jwt(token).key
            except jwt.PyJWKClientConnectionError as exc:
                raise DependencyUnavailable(f"the OIDC key set is unavailable: {exc}") from None
            except jwt.PyJWTError:
                raise Unauthenticated(
                    "the JWT is signed by a key the issuer does not list"
                ) from None
        assert self._keys is not None
        kid = header.get("kid")
        for key in self._keys.keys:
            if kid is None or key.key_id == kid:
                return key.key
        raise Unauthenticated("the JWT is signed by a key the issuer does not list")

    def verify(self, token: str) -> Identity:
        key = self._key(token)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=self.audience or None,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "sub"]},
                leeway=30,
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the JWT has expired") from None
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"the JWT is not accepted: {exc}") from None
        tenant = claims.get(self.tenant_claim)
        role = claims.get(self.role_claim)
        if not isinstance(tenant, str) or not isinstance(role, str):
            raise Unauthenticated(
                f"the JWT must carry the claims {self.tenant_claim!r} and {self.role_claim!r}"
            )
        return Identity(subject=str(claims.get("email") or claims["sub"]), tenant=tenant, role=role)
