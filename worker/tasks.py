"""Celery tasks: a few lines each that take a document id, run a pipeline stage in its own
transaction and publish the next stage only after that transaction committed."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Collection
from functools import lru_cache
from typing import Any

import structlog
from celery import Task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import task_received
from celery.worker.control import control_command
from celery.worker.request import Request
from celery_batches import Batches, SimpleRequest
from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from models.broker import (
    COMPACT_COUNTS_TASK,
    PRUNE_LIVE_EVENTS_TASK,
    PURGE_CONTENTS_TASK,
    SWEEP_JOBS_TASK,
    broker_lost_queues,
    idle_stages,
    publish_jobs,
    redeliver,
    restore_messages,
    unacknowledged_messages,
)
from models.dashboard_counts import compact_counts
from models.db import session_scope
from models.job_lifecycle import Lease, LeaseLost, fail_document, release_for_retry
from models.lanes import LANES, Lane
from models.live_events import prune_events
from models.model_promotions import worker_model
from models.reasons import ReasonCode
from models.retention import purge_all
from models.schema import Document, Tenant, utcnow
from models.settings import Settings, get_settings
from models.stages import Stage
from worker.celery_app import app
from worker.chunking import Windowing
from worker.extraction import ExtractionError
from worker.inference import TokenClassifier
from worker.leases import kept_alive
from worker.metrics import (
    count_failed,
    count_fenced,
    count_processed,
    count_retry,
    observe_ner_batch,
    stage_timer,
)
from worker.pipeline import (
    EXTRACT,
    NER,
    OCR,
    begin_stage,
    extract_document,
    recognize_entities,
    recognize_text,
    register_model,
)
from worker.sweeper import sweep_jobs

log = structlog.get_logger(__name__)
# Postgres restarting or unreachable. Before a job is claimed its message is the only thing that
# remembers it (the sweeper's stale-message check is a last resort, `requeue_after_s` later), so the
# message is sent again after a pause instead of being acknowledged as a failure.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
CLAIM_RETRY_S = 2.0


@lru_cache(maxsize=1)
def model_settings() -> Settings:
    """The settings with `model` the promoted one (`models.model_promotions`; `CONTRACT_NER_MODEL` when
    nothing is promoted), resolved once per process: the extract stage's tokenizer and the ner stage's
    model must be the same checkpoint."""
    settings = get_settings()
    return settings.model_copy(update={"model": worker_model(settings)})


@lru_cache(maxsize=1)
def get_windowing() -> Windowing:
    settings = model_settings()
    return Windowing.load(settings.model, settings.max_length, settings.stride)


@lru_cache(maxsize=1)
def get_classifier() -> TokenClassifier:
    """The model, loaded once per worker process (the ner worker runs the solo pool: no fork)."""
    settings = model_settings()
    classifier = TokenClassifier.from_settings(settings)
    log.info("model.loaded", model=str(settings.model), device=settings.device, labels=len(classifier.labels))
    with session_scope() as session:
        register_model(session, classifier)
    return classifier


def forget_model() -> None:
    """Drop the loaded model: the next extraction or batch resolves the promoted model again and loads it."""
    model_settings.cache_clear()
    get_windowing.cache_clear()
    get_classifier.cache_clear()


@control_command()
def reload_model(state: Any) -> dict[str, str]:
    """Celery broadcast `reload_model` (`contract-ner models promote --reload`): control messages run
    between tasks in the worker's own thread, so no batch is using the model while it is dropped."""
    forget_model()
    return {"ok": "model will be reloaded"}


def _give_back(lease: Lease, code: ReasonCode, exc: Exception) -> bool:
    """Release the job for another attempt after an unexpected error (a database blip, a worker bug);
    once its attempts ran out, fail the document with `code`. True when it was released."""
    message = f"{type(exc).__name__}: {exc}"
    if lease.attempt >= get_settings().max_attempts:
        _fail(lease, code, message)
        return False
    with session_scope() as session:
        released = release_for_retry(session, lease, code, message)
    if released:
        log.warning("task.retry", document_id=str(lease.document_id), stage=lease.stage.name, error=message)
        count_retry(lease.stage.name)
    return released


