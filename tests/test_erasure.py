"""Erasure (DELETE /v1/documents/{id}, data-protection requests): afterwards no table holds the
document's id, text, filename or any of its values, apart from the `document.deleted` tombstone that
carries ids only. Tables and columns are read from the database catalogue, so a table added later is
searched too."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterable

from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models.contract_card import card_as_dict
from models.db import session_scope
from models.erasure import erase_document
from models.intake import submit_document
from models.schema import ContractCard, DeliveryState, Document, Entity, WebhookDelivery
from models.tenancy import default_tenant_id
from models.webhooks import record_event
from tests.documents import make_pdf
from tests.test_dms import CONTRACT, finish, upload
from tests.test_webhooks import Receiver, loopback_settings, subscribe
from worker.webhook_delivery import deliver, make_client

FILENAME = "Jens Hansen ansættelseskontrakt.pdf"
ALL_EVENTS = ["document.done", "document.failed", "document.updated", "batch.done", "document.deleted"]

# Column types that can hold a piece of text, and those that cannot. A column of any other type fails the
# test, so that a new kind of column is never silently left out of the search.
SEARCHED_TYPES = {"text", "character varying", "character", "json", "jsonb", "uuid", "bytea"}
UNSEARCHED_TYPES = {
    "integer", "bigint", "smallint", "boolean", "date", "numeric", "double precision", "real",
    "timestamp with time zone", "timestamp without time zone",
}  # fmt: skip


def catalogue_columns(session: Session) -> list[tuple[str, str, str]]:
    """(table, column, data type) of every column of every base table in the schema."""
    rows = session.execute(
        text(
            "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
            "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
            "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' "
            "ORDER BY c.table_name, c.ordinal_position"
        )
    ).all()
    return [(row[0], row[1], row[2]) for row in rows]


def traces(session: Session, needles: Iterable[str]) -> set[tuple[str, str, str]]:
    """(table, column, needle) for every column of every table where some row contains a needle: as text,
    as JSON-escaped text inside json columns, and as UTF-8 bytes inside bytea columns."""
    found: set[tuple[str, str, str]] = set()
    columns = catalogue_columns(session)
    unknown = {data_type for _t, _c, data_type in columns} - SEARCHED_TYPES - UNSEARCHED_TYPES
    assert not unknown, f"column types the erasure search does not know: {unknown}"
    for table, column, data_type in columns:
        if data_type not in SEARCHED_TYPES:
            continue
        for needle in needles:
            if data_type == "bytea":
                condition = f"position(convert_to(:raw, 'UTF8') in \"{column}\") > 0"
            else:
                condition = f'(strpos("{column}"::text, :raw) > 0 OR strpos("{column}"::text, :escaped) > 0)'
            hit = session.execute(
                text(f'SELECT 1 FROM "{table}" WHERE {condition} LIMIT 1'),
                {"raw": needle, "escaped": json.dumps(needle)[1:-1]},
            ).first()
            if hit is not None:
                found.add((table, column, needle))
    return found


def personal_values(session: Session, document_id: uuid.UUID) -> set[str]:
    """The document's text, its entities' texts and its card's values as the API writes them."""
    document = session.get(Document, document_id)
    card = session.get(ContractCard, document_id)
    assert document is not None and document.text is not None and card is not None
    entities = session.scalars(select(Entity).where(Entity.document_id == document_id)).all()
    as_dict = card_as_dict(card)
    card_values = {
        as_dict[field]
        for field in ("employer", "employee", "job_title", "workplace", "start_date", "end_date", "salary_amount")
        if as_dict[field] is not None
    }
    assert entities and card_values, "the keyword model must find facts, or the search proves nothing"
    return {document.text.text, *(e.text for e in entities), *card_values}


