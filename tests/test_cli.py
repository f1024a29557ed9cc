"""The `contract-ner` command line, run as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.documents import make_docx, make_gif, make_pdf

# Every test runs the installed command in a process of its own.
pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env or dict(os.environ),
        timeout=300,
        check=False,
    )


def test_extract_prints_one_json_line_per_input_in_order_goes_on_after_a_bad_file_and_then_fails(
    tmp_path: Path, keyword_dir: Path
) -> None:
    (tmp_path / "a.pdf").write_bytes(make_pdf(["Arbejdssted: Supervej 21, 2000 Frederiksberg."]))
    (tmp_path / "b.pdf").write_bytes(make_gif())
    (tmp_path / "c.docx").write_bytes(make_docx(["Løn 32.500,00 kr. hos Nordlys ApS"]))

    result = cli(
        "extract", str(tmp_path), "--format", "jsonl", env={**os.environ, "CONTRACT_NER_MODEL": str(keyword_dir)}
    )

    assert result.returncode == 1, result.stderr
    assert "1 of 3 files could not be read" in result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(line["source"]).name for line in lines] == ["a.pdf", "b.pdf", "c.docx"]
    # A PDF's entities say where they are on the page: one box per line, in points from the top-left.
    (workplace_box,) = lines[0]["entities"][0].pop("boxes")
    assert workplace_box[0] == 1 and 0 < workplace_box[1] < workplace_box[3] < 595.28
    assert all("boxes" not in e for e in lines[2]["entities"])
    assert lines[0]["entities"] == [
        {
            "label": "WORKPLACE",
            "text": "Supervej 21, 2000 Frederiksberg",
            "start": 13,
            "end": 44,
            "score": 1.0,
            "page": 1,
        }
    ]
    assert "unsupported_type" in lines[1]["error"]
    assert [e["label"] for e in lines[2]["entities"]] == ["SALARY", "EMPLOYER"]


def test_info_reports_model_labels_and_device(tiny_model_dir: Path) -> None:
    result = cli("info", "--json")

    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["model"] == str(tiny_model_dir.resolve())
    assert info["device"] == "cpu"
    assert "B-SALARY" in info["labels"]
    assert info["entity_types"] == ["EMPLOYER", "SALARY", "START_DATE", "WORKPLACE"]


def test_ingest_with_wait_follows_documents_to_the_end(tmp_path: Path, keyword_dir: Path) -> None:
    (tmp_path / "kontrakt.txt").write_text("Nordlys ApS, Supervej 21, 2000 Frederiksberg. Løn 32.500,00 kr.")
    (tmp_path / "tom.txt").write_bytes(b"")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CONTRACT_NER_DATABASE_URL", "CONTRACT_NER_BROKER_URL")
    } | {"CONTRACT_NER_MODEL": str(keyword_dir), "CONTRACT_NER_DATA_DIR": str(tmp_path / "state")}

    result = cli("ingest", str(tmp_path), "--wait", "--with-workers", "--show-entities", env=env)

    assert result.returncode == 0, result.stderr
    assert "kontrakt.txt" in result.stdout and "done" in result.stdout
    assert "rejected: empty" in result.stdout
    assert "Supervej 21, 2000 Frederiksberg" in result.stdout
    assert "32.500,00 kr." in result.stdout


RECURRING_EMPLOYER = "Nordlys ApS ansætter dig. Spørgsmål til Nordlys. Med venlig hilsen Nordlys ApS"


def test_extract_builds_the_model_from_the_settings_as_the_worker_does(tmp_path: Path, keyword_dir: Path) -> None:
    (tmp_path / "brev.txt").write_text(RECURRING_EMPLOYER)
    env = {**os.environ, "CONTRACT_NER_MODEL": str(keyword_dir)}

    decoded = cli("extract", str(tmp_path), env=env)
    raw = cli("extract", str(tmp_path), env={**env, "CONTRACT_NER_FIELD_DECODING": "false"})

    assert decoded.returncode == raw.returncode == 0, decoded.stderr + raw.stderr
    assert [e["text"] for e in json.loads(decoded.stdout)["entities"]] == ["Nordlys ApS", "Nordlys ApS"]
    # Before, `extract` ignored CONTRACT_NER_FIELD_DECODING (and _BACKEND, _PRECISION) and always decoded.
    assert [e["text"] for e in json.loads(raw.stdout)["entities"]] == ["Nordlys ApS", "Nordlys", "Nordlys ApS"]


def test_extract_prints_normalised_values_and_the_contract_card_on_request(tmp_path: Path, keyword_dir: Path) -> None:
    (tmp_path / "kontrakt.txt").write_text(
        "Ansættelseskontrakt\nArbejdsgiver: Nordlys ApS\nTiltrædelse: 22-03-2023\nMånedsløn: 32.500,00 kr.\n"
    )

    result = cli(
        "extract", str(tmp_path), "--values", "--card", env={**os.environ, "CONTRACT_NER_MODEL": str(keyword_dir)}
    )

    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    values = {
        e["label"]: (e["value_date"], e["value_number"], e["value_unit"], e["value_period"]) for e in record["entities"]
    }
    assert values == {
        "EMPLOYER": (None, None, None, None),
        "START_DATE": ("2023-03-22", None, None, None),
        "SALARY": (None, "32500.00", "DKK", "month"),
    }
    card = record["card"]
    assert (card["employer"], card["start_date"], card["salary_amount"], card["salary_period"]) == (
        "Nordlys ApS", "2023-03-22", "32500.00", "month"
    )  # fmt: skip
    assert card["flags"] == ["missing_employee", "missing_working_hours"]  # the keyword model knows no names
    assert card["needs_review"] is True


def test_reprocess_with_a_malformed_id_says_so(tiny_model_dir: Path) -> None:
    result = cli("reprocess", "not-a-uuid")

    assert result.returncode == 2
    assert "'not-a-uuid' is not a document id" in result.stderr
    assert "Traceback" not in result.stderr


def test_extract_batches_documents_together_and_keeps_the_input_order(tmp_path: Path, keyword_classifier) -> None:
    from cli.folder_extraction import extract_files

    texts = [
        "Løn 32.500,00 kr. hos Nordlys ApS",
        "Arbejdssted: Supervej 21, 2000 Frederiksberg.",
        "",
        RECURRING_EMPLOYER,
        "Tiltrædelse 22-03-2023 hos Nordlys ApS",
    ]
    paths = []
    for number, text in enumerate(texts):
        paths.append(tmp_path / f"{number}.txt")
        paths[-1].write_text(text)
    parsed: list[None] = []

    results = list(
        extract_files(paths, keyword_classifier, jobs=3, documents_per_batch=2, on_parsed=lambda: parsed.append(None))
    )

    assert [r.source for r in results] == paths
    assert len(parsed) == len(paths)
    assert results[2].error == "unsupported_type: empty file"
    for result, text in zip(results, texts, strict=True):
        if text:
            # Batched with other documents, each finds what it finds alone.
            assert [e.span for e in result.entities or []] == keyword_classifier.predict([text])[0]


def test_ingest_names_each_file_batches_them_and_keeps_metadata(tmp_path: Path, clean_database: None) -> None:
    from sqlalchemy import select

    from models.db import session_scope
    from models.schema import Batch, BatchItem, Document

    folder = tmp_path / "hr"
    folder.mkdir()
    (folder / "K-100.txt").write_text("Nordlys ApS. Løn 32.500,00 kr. pr. måned.")
    (folder / "K-200.txt").write_text("Solhverv A/S. Løn 41.000,00 kr. pr. måned.")
    (folder / "K-200-copy.txt").write_text("Solhverv A/S. Løn 41.000,00 kr. pr. måned.")

    result = cli(
        "ingest", str(folder), "--external-id", "{parent}-{stem}", "--batch", "share backfill",
        "--metadata", '{"source": "share"}',
    )  # fmt: skip
    one_id_for_many = cli("ingest", str(folder), "--external-id", "DMS-1")
    bad_metadata = cli("ingest", str(folder), "--metadata", "[1]")

    assert result.returncode == 0, result.stderr
    assert one_id_for_many.returncode == 2 and "same id" in one_id_for_many.stderr
    assert bad_metadata.returncode == 2 and "--metadata" in bad_metadata.stderr
    assert "duplicate of" in result.stdout and "external id hr-K-200 linked" in result.stdout
    with session_scope() as session:
        documents = session.scalars(select(Document).order_by(Document.external_id)).all()
        (batch,) = session.scalars(select(Batch)).all()
        items = session.scalars(select(BatchItem).order_by(BatchItem.id)).all()
        assert [(d.external_id, d.meta) for d in documents] == [
            ("hr-K-100", {"source": "share"}),
            ("hr-K-200-copy", {"source": "share"}),  # sorted first of the two copies: it stored the bytes
        ]
        assert [link.external_id for link in documents[1].linked_external_ids] == ["hr-K-200"]
        assert (batch.name, batch.closed) == ("share backfill", True)
        # One manifest row per document and batch: the copy in the same batch is the link above.
        assert [(i.external_id, i.duplicate, i.meta) for i in items] == [
            ("hr-K-100", False, {"source": "share"}),
            ("hr-K-200-copy", False, {"source": "share"}),
        ]
