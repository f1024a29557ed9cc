"""Content-type sniffing from bytes, shared by the API (415 at upload) and the extract stage: a
client's filename and Content-Type header are metadata only."""

from __future__ import annotations

import io
import re
import zipfile

import filetype
from charset_normalizer import from_bytes

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT = "text/plain"
SUPPORTED_TYPES = (PDF, DOCX, TEXT)
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


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


_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def sniff_content_type(data: bytes) -> str | None:
    """The content type the bytes really have, or None for anything we do not read."""
    head = data[:1024]
    if b"%PDF-" in head:
        return PDF
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        return DOCX if "word/document.xml" in names else None
    if data.startswith(_BOMS):
        return TEXT if decode_text(data) is not None else None
    if filetype.guess(data[:8192]) is not None:
        return None  # images, archives, executables, audio ...
    sample = data[:8192]
    if len(_CONTROL.findall(sample)) > max(8, len(sample) // 100):
        return None
    return TEXT if decode_text(data[:65536] if len(data) > 65536 else data) is not None else None


def describe_unsupported(data: bytes) -> str:
    kind = filetype.guess(data[:8192])
    if kind is not None:
        return f"detected {kind.mime}; supported types are PDF, DOCX and plain text"
    if data.startswith(b"PK\x03\x04"):
        return "a ZIP archive that is not a Word document; supported types are PDF, DOCX and plain text"
    return "binary data of unknown type; supported types are PDF, DOCX and plain text"
