"""Hostile test documents, built by the tests themselves: PDFs written object by object, ZIP packages
written header by header, so that a few kilobytes can declare gigabytes."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from functools import cache

from tests.documents import make_docx, make_pdf

MIB = 1024 * 1024
_FONT = b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"


def pdf_from_objects(objects: dict[int, bytes], root: int = 1) -> bytes:
    """A PDF with a correct cross-reference table over the given numbered object bodies."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets.get(number, 0)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref)
    return bytes(out)


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n%s\nendstream" % (len(data), extra, data)


def page(contents: int, parent: int = 2, resources: bytes = _FONT) -> bytes:
    return b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R /Resources %s >>" % (
        parent,
        contents,
        resources,
    )


def _deflate_segment(data: bytes, final: bool = False) -> bytes:
    """Raw deflate of `data` from a fresh compressor, ending on a byte boundary: segments concatenate."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)


@cache
def _spaces_block() -> bytes:
    return _deflate_segment(b" " * MIB)


@cache
def deflated_spaces(mib: int, head: bytes = b"", tail: bytes = b"") -> tuple[bytes, int, int, int]:
    """Raw deflate of head + `mib` MiB of spaces + tail, built from one repeated block (no gigabytes
    are ever compressed); returns (deflated, crc32, adler32, inflated size)."""
    chunk = b" " * MIB
    crc = zlib.crc32(head)
    adler = zlib.adler32(head)
    for _ in range(mib):
        crc = zlib.crc32(chunk, crc)
        adler = zlib.adler32(chunk, adler)
    crc = zlib.crc32(tail, crc)
    adler = zlib.adler32(tail, adler)
    deflated = _deflate_segment(head) + _spaces_block() * mib + _deflate_segment(tail, final=True)
    return deflated, crc, adler, len(head) + mib * MIB + len(tail)


def truncated_pdf() -> bytes:
    data = make_pdf(["Nordlys ApS"] * 4)
    return data[: len(data) // 3]


@cache
def flate_bomb_pdf(mib: int = 2048) -> bytes:
    """A page whose content stream is deflated twice: a few kilobytes that inflate to `mib` MiB."""
    raw, _crc, adler, _size = deflated_spaces(mib)
    inner = b"\x78\xda" + raw + struct.pack(">I", adler)
    content = zlib.compress(inner, 9)
    return pdf_from_objects(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: page(4),
            4: stream(content, b"/Filter [/FlateDecode /FlateDecode]"),
        }
    )


def circular_page_tree_pdf() -> bytes:
    """Two page-tree nodes that are each other's only kid: no page is ever reached."""
    return pdf_from_objects(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>",
        }
    )


def circular_xobject_pdf() -> bytes:
    """A page that draws form X1, which draws X2, which draws X1 again."""
    text = b"BT /F1 12 Tf 72 720 Td (Nordlys ApS) Tj ET"

    def form(other: int) -> bytes:
        body = text + b" /X Do"
        resources = b"/Resources << /XObject << /X %d 0 R >> /Font %s >>" % (other, _FONT[8:-3])
        return stream(body, b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] " + resources)

    return pdf_from_objects(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: page(4, resources=b"<< /XObject << /X 5 0 R >> >>"),
            4: stream(b"/X Do"),
            5: form(6),
            6: form(5),
        }
    )


def cpu_bomb_pdf(mib: int = 40) -> bytes:
    """A content stream of millions of tiny operators: small on disk, minutes of parsing."""
    operators = b"1 0 0 1 0 0 cm\n" * (mib * MIB // 15)
    return pdf_from_objects(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: page(4),
            4: stream(zlib.compress(operators, 9), b"/Filter /FlateDecode"),
        }
    )


def many_pages_pdf(pages: int) -> bytes:
    return make_pdf([f"Side {n}" for n in range(1, pages + 1)])


def zip_archive() -> bytes:
    """A plain ZIP (no Word document inside), as a client might upload under a .pdf name."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("kontrakt.txt", "Nordlys ApS")
    return buffer.getvalue()


def _zip_from_deflated(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A ZIP from (name, raw deflate, crc32, inflated size) entries, headers written by hand so that
    the declared sizes can be gigabytes without compressing gigabytes."""
    out = bytearray()
    central = bytearray()
    for name, deflated, crc, size in entries:
        encoded = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(deflated), size, len(encoded), 0)
        out += encoded + deflated
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(deflated), size, len(encoded),
            0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        central += encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(out), 0)
    return bytes(out + central + end)


def _docx_parts(paragraph: str) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(make_docx([paragraph]))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _docx_with_document_xml(document_xml: tuple[bytes, int, int] | bytes) -> bytes:
    entries = []
    for name, content in _docx_parts("Nordlys ApS").items():
        if name == "word/document.xml" and not isinstance(document_xml, bytes):
            deflated, crc, size = document_xml
            entries.append((name, deflated, crc, size))
            continue
        if name == "word/document.xml":
            assert isinstance(document_xml, bytes)
            content = document_xml
        entries.append((name, _deflate_segment(content, final=True), zlib.crc32(content), len(content)))
    return _zip_from_deflated(entries)


