"""Streaming CSV/JSONL export: rows are read with a server-side cursor in pages and written as they
come, in a read-only session of the generator's own (the request's session is gone once streaming starts).

On Postgres the database writes each cell (or each JSON line) as text, and Python only joins them with
the csv module: no object per row, so 400,000 rows take seconds, not a minute (issue 17). Each column's
SQL follows from its type (`_csv_cell`, `_json_value`), so a new column is one entry in the column lists.
`COPY ... TO STDOUT` would save the joining too, but its CSV ends lines with LF only and quotes empty
strings, and its text format escapes the backslashes of JSON; the export keeps RFC 4180's CRLF and the
bytes it always wrote. The embedded SQLite default formats the same rows in Python (`export_record` and
the functions after it), which at its sizes is plenty fast; tests check both write the same bytes.

The CSV is written for spreadsheets as much as for programs (docs/export.md lists every column): a UTF-8
byte order mark so Excel reads the file as UTF-8, `true`/`false` for booleans, durations in the unit the
contract uses, and text cells that a spreadsheet would run as a formula made inert (OWASP "CSV
injection"). The `excel-da` dialect is what a Danish Excel opens with a double click: semicolons between
cells and a decimal comma."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ColumnElement, Date, Numeric, String, Text, case, cast, func, literal, select
from sqlalchemy import literal_column as sql
from sqlalchemy.orm import Session

from models.db import read_only_session_scope
from models.labels import LABELS, ValueKind
from models.queries import DocumentFilter, filtered_columns, filtered_documents
from models.schema import ContractCard, Document, Entity, UTCDateTime

_DOCUMENT_COLUMNS = [
    "document_id", "filename", "external_id", "version", "status", "error_code", "created_at", "finished_at",
]  # fmt: skip


def _card_sources() -> dict[str, str]:
    """Export column -> card column, from the label spec. A duration is exported as the contract says it
    (its number and unit, named after the fact: `notice_period` 14, `notice_period_unit` days), not in
    the card's months, which are for comparing contracts in SQL."""
    sources: dict[str, str] = {}
    for spec in LABELS:
        if spec.kind is ValueKind.DURATION and spec.card:
            _months, value, unit = spec.card
            fact = value.removesuffix("_value")
            sources[fact] = value
            sources[f"{fact}_unit"] = unit
        else:
            sources.update({column: column for column in spec.card})
    return sources


_CARD_SOURCES = _card_sources()
# The salary's monthly equivalent (what the salary filters compare) right after the salary as stated.
_CARD_COLUMNS = [
    *(c for source in _CARD_SOURCES for c in ((source, "salary_monthly") if source == "salary_period" else (source,))),
    "needs_review",
    "flags",
]
# Who marked the document reviewed, and when (issue 14): last, so earlier columns keep their places.
_REVIEW_COLUMNS = ["reviewed_at", "reviewed_by"]
COLUMNS = [*_DOCUMENT_COLUMNS, *_CARD_COLUMNS, *_REVIEW_COLUMNS]
_DURATIONS = frozenset(
    column for column, source in _CARD_SOURCES.items() if source.endswith("_value") and column != source
)
_PAGE = 500
BOM = "\ufeff"
# A cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice and Google Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CsvDialect:
    delimiter: str
    decimal_separator: str


CSV_DIALECTS = {
    "standard": CsvDialect(delimiter=",", decimal_separator="."),
    "excel-da": CsvDialect(delimiter=";", decimal_separator=","),
}


