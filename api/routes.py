"""Routes: a few lines each that validate input, call `models` functions and shape the answer."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Response, UploadFile, status
from fastapi.responses import StreamingResponse
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from api.auth import Caller, CallerDep
from api.deps import get_session
from api.export import export_rows
from api.idempotency import IdempotencyKeyHeader, claim
from api.schemas import Accepted, DocumentOut, DocumentPage, DocumentTextOut, EntityOut, EntityPage, StageTimings
from models.broker import get_celery, publish_jobs
from models.contract_card import card_as_dict
from models.idempotency import request_fingerprint
from models.intake import RejectedUpload, submit_document
from models.queries import (
    DocumentFilter,
    after_cursor,
    encode_cursor,
    filtered_documents,
    tenant_document,
    tenant_entities,
)
from models.queue_health import stuck_jobs
from models.reprocess import ReprocessRefused, reprocess_document
from models.schema import ContractCard, Document, DocumentStatus, Entity, JobStage
from models.settings import get_settings

router = APIRouter()
SessionDep = Annotated[Session, Depends(get_session)]
_CHUNK = 1 << 20


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return round((later - earlier).total_seconds(), 3)


def document_out(document: Document) -> DocumentOut:
    timings = StageTimings(
        queued_s=_seconds(document.extract_started_at, document.created_at),
        extract_s=_seconds(document.extract_finished_at, document.extract_started_at),
        waiting_for_ner_s=_seconds(document.ner_started_at, document.extract_finished_at),
        ner_s=_seconds(document.ner_finished_at, document.ner_started_at),
        total_s=_seconds(document.finished_at, document.created_at),
    )
    fields = {k: getattr(document, k) for k in DocumentOut.model_fields if k not in ("timings", "metadata")}
    return DocumentOut.model_validate({**fields, "metadata": document.meta, "timings": timings})


def entity_out(entity: Entity) -> EntityOut:
    return EntityOut(
        value_date=entity.value_date,
        value_number=entity.value_number,
        value_unit=entity.value_unit,
        value_period=entity.value_period,
        id=entity.id,
        document_id=entity.document_id,
        label=entity.label,
        text=entity.text,
        start=entity.start_char,
        end=entity.end_char,
        page=entity.page,
        score=entity.score,
        model_id=entity.model_id,
    )


def _read_limited(upload: UploadFile, limit: int) -> bytes:
    """The upload's bytes, holding at most `limit` + 1 of them: one byte over is enough to refuse."""
    too_large = HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"the file exceeds {limit} bytes")
    if upload.size is not None and upload.size > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while chunk := upload.file.read(min(_CHUNK, limit + 1 - size)):
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


# The whole multipart body may exceed the file by its headers and the small form fields. FastAPI refuses
# a larger body with 413 before reading it (a too large Content-Length) or as soon as it streams past.
_UPLOAD_BODY_LIMIT = get_settings().max_upload_bytes + _CHUNK


@router.post(
    "/v1/documents",
    max_body_size=_UPLOAD_BODY_LIMIT,
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses={200: {"model": Accepted}, 400: {}, 413: {}, 415: {}, 422: {}},
)
def upload_document(
    session: SessionDep,
    caller: CallerDep,
    file: Annotated[UploadFile, File(description="PDF, DOCX or plain text; the type is sniffed from the bytes")],
    external_id: Annotated[str | None, Form(max_length=200, description="The DMS's id for this document")] = None,
    metadata: Annotated[str | None, Form(description="A JSON object stored with the document")] = None,
    batch_id: Annotated[uuid.UUID | None, Form(description="An open batch this upload belongs to")] = None,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    meta = _json_object(metadata)
    # A plain `def` route: FastAPI runs it in its thread pool, so database waits never block the event loop.
    data = _read_limited(file, get_settings().max_upload_bytes)
    fingerprint = request_fingerprint(data, file.filename, external_id, metadata, str(batch_id or ""))
    idempotent = claim(session, caller, "POST /v1/documents", idempotency_key, fingerprint)
    if idempotent.replay is not None:
        return idempotent.replay
    try:
        submission = submit_document(
            session,
            data,
            filename=file.filename,
            external_id=external_id,
            metadata=meta,
            batch_id=batch_id,
            tenant_id=caller.tenant_id,
        )
    except RejectedUpload as exc:
        raise HTTPException(exc.status_code, f"{exc.code}: {exc.message}") from exc
    document = submission.document
    body = Accepted(id=document.id, status=document.status.value, duplicate=not submission.created)
    code = status.HTTP_202_ACCEPTED if submission.created else status.HTTP_200_OK
    response = idempotent.answer(session, body.model_dump(mode="json"), code)
    session.commit()
    if submission.extract_job_id is not None:
        publish_jobs(session, [(submission.extract_job_id, JobStage.extract, document.id)])
    return response


def _json_object(raw: str | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"metadata is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "metadata must be a JSON object")
    return value


def _document_or_404(session: Session, caller: Caller, document_id: uuid.UUID) -> Document:
    document = tenant_document(session, caller.tenant_id, document_id)
    if document is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such document")
    return document


def document_filter(
    status_: Annotated[DocumentStatus | None, Query(alias="status")] = None,
    external_id: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    salary_min: Decimal | None = None,
    salary_max: Decimal | None = None,
    start_date_from: date | None = None,
    start_date_to: date | None = None,
    needs_review: bool | None = None,
    label: Annotated[str | None, Query(description="With value_gte/value_lte: documents with such an entity")] = None,
    value_gte: Annotated[str | None, Query(description="A number, or an ISO date for date labels")] = None,
    value_lte: str | None = None,
) -> DocumentFilter:
    if (value_gte is not None or value_lte is not None) and label is None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "value_gte/value_lte need a label")
    return DocumentFilter(
        status_, external_id, created_from, created_to, salary_min, salary_max, start_date_from, start_date_to,
        needs_review, label, value_gte, value_lte,
    )  # fmt: skip


FilterDep = Annotated[DocumentFilter, Depends(document_filter)]


@router.get("/v1/documents", response_model=DocumentPage)
def list_documents(
    session: SessionDep,
    caller: CallerDep,
    filters: FilterDep,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DocumentPage:
    query = filtered_documents(filters, caller.tenant_id)
    if cursor is not None:
        try:
            query = after_cursor(query, cursor)
        except ValueError as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "invalid cursor") from exc
    try:
        rows = session.execute(query.limit(limit + 1)).all()
    except (ArithmeticError, ValueError) as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"invalid filter value: {exc}") from exc
    page = rows[:limit]
    return DocumentPage(
        items=[document_out(document) for document, _card in page],
        next_cursor=encode_cursor(page[-1][0]) if len(rows) > limit else None,
    )


