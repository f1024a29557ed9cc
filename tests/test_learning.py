"""Learning from reviews (issue 14): reviewed documents become training data, a model is fine-tuned on
them, compared with the current one on documents it never saw, and promoted (or rolled back) explicitly;
workers load whatever is promoted."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from models.db import session_scope
from models.intake import submit_document
from models.model_promotions import (
    PromotionRefused,
    current_promotion,
    history,
    model_revision,
    promote,
    promoted_model,
    rollback,
)
from models.review import add_entity, confirm_entity, mark_reviewed, reject_entity
from models.schema import Document, Entity
from models.settings import Settings, get_settings
from models.training_export import training_records
from tests.test_cli import cli
from tests.test_dms import finish, upload
from tests.test_review import TEXT
from training import BIO_LABELS
from training.corrections import HELD_BACK_ONE_IN, as_document, held_back_slice, is_held_back, training_slice
from training.evaluation import compare, load_gold, score


def entity(session: Session, document_id: str, label: str) -> Entity:
    document = session.get_one(Document, uuid.UUID(document_id))
    session.refresh(document)
    (found,) = [e for e in document.entities if e.label == label]
    return found


def test_export_keeps_what_reviewers_stand_behind_on_reviewed_documents_only(
    client: TestClient, db_session: Session, keyword_classifier
) -> None:
    reviewed_id = upload(client, TEXT)["id"]
    finish(db_session, reviewed_id, keyword_classifier)
    untouched_id = upload(client, TEXT + "\nBilag 1.")["id"]
    finish(db_session, untouched_id, keyword_classifier)
    document = db_session.get_one(Document, uuid.UUID(reviewed_id))
    # The keyword model found the employer, the workplace and the first salary.
    confirm_entity(db_session, document, entity(db_session, reviewed_id, "EMPLOYER").id, "Anna")
    reject_entity(db_session, document, entity(db_session, reviewed_id, "SALARY").id, "Anna")
    start = TEXT.index("1. marts 2024")
    add_entity(db_session, document, "Anna", label="START_DATE", start=start, end=start + len("1. marts 2024"))

    assert list(training_records(db_session)) == []  # nothing is marked reviewed yet
    (touched,) = training_records(db_session, reviewed_only=False)
    assert touched["id"] == reviewed_id and touched["reviewed_at"] is None

    mark_reviewed(db_session, document, "Anna")
    (record,) = training_records(db_session)
    (accepting,) = training_records(db_session, accept_unconfirmed=True)

    assert record["id"] == reviewed_id
    assert record["text"] == TEXT
    assert record["reviewed_by"] == "Anna"
    # Confirmed and human entities only: the rejected salary is gone, the workplace nobody confirmed is left out.
    assert [(e["label"], e["text"]) for e in record["entities"]] == [
        ("EMPLOYER", "Nordlys ApS"),
        ("START_DATE", "1. marts 2024"),
    ]
    assert all(TEXT[e["start"] : e["end"]] == e["text"] for e in record["entities"])
    assert ("WORKPLACE", "Supervej 21, 2000 Frederiksberg") in [(e["label"], e["text"]) for e in accepting["entities"]]
    assert "SALARY" not in {e["label"] for e in accepting["entities"]}
    other_tenant = list(training_records(db_session, tenant_id=uuid.uuid4()))
    assert other_tenant == []


def test_an_export_line_is_a_gold_document_and_a_training_document(tmp_path: Path) -> None:
    start = TEXT.index("Nordlys ApS")
    record = {
        "id": "d1",
        "text": TEXT,
        "entities": [
            {"label": "EMPLOYER", "text": "Nordlys ApS", "start": start, "end": start + 11},
            {"label": "TENANT_OWN_LABEL", "text": "Løn", "start": TEXT.index("Løn"), "end": TEXT.index("Løn") + 3},
        ],
    }
    path = tmp_path / "export.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")

    (gold,) = load_gold(path)
    document = as_document(record)

    assert gold.entities[0] == ("EMPLOYER", "Nordlys ApS")
    # The trainer gets character spans for the labels the model has tags for.
    assert [(s.label, TEXT[s.start : s.end]) for s in document.spans] == [("EMPLOYER", "Nordlys ApS")]


def test_held_back_documents_are_chosen_by_their_id_alone_about_one_in_five(tmp_path: Path) -> None:
    ids = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"contract-{n}")) for n in range(1000)]
    held = [i for i in ids if is_held_back(i)]
    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": "x", "entities": []}) + "\n" for i in ids[:50]))

    written = held_back_slice(path, tmp_path / "held.jsonl")

    assert 1000 / HELD_BACK_ONE_IN * 0.8 < len(held) < 1000 / HELD_BACK_ONE_IN * 1.2
    assert [is_held_back(i) for i in ids] == [is_held_back(i) for i in ids]  # no state, no randomness
    assert [d.id for d in load_gold(tmp_path / "held.jsonl")] == [i for i in ids[:50] if is_held_back(i)]
    assert written + len(training_slice(path)) == 50


def scores(micro: tuple[int, int, int], **labels: tuple[int, int, int]) -> dict:
    """A `score` result from (tp, fp, fn) counts: one document per entity."""
    gold: list[set[tuple[str, str]]] = []
    pred: list[set[tuple[str, str]]] = []
    for label, (tp, fp, fn) in labels.items():
        for n in range(tp):
            gold.append({(label, f"v{n}")})
            pred.append({(label, f"v{n}")})
        for n in range(fp):
            gold.append(set())
            pred.append({(label, f"fp{n}")})
        for n in range(fn):
            gold.append({(label, f"fn{n}")})
            pred.append(set())
    result = score(gold, pred)
    assert (result["micro"]["tp"], result["micro"]["fp"], result["micro"]["fn"]) == micro
    return result


def test_a_candidate_is_better_only_when_micro_f1_rises_and_no_label_falls_more_than_a_hundredth() -> None:
    current = scores((15, 5, 5), SALARY=(5, 5, 5), EMPLOYER=(10, 0, 0))
    salary_up = scores((18, 2, 2), SALARY=(8, 2, 2), EMPLOYER=(10, 0, 0))
    salary_up_employer_down = scores((19, 2, 1), SALARY=(10, 0, 0), EMPLOYER=(9, 2, 1))

    assert compare(salary_up, current)["verdict"] == "better"
    assert compare(current, current)["verdict"] == "worse"  # not better is not promoted
    mixed = compare(salary_up_employer_down, current)
    assert mixed["micro"]["delta_f1"] > 0
    assert mixed["labels_down"] == ["EMPLOYER"]
    assert mixed["verdict"] == "worse"


def test_promotions_are_recorded_and_a_rollback_returns_to_the_model_before(
    db_session: Session, tiny_model_dir: Path, keyword_dir: Path, tmp_path: Path
) -> None:
    settings = Settings()
    assert promoted_model(db_session, settings) == settings.model  # nothing promoted: the configured model

    first = promote(db_session, keyword_dir, "Anna")
    promote(db_session, tiny_model_dir, "Bo")
    assert promoted_model(db_session, settings) == tiny_model_dir.resolve()
    assert first.revision == model_revision(keyword_dir) and len(first.revision) == 12

    back = rollback(db_session, "Bo")
    assert back.model_path == str(keyword_dir.resolve())
    assert promoted_model(db_session, settings) == keyword_dir.resolve()
    rollback(db_session, "Anna")
    assert current_promotion(db_session) is None
    assert promoted_model(db_session, settings) == settings.model
    with pytest.raises(PromotionRefused):
        rollback(db_session, "Anna")
    with pytest.raises(PromotionRefused):
        promote(db_session, tmp_path, "Anna")  # not a checkpoint

    assert [(r.action, r.actor) for r in history(db_session)] == [
        ("promote", "Anna"),
        ("promote", "Bo"),
        ("rollback", "Bo"),
        ("rollback", "Anna"),
    ]


def test_workers_load_the_promoted_model_and_the_configured_one_when_nothing_is(
    clean_database, keyword_dir: Path
) -> None:
    from worker import tasks

    tasks.forget_model()
    assert tasks.model_settings().model == get_settings().model
    with session_scope() as session:
        promote(session, keyword_dir, "Anna")

    assert tasks.model_settings().model == get_settings().model  # resolved once per process...
    tasks.forget_model()  # ...until it restarts or is told to reload (`models promote --reload`)
    try:
        assert tasks.model_settings().model == keyword_dir.resolve()
        assert tasks.get_classifier().model_dir == keyword_dir.resolve()
        assert tasks.get_windowing().tokenizer.name_or_path == str(keyword_dir.resolve())
    finally:
        tasks.forget_model()


def test_running_workers_can_be_told_to_reload_the_model() -> None:
    from celery.worker.control import Panel

    import worker.tasks  # noqa: F401 - registers the control command

    assert "reload_model" in Panel.data  # `contract-ner models promote --reload` broadcasts it


@pytest.mark.e2e
def test_export_training_command_writes_the_reviewed_documents_of_a_tenant(
    clean_database, keyword_classifier, tmp_path: Path
) -> None:
    with session_scope() as session:
        document = submit_document(session, TEXT.encode()).document
        finish(session, str(document.id), keyword_classifier)
        confirm_entity(session, document, entity(session, str(document.id), "EMPLOYER").id, "Anna")
        mark_reviewed(session, document, "Anna")
        submit_document(session, b"Et andet dokument, ikke gennemgaaet.")
    out = tmp_path / "export" / "reviewed.jsonl"

    written = cli("export-training", str(out), "--tenant", "default")
    unknown = cli("export-training", str(tmp_path / "none.jsonl"), "--tenant", "nobody")

    assert written.returncode == 0, written.stderr
    assert "1 documents, 1 entities" in written.stderr
    (line,) = out.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["entities"] == [
        {"label": "EMPLOYER", "text": "Nordlys ApS", "start": 0, "end": len("Nordlys ApS")}
    ]
    assert unknown.returncode == 2 and "no tenant 'nobody'" in unknown.stderr


@pytest.mark.e2e
def test_models_commands_promote_list_and_roll_back(clean_database, keyword_dir: Path) -> None:
    env = {**os.environ, "USER": "Anna"}

    promoted = cli("models", "promote", str(keyword_dir), env=env)
    listed = cli("models", "list", env=env)
    info = json.loads(cli("info", "--json").stdout)
    rolled = cli("models", "rollback", env=env)
    again = cli("models", "rollback", env=env)

    assert promoted.returncode == 0, promoted.stderr
    assert model_revision(keyword_dir) in promoted.stderr
    assert f"current: {keyword_dir.resolve()}" in listed.stdout
    assert "Anna" in listed.stdout
    assert info["model"] == str(keyword_dir.resolve()) and info["configured_model"] != info["model"]
    assert rolled.returncode == 0, rolled.stderr
    assert "configured" in rolled.stderr
    assert again.returncode == 1 and "nothing is promoted" in again.stderr


def corrections_file(path: Path, ids: list[str]) -> Path:
    entities = []
    for label, needle in (("EMPLOYER", "Nordlys ApS"), ("WORKPLACE", "Supervej 21, 2000 Frederiksberg")):
        start = TEXT.index(needle)
        entities.append({"label": label, "text": needle, "start": start, "end": start + len(needle)})
    path.write_text(
        "".join(json.dumps({"id": i, "text": TEXT, "entities": entities}, ensure_ascii=False) + "\n" for i in ids),
        encoding="utf-8",
    )
    return path


def some_ids(held_back: bool, count: int) -> list[str]:
    ids = (f"contract-{n}" for n in range(1000))
    return [i for i in ids if is_held_back(i) == held_back][:count]


@pytest.mark.e2e
def test_train_fine_tunes_a_checkpoint_into_a_new_revision_the_worker_loads(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    from models.results_key import weights_fingerprint
    from worker.chunking import Windowing
    from worker.inference import TokenClassifier

    corrections = corrections_file(tmp_path / "export.jsonl", some_ids(False, 3) + some_ids(True, 1))
    out = tmp_path / "ft-1"

    result = cli(
        "train", "--base", str(tiny_model_dir), "--corrections", str(corrections), "--out", str(out),
        "--synthetic", "4", "--steps", "3", "--card-gold", str(corrections),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr[-3000:]
    info = json.loads((out / "training_info.json").read_text())
    assert result.stdout.strip() == info["revision"] == model_revision(out)
    assert weights_fingerprint(out) != weights_fingerprint(tiny_model_dir)
    assert info["correction_documents"] == 3  # the held-back one is for `eval`, never trained on
    assert info["base"] == str(tiny_model_dir) and info["steps"] == 3
    card = (out / "MODEL_CARD.md").read_text()
    assert card.startswith(f"# Danish contract NER model, revision {info['revision']}\n")
    assert f"fine-tuned revision of `{tiny_model_dir}`" in card and "3 reviewed documents" in card
    classifier = TokenClassifier.load(out)
    assert classifier.labels == list(BIO_LABELS)
    assert len(classifier.predict([TEXT])) == 1
    Windowing.load(out, 512, 128)


@pytest.mark.e2e
def test_eval_compares_candidate_and_current_on_the_held_back_documents(
    keyword_dir: Path, tiny_model_dir: Path, tmp_path: Path
) -> None:
    data = corrections_file(tmp_path / "export.jsonl", some_ids(True, 2) + some_ids(False, 3))

    better = cli("eval", "--candidate", str(keyword_dir), "--current", str(tiny_model_dir), "--data", str(data))
    worse = cli(
        "eval", "--candidate", str(tiny_model_dir), "--current", str(keyword_dir), "--data", str(data), "--json"
    )

    assert better.returncode == 0, better.stderr[-3000:]
    assert "2 documents" in better.stdout and "held back" in better.stdout
    assert "verdict: BETTER" in better.stdout
    report = json.loads(worse.stdout)
    assert worse.returncode == 2
    assert report["verdict"] == "worse" and report["documents"] == 2
    assert report["per_label"]["EMPLOYER"]["current"]["f1"] == 1.0
    assert report["micro"]["delta_f1"] < 0


@pytest.mark.e2e
def test_workers_started_after_a_promotion_find_entities_with_the_promoted_model(
    committed_api_token: str, keyword_dir: Path, tiny_model_dir: Path, tmp_path: Path
) -> None:
    import httpx

    from tests.live_processes import live_stack, wait_for_final_status

    with session_scope() as session:
        promote(session, keyword_dir, "Anna")
    headers = {"Authorization": f"Bearer {committed_api_token}"}

    # Configured: the random tiny model; promoted: the keyword model, which finds exactly these words.
    with (
        live_stack(tiny_model_dir, tmp_path / "logs", "promoted") as base_url,
        httpx.Client(base_url=base_url, headers=headers, timeout=30) as client,
    ):
        accepted = client.post("/v1/documents", files={"file": ("k.txt", TEXT.encode())}).json()
        document = wait_for_final_status(client, accepted["id"], tmp_path / "logs")
        entities = client.get(f"/v1/documents/{accepted['id']}/entities").json()

    assert document["status"] == "done"
    assert ("EMPLOYER", "Nordlys ApS") in [(e["label"], e["text"]) for e in entities]
    assert {e["model_revision"].rpartition("@")[2] for e in entities} == {model_revision(keyword_dir)}
