"""Factories for real test documents: PDFs written with fpdf2, DOCX with python-docx."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime

import docx
from fpdf import FPDF

FILLER = (
    "Medarbejderen skal udføre de opgaver, der naturligt hører under stillingen, og som arbejdsgiveren "
    "med rimelighed kan pålægge medarbejderen. Arbejdet tilrettelægges i samarbejde med nærmeste leder. "
)


def make_pdf(pages: Sequence[str]) -> bytes:
    """A PDF with one page per string (long strings wrap; each string starts a new page)."""
    pdf = FPDF()
    # A fixed date: the same pages give the same bytes (uploads are deduplicated by sha256).
    pdf.set_creation_date(datetime(2024, 1, 1, tzinfo=UTC))
    pdf.set_auto_page_break(auto=False)
    pdf.set_font("Helvetica", size=10)
    for page in pages:
        pdf.add_page()
        pdf.multi_cell(w=0, h=5, text=page, align="L")
    return bytes(pdf.output())


def make_docx(paragraphs: Sequence[str], table: Sequence[tuple[str, str]] = ()) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=0, cols=2)
        for key, value in table:
            cells = grid.add_row().cells
            cells[0].text = key
            cells[1].text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_png() -> bytes:
    """A real 1x1 PNG: an image renamed .pdf must be refused by its bytes."""
    return bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
