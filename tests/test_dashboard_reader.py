"""Grafana's database role, on the real Postgres: the login role that compose's `dashboard-reader` service
creates (`ops/postgres/dashboard-reader.sql`, run here with the real psql) is a member of
`contract_ner_dashboards` (migration 0009) and reads every `dashboard_*` view, but not one row of the
pipeline's tables: documents, their bytes and text, entities, cards, keys, sessions. (The local Postgres
trusts 127.0.0.1, so the password is set but not what these connections prove.)"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator

import pytest
from psycopg import errors
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import TEST_DATABASE_URL
from tests.live_processes import REPO_ROOT

SCRIPT = REPO_ROOT / "ops" / "postgres" / "dashboard-reader.sql"
DASHBOARD_VIEWS = {
    "dashboard_throughput_hourly", "dashboard_queue_depth", "dashboard_failure_reasons", "dashboard_stage_durations",
    "dashboard_latency_percentiles", "dashboard_entity_coverage", "dashboard_model_versions",
    "dashboard_latency_buckets",
}  # fmt: skip
PRIVATE = [
    "documents", "document_files", "document_texts", "document_tokens", "entities", "contract_cards", "jobs",
    "api_keys", "tenants", "web_sessions", "idempotency_keys", "webhook_subscriptions", "webhook_deliveries",
    "batches", "batch_items", "model_versions", "contract_card_view", "alembic_version",
    "dashboard_counts", "dashboard_count_deltas", "pipeline_count_totals",
]  # fmt: skip


def run_script(reader: str, password: str) -> subprocess.CompletedProcess[str]:
    url = make_url(TEST_DATABASE_URL)
    env = {
        **os.environ,
        "PGHOST": url.host or "127.0.0.1",
        "PGPORT": str(url.port or 5432),
        "PGUSER": url.username or "postgres",
        "PGDATABASE": url.database or "",
        "GRAFANA_DB_USER": reader,
        "GRAFANA_DB_PASSWORD": password,
    }
    command = ["psql", "--no-psqlrc", "--quiet", "--file", str(SCRIPT)]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


@pytest.fixture
def reader(migrated_engine: Engine) -> Iterator[Engine]:
    """An engine connected as a fresh login role made by the compose script (roles are cluster-wide:
    a name of its own, dropped afterwards)."""
    name = f"grafana_test_{secrets.token_hex(4)}"
    made = run_script(name, secrets.token_urlsafe(24))
    assert made.returncode == 0, made.stderr
    engine = create_engine(make_url(TEST_DATABASE_URL).set(username=name))
    try:
        yield engine
    finally:
        engine.dispose()
        with migrated_engine.begin() as connection:
            connection.execute(text(f'DROP ROLE IF EXISTS "{name}"'))


def test_the_reader_reads_every_dashboard_view(reader: Engine, migrated_engine: Engine) -> None:
    with migrated_engine.connect() as connection:
        views = set(
            connection.scalars(
                text("SELECT viewname FROM pg_views WHERE schemaname = current_schema() AND viewname LIKE 'dashboard%'")
            )
        )

    with reader.connect() as connection:
        rows = {view: connection.execute(text(f"SELECT * FROM {view} LIMIT 1")).all() for view in sorted(views)}

    assert views == DASHBOARD_VIEWS
    assert set(rows) == DASHBOARD_VIEWS


@pytest.mark.parametrize("relation", PRIVATE)
def test_the_reader_cannot_read_any_table_of_the_pipeline(reader: Engine, relation: str) -> None:
    with reader.connect() as connection, pytest.raises(DBAPIError) as refused:
        connection.execute(text(f"SELECT * FROM {relation} LIMIT 1"))

    assert isinstance(refused.value.orig, errors.InsufficientPrivilege)


def test_the_reader_can_neither_write_nor_create(reader: Engine) -> None:
    with reader.connect() as connection:
        for statement in ("CREATE TABLE grafana_notes (note text)", "DELETE FROM documents", "CREATE ROLE intruder"):
            with pytest.raises(DBAPIError) as refused:
                connection.execute(text(statement))
            assert isinstance(refused.value.orig, errors.InsufficientPrivilege), statement
            connection.rollback()


def test_the_group_role_cannot_log_in_and_the_reader_has_no_other_rights(
    reader: Engine, migrated_engine: Engine
) -> None:
    name = reader.url.username
    with migrated_engine.connect() as connection:
        group = connection.execute(
            text("SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = 'contract_ner_dashboards'")
        ).one()
        login = connection.execute(
            text("SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = :n"),
            {"n": name},
        ).one()
        member_of = set(
            connection.scalars(
                text(
                    "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                    "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = :n"
                ),
                {"n": name},
            )
        )

    assert tuple(group) == (False, False)
    assert tuple(login) == (True, False, False, False)
    assert member_of == {"contract_ner_dashboards"}


@pytest.mark.parametrize("password", ["", "short"])
def test_the_script_refuses_a_missing_or_short_password(migrated_engine: Engine, password: str) -> None:
    name = f"grafana_test_{secrets.token_hex(4)}"

    refused = run_script(name, password)

    with migrated_engine.connect() as connection:
        created = connection.scalar(text("SELECT count(*) FROM pg_roles WHERE rolname = :n"), {"n": name})
    assert refused.returncode != 0 and "GRAFANA_DB_PASSWORD" in refused.stderr
    assert created == 0
