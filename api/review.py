"""Review routes (issue 14): confirm, reject, correct and add entities, set card fields, mark a document
reviewed, read its audit trail, and take the next document to review. A few lines each around
`models.review`; the actor is the API key's name."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api.auth import Caller, CallerDep
from api.deps import SessionDep
from api.schemas import DatabaseText, DocumentOut, EntityOut, document_out, entity_out
from models.contract_card import card_as_dict
from models.queries import tenant_document
from models.review import (
    ReviewRefused,
    add_entity,
    audit_trail,
    confirm_entity,
    correct_entity,
    mark_reviewed,
    next_for_review,
    reject_entity,
    set_card_field,
)
from models.schema import ApiKey, ContractCard, Document
from models.settings import get_settings

router = APIRouter(tags=["review"])

# Character offsets: a document's text is at most a few million characters; bounded so no int overflows.
Offset = Annotated[int, Field(ge=0, le=2**31 - 1)]
# Entity ids are bigint: a larger one is a 422, not a failed query.
EntityId = Annotated[int, Path(ge=1, le=2**63 - 1)]
# Who acts when authentication is off (a single-user setup has no key to name).
ANONYMOUS = "anonymous"


class EntityCorrection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: DatabaseText | None = Field(default=None, max_length=64, description="A declared label (models.labels)")
    start: Offset | None = Field(default=None, description="First character of the span in the document's text")
    end: Offset | None = Field(default=None, description="One past the span's last character")


class NewEntity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: DatabaseText = Field(max_length=64)
    start: Offset
    end: Offset


class CardFieldValue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: str | int | float | None = Field(
        description="ISO date, decimal, code or text as the field holds; null clears it"
    )


class ReviewActionOut(BaseModel):
    id: int
    actor: str
    action: str
    entity_id: int | None
    field: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    at: datetime


class ReviewAssignment(BaseModel):
    document: DocumentOut
    card: dict[str, Any]
    lease_expires_at: datetime


def actor_of(session: Session, caller: Caller) -> str:
    """Who acts, as the audit trail names them: the API key's name, or its prefix for a key without one."""
    if caller.api_key_id is None:
        return ANONYMOUS
    key = session.get_one(ApiKey, caller.api_key_id)
    return key.name or f"key {key.prefix}"


def _document(session: Session, caller: Caller, document_id: uuid.UUID) -> Document:
    document = tenant_document(session, caller.tenant_id, document_id)
    if document is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such document")
    return document


def _refused(exc: ReviewRefused) -> HTTPException:
    return HTTPException(exc.status_code, str(exc))


_ERRORS: dict[int | str, dict[str, Any]] = {404: {}, 409: {}, 422: {}}


@router.post("/v1/documents/{document_id}/entities/{entity_id}/confirm", response_model=EntityOut, responses=_ERRORS)
def confirm(session: SessionDep, caller: CallerDep, document_id: uuid.UUID, entity_id: EntityId) -> EntityOut:
    """The entity is right: the card prefers it over the model's other entities of its label."""
    document = _document(session, caller, document_id)
    try:
        return entity_out(confirm_entity(session, document, entity_id, actor_of(session, caller)))
    except ReviewRefused as exc:
        raise _refused(exc) from exc


@router.post(
    "/v1/documents/{document_id}/entities/{entity_id}/reject",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_ERRORS,
)
def reject(session: SessionDep, caller: CallerDep, document_id: uuid.UUID, entity_id: EntityId) -> Response:
    """The entity is wrong: it is deleted (the audit trail keeps what it was)."""
    document = _document(session, caller, document_id)
    try:
        reject_entity(session, document, entity_id, actor_of(session, caller))
    except ReviewRefused as exc:
        raise _refused(exc) from exc
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.patch("/v1/documents/{document_id}/entities/{entity_id}", response_model=EntityOut, responses=_ERRORS)
def correct(
    session: SessionDep, caller: CallerDep, document_id: uuid.UUID, entity_id: EntityId, correction: EntityCorrection
) -> EntityOut:
    """Change the label and/or the span (character offsets, end exclusive); the value is read again."""
    document = _document(session, caller, document_id)
    try:
        entity = correct_entity(
            session,
            document,
            entity_id,
            actor_of(session, caller),
            label=correction.label,
            start=correction.start,
            end=correction.end,
        )
    except ReviewRefused as exc:
        raise _refused(exc) from exc
    return entity_out(entity)


@router.post(
    "/v1/documents/{document_id}/entities",
    status_code=status.HTTP_201_CREATED,
    response_model=EntityOut,
    responses=_ERRORS,
)
def add(session: SessionDep, caller: CallerDep, document_id: uuid.UUID, new: NewEntity) -> EntityOut:
    """Add an entity the model missed (a human one)."""
    document = _document(session, caller, document_id)
    try:
        entity = add_entity(session, document, actor_of(session, caller), label=new.label, start=new.start, end=new.end)
    except ReviewRefused as exc:
        raise _refused(exc) from exc
    return entity_out(entity)


@router.put("/v1/documents/{document_id}/card/{field}", responses=_ERRORS)
def set_field(
    session: SessionDep,
    caller: CallerDep,
    document_id: uuid.UUID,
    field: Annotated[str, Path(max_length=64)],
    value: Annotated[CardFieldValue, Body()],
) -> dict[str, Any]:
    """Set a card field directly: it wins over every entity. Answers the card."""
    document = _document(session, caller, document_id)
    try:
        card = set_card_field(session, document, actor_of(session, caller), field, value.value)
    except ReviewRefused as exc:
        raise _refused(exc) from exc
    return card_as_dict(card)


@router.post("/v1/documents/{document_id}/reviewed", responses=_ERRORS)
def reviewed(session: SessionDep, caller: CallerDep, document_id: uuid.UUID) -> dict[str, Any]:
    """The review is done: the document no longer needs review, and `document.reviewed` carries this card."""
    document = _document(session, caller, document_id)
    try:
        card = mark_reviewed(session, document, actor_of(session, caller))
    except ReviewRefused as exc:
        raise _refused(exc) from exc
    return card_as_dict(card)


@router.get("/v1/documents/{document_id}/audit", response_model=list[ReviewActionOut], responses={404: {}})
def audit(session: SessionDep, caller: CallerDep, document_id: uuid.UUID) -> list[ReviewActionOut]:
    """Every review action on the document, oldest first."""
    _document(session, caller, document_id)
    return [
        ReviewActionOut(
            id=row.id,
            actor=row.actor,
            action=row.action,
            entity_id=row.entity_id,
            field=row.field,
            before=row.before,
            after=row.after,
            at=row.at,
        )
        for row in audit_trail(session, document_id)
    ]


@router.get("/v1/review/next", response_model=ReviewAssignment, responses={204: {"description": "Nothing to review"}})
def next_document(session: SessionDep, caller: CallerDep) -> Any:
    """The next document to review, leased to the caller (`CONTRACT_NER_REVIEW_LEASE_S`): most uncertain
    first; asking again renews the lease of the one the caller holds; never the one another reviewer holds."""
    document = next_for_review(session, caller.tenant_id, actor_of(session, caller), get_settings().review_lease_s)
    if document is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    assert document.review_lease_expires_at is not None
    card = session.get_one(ContractCard, document.id)
    return ReviewAssignment(
        document=document_out(document), card=card_as_dict(card), lease_expires_at=document.review_lease_expires_at
    )
