"""entity values, contract cards, batches, webhooks, document versions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 02:59:27.847634
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# One row per document with its facts in typed columns: what dashboards and analysts query.
CONTRACT_CARD_VIEW = """
CREATE VIEW contract_card_view AS
SELECT d.id AS document_id, d.filename, d.external_id, d.version, d.status, d.created_at,
       d.finished_at, c.employer, c.employee, c.job_title, c.workplace, c.start_date, c.end_date,
       c.weekly_hours, c.salary_amount, c.salary_currency, c.salary_period, c.pension_percent,
       c.notice_period_months, c.probation_period_months, c.needs_review, c.flags, c.confidence
FROM documents d
JOIN contract_cards c ON c.document_id = d.id
"""


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("expected_documents", sa.Integer(), nullable=True),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
    )
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("pending", "delivered", "failed", name="delivery_state", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("attempt_log", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscriptions.id"],
            name=op.f("fk_webhook_deliveries_subscription_id_webhook_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_state_next_attempt_at"), ["state", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_subscription_id_created_at"),
            ["subscription_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "batch_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=True),
        sa.Column("filename", sa.String(length=512), nullable=True),
        sa.Column("duplicate", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_batch_items_batch_id_batches"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_batch_items_document_id_documents"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_items")),
        sa.UniqueConstraint("batch_id", "document_id", name=op.f("uq_batch_items_batch_id_document_id")),
    )
    with op.batch_alter_table("batch_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batch_items_document_id"), ["document_id"], unique=False)

    op.create_table(
        "contract_cards",
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("employer", sa.Text(), nullable=True),
        sa.Column("employee", sa.Text(), nullable=True),
        sa.Column("job_title", sa.Text(), nullable=True),
        sa.Column("workplace", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("weekly_hours", sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column("salary_amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("salary_currency", sa.String(length=3), nullable=True),
        sa.Column("salary_period", sa.String(length=8), nullable=True),
        sa.Column("pension_percent", sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column("notice_period_months", sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column("probation_period_months", sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column("confidence", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_contract_cards_document_id_documents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_contract_cards")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("metadata", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")))
        batch_op.add_column(sa.Column("previous_version_id", sa.Uuid(), nullable=True))
        batch_op.drop_index(batch_op.f("ix_documents_external_id"))
        batch_op.create_index(batch_op.f("ix_documents_external_id_version"), ["external_id", "version"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_documents_previous_version_id_documents"),
            "documents",
            ["previous_version_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("entities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("value_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("value_number", sa.Numeric(precision=14, scale=4), nullable=True))
        batch_op.add_column(sa.Column("value_unit", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("value_period", sa.String(length=8), nullable=True))

    op.execute(CONTRACT_CARD_VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW contract_card_view")
    with op.batch_alter_table("entities", schema=None) as batch_op:
        batch_op.drop_column("value_period")
        batch_op.drop_column("value_unit")
        batch_op.drop_column("value_number")
        batch_op.drop_column("value_date")

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_documents_previous_version_id_documents"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_documents_external_id_version"))
        batch_op.create_index(batch_op.f("ix_documents_external_id"), ["external_id"], unique=False)
        batch_op.drop_column("previous_version_id")
        batch_op.drop_column("version")
        batch_op.drop_column("metadata")

    op.drop_table("contract_cards")
    with op.batch_alter_table("batch_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batch_items_document_id"))

    op.drop_table("batch_items")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_subscription_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_state_next_attempt_at"))

    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_subscriptions")
    op.drop_table("batches")
