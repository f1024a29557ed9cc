"""retention: documents.purged_at, when retention purged the document's bytes, text and tokens

`models.retention` deletes the stored file, extracted text and tokens of documents that finished long
enough ago and keeps everything else (the document row, its entities and contract card); this column
says that it did, and when. The partial index finds the documents still to purge, oldest first.

Revision ID: 0012c
Revises: 0012b
Create Date: 2026-12-01 22:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012c"
down_revision: str | None = "0012b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "CREATE INDEX ix_documents_unpurged_finished_at ON documents (finished_at) "
        "WHERE purged_at IS NULL AND finished_at IS NOT NULL"
    )


# As revision 0008 left it: SQLite rebuilds `documents` to drop a column, which a view reading it blocks.
CONTRACT_CARD_VIEW = """
CREATE VIEW contract_card_view AS
SELECT d.id AS document_id, d.tenant_id, d.filename, d.external_id, d.version, d.status, d.created_at,
       d.finished_at, c.employer, c.employee, c.job_title, c.workplace, c.start_date, c.end_date,
       c.weekly_hours, c.salary_amount, c.salary_currency, c.salary_period, c.pension_percent,
       c.notice_period_months, c.probation_period_months,
       c.notice_period_value, c.notice_period_unit, c.probation_period_value, c.probation_period_unit, c.needs_review,
       c.flags, c.confidence
FROM documents d
JOIN contract_cards c ON c.document_id = d.id
"""


def downgrade() -> None:
    op.execute("DROP INDEX ix_documents_unpurged_finished_at")
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP VIEW contract_card_view")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("purged_at")
    if sqlite:
        op.execute(CONTRACT_CARD_VIEW)