@cache
def docx_zip_bomb(mib: int = 1024) -> bytes:
    """A real Word document whose document.xml holds `mib` MiB of whitespace: about a megabyte zipped."""
    xml = _docx_parts("Nordlys ApS")["word/document.xml"]
    split = xml.index(b"<w:body>") + len(b"<w:body>")
    deflated, crc, _adler, size = deflated_spaces(mib, xml[:split], xml[split:])
    return _docx_with_document_xml((deflated, crc, size))


def billion_laughs_docx() -> bytes:
    """A Word document whose document.xml declares ten levels of entities, ten each: 10^9 "lol"s."""
    xml = _docx_parts("LAUGHS")["word/document.xml"]
    entities = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (level, b"".join(b"&lol%d;" % (level - 1) for _ in range(10)))
        for level in range(1, 10)
    )
    declaration_end = xml.index(b"?>") + 2
    xml = xml[:declaration_end] + b"\n<!DOCTYPE w:document [" + entities + b"]>" + xml[declaration_end:]
    return _docx_with_document_xml(xml.replace(b"LAUGHS", b"&lol9;"))


def docx_with_main_part(document_xml: bytes | None = None, name: str = "word/document.xml") -> bytes:
    """A real Word document whose main part is `document_xml` stored as `name`: the package's
    relationships and content types point at that name, so python-docx reads it whatever it is called."""
    parts = _docx_parts("Nordlys ApS")
    renamed: dict[str, bytes] = {}
    for part_name, content in parts.items():
        if part_name == "word/document.xml":
            renamed[name] = content if document_xml is None else document_xml
        elif part_name == "word/_rels/document.xml.rels":
            directory, _, base = name.rpartition("/")
            renamed[f"{directory}/_rels/{base}.rels"] = content
        elif part_name in ("[Content_Types].xml", "_rels/.rels"):
            renamed[part_name] = content.replace(b"word/document.xml", name.encode())
        else:
            renamed[part_name] = content
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part_name, content in renamed.items():
            archive.writestr(part_name, content)
    return buffer.getvalue()


def external_entity_document_xml(encoding: str = "utf-8", declare: bool = True) -> bytes:
    """A main part that pulls a file of the parsing host into the text through an external entity
    (XXE): small, below every amplification limit, so only the DTD refusal stops it."""
    xml = _docx_parts("SECRET")["word/document.xml"].decode("utf-8")
    declaration_end = xml.index("?>") + 2
    declaration = f"<?xml version='1.0' encoding='{encoding.upper()}' standalone='yes'?>" if declare else ""
    doctype = '\n<!DOCTYPE w:document [<!ENTITY secret SYSTEM "file:///etc/hostname">]>'
    rest = doctype + xml[declaration_end:].replace("SECRET", "Nordlys &secret;")
    if encoding == "utf-7":
        # The declaration in ASCII, which a parser reads before it switches encodings; then "<!" in
        # UTF-7's base64 form, which no byte search for "<!DOCTYPE" finds.
        return declaration.encode("ascii") + rest.encode(encoding).replace(b"<!", b"+ADwAIQ-")
    return (declaration + rest).encode(encoding)


@cache
def many_paragraphs_docx(paragraphs: int = 400_000) -> bytes:
    """A well-formed Word document of `paragraphs` short numbered paragraphs (about 20 MB of XML in
    under a megabyte zipped, within the zip ratio limit): parsing it needs a few hundred MB."""
    xml = _docx_parts("Nordlys ApS")["word/document.xml"]
    split = xml.index(b"<w:body>") + len(b"<w:body>")
    body = b"".join(b"<w:p><w:r><w:t>Afsnit %d</w:t></w:r></w:p>" % n for n in range(paragraphs))
    return docx_with_main_part(xml[:split] + body + xml[split:])


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def huge_png(width: int = 50_000, height: int = 50_000) -> bytes:
    """A PNG whose header declares width x height pixels (2.5 billion by default) over a few hundred
    bytes: the rows it holds are a handful of white lines, compressed."""
    rows = zlib.compress((b"\x00" + b"\xff" * (width // 8 + 1)) * 4, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
        + _png_chunk(b"IDAT", rows)
        + _png_chunk(b"IEND", b"")
    )


def many_pages_tiff(pages: int = 10_000) -> bytes:
    """A TIFF of `pages` one-pixel pages, every page's directory pointing at the same pixel: about
    100 bytes a page."""
    entry = struct.Struct("<HHII")
    tags = 8
    directory_size = 2 + tags * entry.size + 4
    pixel_at = 8
    first_directory = pixel_at + 2
    out = bytearray(b"II*\x00" + struct.pack("<I", first_directory) + b"\xff\x00")
    for number in range(pages):
        offset = first_directory + number * directory_size
        following = offset + directory_size if number + 1 < pages else 0
        out += struct.pack("<H", tags)
        for tag, kind, value in (
            (256, 4, 1),  # ImageWidth
            (257, 4, 1),  # ImageLength
            (258, 3, 8),  # BitsPerSample
            (259, 3, 1),  # Compression: none
            (262, 3, 1),  # PhotometricInterpretation: black is zero
            (273, 4, pixel_at),  # StripOffsets
            (278, 4, 1),  # RowsPerStrip
            (279, 4, 1),  # StripByteCounts
        ):
            out += entry.pack(tag, kind, 1, value)
        out += struct.pack("<I", following)
    return bytes(out)
