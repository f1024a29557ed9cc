"""Webhooks for DMS integrations: subscriptions, the event outbox and the rules a callback URL must meet.

`record_event` writes one `WebhookDelivery` row per interested subscription in the caller's
transaction and publishes the rows' ids only after that transaction commits, so a receiver never
hears about a document the database then rolls back, and a delivery is never lost to a broker
message that went out before its row existed. The HTTP attempts themselves live in
`worker.webhook_delivery`; the wire format is described in `docs/webhooks.md`.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import structlog
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.broker import DELIVER_WEBHOOK_TASK, get_celery
from models.db import on_commit
from models.schema import (
    BatchItem,
    DeliveryState,
    Document,
    Entity,
    WebhookDelivery,
    WebhookSubscription,
    utcnow,
)
from models.settings import get_settings
from models.tenancy import default_tenant_id

log = structlog.get_logger(__name__)

EVENTS = (
    "document.done",
    "document.failed",
    "document.updated",
    "batch.done",
    "document.deleted",
    "document.reviewed",
    "webhook.disabled",
)
# The events whose data is one document: a subscription with `include_entities` gets its entities in them.
DOCUMENT_EVENTS = ("document.done", "document.updated")
# Sent by POST /v1/webhooks/{id}/ping to that subscription only (not subscribable): never counts
# towards disabling, and reaches a disabled subscription too, so an endpoint can be tested before it
# is turned on again.
PING_EVENT = "webhook.ping"
# How long a rotated secret still signs unless the PATCH says otherwise.
DEFAULT_SECRET_OVERLAP_S = 86400

TIMESTAMP_HEADER = "X-Contract-NER-Timestamp"
SIGNATURE_HEADER = "X-Contract-NER-Signature"
EVENT_HEADER = "X-Contract-NER-Event"
DELIVERY_HEADER = "X-Contract-NER-Delivery"

# A caller-chosen secret shorter than this is guessable offline from one signed request.
MIN_SECRET_LENGTH = 16

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud instance metadata services hand out credentials: never reachable, whatever the settings say.
# (fd00:ec2::254 is inside the private fc00::/7, so it must be refused before the private check.)
METADATA_ADDRESSES = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})

# What `webhook_allow_private` admits: the ranges an on-premise DMS plausibly lives in. RFC 1918,
# carrier-grade NAT / overlay networks (RFC 6598), IPv6 unique-local and the deprecated site-local.
PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


# --------------------------------------------------------------------------------------------------
# Callback URL rules


@dataclass(frozen=True)
class CallbackTarget:
    """A callback URL that passed the rules, with every address its host resolved to (all checked).

    Deliveries connect to one of these addresses rather than letting the HTTP client resolve the
    name again: a second lookup could answer differently (DNS rebinding)."""

    url: httpx.URL
    host: str  # ASCII (IDNA) host name, as sent in the Host header and TLS SNI
    port: int
    addresses: tuple[IPAddress, ...]


def address_category(address: IPAddress) -> str | None:
    """Why an address is not a plain public one ("loopback", "private", ...), or None if it is."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            # ::ffff:a.b.c.d is the IPv4 host a.b.c.d as far as the kernel is concerned.
            return address_category(address.ipv4_mapped)
        embedded = address.sixtofour or (
            ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) if address in _NAT64 else None
        )
        if embedded is not None and (category := address_category(embedded)) is not None:
            # 6to4 and NAT64 gateways forward to the embedded IPv4 address.
            return category
    if address in METADATA_ADDRESSES:
        return "cloud metadata"
    if address.is_loopback:
        return "loopback"
    if address.is_unspecified:
        return "unspecified"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if any(address in network for network in PRIVATE_NETWORKS) or getattr(address, "is_site_local", False):
        return "private"
    if address.is_reserved or not address.is_global:
        # Documentation, benchmarking, "this network", broadcast and other special-purpose blocks.
        return "reserved"
    return None


def _refusal(category: str | None, allow_private: bool, allow_loopback: bool) -> str | None:
    if category is None or (category == "private" and allow_private) or (category == "loopback" and allow_loopback):
        return None
    return category


_HINTS = {
    "private": " (set CONTRACT_NER_WEBHOOK_ALLOW_PRIVATE=true for an on-premise DMS)",
    "loopback": " (CONTRACT_NER_WEBHOOK_ALLOW_LOOPBACK=true admits it, for development only)",
}


