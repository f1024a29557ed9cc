"""The job sweeper, run by Celery beat every `sweep_interval_s`: Postgres is the truth, Redis only the
transport, so whatever the transport lost is found in the jobs table and sent again.

- a running job whose lease expired belonged to a worker that died or hung: it is requeued, or its
  document fails once the job's attempts ran out (`models.job_lifecycle.requeue_expired`);
- a queued job whose hold expired was received by a worker that died before claiming it (a prefetched
  or batch-buffered message): it is published again (`models.job_lifecycle.requeue_unheld`), so it
  runs again within a lease period or two instead of after the broker's visibility timeout;
- a queued job that never reached the broker (the API or a worker could not publish) is published;
- after the broker lost its data (Redis restarted without persistence) every queued job is marked
  unpublished and published again; messages that were not lost become duplicates, which the leases make
  harmless;
- a queued job nobody holds whose message a consumer received (Kombu keeps it in Redis until the ack)
  more than `STRANDED_AFTER_LEASES` leases ago: the worker died between receiving it and writing its
  hold (a live one holds whatever it has in hand within a third of a lease), so the message is put back
  at the head of its queue instead of waiting for the broker's visibility timeout;
- a queued job nobody holds, published more than `STRANDED_AFTER_LEASES` leases ago, of a stage whose
  queues are all empty and whose message no consumer has unacknowledged: its message is nowhere (a
  worker killed between taking it off the queue and recording it), so it is published again;
- a queued job whose message is older than `requeue_after_s` is published again, the last resort for a
  message lost while its stage's queues never ran empty.

Everything is published once the sweep's transaction commits; stranded messages are restored after it.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from models.broker import JobMessage, ReceivedMessage, publish_after_commit
from models.job_lifecycle import expired_holds, expired_jobs, requeue_expired, requeue_unheld
from models.schema import Job, JobState, utcnow
from models.settings import Settings
from models.stages import stage_named

log = structlog.get_logger(__name__)

# A received message without a hold for this many leases belongs to a dead consumer: the receiver
# writes the hold at once and renews it every third of a lease while the message is in its hands.
STRANDED_AFTER_LEASES = 2


def stranded_before(settings: Settings, now: datetime) -> datetime:
    """Messages received before this moment and still unheld are stranded."""
    return now - timedelta(seconds=STRANDED_AFTER_LEASES * settings.lease_s)


@dataclass
class SweepResult:
    requeued_expired: int = 0
    requeued_unheld: int = 0
    failed_exhausted: int = 0
    republished: int = 0
    # What is published once the sweep's transaction commits: requeued jobs and lost messages.
    pending: list[JobMessage] = field(default_factory=list)
    # Stranded received messages, to put back in their queues (`restore_messages`).
    restore: list[ReceivedMessage] = field(default_factory=list)

    def as_log(self) -> dict[str, int]:
        return {
            "requeued_expired": self.requeued_expired,
            "requeued_unheld": self.requeued_unheld,
            "failed_exhausted": self.failed_exhausted,
            "republished": self.republished,
            "restored_unacked": len(self.restore),
        }


def sweep_jobs(
    session: Session,
    settings: Settings,
    broker_lost: bool,
    now: datetime | None = None,
    received: Sequence[ReceivedMessage] = (),
    idle: Collection[str] = (),
) -> SweepResult:
    """Requeue or fail jobs of dead workers and republish what the broker lost, after commit; say which
    of the `received` (every unacknowledged stage message) are stranded. `idle`: the stages whose queues
    held no message when looked at, before `received` was read."""
    now = now or utcnow()
    result = SweepResult()
    requeued: set[int] = set()
    for job in expired_jobs(session, now):
        if requeue_expired(session, job, settings.max_attempts):
            result.requeued_expired += 1
            result.pending.append((job.id, stage_named(job.stage), job.document_id))
            requeued.add(job.id)
        else:
            result.failed_exhausted += 1
    for job in expired_holds(session, now):
        requeue_unheld(session, job)
        result.requeued_unheld += 1
        result.pending.append((job.id, stage_named(job.stage), job.document_id))
        requeued.add(job.id)

    lost_before = now - timedelta(seconds=settings.requeue_after_s)
    unpublished_before = now - timedelta(seconds=settings.unpublished_grace_s)
    queued = select(Job.id, Job.stage, Job.document_id).where(Job.state == JobState.queued)
    lost_messages = lost_in_idle_stages(session, settings, received, idle, now) if not broker_lost else []
    if broker_lost:
        # Their messages are gone: marked unpublished in this transaction, so a publisher that dies half
        # way through (a killed worker, thousands of messages) leaves the rest to the next sweep's
        # never-published rule instead of `requeue_after_s`.
        session.execute(update(Job).where(Job.state == JobState.queued).values(published_at=None))
    else:
        queued = queued.where(
            or_(
                Job.published_at.is_(None) & (Job.updated_at < unpublished_before),
                Job.published_at < lost_before,
            )
        )
    pending: list[JobMessage] = [
        (job_id, stage_named(stage), document_id)
        for job_id, stage, document_id in session.execute(queued.order_by(Job.created_at)).all()
        if job_id not in requeued  # requeue_expired publishes those already
    ]
    seen = requeued | {job_id for job_id, _, _ in pending}
    found_lost = [message for message in lost_messages if message[0] not in seen]
    for job_id, stage, document_id in found_lost:
        log.info("job.message_lost", job_id=job_id, stage=stage.name, document_id=str(document_id))
    pending += found_lost
    publish_after_commit(session, pending)
    result.pending += pending
    result.republished = len(result.pending)
    republished = requeued | {job_id for job_id, _, _ in pending}
    result.restore = [
        message for message, job_id in stranded_messages(session, settings, received, now) if job_id not in republished
    ]
    if result.republished or result.failed_exhausted or result.restore:
        log.info("jobs.swept", broker_lost=broker_lost, **result.as_log())
    return result


def stranded_messages(
    session: Session, settings: Settings, received: Sequence[ReceivedMessage], now: datetime
) -> list[tuple[ReceivedMessage, int]]:
    """(message, job id) of the received messages whose consumer died before holding them: received
    `STRANDED_AFTER_LEASES` leases ago or more, their job still queued and nobody's hold on it valid."""
    cutoff = stranded_before(settings, now)
    old: dict[tuple[str, uuid.UUID], list[ReceivedMessage]] = {}
    for message in received:
        if message.received_at < cutoff:
            old.setdefault((message.stage.name, message.document_id), []).append(message)
    if not old:
        return []
    unheld = session.execute(
        select(Job.id, Job.stage, Job.document_id).where(
            Job.document_id.in_({document_id for _, document_id in old}),
            Job.state == JobState.queued,
            or_(Job.held_until.is_(None), Job.held_until < now),
        )
    ).all()
    return [(message, job_id) for job_id, stage, document_id in unheld for message in old.get((stage, document_id), [])]


def lost_in_idle_stages(
    session: Session, settings: Settings, received: Sequence[ReceivedMessage], idle: Collection[str], now: datetime
) -> list[JobMessage]:
    """Queued jobs of idle stages whose message is nowhere: published `STRANDED_AFTER_LEASES` leases ago
    or more, held by nobody, and not among the unacknowledged messages."""
    if not idle:
        return []
    in_hand = {(message.stage.name, message.document_id) for message in received}
    rows = session.execute(
        select(Job.id, Job.stage, Job.document_id).where(
            Job.stage.in_(list(idle)),
            Job.state == JobState.queued,
            Job.held_until.is_(None),
            Job.published_at < stranded_before(settings, now),
        )
    ).all()
    return [(job_id, stage_named(stage), doc) for job_id, stage, doc in rows if (stage, doc) not in in_hand]
