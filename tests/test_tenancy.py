"""Tenants, API keys, idempotent retries and rate limits: every request is one tenant's, sees only that
tenant's documents, batches and webhook subscriptions (another tenant's ids answer 404, as if they did
not exist), can be retried safely with an Idempotency-Key, and is counted against its key's limit."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from api.app import create_app
from cli.main import app as cli
from models.batches import open_batch
from models.idempotency import StoredAnswer, claim_key, store_answer
from models.intake import RejectedUpload, submit_document
from models.migrate import upgrade_database
from models.queries import DocumentFilter, filtered_documents, tenant_document, tenant_entities
from models.schema import Batch, Document, DocumentFile, WebhookDelivery
from models.tenancy import issue_api_key, tenant_named
from models.webhooks import create_subscription, record_event
from tests.conftest import TEST_KEY_RATE_LIMIT

CONTRACT = "Nordlys ApS ansætter Mette Hansen. Løn 32.500,00 kr. pr. måned."


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def other_token(db_session: Session) -> str:
    """A key of a second tenant, `other`."""
    token = issue_api_key(db_session, "other", rate_limit_per_minute=TEST_KEY_RATE_LIMIT).token
    db_session.commit()
    return token


def upload(client: TestClient, data: bytes, token: str | None = None, **form: str):
    headers = bearer(token) if token else {}
    return client.post("/v1/documents", files={"file": ("k.txt", data)}, data=form, headers=headers)


# --------------------------------------------------------------------------------------------------
# Keys


def test_a_key_from_the_cli_works_until_it_is_revoked_by_its_prefix(clean_database) -> None:
    runner = CliRunner()
    created = runner.invoke(cli, ["keys", "create", "--tenant", "acme", "--name", "dms sync"])
    token = created.output.strip().splitlines()[-1]
    prefix = token[:12]

    with TestClient(create_app()) as api:
        before = api.get("/v1/documents", headers=bearer(token))
        listed = runner.invoke(cli, ["keys", "list"])
        revoked = runner.invoke(cli, ["keys", "revoke", prefix])
        after = api.get("/v1/documents", headers=bearer(token))
    unknown = runner.invoke(cli, ["keys", "revoke", "cner_nothere"])

    assert created.exit_code == 0 and token.startswith("cner_") and len(token) > 40
    assert before.status_code == 200 and before.json()["items"] == []
    assert listed.exit_code == 0 and "acme" in listed.output and prefix in listed.output
    assert token not in listed.output
    assert revoked.exit_code == 0
    assert after.status_code == 401 and "revoked" in after.json()["detail"]
    assert unknown.exit_code == 1


def test_keys_are_stored_as_hashes_only(db_session: Session) -> None:
    issued = issue_api_key(db_session, "acme")

    row = db_session.execute(text("SELECT key_sha256, prefix FROM api_keys WHERE id = :id"), {"id": issued.api_key.id})
    key_sha256, prefix = row.one()

    assert issued.token not in (key_sha256, prefix)
    assert len(key_sha256) == 64 and issued.token.startswith(prefix)


def test_requests_without_a_valid_key_are_401_and_operations_endpoints_stay_open(
    client: TestClient, api_token: str
) -> None:
    del client.headers["Authorization"]

    missing = client.get("/v1/documents")
    wrong = client.get("/v1/documents", headers=bearer("cner_" + "x" * 43))
    as_x_api_key = client.get("/v1/documents", headers={"X-API-Key": api_token})

    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == "Bearer"
    assert "missing API key" in missing.json()["detail"]
    assert wrong.status_code == 401
    assert upload(client, CONTRACT.encode()).status_code == 401
    assert client.post("/v1/batches", json={}).status_code == 401
    assert client.get("/v1/webhooks").status_code == 401
    assert as_x_api_key.status_code == 200
    for open_path in ("/healthz", "/readyz", "/metrics", "/docs", "/openapi.json"):
        assert client.get(open_path).status_code == 200, open_path


def test_with_auth_off_everything_is_the_default_tenant(
    client: TestClient, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from models.settings import get_settings

    mine = submit_document(db_session, CONTRACT.encode()).document  # the CLI's way: the default tenant
    db_session.commit()
    monkeypatch.setattr(get_settings(), "auth_required", False)
    del client.headers["Authorization"]

    listed = client.get("/v1/documents")

    assert listed.status_code == 200
    assert [d["id"] for d in listed.json()["items"]] == [str(mine.id)]


# --------------------------------------------------------------------------------------------------
# Isolation


def test_another_tenants_documents_are_404_for_every_read_and_delete(
    client: TestClient, db_session: Session, other_token: str
) -> None:
    theirs = upload(client, CONTRACT.encode(), other_token, external_id="DMS-1").json()["id"]
    mine = upload(client, CONTRACT.encode(), external_id="DMS-1").json()

    paths = ["", "/entities", "/text", "/card", "/file", "/pages", "/pages/1"]
    answers = [client.get(f"/v1/documents/{theirs}{path}").status_code for path in paths]
    deleted = client.delete(f"/v1/documents/{theirs}")
    listed = client.get("/v1/documents").json()["items"]
    entities = client.get("/v1/entities", params={"document_id": theirs}).json()["items"]
    exported = client.get("/v1/documents/export", params={"format": "jsonl"}).text

    assert answers == [404] * len(paths)
    assert deleted.status_code == 404 and db_session.get(Document, uuid.UUID(theirs)) is not None
    assert [d["id"] for d in listed] == [mine["id"]]
    assert entities == [] and theirs not in exported
    # The same bytes and DMS id in two tenants are two documents, each a first version.
    assert mine["id"] != theirs and mine["duplicate"] is False
    assert client.get(f"/v1/documents/{mine['id']}").json()["version"] == 1


def test_another_tenants_batch_cannot_be_read_closed_or_uploaded_into(client: TestClient, other_token: str) -> None:
    theirs = client.post("/v1/batches", json={"name": "theirs"}, headers=bearer(other_token)).json()["id"]

    into = upload(client, CONTRACT.encode(), batch_id=theirs)

    assert client.get(f"/v1/batches/{theirs}").status_code == 404
    assert client.post(f"/v1/batches/{theirs}/close").status_code == 404
    assert into.status_code == 404 and "unknown_batch" in into.json()["detail"]
    report = client.get(f"/v1/batches/{theirs}", headers=bearer(other_token)).json()
    assert report["closed"] is False and report["manifest"] == []


def test_another_tenants_webhook_subscriptions_are_invisible(client: TestClient, other_token: str) -> None:
    body = {"url": "https://93.184.215.14/hook", "events": ["document.done"]}
    theirs = client.post("/v1/webhooks", json=body, headers=bearer(other_token)).json()["id"]

    assert client.get("/v1/webhooks").json() == []
    assert client.get(f"/v1/webhooks/{theirs}/deliveries").status_code == 404
    assert client.delete(f"/v1/webhooks/{theirs}").status_code == 404
    assert [s["id"] for s in client.get("/v1/webhooks", headers=bearer(other_token)).json()] == [theirs]


def test_the_query_layer_finds_nothing_of_another_tenant(db_session: Session) -> None:
    acme = issue_api_key(db_session, "acme").api_key.tenant_id
    other = issue_api_key(db_session, "other").api_key.tenant_id
    document = submit_document(db_session, CONTRACT.encode(), tenant_id=acme).document
    their_batch = open_batch(db_session, "theirs", tenant_id=other)

    assert tenant_document(db_session, other, document.id) is None
    assert tenant_document(db_session, acme, document.id) is document
    assert db_session.execute(filtered_documents(DocumentFilter(), other)).all() == []
    assert len(db_session.execute(filtered_documents(DocumentFilter(), acme)).all()) == 1
    assert db_session.scalars(tenant_entities(other, document_id=document.id)).all() == []
    with pytest.raises(RejectedUpload) as refused:
        submit_document(db_session, b"Andet dokument", tenant_id=acme, batch_id=their_batch.id)
    assert refused.value.status_code == 404


def test_events_go_only_to_the_subscriptions_of_the_documents_tenant(db_session: Session) -> None:
    acme = issue_api_key(db_session, "acme").api_key.tenant_id
    other = issue_api_key(db_session, "other").api_key.tenant_id
    mine = create_subscription(db_session, "https://93.184.215.14/acme", ["document.done"], tenant_id=acme)
    create_subscription(db_session, "https://93.184.215.14/other", ["document.done"], tenant_id=other)

    ids = record_event(db_session, "document.done", {"document_id": "d"}, tenant_id=acme)

    assert [db_session.get(WebhookDelivery, i).subscription_id for i in ids] == [mine.id]  # type: ignore[union-attr]


# --------------------------------------------------------------------------------------------------
# Idempotency-Key


def test_a_retry_with_the_same_idempotency_key_returns_the_first_answer(
    client: TestClient, db_session: Session
) -> None:
    key = {"Idempotency-Key": "upload-7f3a"}
    form = {"external_id": "DMS-9"}

    first = client.post("/v1/documents", files={"file": ("k.txt", CONTRACT.encode())}, data=form, headers=key)
    retry = client.post("/v1/documents", files={"file": ("k.txt", CONTRACT.encode())}, data=form, headers=key)
    plain = client.post("/v1/documents", files={"file": ("k.txt", CONTRACT.encode())}, data=form)

    assert first.status_code == retry.status_code == 202
    assert retry.json() == first.json() and retry.json()["duplicate"] is False
    assert retry.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert (plain.status_code, plain.json()["duplicate"]) == (200, True)  # without a key: dedup's answer
    assert db_session.scalar(select(func.count()).select_from(Document)) == 1


def test_the_same_idempotency_key_with_a_different_request_is_refused(client: TestClient) -> None:
    key = {"Idempotency-Key": "upload-1"}
    client.post("/v1/documents", files={"file": ("k.txt", CONTRACT.encode())}, headers=key)

    other_bytes = client.post("/v1/documents", files={"file": ("k.txt", b"Et andet dokument")}, headers=key)
    other_field = client.post(
        "/v1/documents", files={"file": ("k.txt", CONTRACT.encode())}, data={"external_id": "X"}, headers=key
    )

    assert other_bytes.status_code == other_field.status_code == 422
    assert "already used for a different request" in other_bytes.json()["detail"]


def test_idempotency_keys_are_per_tenant_and_cover_batches(
    client: TestClient, db_session: Session, other_token: str
) -> None:
    key = {"Idempotency-Key": "nightly-2024-06-01"}

    first = client.post("/v1/batches", json={"name": "nightly"}, headers=key)
    retry = client.post("/v1/batches", json={"name": "nightly"}, headers=key)
    changed = client.post("/v1/batches", json={"name": "weekly"}, headers=key)
    theirs = client.post("/v1/batches", json={"name": "nightly"}, headers={**key, **bearer(other_token)})

    assert first.status_code == retry.status_code == theirs.status_code == 201
    assert retry.json()["id"] == first.json()["id"] != theirs.json()["id"]
    assert changed.status_code == 422
    assert db_session.scalar(select(func.count()).select_from(Batch)) == 2


def test_a_concurrent_retry_waits_for_the_first_request_and_replays_its_answer(
    clean_database, migrated_engine: Engine
) -> None:
    with Session(migrated_engine) as setup:
        tenant_id = issue_api_key(setup, "acme").api_key.tenant_id
        setup.commit()
    replayed: list[object] = []

    def retry() -> None:
        with Session(migrated_engine) as session:
            replayed.append(claim_key(session, tenant_id, "POST /v1/batches", "k", "same-request", 60))

    with Session(migrated_engine) as first:
        claim = claim_key(first, tenant_id, "POST /v1/batches", "k", "same-request", 60)
        batch_id = open_batch(first, "nightly", tenant_id=tenant_id).id
        racer = threading.Thread(target=retry)
        racer.start()
        racer.join(timeout=1.0)
        waiting = racer.is_alive()  # blocked on the unique index until the first commits
        assert not isinstance(claim, StoredAnswer)
        store_answer(first, claim, 201, {"id": str(batch_id)})
        first.commit()
    racer.join(timeout=10)

    assert waiting
    assert replayed == [StoredAnswer(201, {"id": str(batch_id)})]
    with Session(migrated_engine) as check:
        assert check.scalar(select(func.count()).select_from(Batch)) == 1


# --------------------------------------------------------------------------------------------------
# Rate limits


def test_a_key_over_its_rate_limit_gets_429_with_retry_after(client: TestClient, db_session: Session) -> None:
    tenant = tenant_named(db_session, "tests")
    assert tenant is not None
    limited = issue_api_key(db_session, tenant.name, rate_limit_per_minute=2).token
    db_session.commit()

    answers = [client.get("/v1/documents", headers=bearer(limited)) for _ in range(3)]
    unlimited = client.get("/v1/documents")

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert 1 <= int(answers[2].headers["Retry-After"]) <= 60
    assert "2 requests per minute" in answers[2].json()["detail"]
    assert unlimited.status_code == 200  # the same tenant's other key has its own count


# --------------------------------------------------------------------------------------------------
# The web page's sign-in


def test_the_web_page_signs_in_with_a_key_kept_in_an_httponly_cookie(client: TestClient, api_token: str) -> None:
    del client.headers["Authorization"]

    anonymous = client.get("/", follow_redirects=False)
    refused = client.post("/login", data={"api_key": "cner_wrong"})
    cross_site = client.post("/login", data={"api_key": api_token}, headers={"Origin": "https://evil.example"})
    signed_in = client.post("/login", data={"api_key": api_token}, follow_redirects=False)
    index = client.get("/")
    api_with_cookie = client.get("/v1/documents")
    client.post("/logout")
    signed_out = client.get("/", follow_redirects=False)

    assert (anonymous.status_code, anonymous.headers["location"]) == (303, "/login")
    assert refused.status_code == 401 and "unknown or revoked" in refused.text
    assert cross_site.status_code == 403
    assert signed_in.status_code == 303
    cookie = signed_in.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert index.status_code == 200 and "Sign out" in index.text
    assert api_with_cookie.status_code == 200
    assert signed_out.status_code == 303


# --------------------------------------------------------------------------------------------------
# Migration


def test_the_migration_moves_existing_rows_into_the_default_tenant_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'embedded.db'}"
    upgrade_database(url, "0004")
    engine = create_engine(url)
    document_id = uuid.uuid4()
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO documents (id, sha256, content_type, size_bytes, version, status, created_at) "
                "VALUES (:id, 'abc', 'text/plain', 3, 1, 'done', '2024-01-01')"
            ),
            {"id": document_id.hex},
        )
        connection.execute(
            text("INSERT INTO document_files (document_id, content) VALUES (:id, 'abc')"), {"id": document_id.hex}
        )

    upgrade_database(url)

    with Session(engine) as session:
        document = session.get(Document, document_id)
        default = tenant_named(session, "default")
        assert document is not None and default is not None
        assert document.tenant_id == default.id
        # Batch mode recreated `documents`: its children must survive (no cascade on the old table's drop).
        assert session.get(DocumentFile, document_id) is not None
    engine.dispose()
