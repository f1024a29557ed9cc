"""DMS-facing features: metadata and versions on upload, batches with manifests and one `batch.done`,
document filters by facts, streamed export, and erasure."""

from __future__ import annotations

import csv
import io
import tracemalloc
import uuid
from datetime import date, datetime
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from api.app import create_app
from api.export import export_rows
from models.db import session_scope
from models.queries import DocumentFilter
from models.schema import (
    ContractCard,
    Document,
    DocumentFile,
    Entity,
    WebhookDelivery,
)
from models.tenancy import default_tenant_id
from worker.pipeline import EXTRACT, NER, begin_stage, extract_document, fail_document, recognize_entities

CONTRACT = "Nordlys ApS, Supervej 21, 2000 Frederiksberg. Løn 32.500,00 kr. pr. måned. Kontrakt nr. {n}"


def upload(client: TestClient, text: str, **form: str) -> dict:
    response = client.post("/v1/documents", files={"file": ("k.txt", text.encode())}, data=form)
    assert response.status_code in (200, 202), response.text
    return response.json()


def finish(session: Session, document_id: str, classifier) -> None:
    doc_id = uuid.UUID(document_id)
    begin_stage(session, doc_id, EXTRACT)
    extract_document(session, doc_id, classifier.windowing)
    begin_stage(session, doc_id, NER)
    recognize_entities(session, [doc_id], classifier)


def test_upload_keeps_dms_metadata(client: TestClient) -> None:
    accepted = upload(client, CONTRACT.format(n=1), external_id="DMS-7", metadata='{"folder": "HR/2024"}')

    document = client.get(f"/v1/documents/{accepted['id']}").json()

    assert document["external_id"] == "DMS-7"
    assert document["metadata"] == {"folder": "HR/2024"}
    assert document["version"] == 1


def test_metadata_must_be_a_json_object(client: TestClient) -> None:
    response = client.post("/v1/documents", files={"file": ("k.txt", b"tekst")}, data={"metadata": "[1, 2]"})

    assert response.status_code == 422


def test_a_new_file_under_the_same_external_id_is_the_next_version(client: TestClient) -> None:
    first = upload(client, CONTRACT.format(n=1), external_id="DMS-7")
    second = upload(client, CONTRACT.format(n=2), external_id="DMS-7")

    document = client.get(f"/v1/documents/{second['id']}").json()

    assert second["id"] != first["id"]
    assert (document["version"], document["previous_version_id"]) == (2, first["id"])


def test_a_batch_counts_states_lists_files_and_fires_batch_done_once(
    client: TestClient, db_session: Session, keyword_classifier
) -> None:
    client.post("/v1/webhooks", json={"url": "https://93.184.215.14/hook", "events": ["batch.done"]})
    existing = upload(client, CONTRACT.format(n=0))
    finish(db_session, existing["id"], keyword_classifier)
    batch = client.post("/v1/batches", json={"name": "nightly sync"}).json()
    first = upload(client, CONTRACT.format(n=1), batch_id=batch["id"])
    duplicate = upload(client, CONTRACT.format(n=0), batch_id=batch["id"])
    second = upload(client, CONTRACT.format(n=2), batch_id=batch["id"])

    finish(db_session, first["id"], keyword_classifier)
    closed = client.post(f"/v1/batches/{batch['id']}/close").json()
    assert closed["done"] is False
    assert closed["counts"] == {"done": 2, "queued": 1}
    fail_document(db_session, uuid.UUID(second["id"]), EXTRACT, "parse_error", "test")

    report = client.get(f"/v1/batches/{batch['id']}").json()
    deliveries = db_session.scalars(select(WebhookDelivery).where(WebhookDelivery.event == "batch.done")).all()
    assert report["done"] is True
    assert report["counts"] == {"done": 2, "failed": 1}
    assert [(m["document_id"], m["duplicate"], m["status"]) for m in report["manifest"]] == [
        (first["id"], False, "done"),
        (existing["id"], True, "done"),
        (second["id"], False, "failed"),
    ]
    assert duplicate["id"] == existing["id"]
    assert len(deliveries) == 1
    assert deliveries[0].payload["counts"] == {"done": 2, "failed": 1}
    assert (
        client.post("/v1/documents", files={"file": ("x.txt", b"ny fil")}, data={"batch_id": batch["id"]}).status_code
        == 409
    )


