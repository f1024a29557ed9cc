"""What text extraction produces and how it fails, shared by the extractors (`worker.extraction`) and the
contained child process that runs them (`worker.contained_extraction`), so neither imports the other's
module for its types.

Extracted text keeps page boundaries: `page_starts[i]` is the character offset where page i+1 begins,
so an entity's character offsets also tell its page.

Geometry, where the format has it (text-layer PDFs from pdfminer's character boxes, OCR pages from
Tesseract's word boxes): `words` places each word of `text` on its page, and `pages` gives each page's
size and where its text came from. Coordinates are PDF points (1/72 inch) with the origin at the page's
top-left corner and y growing downwards, the way a browser draws an image of the page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from models.page_geometry import WordBox
from models.reasons import ReasonCode

__all__ = ["PAGE_SEPARATOR", "ExtractedText", "ExtractionError", "PageLayout", "TextExtractor", "WordBox"]

PAGE_SEPARATOR = "\n\n"


class ExtractionError(Exception):
    """Bad input: retrying will not help. `code` is a stable reason a user can act on."""

    def __init__(self, code: ReasonCode | str, message: str) -> None:
        super().__init__(message)
        self.code = ReasonCode(code)  # an unknown code is a bug here, not a new reason for clients
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class PageLayout:
    """A page's size in PDF points and where its text came from."""

    width: float
    height: float
    source: str = "text_layer"
    """`text_layer` (read from the file), `ocr` (read from the page's image), `none` (no text), or
    `scan` (an image covers the page and its text layer is missing or too thin: the OCR stage reads
    it and its page becomes `ocr`)."""
    ocr_confidence: float | None = None
    """Tesseract's mean word confidence on the page (0 to 100) when its text came from OCR."""


@dataclass(frozen=True)
class ExtractedText:
    text: str
    page_starts: list[int]
    words: tuple[WordBox, ...] = ()
    pages: tuple[PageLayout, ...] = ()

    @property
    def page_count(self) -> int:
        return len(self.page_starts)

    @classmethod
    def from_pages(cls, pages: list[str]) -> ExtractedText:
        starts: list[int] = []
        parts: list[str] = []
        position = 0
        for i, page in enumerate(pages):
            if i:
                parts.append(PAGE_SEPARATOR)
                position += len(PAGE_SEPARATOR)
            starts.append(position)
            parts.append(page)
            position += len(page)
        return cls("".join(parts), starts or [0])


class TextExtractor(Protocol):
    def extract(self, data: bytes) -> ExtractedText: ...
