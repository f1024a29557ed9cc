"""worker liveness: holds on jobs a worker has received but not claimed, and worker heartbeats per queue

A worker records a hold on a job's row as soon as it receives the job's message (prefetched or
buffered for a batch), and renews it with its heartbeat; the sweeper requeues a queued job whose hold
expired, so the messages a dead worker held come back within a lease period or two instead of after the
broker's visibility timeout. `held_by` also names the process that claimed a running job. Each worker
records its heartbeat per queue in `worker_heartbeats`, which `/readyz` and the metrics read.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("held_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("held_until", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(batch.f("ix_jobs_state_held_until"), ["state", "held_until"], unique=False)
    op.create_table(
        "worker_heartbeats",
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker", "queue", name=op.f("pk_worker_heartbeats")),
    )


def downgrade() -> None:
    op.drop_table("worker_heartbeats")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index(batch.f("ix_jobs_state_held_until"))
        batch.drop_column("held_until")
        batch.drop_column("held_by")
