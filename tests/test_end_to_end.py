"""End to end through real processes: HTTP upload -> broker -> extract worker -> ner worker -> database
-> query API. Once distributed (Postgres + Redis, separate worker processes) and once on the embedded
default (SQLite + Celery's SQLAlchemy transport, started by `contract-ner run`)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.documents import make_gif, make_pdf
from tests.live_processes import (
    CLI,
    free_port,
    live_stack,
    logs,
    running,
    wait_for_final_status,
    wait_until_ready,
)

pytestmark = pytest.mark.e2e

CONTRACT_PAGES = [
    "Ansættelseskontrakt mellem Nordlys ApS og Mette Hansen.",
    "Arbejdsstedet er Supervej 21, 2000 Frederiksberg.\nLøn 32.500,00 kr. pr. måned.",
]


def check_contract(client: httpx.Client, log_dir: Path) -> float:
    """Upload the contract, wait for it, and check its entities against its text; returns seconds."""
    started = time.monotonic()
    response = client.post("/v1/documents", files={"file": ("kontrakt.pdf", make_pdf(CONTRACT_PAGES))})
    assert response.status_code == 202, response.text
    document_id = response.json()["id"]

    document = wait_for_final_status(client, document_id, log_dir)
    elapsed = time.monotonic() - started

    assert document["status"] == "done", (document, logs(log_dir))
    text = client.get(f"/v1/documents/{document_id}/text").json()["text"]
    entities = client.get(f"/v1/documents/{document_id}/entities").json()
    assert [(e["label"], e["text"], e["page"]) for e in entities] == [
        ("EMPLOYER", "Nordlys ApS", 1),
        ("WORKPLACE", "Supervej 21, 2000 Frederiksberg", 2),
        ("SALARY", "32.500,00 kr.", 2),
    ]
    assert all(e["text"] == text[e["start"] : e["end"]] for e in entities)
    return elapsed


@pytest.fixture
def distributed_stack(
    committed_api_token: str, keyword_dir: Path, tmp_path: Path
) -> Iterator[tuple[httpx.Client, Path]]:
    log_dir = tmp_path / "logs"
    headers = {"Authorization": f"Bearer {committed_api_token}"}
    with (
        live_stack(keyword_dir, log_dir, "e2e") as base_url,
        httpx.Client(base_url=base_url, headers=headers, timeout=30) as client,
    ):
        yield client, log_dir


def test_a_pdf_uploaded_over_http_ends_with_its_entities_in_postgres(distributed_stack) -> None:
    client, log_dir = distributed_stack

    seconds = check_contract(client, log_dir)

    print(f"upload to entities: {seconds:.2f}s")


def test_garbage_gets_a_4xx_or_fails_with_a_reason_and_nothing_hangs(distributed_stack) -> None:
    client, log_dir = distributed_stack
    pdf = make_pdf(["Nordlys ApS"] * 4)

    empty = client.post("/v1/documents", files={"file": ("tom.pdf", b"")})
    image = client.post("/v1/documents", files={"file": ("billede.pdf", make_gif(), "application/pdf")})
    truncated = client.post("/v1/documents", files={"file": ("halv.pdf", pdf[: len(pdf) // 3])})

    assert empty.status_code == 400 and "empty" in empty.json()["detail"]
    assert image.status_code == 415 and "image/gif" in image.json()["detail"]
    assert truncated.status_code == 202
    document = wait_for_final_status(client, truncated.json()["id"], log_dir)
    assert (document["status"], document["error_code"]) == ("failed", "parse_error")
    assert document["error"]


def test_the_same_flow_runs_on_the_embedded_default(keyword_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CONTRACT_NER_DATABASE_URL", "CONTRACT_NER_BROKER_URL")
    }
    # A single-user setup: no API keys, everything is the default tenant.
    env |= {
        "CONTRACT_NER_MODEL": str(keyword_dir),
        "CONTRACT_NER_DATA_DIR": str(tmp_path / "state"),
        "CONTRACT_NER_AUTH_REQUIRED": "false",
    }
    log_dir = tmp_path / "logs"

    with (
        running({"run": [*CLI, "run", "--port", str(port)]}, env, log_dir),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
    ):
        wait_until_ready(str(client.base_url), log_dir)
        check_contract(client, log_dir)

    assert (tmp_path / "state" / "contract_ner.db").exists()
    assert (tmp_path / "state" / "broker.db").exists()


def test_the_ner_worker_batches_documents_waiting_in_its_queue(
    committed_api_token: str, keyword_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    env = {**os.environ, "CONTRACT_NER_MODEL": str(keyword_dir), "CONTRACT_NER_QUEUE_PREFIX": f"batch-{port}-"}
    log_dir = tmp_path / "logs"
    front = {
        "api": [*CLI[:2], "uvicorn", "api.app:app", "--host", "127.0.0.1", "--port", str(port)],
        "extract-worker": [*CLI, "worker", "--queues", "extract", "--concurrency", "2"],
    }
    headers = {"Authorization": f"Bearer {committed_api_token}"}
    with (
        running(front, env, log_dir),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30) as client,
    ):
        wait_until_ready(str(client.base_url), log_dir)
        ids = [
            client.post(
                "/v1/documents", files={"file": (f"{n}.pdf", make_pdf([*CONTRACT_PAGES, f"Bilag {n}"]))}
            ).json()["id"]
            for n in range(6)
        ]
        deadline = time.monotonic() + 60
        while any(client.get(f"/v1/documents/{i}").json()["status"] != "extracted" for i in ids):
            assert time.monotonic() < deadline, logs(log_dir)
            time.sleep(0.2)

        with running({"ner-worker": [*CLI, "worker", "--queues", "ner"]}, env, log_dir):
            documents = [wait_for_final_status(client, i, log_dir) for i in ids]

    assert {d["status"] for d in documents} == {"done"}
    assert all(d["entity_count"] == 3 for d in documents)
    # One ner run finished all six: their windows shared forward passes.
    assert len({stage["finished_at"] for d in documents for stage in d["stages"] if stage["stage"] == "ner"}) == 1
