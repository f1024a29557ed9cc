"""Batch routes: open a batch, upload into it (`batch_id` on POST /v1/documents), watch its counts and
manifest, close it so that `batch.done` fires when its last document ends."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.deps import get_session
from models.batches import batch_report, close_batch, open_batch

router = APIRouter()
SessionDep = Annotated[Session, Depends(get_session)]


class BatchIn(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    expected_documents: int | None = Field(
        default=None, ge=1, description="Close the batch automatically once this many files are uploaded"
    )


def _report(session: Session, batch_id: uuid.UUID) -> dict[str, Any]:
    report = batch_report(session, batch_id)
    if report is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such batch")
    batch = report.batch
    return {
        "id": str(batch.id),
        "name": batch.name,
        "expected_documents": batch.expected_documents,
        "closed": batch.closed,
        "done": batch.done_at is not None,
        "created_at": batch.created_at.isoformat(),
        "done_at": batch.done_at.isoformat() if batch.done_at else None,
        "counts": report.counts,
        "manifest": report.manifest,
    }


@router.post("/v1/batches", status_code=status.HTTP_201_CREATED)
def create_batch(session: SessionDep, body: BatchIn) -> dict[str, Any]:
    batch = open_batch(session, body.name, body.expected_documents)
    return _report(session, batch.id)


@router.get("/v1/batches/{batch_id}")
def get_batch(session: SessionDep, batch_id: uuid.UUID) -> dict[str, Any]:
    return _report(session, batch_id)


@router.post("/v1/batches/{batch_id}/close")
def close(session: SessionDep, batch_id: uuid.UUID) -> dict[str, Any]:
    try:
        close_batch(session, batch_id)
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such batch") from exc
    return _report(session, batch_id)
