"""Querying at production scale (issue 17): times every API query shape, every dashboard view, every Grafana
panel query, a `/metrics` scrape and a 400,000-row export on a database of N documents built by
`bench.query_scale_data`, ours beside the baseline (the shapes, views and code before issue 17) in one run.

    python -m bench.query_scale --build --documents 500000      # creates and fills bench_q1 (minutes)
    python -m bench.query_scale                                 # times it (the database is migrated first)
    python -m bench.query_scale --database bench_q1_50k --build --documents 50000 --json /tmp/q1-50k.json
    python -m bench.query_scale --compare /tmp/q1-500k.json /tmp/q1-50k.json   # growth vs matching rows

What is timed, and its baseline:
- API query shapes, through the real app (ASGI, `TestClient`, an API key of the `default` tenant): wall
  time of the whole request. The `sql` columns time the statement the route runs through the query
  functions on one connection; the baseline runs it inside a transaction that drops issue 17's indexes,
  sets `plan_cache_mode = auto` (so psycopg's prepared statements may fall back to generic plans, as
  before) and uses the `created_at > x OR (created_at = x AND id > y)` cursor, and is rolled back.
- Dashboard views and Grafana panels (`$__timeFilter` as Grafana sends it for the last 24 hours): ours
  against the views as migrations 0003/0006 defined them, inlined as CTEs of the same panel query.
- `/metrics` through the app, against the scrape-time GROUP BY counts it ran before.
- The export through the app in a child process each (peak RSS is that process's), against the ORM
  export it replaced.

Every SELECT a route ran, every view and panel query is EXPLAINed: `seq scans` lists the tables of over
10,000 rows it reads whole. Times are medians and 95th percentiles of `--rounds` (after one warm-up);
baselines stop after 3 rounds once they have taken `--baseline-budget` seconds.
"""

from __future__ import annotations

import argparse
import base64
import importlib.util
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
# Tables this small are read whole by any sensible plan.
SEQ_SCAN_ROWS = 10_000


@dataclass
class Row:
    group: str
    name: str
    ours: list[float]
    baseline: list[float] = field(default_factory=list)
    api: list[float] = field(default_factory=list)
    rows: int | None = None
    seq_scans: list[str] = field(default_factory=list)
    note: str = ""


def median(times: list[float]) -> float | None:
    return statistics.median(times) if times else None


def p95(times: list[float]) -> float | None:
    if not times:
        return None
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(run: Callable[[], object], rounds: int, budget_s: float | None = None) -> list[float]:
    """Milliseconds per call after one warm-up; with a budget, stops after 3 rounds once it is spent."""
    run()
    times: list[float] = []
    spent = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        elapsed = time.perf_counter() - started
        times.append(elapsed * 1000)
        spent += elapsed
        if budget_s is not None and len(times) >= 3 and spent > budget_s:
            break
    return times


# -- EXPLAIN -----------------------------------------------------------------------------------------
def big_tables(connection: Any) -> set[str]:
    rows = connection.exec_driver_sql(
        "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples > %(rows)s", {"rows": SEQ_SCAN_ROWS}
    )
    return {name for (name,) in rows}


def seq_scans_of(plan: dict[str, Any], big: set[str]) -> set[str]:
    found = set()
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in big:
        found.add(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found |= seq_scans_of(child, big)
    return found


def explain(dbapi_connection: Any, statement: str, parameters: Any, big: set[str]) -> set[str]:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters or None)
        (plan,) = cursor.fetchone()
    finally:
        cursor.close()
    return seq_scans_of(plan[0]["Plan"], big)


@contextmanager
def captured_selects(engine: Any) -> Iterator[list[tuple[str, Any]]]:
    """The SELECT statements (with their parameters) the engine runs inside the block."""
    from sqlalchemy import event

    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", capture)


