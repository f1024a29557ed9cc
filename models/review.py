"""Reviewing (issue 14): a person confirms, rejects or corrects what the model found, adds what it missed,
sets a card field directly and marks the document reviewed; `next_for_review` hands out the next document
to look at, most uncertain first, to one reviewer at a time.

Plain functions on the caller's session: they flush, the caller commits. Every action writes one
`ReviewAction` row (who, what, before and after) and rebuilds the card, which prefers human values
(`models.contract_card.rebuild_contract_card`). A rejected entity is deleted: its audit row keeps what it
was. A corrected model entity becomes a human one (no model stands behind its new span or label).

`actor` is who acts: the API key's name (`api.review.actor_of`)."""

from __future__ import annotations

import uuid
from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models.contract_card import card_as_dict, card_columns_as_json, parse_card_value, rebuild_contract_card
from models.labels import SPECS, canonical_label
from models.normalisation import entity_values_in
from models.page_geometry import WordIndex, unpack_words
from models.schema import (
    HUMAN_SOURCE,
    ContractCard,
    Document,
    DocumentWords,
    Entity,
    ReviewAction,
    utcnow,
)
from models.stages import DONE
from models.webhooks import record_event

ACTIONS = ("confirm", "reject", "correct", "add", "set_field", "reviewed")


class ReviewRefused(Exception):
    """A review request that cannot be done as asked; `status_code` is the HTTP answer it deserves."""

    status_code = 422


class EntityNotFound(ReviewRefused):
    status_code = 404


class NotReviewable(ReviewRefused):
    """The document has nothing to review yet (not done), or its text is gone (retention)."""

    status_code = 409


def entity_snapshot(entity: Entity) -> dict[str, Any]:
    """What an audit row keeps of an entity: its span, label, values and where it came from."""
    values = card_columns_as_json(
        {
            "value_date": entity.value_date,
            "value_number": entity.value_number,
            "value_unit": entity.value_unit,
            "value_period": entity.value_period,
        }
    )
    return {
        "label": entity.label,
        "text": entity.text,
        "start": entity.start_char,
        "end": entity.end_char,
        "score": entity.score,
        "source": entity.source,
        "model_id": entity.model_id,
        "confirmed": entity.confirmed_at is not None,
        **values,
    }


def confirm_entity(session: Session, document: Document, entity_id: int, actor: str) -> Entity:
    """Mark the entity right as found: the card prefers it (confidence 1) over the model's other
    entities of its label."""
    entity = _entity(session, document, entity_id)
    before = entity_snapshot(entity)
    if entity.confirmed_at is None:
        entity.confirmed_at = utcnow()
        entity.confirmed_by = actor
    _audit(session, document, actor, "confirm", entity_id=entity.id, before=before, after=entity_snapshot(entity))
    _changed(session, document)
    return entity


def reject_entity(session: Session, document: Document, entity_id: int, actor: str) -> None:
    """Delete a wrong entity; the audit row keeps what it was."""
    entity = _entity(session, document, entity_id)
    before = entity_snapshot(entity)
    session.delete(entity)
    session.flush()
    _audit(session, document, actor, "reject", entity_id=entity_id, before=before, after=None)
    _changed(session, document)


def correct_entity(
    session: Session,
    document: Document,
    entity_id: int,
    actor: str,
    *,
    label: str | None = None,
    start: int | None = None,
    end: int | None = None,
) -> Entity:
    """Change an entity's label and/or span (character offsets into the document's text, end exclusive);
    its text, value, page and boxes are read again from the new span. The entity becomes a human one."""
    entity = _entity(session, document, entity_id)
    if label is None and start is None and end is None:
        raise ReviewRefused("a correction changes the label, the span (start, end) or both")
    before = entity_snapshot(entity)
    new_label = _declared_label(label) if label is not None else entity.label
    new_start = start if start is not None else entity.start_char
    new_end = end if end is not None else entity.end_char
    _place(session, document, entity, new_label, new_start, new_end)
    entity.source = HUMAN_SOURCE
    entity.model_id = None
    entity.model = None
    entity.score = 1.0
    entity.confirmed_at = None
    entity.confirmed_by = None
    session.flush()
    _audit(session, document, actor, "correct", entity_id=entity.id, before=before, after=entity_snapshot(entity))
    _changed(session, document)
    return entity


