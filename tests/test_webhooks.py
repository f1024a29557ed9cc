"""Webhooks on real components: a real HTTP receiver on loopback, the real Postgres, Redis and a real
Celery worker process for the `webhooks` queue. Nothing is mocked."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

import models.webhooks
from models.db import session_scope
from models.schema import DeliveryState, WebhookDelivery, WebhookSubscription, utcnow
from models.settings import Settings, get_settings
from models.tenancy import default_tenant_id, tenant_named
from models.webhooks import (
    CallbackTarget,
    SubscriptionChange,
    check_callback_url,
    create_subscription,
    delivery_body,
    record_event,
    sign,
    signed_headers,
    update_subscription,
)
from tests.live_processes import CLI, REPO_ROOT, logs, running
from worker.webhook_delivery import deliver, make_client, post_once

DOC = REPO_ROOT / "docs" / "webhooks.md"
SECRET = "test-secret-0123456789abcdef"
DONE_PAYLOAD = {"document_id": str(uuid.UUID(int=7)), "external_id": "DMS-7", "version": 1, "entity_count": 3}


# ---------------------------------------------------------------------------------------------------
# A real receiver


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: Message
    body: bytes
    at: float


class Receiver:
    """A ThreadingHTTPServer on 127.0.0.1 answering each request with the next scripted status
    (then 200), recording method, path, headers and the raw body. With `hold`, every answer waits until
    the event is set: a request stays in flight for as long as a test needs."""

    def __init__(
        self, statuses: tuple[int, ...] = (), tls: ssl.SSLContext | None = None, hold: threading.Event | None = None
    ) -> None:
        self.requests: list[Received] = []
        self._statuses = list(statuses)
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.requests.append(Received(self.command, self.path, self.headers, body, time.monotonic()))
                    code = receiver._statuses.pop(0) if receiver._statuses else 200
                if hold is not None:
                    hold.wait(timeout=30)
                answer = b"" if code < 400 else b"nope"
                self.send_response(code)
                if 300 <= code < 400:
                    self.send_header("Location", f"{receiver.url}/followed")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_POST = _handle
            do_GET = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = int(self.server.server_address[1])
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout_s: float, explain: Callable[[], str] = str) -> list[Received]:
        deadline = time.monotonic() + timeout_s
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.requests) >= count, f"{len(self.requests)} of {count} requests arrived\n{explain()}"
        return list(self.requests)


def verify_snippet_source() -> str:
    """The Python block of docs/webhooks.md that receivers are told to copy."""
    match = re.search(r"<!-- verify-snippet[^>]*-->\s*```python\n(.*?)```", DOC.read_text(), re.S)
    assert match, "docs/webhooks.md lost its verify-snippet block"
    return match.group(1)


def documented_verify() -> Callable[..., bool]:
    namespace: dict[str, Any] = {}
    exec(compile(verify_snippet_source(), str(DOC), "exec"), namespace)
    verify: Callable[..., bool] = namespace["verify_webhook"]
    return verify


def loopback_settings(**overrides: Any) -> Settings:
    return get_settings().model_copy(
        update={"webhook_allow_loopback": True, "webhook_backoff_base_s": 0.2, "webhook_max_attempts": 3, **overrides}
    )


def subscribe(session: Session, url: str, events: tuple[str, ...] = ("document.done",)) -> WebhookSubscription:
    return create_subscription(session, url, list(events), SECRET, allow_loopback=True)


# ---------------------------------------------------------------------------------------------------
# URL rules


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8080/hook", "loopback"),
        ("http://127.9.9.9/", "loopback"),
        ("http://[::1]:8080/hook", "loopback"),
        ("http://localhost:8080/hook", "loopback"),
        ("http://2130706433/", "loopback"),  # 127.0.0.1 spelled as one number
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://10.1.2.3/hook", "private"),
        ("http://172.16.0.1/hook", "private"),
        ("http://172.31.255.254/hook", "private"),
        ("http://192.168.1.10/hook", "private"),
        ("http://[fd00::1]/hook", "private"),
        ("http://[fd12:3456:789a::1]/hook", "private"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://[fd00:ec2::254]/", "cloud metadata"),
        ("http://[::ffff:169.254.169.254]/", "cloud metadata"),
        ("http://[64:ff9b::a9fe:a9fe]/", "cloud metadata"),  # NAT64 of 169.254.169.254
        ("http://169.254.1.1/", "link-local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://0.0.0.0:8080/", "unspecified"),
        ("http://[::]/", "unspecified"),
        ("http://224.0.0.1/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://192.0.2.1/", "reserved"),  # documentation range
    ],
)
def test_internal_addresses_are_refused(url: str, reason: str) -> None:
    with pytest.raises(ValueError, match=f"a {reason} address: refused"):
        check_callback_url(url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://93.184.215.14/hook", "http or https"),
        ("file:///etc/passwd", "http or https"),
        ("gopher://93.184.215.14:70/", "http or https"),
        ("javascript:alert(1)", "http or https"),
        ("93.184.215.14/hook", "http or https"),
        ("http://user:password@93.184.215.14/hook", "credentials"),
        ("http://no-such-host.invalid/hook", "does not resolve"),
        ("http:///hook", "no host"),
    ],
)
def test_other_bad_urls_are_refused_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        check_callback_url(url, allow_private=True, allow_loopback=True)


@pytest.mark.parametrize(
    "url", ["https://93.184.215.14/hook", "http://93.184.215.14:8443/x", "https://[2606:4700::1111]/"]
)
def test_public_addresses_are_allowed(url: str) -> None:
    check_callback_url(url)


@pytest.mark.parametrize(
    "url", ["http://10.1.2.3/", "http://172.16.0.1/", "http://192.168.1.10/", "http://[fd00::1]/", "http://100.64.0.1/"]
)
def test_allow_private_admits_private_ranges_only(url: str) -> None:
    check_callback_url(url, allow_private=True)
    with pytest.raises(ValueError, match="private"):
        check_callback_url(url, allow_loopback=True)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/", "http://[::1]/", "http://localhost/"])
def test_allow_loopback_admits_loopback_only(url: str) -> None:
    check_callback_url(url, allow_loopback=True)
    with pytest.raises(ValueError, match="loopback"):
        check_callback_url(url, allow_private=True)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/",
        "http://[fd00:ec2::254]/",
        "http://169.254.10.10/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://255.255.255.255/",
    ],
)
def test_no_setting_admits_metadata_link_local_or_special_addresses(url: str) -> None:
    with pytest.raises(ValueError, match="refused"):
        check_callback_url(url, allow_private=True, allow_loopback=True)


# ---------------------------------------------------------------------------------------------------
# Signing and the wire format


def test_sign_is_hmac_sha256_over_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    body = b'{"a":1}'
    assert sign("k" * 16, 1700000000, body) == hmac.new(b"k" * 16, b"1700000000." + body, hashlib.sha256).hexdigest()


def test_the_documented_snippet_verifies_signed_headers_and_rejects_forgeries() -> None:
    verify = documented_verify()
    body = b'{"delivery_id":1,"event":"document.done"}'
    now = int(time.time())
    headers = signed_headers(SECRET, 1, "document.done", body, timestamp=now)

    assert verify(SECRET, headers, body)
    assert not verify(SECRET, headers, body + b" ")
    assert not verify("another-secret-0123456789", headers, body)
    assert not verify(SECRET, headers, body, now=now + 301)  # too old: a replay
    assert not verify(SECRET, {**headers, "X-Contract-NER-Timestamp": str(now + 1)}, body)
    assert not verify(SECRET, {}, body)
    assert "compare_digest" in verify_snippet_source()


# ---------------------------------------------------------------------------------------------------
# Subscriptions over HTTP


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:9000/hook", "loopback"),
        ("http://192.168.0.5/hook", "private"),
        ("http://169.254.169.254/", "metadata"),
        ("ftp://93.184.215.14/", "http or https"),
    ],
)
def test_the_api_answers_400_for_a_refused_url(client: TestClient, url: str, reason: str) -> None:
    response = client.post("/v1/webhooks", json={"url": url, "events": ["document.done"]})

    assert response.status_code == 400, response.text
    assert reason in response.json()["detail"]
    assert client.get("/v1/webhooks").json() == []


def test_a_refused_host_is_answered_with_its_category_and_only_the_log_keeps_the_address(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with structlog.testing.capture_logs() as logged:
        # A fresh logger: the module's own was cached on first use, before the capture began.
        monkeypatch.setattr(models.webhooks, "log", structlog.get_logger(models.webhooks.__name__))
        response = client.post("/v1/webhooks", json={"url": "http://localhost:9000/hook", "events": ["batch.done"]})

    detail = response.json()["detail"]
    refusals = [entry for entry in logged if entry["event"] == "webhook.callback_refused"]
    assert response.status_code == 400
    assert "'localhost' resolves to an address that is not allowed, a loopback address" in detail
    assert "127.0.0.1" not in detail and "::1" not in detail
    assert refusals and refusals[0]["host"] == "localhost" and refusals[0]["category"] == "loopback"
    assert refusals[0]["address"] in ("127.0.0.1", "::1")


def test_subscriptions_are_created_listed_and_deleted(client: TestClient, db_session: Session) -> None:
    generated = client.post("/v1/webhooks", json={"url": "https://93.184.215.14/hook", "events": ["batch.done"]})
    chosen = client.post(
        "/v1/webhooks",
        json={"url": "https://93.184.215.14/other", "events": ["document.done", "document.failed"], "secret": SECRET},
    )

    assert generated.status_code == 201 and chosen.status_code == 201
    secret = generated.json()["secret"]
    assert len(secret) >= 40  # 256 random bits, url-safe base64
    assert chosen.json()["secret"] is None  # the caller knows it; never echoed
    stored = db_session.get(WebhookSubscription, uuid.UUID(chosen.json()["id"]))
    assert stored is not None and stored.secret == SECRET
    listed = client.get("/v1/webhooks").json()
    assert [s["url"] for s in listed] == ["https://93.184.215.14/hook", "https://93.184.215.14/other"]
    assert all("secret" not in s for s in listed)

    assert client.delete(f"/v1/webhooks/{generated.json()['id']}").status_code == 204
    assert client.delete(f"/v1/webhooks/{generated.json()['id']}").status_code == 404
    assert [s["id"] for s in client.get("/v1/webhooks").json()] == [chosen.json()["id"]]


@pytest.mark.parametrize(
    "body",
    [
        {"url": "https://93.184.215.14/", "events": []},
        {"url": "https://93.184.215.14/", "events": ["document.shredded"]},
        {"url": "https://93.184.215.14/", "events": ["document.done"], "secret": "short"},
    ],
    ids=["no-events", "unknown-event", "short-secret"],
)
def test_invalid_subscriptions_are_rejected(client: TestClient, body: dict[str, Any]) -> None:
    assert client.post("/v1/webhooks", json=body).status_code == 422


def test_the_delivery_log_is_paged_newest_first(client: TestClient, db_session: Session) -> None:
    tenant = tenant_named(db_session, "tests")  # the client's (conftest's api_token)
    assert tenant is not None
    subscription = create_subscription(
        db_session, "https://93.184.215.14/hook", ["document.done", "document.failed"], tenant_id=tenant.id
    )
    ids = [record_event(db_session, "document.done", {"n": n}, tenant_id=tenant.id)[0] for n in range(3)]
    record_event(db_session, "batch.done", {"batch_id": "b"}, tenant_id=tenant.id)  # not subscribed: no delivery

    first = client.get(f"/v1/webhooks/{subscription.id}/deliveries", params={"limit": 2}).json()
    rest = client.get(f"/v1/webhooks/{subscription.id}/deliveries", params={"cursor": first["next_cursor"]}).json()

    assert [d["id"] for d in first["items"] + rest["items"]] == ids[::-1]
    assert rest["next_cursor"] is None
    assert first["items"][0] | {"created_at": None} == {
        "id": ids[2],
        "event": "document.done",
        "state": "pending",
        "attempts": 0,
        "last_status_code": None,
        "last_error": None,
        "attempt_log": [],
        "created_at": None,
        "next_attempt_at": None,
        "delivered_at": None,
        "redelivery_of": None,
    }
    assert client.get(f"/v1/webhooks/{uuid.uuid4()}/deliveries").status_code == 404


def test_record_event_fans_out_to_active_subscribers_of_that_event(db_session: Session) -> None:
    done = create_subscription(db_session, "https://93.184.215.14/a", ["document.done"])
    both = create_subscription(db_session, "https://93.184.215.14/b", ["document.failed", "document.done"])
    create_subscription(db_session, "https://93.184.215.14/c", ["batch.done"])
    inactive = create_subscription(db_session, "https://93.184.215.14/d", ["document.done"])
    inactive.active = False

    ids = record_event(
        db_session, "document.done", {"amount": Decimal("32500.10")}, tenant_id=default_tenant_id(db_session)
    )

    deliveries = [db_session.get(WebhookDelivery, i) for i in ids]
    assert sorted(d.subscription_id for d in deliveries if d) == sorted([done.id, both.id])
    assert all(d is not None and d.payload == {"amount": "32500.10"} for d in deliveries)
    with pytest.raises(ValueError, match="unknown webhook event"):
        record_event(db_session, "document.shredded", {}, tenant_id=default_tenant_id(db_session))


# ---------------------------------------------------------------------------------------------------
# One attempt at a time: worker.webhook_delivery.deliver on the real database and a real receiver


def test_a_redirect_is_not_followed_and_counts_as_a_failed_attempt(db_session: Session) -> None:
    settings = loopback_settings()
    with Receiver(statuses=(302,)) as receiver, httpx.Client(follow_redirects=True) as http:
        subscription = subscribe(db_session, f"{receiver.url}/hook")
        (delivery_id,) = record_event(
            db_session, "document.done", DONE_PAYLOAD, tenant_id=default_tenant_id(db_session)
        )

        delay = deliver(db_session, delivery_id, http, settings)
        time.sleep(0.3)  # room for a followed redirect to arrive, if one were made

    delivery = db_session.get(WebhookDelivery, delivery_id)
    assert delivery is not None and subscription.id == delivery.subscription_id
    assert [(r.method, r.path) for r in receiver.requests] == [("POST", "/hook")]
    assert delay == pytest.approx(0.2)
    assert delivery.state is DeliveryState.pending and delivery.attempts == 1
    assert delivery.last_status_code == 302
    assert (
        delivery.last_error is not None and "redirect" in delivery.last_error and "not followed" in delivery.last_error
    )
    assert delivery.attempt_log[0]["status_code"] == 302


def test_backoff_doubles_an_early_message_waits_and_the_last_failure_is_final(db_session: Session) -> None:
    settings = loopback_settings(webhook_max_attempts=3, webhook_backoff_base_s=0.3)
    with Receiver(statuses=(500, 503, 500, 500)) as receiver, make_client(settings) as http:
        subscribe(db_session, f"{receiver.url}/hook")
        (delivery_id,) = record_event(
            db_session, "document.done", DONE_PAYLOAD, tenant_id=default_tenant_id(db_session)
        )

        first = deliver(db_session, delivery_id, http, settings)
        early = deliver(db_session, delivery_id, http, settings)  # a duplicate message, before the retry is due
        assert first is not None and early is not None
        time.sleep(first)
        second = deliver(db_session, delivery_id, http, settings)
        assert second is not None
        time.sleep(second)
        third = deliver(db_session, delivery_id, http, settings)
        after = deliver(db_session, delivery_id, http, settings)

    delivery = db_session.get(WebhookDelivery, delivery_id)
    assert delivery is not None
    assert first == pytest.approx(0.3) and 0 < early <= 0.3 and second == pytest.approx(0.6)
    assert third is None and after is None
    assert len(receiver.requests) == 3  # the early message made no attempt, the finished one none either
    assert delivery.state is DeliveryState.failed and delivery.attempts == 3 and delivery.next_attempt_at is None
    assert [a["status_code"] for a in delivery.attempt_log] == [500, 503, 500]
    assert delivery.last_error == "HTTP 500: nope"
    assert all(a["duration_ms"] >= 0 and a["address"] == "127.0.0.1" for a in delivery.attempt_log)


def test_a_url_that_became_internal_is_refused_at_delivery_time(db_session: Session) -> None:
    with Receiver() as receiver, make_client(loopback_settings()) as http:
        subscribe(db_session, f"{receiver.url}/hook")  # accepted while loopback was allowed
        (delivery_id,) = record_event(
            db_session, "document.done", DONE_PAYLOAD, tenant_id=default_tenant_id(db_session)
        )

        delay = deliver(db_session, delivery_id, http, loopback_settings(webhook_allow_loopback=False))

    delivery = db_session.get(WebhookDelivery, delivery_id)
    assert delay is not None and receiver.requests == []
    assert delivery is not None and delivery.attempts == 1 and delivery.last_status_code is None
    assert delivery.last_error is not None and delivery.last_error.startswith("refused:")


def test_an_address_that_refuses_the_connection_falls_through_to_the_next_checked_one() -> None:
    with Receiver() as receiver, make_client(loopback_settings()) as http:
        target = CallbackTarget(
            url=httpx.URL(f"http://localhost:{receiver.port}/hook"),
            host="localhost",
            port=receiver.port,
            addresses=(ipaddress.ip_address("::1"), ipaddress.ip_address("127.0.0.1")),
        )
        outcome = post_once(http, target, b"{}", {"Content-Type": "application/json"}, 5.0)

    assert outcome.delivered and outcome.address == "127.0.0.1"
    assert receiver.requests[0].headers["Host"] == f"localhost:{receiver.port}"


def _tls_for_localhost(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for the name "localhost" only (no IP address in it)."""
    pytest.importorskip("cryptography")
    from datetime import UTC, datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    client = ssl.create_default_context(cadata=cert_pem.decode())
    return server, client


