"""Page images for the viewer: one page of a stored document rendered to PNG or WebP (pypdfium2 for
PDFs, Pillow for image uploads), at most `max_width` pixels wide and `max_pixels` pixels in all.

The bytes are the uploader's, so rendering runs like parsing does: in a fresh child process
(`python -m models.page_images`) under memory, CPU, output-size and wall-clock limits, and a page that
explodes takes only the child with it. Rendered pages are kept in a small in-process LRU cache keyed by
the document's content hash, so the viewer asking for a page again costs nothing, and the ETag lets a
browser skip the download too.

Pixels relate to the page's geometry (`models.page_geometry`) by one factor: an image `w` pixels wide
shows a page `width` points wide at `w / width` pixels per point, with the same top-left origin."""

from __future__ import annotations

import io
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.process_limits import limit_this_process

if TYPE_CHECKING:
    from models.settings import Settings

_REPO_ROOT = Path(__file__).resolve().parent.parent
_MIB = 1024 * 1024
# Bumped whenever the same request would give other pixels: it is part of every ETag.
RENDERER_VERSION = 1
IMAGE_TYPES = {"png": "image/png", "webp": "image/webp"}
# Image uploads are decoded whole before they are scaled: more source pixels than this are refused
# (Pillow's decompression-bomb check, raised to an error).
_MAX_SOURCE_PIXELS = 200_000_000
_ERROR_EXIT = 3


class PageRenderError(Exception):
    """The page cannot be rendered; `code` says why (`page_not_found`, `too_large`, `timeout`,
    `memory_limit`, `parse_error`, `unsupported_type`)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class RenderLimits:
    memory_mb: int = 768
    cpu_s: int = 20
    wall_s: float = 30.0
    max_width: int = 2000
    max_pixels: int = 6_000_000

    @classmethod
    def from_settings(cls, settings: Settings) -> RenderLimits:
        return cls(
            memory_mb=settings.page_render_memory_mb,
            cpu_s=settings.page_render_cpu_s,
            wall_s=settings.page_render_wall_s,
            max_width=settings.page_image_max_width,
            max_pixels=settings.page_image_max_pixels,
        )

    @property
    def output_bytes(self) -> int:
        # An uncompressed RGB image of the largest size, and room for an error message.
        return 3 * self.max_pixels + _MIB


@dataclass(frozen=True)
class PageImage:
    data: bytes
    media_type: str
    etag: str


def page_image_etag(sha256: str, page: int, width: int, image_format: str) -> str:
    return f'"{sha256[:32]}-p{page}-w{width}-{image_format}-r{RENDERER_VERSION}"'


def render_page(
    content: bytes, content_type: str, page: int, width: int, image_format: str, limits: RenderLimits
) -> bytes:
    """The page (1-based) as PNG or WebP bytes, no wider than `width` and `limits.max_width`, rendered
    in a limited child process. Raises `PageRenderError`."""
    header = json.dumps(
        {
            "content_type": content_type,
            "page": page,
            "width": min(width, limits.max_width),
            "format": image_format,
            "max_pixels": limits.max_pixels,
            "memory_mb": limits.memory_mb,
            "cpu_s": limits.cpu_s,
            "output_bytes": limits.output_bytes,
        }
    ).encode()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(_REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            completed = subprocess.run(
                [sys.executable, "-m", "models.page_images"],
                input=header + b"\n" + content,
                stdout=out,
                stderr=err,
                env=env,
                timeout=limits.wall_s,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise PageRenderError("timeout", f"rendering took longer than {limits.wall_s:g}s") from exc
        out.seek(0)
        answer = out.read()
        err.seek(0)
        stderr = err.read()[-2000:].decode("utf-8", "replace")
    return _answer(completed.returncode, answer, stderr, limits)


def _answer(returncode: int, answer: bytes, stderr: str, limits: RenderLimits) -> bytes:
    if returncode == 0 and answer:
        return answer
    if returncode == _ERROR_EXIT:
        error = json.loads(answer)
        raise PageRenderError(str(error["error"]), str(error["message"]))
    if returncode == -signal.SIGXCPU:
        raise PageRenderError("timeout", f"rendering used more than {limits.cpu_s}s of CPU")
    if returncode == -signal.SIGXFSZ:
        raise PageRenderError("too_large", "the rendered page is larger than the output limit")
    if "MemoryError" in stderr or "bad_alloc" in stderr or "Cannot allocate memory" in stderr:
        raise PageRenderError("memory_limit", f"rendering needed more than {limits.memory_mb} MB")
    raise PageRenderError("parse_error", f"the renderer ended with status {returncode}: {stderr[-300:]}")


class PageImageCache:
    """Rendered pages by (content hash, page, width, format), least recently used first out once the
    cache holds more than `max_bytes`. Shared by the API's request threads, hence the lock."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._images: OrderedDict[tuple[str, int, int, str], PageImage] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, int, str]) -> PageImage | None:
        with self._lock:
            image = self._images.get(key)
            if image is not None:
                self._images.move_to_end(key)
            return image

    def put(self, key: tuple[str, int, int, str], image: PageImage) -> None:
        if len(image.data) > self.max_bytes:
            return
        with self._lock:
            previous = self._images.pop(key, None)
            if previous is not None:
                self._bytes -= len(previous.data)
            self._images[key] = image
            self._bytes += len(image.data)
            while self._bytes > self.max_bytes:
                _key, evicted = self._images.popitem(last=False)
                self._bytes -= len(evicted.data)