# -- the baseline: what ran before issue 17 ----------------------------------------------------------
def _revision(name: str) -> Any:
    path = ROOT / "migrations" / "versions" / name
    spec = importlib.util.spec_from_file_location(f"bench_revision_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _select_of(create_view: str) -> str:
    return re.sub(r"^\s*CREATE VIEW \w+ AS\s*", "", create_view).strip()


def baseline_views() -> dict[str, str]:
    """Each dashboard view's SELECT as migrations 0003 and 0006 created it."""
    r3, r6 = _revision("0003_dashboard_views.py"), _revision("0006_stage_times_on_jobs.py")
    views = {name: _select_of(sql) for name, sql in r3.VIEWS.items()}
    views["dashboard_stage_durations"] = _select_of(r6.STAGE_DURATIONS)
    views["dashboard_latency_percentiles"] = _select_of(r6.LATENCY_PERCENTILES)
    views["dashboard_queue_depth"] = _select_of(r6.QUEUE_DEPTH)
    return views


def with_baseline_views(sql: str, views: dict[str, str]) -> str:
    """`sql` reading the baseline views: each view it names becomes a CTE of that name (stage durations
    first, which latency percentiles reads)."""
    used = [name for name in views if re.search(rf"\b{name}\b", sql)]
    if "dashboard_latency_percentiles" in used and "dashboard_stage_durations" not in used:
        used.insert(0, "dashboard_stage_durations")
    used.sort(key=lambda name: name != "dashboard_stage_durations")
    # A CTE's ORDER BY is not allowed to leak: the queue-depth view orders its rows, harmless inside.
    ctes = ", ".join(f"{name} AS ({views[name]})" for name in used)
    return f"WITH {ctes} {sql}" if used else sql


def issue_17_indexes(connection: Any) -> list[str]:
    """The indexes the issue 17 revisions created (named `ix_q17_*`), dropped in the baseline's transaction."""
    return [
        name
        for (name,) in connection.exec_driver_sql("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ix_q17%%'")
    ]


@contextmanager
def baseline_transaction(engine: Any) -> Iterator[Any]:
    """A connection whose transaction sees the database as it was before issue 17's indexes and plan-cache
    choice; rolled back at the end, so nothing changes."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            for name in issue_17_indexes(connection):
                connection.exec_driver_sql(f'DROP INDEX "{name}"')
            connection.exec_driver_sql("SET LOCAL plan_cache_mode = auto")
            yield connection
        finally:
            transaction.rollback()


def old_after_cursor(query: Any, created_at: datetime, last_id: Any) -> Any:
    """The cursor condition before issue 17: an OR that no index range can serve."""
    from sqlalchemy import and_, or_

    from models.schema import Document

    return query.where(
        or_(Document.created_at > created_at, and_(Document.created_at == created_at, Document.id > last_id))
    )


def baseline_pipeline_metrics(session: Any) -> None:
    """What `/metrics` counted at every scrape before issue 17: every document and job row."""
    from sqlalchemy import func, select

    from models.schema import Document, Job, JobState

    session.execute(select(Document.status, func.count()).group_by(Document.status)).all()
    session.execute(select(Job.stage, Job.state, func.count()).group_by(Job.stage, Job.state)).all()
    session.execute(
        select(Job.stage, func.min(Job.queued_at)).where(Job.state == JobState.queued).group_by(Job.stage)
    ).all()


# -- the shapes --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Shape:
    name: str
    path: str
    params: dict[str, str]
    # The document query's filter and cursor, to time its SQL beside the baseline (None: API only).
    filters: dict[str, Any] | None = None
    cursor: tuple[datetime, Any] | None = None


def shapes(connection: Any, tenant_id: Any) -> list[Shape]:
    """The API's query shapes, with values picked from the data (a deep cursor: 90 % through the tenant)."""
    from datetime import date
    from decimal import Decimal

    from models.queries import DocumentCursor

    count = connection.exec_driver_sql(
        "SELECT count(*) FROM documents WHERE tenant_id = %(t)s", {"t": tenant_id}
    ).scalar_one()
    deep_created, deep_id, external_id = connection.exec_driver_sql(
        "SELECT created_at, id, external_id FROM documents WHERE tenant_id = %(t)s "
        "ORDER BY created_at, id OFFSET %(k)s LIMIT 1",
        {"t": tenant_id, "k": int(count * 0.9)},
    ).one()
    done_id = connection.exec_driver_sql(
        "SELECT id FROM documents WHERE tenant_id = %(t)s AND status = 'done' AND created_at >= %(c)s "
        "ORDER BY created_at LIMIT 1",
        {"t": tenant_id, "c": deep_created},
    ).scalar_one()
    deep_entity = connection.exec_driver_sql(
        "SELECT id FROM entities WHERE label = 'SALARY' ORDER BY id DESC OFFSET "
        "(SELECT count(*) / 10 FROM entities WHERE label = 'SALARY' AND id > 0) LIMIT 1"
    ).scalar_one()
    cursor = base64.urlsafe_b64encode(f"{deep_created.isoformat()}|{deep_id}".encode()).decode()
    DocumentCursor(deep_created, deep_id)  # the shape decode_cursor gives back
    day = deep_created.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return [
        Shape("documents, first page", "/v1/documents", {}, {}),
        Shape("documents, page 90 % deep by cursor", "/v1/documents", {"cursor": cursor}, {},
              (deep_created, deep_id)),
        Shape("documents by external_id", "/v1/documents", {"external_id": external_id},
              {"external_id": external_id}),
        Shape("documents status=failed", "/v1/documents", {"status": "failed"}, {"status": "failed"}),
        Shape("documents status=queued", "/v1/documents", {"status": "queued"}, {"status": "queued"}),
        Shape("documents created in one day", "/v1/documents",
              {"created_from": day.isoformat(), "created_to": (day + timedelta(days=1)).isoformat()},
              {"created_from": day, "created_to": day + timedelta(days=1)}),
        Shape("documents salary_min=79990", "/v1/documents", {"salary_min": "79990"},
              {"salary_min": Decimal("79990")}),
        Shape("documents salary 40000-40100", "/v1/documents", {"salary_min": "40000", "salary_max": "40100"},
              {"salary_min": Decimal("40000"), "salary_max": Decimal("40100")}),
        Shape("documents start_date one month", "/v1/documents",
              {"start_date_from": "2020-03-01", "start_date_to": "2020-03-31"},
              {"start_date_from": date(2020, 3, 1), "start_date_to": date(2020, 3, 31)}),
        Shape("documents needs_review=true", "/v1/documents", {"needs_review": "true"}, {"needs_review": True}),
        Shape("documents label=SALARY value_gte=79990", "/v1/documents",
              {"label": "SALARY", "value_gte": "79990"}, {"label": "SALARY", "value_gte": Decimal("79990")}),
        Shape("documents label=START_DATE one month", "/v1/documents",
              {"label": "START_DATE", "value_gte": "2020-03-01", "value_lte": "2020-03-31"},
              {"label": "START_DATE", "value_gte": date(2020, 3, 1), "value_lte": date(2020, 3, 31)}),
        Shape("documents label=SALARY value_gte=79990, deep cursor", "/v1/documents",
              {"label": "SALARY", "value_gte": "40000", "cursor": cursor},
              {"label": "SALARY", "value_gte": Decimal("40000")}, (deep_created, deep_id)),
        Shape("entities, first page", "/v1/entities", {}),
        Shape("entities label=SALARY", "/v1/entities", {"label": "SALARY"}),
        Shape("entities label=SALARY, 90 % deep by cursor", "/v1/entities",
              {"label": "SALARY", "cursor": str(deep_entity)}),
        Shape("entities of one document", "/v1/entities", {"document_id": str(done_id)}),
        Shape("one document", f"/v1/documents/{done_id}", {}),
        Shape("one document's card", f"/v1/documents/{done_id}/card", {}),
        Shape("one document's entities", f"/v1/documents/{done_id}/entities", {}),
    ]  # fmt: skip


def grafana_panels(now: datetime) -> list[tuple[str, str]]:
    """Every panel query of the dashboard, `$__timeFilter(column)` as Grafana sends it (last 24 hours)."""
    dashboard = json.loads((ROOT / "ops" / "grafana" / "dashboards" / "contract-ner.json").read_text())
    since, until = (now - timedelta(hours=24)).isoformat(), now.isoformat()
    found = []
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            sql = re.sub(r"\$__timeFilter\((\w+)\)", rf"\1 BETWEEN '{since}' AND '{until}'", target["rawSql"])
            found.append((panel["title"], sql))
    return found


def view_queries() -> list[tuple[str, str]]:
    """What reading each dashboard view costs: all of it, or for the per-document one, a day of it."""
    day = "finished_at > now() - interval '24 hours'"
    return [
        (name, f"SELECT * FROM {name}" + (f" WHERE {day}" if name == "dashboard_stage_durations" else ""))
        for name in baseline_views()
    ]


# -- running -----------------------------------------------------------------------------------------
def time_api(client: Any, engine: Any, big: set[str], shape: Shape, rounds: int) -> Row:
    def request() -> Any:
        response = client.get(shape.path, params=shape.params)
        assert response.status_code == 200, (shape.name, response.status_code, response.text[:300])
        return response

    with captured_selects(engine) as statements:
        body = request().json()
    scans: set[str] = set()
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        for statement, parameters in statements:
            scans |= explain(raw, statement, parameters, big)
    items = body.get("items", body) if isinstance(body, dict) else body
    return Row("API", shape.name, [], api=timed(request, rounds), rows=len(items) if isinstance(items, list) else 1,
               seq_scans=sorted(scans))  # fmt: skip


def time_document_sql(engine: Any, tenant_id: Any, shape: Shape, rounds: int, budget_s: float, row: Row) -> None:
    """The list route's statement on one connection: ours, and the baseline beside it."""
    from sqlalchemy.orm import Session

    from models.queries import DocumentCursor, DocumentFilter, after_cursor, filtered_document_list, filtered_documents

    assert shape.filters is not None
    filters = DocumentFilter(**shape.filters)
    # Ours: the list route's query; the baseline: the one it ran before (documents with their cards).
    query, before = filtered_document_list(filters, tenant_id), filtered_documents(filters, tenant_id)
    ours = after_cursor(query, DocumentCursor(*shape.cursor)) if shape.cursor else query
    old = old_after_cursor(before, *shape.cursor) if shape.cursor else before
    with Session(engine) as session:
        row.ours = timed(lambda: session.execute(ours.limit(101)).all(), rounds)
    with baseline_transaction(engine) as connection, Session(bind=connection) as session:
        # Enough rounds for psycopg to prepare the statement and Postgres to try its generic plan.
        row.baseline = timed(lambda: session.execute(old.limit(101)).all(), max(rounds, 12), budget_s)


def time_sql(engine: Any, big: set[str], group: str, name: str, sql: str, baseline_sql: str | None,
             rounds: int, budget_s: float) -> Row:  # fmt: skip
    from sqlalchemy import text

    with engine.connect() as connection:
        rows = len(connection.execute(text(sql)).all())
        scans = explain(connection.connection.dbapi_connection, sql, None, big)
        ours = timed(lambda: connection.execute(text(sql)).all(), rounds)
    baseline: list[float] = []
    if baseline_sql is not None:
        with baseline_transaction(engine) as connection:
            baseline = timed(lambda: connection.execute(text(baseline_sql)).all(), rounds, budget_s)
    return Row(group, name, ours, baseline, rows=rows, seq_scans=sorted(scans))


def time_metrics(client: Any, engine: Any, rounds: int, budget_s: float) -> Row:
    from sqlalchemy.orm import Session

    def scrape() -> None:
        response = client.get("/metrics")
        assert response.status_code == 200, response.text[:300]

    with Session(engine) as session:
        baseline = timed(lambda: baseline_pipeline_metrics(session), rounds, budget_s)
    ours = timed(scrape, rounds)
    return Row("/metrics", "GET /metrics (whole scrape)", [], baseline, api=ours)


def time_export(url: str, export_format: str, implementation: str) -> Row:
    """The export in a child process of its own, so that its peak RSS is the export's."""
    command = [sys.executable, "-m", "bench.query_scale_export", "--url", url, "--format", export_format,
               "--implementation", implementation]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    name = f"export {export_format} ({implementation})"
    note = (f"{report['rows']:,} rows, {report['bytes'] / 1e6:.0f} MB, {report['rows_per_s']:,.0f} rows/s, "
            f"peak RSS {report['peak_rss_mb']:.0f} MB (after start-up {report['start_rss_mb']:.0f} MB)")  # fmt: skip
    return Row("export", name, [report["seconds"] * 1000], rows=report["rows"], note=note)


def fmt(ms: float | None) -> str:
    if ms is None:
        return ""
    return f"{ms:,.0f}" if ms >= 100 else f"{ms:.1f}"


def print_table(rows: list[Row], out: Any = sys.stdout) -> None:
    header = ("| group | what | rows | API median ms | API p95 | SQL median ms | SQL p95 | baseline median ms "
              "| baseline p95 | speed-up | seq scans |")  # fmt: skip
    print(header, file=out)
    print("|" + "---|" * 11, file=out)
    for row in rows:
        # Like with like: the baseline is SQL where ours has a SQL time, a whole scrape for /metrics.
        ours = median(row.ours) or median(row.api)
        base = median(row.baseline)
        ratio = f"{base / ours:,.1f}x" if base and ours else ""
        print(
            f"| {row.group} | {row.name} | {row.rows if row.rows is not None else ''} | {fmt(median(row.api))} | "
            f"{fmt(p95(row.api))} | {fmt(median(row.ours))} | {fmt(p95(row.ours))} | {fmt(base)} | "
            f"{fmt(p95(row.baseline))} | {ratio} | {', '.join(row.seq_scans) or '-'} |",
            file=out,
        )
        if row.note:
            print(f"|  | {row.note} |" + " |" * 9, file=out)


def create_database(url: str) -> None:
    from sqlalchemy import create_engine, make_url

    name = make_url(url).database
    server = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    server.dispose()


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def compare(big_path: Path, small_path: Path) -> None:
    """Time growth against matching-row growth between two runs' JSON (the bigger database first)."""
    big, small = json.loads(big_path.read_text()), json.loads(small_path.read_text())
    print(f"{big['documents']:,} vs {small['documents']:,} documents "
          f"({big['documents'] / small['documents']:.0f}x)\n")  # fmt: skip
    print("| what | rows matched (big / small) | median ms big | median ms small | time ratio |")
    print("|---|---|---|---|---|")
    smalls = {(row["group"], row["name"]): row for row in small["rows"]}
    for row in big["rows"]:
        other = smalls.get((row["group"], row["name"]))
        if other is None:
            continue
        a, b = median(row["api"]) or median(row["ours"]), median(other["api"]) or median(other["ours"])
        if a is None or b is None:
            continue
        print(f"| {row['group']}: {row['name']} | {row['rows']} / {other['rows']} | {fmt(a)} | {fmt(b)} | "
              f"{a / b:.2f}x |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default=DEFAULT_SERVER, help="SQLAlchemy URL of the Postgres server")
    parser.add_argument("--database", default="bench_q1", help="The bench's own database on it")
    parser.add_argument("--build", action="store_true", help="(Re)create the database and fill it first")
    parser.add_argument("--documents", type=int, default=500_000)
    parser.add_argument("--span-days", type=float, default=60.0, help="The documents' created_at span")
    parser.add_argument("--body-bytes", type=int, default=200, help="Size of each document's bytes/text/tokens")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--baseline-budget", type=float, default=20.0, help="Seconds a baseline may take")
    parser.add_argument("--skip", nargs="*", default=[], choices=["api", "views", "panels", "metrics", "export"])
    parser.add_argument("--no-baseline-export", action="store_true", help="Skip the old export (about a minute)")
    parser.add_argument("--json", type=Path, help="Also write the results here (for --compare)")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BIG", "SMALL"))
    args = parser.parse_args()
    if args.compare:
        compare(*args.compare)
        return

    url = f"{args.server}/{args.database}"
    # The app reads its settings from the environment once: point it at the bench database, no rate limit.
    os.environ["CONTRACT_NER_DATABASE_URL"] = url
    os.environ["CONTRACT_NER_RATE_LIMIT_PER_MINUTE"] = "0"
    os.environ.pop("CONTRACT_NER_BROKER_URL", None)

    from fastapi.testclient import TestClient
    from sqlalchemy import create_engine

    from bench.query_scale_data import build
    from models.db import get_engine, session_scope
    from models.migrate import upgrade_database
    from models.tenancy import issue_api_key, tenant_named

    if args.build:
        print(f"building {args.documents:,} documents in {args.database} ({load_average()})", flush=True)
        started = time.monotonic()
        create_database(url)
        upgrade_database(url)
        build(create_engine(url), args.documents, args.span_days, args.body_bytes, refresh_derived=_refresh)
        print(f"built in {time.monotonic() - started:.0f} s", flush=True)
    started = time.monotonic()
    upgrade_database(url)  # an older bench database gets the newest revisions (issue 17's included)
    print(f"migrated to head in {time.monotonic() - started:.1f} s", flush=True)

    engine = get_engine()
    with session_scope() as session:
        tenant = tenant_named(session, "default")
        assert tenant is not None, "no bench data: run with --build"
        token = issue_api_key(session, "default", name="bench").token
        tenant_id = tenant.id
    with engine.connect() as connection:
        documents = connection.exec_driver_sql("SELECT count(*) FROM documents").scalar_one()
        big = big_tables(connection)
        all_shapes = shapes(connection, tenant_id)
    print(f"{documents:,} documents; {load_average()}\n", flush=True)

    rows: list[Row] = []
    with TestClient(create_app_for_bench(), headers={"Authorization": f"Bearer {token}"}) as client:
        if "api" not in args.skip:
            for shape in all_shapes:
                row = time_api(client, engine, big, shape, args.rounds)
                if shape.filters is not None:
                    time_document_sql(engine, tenant_id, shape, args.rounds, args.baseline_budget, row)
                rows.append(row)
                print(f"  {shape.name}: {fmt(median(row.api))} ms", flush=True)
        if "metrics" not in args.skip:
            rows.append(time_metrics(client, engine, args.rounds, args.baseline_budget))
    views = baseline_views()
    if "views" not in args.skip:
        for name, sql in view_queries():
            rows.append(time_sql(engine, big, "view", name, sql, with_baseline_views(sql, views), args.rounds,
                                 args.baseline_budget))  # fmt: skip
            print(f"  {name}: {fmt(median(rows[-1].ours))} ms", flush=True)
    if "panels" not in args.skip:
        now = datetime.now(UTC)
        for title, sql in grafana_panels(now):
            rows.append(time_sql(engine, big, "panel", title, sql, with_baseline_views(sql, views), args.rounds,
                                 args.baseline_budget))  # fmt: skip
            print(f"  {title}: {fmt(median(rows[-1].ours))} ms", flush=True)
    if "export" not in args.skip:
        for export_format in ("csv", "jsonl"):
            rows.append(time_export(url, export_format, "ours"))
            print(f"  {rows[-1].name}: {rows[-1].note}", flush=True)
        if not args.no_baseline_export:
            rows.append(time_export(url, "csv", "baseline"))
            print(f"  {rows[-1].name}: {rows[-1].note}", flush=True)

    print(f"\n{documents:,} documents, {args.rounds} rounds; {load_average()}\n")
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps({"documents": documents, "rows": [asdict(row) for row in rows]}))


def _refresh(connection: Any) -> None:
    """Whatever the migrations keep derived from the rows, rebuilt after the bulk load (issue 17)."""
    exists = connection.exec_driver_sql("SELECT 1 FROM pg_proc WHERE proname = 'dashboard_counts_recount'").first()
    if exists:
        connection.exec_driver_sql("SELECT dashboard_counts_recount()")


def create_app_for_bench() -> Any:
    from api.app import create_app

    return create_app()


if __name__ == "__main__":
    main()
