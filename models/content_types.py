"""The formats the pipeline reads, declared once: how each is recognised from its bytes (a client's
filename and Content-Type header are metadata only), which extractor reads its text layer, whether that
parser runs contained in a limited child process, which reader of the OCR stage reads its pages when they
have no text layer, and how it is named in messages. The API (415 at upload), the extract and ocr stages
and `contract-ner extract` all go through this table, so accepting a new format is one entry here plus
its extractor class in `worker/extraction.py` (or its OCR reader in `worker/ocr.py`)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import filetype
from charset_normalizer import from_bytes


@dataclass(frozen=True)
class DocumentFormat:
    name: str
    content_type: str
    """Stored on the document; the key the extract stage looks its extractor up by."""
    label: str
    """How people call it, in messages."""
    sniff: Callable[[bytes], bool]
    """True when the bytes are this format. Formats are tried in table order."""
    extractor: str | None
    """`module:Class` of its `TextExtractor`, built by the worker with the configured limits (the
    worker's code is not imported here: `models` is shared with the API). None: the format has no
    text layer (an image) and the extract stage hands it to the OCR stage as it is."""
    contained: bool
    """Parsed in a fresh child process under memory/CPU/wall limits: the parser reads hostile bytes
    and can be made to explode. Plain decoding that cannot explode runs in-process. (OCR readers
    always run contained.)"""
    ocr_reader: str | None = None
    """`module:Class` of the `TextExtractor` the OCR stage reads the document with when pages have no
    (or too thin a) text layer; None: the format is never read by OCR."""


_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_TEXT_SAMPLE = 65536


def decode_text(data: bytes) -> str | None:
    if data.startswith(_BOMS):
        best = from_bytes(data).best()
        return str(best) if best is not None else None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:8192]:
        return None
    best = from_bytes(data, cp_isolation=["cp1252", "latin_1", "iso8859_15", "cp865", "mac_roman"]).best()
    return str(best) if best is not None else None


def _is_pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:1024]


def _is_docx(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in set(archive.namelist())
    except zipfile.BadZipFile:
        return False


def _is_png(data: bytes) -> bool:
    return data.startswith(b"\x89PNG\r\n\x1a\n")


def _is_jpeg(data: bytes) -> bool:
    return data.startswith(b"\xff\xd8\xff")


def _is_tiff(data: bytes) -> bool:
    # Little- and big-endian, classic and BigTIFF.
    return data[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


def _is_text(data: bytes) -> bool:
    if data.startswith(_BOMS):
        return decode_text(data) is not None
    if data.startswith(b"PK\x03\x04") or filetype.guess(data[:8192]) is not None:
        return False  # archives, images, executables, audio ...
    sample = data[:8192]
    if len(_CONTROL.findall(sample)) > max(8, len(sample) // 100):
        return False
    return decode_text(data[:_TEXT_SAMPLE] if len(data) > _TEXT_SAMPLE else data) is not None


PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT = "text/plain"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"
_IMAGE_READER = "worker.ocr:ImageOcrExtractor"

FORMATS: tuple[DocumentFormat, ...] = (
    DocumentFormat(
        "pdf",
        PDF,
        "PDF",
        _is_pdf,
        "worker.extraction:PdfExtractor",
        contained=True,
        ocr_reader="worker.ocr:PdfOcrExtractor",
    ),
    DocumentFormat("docx", DOCX, "DOCX", _is_docx, "worker.extraction:DocxExtractor", contained=True),
    DocumentFormat("png", PNG, "PNG", _is_png, None, contained=True, ocr_reader=_IMAGE_READER),
    DocumentFormat("jpeg", JPEG, "JPEG", _is_jpeg, None, contained=True, ocr_reader=_IMAGE_READER),
    DocumentFormat("tiff", TIFF, "TIFF", _is_tiff, None, contained=True, ocr_reader=_IMAGE_READER),
    # Last: any bytes that decode as text and that no other format claimed.
    DocumentFormat("text", TEXT, "plain text", _is_text, "worker.extraction:PlainTextExtractor", contained=False),
)
SUPPORTED_TYPES = tuple(f.content_type for f in FORMATS)


def format_of(content_type: str) -> DocumentFormat | None:
    """The table's entry for a stored document's content type."""
    return next((f for f in FORMATS if f.content_type == content_type), None)


def sniff_format(data: bytes) -> DocumentFormat | None:
    """The format the bytes really have, or None for anything the pipeline does not read."""
    return next((f for f in FORMATS if f.sniff(data)), None)


def sniff_content_type(data: bytes) -> str | None:
    found = sniff_format(data)
    return found.content_type if found is not None else None


def supported_formats_sentence() -> str:
    labels = [f.label for f in FORMATS]
    return f"{', '.join(labels[:-1])} and {labels[-1]}" if len(labels) > 1 else labels[0]


def describe_unsupported(data: bytes) -> str:
    supported = f"supported types are {supported_formats_sentence()}"
    kind = filetype.guess(data[:8192])
    if kind is not None:
        return f"detected {kind.mime}; {supported}"
    if data.startswith(b"PK\x03\x04"):
        return f"a ZIP archive that is not a Word document; {supported}"
    return f"binary data of unknown type; {supported}"
