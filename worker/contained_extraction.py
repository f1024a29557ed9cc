"""Contained parsing: PDF and DOCX parsers run on hostile bytes, so each document is parsed in a fresh
child process (`python -m worker.contained_extraction`) under memory, CPU and file-size limits, a wall
timeout and page/character caps. A parser that explodes takes only the child with it; the worker sees a
stable reason code.

The child is started with `subprocess`, not `multiprocessing`: Celery's prefork children are daemonic
and may not have children of their own through `multiprocessing`. The parent sends a pickled request
header (its own objects, trusted) and the raw bytes on stdin; the child answers JSON in a temporary
file, never a pickle, so nothing the hostile input influenced is unpickled in the worker.

Word boxes can number one per two characters of text, so they do not travel as JSON objects: the JSON
line is followed by the words packed as fixed-size records (`models.page_geometry`), which the parent
unpacks and checks against the text before trusting them.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import re
import signal
import struct
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from models.page_geometry import WORD_RECORD, pack_words, unpack_words
from models.process_limits import limit_this_process
from worker.extracted_text import ExtractedText, ExtractionError, PageLayout, TextExtractor, WordBox

if TYPE_CHECKING:
    from models.settings import Settings

_REPO_ROOT = Path(__file__).resolve().parent.parent
_MIB = 1024 * 1024
# Output JSON holds at most 4 UTF-8 bytes per character, 6 for an escaped control character.
_BYTES_PER_CHAR = 6
_HEADER = struct.Struct("!I")
_WORD = WORD_RECORD
# A page layout as JSON: [width, height, source, confidence], generously.
_BYTES_PER_PAGE = 96
_ERROR_TAIL = 2000
_ERROR_HEAD = 64 * 1024
_ALLOCATION_FAILURES = ("MemoryError", "bad_alloc", "Cannot allocate memory", "malloc fail")
# A DTD is refused in every part of a package, whatever its name (a main part need not be called .xml:
# the package's relationships and content types say which part is which). The markers are searched in
# the raw bytes in every encoding libxml2 detects: UTF-8/ASCII, UTF-16 and UTF-32 in both byte orders.
_DTD_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("ascii", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)
# The first bytes by which libxml2 (XML 1.0 appendix F) recognises an encoding other than UTF-8/UTF-16
# before reading any declaration: UCS-4 in all four byte orders, with and without a byte-order mark,
# and EBCDIC. Office Open XML allows only UTF-8 and UTF-16 (ECMA-376 part 2, M1.17), so a part that
# starts like this is refused rather than decoded.
_FOREIGN_XML_STARTS = {
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\x00<": "UTF-32",
    b"<\x00\x00\x00": "UTF-32",
    b"\x00\x00<\x00": "UCS-4",
    b"\x00<\x00\x00": "UCS-4",
    b"\x4c\x6f\xa7\x94": "EBCDIC",
}
# How a part that starts as UTF-16 or as ASCII-compatible bytes is read far enough to see its XML
# declaration: byte-order marks and the declaration's own first characters.
_DECLARATION_CODECS = (
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\xef\xbb\xbf", "utf-8"),
)
_DECLARED_ENCODING = re.compile(r"""^\ufeff?<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_ALLOWED_ENCODINGS = frozenset({"utf-8", "utf8", "utf-16", "utf16", "utf-16le", "utf-16be"})
_XML_SCAN_CHUNK = _MIB
_LIBXML2_MEMORY_ERRORS = frozenset({"ERR_NO_MEMORY", "XPATH_MEMORY_ERROR"})


class ExtractionUnavailable(Exception):
    """The parsing child could not run (fork failed, EAGAIN, killed from outside): retrying may help.
    Deliberately not an `ExtractionError`, so the task retries it with backoff."""


