"""dashboard views (Postgres only)

SQL views that Grafana (`ops/grafana/`) and anyone with psql read: throughput per hour, queue depth per
stage and state, failure reasons, per-stage latencies and their percentiles, entity coverage per label
and the model versions in use. They are named `dashboard_*` and read only the pipeline's own tables, so
they never drift from what the workers write.

They are created on Postgres only: they use `percentile_cont`, `date_trunc`, `FILTER` and JSON
functions that the embedded SQLite default does not have, and the embedded default has no Grafana to
read them. On SQLite this revision does nothing, in both directions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 03:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Documents that reached the end, per hour: what the pipeline gets through.
THROUGHPUT_HOURLY = """
CREATE VIEW dashboard_throughput_hourly AS
SELECT date_trunc('hour', finished_at) AS hour,
       count(*) FILTER (WHERE status = 'done') AS done,
       count(*) FILTER (WHERE status = 'failed') AS failed,
       coalesce(sum(page_count) FILTER (WHERE status = 'done'), 0) AS pages,
       coalesce(sum(entity_count) FILTER (WHERE status = 'done'), 0) AS entities
FROM documents
WHERE finished_at IS NOT NULL AND status IN ('done', 'failed')
GROUP BY 1
"""

# Every stage x state pair, zero included, so that a panel's series never disappear. `unpublished`
# counts queued jobs the broker never accepted (a crash between commit and publish).
QUEUE_DEPTH = """
CREATE VIEW dashboard_queue_depth AS
SELECT stages.stage, states.state,
       count(j.id) AS jobs,
       count(j.id) FILTER (WHERE j.published_at IS NULL) AS unpublished,
       min(j.created_at) AS oldest_created_at,
       coalesce(extract(epoch FROM now() - min(j.created_at)), 0)::float8 AS oldest_age_s
FROM (VALUES ('extract', 1), ('ner', 2)) AS stages (stage, stage_order)
CROSS JOIN (VALUES ('queued', 1), ('running', 2), ('done', 3), ('failed', 4)) AS states (state, state_order)
LEFT JOIN jobs j ON j.stage = stages.stage AND j.state = states.state
GROUP BY stages.stage, stages.stage_order, states.state, states.state_order
ORDER BY stages.stage_order, states.state_order
"""

FAILURE_REASONS = """
CREATE VIEW dashboard_failure_reasons AS
SELECT coalesce(error_code, 'unknown') AS error_code,
       count(*) AS documents,
       count(*) FILTER (WHERE finished_at > now() - interval '24 hours') AS last_24h,
       max(finished_at) AS last_failed_at,
       (array_agg(error ORDER BY finished_at DESC NULLS LAST))[1] AS latest_error
FROM documents
WHERE status = 'failed'
GROUP BY 1
"""

# One row per done document and stage (long format, so that percentiles are one GROUP BY). Done
# documents only: a failed one has no ner times and its "total" is time to failure, not to result.
STAGE_DURATIONS = """
CREATE VIEW dashboard_stage_durations AS
SELECT d.id AS document_id, d.finished_at, s.stage, s.stage_order, s.seconds
FROM documents d
CROSS JOIN LATERAL (VALUES
    ('queue_wait', 1, extract(epoch FROM d.extract_started_at - d.created_at)),
    ('extract', 2, extract(epoch FROM d.extract_finished_at - d.extract_started_at)),
    ('waiting_for_ner', 3, extract(epoch FROM d.ner_started_at - d.extract_finished_at)),
    ('ner', 4, extract(epoch FROM d.ner_finished_at - d.ner_started_at)),
    ('total', 5, extract(epoch FROM d.finished_at - d.created_at))
) AS s (stage, stage_order, seconds)
WHERE d.status = 'done' AND s.seconds IS NOT NULL
"""

# Percentiles per hour of finishing and stage: a time series; for a whole time range, a panel groups
# dashboard_stage_durations itself (percentiles of hourly percentiles would be wrong).
LATENCY_PERCENTILES = """
CREATE VIEW dashboard_latency_percentiles AS
SELECT date_trunc('hour', finished_at) AS hour, stage, stage_order,
       count(*) AS documents,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds)::float8 AS p50_s,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY seconds)::float8 AS p95_s,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY seconds)::float8 AS p99_s,
       max(seconds)::float8 AS max_s
FROM dashboard_stage_durations
GROUP BY 1, stage, stage_order
"""

# Labels come from every model version's id2label (B-/I- stripped) as well as from the entities, so a
# label that is never found shows as 0 rather than not at all.
ENTITY_COVERAGE = """
CREATE VIEW dashboard_entity_coverage AS
WITH done AS (
    SELECT count(*) AS documents FROM documents WHERE status = 'done'
), labels AS (
    SELECT regexp_replace(tag, '^[BI]-', '') AS label
    FROM model_versions, json_array_elements_text(model_versions.labels) AS tag
    WHERE tag <> 'O'
    UNION
    SELECT label FROM entities
), found AS (
    SELECT e.label, count(DISTINCT e.document_id) AS documents
    FROM entities e JOIN documents d ON d.id = e.document_id
    WHERE d.status = 'done'
    GROUP BY e.label
)
SELECT labels.label,
       coalesce(found.documents, 0) AS documents_with_label,
       done.documents AS done_documents,
       coalesce(round(coalesce(found.documents, 0)::numeric / nullif(done.documents, 0), 4), 0)::float8 AS coverage
FROM labels CROSS JOIN done LEFT JOIN found ON found.label = labels.label
"""

MODEL_VERSIONS = """
CREATE VIEW dashboard_model_versions AS
SELECT m.id AS model_id, m.name, left(m.weights_sha256, 12) AS weights_sha256_prefix, m.created_at,
       count(d.id) AS documents,
       coalesce(sum(d.entity_count), 0) AS entities,
       max(d.finished_at) AS last_used_at
FROM model_versions m
LEFT JOIN documents d ON d.model_id = m.id
GROUP BY m.id
"""

# Created in this order; dropped in reverse (dashboard_latency_percentiles reads dashboard_stage_durations).
VIEWS = {
    "dashboard_throughput_hourly": THROUGHPUT_HOURLY,
    "dashboard_queue_depth": QUEUE_DEPTH,
    "dashboard_failure_reasons": FAILURE_REASONS,
    "dashboard_stage_durations": STAGE_DURATIONS,
    "dashboard_latency_percentiles": LATENCY_PERCENTILES,
    "dashboard_entity_coverage": ENTITY_COVERAGE,
    "dashboard_model_versions": MODEL_VERSIONS,
}


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgres():
        return
    for statement in VIEWS.values():
        op.execute(statement)


def downgrade() -> None:
    if not _postgres():
        return
    for name in reversed(VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {name}")
