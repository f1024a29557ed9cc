"""live events: document_events, each document's status changes per tenant, for `GET /v1/events`

The Server-Sent Events stream reads this table from a position (the row id, which a client sends back
as `Last-Event-ID` to resume); rows are written in the transaction that changes the status and pruned
after a day by beat.

Revision ID: 0013d
Revises: 0013b
Create Date: 2026-12-02 01:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013d"
down_revision: str | None = "0013b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_document_events_document_id_documents"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_document_events_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_events")),
    )
    op.create_index(op.f("ix_document_events_tenant_id_id"), "document_events", ["tenant_id", "id"])
    op.create_index(op.f("ix_document_events_created_at"), "document_events", ["created_at"])
    op.create_index(op.f("ix_document_events_document_id"), "document_events", ["document_id"])


def downgrade() -> None:
    op.drop_table("document_events")
