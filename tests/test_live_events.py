"""Live progress: every document status change becomes an event of its tenant's stream in the change's
own transaction, and `GET /v1/events` serves the stream as Server-Sent Events, resumable with
`Last-Event-ID`. (The web page reading it in Chromium: tests/test_web.py.)"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.db import session_scope
from models.intake import submit_document
from models.job_lifecycle import claim, complete_stage, fail_document
from models.live_events import events_after, latest_position, prune_events
from models.reasons import ReasonCode
from models.schema import Document, DocumentEvent, utcnow
from models.tenancy import tenant_named
from worker.pipeline import EXTRACT, NER

CONTRACT = "Nordlys ApS ansætter fra 1. marts 2025 på Supervej 21, 2000 Frederiksberg."


def statuses(session: Session, document: Document) -> list[str]:
    return [e.status for e in events_after(session, document.tenant_id, 0) if e.document_id == document.id]


def test_each_status_a_document_passes_through_is_one_event_in_order(db_session: Session) -> None:
    document = submit_document(db_session, f"{CONTRACT} in order".encode()).document
    lease = claim(db_session, document.id, EXTRACT, lease_s=60, max_attempts=3)
    assert lease is not None
    complete_stage(db_session, document, EXTRACT, NER)
    claim(db_session, document.id, NER, lease_s=60, max_attempts=3)
    fail_document(db_session, document.id, NER, ReasonCode.model_error, "the model gave up")
    db_session.flush()

    assert statuses(db_session, document) == ["queued", "extracting", "extracted", "inferring", "failed"]
    assert events_after(db_session, document.tenant_id, 0)[-1].error_code == "model_error"


def test_a_tenant_sees_only_its_own_documents_and_a_new_subscriber_starts_from_now(db_session: Session) -> None:
    ours = submit_document(db_session, f"{CONTRACT} ours".encode()).document
    other_tenant = tenant_named(db_session, "someone else", create=True)
    assert other_tenant is not None
    theirs = submit_document(db_session, f"{CONTRACT} theirs".encode(), tenant_id=other_tenant.id).document
    db_session.flush()
    start = latest_position(db_session, ours.tenant_id)
    later = submit_document(db_session, f"{CONTRACT} later".encode()).document
    db_session.flush()

    assert {e.document_id for e in events_after(db_session, ours.tenant_id, 0)} >= {ours.id, later.id}
    assert theirs.id not in {e.document_id for e in events_after(db_session, ours.tenant_id, 0)}
    assert [e.document_id for e in events_after(db_session, ours.tenant_id, start)] == [later.id]


def test_a_change_that_rolls_back_leaves_no_event(db_session: Session) -> None:
    document = submit_document(db_session, f"{CONTRACT} rolled back".encode()).document
    db_session.commit()
    nested = db_session.begin_nested()
    claim(db_session, document.id, EXTRACT, lease_s=60, max_attempts=3)
    db_session.flush()
    nested.rollback()

    assert statuses(db_session, document) == ["queued"]


def test_events_older_than_the_keep_time_are_pruned(db_session: Session) -> None:
    document = submit_document(db_session, f"{CONTRACT} old".encode()).document
    db_session.flush()

    prune_events(db_session, keep_s=3600, now=utcnow())
    assert statuses(db_session, document) == ["queued"]  # a young event stays
    pruned = prune_events(db_session, keep_s=3600, now=utcnow() + timedelta(hours=2))

    assert pruned >= 1 and statuses(db_session, document) == []


@pytest.fixture
def live_api(clean_database, tmp_path) -> Iterator[str]:
    from tests.live_processes import CLI, free_port, running, wait_until_ready

    port, log_dir = free_port(), tmp_path / "logs"
    env = {**os.environ, "CONTRACT_NER_LIVE_EVENTS_POLL_S": "0.2"}
    command = {"api": [*CLI[:2], "uvicorn", "api.app:app", "--host", "127.0.0.1", "--port", str(port)]}
    with running(command, env, log_dir):
        wait_until_ready(f"http://127.0.0.1:{port}", log_dir)
        yield f"http://127.0.0.1:{port}"


def read_events(url: str, token: str, headers: dict[str, str], wanted: int, found: list[dict], query: str = "") -> None:
    """Read `document.status` events from the stream into `found` until `wanted` arrived (or 60 s)."""
    event: dict = {}
    with httpx.stream(
        "GET", f"{url}/v1/events{query}", headers={"Authorization": f"Bearer {token}", **headers}, timeout=60
    ) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith(("id:", "event:", "data:")):
                key, _, value = line.partition(":")
                event[key] = value.strip()
            elif line == "" and event:
                if event.get("event") == "document.status":
                    found.append({"id": int(event["id"]), **json.loads(event["data"])})
                event = {}
                if len(found) >= wanted:
                    return


@pytest.mark.e2e
def test_the_stream_delivers_changes_as_they_commit_and_resumes_from_the_last_event_id(
    live_api: str, committed_api_token: str
) -> None:
    received: list[dict] = []
    # From position 0 (the database was emptied, ids restarted): whenever the stream opens, it sees all.
    reader = threading.Thread(
        target=read_events, args=(live_api, committed_api_token, {}, 3, received, "?after=0"), daemon=True
    )
    reader.start()
    uploaded = httpx.post(
        f"{live_api}/v1/documents",
        files={"file": ("a.txt", f"{CONTRACT} live".encode())},
        headers={"Authorization": f"Bearer {committed_api_token}"},
    ).json()
    document_id = uuid.UUID(uploaded["id"])
    with session_scope() as session:  # what the extract worker does, committed step by step
        claim(session, document_id, EXTRACT, 60, 3)
    with session_scope() as session:
        complete_stage(session, session.get_one(Document, document_id), EXTRACT, NER)
    reader.join(timeout=60)

    assert [(e["document_id"], e["status"]) for e in received] == [
        (uploaded["id"], "queued"),
        (uploaded["id"], "extracting"),
        (uploaded["id"], "extracted"),
    ]
    resumed: list[dict] = []
    read_events(live_api, committed_api_token, {"Last-Event-ID": str(received[0]["id"])}, 2, resumed)
    assert [e["status"] for e in resumed] == ["extracting", "extracted"]
    refused = httpx.get(f"{live_api}/v1/events", timeout=10)
    assert refused.status_code == 401
    with session_scope() as session:
        assert session.scalar(select(DocumentEvent.id).order_by(DocumentEvent.id.desc()).limit(1)) == received[-1]["id"]