def test_a_batch_with_an_expected_count_closes_itself(client: TestClient, db_session: Session) -> None:
    batch = client.post("/v1/batches", json={"expected_documents": 2}).json()
    upload(client, CONTRACT.format(n=1), batch_id=batch["id"])
    upload(client, CONTRACT.format(n=2), batch_id=batch["id"])

    assert client.get(f"/v1/batches/{batch['id']}").json()["closed"] is True


def test_documents_are_filtered_by_status_and_by_facts(
    client: TestClient, db_session: Session, keyword_classifier
) -> None:
    done = upload(client, CONTRACT.format(n=1), external_id="A")
    upload(client, CONTRACT.format(n=2), external_id="B")
    finish(db_session, done["id"], keyword_classifier)

    def ids(**params: str) -> list[str]:
        return [d["id"] for d in client.get("/v1/documents", params=params).json()["items"]]

    assert ids(status="done") == [done["id"]]
    assert ids(external_id="B") != [done["id"]]
    assert ids(salary_min="30000") == [done["id"]]
    assert ids(salary_min="40000") == []
    assert ids(label="SALARY", value_gte="32500") == [done["id"]]
    assert ids(label="SALARY", value_gte="32500.01") == []
    assert client.get("/v1/documents", params={"value_gte": "1"}).status_code == 400


def test_documents_are_paged_with_a_cursor(client: TestClient) -> None:
    uploaded = [upload(client, CONTRACT.format(n=n))["id"] for n in range(5)]

    seen: list[str] = []
    params: dict[str, str | int] = {"limit": 2}
    while True:
        page = client.get("/v1/documents", params=params).json()
        seen += [d["id"] for d in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]

    assert seen == uploaded


def test_delete_erases_the_file_text_and_entities(client: TestClient, db_session: Session, keyword_classifier) -> None:
    accepted = upload(client, CONTRACT.format(n=1))
    finish(db_session, accepted["id"], keyword_classifier)
    document_id = uuid.UUID(accepted["id"])

    assert client.delete(f"/v1/documents/{document_id}").status_code == 204

    assert client.get(f"/v1/documents/{document_id}").status_code == 404
    assert db_session.get(DocumentFile, document_id) is None
    assert db_session.scalar(select(func.count()).select_from(Entity).where(Entity.document_id == document_id)) == 0
    assert db_session.get(ContractCard, document_id) is None


def _committed_documents(count: int) -> None:
    """Done documents with cards, of the default tenant."""
    with session_scope() as session:
        tenant_id = default_tenant_id(session)
        ids = [uuid.uuid4() for _ in range(count)]
        session.execute(
            insert(Document),
            [
                {"id": i, "tenant_id": tenant_id, "sha256": i.hex * 2, "filename": f"{n}.pdf",
                 "content_type": "application/pdf", "size_bytes": 1000, "status": "done", "version": 1}
                for n, i in enumerate(ids)
            ],
        )  # fmt: skip
        session.execute(
            insert(ContractCard),
            [
                {"document_id": i, "employer": "Nordlys ApS", "salary_amount": Decimal("32500.00"),
                 "salary_currency": "DKK", "salary_period": "month", "start_date": date(2024, 1, 1),
                 "confidence": {}, "flags": [], "needs_review": False}
                for i in ids
            ],
        )  # fmt: skip


def _export_peak(count: int) -> tuple[int, int, int]:
    """(peak traced bytes, exported bytes, chunks) for an export of all documents."""
    with session_scope() as session:
        tenant_id = default_tenant_id(session)
    tracemalloc.start()
    size = chunks = 0
    for chunk in export_rows(DocumentFilter(), tenant_id, "csv"):
        size += len(chunk)
        chunks += 1
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, size, chunks


def test_csv_export_of_1000_documents_streams_with_flat_memory(clean_database) -> None:
    _committed_documents(1000)
    _export_peak(1000)  # warm-up: statement compilation and caches are not per-row memory
    peak_1000, size, chunks = _export_peak(1000)
    _committed_documents(2000)
    peak_3000, _, _ = _export_peak(3000)

    assert chunks >= 2
    assert size > 1000 * 100
    assert peak_3000 < 1.3 * peak_1000, "memory must not grow with the number of rows"


def test_the_export_endpoint_writes_csv_and_jsonl(committed_api_token: str) -> None:
    _committed_documents(3)
    with TestClient(create_app(), headers={"Authorization": f"Bearer {committed_api_token}"}) as client:
        as_csv = client.get("/v1/documents/export", params={"format": "csv"})
        as_jsonl = client.get("/v1/documents/export", params={"format": "jsonl", "salary_min": "30000"})

    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert len(rows) == 3 and rows[0]["salary_amount"] == "32500.00"
    assert len(as_jsonl.text.splitlines()) == 3


