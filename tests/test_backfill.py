"""Backfill without waste (issue 14): results are keyed on (content sha256, model revision, decoding
configuration); a re-run under an unchanged key runs no model; a backfill after a model change re-runs
only the documents whose key changed, in the bulk lane, leaves every human correction in place, and its
diff report matches the entity tables before and after. On the real Postgres with real keyword models."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.backfill import (
    BackfillFilter,
    BackfillRefused,
    EntityRecord,
    entity_diff,
    model_revision,
    queue_backfill,
    snapshot_entities,
    stale_documents,
    write_report,
)
from models.broker import get_celery
from models.contract_card import rebuild_contract_card
from models.db import session_scope
from models.intake import submit_document
from models.job_lifecycle import job_for
from models.lanes import lane_queue
from models.reprocess import reprocess_document
from models.results_key import DecodingConfiguration, weights_fingerprint
from models.review import add_entity, confirm_entity, correct_entity, reject_entity, set_card_field
from models.schema import ContractCard, Document, Entity, Job, JobState, ModelVersion, WebhookDelivery
from models.settings import get_settings
from tests.conftest import KEYWORDS
from tests.live_processes import CLI, logs, running
from tests.test_cli import ROOT, cli
from tests.test_webhooks import subscribe
from worker.inference import TokenClassifier
from worker.pipeline import EXTRACT, NER, begin_stage, extract_document, recognize_entities

# The next model reads the start date from another line.
KEYWORDS_B = {
    **{word: label for word, label in KEYWORDS.items() if label != "B-START_DATE"},
    "01-08-2024": "B-START_DATE",
}


def contract(n: int) -> bytes:
    return (
        "Nordlys ApS, Supervej 21, 2000 Frederiksberg. Løn 32.500,00 kr. pr. måned.\n"
        f"Tiltrædelse 22-03-2023. Rettet: tiltrædelse 01-08-2024. Kontrakt nummer {n}."
    ).encode()


@pytest.fixture(scope="module")
def next_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.model_factory import build_keyword_model

    return build_keyword_model(tmp_path_factory.mktemp("keyword-model-b"), KEYWORDS_B)


@pytest.fixture(scope="module")
def next_classifier(next_model_dir: Path) -> TokenClassifier:
    return TokenClassifier.load(next_model_dir)


class ForwardCounter:
    """Counts the windows a classifier's forward runs (the real forward still runs)."""

    def __init__(self, classifier: TokenClassifier, monkeypatch: pytest.MonkeyPatch) -> None:
        self.windows = 0
        forward = classifier.forward

        def counted(windows, batch_size: int = 16) -> list[np.ndarray]:
            self.windows += len(windows)
            return forward(windows, batch_size=batch_size)

        monkeypatch.setattr(classifier, "forward", counted)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    yield lambda classifier: ForwardCounter(classifier, monkeypatch)


def processed(session: Session, data: bytes, classifier: TokenClassifier) -> Document:
    document = submit_document(session, data).document
    assert begin_stage(session, document.id, EXTRACT)
    extract_document(session, document.id, classifier.windowing)
    run_ner(session, [document.id], classifier)
    return session.get_one(Document, document.id)


def run_ner(session: Session, document_ids: list[uuid.UUID], classifier: TokenClassifier) -> None:
    for document_id in document_ids:
        assert begin_stage(session, document_id, NER)
    assert recognize_entities(session, document_ids, classifier) == document_ids


def entity_rows(session: Session, document_ids: list[uuid.UUID]) -> dict[int, tuple]:
    """Every entity of the documents straight from the table: id -> (document, label, start, end, text,
    source, confirmed)."""
    rows = session.execute(
        select(
            Entity.id,
            Entity.document_id,
            Entity.label,
            Entity.start_char,
            Entity.end_char,
            Entity.text,
            Entity.source,
            Entity.confirmed_at.is_not(None),
        ).where(Entity.document_id.in_(document_ids))
    ).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def span_of(document: Document, needle: str) -> tuple[int, int]:
    assert document.text is not None
    start = document.text.text.index(needle)
    return start, start + len(needle)


def the_entity(session: Session, document_id: uuid.UUID, label: str) -> Entity:
    (entity,) = session.scalars(select(Entity).where(Entity.document_id == document_id, Entity.label == label))
    return entity


