"""The export for people with spreadsheets: CSV cells never run as formulas, the file opens in a Danish
Excel (byte order mark, true/false, durations in the contract's own unit, and the `excel-da` dialect's
semicolons and decimal commas), every column is documented, and the export works on the embedded SQLite
default as well as on Postgres."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.app import create_app
from api.export import COLUMNS
from models import db
from models.contract_card import rebuild_contract_card
from models.db import session_scope
from models.intake import submit_document
from models.tenancy import issue_api_key
from tests.conftest import TEST_KEY_RATE_LIMIT
from tests.test_contract_card import add_entity, make_model

EXPORT_DOC = Path(__file__).resolve().parent.parent / "docs" / "export.md"
FORMULAS = ['=HYPERLINK("http://x")', "+45 12 34 56 78", "-2+3", "@SUM(A1:A2)", "\tnavn", "\rnavn"]


def committed_contract(session: Session, external_id: str, employer: str, notice: str, done: bool = True) -> None:
    """A document of the default tenant with a card built from real entities."""
    document = submit_document(session, f"Kontrakt {external_id}".encode(), filename=f"{external_id}.txt",
                               external_id=external_id).document  # fmt: skip
    model = make_model(session)
    add_entity(session, document, model, "EMPLOYER", employer, 0.99)
    add_entity(session, document, model, "EMPLOYEE", "Mette Hansen", 0.98)
    add_entity(session, document, model, "SALARY", "kr. 32.500,00", 0.93, following=" pr. måned")
    add_entity(session, document, model, "NOTICE_PERIOD", notice, 0.9)
    add_entity(session, document, model, "PROBATION_PERIOD", "3 måneder", 0.9)
    if done:
        add_entity(session, document, model, "START_DATE", "1. marts 2024", 0.97)
        add_entity(session, document, model, "WORKING_HOURS", "37 timer", 0.94)
    document.status = "done"
    rebuild_contract_card(session, document.id)


def export(client: TestClient, **params: str) -> tuple[bytes, list[dict[str, str]]]:
    response = client.get("/v1/documents/export", params={"format": "csv", **params})
    assert response.status_code == 200, response.text
    delimiter = ";" if params.get("dialect") == "excel-da" else ","
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=delimiter))
    return response.content, rows


@pytest.fixture
def api(committed_api_token: str) -> Iterator[TestClient]:
    with TestClient(create_app(), headers={"Authorization": f"Bearer {committed_api_token}"}) as client:
        yield client


def test_text_cells_that_a_spreadsheet_would_run_are_made_inert(api: TestClient) -> None:
    with session_scope() as session:
        for n, formula in enumerate(FORMULAS):
            committed_contract(session, external_id=formula + str(n), employer=f"{formula} ApS", notice="1 måned")

    _, rows = export(api)
    as_jsonl = [json.loads(line) for line in api.get("/v1/documents/export?format=jsonl").text.splitlines()]

    assert [row["external_id"] for row in rows] == [f"'{formula}{n}" for n, formula in enumerate(FORMULAS)]
    # The card writes a name on one line ("\tnavn ApS" is "navn ApS" there): the others start with a formula.
    assert [row["employer"] for row in rows][:4] == [f"'{formula} ApS" for formula in FORMULAS[:4]]
    # Numbers we write ourselves are never touched, and JSONL (no spreadsheet) keeps the text as it is.
    assert {row["salary_amount"] for row in rows} == {"32500.00"}
    assert [record["external_id"] for record in as_jsonl] == [f"{formula}{n}" for n, formula in enumerate(FORMULAS)]


def test_the_csv_opens_in_excel_as_utf8_with_words_for_booleans_and_durations_in_their_unit(api: TestClient) -> None:
    with session_scope() as session:
        committed_contract(session, "DMS-1", "Ærø Æblemost ApS", notice="14 dages")
        committed_contract(session, "DMS-2", "Nordlys ApS", notice="1½ måned", done=False)

    body, rows = export(api)

    assert body.startswith(b"\xef\xbb\xbfdocument_id,")
    assert list(rows[0]) == COLUMNS
    assert rows[0]["employer"] == "Ærø Æblemost ApS"
    assert [row["needs_review"] for row in rows] == ["false", "true"]
    assert [(row["notice_period"], row["notice_period_unit"]) for row in rows] == [("14", "days"), ("1.5", "months")]
    assert [(row["probation_period"], row["probation_period_unit"]) for row in rows] == [("3", "months")] * 2
    assert rows[1]["flags"] == "missing_start_date missing_working_hours"


def test_the_excel_da_dialect_has_semicolons_and_decimal_commas(api: TestClient) -> None:
    with session_scope() as session:
        committed_contract(session, "DMS-1", "Nordlys ApS", notice="1½ måned")

    body, (row,) = export(api, dialect="excel-da")

    assert body.startswith(b"\xef\xbb\xbfdocument_id;filename;")
    assert (row["salary_amount"], row["weekly_hours"], row["notice_period"]) == ("32500,00", "37,00", "1,5")
    assert row["start_date"] == "2024-03-01"


def test_every_exported_column_is_documented_with_its_type() -> None:
    documented = re.findall(r"^\| `(\w+)` \| (\w[^|]*?) \|", EXPORT_DOC.read_text(), re.M)

    assert [name for name, _type in documented] == COLUMNS


# --------------------------------------------------------------------------------------------------
# The embedded default: a real SQLite file, the real app, no override of its sessions


def test_the_export_streams_on_the_embedded_sqlite_default(embedded_database: str) -> None:
    with session_scope() as session:
        token = issue_api_key(session, "default", rate_limit_per_minute=TEST_KEY_RATE_LIMIT).token
        committed_contract(session, "DMS-1", "Nordlys ApS", notice="14 dages")
        committed_contract(session, "DMS-2", "=1+1", notice="3 måneder")

    with TestClient(create_app(), headers={"Authorization": f"Bearer {token}"}) as client:
        _, rows = export(client)
        jsonl = client.get("/v1/documents/export", params={"format": "jsonl", "salary_min": "30000"})
        # Writing goes on while and after exporting: the export held no write lock.
        uploaded = client.post("/v1/documents", files={"file": ("ny.txt", b"Ny kontrakt")})

    assert db.get_engine().dialect.name == "sqlite"
    assert [(row["external_id"], row["employer"], row["notice_period_unit"]) for row in rows] == [
        ("DMS-1", "Nordlys ApS", "days"),
        ("DMS-2", "'=1+1", "months"),
    ]
    assert [json.loads(line)["external_id"] for line in jsonl.text.splitlines()] == ["DMS-1", "DMS-2"]
    assert uploaded.status_code == 202
