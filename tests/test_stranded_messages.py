"""A worker killed after the broker handed it a message but before it wrote the job's hold: the message
sits in Kombu's unacknowledged set on Redis, the job is queued and held by nobody. The sweeper puts the
message back at the head of its queue within two leases instead of leaving the document waiting for
the broker's visibility timeout or `requeue_after_s` (half an hour)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.broker import (
    ReceivedMessage,
    broker_lost_queues,
    get_celery,
    idle_stages,
    redeliver,
    restore_messages,
    unacknowledged_messages,
)
from models.db import get_engine, get_sessionmaker, session_scope
from models.intake import submit_document
from models.job_lifecycle import claim, hold_jobs
from models.schema import Document, Job, utcnow
from models.settings import Settings, get_settings
from tests.conftest import TEST_BROKER_URL
from tests.live_processes import CLI, logs, running
from worker.pipeline import EXTRACT
from worker.sweeper import STRANDED_AFTER_LEASES, sweep_jobs

CONTRACT = "Nordlys ApS ansætter fra 1. marts 2025 på Supervej 21, 2000 Frederiksberg."


def receive_and_die(queue: str, recorded: bool = True) -> None:
    """A consumer process that takes one message off the queue as a worker does (unacknowledged: Kombu
    keeps it in Redis until the ack) and is killed before it does anything else. `recorded=False`: killed
    before Kombu wrote it to its unacknowledged set, so the message is nowhere."""
    take_one_and_die = (
        "import os, signal, sys\n"
        "from kombu import Connection\n"
        "no_ack = sys.argv[3] == 'lost'\n"
        "message = Connection(sys.argv[1]).default_channel.basic_get(sys.argv[2], no_ack=no_ack)\n"
        "assert message is not None, 'the queue was empty'\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    how = "recorded" if recorded else "lost"
    finished = subprocess.run([sys.executable, "-c", take_one_and_die, TEST_BROKER_URL, queue, how], timeout=60)
    assert finished.returncode == -signal.SIGKILL


def queued_documents(queue: str) -> list[str]:
    import json

    client = redis.Redis.from_url(TEST_BROKER_URL)
    return [json.loads(message)["headers"]["argsrepr"] for message in client.lrange(queue, 0, -1)]


def in_hand_of_nobody(document: Document) -> list[ReceivedMessage]:
    """The unacknowledged messages about this document."""
    later = utcnow() + timedelta(seconds=1)
    return [m for m in unacknowledged_messages(get_settings(), later) if m.document_id == document.id]


def settings(**overrides: object) -> Settings:
    return get_settings().model_copy(update=overrides)


def after_leases(leases: float) -> datetime:
    return utcnow() + timedelta(seconds=leases * get_settings().lease_s)


@pytest.fixture
def empty_extract_queue() -> Iterator[str]:
    queue = get_settings().queue(EXTRACT.name)
    client = redis.Redis.from_url(TEST_BROKER_URL)
    client.delete(queue)
    yield queue
    client.delete(queue)


def stranded_document(session: Session, queue: str, marker: str, recorded: bool = True) -> Document:
    """A committed-looking queued document whose message a consumer received and died holding."""
    document = submit_document(session, f"{CONTRACT} {marker}".encode()).document
    session.execute(update(Job).where(Job.document_id == document.id).values(published_at=utcnow()))
    redeliver(EXTRACT, [document.id])
    receive_and_die(queue, recorded)
    assert queued_documents(queue) == []
    return document


def test_a_message_whose_consumer_died_before_holding_it_goes_back_to_the_head_of_its_queue(
    db_session: Session, empty_extract_queue: str
) -> None:
    document = stranded_document(db_session, empty_extract_queue, "stranded")
    received = unacknowledged_messages(get_settings(), utcnow() + timedelta(seconds=1))
    ours = [m for m in received if m.document_id == document.id]
    assert [(m.stage, m.document_id) for m in ours] == [(EXTRACT, document.id)]

    too_early = sweep_jobs(db_session, settings(), broker_lost=False, now=after_leases(1), received=ours)
    stranded = sweep_jobs(
        db_session, settings(), broker_lost=False, now=after_leases(STRANDED_AFTER_LEASES + 0.1), received=ours
    )

    assert too_early.restore == []  # a live receiver may still be about to write its hold
    assert stranded.restore == ours and stranded.pending == []  # moved back, not published twice
    assert restore_messages(stranded.restore) == 1
    assert queued_documents(empty_extract_queue) == [f"['{document.id}']"]
    assert in_hand_of_nobody(document) == []


def test_a_received_message_whose_job_is_held_or_claimed_stays_with_its_consumer(
    db_session: Session, empty_extract_queue: str
) -> None:
    held = stranded_document(db_session, empty_extract_queue, "held")
    running = stranded_document(db_session, empty_extract_queue, "running")
    hold_jobs(db_session, EXTRACT, [held.id], "host:4242", hold_s=10 * get_settings().lease_s)
    claim(db_session, running.id, EXTRACT, lease_s=10 * get_settings().lease_s, max_attempts=3)
    received = [
        m
        for m in unacknowledged_messages(get_settings(), utcnow() + timedelta(seconds=1))
        if m.document_id in (held.id, running.id)
    ]

    swept = sweep_jobs(
        db_session, settings(), broker_lost=False, now=after_leases(STRANDED_AFTER_LEASES + 0.1), received=received
    )

    assert len(received) == 2 and swept.restore == []
    restore_messages(received)  # leave Redis as the other tests expect it


def test_messages_of_another_deployment_on_the_same_redis_are_not_ours(
    db_session: Session, empty_extract_queue: str
) -> None:
    document = stranded_document(db_session, empty_extract_queue, "elsewhere")
    elsewhere = settings(queue_prefix="another-deployment-")

    assert [m for m in unacknowledged_messages(elsewhere, utcnow()) if m.document_id == document.id] == []
    restore_messages(in_hand_of_nobody(document))


def test_a_message_lost_between_its_queue_and_its_consumer_is_sent_again_once_the_stage_is_idle(
    db_session: Session, empty_extract_queue: str
) -> None:
    """Killed between taking the message off the queue and Kombu writing it to its unacknowledged set: the
    message is nowhere. While the stage has a backlog nothing can tell it from one waiting in line (the
    last resort, `requeue_after_s`, applies); once every queue of the stage is empty, it is sent again."""
    lost = stranded_document(db_session, empty_extract_queue, "lost", recorded=False)
    received = unacknowledged_messages(get_settings(), utcnow() + timedelta(seconds=1))
    later = after_leases(STRANDED_AFTER_LEASES + 0.1)

    idle = idle_stages(get_settings(), [lost.tenant_id])
    with_backlog = sweep_jobs(db_session, settings(), broker_lost=False, now=later, received=received, idle=set())
    once_idle = sweep_jobs(db_session, settings(), broker_lost=False, now=later, received=received, idle=idle)

    assert "extract" in idle
    assert lost.id not in [m.document_id for m in received]
    assert lost.id not in {document_id for _, _, document_id in with_backlog.pending}
    assert lost.id in {document_id for _, _, document_id in once_idle.pending}


def test_a_stage_with_a_message_waiting_is_not_idle_and_a_received_message_is_not_lost(
    db_session: Session, empty_extract_queue: str
) -> None:
    in_hand = stranded_document(db_session, empty_extract_queue, "in hand")  # unacknowledged, not lost
    waiting = submit_document(db_session, f"{CONTRACT} waiting".encode()).document
    redeliver(EXTRACT, [waiting.id])
    received = unacknowledged_messages(get_settings(), utcnow() + timedelta(seconds=1))
    later = after_leases(STRANDED_AFTER_LEASES + 0.1)

    assert "extract" not in idle_stages(get_settings(), [waiting.tenant_id])
    swept = sweep_jobs(db_session, settings(), broker_lost=False, now=later, received=received, idle={"extract"})

    assert in_hand.id not in {document_id for _, _, document_id in swept.pending}  # restored instead
    restore_messages(in_hand_of_nobody(in_hand))


@pytest.mark.e2e
def test_a_document_whose_worker_died_holding_its_unheld_message_is_done_within_seconds(
    clean_database, tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real processes end to end: the document is committed and published, a consumer takes its message
    and is killed, then the workers and beat start with a 3 s lease and `requeue_after_s` at an hour:
    only the restore of the stranded message can get the document done in time."""
    prefix = f"stranded-{uuid.uuid4().hex[:8]}-"
    env = {
        **os.environ,
        "CONTRACT_NER_MODEL": str(tiny_model_dir),
        "CONTRACT_NER_QUEUE_PREFIX": prefix,
        "CONTRACT_NER_LEASE_S": "3",
        "CONTRACT_NER_SWEEP_INTERVAL_S": "1",
        "CONTRACT_NER_REQUEUE_AFTER_S": "3600",
        "CONTRACT_NER_DATA_DIR": str(tmp_path / "data"),
    }
    monkeypatch.setenv("CONTRACT_NER_QUEUE_PREFIX", prefix)
    for cached in (get_settings, get_engine, get_sessionmaker, get_celery):
        cached.cache_clear()
    try:
        broker_lost_queues(get_settings())  # the deployment has run before: its broker epoch is known
        with session_scope() as session:
            document_id = submit_document(session, f"{CONTRACT} e2e".encode()).document.id
        queue = get_settings().queue(EXTRACT.name)
        deadline = time.monotonic() + 10
        while not queued_documents(queue) and time.monotonic() < deadline:
            time.sleep(0.1)  # published after the commit
        receive_and_die(queue)

        commands = {
            "extract-worker": [*CLI, "worker", "--queues", "extract,maintenance", "--concurrency", "1"],
            "ner-worker": [*CLI, "worker", "--queues", "ner"],
            "beat": [*CLI, "beat"],
        }
        started = time.monotonic()
        with running(commands, env, tmp_path / "logs"), session_scope() as session:
            status = None
            while time.monotonic() - started < 120:
                session.expire_all()
                status = session.scalar(select(Document.status).where(Document.id == document_id))
                if status in ("done", "failed"):
                    break
                time.sleep(0.5)
            assert status == "done", logs(tmp_path / "logs")
            sweeps = (tmp_path / "logs" / "extract-worker.log").read_text()
            assert "restored_unacked=1" in sweeps, logs(tmp_path / "logs")
    finally:
        monkeypatch.undo()
        for cached in (get_settings, get_engine, get_sessionmaker, get_celery):
            cached.cache_clear()
