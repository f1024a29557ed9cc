"""The Celery configuration both sides share, and publishing of jobs by task name, so the API can
enqueue work without importing the worker. Jobs are published only after the transaction that
created them has committed; `jobs.published_at` records that the broker accepted the message."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import structlog
from celery import Celery
from sqlalchemy import update
from sqlalchemy.orm import Session

from models.schema import Job, JobStage, utcnow
from models.settings import Settings, get_settings

log = structlog.get_logger(__name__)

TASK_NAMES = {
    JobStage.extract: "contract_ner.extract_document",
    JobStage.ner: "contract_ner.recognize_entities",
}
DELIVER_WEBHOOK_TASK = "contract_ner.deliver_webhook"
WEBHOOKS_QUEUE = "webhooks"
SWEEP_JOBS_TASK = "contract_ner.sweep_jobs"
MAINTENANCE_QUEUE = "maintenance"
# A key the broker forgets when it restarts without persistence: its absence means queues were lost.
BROKER_EPOCH_KEY = "contract_ner:broker_epoch"

# Hard limit on one task's run time; the broker's visibility timeout must stay above it, or Redis
# would hand a still-running task to a second worker.
EXTRACT_TIME_LIMIT_S = 600
NER_TIME_LIMIT_S = 1800
VISIBILITY_TIMEOUT_S = 2 * NER_TIME_LIMIT_S


def transport_options(broker_url: str) -> dict[str, Any]:
    if broker_url.startswith("sqla+"):
        # The embedded SQLite transport passes these to create_engine; it polls its table anyway.
        return {}
    return {"visibility_timeout": VISIBILITY_TIMEOUT_S}


def celery_config(settings: Settings) -> dict[str, Any]:
    broker_url = settings.resolved_broker_url
    return {
        "broker_url": broker_url,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": transport_options(broker_url),
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        "result_backend": None,
        # A task is acknowledged only after it finished, and a task whose worker died is redelivered:
        # the job rows in the database, not the broker, decide whether work still needs doing.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "task_default_queue": settings.queue(JobStage.extract.value),
        "task_routes": {
            TASK_NAMES[JobStage.extract]: {"queue": settings.queue(JobStage.extract.value)},
            TASK_NAMES[JobStage.ner]: {"queue": settings.queue(JobStage.ner.value)},
            DELIVER_WEBHOOK_TASK: {"queue": settings.queue(WEBHOOKS_QUEUE)},
            SWEEP_JOBS_TASK: {"queue": settings.queue(MAINTENANCE_QUEUE)},
        },
        "beat_schedule": {
            "sweep-jobs": {
                "task": SWEEP_JOBS_TASK,
                "schedule": settings.sweep_interval_s,
                # A sweep nobody ran in time is superseded by the next one: never let them pile up.
                "options": {"expires": settings.sweep_interval_s},
            }
        },
        "worker_hijack_root_logger": False,
        "enable_utc": True,
    }


def broker_lost_queues(settings: Settings) -> bool:
    """True when the broker restarted without persistence since the last call (its queued and
    unacknowledged messages are gone), and on the very first call. The embedded SQLite transport
    keeps its messages in a file and never loses them."""
    url = settings.resolved_broker_url
    if not url.startswith(("redis://", "rediss://")):
        return False
    import redis

    with redis.Redis.from_url(url, socket_timeout=5) as client:
        return bool(client.set(f"{settings.queue_prefix}{BROKER_EPOCH_KEY}", utcnow().isoformat(), nx=True))


def make_celery_app(settings: Settings) -> Celery:
    app = Celery("contract_ner")
    app.conf.update(celery_config(settings))
    return app


@lru_cache(maxsize=1)
def get_celery() -> Celery:
    return make_celery_app(get_settings())


def publish_jobs(session: Session, jobs: Iterable[tuple[int, JobStage, uuid.UUID]]) -> int:
    """Send one message per (job id, stage, document id) and mark the jobs published.

    Call after the transaction that created the jobs has committed. A failure to reach the broker is
    logged and leaves `published_at` empty, so the job is still visible as pending in the database."""
    app = get_celery()
    published: list[int] = []
    for job_id, stage, document_id in jobs:
        try:
            app.send_task(TASK_NAMES[stage], args=[str(document_id)])
        except Exception as exc:  # the broker being down must not lose the (committed) job
            log.warning("job.publish_failed", job_id=job_id, stage=stage.value, error=str(exc))
            continue
        published.append(job_id)
        log.info("job.published", job_id=job_id, stage=stage.value, document_id=str(document_id))
    if published:
        session.execute(update(Job).where(Job.id.in_(published)).values(published_at=utcnow()))
    return len(published)


def redeliver(stage: JobStage, document_ids: Iterable[uuid.UUID]) -> None:
    """Send a stage's messages again without touching the database (it may be the thing that is
    down); duplicates are harmless, the job's lease decides who runs it."""
    app = get_celery()
    for document_id in document_ids:
        app.send_task(TASK_NAMES[stage], args=[str(document_id)])
        log.info("job.redelivered", stage=stage.value, document_id=str(document_id))