def _claim_later(stage: Stage, document_ids: list[uuid.UUID], exc: Exception) -> None:
    """The database is down before the claim: wait (nothing else could be done meanwhile) and send
    the messages again instead of letting them be acknowledged as failures."""
    error = str(exc).splitlines()[0]
    for document_id in document_ids:
        log.warning("job.claim_deferred", document_id=str(document_id), stage=stage.name, error=error)
    time.sleep(CLAIM_RETRY_S)
    redeliver(stage, document_ids)


def _fail(lease: Lease, code: ReasonCode, message: str) -> None:
    with session_scope() as session:
        if fail_document(session, lease.document_id, lease.stage, code, message, lease=lease):
            count_failed(lease.stage.name, code)


def run_stage(task: Task, stage: Stage, document_id: str, work: Callable[[Session, Lease], object]) -> None:
    """Run one document's `stage`: claim its job, keep the lease alive while `work` runs in a transaction
    of its own (which completes the stage and queues the next), and turn every way it can end into the
    job's state: bad input fails the document with its reason, a lost lease writes nothing, an
    unexpected error is retried with backoff until the attempts run out."""
    try:
        with session_scope() as session:
            lease = begin_stage(session, uuid.UUID(document_id), stage)
    except DATABASE_UNAVAILABLE as exc:
        _claim_later(stage, [uuid.UUID(document_id)], exc)
        return
    if lease is None:
        return
    try:
        with kept_alive([lease], get_settings().lease_s), stage_timer(stage.name), session_scope() as session:
            work(session, lease)
    except LeaseLost as exc:
        log.warning("job.lease_lost", document_id=document_id, stage=stage.name, error=str(exc))
        count_fenced(stage.name)
        return
    except ExtractionError as exc:
        _fail(lease, exc.code, exc.message)
        return
    except SoftTimeLimitExceeded:
        _fail(lease, ReasonCode.timeout, f"{stage.title} took longer than {stage.time_limit_s - 30} s")
        return
    except Exception as exc:
        if _give_back(lease, stage.failure_code, exc):
            raise task.retry(exc=exc, countdown=2**lease.attempt) from exc
        return
    count_processed(stage.name)


@app.task(
    name=EXTRACT.task_name,
    bind=True,
    max_retries=None,  # the job's attempt cap (settings.max_attempts) decides, across redeliveries too
    soft_time_limit=EXTRACT.time_limit_s - 30,
    time_limit=EXTRACT.time_limit_s,
)
def extract_document_task(self: Task, document_id: str) -> None:
    run_stage(
        self,
        EXTRACT,
        document_id,
        lambda session, lease: extract_document(session, lease.document_id, get_windowing(), lease=lease),
    )


@app.task(
    name=OCR.task_name,
    bind=True,
    max_retries=None,
    soft_time_limit=OCR.time_limit_s - 30,
    time_limit=OCR.time_limit_s,
)
def recognize_text_task(self: Task, document_id: str) -> None:
    run_stage(
        self,
        OCR,
        document_id,
        lambda session, lease: recognize_text(session, lease.document_id, get_windowing(), lease=lease),
    )


class ReconnectingBatches(Batches):
    """celery-batches arms its flush timer once, on the first message; a broker reconnect restarts
    the consumer and its timer, so the old timer never fires again and a partial batch would wait
    until `flush_every` messages arrived (a short chaos run left 10 documents waiting that way).
    The consumer asks every task for a fresh strategy when it restarts: drop the dead timer there.

    celery-batches also sends no task events, so Flower, which counts a worker's tasks from them,
    showed the ner worker as having processed nothing: each buffered request now reports itself
    received, started and succeeded like any task (the ner stage runs the solo pool, so the batch has
    run when `flush` returns)."""

    def Strategy(self, task: Task, app: Any, consumer: Any) -> Any:
        stale = getattr(self, "_tref", None)
        if stale is not None:
            stale.cancel()
        self._tref = None
        return super().Strategy(task, app, consumer)

    def flush(self, requests: Collection[Request]) -> Any:
        for request in requests:
            request.send_event("task-started")
        started = time.monotonic()
        result = super().flush(requests)
        runtime = time.monotonic() - started
        for request in requests:
            request.send_event("task-succeeded", result=None, runtime=runtime)
        return result


@task_received.connect
def _batch_request_received(request: Request | None = None, **_: object) -> None:
    # What Celery's default strategy sends for every other task (see ReconnectingBatches).
    if request is not None and isinstance(request.task, Batches):
        request.send_event(
            "task-received",
            name=request.name,
            args=request.argsrepr,
            kwargs=request.kwargsrepr,
            root_id=request.root_id,
            parent_id=request.parent_id,
            retries=request.request_dict.get("retries", 0),
        )


