"""Scanned contracts end to end through real processes: HTTP upload -> extract worker (no usable text
layer: handed on) -> ocr worker (Tesseract in its limited child) -> ner worker -> entities in Postgres
with their boxes, and the OCR stage in the document's stage timings."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.documents import make_scan
from tests.live_processes import live_stack, logs, wait_for_final_status

pytestmark = pytest.mark.e2e

SCANNED_CONTRACT = "Arbejdsstedet er Supervej 21, 2000 Frederiksberg.\nLønnen er 32.500,00 kr. om måneden."
EXPECTED = {("WORKPLACE", "Supervej 21, 2000 Frederiksberg"), ("SALARY", "32.500,00 kr.")}


def test_a_scanned_pdf_and_a_photo_go_through_the_ocr_stage_to_their_entities(
    committed_api_token: str, keyword_dir: Path, tmp_path: Path
) -> None:
    uploads = {
        "skannet.pdf": make_scan([SCANNED_CONTRACT]),
        "foto.png": make_scan([SCANNED_CONTRACT], "PNG", skew_degrees=-1.2, seed=3),
    }
    log_dir = tmp_path / "logs"
    headers = {"Authorization": f"Bearer {committed_api_token}"}
    with (
        live_stack(keyword_dir, log_dir, "scans", extract_concurrency=1, ocr_concurrency=2) as base_url,
        httpx.Client(base_url=base_url, headers=headers, timeout=30) as client,
    ):
        started = time.monotonic()
        ids = {}
        for name, data in uploads.items():
            response = client.post("/v1/documents", files={"file": (name, data)})
            assert response.status_code == 202, response.text
            ids[name] = response.json()["id"]
        final = {name: wait_for_final_status(client, ids[name], log_dir, timeout_s=300) for name in ids}
        print(f"{len(ids)} scans done in {time.monotonic() - started:.1f}s")
        entities = {name: client.get(f"/v1/documents/{ids[name]}/entities").json() for name in ids}

    for name, document in final.items():
        assert document["status"] == "done", (name, document, logs(log_dir))
        assert [stage["stage"] for stage in document["stages"]] == ["extract", "ocr", "ner"], document
        assert document["timings"]["ocr_s"] > 0, document["timings"]
        found = {(e["label"], e["text"]) for e in entities[name]}
        assert found >= EXPECTED, (name, found)
        salary = next(e for e in entities[name] if e["label"] == "SALARY")
        assert salary["boxes"] and salary["boxes"][0]["page"] == 1, salary
