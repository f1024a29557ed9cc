"""The `contract-ner` command line, run as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.documents import make_docx, make_pdf, make_png

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


def test_extract_prints_one_json_line_per_input_and_goes_on_after_a_bad_file(tmp_path: Path, keyword_dir: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(make_pdf(["Arbejdssted: Supervej 21, 2000 Frederiksberg."]))
    (tmp_path / "b.pdf").write_bytes(make_png())
    (tmp_path / "c.docx").write_bytes(make_docx(["Løn 32.500,00 kr. hos Nordlys ApS"]))

    result = cli(
        "extract", str(tmp_path), "--format", "jsonl", env={**os.environ, "CONTRACT_NER_MODEL": str(keyword_dir)}
    )

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(line["source"]).name for line in lines] == ["a.pdf", "b.pdf", "c.docx"]
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
