"""Nothing lost, nothing written twice: leases fence duplicate deliveries, the sweeper finds what the
broker lost or what dead workers left behind, attempts are capped, failed documents can be replayed."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models.broker import broker_lost_queues
from models.intake import submit_document
from models.job_lifecycle import LeaseLost, fail_document, hold_jobs, release_for_retry, renew_holds
from models.job_lifecycle import claim as claim_stage
from models.queue_health import stuck_jobs
from models.reprocess import ReprocessRefused, reprocess_document, reprocess_failed
from models.schema import Document, Entity, Job, JobState, utcnow
from models.settings import Settings, get_settings
from models.stages import Stage
from models.worker_liveness import jobs_held, process_holder
from tests.conftest import TEST_BROKER_URL
from worker.inference import TokenClassifier
from worker.pipeline import EXTRACT, NER, extract_document, recognize_entities
from worker.sweeper import sweep_jobs

CONTRACT = "Nordlys ApS betaler 32.500,00 kr. for arbejde på Supervej 21, 2000 Frederiksberg. Start 22-03-2023."


def new_document(session: Session, marker: str = "") -> Document:
    return submit_document(session, f"{CONTRACT} {marker}".encode()).document


def claim(session: Session, document: Document, stage: Stage = EXTRACT, max_attempts: int = 3):
    return claim_stage(session, document.id, stage, lease_s=60, max_attempts=max_attempts)


def job_of(session: Session, document: Document, stage: Stage) -> Job:
    return session.scalars(select(Job).where(Job.document_id == document.id, Job.stage == stage.name)).one()


def expire_lease(session: Session, document: Document, stage: Stage) -> None:
    session.execute(
        update(Job)
        .where(Job.document_id == document.id, Job.stage == stage.name)
        .values(lease_expires_at=utcnow() - timedelta(seconds=1))
    )
    session.expire_all()


def settings(**overrides: object) -> Settings:
    return get_settings().model_copy(update=overrides)


def test_a_duplicate_delivery_finds_the_job_leased_and_does_nothing(db_session: Session) -> None:
    document = new_document(db_session)

    first = claim(db_session, document)
    second = claim(db_session, document)

    assert first is not None and first.attempt == 1
    assert second is None
    assert job_of(db_session, document, EXTRACT).attempts == 1


def test_a_finished_job_is_never_claimed_again(db_session: Session, keyword_classifier: TokenClassifier) -> None:
    document = new_document(db_session)
    lease = claim(db_session, document)
    assert lease is not None
    extract_document(db_session, document.id, keyword_classifier.windowing, lease=lease)

    assert claim(db_session, document) is None
    assert job_of(db_session, document, EXTRACT).state is JobState.done


def test_a_stale_attempt_cannot_write_after_its_lease_was_taken_over(
    db_session: Session, keyword_classifier: TokenClassifier
) -> None:
    document = new_document(db_session)
    stale = claim(db_session, document)
    expire_lease(db_session, document, EXTRACT)
    current = claim(db_session, document)  # the redelivered message after the lease ran out
    assert stale is not None and current is not None and current.attempt == 2

    with pytest.raises(LeaseLost), db_session.begin_nested():
        extract_document(db_session, document.id, keyword_classifier.windowing, lease=stale)

    assert extract_document(db_session, document.id, keyword_classifier.windowing, lease=current) is not None


def test_ner_results_of_a_stale_attempt_are_dropped_and_entities_are_never_doubled(
    db_session: Session, keyword_classifier: TokenClassifier
) -> None:
    document = new_document(db_session)
    lease = claim(db_session, document)
    assert lease is not None
    extract_document(db_session, document.id, keyword_classifier.windowing, lease=lease)
    stale = claim(db_session, document, NER)
    expire_lease(db_session, document, NER)
    current = claim(db_session, document, NER)
    assert stale is not None and current is not None

    dropped = recognize_entities(db_session, [document.id], keyword_classifier, leases=[stale])
    written = recognize_entities(db_session, [document.id], keyword_classifier, leases=[current])
    again = recognize_entities(db_session, [document.id], keyword_classifier, leases=[current])

    assert dropped == [] and written == [document.id] and again == []
    entities = db_session.scalar(select(func.count()).select_from(Entity).where(Entity.document_id == document.id))
    distinct = db_session.scalar(
        select(func.count()).select_from(
            select(Entity.label, Entity.start_char, Entity.end_char)
            .where(Entity.document_id == document.id)
            .distinct()
            .subquery()
        )
    )
    assert entities == distinct and entities >= 3


def test_the_sweeper_requeues_the_job_of_a_dead_worker_and_republishes_it(db_session: Session) -> None:
    document = new_document(db_session)
    assert claim(db_session, document) is not None
    expire_lease(db_session, document, EXTRACT)

    swept = sweep_jobs(db_session, settings(max_attempts=3), broker_lost=False)

    job = job_of(db_session, document, EXTRACT)
    assert swept.requeued_expired == 1
    assert (job.id, EXTRACT, document.id) in swept.pending
    assert job.state is JobState.queued and job.lease_token is None and job.last_error_code == "worker_lost"
    assert db_session.get_one(Document, document.id).status == "queued"


def test_a_file_that_keeps_killing_its_worker_fails_after_the_attempt_cap(db_session: Session) -> None:
    document = new_document(db_session)
    for _ in range(2):
        assert claim(db_session, document, max_attempts=2) is not None
        expire_lease(db_session, document, EXTRACT)
        sweep_jobs(db_session, settings(max_attempts=2), broker_lost=False)

    db_session.refresh(document)
    assert document.status == "failed"
    assert document.error_code == "worker_lost"
    assert "gave up after 2 attempts" in (document.error or "")
    assert claim(db_session, document, max_attempts=2) is None


def test_a_transient_error_gives_the_job_back_and_the_cap_keeps_its_reason(db_session: Session) -> None:
    document = new_document(db_session)
    lease = claim(db_session, document, max_attempts=2)
    assert lease is not None and release_for_retry(db_session, lease, "parse_error", "OperationalError: gone")
    assert claim(db_session, document, max_attempts=2) is not None
    expire_lease(db_session, document, EXTRACT)
    job = job_of(db_session, document, EXTRACT)
    job.last_error_code, job.last_error = "parse_error", "OperationalError: gone"
    job.state = JobState.queued

    assert claim(db_session, document, max_attempts=2) is None
    db_session.refresh(document)
    assert document.status == "failed" and document.error_code == "parse_error"


def test_failing_with_a_lost_lease_changes_nothing(db_session: Session) -> None:
    document = new_document(db_session)
    stale = claim(db_session, document)
    expire_lease(db_session, document, EXTRACT)
    assert claim(db_session, document) is not None

    assert not fail_document(db_session, document.id, EXTRACT, "parse_error", "late", lease=stale)
    assert db_session.get_one(Document, document.id).status == "extracting"


def test_the_sweeper_publishes_jobs_that_never_reached_the_broker(db_session: Session) -> None:
    fresh = new_document(db_session, "fresh")
    old = new_document(db_session, "old")
    published = new_document(db_session, "published")
    db_session.execute(update(Job).where(Job.document_id == old.id).values(updated_at=utcnow() - timedelta(minutes=5)))
    db_session.execute(
        update(Job)
        .where(Job.document_id == published.id)
        .values(updated_at=utcnow() - timedelta(minutes=5), published_at=utcnow() - timedelta(minutes=5))
    )

    swept = sweep_jobs(db_session, settings(unpublished_grace_s=10, requeue_after_s=1800), broker_lost=False)

    assert [document_id for _, _, document_id in swept.pending] == [old.id]
    assert fresh.id not in {d for _, _, d in swept.pending}


def test_after_the_broker_lost_its_queues_every_queued_job_is_published_again(db_session: Session) -> None:
    documents = [new_document(db_session, str(n)) for n in range(3)]
    db_session.execute(update(Job).values(published_at=utcnow()))

    swept = sweep_jobs(db_session, settings(), broker_lost=True)

    assert {document_id for _, _, document_id in swept.pending} >= {d.id for d in documents}


def test_jobs_a_publisher_died_before_sending_again_after_a_broker_loss_are_sent_by_the_next_sweep(
    db_session: Session,
) -> None:
    """The 1,000-document chaos run: Redis restarted, the sweep that republished 934 jobs ran in an extract
    worker that was killed half way, and the unsent jobs still carried their pre-restart `published_at`,
    so nothing sent them for `requeue_after_s` (30 minutes)."""
    documents = [new_document(db_session, f"lost {n}") for n in range(3)]
    db_session.execute(update(Job).values(published_at=utcnow() - timedelta(seconds=30)))

    sweep_jobs(db_session, settings(), broker_lost=True)  # its after-commit publishing never happens
    later = utcnow() + timedelta(seconds=get_settings().unpublished_grace_s + 1)
    next_sweep = sweep_jobs(db_session, settings(), broker_lost=False, now=later)

    assert {document_id for _, _, document_id in next_sweep.pending} >= {d.id for d in documents}


def test_a_restarted_redis_is_recognised_by_its_missing_epoch_key() -> None:
    broker = settings(broker_url=TEST_BROKER_URL, queue_prefix="epoch-test-")
    client = redis.Redis.from_url(TEST_BROKER_URL)
    client.delete("epoch-test-contract_ner:broker_epoch")

    assert broker_lost_queues(broker) is True  # first sight: nothing is known about the queues
    assert broker_lost_queues(broker) is False
    client.delete("epoch-test-contract_ner:broker_epoch")  # what a restart without persistence does
    assert broker_lost_queues(broker) is True


def test_a_failed_document_is_replayed_from_extraction(db_session: Session) -> None:
    document = new_document(db_session)
    lease = claim(db_session, document)
    fail_document(db_session, document.id, EXTRACT, "timeout", "took too long", lease=lease)

    job = reprocess_document(db_session, document)

    assert (job.stage, job.document_id) == ("extract", document.id)
    assert document.status == "queued" and document.error_code is None
    assert job.state is JobState.queued and job.attempts == 0 and job.published_at is None
    assert claim(db_session, document) is not None


def test_a_document_still_in_the_pipeline_is_not_replayed(db_session: Session) -> None:
    document = new_document(db_session)

    with pytest.raises(ReprocessRefused):
        reprocess_document(db_session, document)


def test_all_failed_documents_of_one_reason_are_replayed(db_session: Session) -> None:
    timed_out, broken = new_document(db_session, "a"), new_document(db_session, "b")
    for document, code in ((timed_out, "timeout"), (broken, "parse_error")):
        fail_document(db_session, document.id, EXTRACT, code, "x", lease=claim(db_session, document))

    replayed = reprocess_failed(db_session, "timeout")

    assert [job.document_id for job in replayed] == [timed_out.id]
    assert db_session.get_one(Document, broken.id).status == "failed"


def test_jobs_without_progress_past_the_threshold_are_reported_stuck(db_session: Session) -> None:
    new_document(db_session, "recent")
    old = new_document(db_session, "old")
    db_session.execute(update(Job).where(Job.document_id == old.id).values(updated_at=utcnow() - timedelta(hours=2)))

    stuck = stuck_jobs(db_session, threshold_s=3600)

    assert stuck.count == 1
    assert stuck.oldest_age_s is not None and stuck.oldest_age_s >= 7200


def test_the_api_replays_a_failed_document_of_its_own_tenant_only(client, db_session: Session) -> None:
    from models.tenancy import issue_api_key

    uploaded = client.post("/v1/documents", files={"file": ("k.txt", f"{CONTRACT} api".encode())}).json()
    document = db_session.get_one(Document, uuid.UUID(uploaded["id"]))
    in_progress = client.post(f"/v1/documents/{document.id}/reprocess")
    other = issue_api_key(db_session, "other").token
    foreign = client.post(f"/v1/documents/{document.id}/reprocess", headers={"Authorization": f"Bearer {other}"})
    # (a refused request rolls the shared test session back: the key and the failure come after it)
    fail_document(db_session, document.id, EXTRACT, "timeout", "took too long")

    replayed = client.post(f"/v1/documents/{document.id}/reprocess")

    assert in_progress.status_code == 409
    assert foreign.status_code == 404
    assert replayed.status_code == 202 and replayed.json()["status"] == "queued"
    db_session.refresh(document)
    assert document.status == "queued" and document.error_code is None
    assert job_of(db_session, document, EXTRACT).published_at is not None


@pytest.fixture
def postgres_unreachable(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The workers' database URL points at a loopback port nobody listens on: Postgres restarting."""
    from models.db import get_engine, get_sessionmaker

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("CONTRACT_NER_DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:{port}/test")
    for cached in (get_settings, get_engine, get_sessionmaker):
        cached.cache_clear()
    yield
    monkeypatch.undo()
    for cached in (get_settings, get_engine, get_sessionmaker):
        cached.cache_clear()