def resolve_callback_url(url: str, allow_private: bool = False, allow_loopback: bool = False) -> CallbackTarget:
    """Parse and resolve a callback URL and check every address it resolves to; ValueError says why not.

    The URL is parsed by httpx, the same parser that sends the request, so the host that is checked
    is the host that is contacted."""
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValueError(f"invalid callback URL: {exc}") from exc
    if parsed.scheme not in ("http", "https"):
        raise ValueError(f"callback URL must use http or https, not {parsed.scheme or 'no scheme'!r}")
    if not parsed.host:
        raise ValueError("callback URL has no host")
    if parsed.userinfo:
        # user:password@host is both a secret at rest in the subscription list and a classic trick to
        # make a URL read like another host; the signature is the authentication.
        raise ValueError("callback URL must not contain credentials (user:password@); verify the signature instead")
    host = parsed.raw_host.decode("ascii")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise ValueError(f"callback host {host!r} does not resolve: {exc}") from exc
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _canonname, sockaddr in infos:
        # IPv6 sockaddrs may carry a zone ("fe80::1%eth0"); the zone does not change the category.
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise ValueError(f"callback host {host!r} does not resolve to any address")
    for address in addresses:
        refused = _refusal(address_category(address), allow_private, allow_loopback)
        if refused is not None:
            # The caller learns the category only: the address itself would map the internal network for
            # whoever can create subscriptions (the answer is a 400 and a delivery's last_error). The log
            # keeps it for the operator.
            log.warning("webhook.callback_refused", host=host, address=str(address), category=refused)
            raise ValueError(
                f"callback host {host!r} resolves to an address that is not allowed, a {refused} address: "
                f"refused{_HINTS.get(refused, '')}"
            )
    return CallbackTarget(url=parsed, host=host, port=port, addresses=tuple(addresses))


def check_callback_url(url: str, allow_private: bool = False, allow_loopback: bool = False) -> None:
    """Raise ValueError unless `url` is http(s) and every address its host resolves to is allowed."""
    resolve_callback_url(url, allow_private, allow_loopback)


# --------------------------------------------------------------------------------------------------
# Signing and the wire format


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """Hex HMAC-SHA256 of `"<timestamp>." + body`: binding the timestamp stops replays of old bodies."""
    return hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The JSON body of a delivery, the same bytes on every attempt (the signature covers them)."""
    envelope = {
        "delivery_id": delivery.id,
        "event": delivery.event,
        "occurred_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def signed_headers(
    secret: str,
    delivery_id: int,
    event: str,
    body: bytes,
    timestamp: int | None = None,
    previous_secret: str | None = None,
) -> dict[str, str]:
    """The headers of one attempt; the timestamp is the attempt's, so every retry is signed afresh.

    During a secret rotation's overlap the signature header lists two signatures, the current secret's
    first: `sha256=<current>,sha256=<previous>`; a receiver accepts the body if any one matches the
    secret it holds, so it can switch to the new secret at any moment within the window."""
    stamp = int(time.time()) if timestamp is None else timestamp
    signatures = [f"sha256={sign(key, stamp, body)}" for key in (secret, previous_secret) if key is not None]
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: ",".join(signatures),
        EVENT_HEADER: event,
        DELIVERY_HEADER: str(delivery_id),
    }


def signing_secrets(subscription: WebhookSubscription, now: datetime | None = None) -> tuple[str, str | None]:
    """The secret that signs now, and the rotated-out one while its overlap lasts (else None)."""
    now = utcnow() if now is None else now
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret is not None and expires is not None and expires > now:
        return subscription.secret, subscription.previous_secret
    return subscription.secret, None


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        # Amounts stay exact as strings; a float would turn 32500.10 into 32500.099999...
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON serialisable in a webhook payload")


def _jsonable(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON-only deep copy: the JSON column cannot store dates or Decimals, and a copy cannot be
    changed by the caller between now and the flush."""
    result: dict[str, Any] = json.loads(json.dumps(payload, default=_json_default))
    return result


# --------------------------------------------------------------------------------------------------
# Subscriptions


def _checked_events(events: Sequence[str]) -> list[str]:
    wanted = list(dict.fromkeys(events))  # de-duplicated, order kept
    unknown = [event for event in wanted if event not in EVENTS]
    if not wanted or unknown:
        raise ValueError(f"events must be a non-empty subset of {', '.join(EVENTS)}; unknown: {unknown}")
    return wanted


