"""OIDC bearer tokens for people: a JWT checked against the configured issuer and its keys.

The JWKS comes from a file (``GOLIVE_OIDC_JWKS=/etc/golive/jwks.json``), a URL
(``https://issuer/.well-known/jwks.json``, fetched and cached by PyJWT), or, when neither is
set, the ``jwks_uri`` of the issuer's discovery document, read when first needed. The
token must carry the issuer, the audience, an expiry, and two claims naming the
golive tenant and role (``golive_tenant``, ``golive_role`` unless configured).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
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
        self.issuer = issuer
        self.audience = audience
        self.tenant_claim = tenant_claim
        self.role_claim = role_claim
        self._client: jwt.PyJWKClient | None = None
        self._keys: jwt.PyJWKSet | None = None
        # empty: the issuer's jwks_uri, from its discovery document when first needed
        if jwks.startswith(("https://", "http://")):
            self._client = jwt.PyJWKClient(jwks, cache_keys=True, lifespan=300, timeout=5)
        elif jwks:
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
        if self._client is None and self._keys is None:
            uri = discover(self.issuer).get("jwks_uri")
            if not isinstance(uri, str) or not uri:
                raise DependencyUnavailable(
                    "the OIDC discovery document names no jwks_uri; set GOLIVE_OIDC_JWKS"
                )
            self._client = jwt.PyJWKClient(uri, cache_keys=True, lifespan=300, timeout=5)
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

    def claims(self, token: str, audience: str | None = None) -> dict[str, Any]:
        """The claims of a JWT signed by the issuer, for ``audience`` (default: the
        configured one); :class:`Unauthenticated` when anything does not check out."""
        key = self._key(token)
        try:
            found: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=audience or self.audience or None,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "sub"]},
                leeway=30,
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the JWT has expired") from None
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"the JWT is not accepted: {exc}") from None
        return found

    def verify(self, token: str) -> Identity:
        return self.identity(self.claims(token))

    def identity(self, claims: dict[str, Any]) -> Identity:
        """The golive identity the claims name (tenant and role claims are required)."""
        tenant = claims.get(self.tenant_claim)
        role = claims.get(self.role_claim)
        if not isinstance(tenant, str) or not isinstance(role, str):
            raise Unauthenticated(
                f"the JWT must carry the claims {self.tenant_claim!r} and {self.role_claim!r}"
            )
        return Identity(subject=str(claims.get("email") or claims["sub"]), tenant=tenant, role=role)


# --- signing in people: the authorization code flow with PKCE (OpenID Connect Core 3.1) ---------


@dataclass(frozen=True)
class LoginStart:
    """Where to send the browser, and what the callback must find again."""

    url: str
    state: str
    nonce: str
    verifier: str


class OidcLogin:
    """The console's single sign-on: golive as an OpenID Connect relying party.

    The issuer's endpoints come from its discovery document
    (``{issuer}/.well-known/openid-configuration``), read once. The flow is the
    authorization code flow with PKCE (S256), a ``state`` and a ``nonce``; the ID token is
    checked by :class:`OidcVerifier` (signature, issuer, audience = the client id, expiry)
    and its ``nonce`` compared. The client authenticates with ``client_secret_basic``, or
    ``client_secret_post`` when the issuer supports only that.
    """

    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        client_secret: str,
        verifier: OidcVerifier,
        timeout: float = 10.0,
    ) -> None:
        if not client_id:
            raise UsageError("oidc_client_id: set it to sign in to the console with OIDC")
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.verifier = verifier
        self.timeout = timeout

    def configuration(self) -> dict[str, Any]:
        """The issuer's discovery document, with the endpoints this flow needs."""
        data = discover(self.issuer, self.timeout)
        for name in ("authorization_endpoint", "token_endpoint"):
            if not isinstance(data.get(name), str):
                raise DependencyUnavailable(f"the OIDC discovery document lacks {name}")
        return data

    def start(self, redirect_uri: str) -> LoginStart:
        """A new login: the issuer's authorization URL and the values to keep until the
        callback."""
        from urllib.parse import urlencode

        config = self.configuration()
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(48)
        challenge = _b64url(hashlib.sha256(verifier.encode("ascii")).digest())
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": "openid email profile",
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        endpoint = str(config["authorization_endpoint"])
        joiner = "&" if "?" in endpoint else "?"
        return LoginStart(f"{endpoint}{joiner}{query}", state, nonce, verifier)

    def finish(self, *, code: str, redirect_uri: str, verifier: str, nonce: str) -> Identity:
        """Redeem the code at the token endpoint and check the ID token; the identity."""
        import httpx

        config = self.configuration()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        methods = config.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        auth: tuple[str, str] | None = (self.client_id, self.client_secret)
        if "client_secret_basic" not in methods and "client_secret_post" in methods:
            form.update(client_id=self.client_id, client_secret=self.client_secret)
            auth = None
        try:
            answer = httpx.post(
                str(config["token_endpoint"]), data=form, auth=auth, timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            raise DependencyUnavailable(
                f"the OIDC token endpoint cannot be reached: {exc}"
            ) from None
        if answer.status_code != 200:
            raise Unauthenticated(
                f"the OIDC issuer refused the sign-in ({answer.status_code}): "
                f"{_error_text(answer.text)}"
            )
        try:
            id_token = answer.json()["id_token"]
        except (ValueError, KeyError, TypeError):
            raise Unauthenticated("the OIDC issuer answered without an ID token") from None
        claims = self.verifier.claims(str(id_token), audience=self.client_id)
        if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(
            claims["nonce"], nonce
        ):
            raise Unauthenticated("the ID token's nonce is not this sign-in's")
        return self.verifier.identity(claims)


_DISCOVERED: dict[str, dict[str, Any]] = {}


def discover(issuer: str, timeout: float = 10.0) -> dict[str, Any]:
    """The issuer's OpenID discovery document (``/.well-known/openid-configuration``), read
    once per process; it must name the issuer itself."""
    issuer = issuer.rstrip("/")
    found = _DISCOVERED.get(issuer)
    if found is not None:
        return found
    import httpx

    url = f"{issuer}/.well-known/openid-configuration"
    try:
        answer = httpx.get(url, timeout=timeout)
        answer.raise_for_status()
        data = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise DependencyUnavailable(f"{url} cannot be read: {exc}") from None
    if not isinstance(data, dict):
        raise DependencyUnavailable(f"{url} is not a JSON object")
    if str(data.get("issuer", "")).rstrip("/") != issuer:
        raise DependencyUnavailable(
            f"the OIDC discovery document names issuer {data.get('issuer')!r}, not {issuer!r}"
        )
    _DISCOVERED[issuer] = data
    return data


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _error_text(body: str) -> str:
    """The OAuth error of a refusal, short (never the request's secrets: it holds none)."""
    try:
        data = json.loads(body)
    except ValueError:
        return body[:200]
    if isinstance(data, dict):
        return " ".join(str(data.get(k, "")) for k in ("error", "error_description")).strip()
    return body[:200]
