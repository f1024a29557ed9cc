"""Alembic is the only way the schema changes: the revisions build exactly the ORM schema, on Postgres
and on the embedded SQLite default, and downgrade cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

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
