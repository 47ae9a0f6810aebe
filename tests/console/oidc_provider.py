"""A small OpenID Connect provider for the console's single sign-on tests, served over HTTP.

No identity provider can run here (no network, no Keycloak or Dex package), so the tests
serve the provider side of the authorization code flow with PKCE as OpenID Connect Core and
RFC 7636 describe it: discovery, an authorization endpoint that signs the user in at once,
a token endpoint that checks the client's secret, the code, its redirect URI and the PKCE
verifier, and a JWKS. The ID tokens are RS256 JWTs signed by a fresh key. ``misbehave``
makes it answer the ways a broken or hostile provider would.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse

CLIENT_ID = "golive-console"
CLIENT_SECRET = "s3cret-for-tests"


@dataclass
class Provider:
    issuer: str
    user: dict[str, Any] = field(
        default_factory=lambda: {
            "sub": "u-123",
            "email": "alice@example.com",
            "golive_tenant": "pumuki-saas",
            "golive_role": "release-manager",
        }
    )
    misbehave: str = ""  # "", "wrong-nonce", "wrong-audience", "no-id-token"
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]}

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {
            **self.user,
            "iss": self.issuer,
            "aud": "someone-else" if self.misbehave == "wrong-audience" else CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": "not-the-nonce" if self.misbehave == "wrong-nonce" else nonce,
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "k1"})


def _app(provider: Provider) -> FastAPI:
    app = FastAPI()

    @app.get("/.well-known/openid-configuration")
    def discovery() -> JSONResponse:
        return JSONResponse(
            {
                "issuer": provider.issuer,
                "authorization_endpoint": f"{provider.issuer}/authorize",
                "token_endpoint": f"{provider.issuer}/token",
                "jwks_uri": f"{provider.issuer}/jwks",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            }
        )

    @app.get("/jwks")
    def jwks() -> JSONResponse:
        return JSONResponse(provider.jwks())

    @app.get("/authorize")
    def authorize(request: Request) -> Any:
        q = request.query_params
        if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code":
            return JSONResponse({"error": "unauthorized_client"}, status_code=400)
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(16)
        provider.codes[code] = {
            "nonce": q.get("nonce", ""),
            "challenge": q["code_challenge"],
            "redirect_uri": q["redirect_uri"],
        }
        back = {"code": code, "state": q.get("state", "")}
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode(back)}", status_code=302)

    @app.post("/token")
    def token(
        request: Request,
        grant_type: str = Form(""),
        code: str = Form(""),
        redirect_uri: str = Form(""),
        code_verifier: str = Form(""),
    ) -> JSONResponse:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = provider.codes.pop(code, None)  # a code is redeemed once
        if grant_type != "authorization_code" or grant is None:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        digest = hashlib.sha256(code_verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if challenge != grant["challenge"] or redirect_uri != grant["redirect_uri"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        if provider.misbehave == "no-id-token":
            return JSONResponse({"access_token": "x", "token_type": "Bearer"})
        body = {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "id_token": provider.id_token(grant["nonce"]),
        }
        return JSONResponse(body)

    return app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def running_provider() -> Iterator[Provider]:
    port = _free_port()
    provider = Provider(issuer=f"http://127.0.0.1:{port}")
    config = uvicorn.Config(_app(provider), host="127.0.0.1", port=port, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.02)
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(10)
