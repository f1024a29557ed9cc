"""Prometheus metrics: the API's `/metrics` reads the pipeline's state from the database at scrape time,
and each worker serves its own metrics on CONTRACT_NER_METRICS_PORT, the prefork extract worker's
children added up by the main process (prometheus_client's multiprocess mode)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from tests.documents import make_pdf
from tests.live_processes import CLI, free_port, logs, running, wait_for_final_status, wait_until_ready

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(url: str) -> Samples:
    response = httpx.get(url, timeout=10)
    response.raise_for_status()
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), float("nan"))


def scrape_until(url: str, ready: Callable[[Samples], bool], log_dir: Path, timeout_s: float = 30.0) -> Samples:
    """Worker counters move just after the commit that the API already shows: poll briefly."""
    deadline = time.monotonic() + timeout_s
    samples: Samples = {}
    while time.monotonic() < deadline:
        try:
            samples = scrape(url)
            if ready(samples):
                return samples
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} never got there: {sorted(samples.items())}\n{logs(log_dir)}")


def test_forward_records_batch_sizes_padding_efficiency_and_tokens(keyword_classifier) -> None:
    def read(name: str) -> float:
        return REGISTRY.get_sample_value(name) or 0.0

    names = [
        "contract_ner_ner_batch_windows_count",
        "contract_ner_ner_batch_windows_sum",
        "contract_ner_ner_padding_efficiency_count",
        "contract_ner_ner_padding_efficiency_sum",
        "contract_ner_ner_tokens_total",
        "contract_ner_ner_padded_tokens_total",
    ]
    before = {name: read(name) for name in names}
    windows = [np.arange(5, 45, dtype=np.int64), np.arange(5, 44, dtype=np.int64)]  # 40 and 39 tokens

    keyword_classifier.forward(windows, batch_size=2)

    delta = {name: read(name) - before[name] for name in names}
    # One batch of two windows padded to 40 + 2 special tokens: (42 + 41) real of 2 x 42 positions.
    assert delta == {
        "contract_ner_ner_batch_windows_count": 1,
        "contract_ner_ner_batch_windows_sum": 2,
        "contract_ner_ner_padding_efficiency_count": 1,
        "contract_ner_ner_padding_efficiency_sum": pytest.approx(83 / 84),
        "contract_ner_ner_tokens_total": 83,
        "contract_ner_ner_padded_tokens_total": 84,
    }
    assert read("contract_ner_ner_tokens_per_second") > 0


def test_the_api_reports_every_status_and_stage_even_when_empty(clean_database) -> None:
    from api.app import app

    with TestClient(app) as client:
        response = client.get("/metrics")

    assert response.status_code == 200
    families = {family.name: family for family in text_string_to_metric_families(response.text)}
    assert {s.labels["status"] for s in families["contract_ner_documents"].samples} == {
        "queued", "extracting", "ocr_queued", "ocr_running", "extracted", "inferring", "done", "failed",
    }  # fmt: skip
    assert len(families["contract_ner_jobs"].samples) == 3 * 4
    assert {(s.labels["stage"], s.value) for s in families["contract_ner_queue_depth"].samples} == {
        ("extract", 0),
        ("ocr", 0),
        ("ner", 0),
    }
    assert {(s.labels["queue"], s.value) for s in families["contract_ner_workers_alive"].samples} == {
        ("extract", 0), ("ocr", 0), ("ner", 0), ("webhooks", 0), ("maintenance", 0),
    }  # fmt: skip
    assert {(s.labels["stage"], s.value) for s in families["contract_ner_jobs_held"].samples} == {
        ("extract", 0),
        ("ocr", 0),
        ("ner", 0),
    }
    assert "process_resident_memory_bytes" in families  # the API process's own metrics come along


@pytest.fixture
def metered_stack(
    committed_api_token: str, keyword_dir: Path, tmp_path: Path
) -> Iterator[tuple[httpx.Client, Path, int, int]]:
    port, extract_port, ner_port = free_port(), free_port(), free_port()
    env = {**os.environ, "CONTRACT_NER_MODEL": str(keyword_dir), "CONTRACT_NER_QUEUE_PREFIX": f"metrics-{port}-"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    commands = {
        "api": [*CLI[:2], "uvicorn", "api.app:app", "--host", "127.0.0.1", "--port", str(port)],
        "extract-worker": ["env", f"CONTRACT_NER_METRICS_PORT={extract_port}",
                           *CLI, "worker", "--queues", "extract", "--concurrency", "2"],
        "ner-worker": ["env", f"CONTRACT_NER_METRICS_PORT={ner_port}", *CLI, "worker", "--queues", "ner"],
    }  # fmt: skip
    log_dir = tmp_path / "logs"
    headers = {"Authorization": f"Bearer {committed_api_token}"}
    with (
        running(commands, env, log_dir),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30) as client,
    ):
        wait_until_ready(str(client.base_url), log_dir)
        yield client, log_dir, extract_port, ner_port


def test_api_and_workers_expose_pipeline_metrics_after_real_documents(metered_stack) -> None:
    client, log_dir, extract_port, ner_port = metered_stack
    good = [
        make_pdf(["Nordlys ApS betaler 32.500,00 kr.", f"Supervej 21, 2000 Frederiksberg. Bilag {n}."]) for n in (1, 2)
    ]
    truncated = make_pdf(["Nordlys ApS"] * 4)[:200]

    ids = [
        client.post("/v1/documents", files={"file": (f"k{n}.pdf", data)}).json()["id"]
        for n, data in enumerate([*good, truncated])
    ]
    finals = [wait_for_final_status(client, document_id, log_dir)["status"] for document_id in ids]
    api = scrape(f"{client.base_url}/metrics")
    extract = scrape_until(
        f"http://127.0.0.1:{extract_port}/metrics",
        lambda s: (
            value(s, "contract_ner_documents_failed_total", stage="extract", reason="parse_error") == 1
            and value(s, "contract_ner_stage_duration_seconds_count", stage="extract") == 3
        ),
        log_dir,
    )
    ner = scrape_until(
        f"http://127.0.0.1:{ner_port}/metrics",
        lambda s: value(s, "contract_ner_documents_processed_total", stage="ner") == 2,
        log_dir,
    )

    assert finals == ["done", "done", "failed"]
    assert value(api, "contract_ner_documents", status="done") == 2
    assert value(api, "contract_ner_documents", status="failed") == 1
    assert value(api, "contract_ner_documents", status="queued") == 0
    assert value(api, "contract_ner_jobs", stage="extract", state="done") == 2
    assert value(api, "contract_ner_jobs", stage="extract", state="failed") == 1
    assert value(api, "contract_ner_jobs", stage="ner", state="done") == 2
    assert value(api, "contract_ner_queue_depth", stage="extract") == 0
    assert value(api, "contract_ner_queue_depth", stage="ner") == 0
    assert value(api, "contract_ner_queue_oldest_age_seconds", stage="ner") == 0

    # Three extract tasks ran in two prefork children; the main process's endpoint adds them up.
    assert value(extract, "contract_ner_documents_processed_total", stage="extract") == 2
    assert value(extract, "contract_ner_stage_duration_seconds_sum", stage="extract") > 0
    assert value(extract, "contract_ner_stage_duration_seconds_bucket", stage="extract", le="+Inf") == 3

    # Both documents may share one batched task run or take one each: one stage observation per run.
    runs = value(ner, "contract_ner_ner_batch_documents_count")
    assert 1 <= runs <= 2
    assert value(ner, "contract_ner_ner_batch_documents_sum") == 2
    assert value(ner, "contract_ner_stage_duration_seconds_count", stage="ner") == runs
    assert value(ner, "contract_ner_ner_batch_windows_count") >= runs
    assert value(ner, "contract_ner_ner_batch_windows_sum") >= 2  # at least one window per document
    efficiency = value(ner, "contract_ner_ner_padding_efficiency_sum") / value(
        ner, "contract_ner_ner_padding_efficiency_count"
    )
    assert 0 < efficiency <= 1
    assert value(ner, "contract_ner_ner_tokens_total") > 0
    assert value(ner, "contract_ner_ner_padded_tokens_total") >= value(ner, "contract_ner_ner_tokens_total")
    assert value(ner, "contract_ner_ner_forward_seconds_total") > 0
    assert value(ner, "contract_ner_ner_tokens_per_second") > 0
