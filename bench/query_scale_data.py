"""The bench database of `bench.query_scale`: a production-sized contract-ner database built with bulk SQL
(`generate_series`, no ORM, no per-row Python), reproducibly: row i is the same row in every build of the
same size, so two builds time the same data.

What is built for `documents` = N (the issue's numbers are N = 500,000):
- two tenants, `default` with 80 % of the documents (so a 400,000-row export exists at N = 500,000) and
  `bench-b` with every fifth (not the fifths that fail or need review: both tenants have some);
  created one after another over `span_days` up to the hour the build starts (so Grafana's "last 24
  hours" holds N / span_days documents);
- the newest 1 % are still in the pipeline (queued, extracting, extracted, inferring in turn); of the
  rest 96 % are done and 4 % failed (six reason codes), so about 95 % of all are done;
- per done document 11 to 14 entities over the declared labels (EMPLOYER ... PROBATION_PERIOD) with typed
  values (salaries 25,000.00 to 80,000.00 kr., start dates over ten years), and its contract card;
- one job per stage a document reached (about 1.95 per document), with queued/started/finished times;
- 2,000 batches holding every document; three model versions, each the model of a third of the done ones;
- per document small bytes, text and tokens (`body_bytes` each), which retention can purge.

Foreign keys and triggers are not checked while loading (`session_replication_role = replica`: the rows
are consistent by construction), and whatever the migrations keep derived from the rows (summaries) is
rebuilt afterwards by `refresh_derived`, then VACUUM ANALYZE, as after a restore.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from sqlalchemy import Connection, Engine, text

from models.labels import LABELS

TENANTS = ("default", "bench-b")
MODELS = 3
BATCHES = 2000
FAILURE_CODES = ("parse_error", "encrypted", "too_large", "empty_text", "model_error", "worker_lost")
OPEN_STATUSES = ("queued", "extracting", "extracted", "inferring")


def _uuid(namespace: str, number: str) -> str:
    """A deterministic uuid for row `number` of a kind: md5 of a name is 32 hex digits, a uuid's worth."""
    return f"md5('{namespace}' || {number})::uuid"


# Per document number i (1..N): its status. The newest 1 % are open; of the others every 25th fails.
STATUS = """CASE
    WHEN i > :open_from THEN (ARRAY['queued', 'extracting', 'extracted', 'inferring'])[1 + i % 4]
    WHEN i % 25 = 0 THEN 'failed'
    ELSE 'done' END"""
CREATED = "(:anchor - make_interval(secs => (:n - i) * :step_s))"
DOCUMENT = _uuid("doc", "i")


def _label_columns() -> str:
    """Label, value_number, value_date, value_unit, value_period of entity k of document i: label number
    k % len(LABELS) of the spec, with a typed value as its kind has one (CASE, not a join: 6M rows)."""
    numbers, dates, units, periods = [], [], [], []
    for position, spec in enumerate(LABELS):
        when = f"WHEN {position} THEN"
        if spec.kind == "amount":
            numbers.append(f"{when} 25000 + (i * 7919) % 5500100 / 100.0")
            units.append(f"{when} 'DKK'")
            periods.append(f"{when} 'month'")
        elif spec.kind == "date":
            dates.append(f"{when} date '2015-01-01' + ((i * 104729 + k) % 3650)::int")
        elif spec.kind == "hours":
            numbers.append(f"{when} 30 + i % 8")
        elif spec.kind == "percent":
            numbers.append(f"{when} 4 + (i + k) % 6")
        elif spec.kind == "duration":
            numbers.append(f"{when} 1 + i % 6")
            units.append(f"{when} 'months'")
    names = " ".join(f"WHEN {position} THEN '{spec.name}'" for position, spec in enumerate(LABELS))
    p = f"k % {len(LABELS)}"
    return ", ".join(f"CASE {p} {' '.join(whens)} END" for whens in ([names], numbers, dates, units, periods))


