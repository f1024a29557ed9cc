"""A tenant's live stream of document progress, read by `GET /v1/events` (Server-Sent Events) and the web
page: every status change is a `DocumentEvent` row written in the change's own transaction (the flush
hook in `models.schema`), so the stream's position is a row id and a client that reconnects with
`Last-Event-ID` misses nothing that committed and sees nothing that rolled back. Pruned after
`live_events_keep_s` by beat."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from models.schema import DocumentEvent, utcnow

# The most events one read returns: a client far behind catches up over several reads.
PAGE = 500


@dataclass(frozen=True)
class LiveEvent:
    id: int
    document_id: uuid.UUID
    status: str
    error_code: str | None
    at: datetime

    def data(self) -> dict[str, str | None]:
        return {
            "document_id": str(self.document_id),
            "status": self.status,
            "error_code": self.error_code,
            "at": self.at.isoformat(),
        }


def events_after(session: Session, tenant_id: uuid.UUID, after_id: int, limit: int = PAGE) -> list[LiveEvent]:
    """The tenant's events after position `after_id`, oldest first."""
    rows = session.execute(
        select(
            DocumentEvent.id,
            DocumentEvent.document_id,
            DocumentEvent.status,
            DocumentEvent.error_code,
            DocumentEvent.created_at,
        )
        .where(DocumentEvent.tenant_id == tenant_id, DocumentEvent.id > after_id)
        .order_by(DocumentEvent.id)
        .limit(limit)
    ).all()
    return [LiveEvent(*row) for row in rows]


def latest_position(session: Session, tenant_id: uuid.UUID) -> int:
    """Where a new subscriber starts: after everything that happened before it connected."""
    return int(session.scalar(select(func.max(DocumentEvent.id)).where(DocumentEvent.tenant_id == tenant_id)) or 0)


def prune_events(session: Session, keep_s: float, now: datetime | None = None) -> int:
    """Delete events older than `keep_s`; returns how many."""
    cutoff = (now or utcnow()) - timedelta(seconds=keep_s)
    result = session.execute(delete(DocumentEvent).where(DocumentEvent.created_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
