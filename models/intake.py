"""Accepting a document: one transaction writes the document, its bytes and its extract job.
Used by the HTTP API and by `contract-ner ingest`; the caller commits, then publishes."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.batches import BatchClosed, add_to_batch
from models.content_types import describe_unsupported, sniff_content_type
from models.schema import Document, DocumentFile, Job, JobStage


class RejectedUpload(Exception):
    """The upload is refused before anything is stored; `status_code` is the HTTP answer."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Submission:
    document: Document
    created: bool
    extract_job_id: int | None


def submit_document(
    session: Session,
    data: bytes,
    filename: str | None = None,
    external_id: str | None = None,
    metadata: dict[str, Any] | None = None,
    batch_id: uuid.UUID | None = None,
) -> Submission:
    """Store an upload, or return the document that already has these bytes.

    A new file under an `external_id` that already exists becomes the next version of that DMS
    document, linked to the previous one."""
    submission = _store(session, data, filename, external_id, metadata)
    if batch_id is not None:
        try:
            add_to_batch(session, batch_id, submission.document.id, filename, duplicate=not submission.created)
        except LookupError as exc:
            raise RejectedUpload(404, "unknown_batch", str(exc)) from exc
        except BatchClosed as exc:
            raise RejectedUpload(409, "batch_closed", str(exc)) from exc
    return submission


def _store(
    session: Session, data: bytes, filename: str | None, external_id: str | None, metadata: dict[str, Any] | None
) -> Submission:
    if not data:
        raise RejectedUpload(400, "empty", "the file is empty")
    content_type = sniff_content_type(data)
    if content_type is None:
        raise RejectedUpload(415, "unsupported_type", describe_unsupported(data))
    sha256 = hashlib.sha256(data).hexdigest()
    existing = session.scalars(select(Document).where(Document.sha256 == sha256)).one_or_none()
    if existing is not None:
        return Submission(existing, created=False, extract_job_id=None)

    previous = (
        session.scalars(
            select(Document).where(Document.external_id == external_id).order_by(Document.version.desc()).limit(1)
        ).first()
        if external_id
        else None
    )
    document = Document(
        id=uuid.uuid4(),
        meta=metadata,
        version=previous.version + 1 if previous else 1,
        previous_version_id=previous.id if previous else None,
        sha256=sha256,
        # The client's filename is metadata only: never used as a path.
        filename=(filename or "")[-512:] or None,
        content_type=content_type,
        size_bytes=len(data),
        external_id=external_id,
    )
    job = Job(stage=JobStage.extract)
    document.file = DocumentFile(content=data)
    document.jobs.append(job)
    try:
        with session.begin_nested():
            session.add(document)
    except IntegrityError:
        # The same bytes arrived concurrently; the other upload won.
        winner = session.scalars(select(Document).where(Document.sha256 == sha256)).one()
        return Submission(winner, created=False, extract_job_id=None)
    return Submission(document, created=True, extract_job_id=job.id)
