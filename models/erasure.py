"""Erasing a document for a data-protection request: nothing of it may stay behind in any table.

Deleting the document row takes its file, text, tokens, page geometry (pages, word boxes), jobs,
entities, card and review audit rows (which hold values) with it (ON DELETE CASCADE) and unlinks a later
version (ON DELETE SET NULL). What refers to it without a foreign key is handled here, in the caller's
transaction:

- webhook deliveries: `document.done`/`document.failed`/`document.reviewed`/`document.updated` ones carry
  the card or the error text, so they go, pending or not (a pending one is thereby cancelled); a
  `batch.done` manifest is rewritten so the document's entry says "deleted" without id or filename,
  since its other entries must still arrive;
- the batch manifest row stays, marked deleted (no document id, no filename);
- an `Idempotency-Key` that answered with the document's id now answers 410 Gone, so a late retry of the
  upload can neither resurrect the erased contract nor hand out an id that leads nowhere;
- one `document.deleted` event, whose payload holds ids only, tells the DMS.

A delivery being attempted right now holds its row lock: the erasure waits for that attempt to end and
then removes the row, so the retry it scheduled finds nothing to send.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import Text, cast, select, update
from sqlalchemy.orm import Session

from models.batches import complete_batch_if_done
from models.db import on_commit
from models.schema import (
    BatchItem,
    DeliveryState,
    Document,
    IdempotencyKey,
    WebhookDelivery,
    WebhookSubscription,
)
from models.webhooks import publish_deliveries, record_event

log = structlog.get_logger(__name__)

ERASED_ANSWER_STATUS = 410
ERASED_ANSWER = {"detail": "the document this request created has been erased"}


@dataclass(frozen=True)
class Erasure:
    document_id: uuid.UUID
    batch_ids: list[uuid.UUID]
    deliveries_deleted: int
    deliveries_rewritten: int
    idempotency_keys_gone: int


def erase_document(session: Session, document: Document) -> Erasure:
    """Delete the document and every row that holds its id, text, filename or values; flushes, the caller
    commits (and the `document.deleted` deliveries are published after that commit)."""
    document_id, tenant_id, external_id = document.id, document.tenant_id, document.external_id
    # The row lock first: a worker finishing the document right now commits its events before we look
    # for them, or finds the document gone after we commit.
    session.execute(select(Document.id).where(Document.id == document_id).with_for_update())
    needle = str(document_id)

    deleted, rewritten = _scrub_deliveries(session, tenant_id, needle)
    batch_ids = list(
        session.scalars(select(BatchItem.batch_id).where(BatchItem.document_id == document_id).order_by(BatchItem.id))
    )
    session.execute(
        # The upload's metadata may name a person; its external_id is the DMS's own opaque key and stays.
        update(BatchItem).where(BatchItem.document_id == document_id).values(document_id=None, filename=None, meta=None)
    )
    keys = session.scalars(
        select(IdempotencyKey).where(
            IdempotencyKey.tenant_id == tenant_id,
            cast(IdempotencyKey.response_body, Text).contains(needle, autoescape=True),
        )
    ).all()
    for key in keys:
        key.status_code = ERASED_ANSWER_STATUS
        key.response_body = dict(ERASED_ANSWER)

    session.delete(document)
    session.flush()
    record_event(
        session,
        "document.deleted",
        # external_id is the DMS's own key for its record, which it chose and holds: it needs it to act on
        # the erasure (see docs/webhooks.md: an opaque id, not a name).
        {"document_id": needle, "external_id": external_id, "batch_ids": [str(b) for b in batch_ids]},
        tenant_id=tenant_id,
    )
    for batch_id in dict.fromkeys(batch_ids):
        # The erased document may have been the last one its closed batch was waiting for.
        complete_batch_if_done(session, batch_id)
    log.info(
        "document.erased",
        document_id=needle,
        deliveries_deleted=deleted,
        deliveries_rewritten=rewritten,
        idempotency_keys=len(keys),
    )
    return Erasure(document_id, batch_ids, deleted, rewritten, len(keys))


def _scrub_deliveries(session: Session, tenant_id: uuid.UUID, needle: str) -> tuple[int, int]:
    """Delete or rewrite the tenant's deliveries whose payload mentions the document; (deleted, rewritten)."""
    deliveries = session.scalars(
        select(WebhookDelivery)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(
            WebhookSubscription.tenant_id == tenant_id,
            # The payload as JSON text: portable to the embedded SQLite, and a uuid has no LIKE wildcards.
            cast(WebhookDelivery.payload, Text).contains(needle, autoescape=True),
        )
        .order_by(WebhookDelivery.id)
        # Waits for an attempt in progress (it holds the row): its retry then finds the row changed or gone.
        .with_for_update(of=WebhookDelivery)
        .execution_options(populate_existing=True)
    ).all()
    deleted = 0
    republish: list[int] = []
    for delivery in deliveries:
        payload = _without_document(delivery.payload, needle)
        if payload is None:
            session.delete(delivery)
            deleted += 1
            continue
        delivery.payload = payload
        if delivery.state is DeliveryState.pending:
            republish.append(delivery.id)
    session.flush()
    if republish:
        # A delivery message that arrived while this transaction held the row skipped it (SKIP LOCKED)
        # and was dropped: send the rewritten deliveries again (an early duplicate only waits its turn).

        def publish() -> None:
            publish_deliveries(republish)

        on_commit(session, publish)
    return deleted, len(deliveries) - deleted


def _without_document(payload: dict[str, Any], needle: str) -> dict[str, Any] | None:
    """The payload with the document taken out, or None when the payload is about the document itself."""
    manifest = payload.get("manifest")
    if payload.get("document_id") not in (None, needle) and payload.get("previous_version_id") == needle:
        # The next version's event: it keeps its own news and loses the link to the erased version.
        links = payload.get("links")
        rewritten = {**payload, "previous_version_id": None}
        if isinstance(links, dict):
            rewritten["links"] = {**links, "previous_version": None}
        return None if needle in json.dumps(rewritten) else rewritten
    if not isinstance(manifest, list):
        return None  # document.done / document.failed / document.updated: the whole event is the document's
    counts = dict(payload.get("counts") or {})
    entries: list[Any] = []
    for entry in manifest:
        if isinstance(entry, dict) and entry.get("document_id") == needle:
            status = str(entry.get("status"))
            if counts.get(status):
                counts[status] -= 1
                if not counts[status]:
                    del counts[status]
            counts["deleted"] = counts.get("deleted", 0) + 1
            entry = {**entry, "document_id": None, "filename": None, "status": "deleted", "error_code": None,
                     "entity_count": None}  # fmt: skip
            if "metadata" in entry:
                entry["metadata"] = None
        entries.append(entry)
    rewritten = {**payload, "manifest": entries, "counts": dict(sorted(counts.items()))}
    # Anything else that still names the document (a field this code does not know) makes the whole
    # delivery go rather than keep a trace.
    return None if needle in json.dumps(rewritten) else rewritten
