"""Text extraction keeps pages and offsets; content types come from the bytes, not from the client."""

from __future__ import annotations

import pytest

from models.content_types import DOCX, PDF, TEXT, sniff_content_type
from tests.documents import make_docx, make_gif, make_pdf
from worker.extraction import ExtractedText, ExtractionError, extract_text


def test_pdf_text_keeps_page_boundaries() -> None:
    data = make_pdf(["Første side: Nordlys ApS", "Anden side: løn 32.500,00 kr.", "Tredje side"])

    extracted = extract_text(data, sniff_content_type(data) or "")

    assert extracted.page_count == 3
    second = extracted.text[extracted.page_starts[1] : extracted.page_starts[2]]
    assert "Anden side: løn 32.500,00 kr." in second
    assert extracted.text[extracted.page_starts[0] :].startswith("Første side")


def test_docx_paragraphs_and_tables_are_read_in_order() -> None:
    data = make_docx(["Ansættelsesbevis", "Mellem Nordlys ApS og Mette Hansen."], [("Løn", "32.500,00 kr.")])

    extracted = extract_text(data, DOCX)

    assert extracted.text == "Ansættelsesbevis\nMellem Nordlys ApS og Mette Hansen.\nLøn\t32.500,00 kr."


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_plain_text_in_any_common_encoding(encoding: str) -> None:
    original = "Ansættelsen tiltrædes den 1. februar 2024 på Åboulevarden i Århus.\r\nLøn: 32.500 kr."
    data = original.encode(encoding)

    assert sniff_content_type(data) == TEXT
    assert extract_text(data, TEXT).text == original.replace("\r\n", "\n")


def test_form_feeds_mark_pages_in_plain_text() -> None:
    extracted = extract_text(b"side et\fside to", TEXT)

    assert extracted == ExtractedText("side et\n\nside to", [0, 9])


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (make_pdf(["x"]), PDF),
        (make_docx(["x"]), DOCX),
        ("Løn og vilkår".encode(), TEXT),
        (make_gif(), None),
        (b"PK\x03\x04" + b"\x00" * 100, None),
        (bytes(range(256)) * 10, None),
    ],
    ids=["pdf", "docx", "text", "gif", "broken-zip", "binary"],
)
def test_content_type_is_sniffed_from_bytes(data: bytes, expected: str | None) -> None:
    assert sniff_content_type(data) == expected


