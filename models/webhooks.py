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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.broker import DELIVER_WEBHOOK_TASK, get_celery
from models.db import on_commit
from models.schema import WebhookDelivery, WebhookSubscription
from models.tenancy import default_tenant_id

log = structlog.get_logger(__name__)

EVENTS = ("document.done", "document.failed", "batch.done", "document.deleted", "document.reviewed")

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
    secret: str, delivery_id: int, event: str, body: bytes, timestamp: int | None = None
) -> dict[str, str]:
    """The headers of one attempt; the timestamp is the attempt's, so every retry is signed afresh."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: f"sha256={sign(secret, stamp, body)}",
        EVENT_HEADER: event,
        DELIVERY_HEADER: str(delivery_id),
    }


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


def create_subscription(
    session: Session,
    url: str,
    events: Sequence[str],
    secret: str | None = None,
    *,
    allow_private: bool = False,
    allow_loopback: bool = False,
    tenant_id: uuid.UUID | None = None,
) -> WebhookSubscription:
    """Validate and store a subscription of the tenant (None: the default tenant); without a secret a
    random 256-bit one is generated.

    Raises ValueError for an unknown event, a short secret or a refused URL."""
    wanted = list(dict.fromkeys(events))  # de-duplicated, order kept
    unknown = [event for event in wanted if event not in EVENTS]
    if not wanted or unknown:
        raise ValueError(f"events must be a non-empty subset of {', '.join(EVENTS)}; unknown: {unknown}")
    if secret is not None and len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(f"secret must be at least {MIN_SECRET_LENGTH} characters")
    check_callback_url(url, allow_private, allow_loopback)
    subscription = WebhookSubscription(
        id=uuid.uuid4(),
        tenant_id=tenant_id if tenant_id is not None else default_tenant_id(session),
        url=url.strip(),
        secret=secret if secret is not None else secrets.token_urlsafe(32),
        events=wanted,
        active=True,
    )
    session.add(subscription)
    session.flush()
    return subscription


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


def record_event(session: Session, event: str, payload: Mapping[str, Any], *, tenant_id: uuid.UUID) -> list[int]:
    """Create one pending delivery per active subscription of the tenant to `event`; returns their ids.

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
    deliveries = [
        WebhookDelivery(subscription_id=subscription.id, event=event, payload=data, attempt_log=[])
        for subscription in interested
    ]
    session.add_all(deliveries)
    session.flush()
    ids = [delivery.id for delivery in deliveries]

    def publish() -> None:
        publish_deliveries(ids)

    on_commit(session, publish)
    return ids


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