def build_statements(documents: int, body_bytes: int) -> list[tuple[str, str]]:
    """(what, SQL) in the order they run, with placeholders {n}, {anchor}, {step_s}, {open_from}, {body}
    that `build` fills in (literals, not bind parameters: the planner sees the sizes)."""
    labels_json = "json_build_array('O', " + ", ".join(f"'B-{s.name}', 'I-{s.name}'" for s in LABELS) + ")"
    model = f"(1 + ((i - 1) * {MODELS}) / :n)"
    seconds = "((i * 37) % 50 / 10.0 + 0.2)"  # 0.2 to 5.1 s, varied per document
    return [
        (
            "tenants, models, batches",
            f"""
            INSERT INTO tenants (id, name, created_at)
            SELECT {_uuid("tenant", "t")}, (ARRAY{list(TENANTS)})[t + 1], :anchor - interval '400 days'
            FROM generate_series(0, 1) t
            ON CONFLICT (name) DO NOTHING;
            INSERT INTO model_versions (id, name, weights_sha256, labels, created_at)
            SELECT m, 'bench-model-' || m, md5('model' || m) || md5('weights' || m), {labels_json},
                   :anchor - make_interval(days => 100 - m)
            FROM generate_series(1, {MODELS}) m;
            INSERT INTO batches (id, tenant_id, name, expected_documents, closed, created_at, done_at)
            SELECT {_uuid("batch", "b")},
                   (SELECT id FROM tenants WHERE name = (ARRAY{list(TENANTS)})[CASE WHEN b % 5 = 1 THEN 2 ELSE 1 END]),
                   'batch ' || b, NULL, true, :anchor - interval '61 days', NULL
            FROM generate_series(0, {BATCHES - 1}) b
            """,
        ),
        (
            "documents",
            f"""
            INSERT INTO documents (id, tenant_id, sha256, filename, content_type, size_bytes, external_id, metadata,
                                   version, status, error_code, error, page_count, char_count, token_count,
                                   window_count, entity_count, model_id, created_at, finished_at)
            SELECT {DOCUMENT}, tenant.id, md5('sha' || i) || md5('256' || i), 'contract-' || i || '.pdf',
                   'application/pdf', 20000 + i % 50000, 'DMS-' || i, NULL, 1, s.status,
                   CASE WHEN s.status = 'failed' THEN (ARRAY{list(FAILURE_CODES)})[1 + (i / 25) % 6] END,
                   CASE WHEN s.status = 'failed' THEN 'could not read document ' || i END,
                   CASE WHEN s.status = 'done' THEN 1 + i % 12 END,
                   CASE WHEN s.status = 'done' THEN 2000 + i % 30000 END,
                   CASE WHEN s.status = 'done' THEN 500 + i % 8000 END,
                   CASE WHEN s.status = 'done' THEN 1 + i % 16 END,
                   CASE WHEN s.status = 'done' THEN 11 + i % 4 END,
                   CASE WHEN s.status = 'done' THEN {model} END,
                   {CREATED},
                   CASE WHEN s.status = 'done' THEN {CREATED} + make_interval(secs => 4 * {seconds})
                        WHEN s.status = 'failed' THEN {CREATED} + make_interval(secs => {seconds}) END
            FROM generate_series(1::bigint, :n) i
            CROSS JOIN LATERAL (SELECT {STATUS} AS status) s
            JOIN tenants tenant ON tenant.name = (ARRAY{list(TENANTS)})[CASE WHEN i % 5 = 1 THEN 2 ELSE 1 END]
            ORDER BY i
            """,
        ),
        (
            "batch items",
            f"""
            INSERT INTO batch_items (batch_id, document_id, filename, duplicate, created_at)
            SELECT {_uuid("batch", f"(i % {BATCHES})")}, {DOCUMENT}, 'contract-' || i || '.pdf', false, {CREATED}
            FROM generate_series(1::bigint, :n) i
            """,
        ),
        (
            "bytes, texts, tokens",
            f"""
            INSERT INTO document_files (document_id, content)
            SELECT {DOCUMENT}, convert_to(rpad('%PDF-1.7 contract ' || i, :body, '.'), 'UTF8')
            FROM generate_series(1::bigint, :n) i;
            INSERT INTO document_texts (document_id, text, page_starts)
            SELECT {DOCUMENT}, rpad('Ansættelseskontrakt ' || i || '. ', :body, 'Lorem ipsum '), '[0]'
            FROM generate_series(1::bigint, :n) i WHERE i <= :open_from;
            INSERT INTO document_tokens (document_id, tokenizer_sha256, token_ids, offsets, windows)
            SELECT {DOCUMENT}, md5('tok') || md5('enizer'), convert_to(rpad('', :body, 't'), 'UTF8'),
                   convert_to(rpad('', :body, 'o'), 'UTF8'), '[[0, 510]]'
            FROM generate_series(1::bigint, :n) i WHERE i <= :open_from
            """,
        ),
        (
            "jobs",
            f"""
            INSERT INTO jobs (document_id, stage, state, attempts, last_error, last_error_code, created_at,
                              updated_at, published_at, queued_at, started_at, finished_at)
            SELECT {DOCUMENT}, j.stage, j.state, CASE WHEN j.state = 'queued' THEN 0 ELSE 1 END,
                   CASE WHEN j.state = 'failed' THEN 'could not read' END,
                   CASE WHEN j.state = 'failed' THEN 'parse_error' END,
                   {CREATED}, {CREATED}, {CREATED},
                   {CREATED} + make_interval(secs => j.position * 2 * {seconds}),
                   CASE WHEN j.state <> 'queued'
                        THEN {CREATED} + make_interval(secs => (j.position * 2 + 1) * {seconds}) END,
                   CASE WHEN j.state IN ('done', 'failed')
                        THEN {CREATED} + make_interval(secs => (j.position * 2 + 2) * {seconds}) END
            FROM generate_series(1::bigint, :n) i
            CROSS JOIN LATERAL (SELECT {STATUS} AS status) s
            CROSS JOIN LATERAL (VALUES
                ('extract', 0, CASE s.status WHEN 'queued' THEN 'queued' WHEN 'extracting' THEN 'running'
                                             WHEN 'failed' THEN CASE WHEN i % 2 = 0 THEN 'failed' ELSE 'done' END
                                             ELSE 'done' END),
                ('ner', 1, CASE s.status WHEN 'extracted' THEN 'queued' WHEN 'inferring' THEN 'running'
                                         WHEN 'done' THEN 'done'
                                         WHEN 'failed' THEN CASE WHEN i % 2 = 0 THEN NULL ELSE 'failed' END END)
            ) AS j (stage, position, state)
            WHERE j.state IS NOT NULL
            ORDER BY i, j.position
            """,
        ),
        (
            "entities",
            f"""
            INSERT INTO entities (document_id, label, text, start_char, end_char, page, score, model_id,
                                  value_date, value_number, value_unit, value_period)
            SELECT {DOCUMENT}, label, label || ' of ' || i, k * 40, k * 40 + 20, 1, 0.8 + (i + k) % 20 / 100.0,
                   {model}, value_date, value_number, value_unit, value_period
            FROM generate_series(1::bigint, :open_from) i
            CROSS JOIN LATERAL generate_series(0, 10 + i % 4) k
            CROSS JOIN LATERAL (SELECT {_label_columns()}) AS v (label, value_number, value_date, value_unit,
                                                               value_period)
            WHERE i % 25 <> 0
            ORDER BY i, k
            """,
        ),
        (
            "contract cards",
            f"""
            INSERT INTO contract_cards (document_id, employer, employee, job_title, workplace, start_date,
                                        end_date, weekly_hours, salary_amount, salary_currency, salary_period,
                                        pension_percent, notice_period_months, probation_period_months,
                                        notice_period_value, notice_period_unit, probation_period_value,
                                        probation_period_unit, confidence, flags, needs_review, updated_at)
            SELECT {DOCUMENT}, 'Firma ' || i || ' ApS', 'Medarbejder ' || i, 'Konsulent', 'Vej ' || i % 100,
                   date '2015-01-01' + ((i * 104729 + 4) % 3650)::int, NULL, 30 + i % 8,
                   25000 + (i * 7919) % 5500100 / 100.0, 'DKK', 'month', 8, 1 + i % 6, 3,
                   1 + i % 6, 'months', 3, 'months', '{{}}',
                   CASE WHEN i % 10 = 0 THEN '["missing_start_date"]' ELSE '[]' END::json,
                   i % 10 = 0, {CREATED}
            FROM generate_series(1::bigint, :open_from) i
            WHERE i % 25 <> 0
            """,
        ),
    ]


