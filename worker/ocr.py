"""Reading pages without a text layer: scanned PDF pages and uploaded images (PNG, JPEG, multi-page TIFF)
are read by Tesseract with the Danish language data, through tesserocr (Tesseract's C++ API in this
process, so the contained child's memory, CPU and wall limits hold for the OCR itself; no tesseract
process is spawned that could outlive a killed child).

A page image goes through: grey scale -> orientation (Tesseract OSD, only when the upright reading
is poor: most pages are upright and OSD costs a third of a page's reading time) -> deskew (the angle
from a projection profile of the dark pixels; Tesseract's own line finding copes with about 2 degrees
and falls apart at 4) -> recognition -> words with their boxes, mapped back to the page as the file
shows it, in PDF points with the origin top-left and y down (`worker.extracted_text`).

A PDF keeps the text layer of its pages that have one; a page with too little text for its area (a
scan, a scan with a stamped header) is rendered with pdfium and read instead, so a mixed PDF costs OCR
only for the pages that need it.

Hostile images: the pixel count is checked from the header before anything is decoded (and Pillow's
own decompression-bomb limit is set to the same cap), a TIFF's page count is checked by seeking past
the page cap before any page is read, and the reader runs in the contained child
(`worker.contained_extraction`) under the OCR stage's limits.
"""

from __future__ import annotations

import io
import math
import os
import struct
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from worker.extracted_text import PAGE_SEPARATOR, ExtractedText, ExtractionError, PageLayout, WordBox

if TYPE_CHECKING:
    from PIL import Image

    from worker.contained_extraction import ExtractionLimits

POINTS_PER_INCH = 72.0
# Where Debian and the usual source builds put Tesseract's language data; TESSDATA_PREFIX first.
TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)
# An image's own resolution is believed within this range; outside it (or missing: photos) the page
# is taken to be scanned at `assumed_dpi`, which only sets the page's size in points.
_PLAUSIBLE_DPI = (50.0, 2400.0)
# Below this mean word confidence an upright reading is suspect and OSD is asked for the orientation.
_OSD_BELOW_CONFIDENCE = 70.0
_OSD_MIN_CONFIDENCE = 2.0
# Skew search: coarse steps over +-10 degrees, then fine steps around the best.
_SKEW_RANGE = 10.0
_SKEW_COARSE = 0.5
_SKEW_FINE = 0.05
_SKEW_SAMPLE_SIDE = 1200
_SAUVOLA = "2"


def find_tessdata(language: str, configured: Path | None = None) -> Path:
    """The directory holding `<language>.traineddata`; `ocr_failed` names the package to install."""
    candidates = [configured] if configured is not None else []
    if os.environ.get("TESSDATA_PREFIX"):
        candidates.append(Path(os.environ["TESSDATA_PREFIX"]))
    candidates.extend(Path(d) for d in TESSDATA_DIRS)
    for directory in candidates:
        if directory is not None and all((directory / f"{lang}.traineddata").is_file() for lang in language.split("+")):
            return directory
    raise ExtractionError(
        "ocr_failed",
        f"no Tesseract language data {language!r} (Debian: tesseract-ocr-dan, tesseract-ocr-osd; "
        f"or set CONTRACT_NER_OCR_TESSDATA_DIR)",
    )


def needs_ocr(chars: int, width_pt: float, height_pt: float, min_chars_per_square_inch: float) -> bool:
    """Whether a page's text layer is too thin for its area to be the page's text (a scan, or a scan
    under a stamped header or page number)."""
    square_inches = max(width_pt, 1.0) * max(height_pt, 1.0) / POINTS_PER_INCH**2
    return chars < min_chars_per_square_inch * square_inches


def pages_needing_ocr(extracted: ExtractedText) -> list[int]:
    """The 0-based pages the extractor found to be scans (`PageLayout.source == "scan"`)."""
    return [number for number, page in enumerate(extracted.pages) if page.source == "scan"]


# A4 in points: the size assumed for a page whose size the extractor did not report.
_A4 = (595.28, 841.89)


def page_texts(extracted: ExtractedText) -> list[str]:
    ends = [start - len(PAGE_SEPARATOR) for start in extracted.page_starts[1:]] + [len(extracted.text)]
    return [extracted.text[start:end] for start, end in zip(extracted.page_starts, ends, strict=True)]


