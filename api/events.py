"""`GET /v1/events`: the tenant's document progress as Server-Sent Events (`models.live_events`).

Each event is `event: document.status`, `id: <position>`, `data: {"document_id", "status", "error_code",
"at"}`. A client that reconnects sends the last id it saw (`Last-Event-ID`, which browsers' EventSource
does by itself, or `?after=`) and gets every change since; a new one starts from now. The stream holds
no database connection between reads: each poll borrows one for a single indexed query."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from api.auth import CallerDep
from models.client_input import MAX_BIGINT
from models.db import session_scope
from models.live_events import LiveEvent, events_after, latest_position
from models.settings import get_settings

router = APIRouter(tags=["events"])
Position = Annotated[int | None, Query(ge=0, le=MAX_BIGINT, description="Resume after this event id")]


def _read(tenant_id: uuid.UUID, after: int) -> list[LiveEvent]:
    with session_scope() as session:
        return events_after(session, tenant_id, after)


def _start(tenant_id: uuid.UUID) -> int:
    with session_scope() as session:
        return latest_position(session, tenant_id)


@router.get(
    "/v1/events",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "document.status events"}},
)
async def live_events(
    request: Request,
    caller: CallerDep,
    after: Position = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
) -> EventSourceResponse:
    resume = after if after is not None else _position(last_event_id)
    position = resume if resume is not None else await run_in_threadpool(_start, caller.tenant_id)
    poll_s = get_settings().live_events_poll_s

    async def stream() -> AsyncIterator[ServerSentEvent]:
        nonlocal position
        while not await request.is_disconnected():
            for found in await run_in_threadpool(_read, caller.tenant_id, position):
                position = found.id
                yield ServerSentEvent(data=json.dumps(found.data()), event="document.status", id=str(found.id))
            await asyncio.sleep(poll_s)

    return EventSourceResponse(stream(), ping=15)


def _position(header: str | None) -> int | None:
    """A `Last-Event-ID` we handed out is a row id; anything else starts from now."""
    if header is None or not header.isdigit() or int(header) > MAX_BIGINT:
        return None
    return int(header)