@dataclass(frozen=True)
class ExtractionLimits:
    memory_mb: int = 1024
    cpu_s: int = 120
    wall_s: float = 180.0
    max_pages: int = 2000
    max_chars: int = 5_000_000
    zip_max_uncompressed_mb: int = 256
    zip_max_ratio: int = 100
    zip_max_entries: int = 5000
    scan_below_chars_per_square_inch: float = 0.5
    """A PDF page mostly covered by an image with less text than this for its area is a scan."""

    @classmethod
    def from_settings(cls, settings: Settings) -> ExtractionLimits:
        return cls(
            memory_mb=settings.extract_memory_mb,
            cpu_s=settings.extract_cpu_s,
            wall_s=settings.extract_wall_s,
            max_pages=settings.extract_max_pages,
            max_chars=settings.extract_max_chars,
            zip_max_uncompressed_mb=settings.extract_zip_max_uncompressed_mb,
            zip_max_ratio=settings.extract_zip_max_ratio,
            zip_max_entries=settings.extract_zip_max_entries,
            scan_below_chars_per_square_inch=settings.ocr_min_chars_per_square_inch,
        )

    @classmethod
    def for_ocr(cls, settings: Settings) -> ExtractionLimits:
        """The OCR stage's child: reading page images takes more memory and time than parsing."""
        return cls(
            memory_mb=settings.ocr_memory_mb,
            cpu_s=settings.ocr_cpu_s,
            wall_s=settings.ocr_wall_s,
            max_pages=settings.ocr_max_pages,
            max_chars=settings.extract_max_chars,
            scan_below_chars_per_square_inch=settings.ocr_min_chars_per_square_inch,
        )

    @property
    def output_bytes(self) -> int:
        # At most one word box per character (a word's punctuation gets boxes of its own).
        words = self.max_chars * _WORD.size
        return _BYTES_PER_CHAR * self.max_chars + words + (16 + _BYTES_PER_PAGE) * self.max_pages + _MIB


