"""Pages without a text layer are read by OCR: scanned PDFs, images (PNG, JPEG, multi-page TIFF), the
scanned pages of a mixed PDF and nothing else, turned and skewed pages, each page with its confidence
and every word with its box in PDF points (origin top-left, y down). The scans are made the way
`bench.scanned_devset` makes them (rendered at 200 dpi, noise, skew); the reader is the real Tesseract."""

from __future__ import annotations

import io
import random

import pypdfium2 as pdfium
import pytest
from PIL import Image

from bench.scanned_devset import SCAN_DPI, render_pages, scan_page
from models.content_types import JPEG, PDF, PNG, TIFF, sniff_content_type
from tests.documents import make_pdf, make_scan
from worker.contained_extraction import ContainedExtractor, ExtractionLimits
from worker.extracted_text import ExtractedText, ExtractionError, WordBox
from worker.extraction import PdfExtractor, read_text, text_layer
from worker.ocr import ImageOcrExtractor, PdfOcrExtractor, estimate_skew, needs_ocr

CONTRACT = (
    "Ansættelseskontrakt mellem Nordlys ApS og Mette Hansen.\n"
    "Arbejdsstedet er Supervej 21, 2000 Frederiksberg.\n"
    "Lønnen udgør 32.500,00 kr. pr. måned fra den 22-03-2023."
)
WORDS = ("Ansættelseskontrakt", "Nordlys", "Mette", "Hansen.", "Supervej", "Frederiksberg.", "32.500,00", "22-03-2023.")


def word(extracted: ExtractedText, text: str) -> WordBox:
    return next(w for w in extracted.words if extracted.text[w.start : w.end] == text)


def text_layer_box(pdf: bytes, text: str) -> tuple[float, float, float, float]:
    """Where pdfium places `text` in a text-layer PDF, in points from the top-left corner."""
    page = pdfium.PdfDocument(pdf)[0]
    textpage = page.get_textpage()
    start = textpage.get_text_range().index(text)
    boxes = [textpage.get_charbox(i) for i in range(start, start + len(text))]
    height = page.get_size()[1]
    return (
        min(b[0] for b in boxes),
        height - max(b[3] for b in boxes),
        max(b[2] for b in boxes),
        height - min(b[1] for b in boxes),
    )


def overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def box(w: WordBox) -> tuple[float, float, float, float]:
    return (w.x0, w.y0, w.x1, w.y1)


def test_a_scanned_pdf_is_read_with_its_confidence_and_word_boxes_on_the_page() -> None:
    scan = make_scan([CONTRACT], skew_degrees=0.0)

    extracted = PdfOcrExtractor().extract(scan)

    for expected in WORDS:
        assert expected in extracted.text.split(), (expected, extracted.text)
    (layout,) = extracted.pages
    assert layout.source == "ocr"
    assert layout.ocr_confidence is not None and layout.ocr_confidence > 80
    assert (round(layout.width), round(layout.height)) == (595, 842)  # A4 in points, as scanned
    for found in extracted.words:
        assert found.page == 1 and extracted.text[found.start : found.end].strip()
        assert 0 <= found.x0 < found.x1 <= layout.width and 0 <= found.y0 < found.y1 <= layout.height
    # The scan is the text-layer PDF printed: each word's box lies where the text layer put it.
    original = make_pdf([CONTRACT])
    for text in ("Nordlys", "Supervej", "32.500,00"):
        assert overlap(box(word(extracted, text)), text_layer_box(original, text)) > 0.6, text


def test_a_mixed_pdf_keeps_its_text_layer_and_reads_only_the_scanned_page() -> None:
    typed = make_pdf(["Tillæg til ansættelseskontrakt. " * 20])
    combined = pdfium.PdfDocument.new()
    combined.import_pages(pdfium.PdfDocument(typed))
    combined.import_pages(pdfium.PdfDocument(make_scan([CONTRACT])))
    buffer = io.BytesIO()
    combined.save(buffer)
    mixed = buffer.getvalue()

    extracted = PdfOcrExtractor().extract(mixed)

    typed_text = PdfExtractor().extract(typed).text
    assert extracted.text[: extracted.page_starts[1]].strip() == typed_text.strip()
    assert [page.source for page in extracted.pages] == ["text_layer", "ocr"]
    assert "Nordlys" in extracted.text[extracted.page_starts[1] :]
    assert all(w.page == 2 for w in extracted.words if w.start >= extracted.page_starts[1])
    # The extract stage hands it to the OCR stage: its second page is a scan.
    assert [page.source for page in PdfExtractor().extract(mixed).pages] == ["text_layer", "scan"]
    assert text_layer(mixed, PDF, {PDF: PdfExtractor()}) is None


def test_a_short_page_without_images_is_text_not_a_scan() -> None:
    # A cover or signature page: little text for its area, but nothing an OCR could read more of.
    short = make_pdf(["Nordlys ApS", "Underskrift"])

    assert [page.source for page in PdfExtractor().extract(short).pages] == ["text_layer", "text_layer"]
    assert text_layer(short, PDF, {PDF: PdfExtractor()}) is not None


