"""integration contract (issue 16): webhook subscription options and state, external id links, batch
manifest fields, the card's monthly salary

- webhook_subscriptions: `include_entities` (payload option), `previous_secret` and
  `previous_secret_expires_at` (a rotated secret still signs until then), `consecutive_failures`,
  `disabled_at` and `disabled_reason` (a subscription whose deliveries keep failing for good is turned
  off with a reason the API shows).
- webhook_deliveries.redelivery_of: a redelivery is a new delivery (a new id, so a receiver that
  deduplicates on `X-Contract-NER-Delivery` does not drop it), pointing at the one it repeats.
- document_external_ids: the same bytes uploaded under another external id link that id to the
  existing document (queried by the `external_id` filter) instead of being ignored.
- batch_items.external_id / metadata: the manifest says what each upload was sent with.
- batches (tenant_id, created_at, id): the keyset order of `GET /v1/batches`.
- contract_cards.salary_monthly: the salary as a monthly equivalent, a generated column (so every card,
  old or new, however written, has it), indexed for the salary filters.

Revision ID: 0013b
Revises: 0013
Create Date: 2026-12-02 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013b"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# The card's salary as a monthly equivalent, computed by the database (models.schema.MONTHLY_SALARY_SQL as of
# this revision): Postgres computes it for the existing cards as the column is added.
MONTHLY_SALARY_SQL = (
    "CASE"
    " WHEN salary_period = 'month' THEN salary_amount"
    " WHEN salary_period = 'year' THEN ROUND(salary_amount / 12.0, 2)"
    " WHEN salary_period = 'week' AND salary_amount < 200000000000 THEN ROUND(salary_amount * 52 / 12.0, 2)"
    " WHEN salary_period = 'hour' AND weekly_hours IS NOT NULL AND salary_amount * weekly_hours < 200000000000"
    " THEN ROUND(salary_amount * weekly_hours * 52 / 12.0, 2)"
    " WHEN salary_period = 'hour' AND weekly_hours IS NULL AND salary_amount < 6000000000"
    " THEN ROUND(salary_amount * 160.33, 2)"
    " END"
)


def upgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.add_column(sa.Column("include_entities", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("previous_secret", sa.String(200), nullable=True))
        batch.add_column(sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("consecutive_failures", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("disabled_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.add_column(sa.Column("redelivery_of", BigIntId, nullable=True))
        batch.create_foreign_key(
            "fk_webhook_deliveries_redelivery_of_webhook_deliveries",
            "webhook_deliveries",
            ["redelivery_of"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "document_external_ids",
        sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_document_external_ids_tenant_id_tenants"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_document_external_ids_document_id_documents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_document_external_ids"),
        sa.UniqueConstraint(
            "tenant_id", "external_id", "document_id", name="uq_document_external_ids_tenant_id_external_id_document_id"
        ),
    )  # fmt: skip
    op.create_index("ix_document_external_ids_document_id", "document_external_ids", ["document_id"])
    with op.batch_alter_table("batch_items") as batch:
        batch.add_column(sa.Column("external_id", sa.String(200), nullable=True))
        batch.add_column(sa.Column("metadata", sa.JSON(), nullable=True))
    op.create_index("ix_batches_tenant_id_created_at_id", "batches", ["tenant_id", "created_at", "id"])
    # STORED on Postgres (the only kind before 18); SQLite can add only a VIRTUAL generated column.
    stored = op.get_bind().dialect.name != "sqlite"
    op.add_column(
        "contract_cards",
        sa.Column(
            "salary_monthly", sa.Numeric(14, 2), sa.Computed(MONTHLY_SALARY_SQL, persisted=stored), nullable=True
        ),
    )
    op.create_index("ix_contract_cards_salary_monthly", "contract_cards", ["salary_monthly"])


# As revision 0008 left it: SQLite rebuilds `contract_cards` to drop a column, which a view reading it blocks.
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
    op.drop_index("ix_contract_cards_salary_monthly", "contract_cards")
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP VIEW contract_card_view")
    with op.batch_alter_table("contract_cards") as batch:
        batch.drop_column("salary_monthly")
    if sqlite:
        op.execute(CONTRACT_CARD_VIEW)
    op.drop_index("ix_batches_tenant_id_created_at_id", "batches")
    with op.batch_alter_table("batch_items") as batch:
        batch.drop_column("metadata")
        batch.drop_column("external_id")
    op.drop_index("ix_document_external_ids_document_id", "document_external_ids")
    op.drop_table("document_external_ids")
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_constraint("fk_webhook_deliveries_redelivery_of_webhook_deliveries", type_="foreignkey")
        batch.drop_column("redelivery_of")
    with op.batch_alter_table("webhook_subscriptions") as batch:
        for column in (
            "disabled_reason", "disabled_at", "consecutive_failures", "previous_secret_expires_at",
            "previous_secret", "include_entities",
        ):  # fmt: skip
            batch.drop_column(column)