@router.get("/v1/documents/export", response_class=StreamingResponse)
def export_documents(
    caller: CallerDep,
    filters: FilterDep,
    export_format: Annotated[str, Query(alias="format", pattern="^(csv|jsonl)$")] = "csv",
) -> StreamingResponse:
    """One row per document with its contract card, streamed: memory stays flat for any number of rows."""
    media = "text/csv; charset=utf-8" if export_format == "csv" else "application/x-ndjson"
    rows = export_rows(filtered_documents(filters, caller.tenant_id), export_format)
    headers = {"Content-Disposition": f'attachment; filename="contracts.{export_format}"'}
    return StreamingResponse(rows, media_type=media, headers=headers)


@router.get("/v1/documents/{document_id}", response_model=DocumentOut)
def get_document(session: SessionDep, caller: CallerDep, document_id: uuid.UUID) -> DocumentOut:
    return document_out(_document_or_404(session, caller, document_id))


@router.delete("/v1/documents/{document_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_document(session: SessionDep, caller: CallerDep, document_id: uuid.UUID) -> Response:
    """Erase the file, its text, tokens, entities and card (data-protection requests)."""
    session.delete(_document_or_404(session, caller, document_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/v1/documents/{document_id}/reprocess",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses={404: {}, 409: {}},
)
def reprocess(session: SessionDep, caller: CallerDep, document_id: uuid.UUID) -> Accepted:
    """Send a done or failed document through the pipeline again; its entities stay until replaced."""
    try:
        job = reprocess_document(session, _document_or_404(session, caller, document_id))
    except ReprocessRefused as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    session.commit()
    publish_jobs(session, [job])
    return Accepted(id=document_id, status=DocumentStatus.queued.value, duplicate=False)


@router.get("/v1/documents/{document_id}/card")
def get_contract_card(session: SessionDep, caller: CallerDep, document_id: uuid.UUID) -> dict[str, Any]:
    _document_or_404(session, caller, document_id)
    card = session.get(ContractCard, document_id)
    if card is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "no contract card yet: the document is not done")
    return card_as_dict(card)


@router.get("/v1/documents/{document_id}/entities", response_model=list[EntityOut])
def get_document_entities(session: SessionDep, caller: CallerDep, document_id: uuid.UUID) -> list[EntityOut]:
    _document_or_404(session, caller, document_id)
    rows = session.scalars(
        select(Entity).where(Entity.document_id == document_id).order_by(Entity.start_char, Entity.id)
    )
    return [entity_out(e) for e in rows]


@router.get("/v1/documents/{document_id}/text", response_model=DocumentTextOut)
def get_document_text(session: SessionDep, caller: CallerDep, document_id: uuid.UUID) -> DocumentTextOut:
    document = _document_or_404(session, caller, document_id)
    if document.text is None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"no text yet: the document is {document.status.value}")
    return DocumentTextOut(text=document.text.text, page_starts=document.text.page_starts)


@router.get("/v1/entities", response_model=EntityPage)
def list_entities(
    session: SessionDep,
    caller: CallerDep,
    label: str | None = None,
    document_id: uuid.UUID | None = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EntityPage:
    if cursor is not None and not cursor.isdigit():
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "invalid cursor")
    query = tenant_entities(caller.tenant_id, label, document_id, int(cursor) if cursor else None)
    rows = list(session.scalars(query.limit(limit + 1)))
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    return EntityPage(items=[entity_out(e) for e in rows[:limit]], next_cursor=next_cursor)


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(session: SessionDep, response: Response) -> dict[str, str]:
    checks: dict[str, str] = {}
    try:
        session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc}"
    try:
        with get_celery().connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:
        checks["broker"] = f"error: {exc}"
    ready = all(v == "ok" for v in checks.values())
    if checks["database"] == "ok":
        # Reported, not gating: stuck workers are no reason to stop accepting uploads.
        stuck = stuck_jobs(session, get_settings().stuck_job_after_s)
        checks["queue"] = (
            f"stuck: {stuck.count} jobs without progress for over {stuck.threshold_s:.0f}s "
            f"(oldest {stuck.oldest_age_s:.0f}s)"
            if stuck.count
            else "ok"
        )
    response.status_code = status.HTTP_200_OK if ready else status.HTTP_503_SERVICE_UNAVAILABLE
    return {"status": "ready" if ready else "not ready", **checks}
