"""Response bodies of the HTTP API, and how a document or entity row becomes one."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from models.client_input import refuse_nul
from models.schema import Document, Entity, Job
from models.stages import PIPELINE

# Every client string that reaches Postgres: its text columns cannot hold NUL, so it is refused with 422
# here instead of failing in the database.
DatabaseText = Annotated[str, AfterValidator(refuse_nul)]


class Accepted(BaseModel):
    id: uuid.UUID
    status: str
    duplicate: bool = False
    duplicate_of: uuid.UUID | None = Field(
        default=None, description="With duplicate: the document that already has these bytes (the same as id)"
    )
    linked_external_id: str | None = Field(
        default=None,
        description="A duplicate sent under an external_id the document did not have: now linked to it, "
        "and the external_id filter finds the document by it",
    )


class StageOut(BaseModel):
    """One pipeline stage of a document (`models.stages.PIPELINE` order): its job's state and times."""

    stage: str
    state: str
    attempts: int
    queued_at: datetime | None = Field(description="When the stage became due (this run)")
    started_at: datetime | None = Field(description="When its latest attempt started")
    finished_at: datetime | None
    waited_s: float | None = Field(description="started_at - queued_at: time in the queue, failed attempts included")
    ran_s: float | None = Field(description="finished_at - started_at")
    error_code: str | None = Field(description="The reason code of the last failed attempt, if any")


class DocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    status: str
    error_code: str | None
    error: str | None
    filename: str | None
    external_id: str | None
    linked_external_ids: list[str] = Field(
        default_factory=list, description="Other external ids the same bytes were uploaded under"
    )
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
    finished_at: datetime | None
    purged_at: datetime | None = Field(
        default=None, description="When retention deleted the file, text and tokens (entities and card stay)"
    )
    stages: list[StageOut]
    timings: dict[str, float | None] = Field(
        description="Seconds per interval: waiting_for_<stage>_s and <stage>_s for each stage, and total_s"
    )


class DocumentTextOut(BaseModel):
    text: str
    page_starts: list[int]


class BoxOut(BaseModel):
    """Where (part of) an entity lies on a page: PDF points (1/72 inch) from the page's top-left corner,
    y growing downwards, on the page as `GET /v1/documents/{id}/pages/{page}` renders it."""

    page: int = Field(description="1-based page number")
    x0: float
    y0: float
    x1: float
    y1: float


class EntityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    document_id: uuid.UUID
    label: str
    text: str
    start: int
    end: int
    page: int | None
    boxes: list[BoxOut] = Field(
        default_factory=list,
        description="One box per line the entity covers; empty for formats without geometry (text, DOCX)",
    )
    score: float
    source: str = Field(
        default="model",
        description="`model` (found by the model revision below) or `human` (added or corrected by a reviewer)",
    )
    model_id: int | None = Field(description="The model version that found the entity; null for a human one")
    model_revision: str | None = Field(
        default=None, description="That model as `name@weights-sha256-prefix`; null for a human one"
    )
    confirmed_at: datetime | None = Field(default=None, description="When a reviewer confirmed a model's entity")
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


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return round((later - earlier).total_seconds(), 3)


def stage_out(job: Job) -> StageOut:
    return StageOut(
        stage=job.stage,
        state=job.state.value,
        attempts=job.attempts,
        queued_at=job.queued_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        waited_s=_seconds(job.started_at, job.queued_at),
        ran_s=_seconds(job.finished_at, job.started_at),
        error_code=job.last_error_code,
    )


def document_out(document: Document) -> DocumentOut:
    jobs = {job.stage: job for job in document.jobs}
    stages = [stage_out(jobs[stage.name]) for stage in PIPELINE if stage.name in jobs]
    timings: dict[str, float | None] = {}
    for out in stages:
        timings[f"waiting_for_{out.stage}_s"] = out.waited_s
        timings[f"{out.stage}_s"] = out.ran_s
    timings["total_s"] = _seconds(document.finished_at, document.created_at)
    special = ("timings", "metadata", "stages", "linked_external_ids")
    fields = {k: getattr(document, k) for k in DocumentOut.model_fields if k not in special}
    linked = [link.external_id for link in document.linked_external_ids]
    return DocumentOut.model_validate(
        {**fields, "metadata": document.meta, "stages": stages, "timings": timings, "linked_external_ids": linked}
    )


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
        boxes=[BoxOut(page=int(page), x0=x0, y0=y0, x1=x1, y1=y1) for page, x0, y0, x1, y1 in entity.boxes or ()],
        score=entity.score,
        source=entity.source,
        model_id=entity.model_id,
        model_revision=entity.model_revision,
        confirmed_at=entity.confirmed_at,
    )