def inert(text: str) -> str:
    """`text` as a spreadsheet shows it and never runs it: a leading formula character gets a `'` before
    it, which spreadsheets read as "this cell is text" (OWASP's advice)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def export_record(document: Document, card: ContractCard | None) -> dict[str, Any]:
    """The export row of a document, as Python values (None where the card has no value)."""
    record: dict[str, Any] = {
        "document_id": document.id,
        "filename": document.filename,
        "external_id": document.external_id,
        "version": document.version,
        "status": document.status,
        "error_code": document.error_code,
        "created_at": document.created_at,
        "finished_at": document.finished_at,
    }
    for column in _CARD_COLUMNS:
        record[column] = getattr(card, _CARD_SOURCES.get(column, column)) if card is not None else None
    for column in _REVIEW_COLUMNS:
        record[column] = getattr(document, column)
    return record


def _decimal(column: str, value: Decimal) -> str:
    # A duration as it was said ("14", "1.5"), not the column's two decimals; amounts keep them ("32500.00").
    return f"{value.normalize():f}" if column in _DURATIONS else f"{value:f}"


def json_record(record: dict[str, Any]) -> dict[str, Any]:
    def plain(column: str, value: Any) -> Any:
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return _decimal(column, value)
        return str(value) if column == "document_id" else value

    return {column: plain(column, value) for column, value in record.items()}


def csv_record(record: dict[str, Any], dialect: CsvDialect) -> dict[str, str]:
    def cell(column: str, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, Decimal):
            return _decimal(column, value).replace(".", dialect.decimal_separator)
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, list):
            return inert(" ".join(str(item) for item in value))
        if isinstance(value, str):
            return inert(value)
        return str(value)  # ids and integers

    return {column: cell(column, value) for column, value in record.items()}


def label_boxes(session: Session, document_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Per document and label, the boxes of its highest-scoring entity (the first mention on equal
    scores, as the card chooses): `[page, x0, y0, x1, y1]` per line, PDF points from the page's top-left.
    One query per page of export rows; documents without geometry get none."""
    rows = session.execute(
        select(Entity.document_id, Entity.label, Entity.boxes)
        .where(Entity.document_id.in_(document_ids), Entity.boxes.is_not(None))
        .order_by(Entity.document_id, Entity.label, Entity.score.desc(), Entity.start_char)
    )
    found: dict[uuid.UUID, dict[str, Any]] = {}
    for document_id, label, boxes in rows:
        found.setdefault(document_id, {}).setdefault(label, boxes)
    return found


def _with_boxes(line: str, boxes: dict[str, Any]) -> str:
    """A JSONL record (a JSON object's text) with the document's `boxes` added as its last member."""
    return f'{line[:-1]}, "boxes": {json.dumps(boxes, ensure_ascii=False)}}}'


def export_rows(
    filters: DocumentFilter, tenant_id: uuid.UUID, export_format: str, dialect: str = "standard"
) -> Iterator[bytes]:
    """The export as byte chunks, one per page of rows. Nothing is read before the first chunk is asked
    for; the first chunk (the header, or an empty JSONL page) comes once the query has run."""
    with read_only_session_scope() as session:
        if session.get_bind().dialect.name == "postgresql":
            yield from rows_written_by_postgres(session, filters, tenant_id, export_format, dialect)
        else:
            yield from rows_written_from_objects(session, filters, tenant_id, export_format, dialect)


def _source(column: str) -> ColumnElement[Any]:
    if column == "document_id":
        return Document.id.expression
    if column in _DOCUMENT_COLUMNS or column in _REVIEW_COLUMNS:
        return getattr(Document, column).expression
    return getattr(ContractCard, _CARD_SOURCES.get(column, column)).expression


def _iso_instant(value: ColumnElement[Any]) -> ColumnElement[str]:
    """As Python's isoformat() of a UTC datetime: microseconds only when there are any, `+00:00`."""
    utc = func.timezone("UTC", value)
    fraction = case((func.date_trunc("second", value) == value, ""), else_=func.to_char(utc, ".US"))
    return func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS').concat(fraction).concat("+00:00")


def _decimal_text(column: str, value: ColumnElement[Any]) -> ColumnElement[str]:
    # As `_decimal`: a duration without trailing zeros ("14", "1.5"), amounts with the column's scale.
    return cast(func.trim_scale(value) if column in _DURATIONS else value, Text)


def _inert_sql(value: ColumnElement[str]) -> ColumnElement[str]:
    return case((func.left(value, 1).in_(FORMULA_TRIGGERS), literal("'").concat(value)), else_=value)