def test_erasure_leaves_no_row_holding_the_document_s_id_text_filename_or_values(
    client: TestClient, db_session: Session, keyword_classifier
) -> None:
    client.post("/v1/webhooks", json={"url": "https://93.184.215.14/hook", "events": ALL_EVENTS})
    batch = client.post("/v1/batches", json={"name": "nightly sync"}).json()
    kept = upload(client, "En anden aftale uden nogen fakta.", batch_id=batch["id"])
    key = {"Idempotency-Key": "upload-jens-1"}
    # Metadata may name a person too: it is kept on the document, the manifest row and the events.
    form = {"batch_id": batch["id"], "external_id": "DMS-4711", "metadata": '{"owner": "Metadata Person 4711"}'}
    # A PDF, so that the page geometry (page sizes, word boxes, entity boxes) is written and must go too.
    files = {"file": (FILENAME, make_pdf([CONTRACT.format(n=1)]))}
    erased = client.post("/v1/documents", files=files, data=form, headers=key).json()["id"]
    finish(db_session, erased, keyword_classifier)
    finish(db_session, kept["id"], keyword_classifier)
    assert client.post(f"/v1/batches/{batch['id']}/close").json()["done"] is True
    erased_id = uuid.UUID(erased)
    needles = {erased, FILENAME, "Metadata Person 4711", *personal_values(db_session, erased_id)}

    before = {table for table, _column, _needle in traces(db_session, needles)}
    assert client.delete(f"/v1/documents/{erased}").status_code == 204
    after = traces(db_session, needles)

    # The search does find what it looks for: every place the document was.
    assert before >= {
        "documents", "document_files", "document_texts", "document_tokens", "document_pages", "document_words",
        "entities", "contract_cards", "jobs", "webhook_deliveries", "batch_items", "idempotency_keys",
    }  # fmt: skip
    # Afterwards only the tombstone is left: the document.deleted event, with ids and nothing else.
    assert after == {("webhook_deliveries", "payload", erased)}
    tombstones = db_session.scalars(select(WebhookDelivery).where(WebhookDelivery.event == "document.deleted")).all()
    assert [t.payload for t in tombstones] == [
        {"document_id": erased, "external_id": "DMS-4711", "batch_ids": [batch["id"]]}
    ]
    assert all(
        erased not in json.dumps(d.payload)
        for d in db_session.scalars(select(WebhookDelivery))
        if d.event != "document.deleted"
    )
    # The manifest keeps the upload, marked deleted; the other file and the batch.done event are intact.
    manifest = client.get(f"/v1/batches/{batch['id']}").json()["manifest"]
    assert manifest == [
        {"document_id": kept["id"], "filename": "k.txt", "external_id": None, "metadata": None, "duplicate": False,
         "status": "done", "error_code": None, "entity_count": 0},
        # The DMS's opaque id stays with the entry (as in document.deleted); the rest of the upload goes.
        {"document_id": None, "filename": None, "external_id": "DMS-4711", "metadata": None, "duplicate": False,
         "status": "deleted", "error_code": None, "entity_count": None},
    ]  # fmt: skip
    (batch_done,) = db_session.scalars(select(WebhookDelivery).where(WebhookDelivery.event == "batch.done")).all()
    assert batch_done.state is DeliveryState.pending
    assert batch_done.payload["counts"] == {"deleted": 1, "done": 1}
    assert [entry["document_id"] for entry in batch_done.payload["manifest"]] == [kept["id"], None]
    # A replayed upload neither hands out the erased id nor brings the contract back.
    replay = client.post("/v1/documents", files=files, data=form, headers=key)
    assert replay.status_code == 410 and erased not in replay.text
    assert db_session.get(Document, erased_id) is None


def test_erasing_the_last_pending_document_of_a_closed_batch_completes_it(
    client: TestClient, db_session: Session, keyword_classifier
) -> None:
    client.post("/v1/webhooks", json={"url": "https://93.184.215.14/hook", "events": ["batch.done"]})
    batch = client.post("/v1/batches", json={"name": "sync"}).json()
    done = upload(client, CONTRACT.format(n=1), batch_id=batch["id"])
    stuck = upload(client, CONTRACT.format(n=2), batch_id=batch["id"])
    finish(db_session, done["id"], keyword_classifier)
    assert client.post(f"/v1/batches/{batch['id']}/close").json()["done"] is False

    assert client.delete(f"/v1/documents/{stuck['id']}").status_code == 204

    report = client.get(f"/v1/batches/{batch['id']}").json()
    (event,) = db_session.scalars(select(WebhookDelivery).where(WebhookDelivery.event == "batch.done")).all()
    assert report["done"] is True and report["counts"] == {"deleted": 1, "done": 1}
    assert stuck["id"] not in json.dumps(event.payload)


def test_a_delivery_in_flight_during_an_erasure_is_never_sent_again(clean_database) -> None:
    settings = loopback_settings(webhook_backoff_base_s=0.2)
    released = threading.Event()
    with Receiver(statuses=(500,), hold=released) as receiver, make_client(settings) as http:
        with session_scope() as session:
            subscribe(session, f"{receiver.url}/hook")
            document = submit_document(session, b"Nordlys ApS ansaetter Jens Hansen.", filename="jens.txt").document
            document_id = document.id
            (delivery_id,) = record_event(
                session,
                "document.done",
                {"document_id": str(document_id), "card": {"employee": "Jens Hansen"}},
                tenant_id=default_tenant_id(session),
            )
        delays: list[float | None] = []

        def attempt() -> None:
            with session_scope() as session:
                delays.append(deliver(session, delivery_id, http, settings))

        def erase() -> None:
            with session_scope() as session:
                erase_document(session, session.get_one(Document, document_id))

        attempting = threading.Thread(target=attempt)
        attempting.start()
        receiver.wait_for(1, timeout_s=10)  # the attempt holds its row and waits for the receiver
        erasing = threading.Thread(target=erase)
        erasing.start()
        time.sleep(0.5)
        assert erasing.is_alive(), "the erasure must wait for the attempt in flight"
        released.set()
        attempting.join(timeout=10)
        erasing.join(timeout=10)
        assert delays and delays[0] is not None  # the 500 scheduled a retry...
        time.sleep(delays[0])
        with session_scope() as session:
            retry = deliver(session, delivery_id, http, settings)  # ...which finds nothing to send

    assert retry is None
    assert len(receiver.requests) == 1
    with session_scope() as session:
        assert session.get(WebhookDelivery, delivery_id) is None