def add_entity(session: Session, document: Document, actor: str, *, label: str, start: int, end: int) -> Entity:
    """Add an entity the model missed: a human one, its value read from the span like the model's."""
    _reviewable(session, document)
    entity = Entity(document_id=document.id, source=HUMAN_SOURCE, model_id=None, score=1.0)
    _place(session, document, entity, _declared_label(label), start, end)
    session.add(entity)
    session.flush()
    _audit(session, document, actor, "add", entity_id=entity.id, before=None, after=entity_snapshot(entity))
    _changed(session, document)
    return entity


def set_card_field(session: Session, document: Document, actor: str, column: str, raw: Any) -> ContractCard:
    """Set a card column directly (null clears it): it wins over every entity from now on."""
    _reviewable(session, document)
    try:
        value = parse_card_value(column, raw)
    except ValueError as exc:
        raise ReviewRefused(str(exc)) from exc
    card = session.get(ContractCard, document.id) or rebuild_contract_card(session, document.id)
    before = card_columns_as_json({column: getattr(card, column)})
    stored = dict(card.reviewer_values or {})
    stored.update(card_columns_as_json({column: value}))
    card.reviewer_values = stored
    card = rebuild_contract_card(session, document.id)
    after = card_columns_as_json({column: getattr(card, column)})
    _audit(session, document, actor, "set_field", field=column, before=before, after=after)
    return card


def mark_reviewed(session: Session, document: Document, actor: str) -> ContractCard:
    """The reviewer is done: the document no longer needs review, its lease ends, and `document.reviewed`
    carries the final card. Marking it again (after more corrections) sends the card again."""
    _reviewable(session, document)
    before = {"reviewed_at": _iso(document.reviewed_at), "reviewed_by": document.reviewed_by}
    document.reviewed_at = utcnow()
    document.reviewed_by = actor
    document.review_lease_holder = None
    document.review_lease_expires_at = None
    card = rebuild_contract_card(session, document.id)
    after = {"reviewed_at": _iso(document.reviewed_at), "reviewed_by": actor}
    _audit(session, document, actor, "reviewed", before=before, after=after)
    record_event(
        session,
        "document.reviewed",
        {
            "document_id": str(document.id),
            "external_id": document.external_id,
            "version": document.version,
            "reviewed_at": after["reviewed_at"],
            "reviewed_by": actor,
            "card": card_as_dict(card),
        },
        tenant_id=document.tenant_id,
    )
    return card


def next_for_review(
    session: Session, tenant_id: uuid.UUID, reviewer: str, lease_s: float, now: datetime | None = None
) -> Document | None:
    """The tenant's next done, unreviewed document for `reviewer`, leased to them for `lease_s` seconds;
    None when there is none free.

    A reviewer who asks again gets the document they hold (its lease renewed) until they mark it
    reviewed or the lease expires. Otherwise: documents that need review first, then the least certain
    card (its lowest field confidence). No document is handed to two reviewers at once: the row is locked
    with SKIP LOCKED (a concurrent request passes over it), and the lease is written on the same row, so
    a request that reaches it after the first commits re-reads it with the lease and passes over it too.

    Each step is one range of an index (the holder's partial index; the cards' (needs_review,
    lowest_confidence, document_id)) read until the first free row: no sort of the whole queue."""
    now = now or utcnow()
    queue = (
        select(Document)
        .join(ContractCard, ContractCard.document_id == Document.id)
        .where(Document.tenant_id == tenant_id, Document.status == DONE, Document.reviewed_at.is_(None))
    )
    free = or_(Document.review_lease_expires_at.is_(None), Document.review_lease_expires_at <= now)
    steps = [
        queue.where(Document.review_lease_holder == reviewer).order_by(Document.created_at, Document.id),
        *(
            queue.where(free, ContractCard.needs_review.is_(flagged)).order_by(
                ContractCard.lowest_confidence, ContractCard.document_id
            )
            for flagged in (True, False)
        ),
    ]
    for step in steps:
        document = session.scalars(
            step.limit(1)
            .with_for_update(of=Document, skip_locked=True)
            # The row as locked, not as an earlier query of this session loaded it.
            .execution_options(populate_existing=True)
        ).first()
        if document is not None:
            document.review_lease_holder = reviewer
            document.review_lease_expires_at = now + timedelta(seconds=lease_s)
            session.flush()
            return document
    return None


