"""Ingestion batches for bulk loads and DMS syncs: a manifest row per upload, counts per state, and one
`batch.done` event when a closed batch's last document ends."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.lanes import Lane
from models.schema import Batch, BatchItem, Document, utcnow
from models.stages import FINAL_STATUSES
from models.tenancy import default_tenant_id


class BatchClosed(Exception):
    """Uploads into a batch that is closed (or done) are refused: its manifest is final."""


@dataclass(frozen=True)
class BatchReport:
    batch: Batch
    counts: dict[str, int]
    manifest: list[dict[str, Any]]


def open_batch(
    session: Session,
    name: str | None = None,
    expected_documents: int | None = None,
    tenant_id: uuid.UUID | None = None,
    lane: Lane = Lane.bulk,
) -> Batch:
    """A new open batch of the tenant (None: the default tenant); its uploads go in `lane` unless one
    asks for another."""
    if tenant_id is None:
        tenant_id = default_tenant_id(session)
    batch = Batch(id=uuid.uuid4(), tenant_id=tenant_id, name=name, expected_documents=expected_documents, lane=lane)
    session.add(batch)
    session.flush()
    return batch


def tenant_batch(session: Session, tenant_id: uuid.UUID, batch_id: uuid.UUID) -> Batch | None:
    """The batch if it is the tenant's: another tenant's batch is as absent as one that never was."""
    batch = session.get(Batch, batch_id)
    return batch if batch is not None and batch.tenant_id == tenant_id else None


def add_to_batch(
    session: Session,
    tenant_id: uuid.UUID,
    batch_id: uuid.UUID,
    document_id: uuid.UUID,
    filename: str | None,
    duplicate: bool,
) -> BatchItem:
    batch = session.get(Batch, batch_id, with_for_update=True)
    if batch is None or batch.tenant_id != tenant_id:
        raise LookupError(f"no batch {batch_id}")
    if batch.closed:
        raise BatchClosed(f"batch {batch_id} is closed")
    item = session.scalars(
        select(BatchItem).where(BatchItem.batch_id == batch_id, BatchItem.document_id == document_id)
    ).one_or_none()
    if item is None:
        item = BatchItem(batch_id=batch_id, document_id=document_id, filename=filename, duplicate=duplicate)
        session.add(item)
        session.flush()
    if batch.expected_documents is not None:
        count = session.scalar(select(func.count()).select_from(BatchItem).where(BatchItem.batch_id == batch_id))
        if count is not None and count >= batch.expected_documents:
            batch.closed = True
            session.flush()
            complete_batch_if_done(session, batch_id)
    return item


def close_batch(session: Session, batch_id: uuid.UUID) -> Batch:
    batch = session.get(Batch, batch_id, with_for_update=True)
    if batch is None:
        raise LookupError(f"no batch {batch_id}")
    batch.closed = True
    session.flush()
    complete_batch_if_done(session, batch_id)
    return batch


def batch_report(session: Session, batch_id: uuid.UUID) -> BatchReport | None:
    batch = session.get(Batch, batch_id)
    if batch is None:
        return None
    rows = session.execute(
        select(BatchItem, Document)
        .outerjoin(Document, Document.id == BatchItem.document_id)
        .where(BatchItem.batch_id == batch_id)
        .order_by(BatchItem.id)
    ).all()
    manifest = [
        {
            "document_id": str(item.document_id) if item.document_id else None,
            "filename": item.filename,
            "duplicate": item.duplicate,
            "status": document.status if document else "deleted",
            "error_code": document.error_code if document else None,
            "entity_count": document.entity_count if document else None,
        }
        for item, document in rows
    ]
    counts: Counter[str] = Counter(str(entry["status"]) for entry in manifest)
    return BatchReport(batch, dict(sorted(counts.items())), manifest)


def complete_batch_if_done(session: Session, batch_id: uuid.UUID) -> bool:
    """Mark a closed batch done when none of its documents is still in progress, and emit
    `batch.done` once. The batch row is locked first, so two workers finishing the last two documents
    at the same time cannot both miss (or both fire) the event: whichever locks second sees the
    other's committed status."""
    from models.webhooks import record_event

    batch = session.get(Batch, batch_id, with_for_update=True, populate_existing=True)
    if batch is None or not batch.closed or batch.done_at is not None:
        return False
    pending = session.scalar(
        select(func.count())
        .select_from(BatchItem)
        .join(Document, Document.id == BatchItem.document_id)
        .where(BatchItem.batch_id == batch_id, Document.status.not_in(FINAL_STATUSES))
    )
    if pending:
        return False
    batch.done_at = utcnow()
    session.flush()
    report = batch_report(session, batch_id)
    assert report is not None
    record_event(
        session,
        "batch.done",
        {"batch_id": str(batch_id), "name": batch.name, "counts": report.counts, "manifest": report.manifest},
        tenant_id=batch.tenant_id,
    )
    return True


def complete_batches_of(session: Session, document_id: uuid.UUID) -> None:
    """After a document reached a final state: complete every closed batch it was the last of."""
    batch_ids = session.scalars(
        select(BatchItem.batch_id).where(BatchItem.document_id == document_id).order_by(BatchItem.batch_id)
    ).all()
    for batch_id in batch_ids:
        complete_batch_if_done(session, batch_id)
