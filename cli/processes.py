"""Starting the Celery worker processes that `run` and `ingest --with-workers` need on one machine.

Which queues a worker may consume together, and with which pool, follows from the stage table
(`models.stages.PIPELINE`): prefork stages share a CPU worker with the webhook queue; each solo stage
(the model's) gets a worker process of its own, and so does the maintenance queue (the job sweeper):
on a worker busy with extraction the sweeps waited behind documents, expired unrun (a loaded 2-core
machine ran 3 to 12 of the 30 a minute beat sent), and dead workers' jobs waited with them."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from models.broker import MAINTENANCE_QUEUE, WEBHOOKS_QUEUE
from models.lanes import LANES, Lane, lane_queue
from models.settings import Settings
from models.stages import PIPELINE, STAGES
from worker.chunking import require_checkpoint

SERVICE_QUEUES = (WEBHOOKS_QUEUE, MAINTENANCE_QUEUE)
DEFAULT_CPU_QUEUES = (*(stage.name for stage in PIPELINE if not stage.solo), WEBHOOKS_QUEUE)
SOLO_STAGES = tuple(stage.name for stage in PIPELINE if stage.solo)


def checked_queues(queues: Sequence[str]) -> list[str]:
    """The queues, or ValueError when one is unknown or a solo stage shares its worker."""
    unknown = set(queues) - set(STAGES) - set(SERVICE_QUEUES)
    if unknown:
        raise ValueError(f"unknown queues: {', '.join(sorted(unknown))}")
    solo = [q for q in queues if q in SOLO_STAGES]
    if solo and len(queues) > 1:
        raise ValueError(f"{solo[0]} runs in a solo-pool worker of its own; start it separately")
    return list(queues)


def worker_command(
    settings: Settings, stages: Sequence[str], concurrency: int | None = None, lanes: Sequence[Lane] = LANES
) -> list[str]:
    # A stage's worker consumes its lanes' queues (models.lanes: all of them unless told; a worker of
    # the interactive lane alone keeps single uploads off the bulk flushes); service queues have no lanes.
    queues = ",".join(
        ",".join(lane_queue(settings, stage, lane) for lane in lanes) if stage in STAGES else settings.queue(stage)
        for stage in stages
    )
    # A solo stage loads the model and may initialise CUDA: the solo pool never forks after that.
    pool = (
        # Prefetch enough messages for a full cross-document batch (worker.tasks.recognize_entities_task).
        ["--pool", "solo", "--prefetch-multiplier", str(settings.ner_flush_every)]
        if any(stage in SOLO_STAGES for stage in stages)
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
    """A CPU worker for the prefork stages (with the webhook queue), a worker per solo stage, a worker
    for the maintenance queue and beat (the job sweeper's clock) for the duration of the block."""
    # The stages need the model's files: refuse to start rather than fail every document.
    require_checkpoint(settings.model)
    processes = [
        subprocess.Popen(worker_command(settings, DEFAULT_CPU_QUEUES, extract_concurrency)),
        *(subprocess.Popen(worker_command(settings, [stage])) for stage in SOLO_STAGES),
        subprocess.Popen(worker_command(settings, [MAINTENANCE_QUEUE], 1)),
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