@dataclass
class PageText:
    """One page on its own: text, words with offsets into that text, and its layout."""

    text: str
    layout: PageLayout
    words: list[WordBox] = field(default_factory=list)


def split_pages(extracted: ExtractedText) -> list[PageText]:
    texts = page_texts(extracted)
    by_page: dict[int, list[WordBox]] = {}
    for word in extracted.words:
        start = extracted.page_starts[word.page - 1]
        by_page.setdefault(word.page, []).append(
            WordBox(word.start - start, word.end - start, word.page, word.x0, word.y0, word.x1, word.y1)
        )
    return [
        PageText(
            text,
            extracted.pages[number] if number < len(extracted.pages) else PageLayout(*_A4, source="none"),
            by_page.get(number + 1, []),
        )
        for number, text in enumerate(texts)
    ]


def join_pages(pages: Sequence[PageText]) -> ExtractedText:
    """The document from its pages, as `ExtractedText.from_pages` joins them, words moved to their
    offsets in the whole text and numbered with their page."""
    joined = ExtractedText.from_pages([page.text for page in pages])
    words = tuple(
        WordBox(word.start + start, word.end + start, number, word.x0, word.y0, word.x1, word.y1)
        for number, (page, start) in enumerate(zip(pages, joined.page_starts, strict=True), 1)
        for word in page.words
    )
    return ExtractedText(joined.text, joined.page_starts, words, tuple(page.layout for page in pages))


# --- one page image ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Turn:
    """A rotation PIL applied to an image (counter-clockwise `degrees` about the centre; `expand`:
    onto a canvas that holds all of it), kept to map points of the result back to the source."""

    degrees: float
    source_size: tuple[int, int]
    result_size: tuple[int, int]

    def to_source(self, x: float, y: float) -> tuple[float, float]:
        radians = math.radians(self.degrees)
        cos, sin = math.cos(radians), math.sin(radians)
        dx, dy = x - self.result_size[0] / 2, y - self.result_size[1] / 2
        return (
            self.source_size[0] / 2 + dx * cos - dy * sin,
            self.source_size[1] / 2 + dx * sin + dy * cos,
        )


def _turn(image: Image.Image, degrees: float, expand: bool) -> tuple[Image.Image, _Turn]:
    from PIL import Image as PILImage

    turned = image.rotate(degrees, resample=PILImage.Resampling.BICUBIC, expand=expand, fillcolor=255)
    return turned, _Turn(degrees, image.size, turned.size)


def estimate_skew(image: Image.Image) -> float:
    """The counter-clockwise rotation in degrees that makes the text lines horizontal: the angle at
    which the dark pixels' row histogram is sharpest (lines of text and the gaps between them)."""
    import numpy as np

    sample = image.copy()
    sample.thumbnail((_SKEW_SAMPLE_SIDE, _SKEW_SAMPLE_SIDE))
    pixels = np.asarray(sample, dtype=np.uint8)
    ys, xs = np.nonzero(pixels < min(128, int(pixels.mean()) - 30))
    if len(xs) < 200:
        return 0.0
    dx = xs - pixels.shape[1] / 2
    dy = ys - pixels.shape[0] / 2

    def sharpness(degrees: float) -> float:
        radians = math.radians(degrees)
        rows = np.round(-dx * math.sin(radians) + dy * math.cos(radians)).astype(np.int64)
        counts = np.bincount(rows - rows.min())
        return float(np.dot(counts, counts))

    coarse = max(np.arange(-_SKEW_RANGE, _SKEW_RANGE + _SKEW_COARSE / 2, _SKEW_COARSE), key=sharpness)
    fine = np.arange(coarse - _SKEW_COARSE, coarse + _SKEW_COARSE + _SKEW_FINE / 2, _SKEW_FINE)
    return round(float(max(fine, key=sharpness)), 2)


@dataclass(frozen=True)
class _Reading:
    text: str
    words: list[tuple[int, int, tuple[float, float, float, float], float]]
    """(start, end, box in the read image's pixels, confidence)."""

    @property
    def confidence(self) -> float:
        confidences = [c for *_, c in self.words if c >= 0]
        return sum(confidences) / len(confidences) if confidences else 0.0


