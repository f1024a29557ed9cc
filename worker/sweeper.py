"""The job sweeper, run by Celery beat every `sweep_interval_s`: Postgres is the truth, Redis only the
transport, so whatever the transport lost is found in the jobs table and sent again.

- a running job whose lease expired belonged to a worker that died or hung: it is requeued, or its
  document fails once the job's attempts ran out (`models.job_lifecycle.requeue_expired`);
- a queued job whose hold expired was received by a worker that died before claiming it (a prefetched
  or batch-buffered message): it is published again (`models.job_lifecycle.requeue_unheld`), so it
  runs again within a lease period or two instead of after the broker's visibility timeout;
- a queued job that never reached the broker (the API or a worker could not publish) is published;
- after the broker lost its data (Redis restarted without persistence) every queued job is published
  again; messages that were not lost become duplicates, which the leases make harmless;
- a queued job whose message is older than `requeue_after_s` is published again, the last resort for a
  message lost in any other way.

Everything is published once the sweep's transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models.broker import JobMessage, publish_after_commit
from models.job_lifecycle import expired_holds, expired_jobs, requeue_expired, requeue_unheld
from models.schema import Job, JobState, utcnow
from models.settings import Settings
from models.stages import stage_named

log = structlog.get_logger(__name__)


@dataclass
class SweepResult:
    requeued_expired: int = 0
    requeued_unheld: int = 0
    failed_exhausted: int = 0
    republished: int = 0
    # What is published once the sweep's transaction commits: requeued jobs and lost messages.
    pending: list[JobMessage] = field(default_factory=list)

    def as_log(self) -> dict[str, int]:
        return {
            "requeued_expired": self.requeued_expired,
            "requeued_unheld": self.requeued_unheld,
            "failed_exhausted": self.failed_exhausted,
            "republished": self.republished,
        }


def sweep_jobs(session: Session, settings: Settings, broker_lost: bool, now: datetime | None = None) -> SweepResult:
    """Requeue or fail jobs of dead workers and republish what the broker lost, after commit."""
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
    if not broker_lost:
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
    publish_after_commit(session, pending)
    result.pending += pending
    result.republished = len(result.pending)
    if result.republished or result.failed_exhausted:
        log.info("jobs.swept", broker_lost=broker_lost, **result.as_log())
    return result
