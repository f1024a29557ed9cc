"""A worker's heartbeat, on real worker processes: the messages a ner worker holds in its batch buffer
are held in the database, so when the worker is SIGKILLed they run again once the hold expires (not
after the broker's hour-long visibility timeout); `/readyz` tells per queue that no worker is alive; and
the ner worker's batched tasks send the task events Flower counts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cli.processes import worker_command
from models.schema import Job, JobState
from models.settings import get_settings
from tests.live_processes import CLI, REPO_ROOT, free_port, logs, running, wait_until_ready

LEASE_S = 3.0
HELD = 12


def documents(n: int) -> list[bytes]:
    return [f"Nordlys ApS ansætter Mette Hansen fra 22-03-2023 til 32.500,00 kr. Nr. {i}.".encode() for i in range(n)]


class TaskEvents:
    """Celery task events as Flower receives them, counted per (event type, worker, task name)."""

    def __init__(self) -> None:
        from worker.celery_app import app

        self.app = app
        self.counts: Counter[tuple[str, str, str]] = Counter()
        self.names: dict[str, str] = {}
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._capture, daemon=True)

    def _on_event(self, event: dict) -> None:
        if event["type"] == "task-received":
            self.names[event["uuid"]] = event.get("name", "")
        name = self.names.get(event.get("uuid", ""), "")
        self.counts[(event["type"], event["hostname"].split("@")[0], name)] += 1

    def _capture(self) -> None:
        with self.app.connection() as connection:
            self._receiver = self.app.events.Receiver(connection, handlers={"*": self._on_event})
            self._ready.set()
            self._receiver.capture(limit=None, timeout=None, wakeup=False)

    def __enter__(self) -> TaskEvents:
        self._thread.start()
        self._ready.wait(10)
        time.sleep(0.5)  # the receiver's queue is bound
        return self

    def __exit__(self, *_: object) -> None:
        self._receiver.should_stop = True
        self._thread.join(timeout=5)


def wait_for(condition: Callable[[], object], what: str, log_dir: Path, timeout_s: float = 90.0) -> object:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}\n{logs(log_dir)}")


@pytest.fixture
def liveness_stack(clean_database, migrated_engine, tiny_model_dir: Path, tmp_path: Path) -> Iterator[dict]:
    port = free_port()
    env = {
        **os.environ,
        "CONTRACT_NER_MODEL": str(tiny_model_dir),
        "CONTRACT_NER_DATA_DIR": str(tmp_path / "data"),
        "CONTRACT_NER_AUTH_REQUIRED": "false",
        "CONTRACT_NER_LEASE_S": str(LEASE_S),
        "CONTRACT_NER_SWEEP_INTERVAL_S": "1",
        "CONTRACT_NER_LOG_FORMAT": "json",
    }
    # This ner worker buffers every message and never flushes on its own: it dies holding them all.
    hoarding = {**env, "CONTRACT_NER_NER_FLUSH_EVERY": "64", "CONTRACT_NER_NER_FLUSH_INTERVAL_S": "600"}
    commands = {
        "api": [*CLI[:2], "uvicorn", "api.app:app", "--host", "127.0.0.1", "--port", str(port)],
        "extract-worker": [*CLI, "worker", "--queues", "extract,webhooks,maintenance", "--concurrency", "2"],
        "beat": [*CLI, "beat"],
    }
    log_dir = tmp_path / "logs"
    with running(commands, env, log_dir) as processes:
        hoarder = subprocess.Popen(
            [*CLI, "worker", "--queues", "ner"], env=hoarding, cwd=REPO_ROOT, start_new_session=True,
            stdout=(log_dir / "ner-hoarding.log").open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        processes["ner-hoarding"] = hoarder
        base_url = f"http://127.0.0.1:{port}"
        wait_until_ready(base_url, log_dir)
        yield {"base_url": base_url, "env": env, "log_dir": log_dir, "processes": processes, "engine": migrated_engine}


def test_documents_a_killed_ner_worker_held_unclaimed_run_again_and_liveness_and_flower_see_it(
    liveness_stack: dict,
) -> None:
    stack, engine, log_dir = liveness_stack, liveness_stack["engine"], liveness_stack["log_dir"]
    hoarder = stack["processes"]["ner-hoarding"]
    holder = f"{socket.gethostname()}:{hoarder.pid}"  # `contract-ner worker` execs celery in place
    with httpx.Client(base_url=stack["base_url"], timeout=30) as client:
        ids = [
            client.post("/v1/documents", files={"file": (f"k{n}.txt", data)}).json()["id"]
            for n, data in enumerate(documents(HELD))
        ]

        def held_by_hoarder() -> bool:
            with Session(engine) as session:
                jobs = session.scalars(select(Job).where(Job.stage == "ner")).all()
                return len(jobs) == HELD and all(j.state is JobState.queued and j.held_by == holder for j in jobs)

        wait_for(held_by_hoarder, f"{HELD} ner jobs held (unclaimed) by the ner worker {holder}", log_dir)
        assert client.get("/readyz").json()["workers"]["ner"] == "1 alive"

        os.killpg(hoarder.pid, signal.SIGKILL)
        hoarder.wait()
        killed_at = time.monotonic()

        wait_for(
            lambda: client.get("/readyz").json()["workers"]["ner"].startswith("none alive"),
            "/readyz to report no live ner worker",
            log_dir,
        )

        with TaskEvents() as events:
            # A worker as Flower sees it (`-E`: task events on), with the usual flush settings.
            command = [*worker_command(get_settings(), ["ner"]), "-E"]
            stack["processes"]["ner"] = subprocess.Popen(
                command, env=stack["env"], cwd=REPO_ROOT, start_new_session=True,
                stdout=(log_dir / "ner.log").open("wb"), stderr=subprocess.STDOUT,
            )  # fmt: skip

            def all_done() -> bool:
                with engine.connect() as connection:
                    statuses = connection.execute(
                        text("SELECT status FROM documents WHERE id = ANY(CAST(:ids AS uuid[]))"), {"ids": ids}
                    ).scalars()
                    return sorted(statuses) == ["done"] * HELD

            # Without holds the messages stay in the dead worker's unacknowledged set for the broker's
            # visibility timeout (an hour) and the jobs look queued for `requeue_after_s` (30 minutes).
            wait_for(all_done, "every document the killed worker held to finish", log_dir, timeout_s=120)
            recovered_s = time.monotonic() - killed_at
            wait_for(
                lambda: events.counts[("task-succeeded", "ner", "contract_ner.recognize_entities")] >= HELD,
                "task events for every ner request",
                log_dir,
                timeout_s=20,
            )

    print(f"held documents finished {recovered_s:.1f}s after the kill (lease {LEASE_S}s)")
    assert events.counts[("task-received", "ner", "contract_ner.recognize_entities")] >= HELD
    assert events.counts[("task-started", "ner", "contract_ner.recognize_entities")] >= HELD
    hold_expired = (log_dir / "extract-worker.log").read_text().count('"event": "job.hold_expired"')
    assert hold_expired >= HELD
