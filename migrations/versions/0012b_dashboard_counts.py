"""dashboard counts: the dashboards and /metrics read counts kept up to date in the writers' transactions

Before this revision every dashboard view and every `/metrics` scrape counted the documents, jobs and
entities tables whole (issue 17: coverage 18.8 s, latency percentiles 7.2 s, a scrape 450 ms at 500,000
documents). Now triggers write what each change adds to or takes from the counts, in the transaction
that makes the change, so the counts are exact whenever a transaction commits:

- `dashboard_count_deltas`: one row per (metric, hour, name, detail, bucket) a statement changed, with
  the change `n` (+1, -1, a page count...). Only inserted, never updated, so concurrent writers never wait
  for each other on a counter row (no lock, no deadlock).
- `dashboard_counts`: the deltas folded together by `models.dashboard_counts.compact_counts` (Celery beat,
  every `count_compaction_interval_s`); `pipeline_count_totals` is the two added up, correct at any
  moment whether or not the compaction ran (not a `dashboard_*` view: the reader role of revision 0009
  reads the dashboards, not the counts behind them).

What is counted (a document's or job's contribution is a function of its row, `dashboard_document_counts`
and `dashboard_job_counts`, so a change is "the old row's contribution out, the new row's in", and
`dashboard_counts_rebuild()` recomputes everything from the rows with the same functions):
- `documents` by status; `jobs` by stage and state;
- `finished` (done and failed), `finished_pages`, `finished_entities` per hour of finishing;
- `failures` per reason code; `model_documents` and `model_entities` per model;
- `label_documents`: done documents with at least one entity of a label (statement triggers on
  entities with transition tables, and the document's trigger when it becomes done or stops being done);
- `latency`: a histogram per hour and interval (waiting for a stage, running it, and the total) of done
  documents, in the hour they finished, in buckets 10 % wide (bucket b holds [1.1^b, 1.1^(b+1)) seconds),
  from which the percentile views read their values to within 5 %.

The views keep their names and columns; `dashboard_latency_buckets` is the histogram itself, which the
Grafana panel of the selected range adds up. `dashboard_stage_durations` (one row per document and
interval) keeps its rows, and now looks each document's jobs up by its id, so a time range reads only
its documents (the finished_at index of revision 0012) and their jobs. A
TRUNCATE of documents, jobs or entities rebuilds the counts (the tests empty tables so).

On SQLite (the embedded default has no dashboards) only the two tables are created; `/metrics` counts
the rows there.

Revision ID: 0012b
Revises: 0012
Create Date: 2026-12-01 22:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012b"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "contract_ner_dashboards"
# The `hour` of counts that are not per hour.
NO_HOUR = "'epoch'::timestamptz"
COLUMNS = "metric, hour, name, detail, bucket, n"

# Waiting for a job's stage and running it, in seconds (null while a time is missing).
JOB_INTERVALS = (
    "VALUES ('waiting_for_' || j.stage, extract(epoch FROM j.started_at - j.queued_at)::double precision), "
    "(j.stage::text, extract(epoch FROM j.finished_at - j.started_at)::double precision)"
)

FUNCTIONS = [
    # Bucket b holds [1.1^b, 1.1^(b+1)) seconds; under a millisecond (or negative: clocks) is one bucket.
    """
    CREATE FUNCTION dashboard_latency_bucket(seconds double precision) RETURNS integer
    LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN seconds < 0.001 THEN -73 ELSE floor(ln(seconds) / ln(1.1))::integer END
    $$
    """,
    # A bucket's value: its geometric middle, within 5 % of anything in it.
    """
    CREATE FUNCTION dashboard_latency_seconds(bucket integer) RETURNS double precision
    LANGUAGE sql IMMUTABLE AS $$ SELECT power(1.1, bucket + 0.5)::double precision $$
    """,
    f"""
    CREATE FUNCTION dashboard_document_counts(d documents, with_children boolean)
    RETURNS TABLE (metric text, hour timestamptz, name text, detail text, bucket integer, n bigint)
    LANGUAGE sql STABLE AS $$
        SELECT 'documents', {NO_HOUR}, d.status::text, '', 0, 1::bigint
        UNION ALL
        SELECT 'finished', date_trunc('hour', d.finished_at, 'UTC'), d.status::text, '', 0, 1
        WHERE d.status IN ('done', 'failed') AND d.finished_at IS NOT NULL
        UNION ALL
        SELECT 'finished_pages', date_trunc('hour', d.finished_at, 'UTC'), '', '', 0, coalesce(d.page_count, 0)
        WHERE d.status = 'done' AND d.finished_at IS NOT NULL
        UNION ALL
        SELECT 'finished_entities', date_trunc('hour', d.finished_at, 'UTC'), '', '', 0, coalesce(d.entity_count, 0)
        WHERE d.status = 'done' AND d.finished_at IS NOT NULL
        UNION ALL
        SELECT 'failures', {NO_HOUR}, coalesce(d.error_code, 'unknown')::text, '', 0, 1 WHERE d.status = 'failed'
        UNION ALL
        SELECT 'model_documents', {NO_HOUR}, d.model_id::text, '', 0, 1 WHERE d.model_id IS NOT NULL
        UNION ALL
        SELECT 'model_entities', {NO_HOUR}, d.model_id::text, '', 0, coalesce(d.entity_count, 0)
        WHERE d.model_id IS NOT NULL
        UNION ALL
        SELECT 'latency', date_trunc('hour', d.finished_at, 'UTC'), 'total', '',
               dashboard_latency_bucket(extract(epoch FROM d.finished_at - d.created_at)::double precision), 1
        WHERE d.status = 'done' AND d.finished_at IS NOT NULL
        UNION ALL
        SELECT 'label_documents', {NO_HOUR}, labels.label::text, '', 0, 1
        FROM (SELECT DISTINCT e.label FROM entities e WHERE e.document_id = d.id) AS labels
        WHERE with_children AND d.status = 'done'
        UNION ALL
        SELECT 'latency', date_trunc('hour', d.finished_at, 'UTC'), x.stage, '', dashboard_latency_bucket(x.seconds), 1
        FROM jobs j CROSS JOIN LATERAL ({JOB_INTERVALS}) AS x (stage, seconds)
        WHERE with_children AND d.status = 'done' AND d.finished_at IS NOT NULL
          AND j.document_id = d.id AND j.state = 'done' AND x.seconds IS NOT NULL
    $$
    """,
    # A job's intervals count once its document is done, in the hour the document finished (as the
    # per-document view has them); the document's trigger adds or takes them when it becomes or stops
    # being done, the job's when it changes while its document is done.
    f"""
    CREATE FUNCTION dashboard_job_counts(j jobs)
    RETURNS TABLE (metric text, hour timestamptz, name text, detail text, bucket integer, n bigint)
    LANGUAGE sql STABLE AS $$
        SELECT 'jobs', {NO_HOUR}, j.stage::text, j.state::text, 0, 1::bigint
        UNION ALL
        SELECT 'latency', date_trunc('hour', d.finished_at, 'UTC'), x.stage, '', dashboard_latency_bucket(x.seconds), 1
        FROM documents d CROSS JOIN LATERAL ({JOB_INTERVALS}) AS x (stage, seconds)
        WHERE d.id = j.document_id AND d.status = 'done' AND d.finished_at IS NOT NULL
          AND j.state = 'done' AND x.seconds IS NOT NULL
    $$
    """,
    # Row triggers of documents and jobs: the old row's contribution out, the new row's in, netted.
    # A document's deletion is counted BEFORE it happens: its entities (whose labels it takes out of the
    # coverage) are deleted by the foreign key's cascade right after.
    f"""
    CREATE FUNCTION dashboard_count_document() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        children boolean;
    BEGIN
        IF TG_OP = 'UPDATE' AND (OLD.status, OLD.finished_at, OLD.created_at, OLD.page_count, OLD.entity_count,
                                 OLD.model_id, OLD.error_code)
            IS NOT DISTINCT FROM (NEW.status, NEW.finished_at, NEW.created_at, NEW.page_count, NEW.entity_count,
                                  NEW.model_id, NEW.error_code) THEN
            RETURN NULL;
        END IF;
        IF TG_OP = 'UPDATE' THEN
            -- Its entities' labels and its jobs' intervals count while it is done, in its finishing hour.
            children := (OLD.status = 'done') IS DISTINCT FROM (NEW.status = 'done')
                OR (NEW.status = 'done' AND OLD.finished_at IS DISTINCT FROM NEW.finished_at);
            INSERT INTO dashboard_count_deltas ({COLUMNS})
            SELECT c.metric, c.hour, c.name, c.detail, c.bucket, sum(c.n) FROM (
                SELECT o.metric, o.hour, o.name, o.detail, o.bucket, -o.n AS n
                FROM dashboard_document_counts(OLD, children) o
                UNION ALL
                SELECT * FROM dashboard_document_counts(NEW, children)
            ) c
            GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
            RETURN NULL;
        ELSIF TG_OP = 'INSERT' THEN
            INSERT INTO dashboard_count_deltas ({COLUMNS}) SELECT * FROM dashboard_document_counts(NEW, true);
            RETURN NULL;
        END IF;
        INSERT INTO dashboard_count_deltas ({COLUMNS})
        SELECT o.metric, o.hour, o.name, o.detail, o.bucket, -o.n FROM dashboard_document_counts(OLD, true) o;
        RETURN OLD;
    END
    $$
    """,
    f"""
    CREATE FUNCTION dashboard_count_job() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND (OLD.stage, OLD.state, OLD.queued_at, OLD.started_at, OLD.finished_at)
            IS NOT DISTINCT FROM (NEW.stage, NEW.state, NEW.queued_at, NEW.started_at, NEW.finished_at) THEN
            RETURN NULL;  -- a lease renewed, a message published: nothing counted changed
        END IF;
        INSERT INTO dashboard_count_deltas ({COLUMNS})
        SELECT c.metric, c.hour, c.name, c.detail, c.bucket, sum(c.n) FROM (
            SELECT o.metric, o.hour, o.name, o.detail, o.bucket, -o.n AS n
            FROM dashboard_job_counts(OLD) o WHERE TG_OP <> 'INSERT'
            UNION ALL
            SELECT * FROM dashboard_job_counts(NEW) WHERE TG_OP <> 'DELETE'
        ) c
        GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
        RETURN NULL;
    END
    $$
    """,
]

# Statement triggers of entities, one per operation (a transition table exists only for its operation).
# For each (document, label) the statement touched, of a done document: the label counts once the
# document has an entity of it. Before the statement it had (now - added + removed) such entities.
LABEL_CHANGES = f"""
    CREATE FUNCTION dashboard_count_entities_{{operation}}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO dashboard_count_deltas ({COLUMNS})
        SELECT 'label_documents', {NO_HOUR}, changed.label, '', 0, sum(changed.delta)
        FROM (
            SELECT pairs.label,
                   (now_n > 0)::integer - (now_n - added_n + removed_n > 0)::integer AS delta
            FROM (
                SELECT p.document_id, p.label,
                       (SELECT count(*) FROM entities e WHERE e.document_id = p.document_id AND e.label = p.label)
                           AS now_n,
                       (SELECT count(*) FROM {{added}} a WHERE a.document_id = p.document_id AND a.label = p.label)
                           AS added_n,
                       (SELECT count(*) FROM {{removed}} r WHERE r.document_id = p.document_id AND r.label = p.label)
                           AS removed_n
                FROM (SELECT document_id, label FROM {{added}} AS added_pairs
                      UNION SELECT document_id, label FROM {{removed}} AS removed_pairs) p
                JOIN documents d ON d.id = p.document_id AND d.status = 'done'
            ) pairs
        ) changed
        GROUP BY changed.label HAVING sum(changed.delta) <> 0;
        RETURN NULL;
    END
    $$
