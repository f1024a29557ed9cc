"""job leases: token, expiry and heartbeat per running job, and the last error's reason code

A worker claims a job by taking its lease and commits results only while it still holds it, so a
redelivered duplicate cannot write twice; the sweeper requeues running jobs whose lease expired.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 04:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("last_error_code", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("lease_token", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(batch.f("ix_jobs_state_lease_expires_at"), ["state", "lease_expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index(batch.f("ix_jobs_state_lease_expires_at"))
        batch.drop_column("heartbeat_at")
        batch.drop_column("lease_expires_at")
        batch.drop_column("lease_token")
        batch.drop_column("last_error_code")
