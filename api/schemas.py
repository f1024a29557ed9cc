"""Response bodies of the HTTP API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict


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