"""
NONE = "(SELECT NULL::uuid AS document_id, NULL::varchar AS label WHERE false)"
ENTITY_TRIGGERS = {
    "inserted": ("INSERT", "REFERENCING NEW TABLE AS added_rows", "added_rows", NONE),
    "deleted": ("DELETE", "REFERENCING OLD TABLE AS removed_rows", NONE, "removed_rows"),
    "updated": (
        "UPDATE",
        "REFERENCING OLD TABLE AS removed_rows NEW TABLE AS added_rows",
        "added_rows",
        "removed_rows",
    ),
}

REBUILD = """
CREATE FUNCTION dashboard_counts_rebuild() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dashboard_counts_recount();
    RETURN NULL;
END
$$
"""

RECOUNT = f"""
CREATE FUNCTION dashboard_counts_recount() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- Writers wait while the counts are rebuilt, so that none of their changes is counted twice or lost.
    LOCK TABLE documents, jobs, entities IN SHARE MODE;
    DELETE FROM dashboard_count_deltas;
    DELETE FROM dashboard_counts;
    INSERT INTO dashboard_counts ({COLUMNS})
    SELECT c.metric, c.hour, c.name, c.detail, c.bucket, sum(c.n) FROM (
        SELECT dc.* FROM documents d CROSS JOIN LATERAL dashboard_document_counts(d, false) dc
        UNION ALL
        SELECT jc.* FROM jobs j CROSS JOIN LATERAL dashboard_job_counts(j) jc
        UNION ALL
        SELECT 'label_documents', {NO_HOUR}, pairs.label, '', 0, count(*)
        FROM (SELECT DISTINCT e.document_id, e.label FROM entities e) pairs
        JOIN documents d ON d.id = pairs.document_id AND d.status = 'done'
        GROUP BY pairs.label
    ) c
    GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.n) <> 0;
    -- The planner's row counts of the counts, right away (autovacuum would take its time).
    ANALYZE dashboard_counts;