@app.task(
    name=NER.task_name,
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
                lease = begin_stage(session, doc_id, NER)
        except DATABASE_UNAVAILABLE as exc:
            deferred.append(doc_id)
            unavailable = exc
            continue
        if lease is not None:
            leases.append(lease)
    if unavailable is not None:
        _claim_later(NER, deferred, unavailable)
    if not leases:
        return
    classifier = get_classifier()  # outside the timer: loading the model once is not stage time
    observe_ner_batch(len(leases))
    with kept_alive(leases, settings.lease_s):
        # The interactive lane's documents run (and commit) first: a single upload waits for its own
        # forward passes, not for the bulk documents that share its flush.
        for group in by_lane(leases):
            recognize_group(group, classifier)


def by_lane(leases: list[Lease]) -> list[list[Lease]]:
    """The leases split by their documents' lane, interactive first; no empty group."""
    with session_scope() as session:
        lanes = dict(
            session.execute(
                select(Document.id, Document.lane).where(Document.id.in_([lease.document_id for lease in leases]))
            )
            .tuples()
            .all()
        )
    groups = [[lease for lease in leases if lanes.get(lease.document_id, Lane.interactive) == lane] for lane in LANES]
    return [group for group in groups if group]


def recognize_group(leases: list[Lease], classifier: TokenClassifier) -> None:
    settings = get_settings()
    try:
        with stage_timer(NER.name), session_scope() as session:
            ids = [lease.document_id for lease in leases]
            done = recognize_entities(session, ids, classifier, settings.ner_batch_size, leases=leases)
        count_processed(NER.name, len(done))
        count_fenced(NER.name, len(leases) - len(done))
    except Exception as exc:
        log.warning("ner.batch_failed", documents=len(leases), error=repr(exc))
        # One bad document must not fail the others: run them one by one, failing only the culprit.
        for lease in leases:
            recognize_one(lease, classifier)


def recognize_one(lease: Lease, classifier: TokenClassifier) -> None:
    settings = get_settings()
    try:
        with stage_timer(NER.name), session_scope() as session:
            ids = [lease.document_id]
            done = recognize_entities(session, ids, classifier, settings.ner_batch_size, leases=[lease])
        count_processed(NER.name, len(done))
    except Exception as exc:
        if _give_back(lease, NER.failure_code, exc):
            with session_scope() as session:  # the batch task cannot retry one request: publish afresh
                publish_jobs(session, [(lease.job_id, NER, lease.document_id)])


@app.task(name=SWEEP_JOBS_TASK, ignore_result=True)
def sweep_jobs_task() -> None:
    settings = get_settings()
    broker_lost = broker_lost_queues(settings)
    with session_scope() as session:
        tenants = list(session.scalars(select(Tenant.id)))
    idle = idle_stages(settings, tenants)  # before the unacknowledged messages: see models.broker.idle_stages
    received = unacknowledged_messages(settings, received_before=utcnow())
    with session_scope() as session:
        swept = sweep_jobs(session, settings, broker_lost, received=received, idle=idle)
    restore_messages(swept.restore)
    log.info("jobs.sweep_ran", broker_lost=broker_lost, **swept.as_log())


@app.task(name=PRUNE_LIVE_EVENTS_TASK, ignore_result=True)
def prune_live_events_task() -> None:
    with session_scope() as session:
        pruned = prune_events(session, get_settings().live_events_keep_s)
    log.info("live_events.pruned", events=pruned)


@app.task(name=COMPACT_COUNTS_TASK, ignore_result=True)
def compact_dashboard_counts_task() -> None:
    with session_scope() as session:
        folded = compact_counts(session)
    log.info("dashboard_counts.compacted", counts=folded)


@app.task(name=PURGE_CONTENTS_TASK, ignore_result=True)
def purge_document_contents_task() -> None:
    settings = get_settings()
    if settings.retention_days is None:
        return
    purged = purge_all(session_scope, settings.retention_days, settings.retention_batch_size)
    log.info("retention.purged", documents=purged.documents, files=purged.files, texts=purged.texts,
             tokens=purged.tokens, cutoff=purged.cutoff.isoformat())  # fmt: skip
