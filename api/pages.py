"""A document's original file and its pages: the bytes as uploaded, the page list with sizes and text
sources, and a rendered image of one page (`models.page_images`), all for the caller's tenant only."""

from __future__ import annotations

import threading
import uuid
from functools import lru_cache
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field

from api.auth import CallerDep
from api.deps import SessionDep
from models.page_images import (
    IMAGE_TYPES,
    PageImage,
    PageImageCache,
    PageRenderError,
    RenderLimits,
    page_image_etag,
    render_page,
)
from models.queries import tenant_document
from models.schema import Document, DocumentFile, DocumentPage
from models.settings import get_settings

router = APIRouter()

_NOT_RENDERABLE = {"page_not_found", "unsupported_type"}
_MAX_PAGE_NUMBER = 2**31 - 1


class PageOut(BaseModel):
    page: int = Field(description="1-based page number")
    width: float = Field(description="Page width in PDF points (1/72 inch), as the page is shown")
    height: float = Field(description="Page height in PDF points")
    source: str = Field(description="Where the page's text came from: text_layer, ocr or none")
    ocr_confidence: float | None = Field(description="Tesseract's mean word confidence (0-100) on an OCR page")
    image_url: str


class PageListOut(BaseModel):
    document_id: uuid.UUID
    pages: list[PageOut]


@lru_cache(maxsize=1)
def _page_images() -> PageImageCache:
    return PageImageCache(get_settings().page_image_cache_mb * 1024 * 1024)


@lru_cache(maxsize=1)
def _renderers() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(get_settings().page_render_concurrency)


def _document_or_404(session: SessionDep, caller: CallerDep, document_id: uuid.UUID) -> Document:
    document = tenant_document(session, caller.tenant_id, document_id)
    if document is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such document")
    return document


def _content(session: SessionDep, document: Document) -> bytes:
    file = session.get(DocumentFile, document.id)
    if file is None:  # erased between the two reads
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such document")
    return file.content


def content_disposition(filename: str | None, fallback: str) -> str:
    """An attachment header that survives any filename: an ASCII stand-in for old clients and the real
    name percent-encoded (RFC 6266 / RFC 5987)."""
    name = filename or fallback
    ascii_name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


@router.get(
    "/v1/documents/{document_id}/file",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The original bytes"}},
)
def get_document_file(session: SessionDep, caller: CallerDep, document_id: uuid.UUID) -> Response:
    """The original upload, byte for byte, with the content type sniffed from it at upload. Always an
    attachment: the bytes are the uploader's and are never shown in the API's own origin."""
    document = _document_or_404(session, caller, document_id)
    return Response(
        content=_content(session, document),
        media_type=document.content_type,
        headers={
            "Content-Disposition": content_disposition(document.filename, f"{document.id}"),
            "ETag": f'"{document.sha256}"',
            "Cache-Control": "private, max-age=3600",
        },
    )


@router.get("/v1/documents/{document_id}/pages", response_model=PageListOut)
def list_pages(session: SessionDep, caller: CallerDep, document_id: uuid.UUID) -> PageListOut:
    """The pages with geometry (PDFs, images): empty for formats without pages to show (text, DOCX)."""
    document = _document_or_404(session, caller, document_id)
    return PageListOut(
        document_id=document.id,
        pages=[
            PageOut(
                page=page.page_number,
                width=page.width,
                height=page.height,
                source=page.source,
                ocr_confidence=page.ocr_confidence,
                image_url=f"/v1/documents/{document.id}/pages/{page.page_number}",
            )
            for page in document.pages
        ],
    )


@router.get(
    "/v1/documents/{document_id}/pages/{page}",
    response_class=Response,
    responses={
        200: {"content": {"image/webp": {}, "image/png": {}}, "description": "The rendered page"},
        304: {"description": "The browser's copy (If-None-Match) is current"},
        404: {"description": "No such document, or no such page"},
        503: {"description": "Every renderer is busy: retry"},
    },
)
def get_page_image(
    request: Request,
    session: SessionDep,
    caller: CallerDep,
    document_id: uuid.UUID,
    page: int,
    width: Annotated[int, Query(ge=50, le=10000, description="Pixels; capped at page_image_max_width")] = 1200,
    image_format: Annotated[Literal["webp", "png"], Query(alias="format")] = "webp",
) -> Response:
    """One page rendered at `width` pixels (smaller when the page would exceed the pixel cap), cached
    per API process and marked with an ETag. The boxes of `/entities` scale onto it by
    `image width / page width in points`."""
    document = _document_or_404(session, caller, document_id)
    # Checked before the lookup: a page number beyond the column's integer range is no page either.
    if not 1 <= page <= _MAX_PAGE_NUMBER or session.get(DocumentPage, (document.id, page)) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"the document has no page {page} to show")
    limits = RenderLimits.from_settings(get_settings())
    width = min(width, limits.max_width)
    etag = page_image_etag(document.sha256, page, width, image_format)
    headers = {"ETag": etag, "Cache-Control": "private, max-age=86400"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    key = (document.sha256, page, width, image_format)
    image = _page_images().get(key)
    if image is None:
        rendered = _render(session, document, page, width, image_format, limits)
        image = PageImage(rendered, IMAGE_TYPES[image_format], etag)
        _page_images().put(key, image)
    return Response(content=image.data, media_type=image.media_type, headers=headers)


def _render(
    session: SessionDep, document: Document, page: int, width: int, image_format: str, limits: RenderLimits
) -> bytes:
    content = _content(session, document)
    renderers = _renderers()
    if not renderers.acquire(timeout=limits.wall_s):
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "every page renderer is busy", {"Retry-After": "5"})
    try:
        return render_page(content, document.content_type, page, width, image_format, limits)
    except PageRenderError as exc:
        if exc.code in _NOT_RENDERABLE:
            raise HTTPException(status.HTTP_404_NOT_FOUND, exc.message) from exc
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"the page cannot be rendered: {exc.code}: {exc.message}"
        ) from exc
    finally:
        renderers.release()
