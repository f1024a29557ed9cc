"""backfill: documents.decoding_sha256 and ner_text_sha256, the rest of the results key (issue 14)

A document's model entities are keyed on (content sha256, model revision, decoding configuration):
`documents.sha256`, the weights' fingerprint of `documents.model_id`, and `decoding_sha256`, a hash of
the settings that change decoding (`models.results_key.DecodingConfiguration`). `ner_text_sha256` is the
sha256 of the extracted text the entities' offsets point into, so a replay whose extraction gives another
text still runs the model. Both are null for documents that ran before this revision: their key is
unknown, so the first backfill re-runs them. Nullable columns without a default: a catalogue change in
Postgres, in place on SQLite; no view reads them.

Revision ID: 0014
Revises: 0013d
Create Date: 2026-12-02 01:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
# After 0013d (document events), main's head when this was merged: one line of revisions, one head.
down_revision: str | None = "0013d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("decoding_sha256", sa.String(64), nullable=True))
    op.add_column("documents", sa.Column("ner_text_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("documents", "ner_text_sha256")
    op.drop_column("documents", "decoding_sha256")
