"""Prometheus metrics of the worker processes: stage durations, documents processed and failed, and
what the model's forward pass does with its batches (windows per batch, padding efficiency, tokens/s).

With `CONTRACT_NER_METRICS_PORT` set, each Celery worker serves its metrics over HTTP on that port,
started from the `worker_ready` signal in the worker's main process. The extract worker's prefork
children are separate processes with separate memory, so the metrics run in prometheus_client's
multiprocess mode: every process writes its values to memory-mapped files in one directory per worker
(`PROMETHEUS_MULTIPROC_DIR`, made when this module is imported in the main process, inherited by the
forked children, removed when the main process exits) and the main process's HTTP server adds them up at
scrape time. That keeps one port per worker whatever its concurrency, and counters survive a child being
replaced. The ner worker runs the solo pool (one process) and uses the same path. Without a port, metrics
stay plain in-process values that nothing serves (the CLI's `extract` and the tests use them that way).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import structlog
from celery.signals import worker_process_shutdown, worker_ready
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    multiprocess,
    start_http_server,
    values,
)

from models.settings import get_settings

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _remove_multiproc_dir(owner_pid: int, path: str) -> None:
    # Only the process that made the directory removes it: forked children inherit exit hooks.
    if os.getpid() == owner_pid:
        shutil.rmtree(path, ignore_errors=True)


if get_settings().metrics_port is not None and not os.environ.get(MULTIPROC_ENV):
    os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="contract-ner-metrics-")
    atexit.register(_remove_multiproc_dir, os.getpid(), os.environ[MULTIPROC_ENV])
if os.environ.get(MULTIPROC_ENV) and not values.ValueClass._multiprocess:
    # prometheus_client picks its value storage once, when first imported, and the `celery` command has
    # usually imported it already (flower's command plugin): pick again, before the metrics below exist.
    values.ValueClass = values.get_value_class()

log = structlog.get_logger(__name__)

STAGE_DURATION = Histogram(
    "contract_ner_stage_duration_seconds",
    "Seconds one pipeline stage took for one task, its database commit included",
    ["stage"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)
DOCUMENTS_PROCESSED = Counter(
    "contract_ner_documents_processed", "Documents that finished a stage successfully", ["stage"]
)
DOCUMENTS_FAILED = Counter(
    "contract_ner_documents_failed", "Documents that failed in a stage, by reason code", ["stage", "reason"]
)
FENCED_WRITES = Counter(
    "contract_ner_fenced_writes",
    "Attempts whose results were not written because their lease had been lost (a re-execution fenced off)",
    ["stage"],
)
TASK_RETRIES = Counter("contract_ner_task_retries", "Stage tasks retried after an unexpected error", ["stage"])
NER_BATCH_WINDOWS = Histogram(
    "contract_ner_ner_batch_windows",
    "Token windows per forward pass of the model",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
NER_BATCH_DOCUMENTS = Histogram(
    "contract_ner_ner_batch_documents",
    "Documents gathered into one ner task run (cross-document batching)",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
)
NER_PADDING_EFFICIENCY = Histogram(
    "contract_ner_ner_padding_efficiency",
    "Real tokens / padded positions per forward batch (1.0: no compute spent on padding)",
    buckets=(0.25, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0),
)
NER_TOKENS = Counter("contract_ner_ner_tokens", "Real tokens (special tokens included) through the model")
NER_PADDED_TOKENS = Counter("contract_ner_ner_padded_tokens", "Token positions computed, padding included")
NER_FORWARD_SECONDS = Counter("contract_ner_ner_forward_seconds", "Seconds spent in the model's forward passes")
NER_TOKENS_PER_SECOND = Gauge(
    "contract_ner_ner_tokens_per_second",
    "Real tokens per second of the most recent forward batch; rate(tokens) / rate(forward_seconds) over time",
    multiprocess_mode="livemostrecent",
)


@contextmanager
def stage_timer(stage: str) -> Iterator[None]:
    """Observe the block's duration for `stage`, whether it succeeds or raises."""
    started = time.perf_counter()
    try:
        yield
    finally:
        STAGE_DURATION.labels(stage=str(stage)).observe(time.perf_counter() - started)


def count_processed(stage: str, documents: int = 1) -> None:
    if documents:
        DOCUMENTS_PROCESSED.labels(stage=str(stage)).inc(documents)


def count_failed(stage: str, reason: str) -> None:
    DOCUMENTS_FAILED.labels(stage=str(stage), reason=reason).inc()


def count_fenced(stage: str, attempts: int = 1) -> None:
    if attempts > 0:
        FENCED_WRITES.labels(stage=str(stage)).inc(attempts)


def count_retry(stage: str) -> None:
    TASK_RETRIES.labels(stage=str(stage)).inc()


def observe_ner_batch(documents: int) -> None:
    NER_BATCH_DOCUMENTS.observe(documents)


def observe_forward_batch(windows: int, real_tokens: int, padded_tokens: int, seconds: float) -> None:
    """One forward pass of `windows` windows: `real_tokens` of `padded_tokens` positions were not padding."""
    NER_BATCH_WINDOWS.observe(windows)
    NER_TOKENS.inc(real_tokens)
    NER_PADDED_TOKENS.inc(padded_tokens)
    NER_FORWARD_SECONDS.inc(seconds)
    if padded_tokens:
        NER_PADDING_EFFICIENCY.observe(real_tokens / padded_tokens)
    if seconds > 0:
        NER_TOKENS_PER_SECOND.set(real_tokens / seconds)


def start_metrics_server(port: int, addr: str = "0.0.0.0") -> bool:
    """Serve the metrics of this worker and its children on `port`; False when the port is taken."""
    registry = REGISTRY
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    try:
        start_http_server(port, addr=addr, registry=registry)
    except OSError as exc:
        # Two workers on one host with the same setting (e.g. `contract-ner run`): the worker still works.
        log.warning("metrics.port_unavailable", port=port, error=str(exc))
        return False
    log.info("metrics.serving", port=port, multiprocess=bool(os.environ.get(MULTIPROC_ENV)))
    return True


@worker_ready.connect
def _serve_metrics(**_: object) -> None:
    port = get_settings().metrics_port
    if port is not None:
        start_metrics_server(port)


@worker_process_shutdown.connect
def _forget_dead_child(pid: int | None = None, **_: object) -> None:
    # Drops the child's live gauges; its counters and histograms stay in the totals.
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid or os.getpid())
