"""Response bodies of the HTTP API, and how a document or entity row becomes one."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict

from models.client_input import refuse_nul
from models.schema import Document, Entity

# Every client string that reaches Postgres: its text columns cannot hold NUL, so it is refused with 422
# here instead of failing in the database.
DatabaseText = Annotated[str, AfterValidator(refuse_nul)]


class Accepted(BaseModel):
    id: uuid.UUID
    status: str
    duplicate: bool = False


class StageTimings(BaseModel):
    queued_s: float | None = None
    extract_s: float | None = None
    waiting_for_ner_s: float | None = None
    ner_s: float | None = None
    total_s: float | None = None


class DocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    status: str
    error_code: str | None
    error: str | None
    filename: str | None
    external_id: str | None
    metadata: dict[str, Any] | None
    version: int
    previous_version_id: uuid.UUID | None
    content_type: str
    size_bytes: int
    sha256: str
    page_count: int | None
    char_count: int | None
    token_count: int | None
    window_count: int | None
    entity_count: int | None
    created_at: datetime
    extract_started_at: datetime | None
    extract_finished_at: datetime | None
    ner_started_at: datetime | None
    ner_finished_at: datetime | None
    finished_at: datetime | None
    timings: StageTimings


class DocumentTextOut(BaseModel):
    text: str
    page_starts: list[int]


class EntityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    document_id: uuid.UUID
    label: str
    text: str
    start: int
    end: int
    page: int | None
    score: float
    model_id: int
    value_date: date | None = None
    value_number: Decimal | None = None
    value_unit: str | None = None
    value_period: str | None = None


class EntityPage(BaseModel):
    items: list[EntityOut]
    next_cursor: str | None


class DocumentPage(BaseModel):
    items: list[DocumentOut]
    next_cursor: str | None


class Problem(BaseModel):
    code: str
    detail: str


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
