"""tenants, API keys and idempotency keys; documents, batches and webhook subscriptions belong to a tenant

Existing rows move to a `default` tenant (the one single-user setups and `contract-ner ingest` use).
Dedup by sha256 and DMS versions become per tenant, and `contract_card_view` gains `tenant_id`.
Downgrading fails if two tenants hold the same file: sha256 is then no longer unique.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 06:10:00.000000
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWNED_TABLES = ("documents", "batches", "webhook_subscriptions")

CONTRACT_CARD_VIEW = """
CREATE VIEW contract_card_view AS
SELECT d.id AS document_id, d.tenant_id, d.filename, d.external_id, d.version, d.status, d.created_at,
       d.finished_at, c.employer, c.employee, c.job_title, c.workplace, c.start_date, c.end_date,
       c.weekly_hours, c.salary_amount, c.salary_currency, c.salary_period, c.pension_percent,
       c.notice_period_months, c.probation_period_months, c.needs_review, c.flags, c.confidence
FROM documents d
JOIN contract_cards c ON c.document_id = d.id
"""

# The view as revision 0002 created it, for the downgrade.
CONTRACT_CARD_VIEW_0002 = """
CREATE VIEW contract_card_view AS
SELECT d.id AS document_id, d.filename, d.external_id, d.version, d.status, d.created_at,
       d.finished_at, c.employer, c.employee, c.job_title, c.workplace, c.start_date, c.end_date,
       c.weekly_hours, c.salary_amount, c.salary_currency, c.salary_period, c.pension_percent,
       c.notice_period_months, c.probation_period_months, c.needs_review, c.flags, c.confidence
FROM documents d
JOIN contract_cards c ON c.document_id = d.id
"""


def upgrade() -> None:
    tenants = op.create_table(
        "tenants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("name", name=op.f("uq_tenants_name")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("key_sha256", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("rate_limit_per_minute", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_api_keys_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_sha256", name=op.f("uq_api_keys_key_sha256")),
    )
    with op.batch_alter_table("api_keys") as batch:
        batch.create_index(batch.f("ix_api_keys_tenant_id"), ["tenant_id"], unique=False)
        batch.create_index(batch.f("ix_api_keys_prefix"), ["prefix"], unique=False)
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("endpoint", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_idempotency_keys_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("tenant_id", "endpoint", "key", name=op.f("uq_idempotency_keys_tenant_id_endpoint_key")),
    )
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.create_index(batch.f("ix_idempotency_keys_expires_at"), ["expires_at"], unique=False)

    default_tenant_id = uuid.uuid4()
    op.bulk_insert(tenants, [{"id": default_tenant_id, "name": "default", "created_at": datetime.now(UTC)}])

    # SQLite recreates the altered tables (batch mode); a view over `documents` would block the rename.
    op.execute("DROP VIEW contract_card_view")
    for table in OWNED_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("tenant_id", sa.Uuid(), nullable=True))
        owned = sa.table(table, sa.column("tenant_id", sa.Uuid()))
        op.execute(owned.update().values(tenant_id=default_tenant_id))

    with op.batch_alter_table("documents") as batch:
        batch.alter_column("tenant_id", existing_type=sa.Uuid(), nullable=False)
        batch.create_foreign_key(batch.f("fk_documents_tenant_id_tenants"), "tenants", ["tenant_id"], ["id"])
        batch.drop_constraint(batch.f("uq_documents_sha256"), type_="unique")
        batch.create_unique_constraint(batch.f("uq_documents_tenant_id_sha256"), ["tenant_id", "sha256"])
        batch.drop_index(batch.f("ix_documents_external_id_version"))
        batch.create_index(
            batch.f("ix_documents_tenant_id_external_id_version"), ["tenant_id", "external_id", "version"], unique=False
        )
        batch.create_index(batch.f("ix_documents_tenant_id_created_at_id"), ["tenant_id", "created_at", "id"])
    for table in ("batches", "webhook_subscriptions"):
        with op.batch_alter_table(table) as batch:
            batch.alter_column("tenant_id", existing_type=sa.Uuid(), nullable=False)
            batch.create_foreign_key(batch.f(f"fk_{table}_tenant_id_tenants"), "tenants", ["tenant_id"], ["id"])
            batch.create_index(batch.f(f"ix_{table}_tenant_id"), ["tenant_id"], unique=False)
    op.execute(CONTRACT_CARD_VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW contract_card_view")
    for table in ("webhook_subscriptions", "batches"):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(batch.f(f"ix_{table}_tenant_id"))
            batch.drop_constraint(batch.f(f"fk_{table}_tenant_id_tenants"), type_="foreignkey")
            batch.drop_column("tenant_id")
    with op.batch_alter_table("documents") as batch:
        batch.drop_index(batch.f("ix_documents_tenant_id_created_at_id"))
        batch.drop_index(batch.f("ix_documents_tenant_id_external_id_version"))
        batch.create_index(batch.f("ix_documents_external_id_version"), ["external_id", "version"], unique=False)
        batch.drop_constraint(batch.f("uq_documents_tenant_id_sha256"), type_="unique")
        batch.create_unique_constraint(batch.f("uq_documents_sha256"), ["sha256"])
        batch.drop_constraint(batch.f("fk_documents_tenant_id_tenants"), type_="foreignkey")
        batch.drop_column("tenant_id")
    op.execute(CONTRACT_CARD_VIEW_0002)

    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_index(batch.f("ix_idempotency_keys_expires_at"))
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_index(batch.f("ix_api_keys_prefix"))
        batch.drop_index(batch.f("ix_api_keys_tenant_id"))
    op.drop_table("api_keys")
    op.drop_table("tenants")
