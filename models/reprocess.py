"""Replaying documents: one document, or every failed document of a reason code, goes through the
pipeline again (after a fix for a parser bug, a raised limit, a new model). The first stage's job is
queued afresh (`models.job_lifecycle.reprocess`) and published once the caller commits. Entities stay
until the new run replaces them in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.job_lifecycle import ReprocessRefused, reprocess
from models.schema import Document, Job
from models.stages import FAILED

__all__ = ["ReprocessRefused", "failed_documents", "reprocess_document", "reprocess_failed"]


def reprocess_document(session: Session, document: Document) -> Job:
    """Queue the document's first stage again; ReprocessRefused while it is still in the pipeline, or
    once retention purged its file (nothing is left to read)."""
    if document.purged_at is not None:
        raise ReprocessRefused(f"retention deleted the document's file on {document.purged_at:%Y-%m-%d}")
    return reprocess(session, document)


def failed_documents(
    session: Session, reason: str | None = None, tenant_id: uuid.UUID | None = None
) -> Sequence[Document]:
    """Failed documents that can be replayed (not purged), of one reason code when given (and of one
    tenant when given)."""
    query = select(Document).where(Document.status == FAILED, Document.purged_at.is_(None))
    if reason is not None:
        query = query.where(Document.error_code == reason)
    if tenant_id is not None:
        query = query.where(Document.tenant_id == tenant_id)
    return session.scalars(query.order_by(Document.created_at)).all()


def reprocess_failed(session: Session, reason: str | None = None, tenant_id: uuid.UUID | None = None) -> list[Job]:
    return [reprocess_document(session, document) for document in failed_documents(session, reason, tenant_id)]
