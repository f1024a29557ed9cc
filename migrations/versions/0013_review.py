"""review: people confirm, reject and correct what the model found (issue 14, "Reviewing")

- `entities.source`: `model` (found by the model revision in `model_id`) or `human` (added or corrected by
  a reviewer, with no model: `model_id` is null exactly then, a CHECK says so). `confirmed_at` and
  `confirmed_by` mark a model entity a reviewer confirmed; the card prefers such values.
- `review_actions`: the audit trail, one row per reviewer action (who: the API key's name; what; the
  entity or card field; before and after as JSON; when). It holds values from the document, so it goes
  with the document (ON DELETE CASCADE), as erasure requires.
- `documents.reviewed_at` / `reviewed_by`: marked reviewed; `review_lease_holder` /
  `review_lease_expires_at`: who is reviewing it now (`GET /v1/review/next`). The lease lives on the
  document row so the lock that hands a document out and the lease it writes are one row: a second
  reviewer's `FOR UPDATE SKIP LOCKED` either skips the row or re-reads it with the lease on it.
- `contract_cards.reviewer_values`: card fields a reviewer set directly ({column: value}), which win over
  every entity; `lowest_confidence`: the least certain filled field's score (0 for an empty card), the
  "most uncertain first" order of the review queue, kept as a column so it needs no JSON in SQL.
- Indexes for `GET /v1/review/next`: the cards in queue order (needs_review, lowest_confidence,
  document_id), read from the front until a free document; the documents a reviewer holds (partial).

Revision ID: 0013
Revises: 0013c
Create Date: 2026-12-02 00:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
# After 0013c (lanes), which reached main first from 0012c: one line of revisions, one head.
down_revision: str | None = "0013c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCE_CHECK = "(source = 'model' AND model_id IS NOT NULL) OR (source = 'human' AND model_id IS NULL)"
HELD_WHERE = "review_lease_holder IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("entities") as batch:
        batch.add_column(sa.Column("source", sa.String(8), nullable=False, server_default="model"))
        batch.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("confirmed_by", sa.String(200), nullable=True))
        batch.alter_column("model_id", existing_type=sa.BigInteger(), nullable=True)
        batch.create_check_constraint(op.f("ck_entities_source"), SOURCE_CHECK)
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reviewed_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("review_lease_holder", sa.String(200), nullable=True))
        batch.add_column(sa.Column("review_lease_expires_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(f"CREATE INDEX ix_documents_review_lease_holder ON documents (review_lease_holder) WHERE {HELD_WHERE}")
    with op.batch_alter_table("contract_cards") as batch:
        batch.add_column(sa.Column("reviewer_values", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("lowest_confidence", sa.Float(), nullable=True))
    _fill_lowest_confidence()
    op.create_index(
        "ix_contract_cards_needs_review_lowest_confidence_document_id",
        "contract_cards",
        ["needs_review", "lowest_confidence", "document_id"],
    )
    op.create_table(
        "review_actions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("entity_id", sa.BigInteger(), nullable=True),
        sa.Column("field", sa.String(64), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_review_actions_document_id_documents", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_review_actions_tenant_id_tenants", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_review_actions"),
    )
    op.create_index("ix_review_actions_document_id_id", "review_actions", ["document_id", "id"])


def _fill_lowest_confidence() -> None:
    """Existing cards get their lowest score from `confidence` (a JSON object of column -> score)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE contract_cards SET lowest_confidence = coalesce("
            "(SELECT min(value::double precision) FROM json_each_text(confidence)), 0)"
        )
    else:
        op.execute(
            "UPDATE contract_cards SET lowest_confidence = coalesce("
            "(SELECT min(CAST(value AS REAL)) FROM json_each(contract_cards.confidence)), 0)"
        )


# As revision 0012c left it: SQLite rebuilds a table to drop a column, which a view reading it blocks.
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
    op.drop_index("ix_review_actions_document_id_id", table_name="review_actions")
    op.drop_table("review_actions")
    op.drop_index("ix_contract_cards_needs_review_lowest_confidence_document_id", table_name="contract_cards")
    op.execute("DROP INDEX ix_documents_review_lease_holder")
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP VIEW contract_card_view")
    with op.batch_alter_table("contract_cards") as batch:
        batch.drop_column("lowest_confidence")
        batch.drop_column("reviewer_values")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("review_lease_expires_at")
        batch.drop_column("review_lease_holder")
        batch.drop_column("reviewed_by")
        batch.drop_column("reviewed_at")
    if sqlite:
        op.execute(CONTRACT_CARD_VIEW)
    # Human entities have no model to go back to: the schema before this revision cannot hold them.
    op.execute("DELETE FROM entities WHERE source = 'human'")
    with op.batch_alter_table("entities") as batch:
        batch.drop_constraint(op.f("ck_entities_source"), type_="check")
        batch.alter_column("model_id", existing_type=sa.BigInteger(), nullable=False)
        batch.drop_column("confirmed_by")
        batch.drop_column("confirmed_at")
        batch.drop_column("source")