def audit_trail(session: Session, document_id: uuid.UUID) -> Sequence[ReviewAction]:
    """The document's review actions, oldest first."""
    return session.scalars(
        select(ReviewAction).where(ReviewAction.document_id == document_id).order_by(ReviewAction.id)
    ).all()


def _entity(session: Session, document: Document, entity_id: int) -> Entity:
    _reviewable(session, document)
    entity = session.get(Entity, entity_id)
    if entity is None or entity.document_id != document.id:
        raise EntityNotFound(f"document {document.id} has no entity {entity_id}")
    return entity


def _reviewable(session: Session, document: Document) -> None:
    """Lock the document's row for the rest of the transaction, and refuse one that is not done.

    The lock puts two reviewers' actions on one document one after the other, so each counts the
    entities and rebuilds the card with the other's committed changes in view (no lost update)."""
    session.scalars(
        select(Document).where(Document.id == document.id).with_for_update().execution_options(populate_existing=True)
    ).one()
    if document.status != DONE:
        raise NotReviewable(f"the document is {document.status}: only a done document can be reviewed")


def _declared_label(label: str) -> str:
    name = canonical_label(label)
    if name not in SPECS:
        raise ReviewRefused(f"unknown label {label!r}; one of: {', '.join(SPECS)}")
    return name


def _place(session: Session, document: Document, entity: Entity, label: str, start: int, end: int) -> None:
    """Put the entity on the span [start, end) of the document's text with `label`: its text, value,
    page and boxes as the pipeline would store them. Whitespace at either end is left out of the span."""
    if document.purged_at is not None or document.text is None:
        raise NotReviewable("the document's text is gone (retention): spans can no longer be placed")
    text = document.text.text
    if not 0 <= start < end <= len(text):
        raise ReviewRefused(f"the span must satisfy 0 <= start < end <= {len(text)} (the text's length)")
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        raise ReviewRefused("the span holds only whitespace")
    words = session.get(DocumentWords, document.id)
    entity.label = label
    entity.start_char = start
    entity.end_char = end
    entity.text = text[start:end]
    entity.page = max(1, bisect_right(document.text.page_starts, start))
    entity.boxes = WordIndex(list(unpack_words(words.boxes))).entity_boxes(start, end) if words is not None else None
    for column, value in entity_values_in(text, label, start, end).items():
        setattr(entity, column, value)


def _changed(session: Session, document: Document) -> None:
    """After the entities changed: the document's count and card follow."""
    session.flush()
    document.entity_count = session.scalar(select(func.count()).where(Entity.document_id == document.id))
    rebuild_contract_card(session, document.id)


def _audit(
    session: Session,
    document: Document,
    actor: str,
    action: str,
    *,
    entity_id: int | None = None,
    field: str | None = None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> ReviewAction:
    row = ReviewAction(
        document_id=document.id,
        tenant_id=document.tenant_id,
        actor=actor,
        action=action,
        entity_id=entity_id,
        field=field,
        before=before,
        after=after,
        at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