END
$$
"""

TRIGGERS = [
    "CREATE TRIGGER dashboard_count_documents AFTER INSERT OR UPDATE ON documents "
    "FOR EACH ROW EXECUTE FUNCTION dashboard_count_document()",
    "CREATE TRIGGER dashboard_count_documents_deleted BEFORE DELETE ON documents "
    "FOR EACH ROW EXECUTE FUNCTION dashboard_count_document()",
    "CREATE TRIGGER dashboard_count_jobs AFTER INSERT OR UPDATE OR DELETE ON jobs "
    "FOR EACH ROW EXECUTE FUNCTION dashboard_count_job()",
    *(
        f"CREATE TRIGGER dashboard_count_entities_{operation} AFTER {event} ON entities {referencing} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION dashboard_count_entities_{operation}()"
        for operation, (event, referencing, _added, _removed) in ENTITY_TRIGGERS.items()
    ),
    *(
        f"CREATE TRIGGER dashboard_counts_truncated_{table} AFTER TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION dashboard_counts_rebuild()"
        for table in ("documents", "jobs", "entities")
    ),
]
TRIGGER_TABLES = {
    "dashboard_count_documents": "documents",
    "dashboard_count_documents_deleted": "documents",
    "dashboard_count_jobs": "jobs",
    **{f"dashboard_count_entities_{operation}": "entities" for operation in ENTITY_TRIGGERS},
    **{f"dashboard_counts_truncated_{table}": table for table in ("documents", "jobs", "entities")},
}

# The counts as of now: the folded ones plus the deltas not folded yet. A filter on metric and hour
# reaches both tables' indexes (it is pushed below the GROUP BY and into each branch of the UNION).
COUNT_TOTALS = """
CREATE VIEW pipeline_count_totals AS
SELECT metric, hour, name, detail, bucket, sum(n)::bigint AS n
FROM (
    SELECT metric, hour, name, detail, bucket, n FROM dashboard_counts
    UNION ALL
    SELECT metric, hour, name, detail, bucket, n FROM dashboard_count_deltas
) AS counts
GROUP BY metric, hour, name, detail, bucket
"""

THROUGHPUT_HOURLY = """
CREATE VIEW dashboard_throughput_hourly AS
SELECT hour,
       coalesce(sum(n) FILTER (WHERE metric = 'finished' AND name = 'done'), 0)::bigint AS done,
       coalesce(sum(n) FILTER (WHERE metric = 'finished' AND name = 'failed'), 0)::bigint AS failed,
       coalesce(sum(n) FILTER (WHERE metric = 'finished_pages'), 0)::bigint AS pages,
       coalesce(sum(n) FILTER (WHERE metric = 'finished_entities'), 0)::bigint AS entities
