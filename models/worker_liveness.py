"""Which workers are alive, per queue, as their heartbeats in the database say.

Each Celery worker records a heartbeat per queue it consumes (`worker.liveness`, every third of
`lease_s`); a worker whose last heartbeat is older than `lease_s` is presumed dead, the same rule that
lets the sweeper requeue the jobs it held. `/readyz` and the API's `/metrics` read `queue_liveness`, so
"no ner worker has been alive for an hour" shows at once instead of as jobs stuck for
`stuck_job_after_s`.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models.broker import MAINTENANCE_QUEUE, WEBHOOKS_QUEUE
from models.schema import Job, JobState, WorkerHeartbeat, utcnow
from models.stages import PIPELINE

# The queues some worker must consume: each stage's, then the services'.
CONSUMED_QUEUES = (*(stage.name for stage in PIPELINE), WEBHOOKS_QUEUE, MAINTENANCE_QUEUE)


def process_holder() -> str:
    """This process as `jobs.held_by` names it: `host:pid`."""
    return f"{socket.gethostname()}:{os.getpid()}"


def record_heartbeat(session: Session, worker: str, queues: Iterable[str], holder: str) -> None:
    """`worker` (Celery's node name, its process `holder`) is alive and consumes `queues`."""
    now = utcnow()
    for queue in queues:
        updated = session.execute(
            update(WorkerHeartbeat)
            .where(WorkerHeartbeat.worker == worker, WorkerHeartbeat.queue == queue)
            .values(holder=holder, last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
        if not updated.rowcount:  # type: ignore[attr-defined]
            # One process per node name beats for it, so nobody inserts the same row concurrently.
            session.add(WorkerHeartbeat(worker=worker, queue=queue, holder=holder, started_at=now, last_seen_at=now))
    session.flush()


@dataclass(frozen=True)
class QueueLiveness:
    queue: str
    alive: int
    """Workers whose last heartbeat is younger than the threshold."""
    last_seen_age_s: float | None
    """Seconds since any worker of the queue last beat; None: never one."""

    def describe(self) -> str:
        if self.alive:
            return f"{self.alive} alive"
        if self.last_seen_age_s is None:
            return "no worker ever seen"
        return f"none alive (last heartbeat {self.last_seen_age_s:.0f}s ago)"


def queue_liveness(session: Session, threshold_s: float, now: datetime | None = None) -> list[QueueLiveness]:
    """Every queue a worker should consume (the stages', `webhooks`, `maintenance`), with how many
    workers beat for it within `threshold_s`."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=threshold_s)
    rows = {
        queue: (int(alive or 0), latest)
        for queue, alive, latest in session.execute(
            select(
                WorkerHeartbeat.queue,
                func.count().filter(WorkerHeartbeat.last_seen_at >= cutoff),
                func.max(WorkerHeartbeat.last_seen_at),
            ).group_by(WorkerHeartbeat.queue)
        ).tuples()
    }
    result = []
    for queue in CONSUMED_QUEUES:
        alive, latest = rows.get(queue, (0, None))
        age = round((now - latest).total_seconds(), 1) if latest is not None else None
        result.append(QueueLiveness(queue, alive, age))
    return result


def jobs_held(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Per stage, queued jobs whose message a live worker holds unclaimed (prefetched or buffered)."""
    now = now or utcnow()
    return dict(
        session.execute(
            select(Job.stage, func.count())
            .where(Job.state == JobState.queued, Job.held_until >= now)
            .group_by(Job.stage)
        )
        .tuples()
        .all()
    )