def test_a_rerun_under_an_unchanged_key_runs_no_model(db_session: Session, keyword_classifier, counted) -> None:
    subscribe(db_session, "http://127.0.0.1:9/hook", ("document.updated",))
    document = processed(db_session, contract(1), keyword_classifier)
    entities = entity_rows(db_session, [document.id])
    revision = model_revision(db_session, keyword_classifier.model_dir)
    assert entities and document.decoding_sha256 == keyword_classifier.decoding.sha256
    assert document.ner_text_sha256 is not None

    # Nothing to backfill under the model that made the results.
    assert stale_documents(db_session, revision, keyword_classifier.decoding.sha256) == []
    # A full replay extracts again (the same text) and reaches ner under the same key.
    reprocess_document(db_session, document)
    forward = counted(keyword_classifier)
    assert begin_stage(db_session, document.id, EXTRACT)
    extract_document(db_session, document.id, keyword_classifier.windowing)
    run_ner(db_session, [document.id], keyword_classifier)

    assert forward.windows == 0
    assert db_session.get_one(Document, document.id).status == "done"
    (updated,) = db_session.scalars(select(WebhookDelivery.payload).where(WebhookDelivery.event == "document.updated"))
    assert (updated["model_run"], updated["added"], updated["removed"], updated["card_changed"]) == (False, 0, 0, False)
    assert entity_rows(db_session, [document.id]) == entities  # the very rows, ids included


def test_the_same_key_with_another_text_runs_the_model(db_session: Session, keyword_classifier, counted) -> None:
    """A parser change gives the same bytes another text: offsets would be wrong, so the model runs."""
    document = processed(db_session, contract(2), keyword_classifier)
    document.ner_text_sha256 = "0" * 64  # as if the entities were made on another extraction
    reprocess_document(db_session, document)
    assert begin_stage(db_session, document.id, EXTRACT)
    extract_document(db_session, document.id, keyword_classifier.windowing)
    forward = counted(keyword_classifier)

    run_ner(db_session, [document.id], keyword_classifier)

    assert forward.windows == 1


def test_the_same_bytes_again_reuse_the_document_and_its_results(db_session: Session, keyword_classifier) -> None:
    document = processed(db_session, contract(3), keyword_classifier)
    entities = entity_rows(db_session, [document.id])

    again = submit_document(db_session, contract(3), filename="kopi.txt")

    assert not again.created and again.document.id == document.id
    assert again.document.status == "done"
    assert db_session.scalars(select(Job.state).where(Job.document_id == document.id)).all() == [JobState.done] * 2
    assert entity_rows(db_session, [document.id]) == entities


def test_a_key_changes_with_the_weights_the_decoding_or_an_unknown_key(
    db_session: Session, keyword_classifier, next_model_dir: Path
) -> None:
    document = processed(db_session, contract(4), keyword_classifier)
    current = model_revision(db_session, keyword_classifier.model_dir)
    decoding = keyword_classifier.decoding.sha256

    assert stale_documents(db_session, current, decoding) == []
    assert stale_documents(db_session, model_revision(db_session, next_model_dir), decoding) == [document]
    raw_groups = DecodingConfiguration(field_decoding=False).sha256
    assert stale_documents(db_session, current, raw_groups) == [document]
    # Filters: another tenant's, or created after it, are not looked at.
    assert stale_documents(db_session, current, raw_groups, BackfillFilter(tenant_id=uuid.uuid4())) == []
    assert stale_documents(db_session, current, raw_groups, BackfillFilter(created_from=document.created_at)) == [
        document
    ]
    assert stale_documents(db_session, current, raw_groups, BackfillFilter(created_to=document.created_at)) == []
    document.decoding_sha256 = None  # ran before revision 0014: its key is unknown
    assert stale_documents(db_session, current, decoding) == [document]


def test_a_calibration_next_to_the_checkpoint_is_part_of_the_decoding_configuration(tmp_path: Path) -> None:
    from models.settings import Settings

    plain, calibrated = tmp_path / "plain", tmp_path / "calibrated"
    plain.mkdir()
    calibrated.mkdir()
    (calibrated / "calibration.json").write_text('{"temperatures": {"*": 1.3}}')
    settings = Settings()

    without = DecodingConfiguration.from_settings(settings, plain)
    with_calibration = DecodingConfiguration.from_settings(settings, calibrated)
    raw_groups = DecodingConfiguration.from_settings(settings.model_copy(update={"field_decoding": False}), calibrated)

    assert without.calibration_sha256 is None and with_calibration.calibration_sha256 is not None
    assert len({without.sha256, with_calibration.sha256, raw_groups.sha256}) == 3
    assert raw_groups.calibration_sha256 is None  # raw word groups are not calibrated