def _checked_secret(secret: str | None) -> str:
    if secret is not None and len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(f"secret must be at least {MIN_SECRET_LENGTH} characters")
    return secret if secret is not None else secrets.token_urlsafe(32)


def create_subscription(
    session: Session,
    url: str,
    events: Sequence[str],
    secret: str | None = None,
    *,
    allow_private: bool = False,
    allow_loopback: bool = False,
    tenant_id: uuid.UUID | None = None,
    include_entities: bool = False,
) -> WebhookSubscription:
    """Validate and store a subscription of the tenant (None: the default tenant); without a secret a
    random 256-bit one is generated.

    Raises ValueError for an unknown event, a short secret or a refused URL."""
    wanted = _checked_events(events)
    chosen = _checked_secret(secret)
    check_callback_url(url, allow_private, allow_loopback)
    subscription = WebhookSubscription(
        id=uuid.uuid4(),
        tenant_id=tenant_id if tenant_id is not None else default_tenant_id(session),
        url=url.strip(),
        secret=chosen,
        events=wanted,
        active=True,
        include_entities=include_entities,
        consecutive_failures=0,
    )
    session.add(subscription)
    session.flush()
    return subscription


@dataclass(frozen=True)
class SubscriptionChange:
    """What a PATCH asks for; None leaves a field as it is."""

    url: str | None = None
    events: Sequence[str] | None = None
    include_entities: bool | None = None
    active: bool | None = None
    rotate_secret: bool = False
    new_secret: str | None = None  # implies rotate_secret; None with rotate_secret: one is generated
    secret_overlap_s: int = DEFAULT_SECRET_OVERLAP_S


def update_subscription(
    session: Session,
    subscription: WebhookSubscription,
    change: SubscriptionChange,
    *,
    allow_private: bool = False,
    allow_loopback: bool = False,
) -> str | None:
    """Apply a PATCH; returns the generated secret when the rotation generated one (shown once), else None.

    A new URL meets the same rules as at creation. Rotating keeps the current secret as the previous one
    for `secret_overlap_s` (0: not at all): deliveries meanwhile carry both signatures. Turning a
    subscription on again clears its disabled reason and failure count. Raises ValueError (nothing changed)."""
    events = _checked_events(change.events) if change.events is not None else None
    rotate = change.rotate_secret or change.new_secret is not None
    secret = _checked_secret(change.new_secret) if rotate else None
    if change.secret_overlap_s < 0:
        raise ValueError("secret_overlap_s must not be negative")
    url = change.url.strip() if change.url is not None else None
    if url is not None:
        check_callback_url(url, allow_private, allow_loopback)
    if url is not None:
        subscription.url = url
    if events is not None:
        subscription.events = events
    if change.include_entities is not None:
        subscription.include_entities = change.include_entities
    if change.active is True and not subscription.active:
        subscription.active = True
        subscription.disabled_at = None
        subscription.disabled_reason = None
        subscription.consecutive_failures = 0
    elif change.active is False and subscription.active:
        subscription.active = False
        subscription.disabled_at = utcnow()
        subscription.disabled_reason = "turned off through the API"
    if secret is not None:
        if change.secret_overlap_s > 0:
            subscription.previous_secret = subscription.secret
            subscription.previous_secret_expires_at = utcnow() + timedelta(seconds=change.secret_overlap_s)
        else:
            subscription.previous_secret = None
            subscription.previous_secret_expires_at = None
        subscription.secret = secret
    session.flush()
    log.info(
        "webhook.subscription_updated",
        subscription_id=str(subscription.id),
        url_changed=url is not None,
        events=events,
        active=subscription.active,
        secret_rotated=secret is not None,
    )
    return secret if rotate and change.new_secret is None else None


def disable_subscription(session: Session, subscription: WebhookSubscription, reason: str) -> None:
    """Turn off a subscription whose deliveries keep failing, with the reason the API shows, and tell the
    tenant's other subscriptions to `webhook.disabled` (the failing endpoint would not hear it)."""
    if not subscription.active:
        return
    now = utcnow()
    subscription.active = False
    subscription.disabled_at = now
    subscription.disabled_reason = reason
    session.flush()
    log.warning("webhook.disabled", subscription_id=str(subscription.id), url=subscription.url, reason=reason)
    record_event(
        session,
        "webhook.disabled",
        {"subscription_id": str(subscription.id), "url": subscription.url, "reason": reason, "disabled_at": now},
        tenant_id=subscription.tenant_id,
    )


