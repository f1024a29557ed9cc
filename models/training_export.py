"""Reviewed documents as training data (issue 14, `contract-ner export-training`).

One JSON object per document, in the format of `training/dev/*.jsonl` (what `training.evaluation` scores
against) with the character offsets `training.corrections` trains from:
`{"id", "text", "entities": [{"label", "text", "start", "end"}], "tenant", "reviewed_at", "reviewed_by"}`.

What a person stands behind is the truth: human entities (added or corrected) and confirmed model
entities. Rejected entities were deleted by the review, so they are absent. A model entity the reviewer
neither confirmed nor rejected is left out unless `accept_unconfirmed`: marking a document reviewed does
not confirm its entities one by one, so whether "left alone" means "right" is the exporter's call."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, selectinload

from models.schema import HUMAN_SOURCE, Document, DocumentText, Entity


def training_records(
    session: Session,
    tenant_id: uuid.UUID | None = None,
    reviewed_only: bool = True,
    accept_unconfirmed: bool = False,
) -> Iterator[dict[str, Any]]:
    """The reviewed documents (with `reviewed_only=False`: also those a reviewer touched without marking
    them reviewed) whose text is still kept, oldest review first, as training records."""
    reviewed = Document.reviewed_at.is_not(None)
    touched = exists().where(
        Entity.document_id == Document.id, or_(Entity.source == HUMAN_SOURCE, Entity.confirmed_at.is_not(None))
    )
    query = (
        select(Document)
        .join(DocumentText, DocumentText.document_id == Document.id)
        .where(reviewed if reviewed_only else or_(reviewed, touched))
        .options(selectinload(Document.text), selectinload(Document.entities))
        .order_by(Document.reviewed_at.asc().nulls_last(), Document.id)
    )
    if tenant_id is not None:
        query = query.where(Document.tenant_id == tenant_id)
    for document in session.scalars(query):
        assert document.text is not None  # joined above
        yield training_record(document, document.text.text, accept_unconfirmed)


def training_record(document: Document, text: str, accept_unconfirmed: bool = False) -> dict[str, Any]:
    kept = [e for e in document.entities if e.reviewed or (accept_unconfirmed and document.reviewed_at is not None)]
    return {
        "id": str(document.id),
        "text": text,
        "entities": [
            {"label": e.label, "text": text[e.start_char : e.end_char], "start": e.start_char, "end": e.end_char}
            for e in sorted(kept, key=lambda e: (e.start_char, e.end_char, e.label))
        ],
        "tenant": str(document.tenant_id),
        "reviewed_at": document.reviewed_at.isoformat() if document.reviewed_at else None,
        "reviewed_by": document.reviewed_by,
    }