def test_a_revision_is_named_by_its_directory_its_row_or_its_fingerprint(
    db_session: Session, keyword_classifier
) -> None:
    document = processed(db_session, contract(5), keyword_classifier)
    by_directory = model_revision(db_session, keyword_classifier.model_dir)

    assert by_directory.weights_sha256 == keyword_classifier.weights_sha256
    assert model_revision(db_session, str(document.model_id)).weights_sha256 == by_directory.weights_sha256
    assert model_revision(db_session, by_directory.weights_sha256[:10]).weights_sha256 == by_directory.weights_sha256
    for wrong in ("abc", "999999", "ffffffffffff", "/no/such/model"):
        with pytest.raises(BackfillRefused):
            model_revision(db_session, wrong)
    with pytest.raises(BackfillRefused):
        BackfillFilter(statuses=("extracted",))


def test_a_backfill_reruns_only_changed_keys_keeps_human_corrections_and_reports_the_diff(
    db_session: Session, keyword_classifier, next_classifier, next_model_dir: Path, counted, tmp_path: Path
) -> None:
    reviewed = processed(db_session, contract(10), keyword_classifier)
    untouched = processed(db_session, contract(11), keyword_classifier)
    current = processed(db_session, contract(12), next_classifier)  # already under the next model
    ids = [reviewed.id, untouched.id, current.id]
    subscription = subscribe(db_session, "http://127.0.0.1:9/hook", ("document.updated",))

    # A reviewer rejects the employer, widens the salary's span, confirms the start date, adds the town
    # as the workplace and sets the card's employee.
    reject_entity(db_session, reviewed, the_entity(db_session, reviewed.id, "EMPLOYER").id, "Anna")
    salary = correct_entity(
        db_session, reviewed, the_entity(db_session, reviewed.id, "SALARY").id, "Anna",
        start=span_of(reviewed, "32.500,00 kr. pr. måned")[0], end=span_of(reviewed, "32.500,00 kr. pr. måned")[1],
    )  # fmt: skip
    confirmed = confirm_entity(db_session, reviewed, the_entity(db_session, reviewed.id, "START_DATE").id, "Anna")
    town = add_entity(db_session, reviewed, "Anna", label="WORKPLACE", start=span_of(reviewed, "Frederiksberg")[0],
                      end=span_of(reviewed, "Frederiksberg")[1])  # fmt: skip
    set_card_field(db_session, reviewed, "Anna", "employee", "Mette Hansen")
    people = {salary.id, confirmed.id, town.id}
    people_rows = {id_: row for id_, row in entity_rows(db_session, ids).items() if id_ in people}
    before_rows = entity_rows(db_session, ids)
    current_rows = {id_: row for id_, row in before_rows.items() if row[0] == current.id}

    revision = model_revision(db_session, next_model_dir)
    stale = stale_documents(db_session, revision, next_classifier.decoding.sha256)
    assert [d.id for d in stale] == [reviewed.id, untouched.id]
    before = snapshot_entities(db_session, [d.id for d in stale])
    jobs = queue_backfill(db_session, stale)

    assert [(job.document_id, job.stage, job.state) for job in jobs] == [
        (reviewed.id, "ner", JobState.queued),
        (untouched.id, "ner", JobState.queued),
    ]
    assert {d.lane for d in stale} == {"bulk"}  # published to ner-bulk: live uploads go first
    forward = counted(next_classifier)
    run_ner(db_session, [reviewed.id, untouched.id], next_classifier)
    after = snapshot_entities(db_session, [reviewed.id, untouched.id])
    after_rows = entity_rows(db_session, ids)

    # Only the two stale documents ran the model (one window each); the current one kept its rows.
    assert forward.windows == 2
    # Their windows were rebuilt with the next model's tokenizer and kept for its next run.
    for document_id in (reviewed.id, untouched.id):
        tokens = db_session.get_one(Document, document_id).tokens
        assert tokens is not None and tokens.tokenizer_sha256 == next_classifier.tokenizer_sha256
    assert {id_: row for id_, row in after_rows.items() if row[0] == current.id} == current_rows
    # Every human correction is in place, the very rows; what the reviewer took out stays out.
    assert {id_: row for id_, row in after_rows.items() if id_ in people} == people_rows
    reviewed_spans = {(row[1], row[2], row[3]) for row in after_rows.values() if row[0] == reviewed.id}
    employer_span = span_of(reviewed, "Nordlys ApS")
    model_salary_span = span_of(reviewed, "32.500,00 kr.")
    assert ("EMPLOYER", *employer_span) not in reviewed_spans
    assert ("SALARY", *model_salary_span) not in reviewed_spans
    # The model's workplace was never decided on: it is back beside the reviewer's, whom the card prefers.
    assert sorted(row[5] for row in after_rows.values() if row[0] == reviewed.id and row[1] == "WORKPLACE") == [
        "human", "model",
    ]  # fmt: skip
    card = rebuild_contract_card(db_session, reviewed.id)
    assert card.employee == "Mette Hansen" and card.workplace == "Frederiksberg"
    assert db_session.get_one(ContractCard, reviewed.id).salary_period == "month"
    # The untouched document is all the next model's: the other start date.
    assert sorted((row[1], row[4]) for row in after_rows.values() if row[0] == untouched.id) == [
        ("EMPLOYER", "Nordlys ApS"), ("SALARY", "32.500,00 kr."), ("START_DATE", "01-08-2024"),
        ("WORKPLACE", "Supervej 21, 2000 Frederiksberg"),
    ]  # fmt: skip

    # The report is the difference of the entity tables before and after, per document and label.
    diff = entity_diff(before, after)
    csv_path, json_path = write_report(tmp_path / "report", diff, {"model": revision.name})

    def facts(rows: dict[int, tuple], document_id: uuid.UUID) -> dict[tuple, str]:
        return {(row[1], row[2], row[3]): row[4] for row in rows.values() if row[0] == document_id}

    expected: set[tuple] = set()
    for document_id in (reviewed.id, untouched.id):
        was, now = facts(before_rows, document_id), facts(after_rows, document_id)
        expected |= {(str(document_id), *span, "added") for span in now.keys() - was.keys()}
        expected |= {(str(document_id), *span, "removed") for span in was.keys() - now.keys()}
        expected |= {(str(document_id), *s, "changed") for s in now.keys() & was.keys() if now[s] != was[s]}
    with csv_path.open(encoding="utf-8") as handle:
        reported = {
            (r["document_id"], r["label"], int(r["start"]), int(r["end"]), r["change"]) for r in csv.DictReader(handle)
        }
    assert reported == expected
    assert ("removed" in {c[-1] for c in expected}) and ("added" in {c[-1] for c in expected})
    report = json.loads(json_path.read_text(encoding="utf-8"))
    assert report["totals"]["documents"] == 2
    assert report["totals"]["added"] == sum(1 for c in expected if c[-1] == "added")
    assert report["totals"]["removed"] == sum(1 for c in expected if c[-1] == "removed")
    assert report["per_document"][str(untouched.id)] == {"START_DATE": {"added": 1, "removed": 1, "changed": 0}}
    # The confirmed start date stays; the model's new one is added beside it.
    assert report["per_document"][str(reviewed.id)]["START_DATE"] == {"added": 1, "removed": 0, "changed": 0}
    for label, counts in report["per_label"].items():
        assert counts["added"] == sum(1 for c in expected if c[1] == label and c[-1] == "added")
        assert counts["removed"] == sum(1 for c in expected if c[1] == label and c[-1] == "removed")

    # document.updated for both documents whose entities changed; none for the current one.
    updated = db_session.scalars(
        select(WebhookDelivery).where(
            WebhookDelivery.subscription_id == subscription.id, WebhookDelivery.event == "document.updated"
        )
    ).all()
    assert sorted(d.payload["document_id"] for d in updated) == sorted([str(reviewed.id), str(untouched.id)])
    of_untouched = next(d.payload for d in updated if d.payload["document_id"] == str(untouched.id))
    assert (of_untouched["added"], of_untouched["removed"]) == (1, 1)
    assert of_untouched["card"]["start_date"] == "2024-08-01"


