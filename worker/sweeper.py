"""The job sweeper, run by Celery beat every `sweep_interval_s`: Postgres is the truth, Redis only the
transport, so whatever the transport lost is found in the jobs table and sent again.

- a running job whose lease expired belonged to a worker that died or hung: it is requeued, or its
  document fails once the job's attempts ran out;
- a queued job that never reached the broker (the API or a worker could not publish) is published;
- after the broker lost its data (Redis restarted without persistence) every queued job is published
  again; messages that were not lost become duplicates, which the leases make harmless;
- a queued job whose message is older than `requeue_after_s` is published again, the last resort for a
  message lost in any other way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models.schema import Document, Job, JobStage, JobState, utcnow
from models.settings import Settings
from worker.leases import STAGE_WAITING, WORKER_LOST, give_up

log = structlog.get_logger(__name__)


@dataclass
class SweepResult:
    requeued_expired: int = 0
    failed_exhausted: int = 0
    republished: int = 0
    pending: list[tuple[int, JobStage, uuid.UUID]] = field(default_factory=list)

    def as_log(self) -> dict[str, int]:
        return {
            "requeued_expired": self.requeued_expired,
            "failed_exhausted": self.failed_exhausted,
            "republished": self.republished,
        }


def sweep_jobs(session: Session, settings: Settings, broker_lost: bool, now: datetime | None = None) -> SweepResult:
    """Requeue or fail jobs of dead workers and collect the jobs to publish after commit."""
    now = now or utcnow()
    result = SweepResult()
    # SKIP LOCKED: two sweepers (two beat processes by mistake) or a worker committing right now never
    # wait on each other; a row skipped now is looked at on the next sweep.
    expired = session.scalars(
        select(Job)
        .where(Job.state == JobState.running, Job.lease_expires_at < now)
        .order_by(Job.id)
        .with_for_update(skip_locked=True)
    ).all()
    for job in expired:
        job.last_error_code = WORKER_LOST
        job.last_error = "the lease expired: the worker running the job died, hung or lost its connection"
        if job.attempts >= settings.max_attempts:
            give_up(session, job)
            result.failed_exhausted += 1
            continue
        document = session.get_one(Document, job.document_id)
        job.state = JobState.queued
        job.lease_token = None
        job.lease_expires_at = None
        job.published_at = None
        document.status = STAGE_WAITING[job.stage]
        result.requeued_expired += 1
    session.flush()

    lost_before = now - timedelta(seconds=settings.requeue_after_s)
    unpublished_before = now - timedelta(seconds=settings.unpublished_grace_s)
    queued = select(Job.id, Job.stage, Job.document_id).where(Job.state == JobState.queued)
    if not broker_lost:
        queued = queued.where(
            or_(
                Job.published_at.is_(None) & (Job.updated_at < unpublished_before),
                Job.published_at < lost_before,
            )
        )
    rows = session.execute(queued.order_by(Job.created_at)).all()
    result.pending = [(job_id, stage, document_id) for job_id, stage, document_id in rows]
    # Requeued jobs were just updated (so not yet past the grace period): publish them now as well.
    known = {job_id for job_id, _, _ in result.pending}
    result.pending += [
        (job.id, job.stage, job.document_id) for job in expired if job.state is JobState.queued and job.id not in known
    ]
    result.republished = len(result.pending)
    if result.republished or result.requeued_expired or result.failed_exhausted:
        log.info("jobs.swept", broker_lost=broker_lost, **result.as_log())
    return result