def _messages_in(stage: Stage) -> list[str]:
    """The document ids of the messages waiting in a stage's queue on the test broker (then emptied)."""
    queue = get_settings().queue(stage.name)
    client = redis.Redis.from_url(TEST_BROKER_URL)
    messages = [json.loads(message)["headers"]["argsrepr"] for message in client.lrange(queue, 0, -1)]
    client.delete(queue)
    return sorted(messages)


@pytest.mark.usefixtures("postgres_unreachable")
def test_an_extract_message_arriving_while_postgres_is_down_is_sent_again_not_acknowledged_as_failed() -> None:
    from worker.tasks import extract_document_task

    _messages_in(EXTRACT)
    document = str(uuid.uuid4())

    result = extract_document_task.apply(args=[document])

    assert result.successful()
    assert _messages_in(EXTRACT) == [f"['{document}']"]


@pytest.mark.usefixtures("postgres_unreachable")
def test_ner_messages_arriving_while_postgres_is_down_are_sent_again() -> None:
    from celery_batches import SimpleRequest

    from worker.tasks import recognize_entities_task

    _messages_in(NER)
    documents = [str(uuid.uuid4()) for _ in range(3)]
    requests = [
        SimpleRequest(str(uuid.uuid4()), recognize_entities_task.name, (doc,), {}, {}, "test", True, None, None, {})
        for doc in documents
    ]

    recognize_entities_task.run(requests)

    assert _messages_in(NER) == sorted(f"['{doc}']" for doc in documents)