@pytest.mark.parametrize(("image_format", "content_type"), [("PNG", PNG), ("JPEG", JPEG), ("TIFF", TIFF)])
def test_images_are_recognised_by_their_bytes_and_read(image_format: str, content_type: str) -> None:
    image = make_scan([CONTRACT], image_format)

    assert sniff_content_type(image) == content_type
    extracted = read_text(image, content_type, {}, {content_type: ImageOcrExtractor()})
    assert "Nordlys" in extracted.text and "32.500,00" in extracted.text
    assert extracted.pages[0].source == "ocr"
    # 200 dpi as the file says: the page is A4 in points.
    assert round(extracted.pages[0].width) == 595


def test_every_page_of_a_multi_page_tiff_is_read() -> None:
    tiff = make_scan(["Side et: Nordlys ApS", "Side to: Mette Hansen"], "TIFF")

    extracted = ImageOcrExtractor().extract(tiff)

    assert extracted.page_count == 2
    first, second = extracted.text[: extracted.page_starts[1]], extracted.text[extracted.page_starts[1] :]
    assert "Nordlys" in first and "Hansen" in second
    assert {w.page for w in extracted.words} == {1, 2}


def test_a_page_skewed_four_degrees_is_straightened_before_it_is_read() -> None:
    # Tesseract's own line finding reads a 4 degree skew as garbage (CER 0.54 in a trial); straightened,
    # the page reads as well as an upright one.
    page = render_pages(make_pdf([CONTRACT]))[0]
    skewed = scan_page(page, random.Random(1), skew_degrees=4.0).image
    buffer = io.BytesIO()
    skewed.save(buffer, format="PNG", dpi=(SCAN_DPI, SCAN_DPI))

    assert estimate_skew(skewed) == pytest.approx(-4.0, abs=0.2)
    extracted = ImageOcrExtractor().extract(buffer.getvalue())
    for expected in ("Nordlys", "Supervej", "32.500,00"):
        assert expected in extracted.text, extracted.text


def test_a_page_turned_on_its_side_is_read_upright_and_its_boxes_stay_on_the_turned_page() -> None:
    upright = Image.open(io.BytesIO(make_scan([CONTRACT], "PNG", skew_degrees=0.0)))
    turned = upright.transpose(Image.Transpose.ROTATE_90)  # a quarter turn counter-clockwise
    buffer = io.BytesIO()
    turned.save(buffer, format="PNG", dpi=(SCAN_DPI, SCAN_DPI))

    straight = ImageOcrExtractor().extract(make_scan([CONTRACT], "PNG", skew_degrees=0.0))
    sideways = ImageOcrExtractor().extract(buffer.getvalue())

    assert "Nordlys" in sideways.text and "32.500,00" in sideways.text
    layout = sideways.pages[0]
    assert layout.width > layout.height  # the page as the file shows it: on its side
    # A quarter turn counter-clockwise takes (x, y) on the upright page to (y, width - x).
    upright_box = word(straight, "Nordlys")
    expected = (
        upright_box.y0,
        straight.pages[0].width - upright_box.x1,
        upright_box.y1,
        straight.pages[0].width - upright_box.x0,
    )
    assert overlap(box(word(sideways, "Nordlys")), expected) > 0.8


def test_contract_ner_extract_reads_a_scan_as_the_ocr_stage_does(tmp_path) -> None:
    from cli.folder_extraction import parse_file

    photo = tmp_path / "kontrakt.png"
    photo.write_bytes(make_scan([CONTRACT], "PNG"))

    parsed = parse_file(photo)

    assert isinstance(parsed, ExtractedText), parsed
    assert "Nordlys" in parsed.text and parsed.pages[0].source == "ocr"


def test_the_contained_child_hands_back_words_and_pages() -> None:
    image = make_scan([CONTRACT], "PNG", skew_degrees=0.0)

    contained = ContainedExtractor(
        ImageOcrExtractor(), ExtractionLimits(memory_mb=2048, cpu_s=120, wall_s=120)
    ).extract(image)

    assert "Nordlys" in contained.text
    assert contained.pages[0].source == "ocr" and contained.pages[0].ocr_confidence is not None
    assert len(contained.words) == len(contained.text.split())


@pytest.mark.parametrize(
    ("chars", "ocr"),
    [(0, True), (47, True), (49, False), (2800, False)],
)
def test_a_page_is_read_by_ocr_when_its_text_is_too_thin_for_its_area(chars: int, ocr: bool) -> None:
    # A4 is 96.7 square inches: at 0.5 characters per square inch, 48 characters are enough.
    assert needs_ocr(chars, 595.28, 841.89, 0.5) is ocr


def test_a_scan_with_nothing_to_read_fails_as_ocr_failed() -> None:
    blank = Image.new("L", (1654, 2339), 245)
    buffer = io.BytesIO()
    blank.save(buffer, format="PNG", dpi=(SCAN_DPI, SCAN_DPI))

    with pytest.raises(ExtractionError) as failure:
        ImageOcrExtractor().extract(buffer.getvalue())

    assert failure.value.code == "ocr_failed"
