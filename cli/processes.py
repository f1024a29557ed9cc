"""Starting the Celery worker processes that `run` and `ingest --with-workers` need on one machine."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from models.settings import Settings
from worker.chunking import require_checkpoint


def worker_command(settings: Settings, stages: Sequence[str], concurrency: int | None = None) -> list[str]:
    queues = ",".join(settings.queue(stage) for stage in stages)
    # The ner stage loads the model and may initialise CUDA: the solo pool never forks after that.
    pool = (
        # Prefetch enough messages for a full cross-document batch (worker.tasks.recognize_entities_task).
        ["--pool", "solo", "--prefetch-multiplier", str(settings.ner_flush_every)]
        if "ner" in stages
        else ["--pool", "prefork", "--concurrency", str(concurrency or 1)]
    )
    name = f"{'-'.join(stages)}@%h"
    return [
        sys.executable, "-m", "celery", "--quiet", "-A", "worker.celery_app", "worker",
        "-Q", queues, *pool, "-n", name, "--loglevel", settings.log_level,
        "--without-gossip", "--without-mingle",
    ]  # fmt: skip


def beat_command(settings: Settings) -> list[str]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return [
        sys.executable, "-m", "celery", "--quiet", "-A", "worker.celery_app", "beat", "--loglevel", settings.log_level,
        "--schedule", str((settings.data_dir / "celerybeat-schedule").resolve()),
        "--pidfile", str((settings.data_dir / "celerybeat.pid").resolve()),
    ]  # fmt: skip


@contextmanager
def local_workers(settings: Settings, extract_concurrency: int = 1) -> Iterator[list[subprocess.Popen[bytes]]]:
    """An extract worker (with the webhook and maintenance queues), a ner worker and beat (the job
    sweeper's clock) for the duration of the block."""
    # Both stages need the model's files: refuse to start rather than fail every document.
    require_checkpoint(settings.model)
    processes = [
        subprocess.Popen(worker_command(settings, ["extract", "webhooks", "maintenance"], extract_concurrency)),
        subprocess.Popen(worker_command(settings, ["ner"])),
        subprocess.Popen(beat_command(settings)),
    ]
    try:
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