def expire_hold(session: Session, document: Document, stage: Stage) -> None:
    session.execute(
        update(Job)
        .where(Job.document_id == document.id, Job.stage == stage.name)
        .values(held_until=utcnow() - timedelta(seconds=1))
    )
    session.expire_all()


def test_a_job_whose_message_a_dead_worker_held_unclaimed_is_requeued_once_the_hold_expired(
    db_session: Session,
) -> None:
    held = new_document(db_session, "held")
    new_document(db_session, "waiting")  # its message waits in the broker's queue: not to be sent again
    db_session.execute(update(Job).values(published_at=utcnow()))  # both messages reached the broker
    assert hold_jobs(db_session, EXTRACT, [held.id], "host:4242", hold_s=60) == 1

    while_alive = sweep_jobs(db_session, settings(), broker_lost=False)
    expire_hold(db_session, held, EXTRACT)  # the worker died: nobody renews the hold
    after_death = sweep_jobs(db_session, settings(), broker_lost=False)

    assert while_alive.pending == [] and while_alive.requeued_unheld == 0
    assert after_death.requeued_unheld == 1
    assert [document_id for _, _, document_id in after_death.pending] == [held.id]  # not the one in the queue
    job = job_of(db_session, held, EXTRACT)
    assert job.state is JobState.queued and job.held_by is None and job.held_until is None


