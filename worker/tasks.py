"""Celery tasks: a few lines each that take a document id, run a pipeline stage in its own
transaction and publish the next stage only after that transaction committed."""

from __future__ import annotations

import uuid
from functools import lru_cache

import structlog
from celery import Task
from celery.exceptions import SoftTimeLimitExceeded
from celery_batches import Batches, SimpleRequest

from models.broker import EXTRACT_TIME_LIMIT_S, TASK_NAMES, publish_jobs
from models.db import session_scope
from models.schema import JobStage
from models.settings import get_settings
from worker.celery_app import app
from worker.chunking import Windowing
from worker.extraction import ExtractionError
from worker.inference import TokenClassifier
from worker.metrics import count_failed, count_processed, count_retry, observe_ner_batch, stage_timer
from worker.pipeline import begin_stage, extract_document, fail_document, recognize_entities

log = structlog.get_logger(__name__)
MAX_RETRIES = 3


@lru_cache(maxsize=1)
def get_windowing() -> Windowing:
    settings = get_settings()
    return Windowing.load(settings.model, settings.max_length, settings.stride)


@lru_cache(maxsize=1)
def get_classifier() -> TokenClassifier:
    """The model, loaded once per worker process (the ner worker runs the solo pool: no fork)."""
    settings = get_settings()
    classifier = TokenClassifier.load(
        settings.model,
        settings.device,
        settings.max_length,
        settings.stride,
        precision=settings.precision,
        compile_model=settings.compile_model,
    )
    log.info("model.loaded", model=str(settings.model), device=settings.device, labels=len(classifier.labels))
    return classifier


def _retry_or_fail(task: Task, document_id: uuid.UUID, stage: JobStage, code: str, exc: Exception) -> None:
    """Unexpected errors (database blips, a worker bug) retry with backoff, then fail with the reason."""
    if task.request.retries < MAX_RETRIES:
        log.warning("task.retry", document_id=str(document_id), stage=stage.value, error=repr(exc))
        count_retry(stage)
        raise task.retry(exc=exc, countdown=2 ** (task.request.retries + 1))
    with session_scope() as session:
        fail_document(session, document_id, stage, code, f"{type(exc).__name__}: {exc}")
    count_failed(stage, code)


@app.task(
    name=TASK_NAMES[JobStage.extract],
    bind=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=EXTRACT_TIME_LIMIT_S - 30,
    time_limit=EXTRACT_TIME_LIMIT_S,
)
def extract_document_task(self: Task, document_id: str) -> None:
    doc_id = uuid.UUID(document_id)
    with session_scope() as session:
        if not begin_stage(session, doc_id, JobStage.extract):
            return
    try:
        with stage_timer(JobStage.extract), session_scope() as session:
            ner_job = extract_document(session, doc_id, get_windowing())
            pending = [(ner_job.id, JobStage.ner, doc_id)] if ner_job is not None else []
    except ExtractionError as exc:
        with session_scope() as session:
            fail_document(session, doc_id, JobStage.extract, exc.code, exc.message)
        count_failed(JobStage.extract, exc.code)
        return
    except SoftTimeLimitExceeded:
        with session_scope() as session:
            fail_document(session, doc_id, JobStage.extract, "timeout", "text extraction took too long")
        count_failed(JobStage.extract, "timeout")
        return
    except Exception as exc:
        _retry_or_fail(self, doc_id, JobStage.extract, "parse_error", exc)
        return
    with session_scope() as session:
        publish_jobs(session, pending)
    count_processed(JobStage.extract, len(pending))


@app.task(
    name=TASK_NAMES[JobStage.ner],
    base=Batches,
    # Cross-document batching: messages are buffered until `ner_flush_every` documents are waiting or
    # `ner_flush_interval_s` passed, then all their windows share length-sorted forward passes. The
    # ner worker's prefetch is raised to the same number so the buffer can fill (cli.processes).
    flush_every=get_settings().ner_flush_every,
    flush_interval=get_settings().ner_flush_interval_s,
    acks_late=True,
)
def recognize_entities_task(requests: list[SimpleRequest]) -> None:
    document_ids = list(dict.fromkeys(uuid.UUID(request.args[0]) for request in requests))
    started = []
    for doc_id in document_ids:
        with session_scope() as session:
            if begin_stage(session, doc_id, JobStage.ner):
                started.append(doc_id)
    if not started:
        return
    classifier = get_classifier()  # outside the timer: loading the model once is not stage time
    observe_ner_batch(len(started))
    try:
        with stage_timer(JobStage.ner), session_scope() as session:
            done = recognize_entities(session, started, classifier, get_settings().ner_batch_size)
        count_processed(JobStage.ner, len(done))
    except Exception as exc:
        log.warning("ner.batch_failed", documents=len(started), error=repr(exc))
        # One bad document must not fail the others: run them one by one, failing only the culprit.
        for doc_id in started:
            recognize_one(doc_id, classifier)


def recognize_one(doc_id: uuid.UUID, classifier: TokenClassifier) -> None:
    try:
        with stage_timer(JobStage.ner), session_scope() as session:
            done = recognize_entities(session, [doc_id], classifier, get_settings().ner_batch_size)
        count_processed(JobStage.ner, len(done))
    except Exception as exc:
        with session_scope() as session:
            fail_document(session, doc_id, JobStage.ner, "model_error", f"{type(exc).__name__}: {exc}")
        count_failed(JobStage.ner, "model_error")
