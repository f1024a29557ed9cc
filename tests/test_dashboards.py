"""The dashboard SQL views (migration 0003) and the Grafana dashboard over them: every panel's query runs
against the real Postgres with documents in every state, and the views' numbers are the ones the rows
imply. Grafana's `$__timeFilter(column)` macro is replaced by the range Grafana would send."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.orm import Session

from models.migrate import downgrade_database, upgrade_database
from models.schema import Document, Entity, Job, JobState, ModelVersion, utcnow
from models.tenancy import default_tenant_id
from tests.conftest import TEST_DATABASE_URL

ROOT = Path(__file__).resolve().parent.parent
GRAFANA = ROOT / "ops" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "contract-ner.json"
VIEWS = {
    "dashboard_throughput_hourly",
    "dashboard_queue_depth",
    "dashboard_failure_reasons",
    "dashboard_stage_durations",
    "dashboard_latency_percentiles",
    "dashboard_entity_coverage",
    "dashboard_model_versions",
    "dashboard_latency_buckets",
}
# What Grafana sends for "the last 7 days" (it writes literal timestamps; now() is the same range).
TIME_FILTER = re.compile(r"\$__timeFilter\(([a-z_]+)\)")


def grafana_sql(raw_sql: str) -> str:
    sql = TIME_FILTER.sub(r"\1 BETWEEN now() - interval '7 days' AND now()", raw_sql)
    assert "$" not in sql, f"a Grafana macro the test does not substitute: {raw_sql}"
    return sql


def panels() -> list[dict[str, Any]]:
    return json.loads(DASHBOARD.read_text())["panels"]


# -- factories ----------------------------------------------------------------------------------------
def make_model(session: Session, name: str, labels: Sequence[str]) -> ModelVersion:
    tags = ["O"] + [f"{bi}-{label}" for label in labels for bi in ("B", "I")]
    model = ModelVersion(name=name, weights_sha256=hashlib.sha256(name.encode()).hexdigest(), labels=tags)
    session.add(model)
    session.flush()
    return model


def make_document(
    session: Session,
    status: str,
    *,
    created_at: datetime,
    job_states: dict[str, JobState],
    stage_seconds: tuple[float, float, float, float] = (1, 2, 1, 3),
    error_code: str | None = None,
    model: ModelVersion | None = None,
    labels: Sequence[str] = (),
    published: bool = True,
) -> Document:
    """A document with its job rows; the jobs' times follow `stage_seconds` (waiting for extract,
    extract, waiting for ner, ner) as far as each job got."""
    document = Document(
        tenant_id=default_tenant_id(session),
        sha256=hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
        filename=f"{status}.pdf",
        content_type="application/pdf",
        size_bytes=1000,
        status=status,
        created_at=created_at,
        error_code=error_code,
        error=f"{error_code}: details" if error_code else None,
    )
    moments = [created_at]
    for seconds in stage_seconds:
        moments.append(moments[-1] + timedelta(seconds=seconds))
    # Per stage: (queued, started, finished).
    # (A document the OCR stage reads waits for it and runs it where it would wait for and run ner.)
    times = {"extract": moments[0:3], "ocr": moments[2:5], "ner": moments[2:5]}
    if status == "done":
        document.finished_at = moments[4]
        document.page_count = 2
        document.entity_count = len(labels)
        document.model_id = model.id if model else None
    if status == "failed":
        document.finished_at = moments[1]
    session.add(document)
    session.flush()
    for stage, state in job_states.items():
        queued, started, finished = times[stage]
        session.add(
            Job(
                document_id=document.id,
                stage=stage,
                state=state,
                created_at=created_at,
                published_at=created_at if published else None,
                queued_at=queued,
                started_at=started if state is not JobState.queued else None,
                finished_at=(started if state is JobState.failed else finished)
                if state in (JobState.done, JobState.failed)
                else None,
            )
        )
    for position, label in enumerate(labels):
        assert model is not None
        session.add(
            Entity(
                document_id=document.id,
                label=label,
                text=label.lower(),
                start_char=position * 10,
                end_char=position * 10 + 5,
                page=1,
                score=0.9,
                model_id=model.id,
            )
        )
    session.flush()
    return document


DONE_JOBS = {"extract": JobState.done, "ner": JobState.done}


@pytest.fixture
def pipeline_history(clean_database, migrated_engine: Engine) -> Iterator[datetime]:
    """Three done documents (two models), two failures, and one document in each unfinished state."""
    now = utcnow()
    with Session(migrated_engine) as session:
        old = make_model(session, "model-a", ["EMPLOYER", "SALARY", "START_DATE"])
        new = make_model(session, "model-b", ["EMPLOYER", "SALARY", "START_DATE"])
        make_document(session, "done", created_at=now - timedelta(hours=3), job_states=DONE_JOBS,
                      model=old, labels=["EMPLOYER", "SALARY"], stage_seconds=(1, 2, 1, 3))  # fmt: skip
        make_document(session, "done", created_at=now - timedelta(hours=1), job_states=DONE_JOBS,
                      model=new, labels=["EMPLOYER"], stage_seconds=(1, 4, 1, 5))  # fmt: skip
        make_document(session, "done", created_at=now - timedelta(minutes=30), job_states=DONE_JOBS,
                      model=new, labels=[], stage_seconds=(1, 6, 1, 7))  # fmt: skip
        for code in ("parse_error", "encrypted"):
            make_document(session, "failed", created_at=now - timedelta(minutes=20),
                          job_states={"extract": JobState.failed}, error_code=code)  # fmt: skip
        make_document(session, "queued", created_at=now - timedelta(minutes=5),
                      job_states={"extract": JobState.queued}, published=False)  # fmt: skip
        make_document(session, "extracting", created_at=now - timedelta(minutes=4),
                      job_states={"extract": JobState.running})  # fmt: skip
        make_document(session, "ocr_running", created_at=now - timedelta(minutes=3),
                      job_states={"extract": JobState.done, "ocr": JobState.running})  # fmt: skip
        make_document(session, "extracted", created_at=now - timedelta(minutes=3),
                      job_states={"extract": JobState.done, "ner": JobState.queued})  # fmt: skip
        make_document(session, "inferring", created_at=now - timedelta(minutes=2),
                      job_states={"extract": JobState.done, "ner": JobState.running})  # fmt: skip
        session.commit()
    yield now


def rows(engine: Engine, sql: str) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(text(sql))]


def test_every_panel_of_the_grafana_dashboard_returns_rows(pipeline_history, migrated_engine: Engine) -> None:
    results = {panel["title"]: rows(migrated_engine, grafana_sql(panel["targets"][0]["rawSql"])) for panel in panels()}

    assert len(results) == 9
    assert all(results.values()), {title: len(found) for title, found in results.items()}
    assert results["Finished in the selected range"] == [{"done": 3, "failed": 2, "pages": 6, "entities": 3}]
    by_stage = {row["stage"]: row for row in results["Latency percentiles per stage (selected range)"]}
    assert list(by_stage) == ["waiting_for_extract", "extract", "waiting_for_ner", "ner", "total"]
    # From the latency histogram (migration 0012b): within 5 %.
    assert by_stage["extract"]["p50_s"] == pytest.approx(4.0, rel=0.05)
    assert by_stage["total"]["max_s"] == pytest.approx(15.0, rel=0.05)


def test_the_views_count_what_the_rows_say(pipeline_history, migrated_engine: Engine) -> None:
    queue = {(r["stage"], r["state"]): r for r in rows(migrated_engine, "SELECT * FROM dashboard_queue_depth")}
    failures = {
        r["error_code"]: r["documents"] for r in rows(migrated_engine, "SELECT * FROM dashboard_failure_reasons")
    }
    coverage = {r["label"]: r["coverage"] for r in rows(migrated_engine, "SELECT * FROM dashboard_entity_coverage")}
    models = {r["name"]: r["documents"] for r in rows(migrated_engine, "SELECT * FROM dashboard_model_versions")}
    throughput = rows(
        migrated_engine, "SELECT sum(done) AS done, sum(failed) AS failed FROM dashboard_throughput_hourly"
    )
    p95 = rows(
        migrated_engine,
        "SELECT sum(documents) AS documents FROM dashboard_latency_percentiles WHERE stage = 'ner'",
    )

    assert len(queue) == 12  # every stage x state, zeros included
    assert queue[("ocr", "running")]["jobs"] == 1 and queue[("ocr", "queued")]["jobs"] == 0
    assert queue[("extract", "queued")]["jobs"] == 1 and queue[("extract", "queued")]["unpublished"] == 1
    assert queue[("extract", "running")]["jobs"] == 1
    assert queue[("ner", "queued")]["jobs"] == 1 and queue[("ner", "running")]["jobs"] == 1
    assert queue[("ner", "failed")]["jobs"] == 0 and queue[("extract", "done")]["jobs"] == 6
    assert queue[("extract", "queued")]["oldest_age_s"] >= 5 * 60 - 5
    assert failures == {"parse_error": 1, "encrypted": 1}
    assert coverage == {"EMPLOYER": pytest.approx(2 / 3, abs=1e-4), "SALARY": pytest.approx(1 / 3, abs=1e-4),
                        "START_DATE": 0.0}  # fmt: skip
    assert models == {"model-a": 1, "model-b": 2}
    assert throughput == [{"done": 3, "failed": 2}]
    assert p95 == [{"documents": 3}]


def test_the_views_exist_on_postgres_only_and_downgrade_drops_them(migrated_engine: Engine, tmp_path: Path) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'embedded.db'}"
    upgrade_database(sqlite_url)
    sqlite_views = inspect(create_engine(sqlite_url)).get_view_names()

    downgrade_database(TEST_DATABASE_URL, "0002")
    after_downgrade = set(inspect(migrated_engine).get_view_names())
    upgrade_database(TEST_DATABASE_URL)
    after_upgrade = set(inspect(migrated_engine).get_view_names())

    assert not [name for name in sqlite_views if name.startswith("dashboard_")]
    assert not after_downgrade & VIEWS
    assert after_upgrade >= VIEWS


def test_grafana_is_provisioned_with_the_datasource_the_panels_use() -> None:
    datasource = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "postgres.yaml").read_text())
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "contract-ner.yaml").read_text())
    grafana = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["grafana"]

    [source] = datasource["datasources"]
    assert {panel["datasource"]["uid"] for panel in panels()} == {source["uid"]}
    assert all(target["datasource"]["uid"] == source["uid"] for panel in panels() for target in panel["targets"])
    assert all(re.search(r"\bdashboard_[a-z_]+", panel["targets"][0]["rawSql"]) for panel in panels())
    assert "./ops/grafana/provisioning:/etc/grafana/provisioning:ro" in grafana["volumes"]
    assert f"./ops/grafana/dashboards:{provider['providers'][0]['options']['path']}:ro" in grafana["volumes"]
