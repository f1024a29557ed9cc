"""`GET /metrics`: Prometheus metrics of the API process and of the pipeline as the database sees it.

The pipeline gauges (documents by status, job rows by stage and state, queue depth and the age of the
oldest waiting job per stage) are read from Postgres at scrape time by a custom collector, not kept in
memory: any number of API processes report the same numbers, and they are right after a restart.
Worker-side metrics (stage durations, batches, tokens/s) are served by the workers themselves, see
`worker.metrics`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.deps import SessionDep
from models.schema import Document, DocumentStatus, Job, JobStage, JobState, utcnow

router = APIRouter()


def pipeline_state_metrics(session: Session, now: datetime | None = None) -> list[Metric]:
    """The pipeline's state from the database, every label combination present (zeros included)."""
    now = now or utcnow()
    documents = GaugeMetricFamily("contract_ner_documents", "Documents by status", labels=["status"])
    by_status = dict(session.execute(select(Document.status, func.count()).group_by(Document.status)).tuples().all())
    for status in DocumentStatus:
        documents.add_metric([status.value], by_status.get(status, 0))

    jobs = GaugeMetricFamily("contract_ner_jobs", "Job rows by stage and state", labels=["stage", "state"])
    by_stage_state = {
        (stage, state): count
        for stage, state, count in session.execute(
            select(Job.stage, Job.state, func.count()).group_by(Job.stage, Job.state)
        ).tuples()
    }
    for stage in JobStage:
        for state in JobState:
            jobs.add_metric([stage.value, state.value], by_stage_state.get((stage, state), 0))

    depth = GaugeMetricFamily(
        "contract_ner_queue_depth", "Jobs waiting for a worker (state queued) per stage", labels=["stage"]
    )
    oldest = GaugeMetricFamily(
        "contract_ner_queue_oldest_age_seconds", "Age of the oldest queued job per stage (0: none)", labels=["stage"]
    )
    oldest_queued = dict(
        session.execute(
            select(Job.stage, func.min(Job.created_at)).where(Job.state == JobState.queued).group_by(Job.stage)
        )
        .tuples()
        .all()
    )
    for stage in JobStage:
        depth.add_metric([stage.value], by_stage_state.get((stage, JobState.queued), 0))
        created = oldest_queued.get(stage)
        oldest.add_metric([stage.value], _age_seconds(created, now) if created is not None else 0.0)
    return [documents, jobs, depth, oldest]


def _age_seconds(created: datetime, now: datetime) -> float:
    # The embedded SQLite default hands timestamps back without their (UTC) zone.
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return max(0.0, (now - created).total_seconds())


class PipelineStateCollector(Collector):
    """Collects `pipeline_state_metrics` with the session of the request that is being scraped."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def collect(self) -> Iterator[Metric]:
        yield from pipeline_state_metrics(self.session)


@router.get("/metrics", include_in_schema=False)
def metrics(session: SessionDep) -> Response:
    # A registry per scrape, so the collector uses this request's session (the caller owns it).
    pipeline = CollectorRegistry(auto_describe=False)
    pipeline.register(PipelineStateCollector(session))
    body = generate_latest(REGISTRY) + generate_latest(pipeline)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
