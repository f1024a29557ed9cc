"""lanes: documents.lane, batches.lane, api_keys.lane

Priority lanes (`models.lanes`): a document is published to its lane's queue of every stage; a batch
gives its uploads its lane (`bulk` by default) and an API key may give its uploads one. Adding a
column with a constant default is a catalogue change in Postgres (no table rewrite), and SQLite adds
it in place, so the views that read `documents` are untouched.

Revision ID: 0013c
Revises: 0012c
Create Date: 2026-12-02 01:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013c"
down_revision: str | None = "0012c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("lane", sa.String(16), nullable=False, server_default="interactive"))
    op.add_column("batches", sa.Column("lane", sa.String(16), nullable=False, server_default="bulk"))
    op.add_column("api_keys", sa.Column("lane", sa.String(16), nullable=True))


def downgrade() -> None:
    op.drop_column("api_keys", "lane")
    op.drop_column("batches", "lane")
    # SQLite (3.35+) drops it in place too: no view names the column.
    op.drop_column("documents", "lane")
