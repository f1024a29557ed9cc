"""Text extraction: the content type is sniffed from the bytes (never trusted from the client, see the
format table in `models.content_types`) and each format has a small extractor behind the
`TextExtractor` protocol, so tests can swap them. Which extractor reads a format, and whether it runs
contained in a limited child process, is the format table's entry; this module builds them with the
configured limits."""

from __future__ import annotations

import importlib
import io
from collections.abc import Iterator, Mapping
from typing import Self

from models.content_types import FORMATS, DocumentFormat, decode_text, format_of
from worker.contained_extraction import ContainedExtractor, ExtractionLimits
from worker.extracted_text import PAGE_SEPARATOR, ExtractedText, ExtractionError, TextExtractor
from worker.ocr import pages_needing_ocr

__all__ = [
    "DEFAULT_EXTRACTORS",
    "DEFAULT_OCR_READERS",
    "PAGE_SEPARATOR",
    "DocxExtractor",
    "ExtractedText",
    "ExtractionError",
    "PdfExtractor",
    "PlainTextExtractor",
    "TextExtractor",
    "extract_text",
    "read_text",
    "text_layer",
]


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def _too_many_chars(max_chars: int | None, count: int) -> None:
    if max_chars is not None and count > max_chars:
        raise ExtractionError("too_large", f"the extracted text exceeds {max_chars} characters")


class PdfExtractor:
    """pdfminer.six, page by page, text boxes in reading order. `max_pages`/`max_chars` stop a huge
    document early, as `too_large`, instead of parsing all of it."""

    def __init__(self, max_pages: int | None = None, max_chars: int | None = None) -> None:
        self.max_pages = max_pages
        self.max_chars = max_chars

    @classmethod
    def configured(cls, limits: ExtractionLimits) -> Self:
        return cls(limits.max_pages, limits.max_chars)

    def extract(self, data: bytes) -> ExtractedText:
        from pdfminer.high_level import extract_pages
        from pdfminer.layout import LAParams, LTTextContainer
        from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
        from pdfminer.pdfparser import PDFSyntaxError
        from pdfminer.psexceptions import PSException

        pages: list[str] = []
        chars = 0
        maxpages = self.max_pages + 1 if self.max_pages is not None else 0
        try:
            for layout in extract_pages(io.BytesIO(data), laparams=LAParams(), maxpages=maxpages):
                if self.max_pages is not None and len(pages) == self.max_pages:
                    raise ExtractionError("too_large", f"the PDF has more than {self.max_pages} pages")
                boxes = [el.get_text() for el in layout if isinstance(el, LTTextContainer)]
                pages.append(_normalise_newlines("".join(boxes)).rstrip())
                chars += len(pages[-1]) + len(PAGE_SEPARATOR)
                _too_many_chars(self.max_chars, chars - len(PAGE_SEPARATOR))
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

    def __init__(self, max_chars: int | None = None) -> None:
        self.max_chars = max_chars

    @classmethod
    def configured(cls, limits: ExtractionLimits) -> Self:
        return cls(limits.max_chars)

    def extract(self, data: bytes) -> ExtractedText:
        import docx
        from docx.table import Table

        try:
            document = docx.Document(io.BytesIO(data))
        except Exception as exc:  # python-docx raises many types for damaged packages
            raise ExtractionError("parse_error", f"the DOCX cannot be opened: {exc}") from exc
        lines: list[str] = []
        chars = 0
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
            chars += len(lines[-1]) + 1
            _too_many_chars(self.max_chars, chars - 1)
        text = _normalise_newlines("\n".join(lines)).strip("\n")
        if not text.strip():
            raise ExtractionError("no_text_layer", "the DOCX contains no text")
        return ExtractedText(text, [0])


class PlainTextExtractor:
    """Plain text in any common encoding (UTF-8, UTF-16 with BOM, cp1252, latin-1, ...). Decoding text
    cannot explode, so it runs in-process; `max_chars` still applies."""

    def __init__(self, max_chars: int | None = None) -> None:
        self.max_chars = max_chars

    @classmethod
    def configured(cls, limits: ExtractionLimits) -> Self:
        return cls(limits.max_chars)

    def extract(self, data: bytes) -> ExtractedText:
        text = decode_text(data)
        if text is None:
            raise ExtractionError("unsupported_type", "the file is neither text nor a supported document")
        _too_many_chars(self.max_chars, len(text))
        text = _normalise_newlines(text)
        if not text.strip():
            raise ExtractionError("no_text_layer", "the text file is empty")
        # Form feeds are how plain-text exports mark pages.
        return ExtractedText.from_pages(text.split("\f")) if "\f" in text else ExtractedText(text, [0])


