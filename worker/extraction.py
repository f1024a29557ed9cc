"""Text extraction: the content type is sniffed from the bytes (never trusted from the client) and
each format has a small extractor behind the `TextExtractor` protocol, so tests can swap them.

Extracted text keeps page boundaries: `page_starts[i]` is the character offset where page i+1 begins,
so an entity's character offsets also tell its page."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from models.content_types import DOCX, PDF, TEXT, decode_text

PAGE_SEPARATOR = "\n\n"


class ExtractionError(Exception):
    """Bad input: retrying will not help. `code` is a stable reason a user can act on."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class ExtractedText:
    text: str
    page_starts: list[int]

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


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


class PdfExtractor:
    """pdfminer.six, page by page, text boxes in reading order."""

    def extract(self, data: bytes) -> ExtractedText:
        from pdfminer.high_level import extract_pages
        from pdfminer.layout import LAParams, LTTextContainer
        from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
        from pdfminer.pdfparser import PDFSyntaxError
        from pdfminer.psexceptions import PSException

        pages: list[str] = []
        try:
            for layout in extract_pages(io.BytesIO(data), laparams=LAParams()):
                boxes = [el.get_text() for el in layout if isinstance(el, LTTextContainer)]
                pages.append(_normalise_newlines("".join(boxes)).rstrip())
        except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
            raise ExtractionError("encrypted", f"the PDF is encrypted: {exc}") from exc
        except (PDFSyntaxError, PSException) as exc:
            raise ExtractionError("parse_error", f"the PDF cannot be parsed: {exc}") from exc
        except (ValueError, KeyError, TypeError, AttributeError, IndexError, AssertionError) as exc:
            # pdfminer signals many kinds of damage with plain built-in exceptions.
            raise ExtractionError("parse_error", f"the PDF is damaged: {type(exc).__name__}: {exc}") from exc
        if not pages:
            raise ExtractionError("parse_error", "the PDF has no pages")
        if not any(page.strip() for page in pages):
            raise ExtractionError("no_text_layer", f"none of the {len(pages)} pages has a text layer (scan?)")
        return ExtractedText.from_pages(pages)


class DocxExtractor:
    """python-docx: paragraphs and tables in body order; table cells separated by tabs."""

    def extract(self, data: bytes) -> ExtractedText:
        import docx
        from docx.table import Table

        try:
            document = docx.Document(io.BytesIO(data))
        except Exception as exc:  # python-docx raises many types for damaged packages
            raise ExtractionError("parse_error", f"the DOCX cannot be opened: {exc}") from exc
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    cells: list[str] = []
                    for cell in row.cells:
                        # Merged cells repeat; keep each once.
                        if not cells or cell.text != cells[-1]:
                            cells.append(cell.text)
                    lines.append("\t".join(cells))
            else:
                lines.append(block.text)
        text = _normalise_newlines("\n".join(lines)).strip("\n")
        if not text.strip():
            raise ExtractionError("no_text_layer", "the DOCX contains no text")
        return ExtractedText(text, [0])


class PlainTextExtractor:
    """Plain text in any common encoding (UTF-8, UTF-16 with BOM, cp1252, latin-1, ...)."""

    def extract(self, data: bytes) -> ExtractedText:
        text = decode_text(data)
        if text is None:
            raise ExtractionError("unsupported_type", "the file is neither text nor a supported document")
        text = _normalise_newlines(text)
        if not text.strip():
            raise ExtractionError("no_text_layer", "the text file is empty")
        # Form feeds are how plain-text exports mark pages.
        return ExtractedText.from_pages(text.split("\f")) if "\f" in text else ExtractedText(text, [0])


DEFAULT_EXTRACTORS: Mapping[str, TextExtractor] = {
    PDF: PdfExtractor(),
    DOCX: DocxExtractor(),
    TEXT: PlainTextExtractor(),
}


def extract_text(
    data: bytes, content_type: str, extractors: Mapping[str, TextExtractor] = DEFAULT_EXTRACTORS
) -> ExtractedText:
    extractor = extractors.get(content_type)
    if extractor is None:
        raise ExtractionError("unsupported_type", f"no extractor for {content_type}")
    return extractor.extract(data)
