"""Ingestion batches for bulk loads and DMS syncs: a manifest row per upload, counts per state, and one
`batch.done` event when a closed batch's last document ends."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, select, tuple_
from sqlalchemy.orm import Session

from models.lanes import Lane
from models.queries import decode_keyset, encode_keyset
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
    external_id: str | None = None,
    metadata: dict[str, Any] | None = None,
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
        item = BatchItem(
            batch_id=batch_id,
            document_id=document_id,
            filename=filename,
            duplicate=duplicate,
            external_id=external_id,
            meta=metadata,
        )
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
            "external_id": item.external_id,
            "metadata": item.meta,
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
    from models.webhooks import batch_links, record_event

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
        {
            "batch_id": str(batch_id),
            "name": batch.name,
            "counts": report.counts,
            "manifest": report.manifest,
            "links": batch_links(batch_id),
        },
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


BATCH_STATES = ("open", "closed", "done")


@dataclass(frozen=True)
class BatchFilter:
    """`GET /v1/batches` filters. `state`: open (still taking uploads), closed (taking none, documents
    still running) or done (`batch.done` fired); `name` is matched exactly; both created bounds included."""

    state: str | None = None
    name: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


@dataclass(frozen=True)
class BatchCursor:
    """Where a page of batches ended: the (created_at, id) of its last row."""

    created_at: datetime
    batch_id: uuid.UUID


def encode_batch_cursor(batch: Batch) -> str:
    return encode_keyset(batch.created_at, batch.id)


def decode_batch_cursor(cursor: str) -> BatchCursor:
    """The cursor `encode_batch_cursor` wrote; ValueError for anything else."""
    return BatchCursor(*decode_keyset(cursor))


def list_batches(
    session: Session, tenant_id: uuid.UUID, f: BatchFilter, cursor: BatchCursor | None, limit: int
) -> list[Batch]:
    """The tenant's batches passing `f`, oldest first, after `cursor`: one range of the
    (tenant_id, created_at, id) index, so a deep page costs what the first does."""
    query = select(Batch).where(Batch.tenant_id == tenant_id)
    if f.state == "open":
        query = query.where(Batch.closed.is_(False))
    elif f.state == "closed":
        query = query.where(Batch.closed.is_(True), Batch.done_at.is_(None))
    elif f.state == "done":
        query = query.where(Batch.done_at.is_not(None))
    elif f.state is not None:
        raise ValueError(f"state must be one of {', '.join(BATCH_STATES)}")
    if f.name is not None:
        query = query.where(Batch.name == f.name)
    if f.created_from is not None:
        query = query.where(Batch.created_at >= f.created_from)
    if f.created_to is not None:
        query = query.where(Batch.created_at <= f.created_to)
    if cursor is not None:
        query = query.where(tuple_(Batch.created_at, Batch.id) > tuple_(cursor.created_at, cursor.batch_id))
    return list(session.scalars(query.order_by(Batch.created_at, Batch.id).limit(limit)))


def batch_counts(session: Session, batch_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    """Documents per state of each batch, as in its report (an erased document counts as `deleted`), in
    one grouped query for a whole page."""
    status = func.coalesce(Document.status, literal("deleted"))
    rows = session.execute(
        select(BatchItem.batch_id, status, func.count())
        .outerjoin(Document, Document.id == BatchItem.document_id)
        .where(BatchItem.batch_id.in_(batch_ids))
        .group_by(BatchItem.batch_id, status)
    ).all()
    counts: dict[uuid.UUID, dict[str, int]] = {batch_id: {} for batch_id in batch_ids}
    for batch_id, state, n in rows:
        counts[batch_id][str(state)] = int(n)
    return {batch_id: dict(sorted(c.items())) for batch_id, c in counts.items()}