class PageReader:
    """Tesseract, initialised once per document (loading the language model is a large part of a
    short document's time), reading one page image at a time."""

    def __init__(self, language: str, tessdata: Path, deskew_min_degrees: float) -> None:
        import tesserocr

        self._tesserocr = tesserocr
        self.deskew_min_degrees = deskew_min_degrees
        try:
            self._api = tesserocr.PyTessBaseAPI(path=str(tessdata) + "/", lang=language, psm=tesserocr.PSM.AUTO)
        except RuntimeError as exc:
            raise ExtractionError(
                "ocr_failed", f"Tesseract could not load {language!r} from {tessdata}: {exc}"
            ) from exc
        # Sauvola's local thresholds: with the global Otsu threshold a mostly empty page of scanner
        # noise (a signature page, one line of text) is taken for a picture and reads as nothing;
        # on full pages both read the same at the same speed (trial on dev-set scans).
        self._api.SetVariable("thresholding_method", _SAUVOLA)
        self._osd: Any = None
        self._tessdata = tessdata

    def close(self) -> None:
        self._api.End()
        if self._osd is not None:
            self._osd.End()

    def read(self, image: Image.Image, size_pt: tuple[float, float]) -> PageText:
        """The page's text and words; boxes in points of the page as `image` shows it (before any turn),
        the page being `size_pt` (width, height) large."""
        gray = image if image.mode == "L" else image.convert("L")
        reading, turns = self._read_upright(gray)
        if reading.confidence < _OSD_BELOW_CONFIDENCE and reading.words:
            orientation = self._orientation(gray)
            if orientation:
                turned, turn = _turn(gray, orientation, expand=True)
                second, more = self._read_upright(turned)
                if second.confidence > reading.confidence:
                    reading, turns = second, [*more, turn]
        scale_x, scale_y = size_pt[0] / gray.width, size_pt[1] / gray.height
        words = []
        for start, end, (left, top, right, bottom), _ in reading.words:
            corners = [(left, top), (right, top), (left, bottom), (right, bottom)]
            for turn in turns:
                corners = [turn.to_source(x, y) for x, y in corners]
            xs = [min(max(x, 0.0), gray.width) for x, _ in corners]
            ys = [min(max(y, 0.0), gray.height) for _, y in corners]
            words.append(
                WordBox(start, end, 0, min(xs) * scale_x, min(ys) * scale_y, max(xs) * scale_x, max(ys) * scale_y)
            )
        layout = PageLayout(size_pt[0], size_pt[1], source="ocr", ocr_confidence=round(reading.confidence, 2))
        return PageText(reading.text, layout, words)

    def _read_upright(self, image: Image.Image) -> tuple[_Reading, list[_Turn]]:
        skew = estimate_skew(image)
        if abs(skew) >= self.deskew_min_degrees:
            straight, turn = _turn(image, skew, expand=False)
            return self._recognise(straight), [turn]
        return self._recognise(image), []

    def _orientation(self, image: Image.Image) -> int:
        """Counter-clockwise degrees (0, 90, 180, 270) that turn the page upright, by Tesseract's OSD."""
        tesserocr = self._tesserocr
        if self._osd is None:
            try:
                self._osd = tesserocr.PyTessBaseAPI(
                    path=str(self._tessdata) + "/", lang="osd", psm=tesserocr.PSM.OSD_ONLY
                )
            except RuntimeError:
                return 0  # without osd.traineddata the page is read as it lies
        self._osd.SetImage(image)
        try:
            found = self._osd.DetectOrientationScript()
        except RuntimeError:  # too little text to tell: read it as it lies
            return 0
        if not found or found.get("orient_conf", 0.0) < _OSD_MIN_CONFIDENCE:
            return 0
        # OSD reports how far the page is turned; turning it that much further makes it upright.
        return int(found["orient_deg"]) % 360

    def _recognise(self, image: Image.Image) -> _Reading:
        tesserocr = self._tesserocr
        api = self._api
        api.SetImage(image)
        api.Recognize()
        word_level, line_level = tesserocr.RIL.WORD, tesserocr.RIL.TEXTLINE
        parts: list[str] = []
        words: list[tuple[int, int, tuple[float, float, float, float], float]] = []
        position = 0
        iterator = api.GetIterator()
        if iterator is None:
            return _Reading("", [])
        for word in tesserocr.iterate_level(iterator, word_level):
            try:
                text = (word.GetUTF8Text(word_level) or "").strip()
            except RuntimeError:  # tesserocr's "No text returned": an empty page, or an empty element
                continue
            box = word.BoundingBox(word_level)
            if not text or box is None:
                continue
            if parts:
                if word.IsAtBeginningOf(tesserocr.RIL.BLOCK):
                    separator = "\n\n"
                elif word.IsAtBeginningOf(line_level):
                    separator = "\n"
                else:
                    separator = " "
                parts.append(separator)
                position += len(separator)
            parts.append(text)
            words.append((position, position + len(text), tuple(map(float, box)), float(word.Confidence(word_level))))  # type: ignore[arg-type]
            position += len(text)
        return _Reading("".join(parts), words)


