"""The HTTP API on the real Postgres (each test rolled back) and the real Redis broker."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from models.schema import Document, Job
from tests.documents import make_gif, make_pdf
from worker.pipeline import EXTRACT, NER, begin_stage, extract_document, recognize_entities


def upload(client: TestClient, data: bytes, filename: str = "kontrakt.pdf", **form: str):
    return client.post("/v1/documents", files={"file": (filename, data, "application/pdf")}, data=form)


def test_upload_is_accepted_and_published_after_commit(client: TestClient, db_session: Session) -> None:
    response = upload(client, make_pdf(["Nordlys ApS"]), external_id="DMS-1")

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    # The publication marked the job in a session of its own: what this session holds may be stale.
    db_session.expire_all()
    document = db_session.get(Document, uuid.UUID(body["id"]))
    assert document is not None and document.external_id == "DMS-1"
    job = db_session.query(Job).filter_by(document_id=document.id, stage="extract").one()
    assert job.published_at is not None


def test_the_same_file_again_returns_the_existing_document(client: TestClient) -> None:
    first = upload(client, make_pdf(["Nordlys ApS"]))
    second = upload(client, make_pdf(["Nordlys ApS"]), filename="igen.pdf")

    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["duplicate"] is True


@pytest.mark.parametrize(
    ("data", "status"),
    [(b"", 400), (make_gif(), 415), (b"\x00\x01\x02\x03" * 500, 415)],
    ids=["empty", "gif", "binary"],
)
def test_garbage_gets_a_4xx_with_a_reason(client: TestClient, data: bytes, status: int) -> None:
    response = upload(client, data)

    assert response.status_code == status
    assert response.json()["detail"]


def test_uploads_over_the_size_limit_are_refused(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from models.settings import get_settings

    monkeypatch.setattr(get_settings(), "max_upload_bytes", 1000)

    assert upload(client, b"x" * 1001, filename="big.txt").status_code == 413


def test_document_status_counts_timings_and_entities(
    client: TestClient, db_session: Session, keyword_classifier
) -> None:
    document_id = uuid.UUID(upload(client, b"Arbejdssted: Supervej 21, 2000 Frederiksberg.").json()["id"])
    begin_stage(db_session, document_id, EXTRACT)
    extract_document(db_session, document_id, keyword_classifier.windowing)
    begin_stage(db_session, document_id, NER)
    recognize_entities(db_session, [document_id], keyword_classifier)

    document = client.get(f"/v1/documents/{document_id}").json()
    entities = client.get(f"/v1/documents/{document_id}/entities").json()

    assert document["status"] == "done"
    assert document["entity_count"] == 1 and document["window_count"] == 1
    assert document["timings"]["total_s"] >= 0
    assert [(e["label"], e["text"], e["start"], e["end"], e["page"]) for e in entities] == [
        ("WORKPLACE", "Supervej 21, 2000 Frederiksberg", 13, 44, 1)
    ]


def test_entities_are_paged_with_a_cursor_and_filtered(
    client: TestClient, db_session: Session, keyword_classifier
) -> None:
    ids = []
    for n in range(3):
        text = f"Kontrakt {n}: Nordlys ApS, Supervej 21, 2000 Frederiksberg. Løn 32.500,00 kr."
        document_id = uuid.UUID(upload(client, text.encode()).json()["id"])
        begin_stage(db_session, document_id, EXTRACT)
        extract_document(db_session, document_id, keyword_classifier.windowing)
        begin_stage(db_session, document_id, NER)
        ids.append(document_id)
    recognize_entities(db_session, ids, keyword_classifier)

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"label": "SALARY", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/entities", params=params).json()
        seen += [e["text"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    only_first = client.get("/v1/entities", params={"document_id": str(ids[0])}).json()["items"]

    assert seen == ["32.500,00 kr."] * 3
    assert {e["label"] for e in only_first} == {"EMPLOYER", "WORKPLACE", "SALARY"}


def test_unknown_documents_are_404(client: TestClient) -> None:
    assert client.get(f"/v1/documents/{uuid.uuid4()}").status_code == 404
    assert client.get(f"/v1/documents/{uuid.uuid4()}/entities").status_code == 404


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "database": "ok",
        "broker": "ok",
        "queue": "ok",
        # No worker ever beat in this test's database: reported per queue, not gating.
        "workers": {queue: "no worker ever seen" for queue in ("extract", "ner", "webhooks", "maintenance")},
    }


def test_readiness_reports_per_queue_that_no_worker_is_alive(client: TestClient, db_session) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from models.schema import WorkerHeartbeat, utcnow
    from models.worker_liveness import record_heartbeat

    record_heartbeat(db_session, "extract@host", ["extract", "webhooks", "maintenance"], "host:10")
    record_heartbeat(db_session, "ner@host", ["ner"], "host:11")
    db_session.execute(
        update(WorkerHeartbeat)
        .where(WorkerHeartbeat.worker == "ner@host")
        .values(last_seen_at=utcnow() - timedelta(hours=1))
    )

    workers = client.get("/readyz").json()["workers"]

    assert workers["extract"] == workers["maintenance"] == "1 alive"
    assert workers["ner"] == "none alive (last heartbeat 3600s ago)"


def test_readiness_reports_jobs_stuck_past_the_threshold(client: TestClient, db_session) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from models.schema import Job, utcnow

    client.post("/v1/documents", files={"file": ("a.txt", "Nordlys ApS ansætter Mette.".encode())})
    db_session.execute(update(Job).values(updated_at=utcnow() - timedelta(hours=3)))

    ready = client.get("/readyz")

    assert ready.status_code == 200  # reported, not gating
    assert ready.json()["queue"].startswith("stuck: 1 jobs without progress for over 3600s")


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    assert "/v1/documents" in client.get("/openapi.json").json()["paths"]
