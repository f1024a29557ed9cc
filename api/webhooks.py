"""Webhook subscriptions over HTTP: create, list, change (PATCH: events, URL, entities, on/off, secret
rotation), delete, ping, read a subscription's delivery log and redeliver a delivery.

Routes are a few lines that validate input and call `models.webhooks`; the request owns the session.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api.auth import Caller, CallerDep
from api.deps import SessionDep
from api.schemas import DatabaseText
from models.client_input import bigint_cursor
from models.schema import WebhookSubscription
from models.settings import get_settings
from models.webhooks import (
    DEFAULT_SECRET_OVERLAP_S,
    MIN_SECRET_LENGTH,
    RedeliveryRefused,
    SubscriptionChange,
    create_subscription,
    delete_subscription,
    list_deliveries,
    list_subscriptions,
    ping,
    redeliver,
    tenant_subscription,
    update_subscription,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
EventName = Literal[
    "document.done",
    "document.failed",
    "document.updated",
    "batch.done",
    "document.deleted",
    "document.reviewed",
    "webhook.disabled",
]
# A week: long enough for any DMS deployment to roll out the new secret.
MAX_SECRET_OVERLAP_S = 7 * 86400


class SubscriptionIn(BaseModel):
    url: DatabaseText = Field(max_length=2000, description="http(s) URL the events are POSTed to")
    secret: DatabaseText | None = Field(
        default=None,
        min_length=MIN_SECRET_LENGTH,
        max_length=200,
        description="HMAC key for the signatures; generated (and returned once) when absent",
    )
    events: list[EventName] = Field(min_length=1)
    include_entities: bool = Field(
        default=False, description="document.done / document.updated payloads also carry the entities"
    )


class SubscriptionPatch(BaseModel):
    """Only the fields sent change."""

    url: DatabaseText | None = Field(default=None, max_length=2000, description="A new URL (the same rules apply)")
    events: list[EventName] | None = Field(default=None, min_length=1)
    include_entities: bool | None = None
    active: bool | None = Field(default=None, description="true turns a disabled subscription on again")
    rotate_secret: bool = Field(default=False, description="Generate a new secret (returned once in this answer)")
    secret: DatabaseText | None = Field(
        default=None, min_length=MIN_SECRET_LENGTH, max_length=200, description="Rotate to this secret instead"
    )
    secret_overlap_s: int = Field(
        default=DEFAULT_SECRET_OVERLAP_S,
        ge=0,
        le=MAX_SECRET_OVERLAP_S,
        description="How long the old secret still signs after a rotation (a second signature); 0: not at all",
    )


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    events: list[str]
    active: bool
    include_entities: bool
    created_at: datetime
    disabled_at: datetime | None = Field(description="When it was turned off (failing deliveries, or a PATCH)")
    disabled_reason: str | None
    consecutive_failures: int = Field(description="Deliveries in a row that failed after every attempt")
    previous_secret_expires_at: datetime | None = Field(
        description="Until then deliveries also carry the rotated-out secret's signature"
    )


class SubscriptionCreated(SubscriptionOut):
    secret: str | None = Field(description="The generated secret, shown only in this answer; null if you sent one")


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    event: str
    state: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    attempt_log: list[dict[str, Any]]
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    redelivery_of: int | None = Field(default=None, description="The delivery this one sends again")


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None


def _subscription_or_404(session: Session, caller: Caller, subscription_id: uuid.UUID) -> WebhookSubscription:
    subscription = tenant_subscription(session, caller.tenant_id, subscription_id)
    if subscription is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such webhook subscription")
    return subscription


# A plain `def`: the URL check resolves the host name, which must not block the event loop.
@router.post("", status_code=status.HTTP_201_CREATED, response_model=SubscriptionCreated, responses={400: {}})
def create_webhook(session: SessionDep, caller: CallerDep, body: SubscriptionIn) -> SubscriptionCreated:
    settings = get_settings()
    try:
        subscription = create_subscription(
            session,
            body.url,
            body.events,
            body.secret,
            allow_private=settings.webhook_allow_private,
            allow_loopback=settings.webhook_allow_loopback,
            tenant_id=caller.tenant_id,
            include_entities=body.include_entities,
        )
    except ValueError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
    out = SubscriptionOut.model_validate(subscription)
    return SubscriptionCreated(**out.model_dump(), secret=subscription.secret if body.secret is None else None)


@router.get("", response_model=list[SubscriptionOut])
def list_webhooks(session: SessionDep, caller: CallerDep) -> list[SubscriptionOut]:
    return [SubscriptionOut.model_validate(s) for s in list_subscriptions(session, caller.tenant_id)]


# A plain `def`: a new URL is resolved, which must not block the event loop.
@router.patch("/{subscription_id}", response_model=SubscriptionCreated, responses={400: {}, 404: {}})
def patch_webhook(
    session: SessionDep, caller: CallerDep, subscription_id: uuid.UUID, body: SubscriptionPatch
) -> SubscriptionCreated:
    """Change a subscription; `secret` in the answer is the generated one after `rotate_secret`, else null."""
    subscription = _subscription_or_404(session, caller, subscription_id)
    settings = get_settings()
    change = SubscriptionChange(
        url=body.url,
        events=body.events,
        include_entities=body.include_entities,
        active=body.active,
        rotate_secret=body.rotate_secret,
        new_secret=body.secret,
        secret_overlap_s=body.secret_overlap_s,
    )
    try:
        generated = update_subscription(
            session,
            subscription,
            change,
            allow_private=settings.webhook_allow_private,
            allow_loopback=settings.webhook_allow_loopback,
        )
    except ValueError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
    return SubscriptionCreated(**SubscriptionOut.model_validate(subscription).model_dump(), secret=generated)


@router.post(
    "/{subscription_id}/ping", status_code=status.HTTP_202_ACCEPTED, response_model=DeliveryOut, responses={404: {}}
)
def ping_webhook(session: SessionDep, caller: CallerDep, subscription_id: uuid.UUID) -> DeliveryOut:
    """Send a `webhook.ping` to this subscription (also when disabled); follow it in the delivery log."""
    delivery = ping(session, _subscription_or_404(session, caller, subscription_id))
    return DeliveryOut.model_validate(delivery)


@router.post(
    "/{subscription_id}/deliveries/{delivery_id}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryOut,
    responses={404: {}, 409: {}},
)
def redeliver_webhook(
    session: SessionDep,
    caller: CallerDep,
    subscription_id: uuid.UUID,
    delivery_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
) -> DeliveryOut:
    """Send a finished delivery's event again, as a new delivery (a new id) pointing at it."""
    subscription = _subscription_or_404(session, caller, subscription_id)
    try:
        copy = redeliver(session, subscription, delivery_id)
    except RedeliveryRefused as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    if copy is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such delivery")
    return DeliveryOut.model_validate(copy)


@router.delete("/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT, responses={404: {}})
def delete_webhook(session: SessionDep, caller: CallerDep, subscription_id: uuid.UUID) -> Response:
    if not delete_subscription(session, caller.tenant_id, subscription_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such webhook subscription")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{subscription_id}/deliveries", response_model=DeliveryPage, responses={404: {}})
def webhook_deliveries(
    session: SessionDep,
    caller: CallerDep,
    subscription_id: uuid.UUID,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DeliveryPage:
    _subscription_or_404(session, caller, subscription_id)
    try:
        before = bigint_cursor(cursor) if cursor is not None else None
    except ValueError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "invalid cursor") from exc
    rows = list_deliveries(session, subscription_id, limit + 1, before)
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    return DeliveryPage(items=[DeliveryOut.model_validate(d) for d in rows[:limit]], next_cursor=next_cursor)
