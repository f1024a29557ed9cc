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
