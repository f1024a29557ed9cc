"""Document routes: upload, list and filter, export, read one document (its text, entities and card),
reprocess and erase. A few lines each: validate input, call `models` functions, shape the answer."""

from __future__ import annotations

import itertools
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Response, UploadFile, status
from fastapi.responses import StreamingResponse
from pydantic import PlainValidator, WithJsonSchema
from sqlalchemy.orm import Session

from api.auth import Caller, CallerDep
from api.deps import SessionDep
from api.export import export_rows
from api.idempotency import IdempotencyKeyHeader, claim
from api.schemas import (
    Accepted,
    DatabaseText,
    DocumentOut,
    DocumentPage,
    DocumentTextOut,
    EntityOut,
    document_out,
    entity_out,
)
from models.client_input import parse_metadata
from models.contract_card import card_as_dict
from models.erasure import erase_document
from models.idempotency import request_fingerprint
from models.intake import RejectedUpload, submit_document
from models.lanes import Lane
from models.queries import (
    DocumentCursor,
    DocumentFilter,
    after_cursor,
    decode_cursor,
    document_entities,
    encode_cursor,
    fact_bound,
    filtered_document_list,
    tenant_document,
)
from models.reprocess import ReprocessRefused, reprocess_document
from models.schema import ContractCard, Document
from models.settings import get_settings
from models.stages import DOCUMENT_STATUSES

router = APIRouter()
_CHUNK = 1 << 20


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
    external_id: Annotated[
        DatabaseText | None, Form(max_length=200, description="The DMS's id for this document (an opaque id)")
    ] = None,
    metadata: Annotated[
        str | None,
        Form(description="A JSON object stored with the document (CONTRACT_NER_METADATA_MAX_BYTES / _MAX_DEPTH)"),
    ] = None,
    batch_id: Annotated[uuid.UUID | None, Form(description="An open batch this upload belongs to")] = None,
    lane: Annotated[
        Lane | None,
        Form(description="`interactive` or `bulk`; default: the batch's lane, else the API key's, else interactive"),
    ] = None,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    meta = _json_object(metadata)
    # A plain `def` route: FastAPI runs it in its thread pool, so database waits never block the event loop.
    data = _read_limited(file, get_settings().max_upload_bytes)
    fingerprint = request_fingerprint(data, file.filename, external_id, metadata, str(batch_id or ""), lane or "")
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
            lane=lane,
            key_lane=caller.lane,
        )
    except RejectedUpload as exc:
        raise HTTPException(exc.status_code, f"{exc.code}: {exc.message}") from exc
    document = submission.document
    body = Accepted(
        id=document.id,
        status=document.status,
        duplicate=not submission.created,
        duplicate_of=None if submission.created else document.id,
        linked_external_id=submission.linked_external_id,
    )
    code = status.HTTP_202_ACCEPTED if submission.created else status.HTTP_200_OK
    return idempotent.answer(session, body.model_dump(mode="json"), code)


def _json_object(raw: str | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    settings = get_settings()
    try:
        return parse_metadata(raw, settings.metadata_max_bytes, settings.metadata_max_depth)
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc


def _document_or_404(session: Session, caller: Caller, document_id: uuid.UUID) -> Document:
    document = tenant_document(session, caller.tenant_id, document_id)
    if document is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such document")
    return document


# A fact bound is parsed while the request is validated: a value that is neither a number within the
# entity column's precision nor an ISO date is a 422 before any query runs (or any export starts).
FactBound = Annotated[
    Decimal | date, PlainValidator(lambda raw: fact_bound(str(raw))), WithJsonSchema({"type": "string"})
]
# The card's salary_amount is Numeric(14, 2).
SalaryBound = Annotated[Decimal | None, Query(max_digits=14, decimal_places=2, allow_inf_nan=False)]


def document_filter(
    status_: Annotated[
        str | None,
        # The values come from the stage table; listed in the OpenAPI spec all the same.
        Query(alias="status", json_schema_extra={"enum": list(DOCUMENT_STATUSES)}),
    ] = None,
    external_id: DatabaseText | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    salary_min: SalaryBound = None,
    salary_max: SalaryBound = None,
    start_date_from: date | None = None,
    start_date_to: date | None = None,
    needs_review: bool | None = None,
    label: Annotated[
        DatabaseText | None, Query(description="With value_gte/value_lte: documents with such an entity")
    ] = None,
    value_gte: Annotated[
        FactBound | None,
        Query(description="A number (at most 10 digits before and 4 after the point), or an ISO date for date labels"),
    ] = None,
    value_lte: Annotated[FactBound | None, Query(description="As value_gte")] = None,
) -> DocumentFilter:
    if status_ is not None and status_ not in DOCUMENT_STATUSES:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"status must be one of {', '.join(DOCUMENT_STATUSES)}"
        )
    if (value_gte is not None or value_lte is not None) and label is None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "value_gte/value_lte need a label")
    return DocumentFilter(
        status_, external_id, created_from, created_to, salary_min, salary_max, start_date_from, start_date_to,
        needs_review, label, value_gte, value_lte,
    )  # fmt: skip


