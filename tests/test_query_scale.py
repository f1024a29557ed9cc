"""Querying at production scale (issue 17; the timings are `bench/query_scale.py`'s): the cursor is one
index range however deep the page, Postgres plans every prepared statement for its own values, and the
answers stay exactly what they were."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from api.export import rows_written_by_postgres, rows_written_from_objects
from models.dashboard_counts import compact_counts, recount
from models.db import make_engine
from models.erasure import erase_document
from models.intake import submit_document
from models.job_lifecycle import claim, complete_stage, fail_document, job_for
from models.queries import DocumentCursor, DocumentFilter, after_cursor, filtered_documents
from models.reasons import ReasonCode
from models.reprocess import reprocess_document
from models.schema import ContractCard, Document, Entity, ModelVersion, utcnow
from models.stages import PIPELINE, Stage, default_next
from models.tenancy import default_tenant_id
from tests.conftest import TEST_DATABASE_URL
from tests.test_contract_card import make_model

EPOCH = 0  # the `hour` of counts that are not per hour, in seconds


def test_postgres_sessions_plan_each_execution_for_its_own_values() -> None:
    engine = make_engine(TEST_DATABASE_URL)
    try:
        with engine.connect() as connection:
            mode = connection.execute(text("SHOW plan_cache_mode")).scalar_one()
    finally:
        engine.dispose()

    assert mode == "force_custom_plan"


def test_a_cursor_walks_documents_of_the_same_instant_without_losing_or_repeating_one(db_session: Session) -> None:
    tenant_id = default_tenant_id(db_session)
    moment = utcnow() - timedelta(days=1)
    created = []
    for n in range(7):
        document = submit_document(db_session, f"Kontrakt {n}".encode(), filename=f"{n}.txt").document
        # Three share one instant, so the page boundaries fall between equal created_at values.
        document.created_at = moment if n < 3 else moment + timedelta(seconds=n)
        created.append(document)
    db_session.flush()

    seen, cursor = [], None
    while True:
        query = filtered_documents(DocumentFilter(), tenant_id)
        if cursor is not None:
            query = after_cursor(query, cursor)
        page = [document for document, _card in db_session.execute(query.limit(2))]
        if not page:
            break
        seen += [document.id for document in page]
        cursor = DocumentCursor(page[-1].created_at, page[-1].id)

    assert seen == [d.id for d in sorted(created, key=lambda d: (d.created_at, str(d.id)))]


def test_the_cursor_is_one_range_of_the_tenant_index(db_session: Session) -> None:
    tenant_id = default_tenant_id(db_session)
    document = submit_document(db_session, b"Kontrakt", filename="k.txt").document
    query = after_cursor(filtered_documents(DocumentFilter(), tenant_id), DocumentCursor(utcnow(), document.id))
    compiled = query.compile(db_session.get_bind(), compile_kwargs={"literal_binds": True})

    db_session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(db_session.execute(text(f"EXPLAIN {compiled}")).scalars())

    # The whole condition bounds the index scan (an OR would only filter the rows it reads).
    assert "Index Cond: ((tenant_id = " in plan and "(ROW(created_at, id) > ROW(" in plan, plan


# --------------------------------------------------------------------------------------------------
# The dashboard counts (migration 0012b): kept in the writers' transactions, always equal to a recount


def count_totals(session: Session) -> dict[tuple[str, int, str, str, int], int]:
    session.flush()
    rows = session.execute(
        text(
            "SELECT metric, extract(epoch FROM hour)::bigint, name, detail, bucket, n "
            "FROM pipeline_count_totals WHERE n <> 0"
        )
    )
    return {(metric, hour, name, detail, bucket): n for metric, hour, name, detail, bucket, n in rows}


def assert_counts_match_a_recount(session: Session) -> dict[tuple[str, int, str, str, int], int]:
    maintained = count_totals(session)
    recount(session)
    assert count_totals(session) == maintained
    return maintained


def entities_of(session: Session, document: Document, model: ModelVersion, labels: list[str]) -> None:
    session.execute(delete(Entity).where(Entity.document_id == document.id))
    for position, label in enumerate(labels):
        session.add(Entity(document_id=document.id, label=label, text=label.lower(), start_char=position * 10,
                           end_char=position * 10 + 5, score=0.9, model_id=model.id))  # fmt: skip
    session.flush()


def run_to_done(session: Session, document: Document, model: ModelVersion, labels: list[str]) -> None:
    """Through the required stages, each handing over to the next as the pipeline does (optional ones,
    like ocr, run only when asked)."""
    stage: Stage | None = PIPELINE[0]
    while stage is not None:
        assert claim(session, document.id, stage, lease_s=60, max_attempts=3) is not None
        following = default_next(stage)
        if following is None:
            entities_of(session, document, model, labels)
            document.model_id, document.entity_count, document.page_count = model.id, len(labels), 2
        complete_stage(session, document, stage, following)
        stage = following
    session.flush()


def test_every_change_to_documents_jobs_and_entities_keeps_the_counts_equal_to_a_recount(
    db_session: Session,
) -> None:
    model = make_model(db_session)
    documents = [submit_document(db_session, f"Kontrakt {n}".encode(), filename=f"{n}.txt").document for n in range(4)]
    assert_counts_match_a_recount(db_session)

    run_to_done(db_session, documents[0], model, ["EMPLOYER", "SALARY", "SALARY"])
    run_to_done(db_session, documents[1], model, ["EMPLOYER"])
    claim(db_session, documents[2].id, PIPELINE[0], lease_s=60, max_attempts=3)
    fail_document(db_session, documents[2].id, PIPELINE[0], ReasonCode.parse_error, "unreadable")
    counts = assert_counts_match_a_recount(db_session)

    assert counts[("documents", EPOCH, "done", "", 0)] == 2
    assert counts[("label_documents", EPOCH, "EMPLOYER", "", 0)] == 2
    assert counts[("label_documents", EPOCH, "SALARY", "", 0)] == 1
    assert counts[("failures", EPOCH, "parse_error", "", 0)] == 1
    assert counts[("model_entities", EPOCH, str(model.id), "", 0)] == 4

    # Entities replaced while the document is done: SALARY goes, START_DATE comes.
    entities_of(db_session, documents[0], model, ["EMPLOYER", "START_DATE"])
    counts = assert_counts_match_a_recount(db_session)
    assert ("label_documents", EPOCH, "SALARY", "", 0) not in counts

    reprocess_document(db_session, documents[1])  # leaves done: its label no longer counts
    counts = assert_counts_match_a_recount(db_session)
    assert counts[("label_documents", EPOCH, "EMPLOYER", "", 0)] == 1

    erase_document(db_session, documents[0])  # a done document deleted, its entities by the cascade
    erase_document(db_session, documents[2])
    counts = assert_counts_match_a_recount(db_session)
    assert ("label_documents", EPOCH, "EMPLOYER", "", 0) not in counts
    assert ("failures", EPOCH, "parse_error", "", 0) not in counts


def test_folding_the_deltas_changes_no_total(db_session: Session) -> None:
    model = make_model(db_session)
    for n in range(3):
        document = submit_document(db_session, f"Kontrakt {n}".encode(), filename=f"{n}.txt").document
        run_to_done(db_session, document, model, ["EMPLOYER"])
    before = count_totals(db_session)

    compact_counts(db_session)

    assert count_totals(db_session) == before
    assert db_session.execute(text("SELECT count(*) FROM dashboard_count_deltas")).scalar_one() == 0
    assert db_session.execute(text("SELECT count(*) FROM dashboard_counts WHERE n = 0")).scalar_one() == 0


def test_latency_percentiles_are_read_from_the_histogram_within_five_percent(db_session: Session) -> None:
    model = make_model(db_session)
    documents = []
    for n in range(20):
        document = submit_document(db_session, f"Kontrakt {n}".encode(), filename=f"{n}.txt").document
        run_to_done(db_session, document, model, ["EMPLOYER"])
        documents.append(document)
    # The ner stage of document n ran (n + 1) seconds: p50 is 10 s, p95 19 s, max 20 s.
    now = utcnow()
    for n, document in enumerate(documents):
        job = job_for(db_session, document.id, PIPELINE[-1])
        assert job is not None
        job.started_at, job.finished_at = now - timedelta(seconds=n + 1), now
    db_session.flush()

    (row,) = db_session.execute(
        text("SELECT documents, p50_s, p95_s, max_s FROM dashboard_latency_percentiles WHERE stage = :stage"),
        {"stage": PIPELINE[-1].name},
    ).all()

    assert row.documents == 20
    assert row.p50_s == pytest.approx(10, rel=0.05) and row.p95_s == pytest.approx(19, rel=0.05)
    assert 20 <= row.max_s <= 22


# --------------------------------------------------------------------------------------------------
# The export: Postgres writes the cells, byte for byte what the object export writes


def test_postgres_writes_the_export_byte_for_byte_as_the_objects_were_written(db_session: Session) -> None:
    tenant_id = default_tenant_id(db_session)
    cases = [  # filename, external_id, employer, notice (days), flags, microseconds
        ('kontrakt, "ny".pdf', "=HYPERLINK(1)", "Ærø Æblemost ApS", "14.00", [], 0),
        ("plain.pdf", "-5", "\tNordlys\nApS", "10.00", ["missing_salary", "missing_start_date"], 123456),
        ("@sum.pdf", None, "+45 ApS", "1.50", ["missing_salary"], 1),
        ("zero.pdf", "DMS 4", None, "0.00", [], 999999),
    ]
    for n, (filename, external_id, employer, notice, flags, micro) in enumerate(cases):
        document = submit_document(db_session, f"Kontrakt {n}".encode(), filename=filename,
                                   external_id=external_id).document  # fmt: skip
        document.created_at = datetime(2026, 1, 2, 3, 4, n, micro, tzinfo=UTC)
        document.status, document.finished_at = "done", document.created_at + timedelta(seconds=n)
        db_session.add(ContractCard(
            document_id=document.id, employer=employer, start_date=date(2024, 3, n + 1), weekly_hours=Decimal("37.50"),
            salary_amount=Decimal("32500.00") if n else None, salary_currency="DKK", notice_period_months=Decimal("1"),
            notice_period_value=Decimal(notice), notice_period_unit="days", flags=flags, needs_review=bool(flags),
            confidence={},
        ))  # fmt: skip
    unfinished = submit_document(db_session, b"Kontrakt uden kort", filename="ny.txt").document
    unfinished.created_at = datetime(2026, 1, 3, tzinfo=UTC)
    db_session.flush()

    for export_format, dialect in (("csv", "standard"), ("csv", "excel-da"), ("jsonl", "standard")):
        ours = b"".join(rows_written_by_postgres(db_session, DocumentFilter(), tenant_id, export_format, dialect))
        before = b"".join(rows_written_from_objects(db_session, DocumentFilter(), tenant_id, export_format, dialect))
        if export_format == "csv":
            assert ours == before
        else:  # the same objects; Postgres spaces its JSON differently
            assert [json.loads(line) for line in ours.splitlines()] == [
                json.loads(line) for line in before.splitlines()
            ]
        assert len(before.splitlines()) > len(cases)  # the rows are there, in both
