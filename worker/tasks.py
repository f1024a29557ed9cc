"""Celery tasks: a few lines each that take a document id, run a pipeline stage in its own
transaction and publish the next stage only after that transaction committed."""

from __future__ import annotations

import time
import uuid
from functools import lru_cache
from typing import Any

import structlog
from celery import Task
from celery.exceptions import SoftTimeLimitExceeded
from celery_batches import Batches, SimpleRequest
from sqlalchemy.exc import InterfaceError, OperationalError

from models.broker import (
    EXTRACT_TIME_LIMIT_S,
    SWEEP_JOBS_TASK,
    TASK_NAMES,
    broker_lost_queues,
    publish_jobs,
    redeliver,
)
from models.db import session_scope
from models.schema import JobStage
from models.settings import get_settings
from worker.celery_app import app
from worker.chunking import Windowing
from worker.extraction import ExtractionError
from worker.inference import TokenClassifier
from worker.leases import Lease, LeaseLost, fail_document, kept_alive, release_for_retry
from worker.metrics import count_failed, count_processed, count_retry, observe_ner_batch, stage_timer
from worker.pipeline import begin_stage, extract_document, recognize_entities
from worker.sweeper import sweep_jobs

log = structlog.get_logger(__name__)
# Postgres restarting or unreachable. Before a job is claimed its message is the only thing that
# remembers it (the sweeper's stale-message check is a last resort, `requeue_after_s` later), so the
# message is sent again after a pause instead of being acknowledged as a failure.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
CLAIM_RETRY_S = 2.0


@lru_cache(maxsize=1)
def get_windowing() -> Windowing:
    settings = get_settings()
    return Windowing.load(settings.model, settings.max_length, settings.stride)


@lru_cache(maxsize=1)
def get_classifier() -> TokenClassifier:
    """The model, loaded once per worker process (the ner worker runs the solo pool: no fork)."""
    settings = get_settings()
    classifier = TokenClassifier.from_settings(settings)
    log.info("model.loaded", model=str(settings.model), device=settings.device, labels=len(classifier.labels))
    return classifier


def _retry_or_fail(task: Task, lease: Lease, code: str, exc: Exception) -> None:
    """Unexpected errors (database blips, a worker bug) give the job back and retry with backoff until
    the job's attempts run out; then the document fails with the reason."""
    message = f"{type(exc).__name__}: {exc}"
    settings = get_settings()
    if lease.attempt < settings.max_attempts:
        with session_scope() as session:
            released = release_for_retry(session, lease, code, message)
        if released:
            log.warning("task.retry", document_id=str(lease.document_id), stage=lease.stage.value, error=message)
            count_retry(lease.stage)
            raise task.retry(exc=exc, countdown=2**lease.attempt)
        return
    _fail(lease, code, message)


def _claim_later(stage: JobStage, document_ids: list[uuid.UUID], exc: Exception) -> None:
    """The database is down before the claim: wait (nothing else could be done meanwhile) and send
    the messages again instead of letting them be acknowledged as failures."""
    error = str(exc).splitlines()[0]
    for document_id in document_ids:
        log.warning("job.claim_deferred", document_id=str(document_id), stage=stage.value, error=error)
    time.sleep(CLAIM_RETRY_S)
    redeliver(stage, document_ids)


def _fail(lease: Lease, code: str, message: str) -> None:
    with session_scope() as session:
        if fail_document(session, lease.document_id, lease.stage, code, message, lease=lease):
            count_failed(lease.stage, code)


@app.task(
    name=TASK_NAMES[JobStage.extract],
    bind=True,
    max_retries=None,  # the job's attempt cap (settings.max_attempts) decides, across redeliveries too
    soft_time_limit=EXTRACT_TIME_LIMIT_S - 30,
    time_limit=EXTRACT_TIME_LIMIT_S,
)
def extract_document_task(self: Task, document_id: str) -> None:
    settings = get_settings()
    try:
        with session_scope() as session:
            lease = begin_stage(session, uuid.UUID(document_id), JobStage.extract)
    except DATABASE_UNAVAILABLE as exc:
        _claim_later(JobStage.extract, [uuid.UUID(document_id)], exc)
        return
    if lease is None:
        return
    try:
        with kept_alive([lease], settings.lease_s), stage_timer(JobStage.extract), session_scope() as session:
            ner_job = extract_document(session, lease.document_id, get_windowing(), lease=lease)
            pending = [(ner_job.id, JobStage.ner, lease.document_id)] if ner_job is not None else []
    except LeaseLost as exc:
        log.warning("job.lease_lost", document_id=document_id, stage="extract", error=str(exc))
        return
    except ExtractionError as exc:
        _fail(lease, exc.code, exc.message)
        return
    except SoftTimeLimitExceeded:
        _fail(lease, "timeout", "text extraction took too long")
        return
    except Exception as exc:
        _retry_or_fail(self, lease, "parse_error", exc)
        return
    with session_scope() as session:
        publish_jobs(session, pending)
    count_processed(JobStage.extract, len(pending))