FROM pipeline_count_totals
WHERE metric IN ('finished', 'finished_pages', 'finished_entities')
GROUP BY hour
HAVING sum(n) FILTER (WHERE metric = 'finished') > 0
"""

# Open jobs are counted exactly from the rows (the partial index of revision 0012 holds only them);
# finished ones come from the counts. `oldest_*` is about waiting work: null for done and failed.
QUEUE_DEPTH = """
CREATE VIEW dashboard_queue_depth AS
SELECT stages.name AS stage, states.state,
       CASE WHEN states.open THEN open_jobs.jobs ELSE coalesce(totals.n, 0) END::bigint AS jobs,
       CASE WHEN states.open THEN open_jobs.unpublished ELSE 0 END::bigint AS unpublished,
       open_jobs.oldest_created_at,
       coalesce(extract(epoch FROM now() - open_jobs.oldest_created_at), 0)::float8 AS oldest_age_s
FROM pipeline_stages AS stages
CROSS JOIN (VALUES ('queued', 1, true), ('running', 2, true), ('done', 3, false), ('failed', 4, false))
    AS states (state, state_order, open)
LEFT JOIN LATERAL (
    SELECT count(*) AS jobs, count(*) FILTER (WHERE j.published_at IS NULL) AS unpublished,
           min(j.created_at) AS oldest_created_at
    FROM jobs j
    WHERE states.open AND j.state IN ('queued', 'running') AND j.stage = stages.name AND j.state = states.state
) AS open_jobs ON true
LEFT JOIN pipeline_count_totals AS totals
    ON totals.metric = 'jobs' AND totals.name = stages.name AND totals.detail = states.state
