"""A small web page over the JSON API: `/` uploads contracts and lists documents with their progress,
`/documents/{id}` shows each page's image with the entities' boxes drawn over it in their label colours
(PDFs and images; `api.pages` renders the images), the extracted text with the entities highlighted by
label and page markers one click away, and the contract card. Clicking an entity in the table scrolls
to its box. The boxes are placed by a nonce'd style block in percentages of the page's size in points,
so they sit on the words at whatever size the image is shown and need no script. A done document has a
review mode used from the keyboard (`/static/review.js`, calling the routes of `api.review`) and shows
its audit trail.

Pages are rendered on the server from the same functions the JSON routes use, so they show exactly
what the API returns; scripts under `/static` upload through `POST /v1/documents` and poll
`GET /v1/documents/{id}` to keep statuses fresh. Everything that comes from a document (file names,
text, entities) is escaped by Jinja2's autoescaping or set with `textContent` in the browser, never
written as HTML, and the Content-Security-Policy (`api.gate`) runs no inline script at all.

A person signs in at `/login` by pasting an API key: that opens a server-side web session
(`models.web_sessions`) whose random id the browser keeps in an HttpOnly, SameSite=Strict cookie
(`api.auth` names it); the page's own requests to the JSON API carry it and see only that key's
tenant. Signing out revokes the session, so a copied cookie stops working too.
"""

from __future__ import annotations

import re
import secrets
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.auth import LEGACY_API_KEY_COOKIE, SECURE_SESSION_COOKIE, cross_site, identify_caller, session_cookie_name
from api.deps import SessionDep
from api.gate import page_policy
from api.schemas import EntityOut, document_out, entity_out
from models.contract_card import card_as_dict
from models.labels import CARD_COLUMNS, LABEL_COLOURS, LABELS
from models.queries import document_entities, recent_documents, tenant_document
from models.review import audit_trail
from models.schema import ContractCard, DocumentPage
from models.settings import get_settings
from models.stages import DOCUMENT_STATUSES, DONE, FINAL_STATUSES, progress_step, progress_steps
from models.tenancy import authenticate
from models.web_sessions import open_session, revoke_session

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")

RECENT_DOCUMENTS = 50
# Pixels asked for per page image: sharp on a wide screen, and the same URL (one cache entry) for all.
PAGE_IMAGE_WIDTH = 1400
# Steps of the progress bar: how far along the pipeline each status is (from the stage table).
PROGRESS_STEPS = {status: progress_step(status) for status in DOCUMENT_STATUSES}
VALUE_FIELDS = ("value_date", "value_number", "value_unit", "value_period")
CARD_FIELDS = CARD_COLUMNS


@dataclass(frozen=True)
class Segment:
    """A piece of the document text: plain, part of an entity, or (empty text) the start of a page."""

    text: str
    entity: EntityOut | None = None
    page: int | None = None


def label_colour(label: str) -> str:
    """The label's fixed colour; other models' labels get a stable pastel from a hash of the name."""
    if label in LABEL_COLOURS:
        return LABEL_COLOURS[label]
    return f"hsl({zlib.crc32(label.encode()) % 360}, 70%, 82%)"


def entity_title(entity: EntityOut) -> str:
    """The hover text of a highlighted entity: label, score, page and the normalised values it has."""
    parts = [entity.label, f"score {entity.score:.2f}"]
    if entity.page is not None:
        parts.append(f"page {entity.page}")
    parts += [f"{name} {getattr(entity, name)}" for name in VALUE_FIELDS if getattr(entity, name) is not None]
    return " · ".join(parts)


def highlighted_segments(text: str, entities: Sequence[EntityOut], page_starts: Sequence[int]) -> list[Segment]:
    """Cut the text at entity bounds and page starts; an entity that crosses a page start is split in two.

    Entities that overlap an earlier one or fall outside the text are left out rather than mangled."""
    spans: list[EntityOut] = []
    covered_to = 0
    for entity in sorted(entities, key=lambda e: (e.start, -e.end)):
        if entity.start < covered_to or not 0 <= entity.start < entity.end <= len(text):
            continue
        spans.append(entity)
        covered_to = entity.end
    page_at = {start: number for number, start in enumerate(page_starts, 1) if 0 <= start <= len(text)}
    cuts = sorted({0, len(text), *page_at, *(e.start for e in spans), *(e.end for e in spans)})
    segments: list[Segment] = []
    span_index = 0
    # The last pair is (len, len): it only carries a page marker for an empty last page.
    for start, end in zip(cuts, [*cuts[1:], len(text)], strict=True):
        if start in page_at:
            segments.append(Segment("", page=page_at[start]))
        while span_index < len(spans) and spans[span_index].end <= start:
            span_index += 1
        span = spans[span_index] if span_index < len(spans) and spans[span_index].start <= start else None
        if end > start:
            segments.append(Segment(text[start:end], entity=span))
    return segments


@dataclass(frozen=True)
class PageBox:
    """One line box of an entity, placed on its page image in percent of the page's width and height."""

    element_id: str
    entity: EntityOut
    page: int
    left: float
    top: float
    width: float
    height: float


def page_boxes(entities: Sequence[EntityOut], pages: Sequence[DocumentPage]) -> list[PageBox]:
    """The entities' boxes as percentages of their pages, in entity order; boxes on pages the document
    does not have (stale geometry) are left out."""
    sizes = {page.page_number: (page.width, page.height) for page in pages}
    placed: list[PageBox] = []
    for entity in entities:
        for line, box in enumerate(entity.boxes):
            if box.page not in sizes:
                continue
            width, height = sizes[box.page]
            placed.append(
                PageBox(
                    element_id=f"box-{entity.id}-{line}",
                    entity=entity,
                    page=box.page,
                    left=round(100 * box.x0 / width, 4),
                    top=round(100 * box.y0 / height, 4),
                    width=round(100 * (box.x1 - box.x0) / width, 4),
                    height=round(100 * (box.y1 - box.y0) / height, 4),
                )
            )
    return placed