class ReconnectingBatches(Batches):
    """celery-batches arms its flush timer once, on the first message; a broker reconnect restarts
    the consumer and its timer, so the old timer never fires again and a partial batch would wait
    until `flush_every` messages arrived (a short chaos run left 10 documents waiting that way).
    The consumer asks every task for a fresh strategy when it restarts: drop the dead timer there."""

    def Strategy(self, task: Task, app: Any, consumer: Any) -> Any:
        stale = getattr(self, "_tref", None)
        if stale is not None:
            stale.cancel()
        self._tref = None
        return super().Strategy(task, app, consumer)


@app.task(
    name=TASK_NAMES[JobStage.ner],
    base=ReconnectingBatches,
    # Cross-document batching: messages are buffered until `ner_flush_every` documents are waiting or
    # `ner_flush_interval_s` passed, then all their windows share length-sorted forward passes. The
    # ner worker's prefetch is raised to the same number so the buffer can fill (cli.processes).
    flush_every=get_settings().ner_flush_every,
    flush_interval=get_settings().ner_flush_interval_s,
    acks_late=True,
)
def recognize_entities_task(requests: list[SimpleRequest]) -> None:
    settings = get_settings()
    leases: list[Lease] = []
    deferred: list[uuid.UUID] = []
    unavailable: Exception | None = None
    for doc_id in dict.fromkeys(uuid.UUID(request.args[0]) for request in requests):
        try:
            with session_scope() as session:
                lease = begin_stage(session, doc_id, JobStage.ner)
        except DATABASE_UNAVAILABLE as exc:
            deferred.append(doc_id)
            unavailable = exc
            continue
        if lease is not None:
            leases.append(lease)
    if unavailable is not None:
        _claim_later(JobStage.ner, deferred, unavailable)
    if not leases:
        return
    classifier = get_classifier()  # outside the timer: loading the model once is not stage time
    observe_ner_batch(len(leases))
    with kept_alive(leases, settings.lease_s):
        try:
            with stage_timer(JobStage.ner), session_scope() as session:
                ids = [lease.document_id for lease in leases]
                done = recognize_entities(session, ids, classifier, settings.ner_batch_size, leases=leases)
            count_processed(JobStage.ner, len(done))
        except Exception as exc:
            log.warning("ner.batch_failed", documents=len(leases), error=repr(exc))
            # One bad document must not fail the others: run them one by one, failing only the culprit.
            for lease in leases:
                recognize_one(lease, classifier)


def recognize_one(lease: Lease, classifier: TokenClassifier) -> None:
    settings = get_settings()
    try:
        with stage_timer(JobStage.ner), session_scope() as session:
            ids = [lease.document_id]
            done = recognize_entities(session, ids, classifier, settings.ner_batch_size, leases=[lease])
        count_processed(JobStage.ner, len(done))
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}"
        if lease.attempt < settings.max_attempts:
            with session_scope() as session:
                released = release_for_retry(session, lease, "model_error", message)
            if released:
                count_retry(JobStage.ner)
                with session_scope() as session:
                    publish_jobs(session, [(lease.job_id, JobStage.ner, lease.document_id)])
            return
        _fail(lease, "model_error", message)


@app.task(name=SWEEP_JOBS_TASK, ignore_result=True)
def sweep_jobs_task() -> None:
    settings = get_settings()
    broker_lost = broker_lost_queues(settings)
    with session_scope() as session:
        swept = sweep_jobs(session, settings, broker_lost)
    log.info("jobs.sweep_ran", broker_lost=broker_lost, **swept.as_log())
    if swept.pending:
        with session_scope() as session:
            publish_jobs(session, swept.pending)