def test_a_backfill_works_on_the_embedded_sqlite_default(
    embedded_database: str, keyword_classifier, next_classifier, next_model_dir: Path
) -> None:
    from models import db

    with session_scope() as session:
        document = processed(session, contract(40), keyword_classifier)
        reject_entity(session, document, the_entity(session, document.id, "EMPLOYER").id, "Anna")
        document_id = document.id
    with session_scope() as session:
        revision = model_revision(session, next_model_dir)
    with session_scope() as session:
        stale = stale_documents(session, revision, next_classifier.decoding.sha256)
        before = snapshot_entities(session, [d.id for d in stale])
        queue_backfill(session, stale)
        run_ner(session, [document_id], next_classifier)
        after = snapshot_entities(session, [document_id])

    assert db.get_engine().dialect.name == "sqlite"
    assert [d.id for d in stale] == [document_id]
    assert [(c.label, c.change) for c in entity_diff(before, after).changes] == [
        ("START_DATE", "removed"),
        ("START_DATE", "added"),
    ]
    assert "EMPLOYER" not in {record.label for record in after[document_id]}


@pytest.mark.e2e
def test_info_shows_the_results_key_of_the_configured_model(tiny_model_dir: Path) -> None:
    result = cli("info", "--json")

    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["weights_sha256"] == TokenClassifier.load(tiny_model_dir).weights_sha256
    assert info["decoding_sha256"] == DecodingConfiguration.from_settings(get_settings()).sha256