def test_a_truncated_pdf_is_a_parse_error() -> None:
    data = make_pdf(["Nordlys ApS"] * 3)

    with pytest.raises(ExtractionError) as failure:
        extract_text(data[: len(data) // 3], PDF)

    assert failure.value.code == "parse_error"


def test_a_pdf_without_text_has_no_text_layer() -> None:
    with pytest.raises(ExtractionError) as failure:
        extract_text(make_pdf([""]), PDF)

    assert failure.value.code == "no_text_layer"


def test_extractors_can_be_swapped_per_format() -> None:
    class UpperCaseText:
        def extract(self, data: bytes) -> ExtractedText:
            return ExtractedText(data.decode().upper(), [0])

    assert extract_text(b"hej", TEXT, {TEXT: UpperCaseText()}).text == "HEJ"


def test_every_declared_format_is_read_by_the_extractor_its_entry_names() -> None:
    from models.content_types import FORMATS
    from worker.contained_extraction import ContainedExtractor, ExtractionLimits
    from worker.extraction import DEFAULT_EXTRACTORS, DEFAULT_OCR_READERS, build_extractor, build_ocr_reader

    built = {f.name: e for f in FORMATS if (e := build_extractor(f, ExtractionLimits())) is not None}
    readers = {f.name: e for f in FORMATS if (e := build_ocr_reader(f, ExtractionLimits())) is not None}

    assert set(DEFAULT_EXTRACTORS) == {f.content_type for f in FORMATS if f.extractor is not None}
    assert set(DEFAULT_OCR_READERS) == {f.content_type for f in FORMATS if f.ocr_reader is not None}
    assert {name for name, e in built.items() if isinstance(e, ContainedExtractor)} == {
        f.name for f in FORMATS if f.contained and f.extractor is not None
    }
    assert {type(getattr(e, "inner", e)).__name__ for e in built.values()} == {
        f.extractor.partition(":")[2] for f in FORMATS if f.extractor is not None
    }
    # OCR readers decode hostile images: always in the limited child.
    assert all(isinstance(e, ContainedExtractor) for e in readers.values())
    assert {type(e.inner).__name__ for e in readers.values()} == {  # type: ignore[attr-defined]
        f.ocr_reader.partition(":")[2] for f in FORMATS if f.ocr_reader is not None
    }


def test_a_refusal_names_the_formats_the_table_accepts() -> None:
    from models.content_types import describe_unsupported

    assert describe_unsupported(make_gif()).endswith("supported types are PDF, DOCX, PNG, JPEG, TIFF and plain text")


def _pdfminer_text(data: bytes) -> str:
    """The text the way pdfminer's own high-level API reads it, page by page."""
    import io

    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer

    pages = [
        "".join(el.get_text() for el in layout if isinstance(el, LTTextContainer)).rstrip()
        for layout in extract_pages(io.BytesIO(data), laparams=LAParams())
    ]
    return ExtractedText.from_pages(pages).text


def test_pdf_words_cover_exactly_the_words_of_the_text() -> None:
    from tests.documents import FILLER

    data = make_pdf(["Første side: Nordlys ApS, løn 32.500,00 kr. " + FILLER * 3, "", "Tredje side\nslut"])

    extracted = extract_text(data, PDF)

    assert extracted.text == _pdfminer_text(data)
    # Each whitespace-separated word is one box, or a few where punctuation gets boxes of its own.
    pieces = [extracted.text[w.start : w.end] for w in extracted.words]
    assert "".join(pieces) == "".join(extracted.text.split())
    assert pieces[:9] == ["Første", "side", ":", "Nordlys", "ApS", ",", "løn", "32.500,00", "kr"]
    assert [w.page for w in extracted.words if extracted.text[w.start : w.end] == "slut"] == [3]
    assert [(p.width, p.height, p.source) for p in extracted.pages] == [
        (595.28, 841.89, "text_layer"),
        (595.28, 841.89, "none"),
        (595.28, 841.89, "text_layer"),
    ]


def test_pdf_word_boxes_lie_where_the_writer_put_the_words() -> None:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format=(600, 400))
    pdf.add_page()
    pdf.set_font("Helvetica", size=20)
    pdf.text(x=100, y=50, text="Nordlys")  # y is the baseline, from the top
    pdf.text(x=300, y=300, text="ApS")
    data = bytes(pdf.output())

    extracted = extract_text(data, PDF)

    nordlys, aps = extracted.words
    assert extracted.pages[0].width == 600 and extracted.pages[0].height == 400
    # Helvetica at 20 pt: descender 0.207 em below the baseline, the box one em tall above that.
    assert (nordlys.x0, nordlys.y1) == pytest.approx((100, 50 + 0.207 * 20), abs=0.01)
    assert nordlys.y1 - nordlys.y0 == pytest.approx(20, abs=0.01)
    assert nordlys.x1 - nordlys.x0 == pytest.approx(pdf.get_string_width("Nordlys"), abs=0.01)
    assert (aps.x0, aps.y1) == pytest.approx((300, 300 + 0.207 * 20), abs=0.01)


def test_contained_extraction_carries_words_and_pages_back_unchanged() -> None:
    from tests.documents import FILLER
    from worker.contained_extraction import ContainedExtractor, ExtractionLimits
    from worker.extraction import PdfExtractor

    data = make_pdf(["Nordlys ApS " + FILLER * 10, "Anden side: løn 32.500,00 kr."])

    in_process = PdfExtractor().extract(data)
    contained = ContainedExtractor(PdfExtractor(), ExtractionLimits()).extract(data)

    assert len(contained.words) > 100
    assert contained == in_process
