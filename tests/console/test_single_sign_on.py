"""Console single sign-on: the OIDC authorization code flow with PKCE, against a provider
served over HTTP (``oidc_provider.py``), and every way it must refuse."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from console_support import TENANT
from fastapi.testclient import TestClient
from oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, running_provider
from sqlalchemy import Engine, select

from golive.api.app import create_app
from golive.settings import Settings
from golive.storage.ledger import audit_entries


@pytest.fixture
def engine(seeded_engine) -> Engine:
    return seeded_engine[0]


@pytest.fixture
def provider() -> Iterator[Provider]:
    with running_provider() as p:
        yield p


@pytest.fixture
def client(seeded_engine, provider: Provider) -> Iterator[TestClient]:
    engine, data = seeded_engine
    settings = Settings(
        database_url=data.url,
        session_secret="test-secret",
        oidc_issuer=provider.issuer,
        oidc_jwks=f"{provider.issuer}/jwks",
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
    )
    with TestClient(create_app(settings, engine=engine)) as c:
        yield c


def _to_provider(client: TestClient, next_: str = "/releases") -> str:
    """Start a sign-in; the URL the browser is sent to at the provider."""
    answer = client.get("/sign-in/oidc", params={"next": next_}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def _back_from_provider(authorize_url: str) -> str:
    """What the provider redirects the browser to: the console's callback with a code."""
    answer = httpx.get(authorize_url, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["location"])
    assert back.path == "/sign-in/oidc/callback"
    return f"{back.path}?{back.query}"


def test_the_sign_in_page_offers_single_sign_on(client: TestClient) -> None:
    assert 'href="/sign-in/oidc?next=' in client.get("/sign-in").text


def test_a_person_signs_in_with_the_identity_provider(client: TestClient, engine: Engine) -> None:
    url = _to_provider(client)
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["client_id"] == [CLIENT_ID]
    assert {"state", "nonce", "code_challenge"} <= query.keys()
    answer = client.get(_back_from_provider(url), follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/releases"
    page = client.get("/")
    assert page.status_code == 200
    assert TENANT in page.text
    assert "release-manager" in page.text
    with engine.connect() as c:
        actors = [
            r.actor
            for r in c.execute(
                select(audit_entries.c.actor).where(audit_entries.c.action == "console.signed_in")
            )
        ]
    assert "oidc:alice@example.com" in actors


def test_a_callback_whose_state_was_not_started_here_is_refused(client: TestClient) -> None:
    back = _back_from_provider(_to_provider(client))
    forged = back.replace("state=", "state=x")
    answer = client.get(forged, follow_redirects=False)
    assert answer.status_code == 400
    assert "not started here" in answer.text
    assert client.get("/", follow_redirects=False).status_code == 303  # still signed out


def test_a_callback_is_used_once(client: TestClient) -> None:
    back = _back_from_provider(_to_provider(client))
    assert client.get(back, follow_redirects=False).status_code == 303
    client.cookies.clear()
    again = client.get(back, follow_redirects=False)
    assert again.status_code == 400


@pytest.mark.parametrize(
    ("misbehave", "message"),
    [
        ("wrong-nonce", "nonce is not this sign-in"),
        ("wrong-audience", "not accepted"),
        ("no-id-token", "without an ID token"),
    ],
)
def test_an_id_token_that_does_not_check_out_signs_nobody_in(
    client: TestClient, provider: Provider, misbehave: str, message: str
) -> None:
    provider.misbehave = misbehave
    answer = client.get(_back_from_provider(_to_provider(client)), follow_redirects=False)
    assert answer.status_code == 401
    assert message in answer.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_refusal_at_the_provider_is_shown(client: TestClient) -> None:
    _to_provider(client)
    answer = client.get("/sign-in/oidc/callback", params={"error": "access_denied", "state": "x"})
    assert answer.status_code == 401
    assert "access_denied" in answer.text


def test_without_a_jwks_setting_the_keys_come_from_the_discovery_document(
    seeded_engine, provider: Provider
) -> None:
    engine, data = seeded_engine
    settings = Settings(
        database_url=data.url,
        session_secret="test-secret",
        oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
    )
    with TestClient(create_app(settings, engine=engine)) as c:
        answer = c.get(_back_from_provider(_to_provider(c)), follow_redirects=False)
        assert answer.status_code == 303, answer.text
        assert c.get("/").status_code == 200


def test_without_a_client_id_there_is_no_single_sign_on(seeded_engine) -> None:
    engine, data = seeded_engine
    settings = Settings(database_url=data.url, session_secret="test-secret")
    with TestClient(create_app(settings, engine=engine)) as c:
        assert "/sign-in/oidc" not in c.get("/sign-in").text
        assert c.get("/sign-in/oidc").status_code == 404
