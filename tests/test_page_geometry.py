"""Page geometry through the API: entities carry their page and one box per line, the original file and
its pages are served to the caller's tenant only, and a page image is rendered, cached and size-limited."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from fpdf import FPDF
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
