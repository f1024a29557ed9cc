"""Streaming CSV/JSONL export: rows are read with a server-side cursor in pages and written as they
come, in a session of the generator's own (the request's session is gone once streaming starts)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select

from models.db import session_scope
from models.labels import CARD_COLUMNS
from models.schema import ContractCard, Document

COLUMNS = [
    "document_id", "filename", "external_id", "version", "status", "error_code", "created_at", "finished_at",
    *CARD_COLUMNS, "needs_review", "flags",
]  # fmt: skip
_CARD_COLUMNS = COLUMNS[8:]
_PAGE = 500


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "value"):
        return value.value
    return value


def export_record(document: Document, card: ContractCard | None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "document_id": str(document.id),
        "filename": document.filename,
        "external_id": document.external_id,
        "version": document.version,
        "status": document.status,
        "error_code": document.error_code,
        "created_at": document.created_at,
        "finished_at": document.finished_at,
    }
    for column in _CARD_COLUMNS:
        record[column] = getattr(card, column) if card is not None else None
    return {key: _plain(value) for key, value in record.items()}


def export_rows(query: Select[Document, ContractCard], export_format: str) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore")
    if export_format == "csv":
        writer.writeheader()
    with session_scope() as session:
        result = session.execute(query.execution_options(yield_per=_PAGE))
        while page := result.fetchmany(_PAGE):
            for document, card in page:
                record = export_record(document, card)
                if export_format == "csv":
                    writer.writerow({**record, "flags": " ".join(record["flags"] or [])})
                else:
                    buffer.write(json.dumps(record, ensure_ascii=False) + "\n")
            # Let the page's rows go before the next page is fetched, so at most one page is alive.
            del page, document, card
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()
