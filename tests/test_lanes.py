"""Priority lanes: a single upload is interactive, a batch or a folder ingest is bulk (each settable per
upload, per batch and per API key); every stage has a queue per lane, and a worker serves an interactive
document before a bulk backlog that was queued earlier. A document too big for its NER budget fails as
`too_large` before it reaches the ner workers."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.batches import open_batch
from models.broker import get_celery, publish_jobs
from models.db import get_engine, get_sessionmaker, session_scope
from models.intake import submit_document
from models.job_lifecycle import claim
from models.lanes import Lane, lane_queue, stage_queues
from models.schema import Document, Job
from models.settings import get_settings
from models.tenancy import issue_api_key, tenant_named
from tests.conftest import TEST_BROKER_URL, TEST_KEY_RATE_LIMIT
from tests.live_processes import CLI, logs, running
from worker.extraction import ExtractionError
from worker.pipeline import EXTRACT, NER, extract_document

CONTRACT = "Nordlys ApS ansætter fra 1. marts 2025 på Supervej 21, 2000 Frederiksberg."


def upload(session: Session, marker: str, **kwargs) -> Document:
    return submit_document(session, f"{CONTRACT} {marker}".encode(), **kwargs).document


def waiting_in(queue: str) -> list[str]:
    """The document ids of the messages waiting in a broker queue (then emptied)."""
    client = redis.Redis.from_url(TEST_BROKER_URL)
    messages = [json.loads(m)["headers"]["argsrepr"] for m in client.lrange(queue, 0, -1)]
    client.delete(queue)
    return messages


def test_an_upload_takes_its_own_lane_else_its_batchs_else_its_api_keys_else_interactive(db_session: Session) -> None:
    backfill = open_batch(db_session, "backfill")
    urgent_batch = open_batch(db_session, "urgent", lane=Lane.interactive)

    assert upload(db_session, "single").lane == "interactive"
    assert upload(db_session, "in a batch", batch_id=backfill.id).lane == "bulk"
    assert upload(db_session, "asked", batch_id=backfill.id, lane=Lane.interactive).lane == "interactive"
    assert upload(db_session, "urgent batch", batch_id=urgent_batch.id, key_lane="bulk").lane == "interactive"
    assert upload(db_session, "bulk key", key_lane="bulk").lane == "bulk"


def test_a_documents_jobs_go_to_its_lanes_queue_of_each_stage(db_session: Session) -> None:
    settings = get_settings()
    for queue in (*stage_queues(settings, EXTRACT.name), *stage_queues(settings, NER.name)):
        waiting_in(queue)
    single, bulk = upload(db_session, "single"), upload(db_session, "bulk", lane=Lane.bulk)
    jobs = {job.document_id: job.id for job in db_session.scalars(select(Job).where(Job.stage == EXTRACT.name))}

    publish_jobs(db_session, [(jobs[single.id], EXTRACT, single.id), (jobs[bulk.id], EXTRACT, bulk.id)])
    publish_jobs(db_session, [(jobs[bulk.id], NER, bulk.id)])  # the next stage keeps the lane

    assert waiting_in(lane_queue(settings, EXTRACT.name, Lane.interactive)) == [f"['{single.id}']"]
    # The bulk lane has a queue per tenant, so that tenants take turns.
    assert waiting_in(lane_queue(settings, EXTRACT.name, Lane.bulk, bulk.tenant_id)) == [f"['{bulk.id}']"]
    assert waiting_in(lane_queue(settings, NER.name, Lane.bulk, bulk.tenant_id)) == [f"['{bulk.id}']"]
    assert lane_queue(settings, NER.name, Lane.bulk, bulk.tenant_id) == settings.queue(
        f"ner-bulk-{bulk.tenant_id.hex[:12]}"
    )
    assert lane_queue(settings, EXTRACT.name, Lane.interactive) == settings.queue("extract")  # as before lanes


def test_the_api_takes_the_lane_per_upload_per_batch_and_per_api_key(client: TestClient, db_session: Session) -> None:
    batch = client.post("/v1/batches", json={"name": "nightly sync"}).json()
    in_batch = client.post(
        "/v1/documents", files={"file": ("a.txt", f"{CONTRACT} a".encode())}, data={"batch_id": batch["id"]}
    ).json()
    asked = client.post(
        "/v1/documents", files={"file": ("b.txt", f"{CONTRACT} b".encode())}, data={"lane": "bulk"}
    ).json()
    single = client.post("/v1/documents", files={"file": ("c.txt", f"{CONTRACT} c".encode())}).json()
    refused = client.post("/v1/documents", files={"file": ("d.txt", f"{CONTRACT} d".encode())}, data={"lane": "fast"})
    bulk_key = issue_api_key(db_session, "tests", "backfill", TEST_KEY_RATE_LIMIT, lane=Lane.bulk).token
    db_session.commit()
    by_key = client.post(
        "/v1/documents",
        files={"file": ("e.txt", f"{CONTRACT} e".encode())},
        headers={"Authorization": f"Bearer {bulk_key}"},
    ).json()

    lanes = {d.id.hex: d.lane for d in db_session.scalars(select(Document))}
    assert batch["lane"] == "bulk"
    assert lanes[in_batch["id"].replace("-", "")] == "bulk"
    assert lanes[asked["id"].replace("-", "")] == "bulk"
    assert lanes[single["id"].replace("-", "")] == "interactive"
    assert lanes[by_key["id"].replace("-", "")] == "bulk"
    assert refused.status_code == 422 and "lane" in refused.text


def test_a_document_with_more_windows_than_its_budget_fails_as_too_large_before_ner(
    db_session: Session, keyword_classifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    long_text = " ".join(f"Klausul {n}: arbejdstiden er 37 timer om ugen." for n in range(400))
    document = submit_document(db_session, long_text.encode()).document
    lease = claim(db_session, document.id, EXTRACT, lease_s=60, max_attempts=3)
    monkeypatch.setenv("CONTRACT_NER_MAX_WINDOWS_PER_DOCUMENT", "2")
    get_settings.cache_clear()
    try:
        with pytest.raises(ExtractionError) as refused:
            extract_document(db_session, document.id, keyword_classifier.windowing, lease=lease)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()

    assert refused.value.code == "too_large"
    assert "more than the 2 one document may take (CONTRACT_NER_MAX_WINDOWS_PER_DOCUMENT)" in refused.value.message


@pytest.mark.e2e
def test_an_interactive_upload_overtakes_a_bulk_backlog_queued_before_it(
    clean_database, tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """20 bulk documents are queued, then one interactive document; then a one-process extract worker
    starts. Kombu takes from the worker's two queues in turn, so the interactive document is among the
    first two extractions instead of the 21st."""
    prefix = f"lanes-{os.getpid()}-"
    monkeypatch.setenv("CONTRACT_NER_QUEUE_PREFIX", prefix)
    for cached in (get_settings, get_engine, get_sessionmaker, get_celery):
        cached.cache_clear()
    try:
        with session_scope() as session:
            for n in range(20):
                upload(session, f"bulk {n}", lane=Lane.bulk)
        with session_scope() as session:
            interactive = upload(session, "interactive").id
        env = {**os.environ, "CONTRACT_NER_MODEL": str(tiny_model_dir), "CONTRACT_NER_QUEUE_PREFIX": prefix}
        commands = {"extract-worker": [*CLI, "worker", "--queues", "extract", "--concurrency", "1"]}
        with running(commands, env, tmp_path / "logs"), session_scope() as session:
            deadline = time.monotonic() + 300  # a worker boots slowly on a loaded machine; order is what counts
            while time.monotonic() < deadline:
                session.expire_all()
                if session.scalar(select(Document.status).where(Document.id == interactive)) not in (
                    EXTRACT.waiting_status,
                    EXTRACT.running_status,
                ):
                    break
                time.sleep(0.2)
            time.sleep(1)
            order = [
                document_id
                for (document_id,) in session.execute(
                    select(Job.document_id)
                    .where(Job.stage == EXTRACT.name, Job.started_at.is_not(None))
                    .order_by(Job.started_at)
                )
            ]
        assert interactive in order[:2], (
            order.index(interactive) if interactive in order else None,
            logs(tmp_path / "logs"),
        )
    finally:
        monkeypatch.undo()
        for cached in (get_settings, get_engine, get_sessionmaker, get_celery):
            cached.cache_clear()


@pytest.mark.e2e
def test_a_tenants_bulk_documents_take_turns_with_another_tenants_larger_backlog(
    clean_database, tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tenant A queues 24 bulk documents, then tenant B 8; a one-process extract worker starts, follows
    both tenants' bulk queues and takes from them in turn: B's documents are all extracted while A still
    has documents waiting (about the first 16, give or take the moment each queue was followed), not after
    A's 24."""
    prefix = f"fair-{os.getpid()}-"
    monkeypatch.setenv("CONTRACT_NER_QUEUE_PREFIX", prefix)
    for cached in (get_settings, get_engine, get_sessionmaker, get_celery):
        cached.cache_clear()
    try:
        with session_scope() as session:
            tenant_a, tenant_b = (tenant_named(session, name, create=True) for name in ("tenant a", "tenant b"))
            assert tenant_a is not None and tenant_b is not None
            a_id, b_id = tenant_a.id, tenant_b.id
        with session_scope() as session:
            [upload(session, f"a {n}", lane=Lane.bulk, tenant_id=a_id) for n in range(24)]
        with session_scope() as session:
            b_docs = [upload(session, f"b {n}", lane=Lane.bulk, tenant_id=b_id).id for n in range(8)]
        env = {
            **os.environ,
            "CONTRACT_NER_MODEL": str(tiny_model_dir),
            "CONTRACT_NER_QUEUE_PREFIX": prefix,
            "CONTRACT_NER_LEASE_S": "3",  # the heartbeat, which follows new tenants' queues, beats every second
        }
        commands = {"extract-worker": [*CLI, "worker", "--queues", "extract", "--concurrency", "1"]}
        with running(commands, env, tmp_path / "logs"), session_scope() as session:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                session.expire_all()
                waiting = session.scalar(
                    select(func.count()).select_from(Document).where(Document.status.in_(("queued", "extracting")))
                )
                if waiting == 0:
                    break
                time.sleep(0.5)
            order = [
                document_id
                for (document_id,) in session.execute(
                    select(Job.document_id).where(Job.stage == EXTRACT.name).order_by(Job.started_at)
                )
            ]
        positions = [order.index(doc) for doc in b_docs]
        assert len(order) == 32, logs(tmp_path / "logs")
        # One shared bulk queue puts B at positions 24 to 31; taking turns, all of B comes before A is done.
        assert max(positions) < 24, (positions, logs(tmp_path / "logs"))
    finally:
        monkeypatch.undo()
        for cached in (get_settings, get_engine, get_sessionmaker, get_celery):
            cached.cache_clear()