def entity_tip(entity: EntityOut) -> str:
    """What hovering a box shows: label, the value (normalised where there is one) and the confidence."""
    values = [
        f"{value.normalize():f}" if isinstance(value, Decimal) else str(value)
        for value in (getattr(entity, name) for name in VALUE_FIELDS)
        if value is not None
    ]
    value = f"{entity.text} ({' '.join(values)})" if values else entity.text
    return f"{entity.label}: {value} · confidence {entity.score:.2f}"


def _sign_in() -> RedirectResponse:
    return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)


# A colour reaches the page inside a <style> block: only a plain CSS colour passes (hex, rgb()/hsl(), a name).
_CSS_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|(?:rgb|hsl)a?\([0-9.,% ]+\)|[a-zA-Z]{3,20}")


def _css_colour(colour: str) -> str:
    return colour if _CSS_COLOUR.fullmatch(colour) else "#dddddd"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    if not get_settings().auth_required:
        return RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    return templates.TemplateResponse(request, "login.html", {"error": None})


@router.post("/login", response_class=HTMLResponse)
def log_in(request: Request, session: SessionDep, api_key: Annotated[str, Form(max_length=200)]) -> Response:
    # A form posted from another site is refused, so no site can sign a person in with a key of its
    # choosing (login CSRF).
    if cross_site(request):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "sign-in from another site refused")
    key = authenticate(session, api_key.strip())
    if key is None:
        context = {"error": "That key is unknown or revoked."}
        return templates.TemplateResponse(request, "login.html", context, status_code=status.HTTP_401_UNAUTHORIZED)
    settings = get_settings()
    opened = open_session(session, key, settings.session_lifetime_s)
    response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    name = session_cookie_name(request)
    response.set_cookie(
        name,
        opened.token,
        max_age=int(settings.session_lifetime_s),
        path="/",
        httponly=True,
        samesite="strict",
        secure=name == SECURE_SESSION_COOKIE,  # required by the __Host- prefix, as are Path=/ and no Domain
    )
    response.delete_cookie(LEGACY_API_KEY_COOKIE, httponly=True, samesite="strict")
    return response


@router.post("/logout")
def log_out(request: Request, session: SessionDep) -> Response:
    if cross_site(request):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "sign-out from another site refused")
    name = session_cookie_name(request)
    if token := request.cookies.get(name):
        revoke_session(session, token)
    response = _sign_in()
    response.delete_cookie(name, path="/", httponly=True, samesite="strict", secure=name == SECURE_SESSION_COOKIE)
    response.delete_cookie(LEGACY_API_KEY_COOKIE, httponly=True, samesite="strict")
    return response


@router.get("/", response_class=HTMLResponse)
def index_page(request: Request, session: SessionDep) -> Response:
    caller = identify_caller(request, session)
    if caller is None:
        return _sign_in()
    recent = session.scalars(recent_documents(caller.tenant_id, RECENT_DOCUMENTS)).all()
    context = {
        "signed_in": caller.api_key_id is not None,
        "documents": [document_out(d) for d in recent],
        "progress_steps": PROGRESS_STEPS,
        "progress_max": progress_steps(),
        "final_statuses": list(FINAL_STATUSES),
    }
    return templates.TemplateResponse(request, "index.html", context)


@router.get("/documents/{document_id}", response_class=HTMLResponse)
def document_page(request: Request, session: SessionDep, document_id: uuid.UUID) -> Response:
    caller = identify_caller(request, session)
    if caller is None:
        return _sign_in()
    row = tenant_document(session, caller.tenant_id, document_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such document")
    document = document_out(row)
    text = row.text  # None until extraction finished
    entities = [entity_out(e) for e in document_entities(session, document_id)]
    stored_card = session.get(ContractCard, document_id)  # None until the document is done
    card = card_as_dict(stored_card) if stored_card is not None else None
    labels = sorted({e.label for e in entities})
    pages = list(row.pages)
    style_nonce = secrets.token_urlsafe(16)
    context = {
        "signed_in": caller.api_key_id is not None,
        "document": document,
        "segments": highlighted_segments(text.text, entities, text.page_starts) if text else [],
        "entities": entities,
        "legend": [(label, sum(e.label == label for e in entities)) for label in labels],
        "colours": {label: _css_colour(label_colour(label)) for label in labels},
        "colour_classes": {label: f"label-colour-{index}" for index, label in enumerate(labels)},
        "style_nonce": style_nonce,
        "titles": {e.id: entity_title(e) for e in entities},
        "tips": {e.id: entity_tip(e) for e in entities},
        "pages": pages,
        "page_boxes": page_boxes(entities, pages),
        "page_image_width": min(PAGE_IMAGE_WIDTH, get_settings().page_image_max_width),
        "value_fields": VALUE_FIELDS,
        "card": card,
        "card_fields": CARD_FIELDS,
        # Review mode (`/static/review.js`): a done document's entities, reviewed from the keyboard.
        "reviewable": row.status == DONE,
        "reviewed_at": row.reviewed_at,
        "reviewed_by": row.reviewed_by,
        "review_labels": [spec.name for spec in LABELS],
        "audit": audit_trail(session, document_id),
        "final": document.status in FINAL_STATUSES,
        "progress_steps": PROGRESS_STEPS,
        "progress_max": progress_steps(),
    }
    headers = {"Content-Security-Policy": page_policy(style_nonce)}
    return templates.TemplateResponse(request, "document.html", context, headers=headers)
