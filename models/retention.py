"""Retention: after `retention_days`, a finished document's stored file, extracted text and tokens are
deleted and its facts stay (the document row, its entities, contract card and job history), so the
database grows with the facts kept rather than with the files seen.

Purged documents keep their status and answer every query and export as before; their text answers
410 Gone, and they cannot be reprocessed (nothing is left to read). Run by `contract-ner purge` and, when
`CONTRACT_NER_RETENTION_DAYS` is set, by Celery beat every `retention_interval_s`. Postgres reuses the
freed space for new rows after autovacuum; `VACUUM FULL` hands it back to the file system.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from models.schema import Document, DocumentFile, DocumentText, DocumentTokens, utcnow
from models.stages import FINAL_STATUSES


@dataclass(frozen=True)
class Purge:
    documents: int
    files: int
    texts: int
    tokens: int
    cutoff: datetime


def purgeable(session: Session, cutoff: datetime, limit: int) -> list[uuid.UUID]:
    """Up to `limit` documents, oldest first, that finished before `cutoff` and still hold their contents.
    Locked (SKIP LOCKED: a document a worker or another purge holds now waits for the next run)."""
    query = (
        select(Document.id)
        .where(Document.purged_at.is_(None), Document.finished_at < cutoff, Document.status.in_(FINAL_STATUSES))
        .order_by(Document.finished_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def purge_contents(session: Session, older_than_days: float, batch_size: int = 1000) -> Purge:
    """Delete the file, text and tokens of up to `batch_size` documents that finished more than
    `older_than_days` ago; flushes, the caller commits, and calls again while `documents` is not 0."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    ids = purgeable(session, cutoff, batch_size)
    if not ids:
        return Purge(0, 0, 0, 0, cutoff)
    files, texts, tokens = (
        session.execute(delete(table).where(table.document_id.in_(ids))).rowcount  # type: ignore[attr-defined]
        for table in (DocumentFile, DocumentText, DocumentTokens)
    )
    # Documents already in the session get the new value too (the ORM applies the criteria to them).
    session.execute(update(Document).where(Document.id.in_(ids)).values(purged_at=utcnow()))
    session.flush()
    return Purge(len(ids), files, texts, tokens, cutoff)


def purgeable_count(session: Session, older_than_days: float) -> int:
    """How many documents `purge_contents` would purge now (for a dry run)."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    return (
        session.scalar(
            select(func.count())
            .select_from(Document)
            .where(Document.purged_at.is_(None), Document.finished_at < cutoff, Document.status.in_(FINAL_STATUSES))
        )
        or 0
    )


def purge_all(session_factory: Callable[[], AbstractContextManager[Session]], older_than_days: float,
              batch_size: int = 1000) -> Purge:  # fmt: skip
    """`purge_contents` in one transaction per batch (short locks, progress kept) until none is left."""
    total = Purge(0, 0, 0, 0, utcnow())
    while True:
        with session_factory() as session:
            batch = purge_contents(session, older_than_days, batch_size)
        if not batch.documents:
            return Purge(total.documents, total.files, total.texts, total.tokens, batch.cutoff)
        total = Purge(total.documents + batch.documents, total.files + batch.files, total.texts + batch.texts,
                      total.tokens + batch.tokens, batch.cutoff)  # fmt: skip