ORDER BY stages.position, states.state_order
"""

FAILURE_REASONS = """
CREATE VIEW dashboard_failure_reasons AS
SELECT reasons.name AS error_code,
       reasons.n AS documents,
       (SELECT count(*) FROM documents d
        WHERE d.status = 'failed' AND d.error_code = reasons.name
          AND d.finished_at > now() - interval '24 hours') AS last_24h,
       latest.finished_at AS last_failed_at,
       latest.error AS latest_error
FROM pipeline_count_totals AS reasons
LEFT JOIN LATERAL (
    SELECT d.finished_at, d.error FROM documents d
    WHERE d.status = 'failed' AND d.error_code = reasons.name AND d.finished_at IS NOT NULL
    ORDER BY d.finished_at DESC
    LIMIT 1
) AS latest ON true
WHERE reasons.metric = 'failures' AND reasons.n > 0
"""

# Percentiles per hour and interval from the histogram: the first bucket whose running count reaches
# the share. `max_s` is the upper edge of the highest bucket in use.
LATENCY_PERCENTILES = """
CREATE VIEW dashboard_latency_percentiles AS
SELECT buckets.hour, buckets.stage,
       coalesce((SELECT CASE WHEN p.name = buckets.stage THEN 2 * p.position ELSE 2 * p.position - 1 END
                 FROM pipeline_stages p WHERE buckets.stage IN (p.name, 'waiting_for_' || p.name)), 1000)
           AS stage_order,
       max(buckets.total)::bigint AS documents,
       dashboard_latency_seconds(min(buckets.bucket) FILTER (WHERE buckets.running >= 0.5 * buckets.total)) AS p50_s,
       dashboard_latency_seconds(min(buckets.bucket) FILTER (WHERE buckets.running >= 0.95 * buckets.total)) AS p95_s,
       dashboard_latency_seconds(min(buckets.bucket) FILTER (WHERE buckets.running >= 0.99 * buckets.total)) AS p99_s,
       power(1.1, max(buckets.bucket) + 1)::float8 AS max_s
