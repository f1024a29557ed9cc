"""page geometry: each page's size and text source, every word's box (packed), and each entity's boxes

`document_pages` holds a row per page of a document that has geometry (PDFs, images): width and height
in PDF points, where its text came from (`text_layer`, `ocr`, `none`) and the OCR confidence.
`document_words` holds the word boxes of a document packed in one value (28 bytes a word, see
`models.page_geometry`). `entities.boxes` holds one `[page, x0, y0, x1, y1]` per line an entity covers.
Coordinates are PDF points from the page's top-left corner, y down. Both tables go with their document
(ON DELETE CASCADE), so erasure needs nothing more. Documents extracted earlier have no geometry until
they are processed again.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-01 21:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document_pages",
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("page_number", sa.Integer(), nullable=False),
        sa.Column("width", sa.Float(), nullable=False),
        sa.Column("height", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("ocr_confidence", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_document_pages_document_id_documents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("document_id", "page_number", name=op.f("pk_document_pages")),
    )
    op.create_table(
        "document_words",
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("boxes", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_document_words_document_id_documents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_document_words")),
    )
    with op.batch_alter_table("entities") as batch:
        batch.add_column(sa.Column("boxes", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("entities") as batch:
        batch.drop_column("boxes")
    op.drop_table("document_words")
    op.drop_table("document_pages")
