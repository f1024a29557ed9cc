"""Document queries shared by the list and export endpoints: filters on status, DMS fields, dates and
facts (via the contract card and typed entity values), with keyset pagination on (created_at, id).

Every query here is scoped to one tenant: another tenant's rows are never found, so an id of theirs
answers exactly like an id that does not exist."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, exists, select, tuple_
from sqlalchemy.orm import Session, selectinload

from models.client_input import bounded_decimal
from models.labels import canonical_label
from models.schema import ContractCard, Document, DocumentExternalId, Entity

# Entity.value_number is Numeric(14, 4): a bound outside it cannot be compared with it.
VALUE_PRECISION, VALUE_SCALE = 14, 4


@dataclass(frozen=True)
class DocumentFilter:
    """Validated filters: build the fact bounds with `fact_bound` and the rest with checked types, so the
    query can never fail on a value. Every bound includes its boundary: `*_from`/`*_min`/`value_gte` are
    >=, `*_to`/`*_max`/`value_lte` are <= (`created_to` is an instant, `start_date_to` a day, both
    included). `label` is a declared label in any case ("salary" is SALARY, `models.labels.canonical_label`)."""

    status: str | None = None
    external_id: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    salary_min: Decimal | None = None
    salary_max: Decimal | None = None
    start_date_from: date | None = None
    start_date_to: date | None = None
    needs_review: bool | None = None
    label: str | None = None
    value_gte: Decimal | date | None = None
    value_lte: Decimal | date | None = None


def fact_bound(raw: str) -> Decimal | date:
    """A `value_gte`/`value_lte` bound: a number (compared with value_number, so within its Numeric(14, 4))
    or an ISO date (compared with value_date); ValueError says what was expected."""
    text = raw.strip()
    if _NUMBER.fullmatch(text):
        return bounded_decimal(text, VALUE_PRECISION, VALUE_SCALE)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{raw!r} is neither a number nor an ISO date (YYYY-MM-DD)") from None


# A decimal number, with a comma or a point as the decimal separator and an optional exponent.
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def tenant_document(session: Session, tenant_id: uuid.UUID, document_id: uuid.UUID) -> Document | None:
    document = session.get(Document, document_id)
    return document if document is not None and document.tenant_id == tenant_id else None


def recent_documents(tenant_id: uuid.UUID, limit: int) -> Select[Document]:
    return (
        select(Document)
        .where(Document.tenant_id == tenant_id)
        .options(selectinload(Document.jobs), selectinload(Document.linked_external_ids))
        .order_by(Document.created_at.desc(), Document.id.desc())
        .limit(limit)
    )


def tenant_entities(
    tenant_id: uuid.UUID, label: str | None = None, document_id: uuid.UUID | None = None, after_id: int | None = None
) -> Select[Entity]:
    """The tenant's entities in id order (the cursor), optionally of one label, one document, after an id."""
    query = select(Entity).join(Document, Document.id == Entity.document_id).where(Document.tenant_id == tenant_id)
    if label is not None:
        query = query.where(Entity.label == canonical_label(label))
    if document_id is not None:
        query = query.where(Entity.document_id == document_id)
    if after_id is not None:
        query = query.where(Entity.id > after_id)
    return query.order_by(Entity.id)


_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])


def filtered_documents(f: DocumentFilter, tenant_id: uuid.UUID) -> Select[Document, ContractCard]:
    """The tenant's documents that pass `f`, with their cards (None before a document is done), in list order."""
    options = (selectinload(Document.jobs), selectinload(Document.linked_external_ids))
    return _filtered(select(Document, ContractCard).options(*options), f, tenant_id)


def filtered_document_list(f: DocumentFilter, tenant_id: uuid.UUID) -> Select[Document]:
    """The same documents without their cards (the list shows none): no card object per row, and no join
    to the cards at all unless a filter reads them (Postgres drops an outer join nothing reads)."""
    options = (selectinload(Document.jobs), selectinload(Document.linked_external_ids))
    return _filtered(select(Document).options(*options), f, tenant_id)


def filtered_columns(columns: Sequence[ColumnElement[Any]], f: DocumentFilter, tenant_id: uuid.UUID) -> Select[Any]:
    """The same documents in the same order as `filtered_documents`, as `columns` of the document and its
    card: plain tuples, for reading many rows without building an object per row (the export)."""
    return _filtered(select(*columns), f, tenant_id)


