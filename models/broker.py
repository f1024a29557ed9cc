"""The Celery configuration both sides share, and publishing of jobs by task name, so the API can
enqueue work without importing the worker. Jobs are published only after the transaction that
created them has committed; `jobs.published_at` records that the broker accepted the message."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import structlog
from celery import Celery
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.db import on_commit
from models.lanes import Lane, is_stage_queue, lane_queue, stage_queues
from models.schema import Document, Job, utcnow
from models.settings import Settings, get_settings
from models.stages import PIPELINE, Stage, first_stage

log = structlog.get_logger(__name__)

# (job id, stage, document id): one message to send.
JobMessage = tuple[int, Stage, uuid.UUID]
DELIVER_WEBHOOK_TASK = "contract_ner.deliver_webhook"
WEBHOOKS_QUEUE = "webhooks"
SWEEP_JOBS_TASK = "contract_ner.sweep_jobs"
COMPACT_COUNTS_TASK = "contract_ner.compact_dashboard_counts"
PURGE_CONTENTS_TASK = "contract_ner.purge_document_contents"
PRUNE_LIVE_EVENTS_TASK = "contract_ner.prune_live_events"
MAINTENANCE_QUEUE = "maintenance"
# A key the broker forgets when it restarts without persistence: its absence means queues were lost.
BROKER_EPOCH_KEY = "contract_ner:broker_epoch"

# The broker's visibility timeout must stay above every stage's hard time limit, or Redis would hand a
# still-running task to a second worker.
VISIBILITY_TIMEOUT_S = 2 * max(stage.time_limit_s for stage in PIPELINE)


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
        "task_default_queue": settings.queue(first_stage().name),
        "task_routes": {
            **{stage.task_name: {"queue": settings.queue(stage.name)} for stage in PIPELINE},
            DELIVER_WEBHOOK_TASK: {"queue": settings.queue(WEBHOOKS_QUEUE)},
            SWEEP_JOBS_TASK: {"queue": settings.queue(MAINTENANCE_QUEUE)},
            COMPACT_COUNTS_TASK: {"queue": settings.queue(MAINTENANCE_QUEUE)},
            PURGE_CONTENTS_TASK: {"queue": settings.queue(MAINTENANCE_QUEUE)},
            PRUNE_LIVE_EVENTS_TASK: {"queue": settings.queue(MAINTENANCE_QUEUE)},
        },
        "beat_schedule": {
            "sweep-jobs": {
                "task": SWEEP_JOBS_TASK,
                "schedule": settings.sweep_interval_s,
                # A sweep nobody ran in time is superseded by the next one: never let them pile up.
                "options": {"expires": settings.sweep_interval_s},
            },
            # Folds the deltas the dashboard counts' triggers write (models.dashboard_counts).
            "compact-dashboard-counts": {
                "task": COMPACT_COUNTS_TASK,
                "schedule": settings.count_compaction_interval_s,
                "options": {"expires": settings.count_compaction_interval_s},
            },
            # The live stream's rows older than live_events_keep_s (models.live_events).
            "prune-live-events": {
                "task": PRUNE_LIVE_EVENTS_TASK,
                "schedule": 600.0,
                "options": {"expires": 600.0},
            },
            # Retention, when CONTRACT_NER_RETENTION_DAYS is set (models.retention).
            **(
                {
                    "purge-document-contents": {
                        "task": PURGE_CONTENTS_TASK,
                        "schedule": settings.retention_interval_s,
                        "options": {"expires": settings.retention_interval_s},
                    }
                }
                if settings.retention_days is not None
                else {}
            ),
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


def publish_after_commit(session: Session, jobs: Sequence[JobMessage]) -> None:
    """Send the jobs' messages once the session's transaction has committed (none if it rolls back),
    then record that the broker accepted them. The one way jobs reach the broker: a worker never
    sees a job its transaction has not made visible yet."""
    if not jobs:
        return
    messages = list(jobs)
    bind = session.get_bind()

    def publish() -> None:
        # The committed session cannot run SQL inside its own after-commit hook: a fresh one on the
        # same bind records published_at (the caller's connection in tests, a pooled one otherwise).
        with Session(bind=bind) as marking:
            publish_jobs(marking, messages)
            marking.commit()

    on_commit(session, publish)


def publish_jobs(session: Session, jobs: Iterable[JobMessage]) -> int:
    """Send one message per (job id, stage, document id) now and mark the jobs published.

    Only for jobs already committed (`publish_after_commit` does the waiting). A failure to reach the
    broker is logged and leaves `published_at` empty, so the sweeper publishes the job later."""
    app = get_celery()
    settings = get_settings()
    messages = list(jobs)
    documents = {document_id for _, _, document_id in messages}
    lanes = {
        document_id: (lane, tenant_id)
        for document_id, lane, tenant_id in session.execute(
            select(Document.id, Document.lane, Document.tenant_id).where(Document.id.in_(documents))
        ).tuples()
    }
    published: list[int] = []
    for job_id, stage, document_id in messages:
        lane, tenant_id = lanes.get(document_id, (Lane.interactive, None))
        queue = lane_queue(settings, stage.name, lane, tenant_id)
        try:
            app.send_task(stage.task_name, args=[str(document_id)], queue=queue)
        except Exception as exc:  # the broker being down must not lose the (committed) job
            log.warning("job.publish_failed", job_id=job_id, stage=stage.name, error=str(exc))
            continue
        published.append(job_id)
        log.info("job.published", job_id=job_id, stage=stage.name, document_id=str(document_id), queue=queue)
    if published:
        session.execute(update(Job).where(Job.id.in_(published)).values(published_at=utcnow()))
    return len(published)


def redeliver(stage: Stage, document_ids: Iterable[uuid.UUID]) -> None:
    """Send a stage's messages again without touching the database (it may be the thing that is
    down, so the documents' lanes are unknown: the interactive queue); duplicates are harmless, the
    job's lease decides who runs it."""
    app = get_celery()
    for document_id in document_ids:
        app.send_task(stage.task_name, args=[str(document_id)])
        log.info("job.redelivered", stage=stage.name, document_id=str(document_id))


