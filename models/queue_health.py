"""Is the pipeline moving? Jobs queued or running without a state change for longer than a threshold
are "stuck": workers down, a queue nobody consumes, or a broker that lost messages the sweeper has not
republished yet. `/readyz` reports them; dashboards show the same from `dashboard_queue_depth`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.schema import Job, JobState, utcnow


@dataclass(frozen=True)
class StuckJobs:
    count: int
    oldest_age_s: float | None
    threshold_s: float


def stuck_jobs(session: Session, threshold_s: float, now: datetime | None = None) -> StuckJobs:
    now = now or utcnow()
    count, oldest = session.execute(
        select(func.count(), func.min(Job.updated_at)).where(
            Job.state.in_([JobState.queued, JobState.running]),
            Job.updated_at < now - timedelta(seconds=threshold_s),
        )
    ).one()
    age = round((now - oldest).total_seconds(), 1) if oldest is not None else None
    return StuckJobs(int(count), age, threshold_s)