# --------------------------------------------------------------------------------------------------
# The child


def _render_pdf(data: bytes, page: int, width: int, max_pixels: int) -> Any:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise PageRenderError("parse_error", f"the PDF cannot be opened: {exc}") from exc
    if not 1 <= page <= len(document):
        raise PageRenderError("page_not_found", f"the PDF has {len(document)} pages")
    pdf_page = document[page - 1]
    points_wide, points_high = pdf_page.get_size()  # crop box, rotation applied: as the geometry is
    if points_wide <= 0 or points_high <= 0:
        raise PageRenderError("parse_error", "the page has no area")
    scale = min(width / points_wide, math.sqrt(max_pixels / (points_wide * points_high)))
    return pdf_page.render(scale=scale).to_pil()


def _render_image(data: bytes, page: int, width: int, max_pixels: int) -> Any:
    import warnings

    from PIL import Image

    Image.MAX_IMAGE_PIXELS = _MAX_SOURCE_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            try:
                image.seek(page - 1)
            except EOFError as exc:
                raise PageRenderError("page_not_found", f"the image has fewer than {page} pages") from exc
            image.draft("RGB", (width, max(1, width * image.height // max(image.width, 1))))
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PageRenderError("too_large", str(exc)) from exc
        except (OSError, ValueError, SyntaxError) as exc:
            raise PageRenderError("parse_error", f"the image cannot be decoded: {exc}") from exc
    scale = min(1.0, width / image.width, math.sqrt(max_pixels / (image.width * image.height)))
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    frame: Image.Image = image if image.mode in ("RGB", "L") else image.convert("RGB")
    return frame.resize(size, Image.Resampling.LANCZOS) if size != frame.size else frame


def _child() -> int:
    stdin = sys.stdin.buffer
    request = json.loads(stdin.readline())
    limit_this_process(request["memory_mb"], request["cpu_s"], request["output_bytes"])
    data = stdin.read()
    content_type: str = request["content_type"]
    try:
        if content_type == "application/pdf":
            image = _render_pdf(data, request["page"], request["width"], request["max_pixels"])
        elif content_type.startswith("image/"):
            image = _render_image(data, request["page"], request["width"], request["max_pixels"])
        else:
            raise PageRenderError("unsupported_type", f"{content_type} has no page images")
        buffer = io.BytesIO()
        if request["format"] == "webp":
            image.save(buffer, "WEBP", quality=85, method=4)
        else:
            image.save(buffer, "PNG")
    except PageRenderError as exc:
        sys.stdout.buffer.write(json.dumps({"error": exc.code, "message": exc.message}).encode())
        return _ERROR_EXIT
    except MemoryError:
        error = {"error": "memory_limit", "message": "rendering ran out of memory"}
        sys.stdout.buffer.write(json.dumps(error).encode())
        return _ERROR_EXIT
    sys.stdout.buffer.write(buffer.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(_child())