def test_https_goes_to_the_checked_address_and_verifies_the_certificate_against_the_name(
    db_session: Session, tmp_path: Path
) -> None:
    server_tls, client_tls = _tls_for_localhost(tmp_path)
    settings = loopback_settings()
    with Receiver(tls=server_tls) as receiver, httpx.Client(verify=client_tls, trust_env=False) as http:
        subscribe(db_session, f"https://localhost:{receiver.port}/hook")
        (delivery_id,) = record_event(
            db_session, "document.done", DONE_PAYLOAD, tenant_id=default_tenant_id(db_session)
        )

        delay = deliver(db_session, delivery_id, http, settings)

    delivery = db_session.get(WebhookDelivery, delivery_id)
    assert delivery is not None
    assert delay is None and delivery.state is DeliveryState.delivered, delivery.attempt_log
    assert receiver.requests[0].headers["Host"] == f"localhost:{receiver.port}"
    assert delivery.attempt_log[0]["address"] == "127.0.0.1"


# ---------------------------------------------------------------------------------------------------
# Through the real worker process


def truncate_webhooks(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("TRUNCATE webhook_deliveries, webhook_subscriptions RESTART IDENTITY CASCADE"))


@pytest.fixture
def committed_webhooks(migrated_engine: Engine) -> Iterator[None]:
    """For tests whose worker process must see committed rows (clean_database does not list these)."""
    truncate_webhooks(migrated_engine)
    yield
    truncate_webhooks(migrated_engine)


