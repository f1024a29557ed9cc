"""The web page's sign-in: the cookie carries a random session id (its hash in `web_sessions`), never the
API key; the session ends at sign-out, when its key is revoked, after the idle limit and at its absolute
expiry; `__Host-` and Secure over https; a cookie-authenticated unsafe request from another origin is
refused (CSRF); and every page is sent with a Content-Security-Policy that allows no inline script."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.auth import LEGACY_API_KEY_COOKIE, SECURE_SESSION_COOKIE, SESSION_COOKIE
from models.intake import submit_document
from models.schema import Entity, ModelVersion, WebSession, utcnow
from models.settings import get_settings
from models.tenancy import revoke_api_key, tenant_named, token_sha256

CONTRACT = "Nordlys ApS ansætter Mette Hansen. Løn 32.500,00 kr. pr. måned."


def sign_in(client: TestClient, token: str) -> str:
    """Sign in through the form; the session cookie's value."""
    client.headers.pop("Authorization", None)
    response = client.post("/login", data={"api_key": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    name = SECURE_SESSION_COOKIE if client.base_url.scheme == "https" else SESSION_COOKIE
    value = client.cookies.get(name)
    assert value
    return value


def set_cookie_attributes(response) -> dict[str, str]:
    header = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and "session" in v)
    name, _, rest = header.partition("=")
    attributes = {"name": name}
    for part in rest.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        attributes[key.lower()] = value
    return attributes


# --------------------------------------------------------------------------------------------------
# What the cookie is


def test_the_cookie_is_a_random_session_id_stored_as_a_hash_never_the_key(
    client: TestClient, api_token: str, db_session: Session
) -> None:
    client.headers.pop("Authorization")
    signed_in = client.post("/login", data={"api_key": api_token}, follow_redirects=False)
    value = client.cookies.get(SESSION_COOKIE)
    stored = db_session.scalars(select(WebSession)).all()

    cookie = set_cookie_attributes(signed_in)
    assert value and value != api_token and api_token not in signed_in.headers["set-cookie"]
    assert [s.token_sha256 for s in stored] == [token_sha256(value)]
    assert cookie["name"] == SESSION_COOKIE and cookie["path"] == "/"
    assert "httponly" in cookie and cookie["samesite"].lower() == "strict"
    assert "secure" not in cookie and "domain" not in cookie  # plain http: browsers refuse Secure/__Host- here
    assert int(cookie["max-age"]) == int(get_settings().session_lifetime_s)
    assert client.get("/v1/documents").status_code == 200


def test_over_https_the_cookie_is_host_prefixed_and_secure(client: TestClient, api_token: str) -> None:
    secure = TestClient(client.app, base_url="https://testserver")
    signed_in = secure.post("/login", data={"api_key": api_token}, follow_redirects=False)
    cookie = set_cookie_attributes(signed_in)
    value = signed_in.cookies.get(SECURE_SESSION_COOKIE)
    secure.cookies.clear()

    plain_name_over_https = secure.get("/v1/documents", cookies={SESSION_COOKIE: value})

    assert cookie["name"] == SECURE_SESSION_COOKIE and "secure" in cookie and cookie["path"] == "/"
    assert "domain" not in cookie
    assert secure.get("/v1/documents", cookies={SECURE_SESSION_COOKIE: value}).status_code == 200
    assert plain_name_over_https.status_code == 401  # each scheme reads only its own cookie name


def test_with_tls_terminated_in_front_the_cookie_is_host_prefixed_on_http_too(
    client: TestClient, api_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "secure_cookies", True)

    signed_in = client.post("/login", data={"api_key": api_token}, follow_redirects=False)

    cookie = set_cookie_attributes(signed_in)
    assert cookie["name"] == SECURE_SESSION_COOKIE and "secure" in cookie


def test_the_old_cookie_with_the_raw_key_no_longer_authenticates(client: TestClient, api_token: str) -> None:
    client.headers.pop("Authorization")

    response = client.get("/v1/documents", cookies={LEGACY_API_KEY_COOKIE: api_token})

    assert response.status_code == 401


# --------------------------------------------------------------------------------------------------
# How a session ends


def test_sign_out_revokes_the_session_so_a_copied_cookie_stops_working(
    client: TestClient, api_token: str, db_session: Session
) -> None:
    value = sign_in(client, api_token)
    client.post("/logout")

    replayed = client.get("/v1/documents", cookies={SESSION_COOKIE: value})
    page = client.get("/", cookies={SESSION_COOKIE: value}, follow_redirects=False)

    assert replayed.status_code == 401 and "web session ended" in replayed.json()["detail"]
    assert page.status_code == 303 and page.headers["location"] == "/login"
    assert db_session.scalars(select(WebSession.revoked_at)).one() is not None


def test_revoking_the_key_ends_its_sessions(client: TestClient, api_token: str, db_session: Session) -> None:
    value = sign_in(client, api_token)
    revoke_api_key(db_session, api_token)
    db_session.commit()

    response = client.get("/v1/documents", cookies={SESSION_COOKIE: value})

    assert response.status_code == 401
    assert db_session.scalars(select(WebSession.revoked_at)).one() is not None


@pytest.mark.parametrize(
    ("column", "moved_back"),
    [("last_seen_at", "session_idle_s"), ("expires_at", None)],
    ids=["idle", "absolute"],
)
def test_a_session_ends_after_its_idle_limit_and_at_its_absolute_expiry(
    client: TestClient, api_token: str, db_session: Session, column: str, moved_back: str | None
) -> None:
    value = sign_in(client, api_token)
    assert client.get("/v1/documents").status_code == 200
    idle_s = get_settings().session_idle_s
    moment = utcnow() - timedelta(seconds=idle_s + 60) if moved_back else utcnow() - timedelta(seconds=1)
    db_session.execute(update(WebSession).values({column: moment}))
    db_session.commit()

    response = client.get("/v1/documents", cookies={SESSION_COOKIE: value})

    assert response.status_code == 401


def test_a_session_in_use_stays_alive_and_records_when_it_was_seen(
    client: TestClient, api_token: str, db_session: Session
) -> None:
    sign_in(client, api_token)
    earlier = utcnow() - timedelta(minutes=30)
    db_session.execute(update(WebSession).values(last_seen_at=earlier))
    db_session.commit()

    response = client.get("/v1/documents")

    db_session.expire_all()
    assert response.status_code == 200
    assert db_session.scalars(select(WebSession.last_seen_at)).one() > earlier


# --------------------------------------------------------------------------------------------------
# Cross-site requests


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "http://testserver:3000"},  # another port of the same host: Grafana, Flower
        {"Origin": "null"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
    ids=["foreign-origin", "other-port", "opaque-origin", "same-site", "cross-site"],
)
def test_a_cookie_authenticated_unsafe_request_from_another_origin_is_refused(
    client: TestClient, api_token: str, headers: dict[str, str]
) -> None:
    sign_in(client, api_token)

    batch = client.post("/v1/batches", json={"name": "csrf"}, headers=headers)
    upload = client.post("/v1/documents", files={"file": ("k.txt", CONTRACT.encode())}, headers=headers)
    read = client.get("/v1/documents", headers=headers)  # reading changes nothing

    assert batch.status_code == 403 and upload.status_code == 403
    assert "cross-site" in batch.json()["detail"]
    assert read.status_code == 200


