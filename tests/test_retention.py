"""Retention: a document finished long enough ago loses its stored file, text and tokens and keeps its
facts (entities, contract card, status, history); the API says what is gone, and Celery beat purges only
when retention is configured."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.broker import make_celery_app
from models.contract_card import rebuild_contract_card
from models.db import session_scope
from models.intake import submit_document
from models.retention import purge_contents, purgeable_count
from models.schema import (
    ContractCard,
    Document,
    DocumentFile,
    DocumentText,
    DocumentTokens,
    Entity,
    utcnow,
)
from models.settings import Settings
from models.tenancy import tenant_named
from tests.test_cli import cli
from tests.test_contract_card import add_entity, make_model


def finished_document(
    session: Session, name: str, days_ago: float, status: str = "done", tenant: str | None = None
) -> Document:
    """A document (of `tenant`, default: the default tenant) with its file, text, tokens, two entities
    and a card, finished `days_ago`."""
    tenant_id = tenant_named(session, tenant).id if tenant is not None else None  # type: ignore[union-attr]
    document = submit_document(
        session, f"Kontrakt {name}".encode(), filename=f"{name}.txt", tenant_id=tenant_id
    ).document
    session.add(DocumentText(document_id=document.id, text=f"Kontrakt {name}", page_starts=[0]))
    session.add(DocumentTokens(document_id=document.id, tokenizer_sha256="0" * 64, token_ids=b"\x01\x00\x00\x00",
                               offsets=b"\x00\x00\x00\x00", windows=[[0, 1]]))  # fmt: skip
    model = make_model(session)
    add_entity(session, document, model, "EMPLOYER", "Nordlys ApS", 0.99)
    add_entity(session, document, model, "SALARY", "kr. 32.500,00", 0.93, following=" pr. måned")
    document.status, document.finished_at = status, utcnow() - timedelta(days=days_ago)
    rebuild_contract_card(session, document.id)
    session.flush()
    return document


def stored(session: Session, document: Document) -> dict[str, int]:
    return {
        table.__tablename__: session.scalar(
            select(func.count()).select_from(table).where(table.document_id == document.id)
        )
        or 0
        for table in (DocumentFile, DocumentText, DocumentTokens, Entity, ContractCard)
    }


def test_an_old_document_keeps_its_facts_and_loses_its_file_text_and_tokens(db_session: Session) -> None:
    old = finished_document(db_session, "old", days_ago=40)
    old_failure = finished_document(db_session, "old-failed", days_ago=35, status="failed")
    recent = finished_document(db_session, "recent", days_ago=5)
    waiting = submit_document(db_session, b"Kontrakt i koen", filename="ny.txt").document
    waiting.created_at = utcnow() - timedelta(days=90)

    assert purgeable_count(db_session, older_than_days=30) == 2
    purge = purge_contents(db_session, older_than_days=30)
    again = purge_contents(db_session, older_than_days=30)

    assert (purge.documents, purge.files, purge.texts, purge.tokens) == (2, 2, 2, 2)
    assert again.documents == 0
    for document in (old, old_failure):
        db_session.refresh(document)
        assert document.purged_at is not None
        assert stored(db_session, document) == {
            "document_files": 0, "document_texts": 0, "document_tokens": 0, "entities": 2, "contract_cards": 1,
        }  # fmt: skip
    assert stored(db_session, recent)["document_files"] == 1 and stored(db_session, waiting)["document_files"] == 1
    db_session.refresh(recent)
    assert recent.purged_at is None


def test_the_api_says_what_retention_took_and_still_answers_with_the_facts(
    client: TestClient, db_session: Session
) -> None:
    document = finished_document(db_session, "old", days_ago=40, tenant="tests")  # the client's tenant
    purge_contents(db_session, older_than_days=30)
    db_session.commit()

    text = client.get(f"/v1/documents/{document.id}/text")
    replay = client.post(f"/v1/documents/{document.id}/reprocess")
    body = client.get(f"/v1/documents/{document.id}").json()
    entities = client.get(f"/v1/documents/{document.id}/entities").json()
    card = client.get(f"/v1/documents/{document.id}/card").json()

    assert text.status_code == 410 and "retention" in text.json()["detail"]
    assert replay.status_code == 409 and "retention" in replay.json()["detail"]
    assert body["status"] == "done" and body["purged_at"] is not None
    assert [e["label"] for e in entities] == ["EMPLOYER", "SALARY"]
    assert card["employer"] == "Nordlys ApS"


@pytest.fixture
def committed_old_document(clean_database) -> Iterator[Document]:
    with session_scope() as session:
        document = finished_document(session, "old", days_ago=40)
    yield document


def test_the_purge_command_counts_then_purges(committed_old_document: Document) -> None:
    dry = cli("purge", "--older-than-days", "30", "--dry-run")
    run = cli("purge", "--older-than-days", "30")
    unset = {name: value for name, value in os.environ.items() if name != "CONTRACT_NER_RETENTION_DAYS"}
    without_days = cli("purge", env=unset)

    assert dry.returncode == 0 and "1 documents finished over 30 days ago would be purged" in dry.stdout
    assert run.returncode == 0 and "purged 1 documents" in run.stdout and "entities and cards kept" in run.stdout
    with session_scope() as session:
        document = session.get_one(Document, committed_old_document.id)
        assert document.purged_at is not None and stored(session, document)["entities"] == 2
    assert without_days.returncode == 2 and "CONTRACT_NER_RETENTION_DAYS" in without_days.stderr


def test_beat_purges_only_when_retention_is_configured() -> None:
    configured = make_celery_app(Settings(retention_days=30, retention_interval_s=600)).conf.beat_schedule
    default = make_celery_app(Settings()).conf.beat_schedule

    assert configured["purge-document-contents"]["schedule"] == 600
    assert "purge-document-contents" not in default