def test_a_dms_subscribes_to_document_updated(client) -> None:
    created = client.post("/v1/webhooks", json={"url": "https://93.184.215.14/hook", "events": ["document.updated"]})

    assert created.status_code == 201, created.text
    assert created.json()["events"] == ["document.updated"]


def test_the_diff_tells_a_changed_value_from_a_moved_span() -> None:
    document = uuid.uuid4()
    salary = EntityRecord("SALARY", 10, 23, "32.500,00 kr.", "32500 DKK /month", "model", False)
    before = {document: [salary, EntityRecord("EMPLOYER", 0, 11, "Nordlys ApS", None, "model", False)]}
    after = {
        document: [
            EntityRecord("SALARY", 10, 23, "32.500,00 kr.", "32500 DKK /year", "model", False),
            EntityRecord("EMPLOYER", 0, 7, "Nordlys", None, "model", False),
        ]
    }

    diff = entity_diff(before, after)

    assert [(c.label, c.change, c.before_value, c.after_value) for c in diff.changes] == [
        ("EMPLOYER", "added", None, None),
        ("EMPLOYER", "removed", None, None),
        ("SALARY", "changed", "32500 DKK /month", "32500 DKK /year"),
    ]
    assert diff.per_label() == {
        "EMPLOYER": {"added": 1, "removed": 1, "changed": 0},
        "SALARY": {"added": 0, "removed": 0, "changed": 1},
    }
    assert entity_diff(before, before).changes == []


def queue_lengths(queues: list[str]) -> list[int]:
    with get_celery().connection_for_write() as connection:
        client = connection.default_channel.client
        return [int(client.llen(queue)) for queue in queues]


