"""Batch routes: open a batch, upload into it (`batch_id` on POST /v1/documents), list the tenant's
batches, watch one's counts and manifest, close it so that `batch.done` fires when its last document ends."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.auth import Caller, CallerDep
from api.deps import SessionDep
from api.idempotency import IdempotencyKeyHeader, claim
from api.schemas import DatabaseText
from models.batches import (
    BatchFilter,
    batch_counts,
    batch_report,
    close_batch,
    decode_batch_cursor,
    encode_batch_cursor,
    list_batches,
    open_batch,
    tenant_batch,
)
from models.idempotency import request_fingerprint
from models.lanes import Lane

router = APIRouter()
# The largest value of the Integer column that stores it (Postgres int4).
MAX_INTEGER = 2**31 - 1


class BatchIn(BaseModel):
    name: DatabaseText | None = Field(default=None, max_length=200)
    expected_documents: int | None = Field(
        default=None,
        ge=1,
        le=MAX_INTEGER,
        description="Close the batch automatically once this many files are uploaded",
    )
    lane: Lane = Field(default=Lane.bulk, description="The lane of its uploads unless an upload names another")


class BatchSummary(BaseModel):
    id: uuid.UUID
    name: str | None
    expected_documents: int | None
    state: Literal["open", "closed", "done"] = Field(
        description="open: takes uploads; closed: takes none, documents still running; done: batch.done fired"
    )
    closed: bool
    done: bool
    created_at: datetime
    done_at: datetime | None
    counts: dict[str, int] = Field(description="Documents per state (an erased one as `deleted`)")


class BatchPage(BaseModel):
    items: list[BatchSummary]
    next_cursor: str | None


@router.get("/v1/batches", response_model=BatchPage, responses={400: {}})
def get_batches(
    session: SessionDep,
    caller: CallerDep,
    state: Literal["open", "closed", "done"] | None = None,
    name: Annotated[DatabaseText | None, Query(max_length=200, description="The batch's name, exactly")] = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> BatchPage:
    """The tenant's batches, oldest first, with counts per state (the manifest: GET /v1/batches/{id})."""
    try:
        after = decode_batch_cursor(cursor) if cursor is not None else None
    except ValueError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "invalid cursor") from exc
    rows = list_batches(session, caller.tenant_id, BatchFilter(state, name, created_from, created_to), after, limit + 1)
    page = rows[:limit]
    counts = batch_counts(session, [batch.id for batch in page])
    items = [
        BatchSummary(
            id=batch.id,
            name=batch.name,
            expected_documents=batch.expected_documents,
            state="done" if batch.done_at is not None else "closed" if batch.closed else "open",
            closed=batch.closed,
            done=batch.done_at is not None,
            created_at=batch.created_at,
            done_at=batch.done_at,
            counts=counts[batch.id],
        )
        for batch in page
    ]
    return BatchPage(items=items, next_cursor=encode_batch_cursor(page[-1]) if len(rows) > limit else None)


def _report(session: Session, caller: Caller, batch_id: uuid.UUID) -> dict[str, Any]:
    report = batch_report(session, batch_id) if tenant_batch(session, caller.tenant_id, batch_id) else None
    if report is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such batch")
    batch = report.batch
    return {
        "id": str(batch.id),
        "name": batch.name,
        "expected_documents": batch.expected_documents,
        "closed": batch.closed,
        "lane": batch.lane,
        "done": batch.done_at is not None,
        "created_at": batch.created_at.isoformat(),
        "done_at": batch.done_at.isoformat() if batch.done_at else None,
        "counts": report.counts,
        "manifest": report.manifest,
    }


@router.post("/v1/batches", status_code=status.HTTP_201_CREATED, responses={422: {}})
def create_batch(
    session: SessionDep, caller: CallerDep, body: BatchIn, idempotency_key: IdempotencyKeyHeader = None
) -> JSONResponse:
    fingerprint = request_fingerprint(body.model_dump_json())
    idempotent = claim(session, caller, "POST /v1/batches", idempotency_key, fingerprint)
    if idempotent.replay is not None:
        return idempotent.replay
    batch = open_batch(session, body.name, body.expected_documents, tenant_id=caller.tenant_id, lane=body.lane)
    return idempotent.answer(session, _report(session, caller, batch.id), status.HTTP_201_CREATED)


@router.get("/v1/batches/{batch_id}")
def get_batch(session: SessionDep, caller: CallerDep, batch_id: uuid.UUID) -> dict[str, Any]:
    return _report(session, caller, batch_id)


@router.post("/v1/batches/{batch_id}/close")
def close(session: SessionDep, caller: CallerDep, batch_id: uuid.UUID) -> dict[str, Any]:
    if tenant_batch(session, caller.tenant_id, batch_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such batch")
    close_batch(session, batch_id)
    return _report(session, caller, batch_id)
