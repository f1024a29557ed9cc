"""Querying at production scale (issue 17; the timings are `bench/query_scale.py`'s): the cursor is one
index range however deep the page, Postgres plans every prepared statement for its own values, and the
answers stay exactly what they were."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from models.db import make_engine
from models.intake import submit_document
from models.queries import DocumentCursor, DocumentFilter, after_cursor, filtered_documents
from models.schema import utcnow
from models.tenancy import default_tenant_id
from tests.conftest import TEST_DATABASE_URL


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