@pytest.mark.e2e
def test_the_backfill_command_lists_queues_in_the_bulk_lane_waits_and_reports(
    clean_database, keyword_classifier, next_classifier, next_model_dir: Path, tmp_path: Path
) -> None:
    with session_scope() as session:
        ids = [processed(session, contract(n), keyword_classifier).id for n in (20, 21)]

    dry = cli("backfill", "--model", str(next_model_dir), "--dry-run")

    assert dry.returncode == 0, dry.stderr
    assert "2 documents whose results key changes" in dry.stderr
    assert [line.split("\t")[0] for line in dry.stdout.splitlines()] == [str(i) for i in ids]
    with session_scope() as session:
        assert {session.get_one(Document, i).status for i in ids} == {"done"}  # a dry run queues nothing

    with session_scope() as session:
        tenant_id = session.get_one(Document, ids[0]).tenant_id
    # The ner stage's interactive queue, and the bulk queue of the documents' tenant (`models.lanes`).
    queues = [lane_queue(get_settings(), "ner", lane, tenant_id) for lane in ("interactive", "bulk")]
    waiting = queue_lengths(queues)  # the first runs' messages, nobody consumes them here
    report = tmp_path / "report"
    command = ["backfill", "--model", str(next_model_dir), "--limit", "1", "--wait", "--report", str(report)]
    running = subprocess.Popen(
        [sys.executable, "-m", "cli.main", *command, "--timeout", "120"],
        cwd=ROOT, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        # The command's job reaches the ner stage's bulk queue; this test then runs it as a ner worker would.
        deadline = time.monotonic() + 60
        while True:
            with session_scope() as session:
                job = job_for(session, ids[0], NER)
                if job is not None and job.state is JobState.queued and job.published_at is not None:
                    break
            assert time.monotonic() < deadline and running.poll() is None, running.stderr and running.stderr.read()
            time.sleep(0.2)
        assert queue_lengths(queues) == [waiting[0], waiting[1] + 1]  # one message, in the bulk queue
        with session_scope() as session:
            run_ner(session, [ids[0]], next_classifier)
        _, err = running.communicate(timeout=120)
    finally:
        running.kill()

    assert running.returncode == 0, err
    assert "queued 1 documents in the bulk lane" in err and "1 of 1 documents changed" in err
    written = json.loads((report / "diff.json").read_text(encoding="utf-8"))
    assert written["weights_sha256"] == next_classifier.weights_sha256
    assert written["totals"] == {"documents": 1, "documents_changed": 1, "added": 1, "removed": 1, "changed": 0}
    assert written["per_document"] == {str(ids[0]): {"START_DATE": {"added": 1, "removed": 1, "changed": 0}}}
    with (report / "diff.csv").open(encoding="utf-8") as handle:
        assert sorted((r["change"], r["before_text"], r["after_text"]) for r in csv.DictReader(handle)) == [
            ("added", "", "01-08-2024"),
            ("removed", "22-03-2023", ""),
        ]
    with session_scope() as session:  # --limit 1: the second document was not touched
        untouched = session.get_one(Document, ids[1])
        assert session.get_one(ModelVersion, untouched.model_id).weights_sha256 == keyword_classifier.weights_sha256
        assert job_for(session, ids[1], NER).finished_at < job_for(session, ids[0], NER).finished_at


@pytest.mark.e2e
def test_a_backfill_runs_on_a_real_ner_worker_started_on_the_next_model(
    clean_database, keyword_classifier, next_model_dir: Path, tmp_path: Path
) -> None:
    """The whole path: two documents done under the first model, one with a rejected employer; a ner
    worker process started on the next model; `contract-ner backfill --wait --report` (REV defaults to
    the configured model, the one the worker runs) queues them in the bulk lane, the worker re-runs them,
    the command reports what changed."""
    with session_scope() as session:
        ids = [processed(session, contract(n), keyword_classifier).id for n in (30, 31)]
        reviewed = session.get_one(Document, ids[0])
        reject_entity(session, reviewed, the_entity(session, reviewed.id, "EMPLOYER").id, "Anna")
    env = {**os.environ, "CONTRACT_NER_MODEL": str(next_model_dir)}
    report = tmp_path / "report"

    with running({"ner-worker": [*CLI, "worker", "--queues", "ner"]}, env, tmp_path / "logs"):
        result = cli("backfill", "--wait", "--report", str(report), "--timeout", "240", env=env)

    assert result.returncode == 0, result.stderr + logs(tmp_path / "logs")
    assert "2 documents whose results key changes" in result.stderr and "not this revision" not in result.stderr
    written = json.loads((report / "diff.json").read_text(encoding="utf-8"))
    assert written["unfinished"] == [] and written["totals"]["documents_changed"] == 2
    assert written["per_document"] == {
        str(document_id): {"START_DATE": {"added": 1, "removed": 1, "changed": 0}} for document_id in ids
    }  # the rejected employer did not come back: no EMPLOYER change on the reviewed document
    with session_scope() as session:
        for document_id in ids:
            document = session.get_one(Document, document_id)
            assert document.status == "done" and document.lane == "bulk"
            assert session.get_one(ModelVersion, document.model_id).weights_sha256 == weights_fingerprint(
                next_model_dir
            )
        labels = session.scalars(select(Entity.label).where(Entity.document_id == ids[0])).all()
        assert "EMPLOYER" not in labels and "START_DATE" in labels
