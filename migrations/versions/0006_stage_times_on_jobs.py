"""stages as data: each stage's times live on its job row, and the stage table is mirrored in SQL

The per-stage timestamp columns of `documents` (extract_started_at, extract_finished_at, ner_started_at,
ner_finished_at) become `queued_at`, `started_at` and `finished_at` on the stage's job row, so a new
stage needs no new columns. `pipeline_stages` mirrors `models.stages.PIPELINE` (kept in sync by
`models.migrate.upgrade_database`) for the dashboard views, which now list stages from it instead of
naming them. On SQLite the views do not exist; the columns move all the same.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAGE_COLUMNS = ("extract_started_at", "extract_finished_at", "ner_started_at", "ner_finished_at")

# Long format, one row per done document and interval: waiting for each stage, running it, and the total.
# The job's latest attempt is the one that counts as running; earlier failed attempts count as waiting.
STAGE_DURATIONS = """
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
"""

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

QUEUE_DEPTH = """
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
"""

# The views as revision 0003 created them, for the downgrade.
OLD_STAGE_DURATIONS = """
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

OLD_QUEUE_DEPTH = """
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


# Unchanged from revision 0005; dropped and created again because SQLite rebuilds `documents` to drop
# its columns, which a view that reads the table would block.
CONTRACT_CARD_VIEW = """
CREATE VIEW contract_card_view AS
SELECT d.id AS document_id, d.tenant_id, d.filename, d.external_id, d.version, d.status, d.created_at,
       d.finished_at, c.employer, c.employee, c.job_title, c.workplace, c.start_date, c.end_date,
       c.weekly_hours, c.salary_amount, c.salary_currency, c.salary_period, c.pension_percent,
       c.notice_period_months, c.probation_period_months, c.needs_review, c.flags, c.confidence
FROM documents d
JOIN contract_cards c ON c.document_id = d.id
"""


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _drop_stage_views() -> None:
    for name in ("dashboard_latency_percentiles", "dashboard_stage_durations", "dashboard_queue_depth"):
        op.execute(f"DROP VIEW IF EXISTS {name}")


def upgrade() -> None:
    op.create_table(
        "pipeline_stages",
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("waiting_status", sa.String(length=16), nullable=False),
        sa.Column("running_status", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_pipeline_stages")),
    )
    # The stages as of this revision; `upgrade_database` keeps the rows in step with the code afterwards.
    op.execute(
        "INSERT INTO pipeline_stages (name, position, waiting_status, running_status, title) VALUES "
        "('extract', 1, 'queued', 'extracting', 'extract text and build token windows'), "
        "('ner', 2, 'extracted', 'inferring', 'recognise entities')"
    )
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
    for stage, queued, started, finished in (
        ("extract", "created_at", "extract_started_at", "extract_finished_at"),
        ("ner", "extract_finished_at", "ner_started_at", "ner_finished_at"),
    ):
        op.execute(
            f"UPDATE jobs SET queued_at = (SELECT d.{queued} FROM documents d WHERE d.id = jobs.document_id), "
            f"started_at = (SELECT d.{started} FROM documents d WHERE d.id = jobs.document_id), "
            f"finished_at = (SELECT d.{finished} FROM documents d WHERE d.id = jobs.document_id) "
            f"WHERE stage = '{stage}'"
        )
    if _postgres():
        _drop_stage_views()
    op.execute("DROP VIEW contract_card_view")
    with op.batch_alter_table("documents") as batch:
        for column in STAGE_COLUMNS:
            batch.drop_column(column)
    op.execute(CONTRACT_CARD_VIEW)
    if _postgres():
        op.execute(QUEUE_DEPTH)
        op.execute(STAGE_DURATIONS)
        op.execute(LATENCY_PERCENTILES)


def downgrade() -> None:
    if _postgres():
        _drop_stage_views()
    op.execute("DROP VIEW contract_card_view")
    with op.batch_alter_table("documents") as batch:
        for column in STAGE_COLUMNS:
            batch.add_column(sa.Column(column, sa.DateTime(timezone=True), nullable=True))
    op.execute(CONTRACT_CARD_VIEW)
    for stage, started, finished in (
        ("extract", "extract_started_at", "extract_finished_at"),
        ("ner", "ner_started_at", "ner_finished_at"),
    ):
        job = f"FROM jobs j WHERE j.document_id = documents.id AND j.stage = '{stage}'"
        op.execute(
            f"UPDATE documents SET {started} = (SELECT j.started_at {job}), {finished} = (SELECT j.finished_at {job})"
        )
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("finished_at")
        batch.drop_column("started_at")
        batch.drop_column("queued_at")
    if _postgres():
        op.execute(OLD_QUEUE_DEPTH)
        op.execute(OLD_STAGE_DURATIONS)
        op.execute(LATENCY_PERCENTILES)
    op.drop_table("pipeline_stages")