def _csv_cell(column: str, dialect: CsvDialect) -> ColumnElement[Any]:
    """The column's CSV cell as Postgres writes it: the text `csv_record` makes of the value (null: empty)."""
    value = _source(column)
    kind = value.type
    if isinstance(kind, Boolean):
        return case((value.is_(True), "true"), (value.is_(False), "false"))
    if isinstance(kind, Numeric):
        return func.replace(_decimal_text(column, value), ".", dialect.decimal_separator)
    if isinstance(kind, UTCDateTime):
        return _iso_instant(value)
    if isinstance(kind, Date):
        return func.to_char(value, "YYYY-MM-DD")
    if isinstance(kind, JSON):  # a list of codes: joined by spaces
        table, name = value.table.name, value.name
        # Made inert by one regular expression: a CASE would run the subquery twice per row.
        return func.regexp_replace(
            sql(f"(SELECT string_agg(value, ' ') FROM json_array_elements_text({table}.{name}))"),
            "^([" + "".join(FORMULA_TRIGGERS).replace("-", "\\-") + "])",
            "'\\1",
        )
    if isinstance(kind, String | Text):
        return _inert_sql(value)
    return cast(value, Text)  # ids and integers


def _json_value(column: str) -> ColumnElement[Any]:
    """The column's JSON value as `json_record` makes it: text for times, dates, decimals and ids."""
    value = _source(column)
    kind = value.type
    if isinstance(kind, Numeric):
        return _decimal_text(column, value)
    if isinstance(kind, UTCDateTime):
        return _iso_instant(value)
    if isinstance(kind, Date):
        return func.to_char(value, "YYYY-MM-DD")
    if column == "document_id":
        return cast(value, Text)
    return value


def rows_written_by_postgres(
    session: Session, filters: DocumentFilter, tenant_id: uuid.UUID, export_format: str, dialect: str
) -> Iterator[bytes]:
    buffer = io.StringIO()
    csv_dialect = CSV_DIALECTS[dialect]
    if export_format == "csv":
        columns = [_csv_cell(column, csv_dialect) for column in COLUMNS]
    else:
        pairs = [part for column in COLUMNS for part in (literal(column), _json_value(column))]
        columns = [cast(func.json_build_object(*pairs), Text), Document.id.expression]
    # On the session's connection, as plain rows: nothing of the ORM's per-row work.
    query = filtered_columns(columns, filters, tenant_id)
    result = session.connection().execute(query.execution_options(yield_per=_PAGE))
    writer = csv.writer(buffer, delimiter=csv_dialect.delimiter)
    if export_format == "csv":
        buffer.write(BOM)
        writer.writerow(COLUMNS)
    while page := result.fetchmany(_PAGE):
        if export_format == "csv":
            writer.writerows(page)
        else:
            boxes = label_boxes(session, [document_id for _line, document_id in page])
            buffer.write("".join(_with_boxes(line, boxes.get(document_id, {})) + "\n" for line, document_id in page))
        del page  # at most one page alive
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def rows_written_from_objects(
    session: Session, filters: DocumentFilter, tenant_id: uuid.UUID, export_format: str, dialect: str = "standard"
) -> Iterator[bytes]:
    """The export from the ORM's objects, formatted in Python (the embedded SQLite default)."""
    buffer = io.StringIO()
    csv_dialect = CSV_DIALECTS[dialect]
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore", delimiter=csv_dialect.delimiter)
    query = filtered_documents(filters, tenant_id)
    result = session.execute(query.execution_options(yield_per=_PAGE))
    if export_format == "csv":
        buffer.write(BOM)
        writer.writeheader()
    while page := result.fetchmany(_PAGE):
        boxes = label_boxes(session, [document.id for document, _card in page]) if export_format == "jsonl" else {}
        for document, card in page:
            record = export_record(document, card)
            if export_format == "csv":
                writer.writerow(csv_record(record, csv_dialect))
            else:
                line = {**json_record(record), "boxes": boxes.get(document.id, {})}
                buffer.write(json.dumps(line, ensure_ascii=False) + "\n")
        # Let the page's rows go before the next page is fetched, so at most one page is alive.
        del page, document, card
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()