@pytest.fixture(scope="module")
def webhook_worker(migrated_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A real Celery worker on this process's `webhooks` queue (events are published by this process),
    already consuming: it has delivered one warm-up event before any test starts."""
    log_dir = tmp_path_factory.mktemp("webhook-worker-logs")
    env = {
        **os.environ,
        "CONTRACT_NER_QUEUE_PREFIX": get_settings().queue_prefix,
        "CONTRACT_NER_WEBHOOK_ALLOW_LOOPBACK": "true",
        "CONTRACT_NER_WEBHOOK_BACKOFF_BASE_S": "0.2",
        "CONTRACT_NER_WEBHOOK_TIMEOUT_S": "5",
        "CONTRACT_NER_WEBHOOK_MAX_ATTEMPTS": "3",
        "CONTRACT_NER_WEBHOOK_DISABLE_AFTER_FAILURES": "2",
    }
    with running({"webhook-worker": [*CLI, "worker", "--queues", "webhooks", "--concurrency", "1"]}, env, log_dir):
        truncate_webhooks(migrated_engine)
        with Receiver() as receiver:
            with session_scope() as session:
                subscribe(session, f"{receiver.url}/warm-up")
                record_event(session, "document.done", DONE_PAYLOAD, tenant_id=default_tenant_id(session))
            receiver.wait_for(1, timeout_s=120, explain=lambda: logs(log_dir))
        truncate_webhooks(migrated_engine)
        yield log_dir


def wait_for_state(delivery_id: int, state: DeliveryState, log_dir: Path, timeout_s: float = 90.0) -> WebhookDelivery:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with session_scope() as session:
            delivery = session.get(WebhookDelivery, delivery_id)
            if delivery is not None and delivery.state is state:
                return delivery
        time.sleep(0.1)
    raise AssertionError(f"delivery {delivery_id} did not become {state.value}\n{logs(log_dir)}")


def test_a_committed_event_reaches_the_receiver_once_signed(webhook_worker: Path, committed_webhooks: None) -> None:
    with Receiver() as receiver:
        with session_scope() as session:
            subscribe(session, f"{receiver.url}/hook", ("document.done", "document.failed"))
            (delivery_id,) = record_event(session, "document.done", DONE_PAYLOAD, tenant_id=default_tenant_id(session))
            # Still uncommitted: a message published now would reach the worker before the row exists
            # and be lost. Give the idle worker time to prove nothing was sent.
            time.sleep(1.0)
            assert receiver.requests == []
        requests = receiver.wait_for(1, timeout_s=90, explain=lambda: logs(webhook_worker))
        delivery = wait_for_state(delivery_id, DeliveryState.delivered, webhook_worker)
        time.sleep(0.5)  # a second POST would show up here

    assert len(receiver.requests) == 1
    (request,) = requests
    assert (request.method, request.path) == ("POST", "/hook")
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Contract-NER-Event"] == "document.done"
    assert request.headers["X-Contract-NER-Delivery"] == str(delivery_id)
    assert re.fullmatch(r"sha256=[0-9a-f]{64}", request.headers["X-Contract-NER-Signature"])
    assert documented_verify()(SECRET, request.headers, request.body)
    assert not documented_verify()(SECRET, request.headers, request.body.replace(b"DMS-7", b"DMS-8"))
    assert request.body == delivery_body(delivery)
    assert json.loads(request.body) == {
        "delivery_id": delivery_id,
        "event": "document.done",
        "occurred_at": delivery.created_at.isoformat(),
        "data": DONE_PAYLOAD,
    }
    assert delivery.attempts == 1 and delivery.last_status_code == 200 and delivery.delivered_at is not None


def test_two_500s_then_200_make_exactly_three_attempts(webhook_worker: Path, committed_webhooks: None) -> None:
    with Receiver(statuses=(500, 500)) as receiver:
        with session_scope() as session:
            subscribe(session, f"{receiver.url}/hook")
            (delivery_id,) = record_event(session, "document.done", DONE_PAYLOAD, tenant_id=default_tenant_id(session))
        receiver.wait_for(3, timeout_s=90, explain=lambda: logs(webhook_worker))
        delivery = wait_for_state(delivery_id, DeliveryState.delivered, webhook_worker)
        time.sleep(0.8)  # longer than the next backoff step: no fourth attempt may follow

    requests = receiver.requests
    assert len(requests) == 3
    assert len({r.body for r in requests}) == 1  # the same bytes on every attempt
    assert {r.headers["X-Contract-NER-Delivery"] for r in requests} == {str(delivery_id)}
    assert all(documented_verify()(SECRET, r.headers, r.body) for r in requests)
    # Backoff 0.2 s, then 0.4 s (a little scheduling slack below, none needed above).
    assert requests[1].at - requests[0].at >= 0.15 and requests[2].at - requests[1].at >= 0.35
    assert delivery.attempts == 3 and delivery.state is DeliveryState.delivered
    assert [a["status_code"] for a in delivery.attempt_log] == [500, 500, 200]
    assert [a["attempt"] for a in delivery.attempt_log] == [1, 2, 3]
    assert delivery.last_status_code == 200 and delivery.next_attempt_at is None


# ---------------------------------------------------------------------------------------------------
# The integration contract (issue 16): PATCH, secret rotation, ping, redelivery, disabling


def client_tenant(session: Session) -> uuid.UUID:
    tenant = tenant_named(session, "tests")  # the client's (conftest's api_token)
    assert tenant is not None
    return tenant.id


def test_patch_changes_events_url_and_the_entities_option_and_a_new_url_meets_the_same_rules(
    client: TestClient,
) -> None:
    created = client.post("/v1/webhooks", json={"url": "https://93.184.215.14/hook", "events": ["document.done"]})
    hook = f"/v1/webhooks/{created.json()['id']}"

    changed = client.patch(
        hook,
        json={"url": "https://93.184.215.34/new", "events": ["document.updated", "webhook.disabled"],
              "include_entities": True},
    )  # fmt: skip
    refused = client.patch(hook, json={"url": "http://127.0.0.1:8080/hook"})
    metadata = client.patch(hook, json={"url": "http://169.254.169.254/latest/meta-data/"})
    unknown_event = client.patch(hook, json={"events": ["document.shredded"]})

    assert changed.status_code == 200, changed.text
    assert changed.json()["secret"] is None  # no rotation asked for: no secret shown
    assert refused.status_code == 400 and "a loopback address: refused" in refused.json()["detail"]
    assert metadata.status_code == 400 and "a cloud metadata address: refused" in metadata.json()["detail"]
    assert unknown_event.status_code == 422
    (listed,) = client.get("/v1/webhooks").json()
    assert (listed["url"], listed["events"], listed["include_entities"]) == (
        "https://93.184.215.34/new",
        ["document.updated", "webhook.disabled"],
        True,
    )
    assert client.patch(f"/v1/webhooks/{uuid.uuid4()}", json={"include_entities": False}).status_code == 404


def test_a_rotated_secret_still_signs_beside_the_new_one_until_its_overlap_ends(
    client: TestClient, db_session: Session
) -> None:
    settings = loopback_settings()
    verify = documented_verify()
    with Receiver() as receiver, make_client(settings) as http:
        subscription = create_subscription(
            db_session, f"{receiver.url}/hook", ["document.done"], SECRET, allow_loopback=True,
            tenant_id=client_tenant(db_session),
        )  # fmt: skip
        rotated = client.patch(
            f"/v1/webhooks/{subscription.id}", json={"rotate_secret": True, "secret_overlap_s": 3600}
        ).json()
        new_secret = rotated["secret"]
        (during,) = record_event(db_session, "document.done", DONE_PAYLOAD, tenant_id=subscription.tenant_id)
        deliver(db_session, during, http, settings)
        # The overlap ends: only the new secret signs.
        subscription.previous_secret_expires_at = utcnow() - timedelta(seconds=1)
        (after,) = record_event(db_session, "document.done", DONE_PAYLOAD, tenant_id=subscription.tenant_id)
        deliver(db_session, after, http, settings)
        chosen = client.patch(
            f"/v1/webhooks/{subscription.id}", json={"secret": "chosen-secret-0123456789", "secret_overlap_s": 0}
        ).json()
        (unshared,) = record_event(db_session, "document.done", DONE_PAYLOAD, tenant_id=subscription.tenant_id)
        deliver(db_session, unshared, http, settings)

    first, second, third = receiver.requests
    assert new_secret is not None and len(new_secret) >= 40 and new_secret != SECRET
    assert rotated["previous_secret_expires_at"] is not None and chosen["secret"] is None
    assert re.fullmatch(r"sha256=[0-9a-f]{64},sha256=[0-9a-f]{64}", first.headers["X-Contract-NER-Signature"])
    assert verify(new_secret, first.headers, first.body) and verify(SECRET, first.headers, first.body)
    assert re.fullmatch(r"sha256=[0-9a-f]{64}", second.headers["X-Contract-NER-Signature"])
    assert verify(new_secret, second.headers, second.body) and not verify(SECRET, second.headers, second.body)
    assert verify("chosen-secret-0123456789", third.headers, third.body)
    assert not verify(new_secret, third.headers, third.body)  # overlap 0: the old one stops at once


def test_ping_reaches_the_endpoint_signed_even_when_the_subscription_is_disabled(
    client: TestClient, db_session: Session
) -> None:
    settings = loopback_settings()
    with Receiver() as receiver, make_client(settings) as http:
        subscription = create_subscription(
            db_session, f"{receiver.url}/hook", ["document.done"], SECRET, allow_loopback=True,
            tenant_id=client_tenant(db_session),
        )  # fmt: skip
        assert client.patch(f"/v1/webhooks/{subscription.id}", json={"active": False}).status_code == 200
        answer = client.post(f"/v1/webhooks/{subscription.id}/ping")
        deliver(db_session, answer.json()["id"], http, settings)
        # A real event to the disabled subscription makes no delivery at all.
        assert record_event(db_session, "document.done", DONE_PAYLOAD, tenant_id=subscription.tenant_id) == []

    assert answer.status_code == 202 and answer.json()["event"] == "webhook.ping"
    assert answer.json()["state"] == "pending"
    (request,) = receiver.requests
    assert request.headers["X-Contract-NER-Event"] == "webhook.ping"
    assert documented_verify()(SECRET, request.headers, request.body)
    assert json.loads(request.body)["data"]["subscription_id"] == str(subscription.id)
    log = client.get(f"/v1/webhooks/{subscription.id}/deliveries").json()["items"]
    assert [(d["event"], d["state"]) for d in log] == [("webhook.ping", "delivered")]
    assert client.post(f"/v1/webhooks/{uuid.uuid4()}/ping").status_code == 404


def test_redelivery_is_a_new_delivery_of_the_same_event_and_body(client: TestClient, db_session: Session) -> None:
    settings = loopback_settings()
    with Receiver() as receiver, make_client(settings) as http:
        subscription = create_subscription(
            db_session, f"{receiver.url}/hook", ["document.done"], SECRET, allow_loopback=True,
            tenant_id=client_tenant(db_session),
        )  # fmt: skip
        (original,) = record_event(db_session, "document.done", DONE_PAYLOAD, tenant_id=subscription.tenant_id)
        base = f"/v1/webhooks/{subscription.id}/deliveries"
        still_pending = client.post(f"{base}/{original}/redeliver")
        deliver(db_session, original, http, settings)
        again = client.post(f"{base}/{original}/redeliver")
        deliver(db_session, again.json()["id"], http, settings)

    assert still_pending.status_code == 409 and "pending" in still_pending.json()["detail"]
    assert again.status_code == 202
    assert again.json()["redelivery_of"] == original and again.json()["id"] != original
    first, second = receiver.requests
    assert first.headers["X-Contract-NER-Delivery"] == str(original)
    assert second.headers["X-Contract-NER-Delivery"] == str(again.json()["id"])  # not dropped as a duplicate
    assert json.loads(first.body)["data"] == json.loads(second.body)["data"] == DONE_PAYLOAD
    assert documented_verify()(SECRET, second.headers, second.body)
    assert client.post(f"{base}/999999999/redeliver").status_code == 404
    other = create_subscription(
        db_session, "https://93.184.215.14/x", ["document.done"], tenant_id=subscription.tenant_id
    )
    # Another subscription's delivery is not found under this one.
    assert client.post(f"/v1/webhooks/{other.id}/deliveries/{original}/redeliver").status_code == 404


def test_a_subscription_whose_deliveries_keep_failing_is_disabled_with_a_reason_and_an_event(
    client: TestClient, db_session: Session
) -> None:
    settings = loopback_settings(webhook_max_attempts=1, webhook_disable_after_failures=2)
    tenant_id = client_tenant(db_session)
    with Receiver(statuses=(500, 200, 500, 503)) as receiver, make_client(settings) as http:
        failing = create_subscription(
            db_session, f"{receiver.url}/hook", ["document.done"], SECRET, allow_loopback=True, tenant_id=tenant_id
        )
        watcher = create_subscription(
            db_session, "https://93.184.215.14/ops", ["webhook.disabled"], tenant_id=tenant_id
        )
        outcomes = []
        for _ in range(4):  # 500, then a success resets the count, then 500 and 503: two failures in a row
            (delivery_id,) = record_event(db_session, "document.done", DONE_PAYLOAD, tenant_id=tenant_id)
            deliver(db_session, delivery_id, http, settings)
            db_session.refresh(failing)
            outcomes.append((failing.consecutive_failures, failing.active))
        after = record_event(db_session, "document.done", DONE_PAYLOAD, tenant_id=tenant_id)

    assert outcomes == [(1, True), (0, True), (1, True), (2, False)]
    assert after == []  # a disabled subscription gets no new deliveries
    shown = next(s for s in client.get("/v1/webhooks").json() if s["id"] == str(failing.id))
    assert shown["active"] is False and shown["disabled_at"] is not None
    assert shown["disabled_reason"] == "2 deliveries in a row failed after every attempt; last error: HTTP 503: nope"
    (event,) = db_session.scalars(select(WebhookDelivery).where(WebhookDelivery.subscription_id == watcher.id)).all()
    assert event.event == "webhook.disabled"
    assert event.payload["subscription_id"] == str(failing.id) and event.payload["reason"] == shown["disabled_reason"]
    turned_on = client.patch(f"/v1/webhooks/{failing.id}", json={"active": True}).json()
    assert (turned_on["active"], turned_on["disabled_reason"], turned_on["consecutive_failures"]) == (True, None, 0)


def test_through_the_worker_a_rotation_signs_twice_and_a_failing_endpoint_is_disabled_with_an_event(
    webhook_worker: Path, committed_webhooks: None
) -> None:
    """Worker settings: 3 attempts per delivery, disabled after 2 deliveries failed for good."""
    with Receiver(statuses=(500,) * 6) as failing, Receiver() as watcher:
        with session_scope() as session:
            tenant_id = default_tenant_id(session)
            subscription = subscribe(session, f"{failing.url}/hook")
            create_subscription(session, f"{watcher.url}/ops", ["webhook.disabled"], SECRET, allow_loopback=True)
            update_subscription(session, subscription, SubscriptionChange(new_secret="rotated-secret-0123456789"))
            subscription_id = subscription.id
            first = record_event(session, "document.done", DONE_PAYLOAD, tenant_id=tenant_id)
            second = record_event(session, "document.done", DONE_PAYLOAD, tenant_id=tenant_id)
        for delivery_id in (*first, *second):
            wait_for_state(delivery_id, DeliveryState.failed, webhook_worker)
        (notice,) = watcher.wait_for(1, timeout_s=90, explain=lambda: logs(webhook_worker))
        with session_scope() as session:
            disabled = session.get(WebhookSubscription, subscription_id)
            assert disabled is not None
            state = (disabled.active, disabled.consecutive_failures, disabled.disabled_reason)
            third = record_event(session, "document.done", DONE_PAYLOAD, tenant_id=tenant_id)

    assert len(failing.requests) == 6
    verify = documented_verify()
    assert all(verify("rotated-secret-0123456789", r.headers, r.body) for r in failing.requests)
    assert all(verify(SECRET, r.headers, r.body) for r in failing.requests)  # the overlap: both sign
    assert state == (False, 2, "2 deliveries in a row failed after every attempt; last error: HTTP 500: nope")
    assert third == []
    assert notice.headers["X-Contract-NER-Event"] == "webhook.disabled"
    assert json.loads(notice.body)["data"]["subscription_id"] == str(subscription_id)
    assert verify(SECRET, notice.headers, notice.body)


def test_links_are_paths_or_absolute_under_the_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    document_id, previous = uuid.UUID(int=1), uuid.UUID(int=2)
    relative = models.webhooks.document_links(document_id, None)
    public = get_settings().model_copy(update={"public_url": "https://ner.example.com/"})
    monkeypatch.setattr(models.webhooks, "get_settings", lambda: public)
    absolute = models.webhooks.document_links(document_id, previous)

    assert relative["entities"] == f"/v1/documents/{document_id}/entities" and relative["previous_version"] is None
    assert absolute["card"] == f"https://ner.example.com/v1/documents/{document_id}/card"
    assert absolute["previous_version"] == f"https://ner.example.com/v1/documents/{previous}"
