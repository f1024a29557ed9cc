"""Text extraction: the content type is sniffed from the bytes (never trusted from the client, see the
format table in `models.content_types`) and each format has a small extractor behind the
`TextExtractor` protocol, so tests can swap them. Which extractor reads a format, and whether it runs
contained in a limited child process, is the format table's entry; this module builds them with the
configured limits."""

from __future__ import annotations

import importlib
import io
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from models.content_types import FORMATS, DocumentFormat, decode_text, format_of
from worker.contained_extraction import ContainedExtractor, ExtractionLimits
from worker.extracted_text import PAGE_SEPARATOR, ExtractedText, ExtractionError, PageLayout, TextExtractor, WordBox
from worker.ocr import needs_ocr, pages_needing_ocr

if TYPE_CHECKING:
    from pdfminer.layout import LTPage
    from pdfminer.pdfpage import PDFPage

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

    def __init__(
        self, max_pages: int | None = None, max_chars: int | None = None, scan_below_chars_per_square_inch: float = 0.5
    ) -> None:
        self.max_pages = max_pages
        self.max_chars = max_chars
        self.scan_below_chars_per_square_inch = scan_below_chars_per_square_inch

    @classmethod
    def configured(cls, limits: ExtractionLimits) -> Self:
        return cls(limits.max_pages, limits.max_chars, limits.scan_below_chars_per_square_inch)

    def _source(self, text: str, layout: LTPage, frame: _PageFrame) -> str:
        """`scan` for a page that is mostly an image with too little text for its area (a scan, maybe
        under a stamped header): the OCR stage reads it. A short page without images is text."""
        if _image_share(layout) >= SCAN_IMAGE_SHARE and needs_ocr(
            len(text.strip()), frame.width, frame.height, self.scan_below_chars_per_square_inch
        ):
            return "scan"
        return "text_layer" if text.strip() else "none"

    def extract(self, data: bytes) -> ExtractedText:
        from pdfminer.converter import PDFPageAggregator
        from pdfminer.layout import LAParams
        from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
        from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
        from pdfminer.pdfpage import PDFPage
        from pdfminer.pdfparser import PDFSyntaxError
        from pdfminer.psexceptions import PSException

        pages: list[str] = []
        words: list[WordBox] = []
        layouts: list[PageLayout] = []
        chars = 0
        maxpages = self.max_pages + 1 if self.max_pages is not None else 0
        try:
            resources = PDFResourceManager()
            device = PDFPageAggregator(resources, laparams=LAParams())
            interpreter = PDFPageInterpreter(resources, device)
            for page in PDFPage.get_pages(io.BytesIO(data), maxpages=maxpages):
                if self.max_pages is not None and len(pages) == self.max_pages:
                    raise ExtractionError("too_large", f"the PDF has more than {self.max_pages} pages")
                interpreter.process_page(page)
                layout = device.get_result()
                frame = _PageFrame.of(page, layout)
                text, boxes = _page_text(layout)
                offset = chars
                pages.append(text)
                words.extend(_words(text, boxes, offset, len(pages), frame))
                layouts.append(frame.layout(self._source(text, layout, frame)))
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
        extracted = ExtractedText.from_pages(pages)
        return ExtractedText(extracted.text, extracted.page_starts, tuple(words), tuple(layouts))


_Box = tuple[float, float, float, float]
# A page an image covers at least this much of may be a scan (whatever its text layer says).
SCAN_IMAGE_SHARE = 0.5


def _image_share(layout: LTPage) -> float:
    """How much of the page its images cover (overlaps counted twice, capped at all of it)."""
    from pdfminer.layout import LTFigure, LTImage

    area = 0.0
    stack = list(layout)
    while stack:
        element = stack.pop()
        if isinstance(element, LTImage):
            area += max(element.width, 0.0) * max(element.height, 0.0)
        elif isinstance(element, LTFigure):
            stack.extend(element)
    return min(1.0, area / max(layout.width * layout.height, 1.0))


