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


def make_gif() -> bytes:
    """A real 1x1 GIF: an image format the pipeline does not read, refused by its bytes."""
    return bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")


def make_scan(pages: Sequence[str], image_format: str = "PDF", skew_degrees: float = 1.5, seed: int = 15) -> bytes:
    """The pages written as a PDF, printed and scanned at 200 dpi (`bench.scanned_devset`): an image-only
    PDF, a PNG/JPEG of the first page, or a multi-page TIFF; no text layer anywhere."""
    import random

    from bench.scanned_devset import SCAN_DPI, image_pdf, render_pages, scan_page

    rng = random.Random(seed)
    images = [scan_page(page, rng, skew_degrees).image for page in render_pages(make_pdf(pages))]
    if image_format == "PDF":
        return image_pdf(images)
    buffer = io.BytesIO()
    first, *rest = images
    extra = {"save_all": True, "append_images": rest, "compression": "tiff_deflate"} if image_format == "TIFF" else {}
    first.save(buffer, format=image_format, dpi=(SCAN_DPI, SCAN_DPI), **extra)
    return buffer.getvalue()