def count_final_outcome(
    session: Session, subscription: WebhookSubscription, delivered: bool, error: str | None, limit: int
) -> None:
    """After a delivery ended (delivered, or failed for good): a success resets the subscription's run of
    failures, a failure extends it, and `limit` failures in a row disable it. The count is changed in SQL
    so that deliveries ending at the same time on several workers all count."""
    if delivered:
        if subscription.consecutive_failures:
            session.execute(
                update(WebhookSubscription)
                .where(WebhookSubscription.id == subscription.id)
                .values(consecutive_failures=0)
            )
            session.refresh(subscription, ["consecutive_failures"])
        return
    failures = session.scalar(
        update(WebhookSubscription)
        .where(WebhookSubscription.id == subscription.id)
        .values(consecutive_failures=WebhookSubscription.consecutive_failures + 1)
        .returning(WebhookSubscription.consecutive_failures)
    )
    session.refresh(subscription, ["consecutive_failures", "active"])
    if failures is not None and failures >= limit:
        disable_subscription(
            session,
            subscription,
            f"{failures} deliveries in a row failed after every attempt; last error: {error or 'unknown'}",
        )


def list_subscriptions(session: Session, tenant_id: uuid.UUID) -> list[WebhookSubscription]:
    query = select(WebhookSubscription).where(WebhookSubscription.tenant_id == tenant_id)
    return list(session.scalars(query.order_by(WebhookSubscription.created_at)))


def tenant_subscription(
    session: Session, tenant_id: uuid.UUID, subscription_id: uuid.UUID
) -> WebhookSubscription | None:
    """The subscription if it is the tenant's: another tenant's is as absent as one that never was."""
    subscription = session.get(WebhookSubscription, subscription_id)
    return subscription if subscription is not None and subscription.tenant_id == tenant_id else None


def delete_subscription(session: Session, tenant_id: uuid.UUID, subscription_id: uuid.UUID) -> bool:
    """Remove the tenant's subscription and (by cascade) its delivery log; False if it has none such.

    A retry still queued for it finds its delivery row gone and does nothing."""
    subscription = tenant_subscription(session, tenant_id, subscription_id)
    if subscription is None:
        return False
    session.delete(subscription)
    session.flush()
    return True


def list_deliveries(
    session: Session, subscription_id: uuid.UUID, limit: int = 100, before: int | None = None
) -> list[WebhookDelivery]:
    """A subscription's deliveries, newest first; `before` is the id the previous page ended at."""
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(WebhookDelivery.id < before)
    return list(session.scalars(query))


# --------------------------------------------------------------------------------------------------
# Events


