"""Accepting a document: one transaction writes the document, its bytes and its first stage's job.
Used by the HTTP API and by `contract-ner ingest`; the caller commits, and the job is published once
that commit succeeded (`models.job_lifecycle.queue_stage`)."""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.batches import BatchClosed, add_to_batch, tenant_batch
from models.content_types import describe_unsupported, sniff_content_type
from models.job_lifecycle import queue_stage
from models.lanes import Lane, upload_lane
from models.reasons import ReasonCode
from models.schema import Document, DocumentExternalId, DocumentFile
from models.stages import first_stage
from models.tenancy import default_tenant_id


class RejectedUpload(Exception):
    """The upload is refused before anything is stored; `status_code` is the HTTP answer."""

    def __init__(self, status_code: int, code: ReasonCode, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message


def harmless_filename(filename: str | None) -> str | None:
    """The client's filename as a display name only: its last path component, without control or
    bidirectional-override characters (`../../etc/passwd` becomes `passwd`, never a path)."""
    if not filename:
        return None
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf")).strip()
    return name[-255:] if name.strip(".") else None


@dataclass(frozen=True)
class Submission:
    document: Document
    created: bool  # False: the tenant already had these bytes, and this is that document
    # A duplicate sent under an external id the document did not have yet: now linked to it.
    linked_external_id: str | None = None


def submit_document(
    session: Session,
    data: bytes,
    filename: str | None = None,
    external_id: str | None = None,
    metadata: dict[str, Any] | None = None,
    batch_id: uuid.UUID | None = None,
    tenant_id: uuid.UUID | None = None,
    lane: Lane | None = None,
    key_lane: str | None = None,
) -> Submission:
    """Store an upload for the tenant (None: the default tenant), or return the tenant's document that
    already has these bytes.

    A new file under an `external_id` the tenant already has becomes the next version of that DMS
    document, linked to the previous one. A `batch_id` must be one of the tenant's batches. The
    document's lane is `lane`, else its batch's, else `key_lane` (its API key's), else interactive."""
    filename = harmless_filename(filename)
    if tenant_id is None:
        tenant_id = default_tenant_id(session)
    batch = tenant_batch(session, tenant_id, batch_id) if batch_id is not None else None
    chosen = upload_lane(lane, batch.lane if batch is not None else None, key_lane)
    submission = _store(session, tenant_id, data, filename, external_id, metadata, chosen)
    if batch_id is not None:
        try:
            add_to_batch(
                session,
                tenant_id,
                batch_id,
                submission.document.id,
                filename,
                duplicate=not submission.created,
                external_id=external_id,
                metadata=metadata,
            )
        except LookupError as exc:
            raise RejectedUpload(404, ReasonCode.unknown_batch, str(exc)) from exc
        except BatchClosed as exc:
            raise RejectedUpload(409, ReasonCode.batch_closed, str(exc)) from exc
    return submission


def _store(
    session: Session,
    tenant_id: uuid.UUID,
    data: bytes,
    filename: str | None,
    external_id: str | None,
    metadata: dict[str, Any] | None,
    lane: Lane,
) -> Submission:
    if not data:
        raise RejectedUpload(400, ReasonCode.empty, "the file is empty")
    content_type = sniff_content_type(data)
    if content_type is None:
        raise RejectedUpload(415, ReasonCode.unsupported_type, describe_unsupported(data))
    sha256 = hashlib.sha256(data).hexdigest()
    same_bytes = select(Document).where(Document.tenant_id == tenant_id, Document.sha256 == sha256)
    existing = session.scalars(same_bytes).one_or_none()
    if existing is not None:
        return Submission(existing, created=False, linked_external_id=link_external_id(session, existing, external_id))

    previous = (
        session.scalars(
            select(Document)
            .where(Document.tenant_id == tenant_id, Document.external_id == external_id)
            .order_by(Document.version.desc())
            .limit(1)
        ).first()
        if external_id
        else None
    )
    document = Document(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        meta=metadata,
        version=previous.version + 1 if previous else 1,
        previous_version_id=previous.id if previous else None,
        sha256=sha256,
        # The client's filename is metadata only: never used as a path.
        filename=(filename or "")[-512:] or None,
        content_type=content_type,
        size_bytes=len(data),
        external_id=external_id,
        lane=lane,
    )
    document.file = DocumentFile(content=data)
    try:
        with session.begin_nested():
            session.add(document)
    except IntegrityError:
        # The same bytes arrived concurrently; the other upload won.
        winner = session.scalars(same_bytes).one()
        return Submission(winner, created=False, linked_external_id=link_external_id(session, winner, external_id))
    queue_stage(session, document, first_stage())
    return Submission(document, created=True)


def link_external_id(session: Session, document: Document, external_id: str | None) -> str | None:
    """Link `external_id` to the document that already holds these bytes, unless it is already its own or
    linked; returns the id when this call linked it. The DMS then finds the document under either id (the
    `external_id` filter) instead of its second id being dropped."""
    if not external_id or external_id == document.external_id:
        return None
    linked = select(DocumentExternalId.id).where(
        DocumentExternalId.tenant_id == document.tenant_id,
        DocumentExternalId.external_id == external_id,
        DocumentExternalId.document_id == document.id,
    )
    if session.scalar(linked) is not None:
        return None
    try:
        with session.begin_nested():
            session.add(
                DocumentExternalId(tenant_id=document.tenant_id, document_id=document.id, external_id=external_id)
            )
    except IntegrityError:
        return None  # the same link made concurrently: it exists, which is all that matters
    session.expire(document, ["linked_external_ids"])
    return external_id
