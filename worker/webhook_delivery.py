"""One webhook delivery attempt: re-check the callback URL, POST the signed body to a checked address,
log the outcome on the delivery row and decide whether (and when) to try again.

Called by `worker.webhook_tasks`; the caller owns the session and commits.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.schema import DeliveryState, WebhookDelivery, WebhookSubscription, utcnow
from models.settings import Settings
from models.webhooks import (
    PING_EVENT,
    CallbackTarget,
    IPAddress,
    count_final_outcome,
    delivery_body,
    resolve_callback_url,
    signed_headers,
    signing_secrets,
)

log = structlog.get_logger(__name__)

USER_AGENT = "contract-ner-webhooks/0.1"
# How much of a failed response's body is kept in last_error: enough for "invalid signature".
ERROR_SNIPPET_BYTES = 300
# A host with many addresses must not multiply one attempt's time by all of them.
MAX_ADDRESSES_TRIED = 3


def make_client(settings: Settings) -> httpx.Client:
    """The HTTP client deliveries use. trust_env=False: a proxy from the environment would make the
    connection on our behalf, to an address we never checked."""
    return httpx.Client(
        timeout=settings.webhook_timeout_s,
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT},
    )


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    address: str | None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def pinned_request(
    client: httpx.Client,
    target: CallbackTarget,
    address: IPAddress,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
) -> httpx.Request:
    """A POST to `address` itself, with the URL's host name in the Host header and (for https) in SNI,
    so the certificate is still verified against the name while no second DNS lookup can redirect us."""
    extensions: dict[str, Any] = {}
    if target.url.scheme == "https":
        extensions["sni_hostname"] = target.host
    return client.build_request(
        "POST",
        target.url.copy_with(host=str(address), fragment=None),
        content=body,
        headers={**headers, "Host": target.url.netloc.decode("ascii")},
        timeout=timeout,
        extensions=extensions,
    )


def _read_snippet(response: httpx.Response) -> str:
    received = b""
    for chunk in response.iter_bytes():
        received += chunk
        if len(received) >= ERROR_SNIPPET_BYTES:
            break
    return received[:ERROR_SNIPPET_BYTES].decode("utf-8", errors="replace").strip()


def post_once(
    client: httpx.Client, target: CallbackTarget, body: bytes, headers: dict[str, str], timeout: float
) -> Outcome:
    """POST to the first checked address that accepts a connection; never follows a redirect."""
    error = "no address tried"
    for address in target.addresses[:MAX_ADDRESSES_TRIED]:
        request = pinned_request(client, target, address, body, headers, timeout)
        try:
            # Streamed so a receiver cannot make us download a large body; only the status matters.
            response = client.send(request, stream=True, follow_redirects=False)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            error = f"{type(exc).__name__}: {exc}"
            continue  # e.g. "localhost" answers on 127.0.0.1 but not on ::1
        except httpx.HTTPError as exc:
            return Outcome(None, f"{type(exc).__name__}: {exc}", str(address))
        try:
            code = response.status_code
            if 200 <= code < 300:
                return Outcome(code, None, str(address))
            if 300 <= code < 400:
                # Following a redirect would let a public receiver point us at an internal address.
                location = response.headers.get("Location", "")[:200]
                return Outcome(code, f"HTTP {code}: redirect to {location!r} not followed", str(address))
            snippet = _read_snippet(response)
            return Outcome(code, f"HTTP {code}" + (f": {snippet}" if snippet else ""), str(address))
        except httpx.HTTPError as exc:
            return Outcome(code, f"HTTP {code}, then {type(exc).__name__}: {exc}", str(address))
        finally:
            response.close()
    return Outcome(None, error, None)


def deliver(session: Session, delivery_id: int, client: httpx.Client, settings: Settings) -> float | None:
    """Make one attempt at a pending delivery; returns the seconds to wait before the next attempt,
    or None when there is nothing more to do (delivered, failed for good, or not ours to deliver)."""
    # SKIP LOCKED: a duplicated message (acks_late redelivery, a broker restoring an unacked ETA task)
    # must not make a second, concurrent attempt; whoever holds the lock owns this delivery.
    delivery = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)  # the locked row as committed, not a cached copy
    ).one_or_none()
    if delivery is None or delivery.state is not DeliveryState.pending:
        return None
    now = utcnow()
    if delivery.next_attempt_at is not None:
        due = delivery.next_attempt_at
        if due > now:
            # An early message (a duplicate, or a redelivery after a crash before the retry was queued):
            # wait until the scheduled time rather than attempt early or drop the retry chain.
            return (due - now).total_seconds()
    subscription = session.get(WebhookSubscription, delivery.subscription_id)
    if subscription is None or (not subscription.active and delivery.event != PING_EVENT):
        delivery.state = DeliveryState.failed
        delivery.last_error = "subscription is no longer active"
        delivery.next_attempt_at = None
        session.flush()
        return None

    body = delivery_body(delivery)  # serialised once; the signature covers exactly these bytes
    secret, previous_secret = signing_secrets(subscription)
    headers = signed_headers(secret, delivery.id, delivery.event, body, previous_secret=previous_secret)
    started = time.monotonic()
    try:
        # Checked again at every attempt: the name may resolve elsewhere since the subscription was made.
        target = resolve_callback_url(subscription.url, settings.webhook_allow_private, settings.webhook_allow_loopback)
    except ValueError as exc:
        outcome = Outcome(None, f"refused: {exc}", None)
    else:
        outcome = post_once(client, target, body, headers, settings.webhook_timeout_s)
    duration_ms = round((time.monotonic() - started) * 1000, 1)

    attempted_at = utcnow()
    delivery.attempts += 1
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    # A new list, not append(): the JSON column does not track in-place changes.
    delivery.attempt_log = [
        *delivery.attempt_log,
        {
            "attempt": delivery.attempts,
            "at": attempted_at.isoformat(),
            "status_code": outcome.status_code,
            "error": outcome.error,
            "duration_ms": duration_ms,
            "address": outcome.address,
        },
    ]
    fields = {"delivery_id": delivery.id, "webhook_event": delivery.event, "attempt": delivery.attempts}
    if outcome.delivered:
        delivery.state = DeliveryState.delivered
        delivery.delivered_at = attempted_at
        delivery.next_attempt_at = None
        session.flush()
        log.info("webhook.delivered", status_code=outcome.status_code, duration_ms=duration_ms, **fields)
        if delivery.event != PING_EVENT:
            count_final_outcome(session, subscription, True, None, settings.webhook_disable_after_failures)
        return None
    if delivery.attempts >= settings.webhook_max_attempts:
        delivery.state = DeliveryState.failed
        delivery.next_attempt_at = None
        session.flush()
        log.warning("webhook.failed", error=outcome.error, **fields)
        if delivery.event != PING_EVENT:
            # A ping tests an endpoint; only real events say whether the subscription still works.
            count_final_outcome(session, subscription, False, outcome.error, settings.webhook_disable_after_failures)
        return None
    delay = settings.webhook_backoff_base_s * 2 ** (delivery.attempts - 1)
    delivery.next_attempt_at = attempted_at + timedelta(seconds=delay)
    session.flush()
    log.info("webhook.retry_scheduled", error=outcome.error, delay_s=delay, **fields)
    return delay