def record_event(
    session: Session,
    event: str,
    payload: Mapping[str, Any],
    *,
    tenant_id: uuid.UUID,
    entities: Callable[[], Sequence[Mapping[str, Any]]] | None = None,
) -> list[int]:
    """Create one pending delivery per active subscription of the tenant to `event`; returns their ids.
    Subscriptions with `include_entities` get `entities()` (when given; called only if one of them
    wants it) in their payload as well.

    Only flushes: the deliveries are published once the caller's transaction commits, and vanish
    with it if it rolls back."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    subscriptions = session.scalars(
        select(WebhookSubscription)
        .where(WebhookSubscription.tenant_id == tenant_id, WebhookSubscription.active.is_(True))
        .order_by(WebhookSubscription.created_at, WebhookSubscription.id)
    ).all()
    # `events` is a JSON list: filtered here rather than in SQL to stay portable to the SQLite default.
    interested = [subscription for subscription in subscriptions if event in subscription.events]
    if not interested:
        return []
    data = _jsonable(payload)
    wants_entities = entities is not None and any(s.include_entities for s in interested)
    with_entities = _jsonable({**payload, "entities": list(entities())}) if entities and wants_entities else data
    deliveries = [
        WebhookDelivery(
            subscription_id=subscription.id,
            event=event,
            payload=with_entities if subscription.include_entities else data,
            attempt_log=[],
        )
        for subscription in interested
    ]
    return _publish_new(session, deliveries)


def _publish_new(session: Session, deliveries: list[WebhookDelivery]) -> list[int]:
    session.add_all(deliveries)
    session.flush()
    ids = [delivery.id for delivery in deliveries]

    def publish() -> None:
        publish_deliveries(ids)

    on_commit(session, publish)
    return ids


def ping(session: Session, subscription: WebhookSubscription) -> WebhookDelivery:
    """A `webhook.ping` delivery to this subscription only, sent once the caller commits (disabled or not)."""
    payload = {"subscription_id": str(subscription.id), "message": "ping from contract-ner"}
    delivery = WebhookDelivery(subscription_id=subscription.id, event=PING_EVENT, payload=payload, attempt_log=[])
    _publish_new(session, [delivery])
    return delivery


class RedeliveryRefused(Exception):
    """The delivery cannot be sent again now (still pending, or the subscription is disabled)."""


def redeliver(session: Session, subscription: WebhookSubscription, delivery_id: int) -> WebhookDelivery | None:
    """A new delivery (a new id: receivers deduplicate on it) of a finished delivery's event and body,
    sent once the caller commits; None if the subscription has no such delivery."""
    original = session.get(WebhookDelivery, delivery_id)
    if original is None or original.subscription_id != subscription.id:
        return None
    if original.state is DeliveryState.pending:
        raise RedeliveryRefused(f"delivery {delivery_id} is still pending: it is being delivered")
    if not subscription.active and original.event != PING_EVENT:
        raise RedeliveryRefused(f"the subscription is disabled ({subscription.disabled_reason}); PATCH active first")
    copy = WebhookDelivery(
        subscription_id=subscription.id,
        event=original.event,
        payload=original.payload,
        attempt_log=[],
        redelivery_of=original.id,
    )
    _publish_new(session, [copy])
    return copy


def document_links(document_id: uuid.UUID, previous_version_id: uuid.UUID | None) -> dict[str, str | None]:
    """Where a client reads the document: API paths, or absolute URLs under `CONTRACT_NER_PUBLIC_URL`."""
    base = (get_settings().public_url or "").rstrip("/")
    path = f"{base}/v1/documents/{document_id}"
    return {
        "document": path,
        "entities": f"{path}/entities",
        "card": f"{path}/card",
        "text": f"{path}/text",
        "file": f"{path}/file",
        "previous_version": f"{base}/v1/documents/{previous_version_id}" if previous_version_id else None,
    }


def batch_links(batch_id: uuid.UUID) -> dict[str, str]:
    """Where a client reads the batch (its counts and manifest), as `document_links` writes links."""
    base = (get_settings().public_url or "").rstrip("/")
    return {"batch": f"{base}/v1/batches/{batch_id}"}


def document_event_data(session: Session, document: Document) -> dict[str, Any]:
    """What every document event carries: ids, the DMS's fields, the batch it came in and links.

    `batch_id` is the batch of the document's latest batch upload (null if none), `batch_ids` all of
    them; `linked_external_ids` the other external ids its bytes were uploaded under."""
    batch_ids = list(
        session.scalars(select(BatchItem.batch_id).where(BatchItem.document_id == document.id).order_by(BatchItem.id))
    )
    return {
        "document_id": str(document.id),
        "external_id": document.external_id,
        "linked_external_ids": [link.external_id for link in document.linked_external_ids],
        "version": document.version,
        "previous_version_id": str(document.previous_version_id) if document.previous_version_id else None,
        "batch_id": str(batch_ids[-1]) if batch_ids else None,
        "batch_ids": [str(b) for b in dict.fromkeys(batch_ids)],
        "metadata": document.meta,
        "links": document_links(document.id, document.previous_version_id),
    }


def entities_payload(entities: Sequence[Entity]) -> list[dict[str, Any]]:
    """The entities as `GET /v1/documents/{id}/entities` lists them, for subscriptions that include them."""
    return [
        {
            "label": e.label,
            "text": e.text,
            "start": e.start_char,
            "end": e.end_char,
            "score": round(float(e.score), 4),
            "page": e.page,
            "value_date": e.value_date,
            "value_number": e.value_number,
            "value_unit": e.value_unit,
            "value_period": e.value_period,
        }
        for e in entities
    ]


def publish_deliveries(delivery_ids: Sequence[int]) -> int:
    """Send one delivery message per id; returns how many the broker accepted.

    Runs after the commit, so it must not raise: a broker failure is logged and leaves the delivery
    pending in the database."""
    app = get_celery()
    sent = 0
    for delivery_id in delivery_ids:
        try:
            app.send_task(DELIVER_WEBHOOK_TASK, args=[delivery_id])
        except Exception as exc:  # the committed delivery row must survive a broker outage
            log.warning("webhook.publish_failed", delivery_id=delivery_id, error=str(exc))
            continue
        sent += 1
    return sent