def test_document_events_carry_batch_metadata_links_and_entities_for_subscriptions_that_ask(
    client: TestClient, db_session: Session, keyword_classifier
) -> None:
    events = ["document.done", "document.updated"]
    lean = client.post("/v1/webhooks", json={"url": "https://93.184.215.14/lean", "events": events}).json()
    rich = client.post(
        "/v1/webhooks", json={"url": "https://93.184.215.14/rich", "events": events, "include_entities": True}
    ).json()
    batch = client.post("/v1/batches", json={"name": "hr-sync"}).json()
    first = upload(client, CONTRACT.format(n=1), external_id="DMS-9")
    second = upload(
        client, CONTRACT.format(n=2), external_id="DMS-9", metadata='{"folder": "HR"}', batch_id=batch["id"]
    )
    finish(db_session, second["id"], keyword_classifier)

    def payloads(subscription: dict, event: str) -> list[dict]:
        rows = db_session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.subscription_id == uuid.UUID(subscription["id"]), WebhookDelivery.event == event)
            .order_by(WebhookDelivery.id)
        ).all()
        return [row.payload for row in rows]

    (done,) = payloads(lean, "document.done")
    (done_rich,) = payloads(rich, "document.done")
    path = f"/v1/documents/{second['id']}"
    assert {k: v for k, v in done.items() if k != "card"} == {
        "document_id": second["id"],
        "external_id": "DMS-9",
        "linked_external_ids": [],
        "version": 2,
        "previous_version_id": first["id"],
        "batch_id": batch["id"],
        "batch_ids": [batch["id"]],
        "metadata": {"folder": "HR"},
        "links": {"document": path, "entities": f"{path}/entities", "card": f"{path}/card", "text": f"{path}/text",
                  "file": f"{path}/file", "previous_version": f"/v1/documents/{first['id']}"},
        "entity_count": 3,
    }  # fmt: skip
    assert "entities" not in done
    assert {k: v for k, v in done_rich.items() if k != "entities"} == done
    entities = client.get(f"{path}/entities").json()
    assert [(e["label"], e["text"], e["start"], e["end"]) for e in done_rich["entities"]] == [
        (e["label"], e["text"], e["start"], e["end"]) for e in entities
    ]
    assert payloads(lean, "document.updated") == []  # a first run is no update

    # A rerun (reprocess) that ends done again: done once more, and updated saying what changed.
    assert client.post(f"{path}/reprocess").status_code == 202
    finish(db_session, second["id"], keyword_classifier)

    (updated,) = payloads(lean, "document.updated")
    (updated_rich,) = payloads(rich, "document.updated")
    assert len(payloads(lean, "document.done")) == 2
    assert updated["document_id"] == second["id"] and updated["batch_id"] == batch["id"]
    assert (updated["entity_count"], updated["previous_entity_count"], updated["card_changed"]) == (3, 3, False)
    assert len(updated_rich["entities"]) == 3 and "entities" not in updated