def build(
    engine: Engine,
    documents: int,
    span_days: float = 60.0,
    body_bytes: int = 200,
    refresh_derived: Callable[[Connection], None] | None = None,
    say: Callable[[str], None] = print,
) -> None:
    """Load the rows into the migrated, empty database of `engine`, then VACUUM ANALYZE it."""
    params = {
        "n": documents,
        "step_s": span_days * 86400 / documents,
        "open_from": documents - documents // 100,
        "body": body_bytes,
    }
    with engine.begin() as connection:
        anchor = connection.execute(text("SELECT date_trunc('hour', now())")).scalar_one()
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text("SET LOCAL synchronous_commit = off"))
        connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        connection.execute(text("SET LOCAL work_mem = '64MB'"))
        connection.execute(text("SET LOCAL jit = off"))  # compiling costs more than it saves here
        # An epoch, not an ISO literal: text() would take the colons of "21:00:00" for bind parameters.
        values = {**params, "anchor": f"to_timestamp({anchor.timestamp():.0f})"}
        for what, sql in build_statements(documents, body_bytes):
            started = time.monotonic()
            sql = re.sub(r":(n|anchor|step_s|open_from|body)\b", lambda m: str(values[m.group(1)]), sql)
            for statement in sql.split(";\n"):
                if statement.strip():
                    connection.execute(text(statement))
            say(f"  {what}: {time.monotonic() - started:.1f} s")
        connection.execute(text("SELECT setval(pg_get_serial_sequence('model_versions', 'id'), :m)"), {"m": MODELS})
        if refresh_derived is not None:
            started = time.monotonic()
            refresh_derived(connection)
            say(f"  derived summaries: {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    say(f"  vacuum analyze: {time.monotonic() - started:.1f} s")
