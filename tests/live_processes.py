"""Starting the real API and Celery worker processes for end-to-end tests, as compose would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

CLI = [sys.executable, "-m", "cli.main"]
REPO_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(
    commands: Mapping[str, list[str]], env: Mapping[str, str], log_dir: Path
) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    """Start each command with its output in log_dir/<name>.log; stop them all afterwards. Yields the
    processes by name."""
    log_dir.mkdir(parents=True, exist_ok=True)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, command in commands.items():
            log = (log_dir / f"{name}.log").open("wb")
            processes[name] = subprocess.Popen(
                command, env=dict(env), cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        yield processes
    finally:
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def logs(log_dir: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(log_dir.glob("*.log")))


def wait_until_ready(base_url: str, log_dir: Path, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"the API did not become ready\n{logs(log_dir)}")


def wait_for_final_status(client: httpx.Client, document_id: str, log_dir: Path, timeout_s: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        document = client.get(f"/v1/documents/{document_id}").json()
        if document["status"] in ("done", "failed"):
            return document
        time.sleep(0.25)
    raise AssertionError(f"document {document_id} did not finish: {document}\n{logs(log_dir)}")


@contextmanager
def live_stack(
    model_dir: Path,
    log_dir: Path,
    name: str,
    extract_concurrency: int = 2,
    ocr_concurrency: int = 1,
    env_overrides: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """The distributed deployment as compose runs it: API, extract, ocr and ner worker processes
    against the test Postgres and Redis (queues prefixed by `name`). Yields the API's base URL."""
    port = free_port()
    env = {
        **os.environ,
        "CONTRACT_NER_MODEL": str(model_dir),
        "CONTRACT_NER_QUEUE_PREFIX": f"{name}-{port}-",
        **(env_overrides or {}),
    }
    commands = {
        "api": [*CLI[:2], "uvicorn", "api.app:app", "--host", "127.0.0.1", "--port", str(port)],
        "extract-worker": [*CLI, "worker", "--queues", "extract", "--concurrency", str(extract_concurrency)],
        "ocr-worker": [*CLI, "worker", "--queues", "ocr", "--concurrency", str(ocr_concurrency)],
        "ner-worker": [*CLI, "worker", "--queues", "ner"],
    }
    base_url = f"http://127.0.0.1:{port}"
    with running(commands, env, log_dir):
        wait_until_ready(base_url, log_dir)
        yield base_url
