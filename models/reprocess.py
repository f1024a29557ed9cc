"""Replaying documents: one document, or every failed document of a reason code, goes through the
pipeline again (after a fix for a parser bug, a raised limit, a new model). The caller commits, then
publishes the returned extract jobs. Entities stay until the new run replaces them in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.schema import Document, DocumentStatus, Job, JobStage, JobState

log = structlog.get_logger(__name__)

FINAL = (DocumentStatus.done, DocumentStatus.failed)


class ReprocessRefused(Exception):
    """The document is still on its way through the pipeline."""


def reprocess_document(session: Session, document: Document) -> tuple[int, JobStage, uuid.UUID]:
    """Queue the document's extract stage again; returns the job to publish after commit."""
    if document.status not in FINAL:
        raise ReprocessRefused(f"the document is {document.status.value}; only done or failed ones are replayed")
    jobs = {job.stage: job for job in session.scalars(select(Job).where(Job.document_id == document.id))}
    extract = jobs.get(JobStage.extract)
    if extract is None:
        extract = Job(document_id=document.id, stage=JobStage.extract)
        session.add(extract)
    extract.state = JobState.queued
    extract.attempts = 0
    extract.last_error = None
    extract.last_error_code = None
    extract.lease_token = None
    extract.lease_expires_at = None
    extract.published_at = None
    # The ner job keeps its old state until the new extraction queues it again (extract_document), so
    # a stale ner message arriving meanwhile finds nothing to do.
    log.info(
        "document.reprocess",
        document_id=str(document.id),
        previous_status=document.status.value,
        previous_reason=document.error_code,
    )
    document.status = DocumentStatus.queued
    document.error = None
    document.error_code = None
    document.finished_at = None
    session.flush()
    return extract.id, JobStage.extract, document.id


def failed_documents(
    session: Session, reason: str | None = None, tenant_id: uuid.UUID | None = None
) -> Sequence[Document]:
    """Failed documents, of one reason code when given (and of one tenant when given)."""
    query = select(Document).where(Document.status == DocumentStatus.failed)
    if reason is not None:
        query = query.where(Document.error_code == reason)
    if tenant_id is not None:
        query = query.where(Document.tenant_id == tenant_id)
    return session.scalars(query.order_by(Document.created_at)).all()


def reprocess_failed(
    session: Session, reason: str | None = None, tenant_id: uuid.UUID | None = None
) -> list[tuple[int, JobStage, uuid.UUID]]:
    return [reprocess_document(session, document) for document in failed_documents(session, reason, tenant_id)]