FROM (
    SELECT hour, name AS stage, bucket,
           sum(n) OVER (PARTITION BY hour, name ORDER BY bucket) AS running,
           sum(n) OVER (PARTITION BY hour, name) AS total
    FROM pipeline_count_totals
    WHERE metric = 'latency' AND n > 0
) AS buckets
GROUP BY buckets.hour, buckets.stage
"""

# Labels come from every model version's id2label (B-/I- stripped) as well as from the counts, so a
# label that is never found shows as 0 rather than not at all.
ENTITY_COVERAGE = """
CREATE VIEW dashboard_entity_coverage AS
WITH done AS (
    SELECT coalesce(sum(n), 0) AS documents FROM pipeline_count_totals WHERE metric = 'documents' AND name = 'done'
), found AS (
    SELECT name AS label, n AS documents FROM pipeline_count_totals WHERE metric = 'label_documents'
), labels AS (
    SELECT regexp_replace(tag, '^[BI]-', '') AS label
    FROM model_versions, json_array_elements_text(model_versions.labels) AS tag
    WHERE tag <> 'O'
    UNION
    SELECT label FROM found
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
       coalesce(counts.documents, 0)::bigint AS documents,
       coalesce(counts.entities, 0)::bigint AS entities,
       (SELECT max(d.finished_at) FROM documents d WHERE d.model_id = m.id) AS last_used_at
FROM model_versions m
LEFT JOIN (
    SELECT name::bigint AS model_id,
           sum(n) FILTER (WHERE metric = 'model_documents') AS documents,
           sum(n) FILTER (WHERE metric = 'model_entities') AS entities
    FROM pipeline_count_totals
    WHERE metric IN ('model_documents', 'model_entities')
    GROUP BY name
) AS counts ON counts.model_id = m.id
"""

# As revision 0006's, but each document's jobs are looked up by its id (the LIMIT keeps the lateral a
# per-document index lookup): a time range reads its documents and their jobs, not the whole jobs table.
STAGE_DURATIONS = """
CREATE VIEW dashboard_stage_durations AS
SELECT d.id AS document_id, d.finished_at, s.stage, s.stage_order, s.seconds
FROM documents d
CROSS JOIN LATERAL (
    SELECT j.stage, j.queued_at, j.started_at, j.finished_at FROM jobs j
    WHERE j.document_id = d.id AND j.state = 'done'
    LIMIT 1000
) AS j
JOIN pipeline_stages p ON p.name = j.stage
CROSS JOIN LATERAL (VALUES
    ('waiting_for_' || p.name, 2 * p.position - 1, extract(epoch FROM j.started_at - j.queued_at)),
    (p.name, 2 * p.position, extract(epoch FROM j.finished_at - j.started_at))
) AS s (stage, stage_order, seconds)
WHERE d.status = 'done' AND s.seconds IS NOT NULL
UNION ALL
SELECT d.id, d.finished_at, 'total', 1000, extract(epoch FROM d.finished_at - d.created_at)
FROM documents d
WHERE d.status = 'done' AND d.finished_at IS NOT NULL
"""

# The latency histogram itself, for percentiles over any time range (the Grafana panel of the selected
# range adds up its hours' buckets): `seconds` is the bucket's middle, `documents` how many fell in it.
LATENCY_BUCKETS = """
CREATE VIEW dashboard_latency_buckets AS
SELECT hour, name AS stage,
       coalesce((SELECT CASE WHEN p.name = totals.name THEN 2 * p.position ELSE 2 * p.position - 1 END
                 FROM pipeline_stages p WHERE totals.name IN (p.name, 'waiting_for_' || p.name)), 1000)
           AS stage_order,
       bucket, dashboard_latency_seconds(bucket) AS seconds, n AS documents
FROM pipeline_count_totals AS totals
WHERE metric = 'latency' AND n > 0
"""

VIEWS = {
    "pipeline_count_totals": COUNT_TOTALS,
    "dashboard_stage_durations": STAGE_DURATIONS,
    "dashboard_latency_buckets": LATENCY_BUCKETS,
    "dashboard_throughput_hourly": THROUGHPUT_HOURLY,
    "dashboard_queue_depth": QUEUE_DEPTH,
    "dashboard_failure_reasons": FAILURE_REASONS,
    "dashboard_latency_percentiles": LATENCY_PERCENTILES,
    "dashboard_entity_coverage": ENTITY_COVERAGE,
    "dashboard_model_versions": MODEL_VERSIONS,
}

# The views as revisions 0003 and 0006 left them, for the downgrade.
OLD_VIEWS = {
    "dashboard_stage_durations": """
CREATE VIEW dashboard_stage_durations AS
SELECT d.id AS document_id, d.finished_at, s.stage, s.stage_order, s.seconds
FROM documents d
JOIN jobs j ON j.document_id = d.id
JOIN pipeline_stages p ON p.name = j.stage
CROSS JOIN LATERAL (VALUES
    ('waiting_for_' || p.name, 2 * p.position - 1, extract(epoch FROM j.started_at - j.queued_at)),
    (p.name, 2 * p.position, extract(epoch FROM j.finished_at - j.started_at))
) AS s (stage, stage_order, seconds)
WHERE d.status = 'done' AND j.state = 'done' AND s.seconds IS NOT NULL
UNION ALL
SELECT d.id, d.finished_at, 'total', 1000, extract(epoch FROM d.finished_at - d.created_at)
FROM documents d
WHERE d.status = 'done' AND d.finished_at IS NOT NULL
""",
    "dashboard_throughput_hourly": """
CREATE VIEW dashboard_throughput_hourly AS
SELECT date_trunc('hour', finished_at) AS hour,
       count(*) FILTER (WHERE status = 'done') AS done,
       count(*) FILTER (WHERE status = 'failed') AS failed,
       coalesce(sum(page_count) FILTER (WHERE status = 'done'), 0) AS pages,
       coalesce(sum(entity_count) FILTER (WHERE status = 'done'), 0) AS entities
FROM documents
WHERE finished_at IS NOT NULL AND status IN ('done', 'failed')
GROUP BY 1
""",
    "dashboard_queue_depth": """
CREATE VIEW dashboard_queue_depth AS
SELECT stages.name AS stage, states.state,
       count(j.id) AS jobs,
       count(j.id) FILTER (WHERE j.published_at IS NULL) AS unpublished,
       min(j.created_at) AS oldest_created_at,
       coalesce(extract(epoch FROM now() - min(j.created_at)), 0)::float8 AS oldest_age_s
FROM pipeline_stages AS stages
CROSS JOIN (VALUES ('queued', 1), ('running', 2), ('done', 3), ('failed', 4)) AS states (state, state_order)
LEFT JOIN jobs j ON j.stage = stages.name AND j.state = states.state
GROUP BY stages.name, stages.position, states.state, states.state_order
ORDER BY stages.position, states.state_order
""",
    "dashboard_failure_reasons": """
CREATE VIEW dashboard_failure_reasons AS
SELECT coalesce(error_code, 'unknown') AS error_code,
       count(*) AS documents,
       count(*) FILTER (WHERE finished_at > now() - interval '24 hours') AS last_24h,
       max(finished_at) AS last_failed_at,
       (array_agg(error ORDER BY finished_at DESC NULLS LAST))[1] AS latest_error
FROM documents
WHERE status = 'failed'
GROUP BY 1
""",
    "dashboard_latency_percentiles": """
CREATE VIEW dashboard_latency_percentiles AS
SELECT date_trunc('hour', finished_at) AS hour, stage, stage_order,
       count(*) AS documents,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds)::float8 AS p50_s,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY seconds)::float8 AS p95_s,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY seconds)::float8 AS p99_s,
       max(seconds)::float8 AS max_s