class ContainedExtractor:
    """Runs `inner` (picklable, with its caps already set) in a limited child process per document."""

    def __init__(self, inner: TextExtractor, limits: ExtractionLimits) -> None:
        self.inner = inner
        self.limits = limits

    def extract(self, data: bytes) -> ExtractedText:
        header = pickle.dumps((self.inner, self.limits))
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(_REPO_ROOT), os.environ.get("PYTHONPATH")])),
        }
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            try:
                completed = subprocess.run(
                    [sys.executable, "-m", "worker.contained_extraction"],
                    input=_HEADER.pack(len(header)) + header + data,
                    stdout=out,
                    stderr=err,
                    env=env,
                    timeout=self.limits.wall_s,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise ExtractionError("timeout", f"parsing took longer than {self.limits.wall_s:g}s") from exc
            except OSError as exc:
                raise ExtractionUnavailable(f"the parsing process could not start: {exc}") from exc
            return self._result(completed.returncode, out, err)

    def _result(self, returncode: int, out: IO[bytes], err: IO[bytes]) -> ExtractedText:
        limits = self.limits
        if returncode == -signal.SIGXCPU:
            raise ExtractionError("timeout", f"parsing used more than {limits.cpu_s}s of CPU")
        if returncode == -signal.SIGXFSZ:
            raise ExtractionError("too_large", f"the extracted text exceeds {limits.max_chars} characters")
        size = out.seek(0, io.SEEK_END)
        if size > limits.output_bytes:
            raise ExtractionError("too_large", f"the extracted text exceeds {limits.max_chars} characters")
        out.seek(0)
        head, _, packed_words = out.read().partition(b"\n") if size else (b"", b"", b"")
        answer = _json_object(head) if size else None
        if answer is not None and "error" in answer:
            raise ExtractionError(str(answer["error"]), str(answer.get("message", "")))
        if returncode == 0 and answer is not None:
            text = str(answer["text"])
            if len(text) > limits.max_chars:
                raise ExtractionError("too_large", f"the extracted text exceeds {limits.max_chars} characters")
            page_starts = [int(start) for start in answer["page_starts"]]
            return ExtractedText(
                text,
                page_starts,
                _unpack_words(packed_words, len(text), len(page_starts)),
                tuple(_page_layout(page) for page in answer.get("pages", [])),
            )
        err.seek(0)
        # Leptonica (under Tesseract) reports a failed allocation once and then floods stderr with its
        # consequences before an assertion aborts: the start of stderr is searched as well as its end.
        stderr_head = err.read(_ERROR_HEAD).decode("utf-8", "replace")
        err.seek(max(0, err.seek(0, io.SEEK_END) - _ERROR_TAIL))
        stderr = err.read().decode("utf-8", "replace").strip()
        if any(marker in stderr_head or marker in stderr for marker in _ALLOCATION_FAILURES):
            raise ExtractionError("memory_limit", f"parsing needed more than {limits.memory_mb} MB")
        if returncode in (-signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS):
            # A fresh child crashing on these bytes will crash on them again.
            raise ExtractionError("parse_error", f"the parser crashed (signal {-returncode}) on this file")
        raise ExtractionUnavailable(f"the parsing process ended with status {returncode}: {stderr[-500:]}")


def _unpack_words(packed: bytes, text_length: int, page_count: int) -> tuple[WordBox, ...]:
    """The child's word boxes, each checked to lie inside the text and the document's pages: the child
    parsed hostile bytes, so what it says is data to check, not to trust."""
    words = []
    try:
        for w in unpack_words(packed):
            if not (0 <= w.start < w.end <= text_length and 1 <= w.page <= page_count):
                raise ValueError(f"a word box outside the text: {w.start}-{w.end} on page {w.page}")
            words.append(w)
    except ValueError as exc:
        raise ExtractionUnavailable(f"the parsing process sent bad word boxes: {exc}") from exc
    return tuple(words)


def _page_layout(page: list[Any]) -> PageLayout:
    width, height, source, confidence = page
    return PageLayout(float(width), float(height), str(source), None if confidence is None else float(confidence))


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def check_zip(data: bytes, limits: ExtractionLimits) -> None:
    """Zip-bomb and entity-expansion checks from the central directory, before any parser reads a part."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ExtractionError("parse_error", f"the package is not a readable ZIP archive: {exc}") from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.zip_max_entries:
            raise ExtractionError("too_large", f"the package has {len(entries)} parts (limit {limits.zip_max_entries})")
        declared = sum(entry.file_size for entry in entries)
        if declared > limits.zip_max_uncompressed_mb * _MIB:
            raise ExtractionError(
                "too_large",
                f"the package unpacks to {declared // _MIB} MB (limit {limits.zip_max_uncompressed_mb} MB)",
            )
        for entry in entries:
            # Small parts may compress extremely well (an empty header); only large ones can be bombs.
            if entry.file_size > _MIB and entry.file_size > limits.zip_max_ratio * max(entry.compress_size, 1):
                raise ExtractionError(
                    "too_large",
                    f"{entry.filename} is compressed {entry.file_size // max(entry.compress_size, 1)}:1 "
                    f"(limit {limits.zip_max_ratio}:1)",
                )
        for entry in entries:
            _refuse_dtd(archive, entry)


def _refuse_dtd(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> None:
    """Office Open XML parts never declare a DTD; one that does is an entity-expansion or external-entity
    attempt, refused before any parser reads the package.

    Why a scan and not only a hardened parser: python-docx parses every part with its own module-level
    lxml parser (`resolve_entities=False`), which we do not configure, and libxml2 still reads the
    internal subset it is given; a refusal here holds whatever parser reads the part and gives a clear
    reason. Every part is scanned whatever its name, and a part in an encoding the format does not allow
    (UTF-32, UCS-4, EBCDIC, or a declaration naming anything but UTF-8/UTF-16) is refused, so the
    search in raw bytes sees every encoding a parser could decode."""
    overlap = max(len(marker) for marker in _DTD_MARKERS)
    tail = b""
    try:
        with archive.open(entry) as part:
            first = True
            while chunk := part.read(_XML_SCAN_CHUNK):
                if first:
                    _refuse_foreign_encoding(entry.filename, chunk)
                    first = False
                window = tail + chunk
                if any(marker in window for marker in _DTD_MARKERS):
                    raise ExtractionError("parse_error", f"{entry.filename} declares a DTD (entity expansion refused)")
                tail = window[-overlap:]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise ExtractionError("parse_error", f"{entry.filename} cannot be unpacked: {exc}") from exc


def _refuse_foreign_encoding(name: str, head: bytes) -> None:
    """Refuse a part that an XML parser would decode as anything but UTF-8 or UTF-16."""
    foreign = _FOREIGN_XML_STARTS.get(head[:4])
    if foreign is not None:
        raise ExtractionError(
            "parse_error", f"{name} is XML in {foreign}; Office Open XML allows UTF-8 and UTF-16 only"
        )
    codec = next((codec for start, codec in _DECLARATION_CODECS if head.startswith(start)), "latin-1")
    declared = _DECLARED_ENCODING.match(head[:512].decode(codec, "replace"))
    if declared is not None and declared.group(1).lower() not in _ALLOWED_ENCODINGS:
        raise ExtractionError(
            "parse_error",
            f"{name} declares the encoding {declared.group(1)!r}; Office Open XML allows UTF-8 and UTF-16 only",
        )


def _out_of_memory(exc: BaseException) -> bool:
    """Whether a failure was the memory limit, however the parser reported it.

    Under RLIMIT_AS, Python raises MemoryError, but libxml2 (python-docx's lxml) reports a failed
    allocation as a parse error: `XMLSyntaxError("unknown error")` whose error log holds ERR_NO_MEMORY
    (XPath: XPATH_MEMORY_ERROR), or "Memory allocation failed" when it could still format a message.
    Extractors wrap what the parser raised (`raise ExtractionError(...) from exc`), so the whole chain
    of causes is read."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, MemoryError):
            return True
        if type(current).__module__.startswith("lxml"):
            log = list(getattr(current, "error_log", None) or ())
            if any(entry.type_name in _LIBXML2_MEMORY_ERRORS for entry in log):
                return True
            if "memory allocation failed" in str(current).lower():
                return True
            # libxml2 could not even record an error: only an allocation failure ends a parse so.
            if not log and str(current).startswith("unknown error"):
                return True
        current = current.__cause__ or current.__context__
    return False


def _limit_self(limits: ExtractionLimits) -> None:
    limit_this_process(limits.memory_mb, limits.cpu_s, limits.output_bytes)


def _child() -> int:
    stdin = sys.stdin.buffer
    (header_size,) = _HEADER.unpack(stdin.read(_HEADER.size))
    inner, limits = pickle.loads(stdin.read(header_size))
    _limit_self(limits)
    # Kept so that a MemoryError still leaves room to report it.
    reserve = bytearray(4 * _MIB)
    words = b""
    try:
        data = stdin.read()
        if data.startswith(b"PK\x03\x04"):
            check_zip(data, limits)
        extracted = inner.extract(data)
        if len(extracted.text) > limits.max_chars:
            raise ExtractionError("too_large", f"the extracted text exceeds {limits.max_chars} characters")
        answer: dict[str, Any] = {
            "text": extracted.text,
            "page_starts": extracted.page_starts,
            "pages": [[p.width, p.height, p.source, p.ocr_confidence] for p in extracted.pages],
        }
        words = pack_words(extracted.words)
    except Exception as exc:  # the child parses one hostile file: any failure is that file's
        if _out_of_memory(exc):
            del reserve
            answer = {"error": "memory_limit", "message": f"parsing needed more than {limits.memory_mb} MB"}
        elif isinstance(exc, ExtractionError):
            answer = {"error": exc.code, "message": exc.message}
        elif isinstance(exc, RecursionError):
            answer = {"error": "parse_error", "message": f"the file nests without end (a reference cycle?): {exc}"}
        else:
            answer = {"error": "parse_error", "message": f"the file cannot be parsed: {type(exc).__name__}: {exc}"}
    # JSON escapes every newline inside it, so the first newline ends it; the packed words follow.
    sys.stdout.buffer.write(json.dumps(answer, ensure_ascii=False).encode() + b"\n")
    if "error" not in answer:
        sys.stdout.buffer.write(words)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(_child())