def test_a_worker_renews_only_the_holds_it_still_has_and_a_claim_names_the_claiming_process(
    db_session: Session,
) -> None:
    kept, claimed, taken_over = (new_document(db_session, marker) for marker in ("kept", "claimed", "taken"))
    missed = new_document(db_session, "missed")  # in hand, but its hold was never written at receipt
    ids = [kept.id, claimed.id, taken_over.id]
    hold_jobs(db_session, EXTRACT, ids, "host:1", hold_s=60)
    lease = claim(db_session, claimed)
    hold_jobs(db_session, EXTRACT, [taken_over.id], "host:2", hold_s=60)  # a duplicate delivered elsewhere

    still_held = renew_holds(db_session, EXTRACT, [*ids, missed.id], "host:1", hold_s=60)

    assert still_held == {kept.id, missed.id}
    assert lease is not None and job_of(db_session, claimed, EXTRACT).held_by == process_holder()
    assert jobs_held(db_session) == {"extract": 3}


def test_a_finished_or_requeued_job_is_in_nobodys_hands(db_session: Session, keyword_classifier) -> None:
    finished, expired = new_document(db_session, "finished"), new_document(db_session, "expired")
    lease = claim(db_session, finished)
    extract_document(db_session, finished.id, keyword_classifier.windowing, lease=lease)
    claim(db_session, expired)
    expire_lease(db_session, expired, EXTRACT)
    sweep_jobs(db_session, settings(), broker_lost=False)

    for document in (finished, expired):
        job = job_of(db_session, document, EXTRACT)
        assert (job.held_by, job.held_until, job.lease_token) == (None, None, None)


def test_a_forked_pool_child_never_talks_on_its_parents_database_connection(migrated_engine) -> None:
    """The prefork worker's main process uses the database (its heartbeat) and forks replacement
    children at any moment: a child that reused a pooled connection of its parent shared one socket
    with it ("can't change 'autocommit' now: connection in transaction status INTRANS")."""
    import os

    from sqlalchemy import text as sql

    from models.db import session_scope

    with session_scope() as session:
        parent_backend = session.execute(sql("SELECT pg_backend_pid()")).scalar_one()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - reported through the pipe
        with session_scope() as session:
            os.write(write, str(session.execute(sql("SELECT pg_backend_pid()")).scalar_one()).encode())
        os._exit(0)
    os.waitpid(child, 0)
    child_backend = int(os.read(read, 64))

    with session_scope() as session:
        assert session.execute(sql("SELECT pg_backend_pid()")).scalar_one() == parent_backend
    assert child_backend != parent_backend
