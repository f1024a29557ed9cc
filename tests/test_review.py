"""Reviewing (issue 14): a reviewer confirms, rejects, corrects and adds entities and sets card fields
through the API; every action is an audit row, the card prefers what people said, a reviewed document
no longer needs review and is announced with its final card, and `GET /v1/review/next` never hands one
document to two reviewers at once."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from api.app import create_app
from api.export import rows_written_by_postgres, rows_written_from_objects
from models import db
from models.contract_card import rebuild_contract_card
from models.db import session_scope
from models.intake import submit_document
from models.queries import DocumentFilter
from models.review import add_entity, next_for_review
from models.schema import ContractCard, Document, DocumentText, Entity, ReviewAction, WebhookDelivery, utcnow
from models.tenancy import issue_api_key, tenant_named
from tests.conftest import TEST_KEY_RATE_LIMIT
from tests.test_dms import finish, upload
from tests.test_erasure import traces
from tests.test_query_scale import assert_counts_match_a_recount

# The keyword model finds the employer, the workplace and the first salary; a reviewer knows better.
TEXT = (
    "Nordlys ApS, Supervej 21, 2000 Frederiksberg. Løn 32.500,00 kr. pr. måned.\n"
    "Fra 1. april 2025 udgør lønnen 31.000,00 kr. pr. måned. Tiltrædelse 1. marts 2024."
)


def span(text: str, needle: str) -> dict[str, int]:
    start = text.index(needle)
    return {"start": start, "end": start + len(needle)}


@pytest.fixture
def anna(db_session: Session) -> dict[str, str]:
    """A named key of the `tests` tenant (the `client` fixture's): the audit trail names its actions."""
    token = issue_api_key(db_session, "tests", name="Anna", rate_limit_per_minute=TEST_KEY_RATE_LIMIT).token
    db_session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def document_id(client: TestClient, db_session: Session, keyword_classifier) -> str:
    accepted = upload(client, TEXT)
    finish(db_session, accepted["id"], keyword_classifier)
    return str(accepted["id"])


def entity_of(client: TestClient, document_id: str, label: str) -> dict:
    (entity,) = [e for e in client.get(f"/v1/documents/{document_id}/entities").json() if e["label"] == label]
    return entity


def audit(client: TestClient, document_id: str) -> list[dict]:
    response = client.get(f"/v1/documents/{document_id}/audit")
    assert response.status_code == 200, response.text
    return response.json()


def test_entities_say_which_model_revision_found_them(client: TestClient, document_id: str) -> None:
    salary = entity_of(client, document_id, "SALARY")

    assert salary["source"] == "model"
    assert salary["model_id"] is not None
    name, _, sha = salary["model_revision"].partition("@")
    assert name and len(sha) == 12
    assert salary["confirmed_at"] is None


def test_confirming_an_entity_is_audited_and_gives_its_card_field_full_confidence(
    client: TestClient, db_session: Session, document_id: str, anna: dict[str, str]
) -> None:
    employer = entity_of(client, document_id, "EMPLOYER")
    db_session.get_one(Entity, employer["id"]).score = 0.6  # the keyword model is sure of every word
    rebuild_contract_card(db_session, uuid.UUID(document_id))
    assert client.get(f"/v1/documents/{document_id}/card").json()["confidence"]["employer"] == 0.6

    response = client.post(f"/v1/documents/{document_id}/entities/{employer['id']}/confirm", headers=anna)

    assert response.status_code == 200, response.text
    assert response.json()["confirmed_at"] is not None and response.json()["source"] == "model"
    assert client.get(f"/v1/documents/{document_id}/card").json()["confidence"]["employer"] == 1.0
    (row,) = audit(client, document_id)
    assert (row["actor"], row["action"], row["entity_id"]) == ("Anna", "confirm", employer["id"])
    assert row["before"]["confirmed"] is False and row["after"]["confirmed"] is True
    assert row["before"]["text"] == employer["text"]


def test_rejecting_an_entity_deletes_it_and_the_audit_row_keeps_what_it_was(
    client: TestClient, db_session: Session, document_id: str, anna: dict[str, str]
) -> None:
    employer = entity_of(client, document_id, "EMPLOYER")
    count = client.get(f"/v1/documents/{document_id}").json()["entity_count"]

    response = client.post(f"/v1/documents/{document_id}/entities/{employer['id']}/reject", headers=anna)

    assert response.status_code == 204, response.text
    assert db_session.get(Entity, employer["id"]) is None
    assert client.get(f"/v1/documents/{document_id}").json()["entity_count"] == count - 1
    assert client.get(f"/v1/documents/{document_id}/card").json()["employer"] is None
    (row,) = audit(client, document_id)
    assert row["action"] == "reject" and row["after"] is None
    assert row["before"]["label"] == "EMPLOYER" and row["before"]["text"] == employer["text"]
    assert_counts_match_a_recount(db_session)


def test_correcting_a_span_reads_its_text_and_value_again_and_makes_the_entity_human(
    client: TestClient, document_id: str, anna: dict[str, str]
) -> None:
    salary = entity_of(client, document_id, "SALARY")
    # The reviewer moves the salary to the amount that applies from April 2025 (with a space around it).
    new = span(TEXT, " 31.000,00 kr. ")

    response = client.patch(f"/v1/documents/{document_id}/entities/{salary['id']}", json=new, headers=anna)

    assert response.status_code == 200, response.text
    corrected = response.json()
    assert corrected["text"] == "31.000,00 kr."  # whitespace at the ends is left out
    assert (corrected["start"], corrected["end"]) == (new["start"] + 1, new["end"] - 1)
    assert Decimal(corrected["value_number"]) == 31000 and corrected["value_period"] == "month"
    assert (corrected["source"], corrected["model_id"], corrected["model_revision"]) == ("human", None, None)
    assert corrected["score"] == 1.0
    card = client.get(f"/v1/documents/{document_id}/card").json()
    assert card["salary_amount"] == "31000.00" and card["confidence"]["salary_amount"] == 1.0
    (row,) = audit(client, document_id)
    assert row["action"] == "correct"
    assert row["before"]["text"] == "32.500,00 kr." and row["before"]["source"] == "model"
    assert row["after"]["text"] == "31.000,00 kr." and Decimal(row["after"]["value_number"]) == 31000


def test_correcting_a_label_moves_the_value_to_the_new_label_s_card_field(
    client: TestClient, db_session: Session, document_id: str, anna: dict[str, str]
) -> None:
    employer = entity_of(client, document_id, "EMPLOYER")

    response = client.patch(
        f"/v1/documents/{document_id}/entities/{employer['id']}", json={"label": "job_title"}, headers=anna
    )

    assert response.status_code == 200, response.text
    assert response.json()["label"] == "JOB_TITLE"
    card = client.get(f"/v1/documents/{document_id}/card").json()
    assert card["employer"] is None and card["job_title"] == employer["text"]
    assert_counts_match_a_recount(db_session)  # the dashboards' labels per document follow the relabelling


def test_an_added_entity_is_human_and_the_card_prefers_it_over_the_model_s(
    client: TestClient, db_session: Session, document_id: str, anna: dict[str, str]
) -> None:
    model_salary = entity_of(client, document_id, "SALARY")
    card = client.get(f"/v1/documents/{document_id}/card").json()
    assert card["salary_amount"] == "32500.00" and "missing_start_date" in card["flags"]

    added_salary = client.post(
        f"/v1/documents/{document_id}/entities", json={"label": "SALARY", **span(TEXT, "31.000,00 kr.")}, headers=anna
    )
    added_start = client.post(
        f"/v1/documents/{document_id}/entities", json={"label": "START_DATE", **span(TEXT, "1. marts 2024")}
    )

    assert added_salary.status_code == 201, added_salary.text
    assert added_start.status_code == 201, added_start.text
    assert added_start.json()["value_date"] == "2024-03-01" and added_start.json()["source"] == "human"
    card = client.get(f"/v1/documents/{document_id}/card").json()
    # The model's salary is still an entity, but a person said which salary it is: no conflict either.
    assert db_session.get(Entity, model_salary["id"]) is not None
    assert card["salary_amount"] == "31000.00" and card["confidence"]["salary_amount"] == 1.0
    assert card["start_date"] == "2024-03-01"
    assert "missing_start_date" not in card["flags"] and "conflicting_salaries" not in card["flags"]
    assert [row["action"] for row in audit(client, document_id)] == ["add", "add"]
    assert audit(client, document_id)[1]["actor"].startswith("key ")  # an unnamed key: its prefix
    assert_counts_match_a_recount(db_session)


def test_a_card_field_set_directly_wins_over_every_entity(
    client: TestClient, document_id: str, anna: dict[str, str]
) -> None:
    client.post(f"/v1/documents/{document_id}/entities", json={"label": "SALARY", **span(TEXT, "31.000,00 kr.")})

    salary = client.put(f"/v1/documents/{document_id}/card/salary_amount", json={"value": "33000"}, headers=anna)
    hours = client.put(f"/v1/documents/{document_id}/card/weekly_hours", json={"value": 37}, headers=anna)
    notice = client.put(f"/v1/documents/{document_id}/card/notice_period_value", json={"value": "3"}, headers=anna)
    unit = client.put(f"/v1/documents/{document_id}/card/notice_period_unit", json={"value": "months"}, headers=anna)

    for response in (salary, hours, notice, unit):
        assert response.status_code == 200, response.text
    card = client.get(f"/v1/documents/{document_id}/card").json()
    assert card["salary_amount"] == "33000.00" and card["weekly_hours"] == "37.00"
    assert card["notice_period_months"] == "3.00"  # follows the number and unit the reviewer set
    assert card["confidence"]["weekly_hours"] == 1.0
    assert card["set_by_reviewer"] == ["weekly_hours", "salary_amount", "notice_period_value", "notice_period_unit"]
    assert "missing_working_hours" not in card["flags"]
    rows = audit(client, document_id)
    assert [(r["action"], r["field"]) for r in rows[1:]] == [
        ("set_field", "salary_amount"), ("set_field", "weekly_hours"),
        ("set_field", "notice_period_value"), ("set_field", "notice_period_unit"),
    ]  # fmt: skip
    assert rows[1]["before"] == {"salary_amount": "31000.00"} and rows[1]["after"] == {"salary_amount": "33000.00"}

    cleared = client.put(f"/v1/documents/{document_id}/card/salary_amount", json={"value": None}, headers=anna)
    assert cleared.json()["salary_amount"] is None and "missing_salary" in cleared.json()["flags"]


def test_a_reviewed_document_no_longer_needs_review_and_its_final_card_is_announced(
    client: TestClient, db_session: Session, document_id: str, anna: dict[str, str]
) -> None:
    client.post("/v1/webhooks", json={"url": "https://93.184.215.14/hook", "events": ["document.reviewed"]})
    client.put(f"/v1/documents/{document_id}/card/weekly_hours", json={"value": "37"}, headers=anna)
    assert client.get(f"/v1/documents/{document_id}/card").json()["needs_review"] is True
    assert document_id in [d["id"] for d in client.get("/v1/documents", params={"needs_review": True}).json()["items"]]

    response = client.post(f"/v1/documents/{document_id}/reviewed", headers=anna)

    assert response.status_code == 200, response.text
    card = response.json()
    # Flags stay listed: the keyword model knows no names, no start date, and reads both monthly salaries.
    assert card["needs_review"] is False
    assert card["flags"] == ["missing_employee", "missing_start_date", "conflicting_values"]
    assert document_id not in [
        d["id"] for d in client.get("/v1/documents", params={"needs_review": True}).json()["items"]
    ]
    document = db_session.get_one(Document, uuid.UUID(document_id))
    assert document.reviewed_by == "Anna" and document.reviewed_at is not None
    (delivery,) = db_session.scalars(select(WebhookDelivery).where(WebhookDelivery.event == "document.reviewed"))
    assert delivery.payload["document_id"] == document_id and delivery.payload["reviewed_by"] == "Anna"
    assert delivery.payload["card"] == card
    assert delivery.payload["card"]["weekly_hours"] == "37.00"
    assert audit(client, document_id)[-1]["action"] == "reviewed"
    assert_counts_match_a_recount(db_session)
    # A later correction keeps the document reviewed.
    client.put(f"/v1/documents/{document_id}/card/weekly_hours", json={"value": "40"}, headers=anna)
    assert client.get(f"/v1/documents/{document_id}/card").json()["needs_review"] is False


def test_the_export_says_who_reviewed_a_document_and_when(
    client: TestClient, db_session: Session, document_id: str, anna: dict[str, str]
) -> None:
    client.post(f"/v1/documents/{document_id}/reviewed", headers=anna)
    tenant = tenant_named(db_session, "tests")
    assert tenant is not None

    for export_format in ("csv", "jsonl"):
        by_postgres = b"".join(
            rows_written_by_postgres(db_session, DocumentFilter(), tenant.id, export_format, "standard")
        )
        from_objects = b"".join(rows_written_from_objects(db_session, DocumentFilter(), tenant.id, export_format))
        assert by_postgres == from_objects or export_format == "jsonl"  # Postgres spaces its JSON its own way
        if export_format == "csv":
            (row,) = csv.DictReader(io.StringIO(by_postgres.decode("utf-8-sig")))
        else:
            row = json.loads(by_postgres)
            assert row == json.loads(from_objects)
        assert row["reviewed_by"] == "Anna" and row["reviewed_at"].startswith(str(utcnow().year))
        assert row["needs_review"] in ("false", False)


@pytest.mark.parametrize(
    ("path", "method", "body", "status", "message"),
    [
        ("entities", "post", {"label": "SALARY", "start": 10, "end": 100_000}, 422, "0 <= start < end <="),
        ("entities", "post", {"label": "SALARY", "start": 10, "end": 10}, 422, "0 <= start < end <="),
        ("entities", "post", {"label": "SALARY", "start": -1, "end": 3}, 422, "greater than or equal to 0"),
        ("entities", "post", {"label": "SALARY", "start": 12, "end": 13}, 422, "only whitespace"),
        ("entities", "post", {"label": "SHOE_SIZE", "start": 0, "end": 7}, 422, "unknown label 'SHOE_SIZE'; one of"),
        ("entities/{entity}", "patch", {}, 422, "changes the label, the span"),
        ("entities/{entity}", "patch", {"end": 100_000}, 422, "the text's length"),
        ("entities/{entity}", "patch", {"label": "NOPE"}, 422, "unknown label"),
        ("entities/999999999/confirm", "post", None, 404, "has no entity 999999999"),
        ("entities/{other}/reject", "post", None, 404, "has no entity"),
        ("card/notice_period_months", "put", {"value": "3"}, 422, "not a card field a reviewer can set"),
        ("card/start_date", "put", {"value": "1. marts"}, 422, "ISO date"),
        ("card/salary_amount", "put", {"value": "1e20"}, 422, "must be a number from 0 below"),
        ("card/salary_currency", "put", {"value": "kroner"}, 422, "must be one of"),
    ],
)
def test_bad_requests_are_refused_with_a_clear_message(
    client: TestClient, db_session: Session, keyword_classifier, document_id: str,
    path: str, method: str, body: dict | None, status: int, message: str,
) -> None:  # fmt: skip
    other = upload(client, TEXT.replace("Kontrakt", "Aftale") + " Et andet dokument.")
    finish(db_session, other["id"], keyword_classifier)
    entity = entity_of(client, document_id, "SALARY")["id"]
    other_entity = entity_of(client, other["id"], "SALARY")["id"]
    url = f"/v1/documents/{document_id}/" + path.format(entity=entity, other=other_entity)

    response = client.request(method, url, json=body)

    assert response.status_code == status, response.text
    assert message in response.text
    assert audit(client, document_id) == []


def test_a_document_that_is_not_done_or_of_another_tenant_cannot_be_reviewed(
    client: TestClient, db_session: Session, document_id: str
) -> None:
    queued = upload(client, "Endnu ikke behandlet.")
    outsider = issue_api_key(db_session, "others", rate_limit_per_minute=TEST_KEY_RATE_LIMIT).token
    db_session.commit()

    not_done = client.post(f"/v1/documents/{queued['id']}/reviewed")
    foreign = client.post(f"/v1/documents/{document_id}/reviewed", headers={"Authorization": f"Bearer {outsider}"})

    assert not_done.status_code == 409 and "only a done document can be reviewed" in not_done.text
    assert foreign.status_code == 404


def test_review_actions_go_with_an_erased_document(
    client: TestClient, db_session: Session, document_id: str, anna: dict[str, str]
) -> None:
    events = ["document.reviewed", "document.deleted"]
    client.post("/v1/webhooks", json={"url": "https://93.184.215.14/hook", "events": events})
    added = client.post(
        f"/v1/documents/{document_id}/entities", json={"label": "START_DATE", **span(TEXT, "1. marts 2024")}
    ).json()
    client.put(f"/v1/documents/{document_id}/card/employee", json={"value": "Jens Hansen"}, headers=anna)
    client.post(f"/v1/documents/{document_id}/reviewed", headers=anna)
    needles = {document_id, added["text"], "Jens Hansen"}
    assert {"review_actions", "entities", "contract_cards", "webhook_deliveries"} <= {
        table for table, _c, _n in traces(db_session, needles)
    }

    assert client.delete(f"/v1/documents/{document_id}").status_code == 204

    assert traces(db_session, needles) == {("webhook_deliveries", "payload", document_id)}  # the tombstone only
    assert db_session.scalars(select(ReviewAction)).all() == []


def test_review_next_hands_out_the_most_uncertain_document_and_renews_the_caller_s_lease(
    client: TestClient, db_session: Session, anna: dict[str, str]
) -> None:
    tenant = tenant_named(db_session, "tests")
    assert tenant is not None
    sure, unsure, flagged = done_documents(db_session, tenant.id, [(False, 0.9), (False, 0.4), (True, 0.95)])

    first = client.get("/v1/review/next", headers=anna)
    again = client.get("/v1/review/next", headers=anna)
    other = client.get("/v1/review/next")  # another key: another reviewer

    assert first.status_code == 200, first.text
    assert first.json()["document"]["id"] == str(flagged)  # needs review first
    assert again.json()["document"]["id"] == str(flagged)  # the caller's own, renewed
    assert again.json()["lease_expires_at"] >= first.json()["lease_expires_at"]
    assert other.json()["document"]["id"] == str(unsure)  # then the lowest confidence
    client.post(f"/v1/documents/{flagged}/reviewed", headers=anna)
    assert client.get("/v1/review/next", headers=anna).json()["document"]["id"] == str(sure)
    assert client.get("/v1/review/next", headers=anna).json()["document"]["id"] == str(sure)
    assert client.get("/v1/review/next", headers={"Authorization": "Bearer nope"}).status_code == 401
    third = issue_api_key(db_session, "tests", name="Bo", rate_limit_per_minute=TEST_KEY_RATE_LIMIT).token
    db_session.commit()
    assert client.get("/v1/review/next", headers={"Authorization": f"Bearer {third}"}).status_code == 204


def test_an_expired_review_lease_is_handed_to_the_next_reviewer(db_session: Session) -> None:
    tenant = tenant_named(db_session, "tests", create=True)
    assert tenant is not None
    (only,) = done_documents(db_session, tenant.id, [(True, 0.5)])
    now = utcnow()

    taken = next_for_review(db_session, tenant.id, "Anna", lease_s=60, now=now)
    held = next_for_review(db_session, tenant.id, "Bo", lease_s=60, now=now + timedelta(seconds=59))
    expired = next_for_review(db_session, tenant.id, "Bo", lease_s=60, now=now + timedelta(seconds=61))

    assert taken is not None and taken.id == only
    assert held is None
    assert expired is not None and expired.id == only and expired.review_lease_holder == "Bo"


def test_reviewers_asking_at_once_never_get_the_same_document(clean_database) -> None:
    """Real concurrent transactions on Postgres: each reviewer in a thread with its own session."""
    with session_scope() as session:
        tenant = tenant_named(session, "review-race", create=True)
        assert tenant is not None
        tenant_id = tenant.id
        documents = done_documents(session, tenant_id, [(n % 2 == 0, n / 10) for n in range(6)])

    for reviewers in (6, 10):  # as many reviewers as documents, then more reviewers than documents left
        start = threading.Barrier(reviewers)
        got: dict[str, uuid.UUID | None] = {}

        def ask(reviewer: str, barrier: threading.Barrier = start, answers: dict = got) -> None:
            with session_scope() as session:
                barrier.wait()
                document = next_for_review(session, tenant_id, reviewer, lease_s=600)
                answers[reviewer] = document.id if document is not None else None

        names = [f"reviewer-{len(got)}-{reviewers}-{n}" for n in range(reviewers)]
        threads = [threading.Thread(target=ask, args=(name,)) for name in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        handed = [document for document in got.values() if document is not None]
        assert len(got) == reviewers
        assert len(handed) == len(set(handed)), f"a document went to two reviewers: {got}"
        if reviewers == 6:
            assert sorted(handed) == sorted(documents)  # each reviewer got one
        else:
            assert handed == []  # all six are leased to the first six reviewers
    with session_scope() as session:
        holders = session.scalars(select(Document.review_lease_holder).where(Document.tenant_id == tenant_id))
        assert len(set(holders)) == 6


def test_two_reviewers_adding_entities_to_one_document_at_once_lose_no_count(clean_database) -> None:
    with session_scope() as session:
        document = submit_document(session, TEXT.encode(), filename="k.txt").document
        document.text = DocumentText(document_id=document.id, text=TEXT, page_starts=[0])
        document.status = "done"
        session.flush()
        rebuild_contract_card(session, document.id)
        document_id = document.id
    words = [(m.start(), m.end()) for m in re.finditer(r"\w+", TEXT)][:12]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def add_half(reviewer: str, spans: list[tuple[int, int]]) -> None:
        try:
            start.wait()
            for begin, end in spans:
                with session_scope() as session:
                    add_entity(session, session.get_one(Document, document_id), reviewer, label="JOB_TITLE",
                               start=begin, end=end)  # fmt: skip
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=add_half, args=(name, words[n::2])) for n, name in enumerate(["Anna", "Bo"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    with session_scope() as session:
        stored = session.scalars(select(Entity).where(Entity.document_id == document_id)).all()
        assert len(stored) == len(words)
        assert session.get_one(Document, document_id).entity_count == len(words)
        assert len(session.scalars(select(ReviewAction).where(ReviewAction.document_id == document_id)).all()) == 12


def done_documents(session: Session, tenant_id: uuid.UUID, cards: list[tuple[bool, float]]) -> list[uuid.UUID]:
    """Done documents with cards (needs_review, lowest confidence), created in list order."""
    ids = [uuid.uuid4() for _ in cards]
    created = utcnow() - timedelta(hours=1)
    session.execute(
        insert(Document),
        [
            {"id": i, "tenant_id": tenant_id, "sha256": i.hex * 2, "filename": f"{n}.txt", "content_type": "text/plain",
             "size_bytes": 10, "status": "done", "version": 1, "created_at": created + timedelta(seconds=n),
             "finished_at": created + timedelta(seconds=n)}
            for n, i in enumerate(ids)
        ],
    )  # fmt: skip
    session.execute(
        insert(ContractCard),
        [
            {"document_id": i, "employer": "Nordlys ApS", "salary_amount": Decimal("32500.00"),
             "start_date": date(2024, 1, 1), "confidence": {"employer": lowest}, "flags": ["missing_salary"] * flagged,
             "needs_review": flagged, "lowest_confidence": lowest}
            for i, (flagged, lowest) in zip(ids, cards, strict=True)
        ],
    )  # fmt: skip
    session.commit()
    return ids


def test_reviewing_works_on_the_embedded_sqlite_default(embedded_database: str) -> None:
    with session_scope() as session:
        token = issue_api_key(session, "default", name="Anna", rate_limit_per_minute=TEST_KEY_RATE_LIMIT).token
        document = submit_document(session, TEXT.encode(), filename="k.txt").document
        document.text = DocumentText(document_id=document.id, text=TEXT, page_starts=[0])
        document.status = "done"
        session.flush()
        rebuild_contract_card(session, document.id)
        document_id = str(document.id)

    with TestClient(create_app(), headers={"Authorization": f"Bearer {token}"}) as client:
        handed = client.get("/v1/review/next")
        added = client.post(
            f"/v1/documents/{document_id}/entities", json={"label": "START_DATE", **span(TEXT, "1. marts 2024")}
        )
        reviewed = client.post(f"/v1/documents/{document_id}/reviewed")
        trail = audit(client, document_id)
        left = client.get("/v1/review/next")

    assert db.get_engine().dialect.name == "sqlite"
    assert handed.json()["document"]["id"] == document_id
    assert added.status_code == 201 and added.json()["source"] == "human" and added.json()["model_id"] is None
    assert reviewed.json()["start_date"] == "2024-03-01" and reviewed.json()["needs_review"] is False
    assert [(row["actor"], row["action"]) for row in trail] == [("Anna", "add"), ("Anna", "reviewed")]
    assert left.status_code == 204
