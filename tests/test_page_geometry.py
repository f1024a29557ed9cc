"""Page geometry through the API: entities carry their page and one box per line, the original file and
its pages are served to the caller's tenant only, and a page image is rendered, cached and size-limited."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from fpdf import FPDF
from PIL import Image
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.test_dms import finish

# Helvetica: 0.207 em of the em box lies below the baseline.
DESCENT = 0.207


def contract_pdf() -> tuple[bytes, FPDF]:
    """A one-page contract whose salary is at a known place: 12 pt Helvetica, baseline at y=200 pt."""
    pdf = FPDF(unit="pt", format=(500, 700))
    pdf.set_creation_date(datetime(2024, 1, 1, tzinfo=UTC))  # the same bytes every time
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.text(x=60, y=100, text="Ansættelseskontrakt med Nordlys ApS.")
    pdf.text(x=60, y=200, text="Løn 32.500,00 kr. pr. måned.")
    return bytes(pdf.output()), pdf


def upload_done(client: TestClient, session: Session, classifier, data: bytes, filename: str = "k.pdf") -> str:
    response = client.post("/v1/documents", files={"file": (filename, data)})
    assert response.status_code == 202, response.text
    document_id: str = response.json()["id"]
    finish(session, document_id, classifier)
    return document_id


def test_entities_carry_their_page_and_boxes_in_points_from_the_top_left(
    client: TestClient, db_session: Session, keyword_classifier
) -> None:
    data, pdf = contract_pdf()
    document_id = upload_done(client, db_session, keyword_classifier, data)

    entities = client.get(f"/v1/documents/{document_id}/entities").json()
    salaries = client.get("/v1/entities", params={"label": "SALARY"}).json()["items"]

    salary = next(e for e in entities if e["label"] == "SALARY")
    assert salary["text"] == "32.500,00 kr." and salary["page"] == 1
    x0 = 60 + pdf.get_string_width("Løn ")
    expected = {
        "page": 1,
        "x0": x0,
        "y0": 200 - 12 * (1 - DESCENT),
        "x1": x0 + pdf.get_string_width("32.500,00 kr."),
        "y1": 200 + 12 * DESCENT,
    }
    assert salary["boxes"] == [pytest.approx(expected, abs=0.02)]
    assert [e["boxes"] for e in salaries] == [salary["boxes"]]


def test_text_documents_have_entities_without_boxes(
    client: TestClient, db_session: Session, keyword_classifier
) -> None:
    document_id = upload_done(client, db_session, keyword_classifier, "Løn 32.500,00 kr.".encode(), "k.txt")

    (salary,) = client.get(f"/v1/documents/{document_id}/entities").json()

    assert (salary["page"], salary["boxes"]) == (1, [])


def test_unknown_document_geometry_is_404(client: TestClient) -> None:
    assert client.get(f"/v1/documents/{uuid.uuid4()}/entities").status_code == 404


def test_the_original_file_comes_back_byte_for_byte_as_an_attachment(client: TestClient) -> None:
    data, _pdf = contract_pdf()
    document_id = client.post("/v1/documents", files={"file": ("Løn & vilkår.pdf", data)}).json()["id"]

    response = client.get(f"/v1/documents/{document_id}/file")

    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"L_n & vilk_r.pdf\"; filename*=UTF-8''L%C3%B8n%20%26%20vilk%C3%A5r.pdf"
    )


def test_the_page_list_gives_each_page_s_size_source_and_image(
    client: TestClient, db_session: Session, keyword_classifier
) -> None:
    data, _pdf = contract_pdf()
    document_id = upload_done(client, db_session, keyword_classifier, data)
    text_id = upload_done(client, db_session, keyword_classifier, b"Nordlys ApS", "k.txt")

    pages = client.get(f"/v1/documents/{document_id}/pages").json()

    assert pages == {
        "document_id": document_id,
        "pages": [
            {
                "page": 1,
                "width": 500,
                "height": 700,
                "source": "text_layer",
                "ocr_confidence": None,
                "image_url": f"/v1/documents/{document_id}/pages/1",
            }
        ],
    }
    assert client.get(f"/v1/documents/{text_id}/pages").json()["pages"] == []


def test_a_page_image_is_rendered_at_the_asked_width_then_served_from_the_cache(
    client: TestClient, db_session: Session, keyword_classifier
) -> None:
    from api.pages import _page_images

    data, _pdf = contract_pdf()
    document_id = upload_done(client, db_session, keyword_classifier, data)
    url = f"/v1/documents/{document_id}/pages/1"

    first = client.get(url, params={"width": 400, "format": "png"})
    cached = _page_images().get((hashlib.sha256(data).hexdigest(), 1, 400, "png"))
    again = client.get(url, params={"width": 400, "format": "png"})
    unchanged = client.get(
        url, params={"width": 400, "format": "png"}, headers={"If-None-Match": first.headers["etag"]}
    )
    webp = client.get(url, params={"width": 300})

    assert first.status_code == 200 and first.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(first.content))
    assert image.size == (400, 560)  # the page's 500 x 700 points at 0.8 pixels per point
    assert cached is not None and cached.data == first.content
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert webp.headers["content-type"] == "image/webp"
    assert Image.open(io.BytesIO(webp.content)).size == (300, 420)


def test_page_images_are_size_limited(
    client: TestClient, db_session: Session, keyword_classifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    from models.settings import get_settings

    monkeypatch.setattr(get_settings(), "page_image_max_width", 600)
    monkeypatch.setattr(get_settings(), "page_image_max_pixels", 100_000)
    pdf = FPDF(unit="pt", format=(14400, 200))  # PDF's largest page: 200 inches wide, a banner
    pdf.add_page()
    pdf.set_font("Helvetica", size=100)
    pdf.text(x=100, y=150, text="Nordlys ApS")
    document_id = upload_done(client, db_session, keyword_classifier, bytes(pdf.output()))

    wide = client.get(f"/v1/documents/{document_id}/pages/1", params={"width": 5000, "format": "png"})

    width, height = Image.open(io.BytesIO(wide.content)).size
    assert width <= 600 and width * height <= 100_000
    assert abs(height - width * 200 / 14400) <= 1  # the page's proportions, to the pixel


def test_pages_that_do_not_exist_are_404(client: TestClient, db_session: Session, keyword_classifier) -> None:
    data, _pdf = contract_pdf()
    document_id = upload_done(client, db_session, keyword_classifier, data)
    text_id = upload_done(client, db_session, keyword_classifier, b"Nordlys ApS", "k.txt")

    answers = [
        client.get(f"/v1/documents/{document_id}/pages/2").status_code,
        client.get(f"/v1/documents/{document_id}/pages/0").status_code,
        client.get(f"/v1/documents/{document_id}/pages/{2**63}").status_code,
        client.get(f"/v1/documents/{text_id}/pages/1").status_code,
        client.get(f"/v1/documents/{uuid.uuid4()}/pages/1").status_code,
        client.get(f"/v1/documents/{uuid.uuid4()}/file").status_code,
    ]

    assert answers == [404] * 6


def test_image_pages_are_rendered_from_the_image_itself() -> None:
    from models.page_images import PageRenderError, RenderLimits, render_page

    frames = [Image.new("RGB", (1700, 2200), colour) for colour in ("white", "black")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:])

    second = Image.open(io.BytesIO(render_page(buffer.getvalue(), "image/tiff", 2, 850, "png", RenderLimits())))
    with pytest.raises(PageRenderError) as missing:
        render_page(buffer.getvalue(), "image/tiff", 3, 850, "png", RenderLimits())

    assert second.size == (850, 1100) and second.convert("L").getpixel((400, 500)) == 0
    assert missing.value.code == "page_not_found"


def test_an_image_bomb_is_refused_by_the_renderer_not_decoded() -> None:
    from models.page_images import PageRenderError, RenderLimits, render_page

    # A 50,000 x 50,000 PNG header: 2.5 gigapixels declared in a few hundred bytes.
    bomb = io.BytesIO()
    Image.new("1", (50_000, 50_000)).save(bomb, "PNG")

    with pytest.raises(PageRenderError) as refusal:
        render_page(bomb.getvalue(), "image/png", 1, 800, "png", RenderLimits())

    assert refusal.value.code == "too_large"


def test_the_jsonl_export_carries_each_label_s_boxes(
    committed_api_token: str, migrated_engine: Engine, keyword_classifier
) -> None:
    import json

    from api.app import create_app

    data, _pdf = contract_pdf()
    # The export reads in a transaction of its own: the documents are committed first.
    with TestClient(create_app(), headers={"Authorization": f"Bearer {committed_api_token}"}) as client:
        ids = [
            client.post("/v1/documents", files={"file": (name, content)}).json()["id"]
            for name, content in (("k.pdf", data), ("k.txt", "Løn 32.500,00 kr.".encode()))
        ]
        with Session(migrated_engine) as session:
            for document_id in ids:
                finish(session, document_id, keyword_classifier)
            session.commit()
        entities = client.get(f"/v1/documents/{ids[0]}/entities").json()

        lines = client.get("/v1/documents/export", params={"format": "jsonl"}).text.splitlines()

    exported = {record["document_id"]: record["boxes"] for record in map(json.loads, lines)}
    salary = next(e for e in entities if e["label"] == "SALARY")["boxes"]
    assert exported[ids[0]]["SALARY"] == [[b["page"], b["x0"], b["y0"], b["x1"], b["y1"]] for b in salary]
    assert set(exported[ids[0]]) == {"EMPLOYER", "SALARY"}
    assert exported[ids[1]] == {}