def _configured(path: str, limits: ExtractionLimits) -> TextExtractor:
    module, _, name = path.partition(":")
    extractor: TextExtractor = getattr(importlib.import_module(module), name).configured(limits)
    return extractor


def build_extractor(document_format: DocumentFormat, limits: ExtractionLimits) -> TextExtractor | None:
    """The format's extractor with the limits, wrapped in a contained child process when the format
    table says its parser must be; None for a format without a text layer (an image)."""
    if document_format.extractor is None:
        return None
    extractor = _configured(document_format.extractor, limits)
    return ContainedExtractor(extractor, limits) if document_format.contained else extractor


def build_ocr_reader(document_format: DocumentFormat, limits: ExtractionLimits) -> TextExtractor | None:
    """The OCR stage's reader of the format, always in a contained child (it decodes hostile images);
    None for a format that is never read by OCR."""
    if document_format.ocr_reader is None:
        return None
    return ContainedExtractor(_configured(document_format.ocr_reader, limits), limits)


class _ConfiguredExtractors(Mapping[str, TextExtractor]):
    """An extractor per entry of the format table, by content type, with the limits and caps from the
    settings, read on first use so that importing this module reads no environment. `ocr`: the OCR
    stage's readers under its own limits instead."""

    def __init__(self, ocr: bool = False) -> None:
        self._ocr = ocr
        self._extractors: dict[str, TextExtractor] | None = None

    def _built(self) -> dict[str, TextExtractor]:
        if self._extractors is None:
            from models.settings import get_settings

            settings = get_settings()
            if self._ocr:
                limits = ExtractionLimits.for_ocr(settings)
                built = {f.content_type: build_ocr_reader(f, limits) for f in FORMATS}
            else:
                limits = ExtractionLimits.from_settings(settings)
                built = {f.content_type: build_extractor(f, limits) for f in FORMATS}
            self._extractors = {content_type: e for content_type, e in built.items() if e is not None}
        return self._extractors

    def __getitem__(self, content_type: str) -> TextExtractor:
        return self._built()[content_type]

    def __iter__(self) -> Iterator[str]:
        return iter(self._built())

    def __len__(self) -> int:
        return len(self._built())


DEFAULT_EXTRACTORS: Mapping[str, TextExtractor] = _ConfiguredExtractors()
DEFAULT_OCR_READERS: Mapping[str, TextExtractor] = _ConfiguredExtractors(ocr=True)


def extract_text(
    data: bytes, content_type: str, extractors: Mapping[str, TextExtractor] = DEFAULT_EXTRACTORS
) -> ExtractedText:
    extractor = extractors.get(content_type)
    if extractor is None:
        raise ExtractionError("unsupported_type", f"no extractor for {content_type}")
    return extractor.extract(data)


def text_layer(
    data: bytes,
    content_type: str,
    extractors: Mapping[str, TextExtractor] = DEFAULT_EXTRACTORS,
    min_chars_per_square_inch: float | None = None,
) -> ExtractedText | None:
    """The document's text layer when it is its text; None when the OCR stage must read it: an image,
    a PDF without a text layer, or a PDF with a page whose text is too thin for its area (a scan)."""
    document_format = format_of(content_type)
    if document_format is None:
        raise ExtractionError("unsupported_type", f"no extractor for {content_type}")
    if document_format.extractor is None:
        return None
    try:
        extracted = extract_text(data, content_type, extractors)
    except ExtractionError as exc:
        if exc.code == "no_text_layer" and document_format.ocr_reader is not None:
            return None
        raise
    if document_format.ocr_reader is None:
        return extracted
    if min_chars_per_square_inch is None:
        from models.settings import get_settings

        min_chars_per_square_inch = get_settings().ocr_min_chars_per_square_inch
    return None if pages_needing_ocr(extracted, min_chars_per_square_inch) else extracted


def read_text(
    data: bytes,
    content_type: str,
    extractors: Mapping[str, TextExtractor] = DEFAULT_EXTRACTORS,
    ocr_readers: Mapping[str, TextExtractor] = DEFAULT_OCR_READERS,
) -> ExtractedText:
    """Extract and, where the text layer is missing or too thin, OCR in one call: what the extract and
    ocr stages do together, for `contract-ner extract` and the benchmarks."""
    extracted = text_layer(data, content_type, extractors)
    return extracted if extracted is not None else extract_text(data, content_type, ocr_readers)