def _filtered(query: _Query, f: DocumentFilter, tenant_id: uuid.UUID) -> _Query:
    query = query.select_from(Document).outerjoin(ContractCard, ContractCard.document_id == Document.id)
    conditions = [Document.tenant_id == tenant_id]
    if f.status is not None:
        conditions.append(Document.status == f.status)
    if f.external_id is not None:
        # Its own external id, or one linked to it (the same bytes uploaded under another id): a union of
        # two index lookups, which Postgres joins by primary key; an OR over both would scan the tenant.
        owned = select(Document.id).where(Document.tenant_id == tenant_id, Document.external_id == f.external_id)
        linked = select(DocumentExternalId.document_id).where(
            DocumentExternalId.tenant_id == tenant_id, DocumentExternalId.external_id == f.external_id
        )
        conditions.append(Document.id.in_(owned.union_all(linked)))
    if f.created_from is not None:
        conditions.append(Document.created_at >= f.created_from)
    if f.created_to is not None:
        conditions.append(Document.created_at <= f.created_to)
    # Salaries compare as monthly equivalents: hourly, weekly and yearly pay is converted (a salary of
    # unknown period has none and matches no salary bound).
    if f.salary_min is not None:
        conditions.append(ContractCard.salary_monthly >= f.salary_min)
    if f.salary_max is not None:
        conditions.append(ContractCard.salary_monthly <= f.salary_max)
    if f.start_date_from is not None:
        conditions.append(ContractCard.start_date >= f.start_date_from)
    if f.start_date_to is not None:
        conditions.append(ContractCard.start_date <= f.start_date_to)
    if f.needs_review is not None:
        conditions.append(ContractCard.needs_review == f.needs_review)
    if f.label is not None:
        entity = [Entity.document_id == Document.id, Entity.label == canonical_label(f.label)]
        for bound, is_lower in ((f.value_gte, True), (f.value_lte, False)):
            if bound is None:
                continue
            value = bound
            column = Entity.value_date if isinstance(value, date) else Entity.value_number
            entity.append(column >= value if is_lower else column <= value)
        conditions.append(exists().where(and_(*entity)))
    return query.where(*conditions).order_by(Document.created_at, Document.id)


@dataclass(frozen=True)
class DocumentCursor:
    """Where a page of documents ended: the (created_at, id) of its last row."""

    created_at: datetime
    document_id: uuid.UUID


def encode_keyset(created_at: datetime, row_id: uuid.UUID) -> str:
    """An opaque cursor for a page ordered by (created_at, id): documents and batches alike."""
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{row_id}".encode()).decode()


def decode_keyset(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The (created_at, id) `encode_keyset` wrote; ValueError for anything else."""
    try:
        created, _, row_id = base64.urlsafe_b64decode(cursor.encode("ascii")).decode().partition("|")
        return datetime.fromisoformat(created), uuid.UUID(row_id)
    except (ValueError, UnicodeError):  # binascii.Error is a ValueError
        raise ValueError("invalid cursor") from None


def encode_cursor(document: Document) -> str:
    return encode_keyset(document.created_at, document.id)


def decode_cursor(cursor: str) -> DocumentCursor:
    """The cursor `encode_cursor` wrote; ValueError for anything else."""
    return DocumentCursor(*decode_keyset(cursor))


def after_cursor(query: _Query, cursor: DocumentCursor) -> _Query:
    # A row comparison, `(created_at, id) > (x, y)`: one range of the (tenant_id, created_at, id) index.
    # Its OR spelling (`created_at > x OR created_at = x AND id > y`) means the same, but no index range
    # serves an OR, and a page deep into the list read every row before it (issue 17: 255 ms at 500,000).
    return query.where(tuple_(Document.created_at, Document.id) > tuple_(cursor.created_at, cursor.document_id))


def document_entities(session: Session, document_id: uuid.UUID) -> Sequence[Entity]:
    """A document's entities in text order (ties: the order they were found)."""
    return session.scalars(
        select(Entity).where(Entity.document_id == document_id).order_by(Entity.start_char, Entity.id)
    ).all()