# --- the readers the OCR stage runs, one per format ---------------------------------------------------


@dataclass(frozen=True)
class OcrSettings:
    """What the OCR readers need beyond the extraction limits; picklable, for the contained child."""

    language: str = "dan"
    tessdata: Path | None = None
    render_dpi: float = 300.0
    assumed_dpi: float = 200.0
    max_image_pixels: int = 60_000_000
    min_chars_per_square_inch: float = 0.5
    deskew_min_degrees: float = 1.0

    @classmethod
    def from_settings(cls) -> OcrSettings:
        from models.settings import get_settings

        settings = get_settings()
        return cls(
            language=settings.ocr_language,
            tessdata=settings.ocr_tessdata_dir,
            render_dpi=settings.ocr_render_dpi,
            assumed_dpi=settings.ocr_assumed_dpi,
            max_image_pixels=settings.ocr_max_image_pixels,
            min_chars_per_square_inch=settings.ocr_min_chars_per_square_inch,
            deskew_min_degrees=settings.ocr_deskew_min_degrees,
        )


class _OcrExtractor:
    def __init__(self, max_pages: int | None = None, max_chars: int | None = None, ocr: OcrSettings | None = None):
        self.max_pages = max_pages
        self.max_chars = max_chars
        self.ocr = ocr or OcrSettings()

    @classmethod
    def configured(cls, limits: ExtractionLimits) -> Self:
        return cls(limits.max_pages, limits.max_chars, OcrSettings.from_settings())

    def _reader(self) -> PageReader:
        return PageReader(
            self.ocr.language, find_tessdata(self.ocr.language, self.ocr.tessdata), self.ocr.deskew_min_degrees
        )

    def _finish(self, pages: list[PageText], ocr_pages: int) -> ExtractedText:
        extracted = join_pages(pages)
        if self.max_chars is not None and len(extracted.text) > self.max_chars:
            raise ExtractionError("too_large", f"the extracted text exceeds {self.max_chars} characters")
        if not extracted.text.strip():
            raise ExtractionError("ocr_failed", f"OCR read no text on any of the {ocr_pages} page images")
        return extracted

    def _check_pixels(self, width: int, height: int, what: str) -> None:
        if width * height > self.ocr.max_image_pixels:
            raise ExtractionError(
                "too_large",
                f"{what} is {width} x {height} pixels (limit {self.ocr.max_image_pixels:,} pixels per page)",
            )