FROM dashboard_stage_durations
GROUP BY 1, stage, stage_order
""",
    "dashboard_entity_coverage": """
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
""",
    "dashboard_model_versions": """
CREATE VIEW dashboard_model_versions AS
SELECT m.id AS model_id, m.name, left(m.weights_sha256, 12) AS weights_sha256_prefix, m.created_at,
       count(d.id) AS documents,
       coalesce(sum(d.entity_count), 0) AS entities,
       max(d.finished_at) AS last_used_at
FROM model_versions m
LEFT JOIN documents d ON d.model_id = m.id
GROUP BY m.id
""",
}


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _count_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.String(length=32), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "dashboard_counts",
        *_count_columns(),
        sa.PrimaryKeyConstraint("metric", "hour", "name", "detail", "bucket", name=op.f("pk_dashboard_counts")),
    )
    op.create_table(
        "dashboard_count_deltas",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        *_count_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_count_deltas")),
    )
    if not _postgres():
        return
    for statement in FUNCTIONS:
        op.execute(statement)
    for operation, (_event, _referencing, added, removed) in ENTITY_TRIGGERS.items():
        op.execute(LABEL_CHANGES.format(operation=operation, added=added, removed=removed))
    op.execute(RECOUNT)
    op.execute(REBUILD)
    for statement in TRIGGERS:
        op.execute(statement)
    op.execute("SELECT dashboard_counts_recount()")
    for name in reversed(OLD_VIEWS):
        op.execute(f"DROP VIEW {name}")
    for name, statement in VIEWS.items():
        op.execute(statement)
        # Revision 0009's reader role reads every dashboard_* view; these are new objects. The counts
        # themselves (tables and pipeline_count_totals) stay private like every other table.
        if name.startswith("dashboard_"):
            op.execute(f"GRANT SELECT ON {name} TO {ROLE}")


def downgrade() -> None:
    if _postgres():
        for name in reversed(VIEWS):
            op.execute(f"DROP VIEW {name}")
        for name, statement in OLD_VIEWS.items():
            op.execute(statement)
            op.execute(f"GRANT SELECT ON {name} TO {ROLE}")
        for trigger, table in TRIGGER_TABLES.items():
            op.execute(f"DROP TRIGGER {trigger} ON {table}")
        for function in (
            "dashboard_counts_rebuild()",
            "dashboard_counts_recount()",
            *(f"dashboard_count_entities_{operation}()" for operation in ENTITY_TRIGGERS),
            "dashboard_count_job()",
            "dashboard_count_document()",
            "dashboard_job_counts(jobs)",
            "dashboard_document_counts(documents, boolean)",
            "dashboard_latency_seconds(integer)",
            "dashboard_latency_bucket(double precision)",
        ):
            op.execute(f"DROP FUNCTION {function}")
    op.drop_table("dashboard_count_deltas")
    op.drop_table("dashboard_counts")