FilterDep = Annotated[DocumentFilter, Depends(document_filter)]


def document_cursor(
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> DocumentCursor | None:
    if cursor is None:
        return None
    try:
        return decode_cursor(cursor)
    except ValueError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "invalid cursor") from exc


@router.get("/v1/documents", response_model=DocumentPage)
def list_documents(
    session: SessionDep,
    caller: CallerDep,
    filters: FilterDep,
    cursor: Annotated[DocumentCursor | None, Depends(document_cursor)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DocumentPage:
    query = filtered_document_list(filters, caller.tenant_id)
    if cursor is not None:
        query = after_cursor(query, cursor)
    rows = session.scalars(query.limit(limit + 1)).all()
    page = rows[:limit]
    return DocumentPage(
        items=[document_out(document) for document in page],
        next_cursor=encode_cursor(page[-1]) if len(rows) > limit else None,
    )


@router.get("/v1/documents/export", response_class=StreamingResponse)
def export_documents(
    session: SessionDep,
    caller: CallerDep,
    filters: FilterDep,
    export_format: Annotated[Literal["csv", "jsonl"], Query(alias="format")] = "csv",
    dialect: Annotated[
        Literal["standard", "excel-da"],
        Query(description="CSV only: `excel-da` separates cells with `;` and writes decimal commas"),
    ] = "standard",
) -> StreamingResponse:
    """One row per document with its contract card, streamed: memory stays flat for any number of rows."""
    # The request's transaction ends here: the stream reads in a session of its own, and on the embedded
    # SQLite default a transaction left open would hold the write lock that session waits for.
    session.commit()
    media = "text/csv; charset=utf-8" if export_format == "csv" else "application/x-ndjson"
    rows = export_rows(filters, caller.tenant_id, export_format, dialect)
    # The query runs and its first page is written before the 200 goes out: a failure is still an error
    # answer, not a body that breaks off.
    first = next(rows, b"")
    headers = {"Content-Disposition": f'attachment; filename="contracts.{export_format}"'}
    return StreamingResponse(itertools.chain([first], rows), media_type=media, headers=headers)


@router.get("/v1/documents/{document_id}", response_model=DocumentOut)
def get_document(session: SessionDep, caller: CallerDep, document_id: uuid.UUID) -> DocumentOut:
    return document_out(_document_or_404(session, caller, document_id))


@router.delete("/v1/documents/{document_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_document(session: SessionDep, caller: CallerDep, document_id: uuid.UUID) -> Response:
    """Erase the document and every trace of it (data-protection requests): see `models.erasure`."""
    # SessionDep commits before the 204 is sent: a client told "erased" never finds it back.
    erase_document(session, _document_or_404(session, caller, document_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/v1/documents/{document_id}/reprocess",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses={404: {}, 409: {}},
)
def reprocess(session: SessionDep, caller: CallerDep, document_id: uuid.UUID) -> Accepted:
    """Send a done or failed document through the pipeline again; its entities stay until replaced."""
    document = _document_or_404(session, caller, document_id)
    try:
        reprocess_document(session, document)
    except ReprocessRefused as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return Accepted(id=document_id, status=document.status, duplicate=False)


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
    return [entity_out(e) for e in document_entities(session, document_id)]


@router.get("/v1/documents/{document_id}/text", response_model=DocumentTextOut, responses={409: {}, 410: {}})
def get_document_text(session: SessionDep, caller: CallerDep, document_id: uuid.UUID) -> DocumentTextOut:
    document = _document_or_404(session, caller, document_id)
    if document.purged_at is not None:
        raise HTTPException(status.HTTP_410_GONE, f"retention deleted the text on {document.purged_at:%Y-%m-%d}")
    if document.text is None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"no text yet: the document is {document.status}")
    return DocumentTextOut(text=document.text.text, page_starts=document.text.page_starts)