@dataclass(frozen=True)
class _PageFrame:
    """Where pdfminer's layout coordinates (PDF points from the media box's lower-left corner, page
    rotation applied, y up) lie on the page as a viewer shows it: the crop box, rotated the same way."""

    left: float
    top: float
    width: float
    height: float

    @classmethod
    def of(cls, page: PDFPage, layout: LTPage) -> _PageFrame:
        from pdfminer.utils import apply_matrix_rect

        # The same transformation pdfminer's interpreter applied to the media box (process_page):
        # the crop box moves with it, and its corners give the visible frame in layout coordinates.
        x0, y0, x1, y1 = page.mediabox
        rotation = page.rotate % 360
        ctm = {
            90: (0, -1, 1, 0, -y0, x1),
            180: (-1, 0, 0, -1, x1, y1),
            270: (0, 1, -1, 0, y1, -x0),
        }.get(rotation, (1, 0, 0, 1, -x0, -y0))
        try:
            crop = apply_matrix_rect(ctm, page.cropbox)
        except (TypeError, ValueError):
            crop = layout.bbox
        left, right = sorted((crop[0], crop[2]))
        bottom, top = sorted((crop[1], crop[3]))
        if right - left <= 0 or top - bottom <= 0:
            left, bottom, right, top = layout.bbox
        return cls(left, top, right - left, top - bottom)

    def box(self, x0: float, y0: float, x1: float, y1: float) -> _Box:
        """A layout box in top-left-origin page coordinates, y down."""
        # Hundredths of a point (1/7200 inch) are far below what any rendering shows.
        return (
            round(x0 - self.left, 2),
            round(self.top - y1, 2),
            round(x1 - self.left, 2),
            round(self.top - y0, 2),
        )

    def layout(self, source: str) -> PageLayout:
        return PageLayout(width=round(self.width, 2), height=round(self.height, 2), source=source)


def _page_text(layout: LTPage) -> tuple[str, list[_Box | None]]:
    """The page's text exactly as the text boxes give it (newlines normalised, trailing space cut),
    with each character's layout box; characters pdfminer inserted (spaces, line ends) have none."""
    from pdfminer.layout import LTChar, LTText, LTTextContainer

    chars: list[str] = []
    boxes: list[_Box | None] = []

    def walk(item: LTText) -> None:
        if isinstance(item, LTChar):
            piece, box = item.get_text(), (item.x0, item.y0, item.x1, item.y1)
        elif isinstance(item, LTTextContainer):
            for child in item:
                if isinstance(child, LTText):
                    walk(child)
            return
        else:
            piece, box = item.get_text(), None
        # A ligature glyph can stand for several characters: each gets the glyph's box.
        chars.extend(piece)
        boxes.extend([box] * len(piece))

    for element in layout:
        if isinstance(element, LTTextContainer):
            walk(element)
    # `_normalise_newlines`, character by character so each kept character keeps its box.
    text: list[str] = []
    kept: list[_Box | None] = []
    for i, char in enumerate(chars):
        if char == "\x00" or (char == "\r" and i + 1 < len(chars) and chars[i + 1] == "\n"):
            continue
        text.append("\n" if char == "\r" else char)
        kept.append(boxes[i])
    page = "".join(text).rstrip()
    return page, kept[: len(page)]


def _words(text: str, boxes: Sequence[_Box | None], offset: int, page: int, frame: _PageFrame) -> Iterator[WordBox]:
    """A word box (the union of its characters' boxes) per run of non-space characters that have boxes,
    its offsets shifted by `offset` to the page's place in the document's text. Punctuation before and
    after a word's letters and digits gets boxes of its own ("Frederiksberg." is two), because entities
    usually stop short of it and a box cut by character count would miss by a glyph's width."""
    start: int | None = None
    for i in range(len(text) + 1):
        if i < len(text) and boxes[i] is not None and not text[i].isspace():
            start = i if start is None else start
            continue
        if start is not None:
            for piece_start, piece_end in _word_pieces(text, start, i):
                union = _union([box for box in boxes[piece_start:piece_end] if box is not None])
                yield WordBox(offset + piece_start, offset + piece_end, page, *frame.box(*union))
        start = None


def _word_pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """`[start, end)` split into leading punctuation, the letters and digits, and trailing punctuation."""
    core = [i for i in range(start, end) if text[i].isalnum()]
    if not core:
        return [(start, end)]
    cuts = [start, core[0], core[-1] + 1, end]
    return [(a, b) for a, b in itertools.pairwise(cuts) if a < b]


def _union(boxes: Sequence[_Box]) -> _Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


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
    data: bytes, content_type: str, extractors: Mapping[str, TextExtractor] = DEFAULT_EXTRACTORS
) -> ExtractedText | None:
    """The document's text layer when it is its text; None when the OCR stage must read it: an image,
    a PDF without a text layer, or a PDF with a scanned page (an image over most of the page and too
    little text for its area)."""
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
    return None if pages_needing_ocr(extracted) else extracted


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