@dataclass(frozen=True)
class ReceivedMessage:
    """A stage message a consumer took from its queue and has not acknowledged: Kombu's Redis transport
    keeps it (in its `unacked` hash, indexed by receipt time) until the ack, and puts it back in its
    queue on its own only after the visibility timeout (`VISIBILITY_TIMEOUT_S`, hours)."""

    tag: str
    stage: Stage
    document_id: uuid.UUID
    received_at: datetime


def unacknowledged_messages(settings: Settings, received_before: datetime) -> list[ReceivedMessage]:
    """The stage messages consumers received before `received_before` and still have not acknowledged.

    Read through Kombu's own channel (its key names, its body decoding): the embedded SQLite transport
    has no such state and answers nothing."""
    if not settings.resolved_broker_url.startswith(("redis://", "rediss://")):
        return []
    stages = {stage.task_name: stage for stage in PIPELINE}
    found: list[ReceivedMessage] = []
    with get_celery().connection_for_write() as connection:
        channel: Any = connection.default_channel
        client = channel.client
        index = client.zrangebyscore(channel.unacked_index_key, "-inf", received_before.timestamp(), withscores=True)
        if not index:
            return []
        payloads = client.hmget(channel.unacked_key, [tag for tag, _ in index])
        for (tag, received_at), payload in zip(index, payloads, strict=True):
            if payload is None:  # acknowledged between the two reads
                continue
            raw, _exchange, routing_key = json.loads(payload)
            stage = stages.get((raw.get("headers") or {}).get("task", ""))
            # Other deployments on the same Redis (another queue prefix) share Kombu's unacked hash.
            if stage is None or not is_stage_queue(settings, stage.name, routing_key):
                continue
            args = channel.Message(raw, channel=channel).decode()[0]
            try:
                document_id = uuid.UUID(str(args[0]))
            except (IndexError, TypeError, ValueError):
                continue
            found.append(
                ReceivedMessage(
                    tag.decode() if isinstance(tag, bytes) else str(tag),
                    stage,
                    document_id,
                    datetime.fromtimestamp(received_at, UTC),
                )
            )
    return found


def restore_messages(messages: Sequence[ReceivedMessage]) -> int:
    """Put unacknowledged messages back at the head of their queues, the way Kombu does after the
    visibility timeout (its `restore_by_tag`: one Redis transaction moves the message, so it is never
    both in the queue and in the unacked hash). Answers how many were still unacknowledged."""
    if not messages:
        return 0
    restored = 0
    with get_celery().connection_for_write() as connection:
        channel: Any = connection.default_channel
        for message in messages:
            if not channel.client.hexists(channel.unacked_key, message.tag):
                continue  # acknowledged meanwhile
            channel.qos.restore_by_tag(message.tag)
            restored += 1
            log.info(
                "job.message_restored",
                stage=message.stage.name,
                document_id=str(message.document_id),
                received_s_ago=round((utcnow() - message.received_at).total_seconds(), 1),
            )
    return restored


def idle_stages(settings: Settings, tenant_ids: Iterable[uuid.UUID]) -> set[str]:
    """The stages with no message waiting in any of their queues (every lane, every tenant's bulk queue).
    Read first, before the unacknowledged messages: a message that left its queue is then either in a
    consumer's hands (unacknowledged, or held in the database) or lost. The embedded SQLite transport
    answers none (its messages are never lost that way)."""
    if not settings.resolved_broker_url.startswith(("redis://", "rediss://")):
        return set()
    tenants = list(tenant_ids)
    idle: set[str] = set()
    with get_celery().connection_for_write() as connection:
        client: Any = connection.default_channel.client
        for stage in PIPELINE:
            queues = {
                *stage_queues(settings, stage.name),
                *(lane_queue(settings, stage.name, Lane.bulk, t) for t in tenants),
            }
            with client.pipeline() as pipe:
                for queue in queues:
                    pipe.llen(queue)
                if sum(pipe.execute()) == 0:
                    idle.add(stage.name)
    return idle
