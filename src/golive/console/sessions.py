"""Console sessions: a signed cookie, a CSRF token, and who the session stands for.

The cookie ``golive_session`` holds ``base64url(json).base64url(HMAC-SHA256)``, signed
with the app's session key (``GOLIVE_SESSION_SECRET``, or a random key per process when
unset). It is HttpOnly, SameSite=Lax, and Secure when the request came over TLS. It
holds no secret: for an API token it carries the token's SHA-256, and the token is looked
up again on every request (revoking the token ends its sessions); for an OIDC identity it
carries tenant, role and subject, and ends when the JWT would have.

Every session, signed in or not, carries a random CSRF token; every form sends it back
in the field ``csrf`` (or the ``X-CSRF-Token`` header, for htmx) and a POST without
the right one is refused with 403.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

COOKIE = "golive_session"
LIFETIME_SECONDS = 8 * 3600


@dataclass
class Session:
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    expires: int = 0
    kind: str = ""  # "", "token" or "oidc"
    token_hash: str = ""
    tenant: str = ""
    role: str = ""
    actor: str = ""
    flash: str = ""
    # an OIDC sign-in under way: what the callback must find again (state, nonce, PKCE
    # verifier) and where to go after it; the cookie is signed, and cleared once used
    login: dict[str, str] = field(default_factory=dict)

    @property
    def signed_in(self) -> bool:
        return bool(self.kind) and self.expires > int(time.time())

    def as_dict(self) -> dict[str, Any]:
        return {
            "c": self.csrf,
            "e": self.expires,
            "k": self.kind,
            "h": self.token_hash,
            "t": self.tenant,
            "r": self.role,
            "a": self.actor,
            "f": self.flash,
            "l": self.login,
        }


class SessionCodec:
    """Signs and opens session cookies with one key."""

    def __init__(self, key: bytes) -> None:
        self._key = hashlib.sha256(b"golive-console-session\x00" + key).digest()

    def dump(self, session: Session) -> str:
        body = _b64(json.dumps(session.as_dict(), separators=(",", ":")).encode())
        return f"{body}.{self._sign(body)}"

    def load(self, value: str | None) -> Session | None:
        """The session in ``value``; None when absent, forged, malformed or expired."""
        if not value or value.count(".") != 1:
            return None
        body, signature = value.split(".")
        if not hmac.compare_digest(signature, self._sign(body)):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            session = Session(
                csrf=str(data["c"]),
                expires=int(data["e"]),
                kind=str(data["k"]),
                token_hash=str(data["h"]),
                tenant=str(data["t"]),
                role=str(data["r"]),
                actor=str(data["a"]),
                flash=str(data.get("f", "")),
                login={str(k): str(v) for k, v in dict(data.get("l") or {}).items()},
            )
        except (ValueError, KeyError, TypeError):
            return None
        if session.kind and session.expires <= int(time.time()):
            return Session()  # expired: signed out, with a fresh CSRF token
        return session

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())


def csrf_ok(session: Session, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(session.csrf.encode(), (sent or "").encode())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
