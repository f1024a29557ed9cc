"""`GET /metrics`: Prometheus metrics of the API process and of the pipeline as the database sees it.

The pipeline gauges (documents by status, job rows by stage and state, queue depth and the age of the
oldest waiting job per stage) are read from Postgres at scrape time by a custom collector, not kept in
memory: any number of API processes report the same numbers, and they are right after a restart. What
is open (documents in a stage, queued and running jobs) is counted from the rows, through indexes that
hold only a few rows however large the tables grow; the totals of done and failed ones come from the
counts the database keeps (`models.dashboard_counts`), so a scrape costs milliseconds at any size.
Worker-side metrics (stage durations, batches, tokens/s) are served by the workers themselves, see
`worker.metrics`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.deps import SessionDep
from models.dashboard_counts import counts_maintained, counts_of
from models.schema import Document, Job, JobState, utcnow
from models.settings import get_settings
from models.stages import DOCUMENT_STATUSES, FINAL_STATUSES, PIPELINE
from models.worker_liveness import jobs_held, queue_liveness

router = APIRouter()

OPEN_STATUSES = tuple(status for status in DOCUMENT_STATUSES if status not in FINAL_STATUSES)
OPEN_JOB_STATES = (JobState.queued, JobState.running)


def pipeline_state_metrics(session: Session, now: datetime | None = None) -> list[Metric]:
    """The pipeline's state from the database, every label combination present (zeros included)."""
    now = now or utcnow()
    maintained = counts_maintained(session)
    documents = GaugeMetricFamily("contract_ner_documents", "Documents by status", labels=["status"])
    status_query = select(Document.status, func.count()).group_by(Document.status)
    if maintained:
        status_query = status_query.where(Document.status.in_(OPEN_STATUSES))
    by_status = dict(session.execute(status_query).tuples().all())
    if maintained:
        by_status |= {status: n for (status, _detail), n in counts_of(session, "documents").items()
                      if status in FINAL_STATUSES}  # fmt: skip
    for status in DOCUMENT_STATUSES:
        documents.add_metric([status], by_status.get(status, 0))

    jobs = GaugeMetricFamily("contract_ner_jobs", "Job rows by stage and state", labels=["stage", "state"])
    job_query = select(Job.stage, Job.state, func.count()).group_by(Job.stage, Job.state)
    if maintained:
        job_query = job_query.where(Job.state.in_(OPEN_JOB_STATES))
    by_stage_state = {(stage, JobState(state)): count for stage, state, count in session.execute(job_query).tuples()}
    if maintained:
        by_stage_state |= {(stage, JobState(state)): n for (stage, state), n in counts_of(session, "jobs").items()
                           if JobState(state) not in OPEN_JOB_STATES}  # fmt: skip
    for stage in PIPELINE:
        for state in JobState:
            jobs.add_metric([stage.name, state.value], by_stage_state.get((stage.name, state), 0))

    depth = GaugeMetricFamily(
        "contract_ner_queue_depth", "Jobs waiting for a worker (state queued) per stage", labels=["stage"]
    )
    oldest = GaugeMetricFamily(
        "contract_ner_queue_oldest_age_seconds", "Age of the oldest queued job per stage (0: none)", labels=["stage"]
    )
    oldest_queued = dict(
        session.execute(
            select(Job.stage, func.min(Job.queued_at)).where(Job.state == JobState.queued).group_by(Job.stage)
        )
        .tuples()
        .all()
    )
    for stage in PIPELINE:
        depth.add_metric([stage.name], by_stage_state.get((stage.name, JobState.queued), 0))
        queued_at = oldest_queued.get(stage.name)
        oldest.add_metric([stage.name], round((now - queued_at).total_seconds(), 3) if queued_at is not None else 0.0)
    return [documents, jobs, depth, oldest]


class PipelineStateCollector(Collector):
    """Collects `pipeline_state_metrics` with the session of the request that is being scraped."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def collect(self) -> Iterator[Metric]:
        yield from pipeline_state_metrics(self.session)
        yield from worker_liveness_metrics(self.session)


def worker_liveness_metrics(session: Session) -> list[Metric]:
    """Workers alive per queue (heartbeat younger than a lease) and, per stage, the jobs whose message a
    live worker holds unclaimed (prefetched or buffered for a batch): `models.worker_liveness`."""
    alive = GaugeMetricFamily(
        "contract_ner_workers_alive", "Workers whose heartbeat is younger than a lease, per queue", labels=["queue"]
    )
    for liveness in queue_liveness(session, get_settings().lease_s):
        alive.add_metric([liveness.queue], liveness.alive)
    held = GaugeMetricFamily(
        "contract_ner_jobs_held",
        "Queued jobs whose message a worker has received but not claimed yet, per stage",
        labels=["stage"],
    )
    by_stage = jobs_held(session)
    for stage in PIPELINE:
        held.add_metric([stage.name], by_stage.get(stage.name, 0))
    return [alive, held]


@router.get("/metrics", include_in_schema=False)
def metrics(session: SessionDep) -> Response:
    # A registry per scrape, so the collector uses this request's session (the caller owns it).
    pipeline = CollectorRegistry(auto_describe=False)
    pipeline.register(PipelineStateCollector(session))
    body = generate_latest(REGISTRY) + generate_latest(pipeline)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
