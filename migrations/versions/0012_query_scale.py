"""indexes for the query shapes at production scale (issue 17, `bench/query_scale.py`)

Each index serves a query the bench measured reading far more rows than it returns:
- `value_gte`/`value_lte` with a label: entities by label and typed value, partial (only rows that have
  such a value) and carrying document_id, so the EXISTS is answered from the index alone;
- `salary_min`/`salary_max` and `start_date_from`/`_to`: the card's values; `needs_review=true`: the cards
  that do (partial);
- `status`: the tenant's documents of a status in list order, one range however rare the status;
- the dashboards' time ranges and `last_used_at` per model: documents by `finished_at`;
- failure reasons (the latest and the last 24 hours per reason): the failed documents by reason and time;
- queue depth and `/metrics`: the open jobs (queued or running), partial, so it stays as small as the
  queues however many finished jobs the table holds.

The cursor condition itself became a row comparison (`models.queries.after_cursor`), which the existing
(tenant_id, created_at, id) index serves as a range. On a large live database create these beforehand
with CREATE INDEX CONCURRENTLY under the same names; this revision then finds them (IF NOT EXISTS).

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-01 22:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name -> (table, columns, partial condition): the same on Postgres and SQLite, and in models.schema.
INDEXES: dict[str, tuple[str, str, str | None]] = {
    "ix_entities_label_value_number": ("entities", "label, value_number, document_id", "value_number IS NOT NULL"),
    "ix_entities_label_value_date": ("entities", "label, value_date, document_id", "value_date IS NOT NULL"),
    "ix_contract_cards_salary_amount": ("contract_cards", "salary_amount", None),
    "ix_contract_cards_start_date": ("contract_cards", "start_date", None),
    "ix_contract_cards_needs_review": ("contract_cards", "document_id", "needs_review"),
    "ix_documents_tenant_id_status_created_at_id": ("documents", "tenant_id, status, created_at, id", None),
    "ix_documents_finished_at": ("documents", "finished_at", None),
    "ix_documents_model_id_finished_at": ("documents", "model_id, finished_at", None),
    "ix_documents_failed": ("documents", "error_code, finished_at", "status = 'failed'"),
    "ix_jobs_open": ("jobs", "stage, state, queued_at, created_at", "state IN ('queued', 'running')"),
}


def upgrade() -> None:
    for name, (table, columns, where) in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})" + (f" WHERE {where}" if where else ""))


def downgrade() -> None:
    for name in reversed(INDEXES):
        op.execute(f"DROP INDEX IF EXISTS {name}")