class ImageOcrExtractor(_OcrExtractor):
    """PNG, JPEG and TIFF (every page of a multi-page TIFF) read by OCR."""

    def extract(self, data: bytes) -> ExtractedText:
        from PIL import Image as PILImage
        from PIL import UnidentifiedImageError

        PILImage.MAX_IMAGE_PIXELS = self.ocr.max_image_pixels
        pages: list[PageText] = []
        reader: PageReader | None = None
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            try:
                image = PILImage.open(io.BytesIO(data))
                self._check_pages(image)
                reader = self._reader()
                for number, frame in enumerate(self._frames(image), 1):
                    self._check_pixels(frame.width, frame.height, f"page {number}")
                    dpi_x, dpi_y = self._dpi(frame)
                    size = (frame.width * POINTS_PER_INCH / dpi_x, frame.height * POINTS_PER_INCH / dpi_y)
                    pages.append(reader.read(frame, size))
            except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as exc:
                raise ExtractionError("too_large", f"the image has too many pixels: {exc}") from exc
            except UnidentifiedImageError as exc:
                raise ExtractionError("parse_error", f"the image cannot be read: {exc}") from exc
            except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
                # Pillow reports damaged or truncated image data with these.
                raise ExtractionError("parse_error", f"the image is damaged: {type(exc).__name__}: {exc}") from exc
            finally:
                if reader is not None:
                    reader.close()
        return self._finish(pages, len(pages))

    def _check_pages(self, image: Image.Image) -> None:
        """Refuse more pages than the cap before reading any: seeking past the cap walks only the
        page headers (a TIFF's directories), never the pixels."""
        self._check_pixels(image.width, image.height, "the first page")
        if self.max_pages is None:
            return
        try:
            image.seek(self.max_pages)
        except EOFError:
            image.seek(0)
            return
        raise ExtractionError("too_large", f"the image has more than {self.max_pages} pages")

    @staticmethod
    def _frames(image: Image.Image) -> Iterator[Image.Image]:
        number = 0
        while True:
            try:
                image.seek(number)
            except EOFError:
                return
            yield image
            number += 1

    def _dpi(self, image: Image.Image) -> tuple[float, float]:
        dpi = image.info.get("dpi")
        try:
            x, y = (float(dpi[0]), float(dpi[1])) if dpi else (0.0, 0.0)
        except (TypeError, ValueError, IndexError):
            x = y = 0.0
        low, high = _PLAUSIBLE_DPI
        if low <= x <= high and low <= y <= high:
            return x, y
        return self.ocr.assumed_dpi, self.ocr.assumed_dpi


class PdfOcrExtractor(_OcrExtractor):
    """A PDF whose pages, or some of them, have no usable text layer: the text layer is kept where it
    is the page's text (pdfminer.six, as the extract stage reads it), the scanned pages (`scan`: an
    image over most of the page, too little text for its area; every page when none has text) are
    rendered with pdfium and read by OCR. `max_pages` caps the pages read by OCR; the extract stage
    has already capped the document's pages."""

    def extract(self, data: bytes) -> ExtractedText:
        import pypdfium2 as pdfium

        from worker.extraction import PdfExtractor

        try:
            text_layer = split_pages(
                PdfExtractor(None, self.max_chars, self.ocr.min_chars_per_square_inch).extract(data)
            )
        except ExtractionError as exc:
            if exc.code != "no_text_layer":
                raise
            text_layer = []  # no page has text: every page is read
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise ExtractionError("parse_error", f"the PDF cannot be rendered: {exc}") from exc
        reader: PageReader | None = None
        pages: list[PageText] = []
        read = 0
        try:
            count = len(document)
            # A page the text layer kept, or None for one to read (missing from the text layer: read).
            kept_pages: list[PageText | None] = [None] * count
            for number, page_text in enumerate(text_layer[:count]):
                kept_pages[number] = page_text if page_text.layout.source != "scan" else None
            to_read = kept_pages.count(None)
            if self.max_pages is not None and to_read > self.max_pages:
                raise ExtractionError("too_large", f"the PDF has {to_read} pages to OCR (limit {self.max_pages})")
            for number, kept in enumerate(kept_pages):
                if kept is not None:
                    pages.append(kept)
                    continue
                page = document[number]
                width, height = page.get_size()
                if reader is None:
                    reader = self._reader()
                scale = self._scale(width, height)
                bitmap = page.render(scale=scale, grayscale=True)
                image = bitmap.to_pil()
                pages.append(reader.read(image, (width, height)))
                read += 1
                page.close()
        except pdfium.PdfiumError as exc:
            raise ExtractionError("parse_error", f"the PDF cannot be rendered: {exc}") from exc
        finally:
            if reader is not None:
                reader.close()
            document.close()
        return self._finish(pages, read)

    def _scale(self, width_pt: float, height_pt: float) -> float:
        """Render at the configured resolution, lower for a page so large it would pass the pixel cap."""
        scale = self.ocr.render_dpi / POINTS_PER_INCH
        pixels = width_pt * height_pt * scale * scale
        if pixels > self.ocr.max_image_pixels:
            scale *= math.sqrt(self.ocr.max_image_pixels / pixels)
        return scale
