"""Webhook subscriptions over HTTP: create, list, delete, and read a subscription's delivery log.

Routes are a few lines that validate input and call `models.webhooks`; the request owns the session.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api.auth import Caller, CallerDep
from api.deps import SessionDep
from api.schemas import DatabaseText
from models.client_input import bigint_cursor
from models.schema import WebhookSubscription
from models.settings import get_settings
from models.webhooks import (
    MIN_SECRET_LENGTH,
    create_subscription,
    delete_subscription,
    list_deliveries,
    list_subscriptions,
    tenant_subscription,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
EventName = Literal["document.done", "document.failed", "batch.done", "document.deleted", "document.reviewed"]


class SubscriptionIn(BaseModel):
    url: DatabaseText = Field(max_length=2000, description="http(s) URL the events are POSTed to")
    secret: DatabaseText | None = Field(
        default=None,
        min_length=MIN_SECRET_LENGTH,
        max_length=200,
        description="HMAC key for the signatures; generated (and returned once) when absent",
    )
    events: list[EventName] = Field(min_length=1)


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    events: list[str]
    active: bool
    created_at: datetime


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
        )
    except ValueError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
    out = SubscriptionOut.model_validate(subscription)
    return SubscriptionCreated(**out.model_dump(), secret=subscription.secret if body.secret is None else None)


@router.get("", response_model=list[SubscriptionOut])
def list_webhooks(session: SessionDep, caller: CallerDep) -> list[SubscriptionOut]:
    return [SubscriptionOut.model_validate(s) for s in list_subscriptions(session, caller.tenant_id)]


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