def test_the_pages_own_requests_and_key_holders_from_anywhere_are_accepted(client: TestClient, api_token: str) -> None:
    sign_in(client, api_token)
    own = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}

    from_the_page = client.post("/v1/batches", json={"name": "own"}, headers=own)
    client.cookies.clear()
    with_a_key = client.post(
        "/v1/batches",
        json={"name": "key"},
        headers={"Origin": "https://dms.example", "Authorization": f"Bearer {api_token}"},
    )

    assert from_the_page.status_code == 201
    assert with_a_key.status_code == 201  # a browser never adds an Authorization header by itself


def test_sign_in_and_sign_out_from_another_site_are_refused(client: TestClient, api_token: str) -> None:
    client.headers.pop("Authorization")

    sign_in_elsewhere = client.post("/login", data={"api_key": api_token}, headers={"Sec-Fetch-Site": "cross-site"})
    value = sign_in(client, api_token)
    sign_out_elsewhere = client.post("/logout", headers={"Origin": "https://evil.example"})

    assert sign_in_elsewhere.status_code == 403
    assert sign_out_elsewhere.status_code == 403
    assert client.get("/v1/documents", cookies={SESSION_COOKIE: value}).status_code == 200


# --------------------------------------------------------------------------------------------------
# Response headers


def test_pages_and_answers_carry_a_policy_without_inline_script_and_no_framing(
    client: TestClient, api_token: str, db_session: Session
) -> None:
    tenant = tenant_named(db_session, "tests")
    assert tenant is not None
    document = submit_document(db_session, CONTRACT.encode(), filename="k.txt", tenant_id=tenant.id).document
    db_session.commit()
    sign_in(client, api_token)

    responses = {
        "login": client.get("/login"),
        "index": client.get("/"),
        "document": client.get(f"/documents/{document.id}"),
        "api": client.get("/v1/documents"),
        "script": client.get("/static/index.js"),
    }

    for name, response in responses.items():
        assert response.status_code == 200, name
        policy = response.headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"] == "'self'", name
        assert directives["frame-ancestors"] == "'none'", name
        assert "'unsafe-inline'" not in policy, name
        assert response.headers["x-content-type-options"] == "nosniff", name
        assert response.headers["referrer-policy"] == "same-origin", name
    for name in ("login", "index", "document"):
        assert not re.search(r"<script(?![^>]*\b(src|type=\"application/json\"))", responses[name].text), name
        assert " style=" not in responses[name].text, name


def test_the_document_pages_label_colours_come_in_a_style_block_with_this_responses_nonce(
    client: TestClient, api_token: str, db_session: Session
) -> None:
    tenant = tenant_named(db_session, "tests")
    assert tenant is not None
    document = submit_document(db_session, CONTRACT.encode(), filename="k.txt", tenant_id=tenant.id).document
    model = ModelVersion(name="tests", weights_sha256="0" * 64, labels=["B-EMPLOYER"])
    db_session.add(model)
    db_session.flush()
    db_session.add(
        Entity(document_id=document.id, label="EMPLOYER", text="Nordlys ApS", start_char=0, end_char=11,
               score=0.9, model_id=model.id)
    )  # fmt: skip
    db_session.commit()
    sign_in(client, api_token)

    first, second = client.get(f"/documents/{document.id}"), client.get(f"/documents/{document.id}")

    nonces = []
    for page in (first, second):
        nonce = re.search(r"'nonce-([^']+)'", page.headers["content-security-policy"])
        assert nonce is not None
        assert f'<style nonce="{nonce.group(1)}">' in page.text
        assert "background-color: #ffd166" in page.text  # EMPLOYER's colour, as a class
        nonces.append(nonce.group(1))
    assert nonces[0] != nonces[1]
