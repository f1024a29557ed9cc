"""Alembic is the only way the schema changes: the revisions build exactly the ORM schema, on Postgres
and on the embedded SQLite default, and downgrade cleanly."""

from __future__ import annotations

import uuid
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from models.migrate import downgrade_database, upgrade_database
from models.schema import Base


def test_revisions_match_the_orm_schema_on_postgres(migrated_engine) -> None:
    with migrated_engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)

    assert diff == []


def test_revisions_upgrade_and_downgrade_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'embedded.db'}"

    upgrade_database(url)
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    downgrade_database(url)
    remaining = set(inspect(engine).get_table_names())

    assert set(Base.metadata.tables) <= tables
    assert diff == []
    assert remaining == {"alembic_version"}


def test_revision_0008_gives_existing_cards_their_durations_as_the_contract_says_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'embedded.db'}"
    upgrade_database(url, "0005")
    engine = create_engine(url)
    tenant, document = uuid.uuid4().hex, uuid.uuid4().hex
    now = "2026-01-01 00:00:00"
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO tenants VALUES (:t, 'acme', :now)"), {"t": tenant, "now": now})
        connection.execute(
            text(
                "INSERT INTO documents (id, tenant_id, sha256, content_type, size_bytes, version, status, created_at) "
                "VALUES (:d, :t, 'x', 'text/plain', 1, 1, 'done', :now)"
            ),
            {"d": document, "t": tenant, "now": now},
        )
        connection.execute(text("INSERT INTO model_versions VALUES (1, 'm', 'w', '[]', :now)"), {"now": now})
        # Two notice periods: the card chose the better-scored one, 14 days (0.47 months).
        for label, said, score, value, unit in (
            ("NOTICE_PERIOD", "3 måneder", 0.5, 3, "months"),
            ("NOTICE_PERIOD", "14 dage", 0.9, 14, "days"),
            ("PROBATION_PERIOD", "tre måneder", 0.8, 3, "months"),
        ):
            connection.execute(
                text(
                    "INSERT INTO entities (document_id, label, text, start_char, end_char, score, model_id, "
                    "value_number, value_unit) VALUES (:d, :label, :said, 0, 1, :score, 1, :value, :unit)"
                ),
                {"d": document, "label": label, "said": said, "score": score, "value": value, "unit": unit},
            )
        connection.execute(
            text(
                "INSERT INTO contract_cards (document_id, notice_period_months, probation_period_months, confidence, "
                "flags, needs_review, updated_at) VALUES (:d, 0.47, 3, '{}', '[]', 0, :now)"
            ),
            {"d": document, "now": now},
        )

    upgrade_database(url)

    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT notice_period_value, notice_period_unit, probation_period_value, probation_period_unit "
                "FROM contract_card_view"
            )
        ).one()
    assert tuple(row) == (14, "days", 3, "months")


def test_datetimes_come_back_timezone_aware_in_utc_from_the_embedded_sqlite_too(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta, timezone

    import pytest
    from sqlalchemy import select
    from sqlalchemy.exc import StatementError
    from sqlalchemy.orm import Session

    from models.schema import Tenant

    url = f"sqlite:///{tmp_path / 'embedded.db'}"
    upgrade_database(url)
    engine = create_engine(url)
    copenhagen_noon = datetime(2025, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    with Session(engine) as session:
        session.add(Tenant(name="acme", created_at=copenhagen_noon))
        session.commit()
    with Session(engine) as session:
        stored = session.scalars(select(Tenant.created_at).where(Tenant.name == "acme")).one()
        session.add(Tenant(name="naive", created_at=datetime(2025, 6, 1, 12, 0)))
        with pytest.raises(StatementError, match="naive datetime"):
            session.commit()

    assert stored == datetime(2025, 6, 1, 10, 0, tzinfo=UTC) and stored.tzinfo is UTC


def test_revision_0013b_gives_cards_written_before_it_their_monthly_salary(migrated_engine) -> None:
    """On Postgres: down to 0012c, a yearly and an hourly card written then, up again."""
    from models.migrate import downgrade_database
    from tests.conftest import TEST_DATABASE_URL

    downgrade_database(TEST_DATABASE_URL, "0012c")
    try:
        tenant, yearly, hourly = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        with migrated_engine.begin() as connection:
            connection.execute(text("INSERT INTO tenants VALUES (:t, 'migration-0013b', now())"), {"t": tenant})
            for document, amount, period, hours in ((yearly, 420000, "year", None), (hourly, 200, "hour", 37)):
                connection.execute(
                    text(
                        "INSERT INTO documents (id, tenant_id, sha256, content_type, size_bytes, version, status, "
                        "created_at) VALUES (:d, :t, :sha, 'text/plain', 1, 1, 'done', now())"
                    ),
                    {"d": document, "t": tenant, "sha": document.hex},
                )
                connection.execute(
                    text(
                        "INSERT INTO contract_cards (document_id, salary_amount, salary_period, weekly_hours, "
                        "confidence, flags, needs_review, updated_at) VALUES (:d, :a, :p, :h, '{}', '[]', false, now())"
                    ),
                    {"d": document, "a": amount, "p": period, "h": hours},
                )
    finally:
        upgrade_database(TEST_DATABASE_URL)

    with migrated_engine.begin() as connection:
        monthly = dict(
            connection.execute(
                text("SELECT document_id, salary_monthly FROM contract_cards WHERE document_id IN (:y, :h)"),
                {"y": yearly, "h": hourly},
            ).all()
        )
        connection.execute(text("DELETE FROM documents WHERE tenant_id = :t"), {"t": tenant})
        connection.execute(text("DELETE FROM tenants WHERE id = :t"), {"t": tenant})
    assert {str(v) for v in monthly.values()} == {"35000.00", "32066.67"}


def test_the_embedded_sqlite_computes_the_same_monthly_salaries_as_python(tmp_path: Path) -> None:
    """SQLite divides integers as integers: the generated column must still agree with Python's rules."""
    from decimal import Decimal

    from sqlalchemy.orm import Session

    from models.contract_card import monthly_salary
    from models.schema import ContractCard, Document, Tenant

    url = f"sqlite:///{tmp_path / 'embedded.db'}"
    upgrade_database(url)
    cases = [("200", "hour", "37"), ("200", "hour", None), ("8000", "week", None), ("420001", "year", None),
             ("32500", "month", "37")]  # fmt: skip
    with Session(create_engine(url)) as session:
        tenant = Tenant(id=uuid.uuid4(), name="embedded")
        session.add(tenant)
        session.flush()
        cards = []
        for n, (amount, period, hours) in enumerate(cases):
            document = Document(id=uuid.uuid4(), tenant_id=tenant.id, sha256=str(n), content_type="text/plain",
                                size_bytes=1, version=1, status="done")  # fmt: skip
            session.add(document)
            session.flush()
            card = ContractCard(
                document_id=document.id, salary_amount=Decimal(amount), salary_period=period,
                weekly_hours=Decimal(hours) if hours else None, confidence={}, flags=[], needs_review=False,
            )  # fmt: skip
            session.add(card)
            cards.append(card)
        session.flush()

        stored = [card.salary_monthly for card in cards]
    expected = [monthly_salary(Decimal(a), p, Decimal(h) if h else None) for a, p, h in cases]
    assert stored == expected == [Decimal(v) for v in ("32066.67", "32066.00", "34666.67", "35000.08", "32500")]