def test_batches_are_listed_with_filters_counts_and_a_cursor(client: TestClient, db_session: Session) -> None:
    nightly = [client.post("/v1/batches", json={"name": "nightly"}).json() for _ in range(3)]
    backfill = client.post("/v1/batches", json={"name": "backfill", "expected_documents": 1}).json()
    upload(client, CONTRACT.format(n=1), batch_id=backfill["id"])  # the one expected file closes it
    upload(client, CONTRACT.format(n=2), batch_id=nightly[0]["id"])
    client.post(f"/v1/batches/{nightly[1]['id']}/close")  # closed without documents: done at once
    other = TestClient(create_app(), headers={"Authorization": "Bearer nope"})

    first = client.get("/v1/batches", params={"limit": 2}).json()
    rest = client.get("/v1/batches", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    by_name = client.get("/v1/batches", params={"name": "nightly"}).json()["items"]
    states = {s: [b["id"] for b in client.get("/v1/batches", params={"state": s}).json()["items"]]
              for s in ("open", "closed", "done")}  # fmt: skip
    created = datetime.fromisoformat(nightly[1]["created_at"])
    window = client.get(
        "/v1/batches", params={"created_from": created.isoformat(), "created_to": created.isoformat()}
    ).json()["items"]

    assert [b["id"] for b in first["items"] + rest["items"]] == [b["id"] for b in [*nightly, backfill]]
    assert rest["next_cursor"] is None
    assert [b["id"] for b in by_name] == [b["id"] for b in nightly]
    assert states == {
        "open": [nightly[0]["id"], nightly[2]["id"]],
        "closed": [backfill["id"]],  # its document is still queued
        "done": [nightly[1]["id"]],
    }
    assert [b["id"] for b in window] == [nightly[1]["id"]]
    listed = {b["id"]: b for b in first["items"] + rest["items"]}
    assert listed[nightly[0]["id"]]["counts"] == {"queued": 1} and listed[nightly[2]["id"]]["counts"] == {}
    assert (listed[backfill["id"]]["state"], listed[backfill["id"]]["expected_documents"]) == ("closed", 1)
    assert client.get("/v1/batches", params={"cursor": "not-a-cursor"}).status_code == 400
    assert client.get("/v1/batches", params={"state": "lost"}).status_code == 422
    assert other.get("/v1/batches").status_code == 401


def test_the_manifest_carries_each_upload_s_external_id_and_metadata(client: TestClient) -> None:
    batch = client.post("/v1/batches", json={"name": "dms"}).json()
    resync = client.post("/v1/batches", json={"name": "dms resync"}).json()
    first = upload(client, CONTRACT.format(n=1), external_id="DMS-1", metadata='{"folder": "A"}', batch_id=batch["id"])
    upload(client, CONTRACT.format(n=2), batch_id=batch["id"])
    upload(client, CONTRACT.format(n=1), external_id="DMS-1b", metadata='{"folder": "B"}', batch_id=resync["id"])

    manifest = client.get(f"/v1/batches/{batch['id']}").json()["manifest"]
    (duplicate,) = client.get(f"/v1/batches/{resync['id']}").json()["manifest"]

    assert [(m["external_id"], m["metadata"], m["duplicate"]) for m in manifest] == [
        ("DMS-1", {"folder": "A"}, False),
        (None, None, False),
    ]
    assert manifest[0]["document_id"] == first["id"]
    # The same bytes under another id: the entry says what this upload sent, not what the document holds.
    assert (duplicate["document_id"], duplicate["external_id"], duplicate["metadata"], duplicate["duplicate"]) == (
        first["id"],
        "DMS-1b",
        {"folder": "B"},
        True,
    )


def test_the_same_bytes_under_a_new_external_id_say_so_and_link_that_id_to_the_document(client: TestClient) -> None:
    original = upload(client, CONTRACT.format(n=1), external_id="DMS-1")
    again = upload(client, CONTRACT.format(n=1), external_id="DMS-2")
    same_id = upload(client, CONTRACT.format(n=1), external_id="DMS-1")
    linked_twice = upload(client, CONTRACT.format(n=1), external_id="DMS-2")
    without_id = upload(client, CONTRACT.format(n=1))
    upload(client, CONTRACT.format(n=9), external_id="DMS-3")

    assert original["duplicate"] is False and original["duplicate_of"] is None
    assert again == {
        "id": original["id"],
        "status": "queued",
        "duplicate": True,
        "duplicate_of": original["id"],
        "linked_external_id": "DMS-2",
    }
    # Nothing new to link: the document's own id, an id already linked, no id at all.
    assert same_id["linked_external_id"] is None and same_id["duplicate_of"] == original["id"]
    assert linked_twice["linked_external_id"] is None and without_id["linked_external_id"] is None
    found = client.get("/v1/documents", params={"external_id": "DMS-2"}).json()["items"]
    assert [d["id"] for d in found] == [original["id"]]
    assert found[0]["external_id"] == "DMS-1" and found[0]["linked_external_ids"] == ["DMS-2"]
    assert [d["id"] for d in client.get("/v1/documents", params={"external_id": "DMS-1"}).json()["items"]] == [
        original["id"]
    ]
    assert client.get(f"/v1/documents/{original['id']}").json()["linked_external_ids"] == ["DMS-2"]


def test_batch_done_links_to_the_batch(client: TestClient, db_session: Session, keyword_classifier) -> None:
    client.post("/v1/webhooks", json={"url": "https://93.184.215.14/hook", "events": ["batch.done"]})
    batch = client.post("/v1/batches", json={"name": "linked", "expected_documents": 1}).json()
    uploaded = upload(client, CONTRACT.format(n=5), batch_id=batch["id"], external_id="DMS-5")
    finish(db_session, uploaded["id"], keyword_classifier)

    (delivery,) = db_session.scalars(select(WebhookDelivery).where(WebhookDelivery.event == "batch.done")).all()

    assert delivery.payload["links"] == {"batch": f"/v1/batches/{batch['id']}"}
    assert delivery.payload["manifest"][0]["external_id"] == "DMS-5"
