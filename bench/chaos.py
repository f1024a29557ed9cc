"""Fault injection: submit N documents through the HTTP API while worker children, whole workers, Redis
and Postgres are killed or restarted, then check that every accepted document ended `done` or `failed`
with a reason, exactly once, and that no entity row was written twice. Loopback only, bounded in time.

    python -m bench.chaos --docs 1000 --child-kills 20 --worker-kills 3 --redis-restarts 1 \\
        --postgres-restarts 1 --database-url postgresql+psycopg://postgres@127.0.0.1:5432/chaos

Redis is a private `redis-server` on a free loopback port (no persistence, like production's), so
restarting it loses its queues without touching anyone else's Redis. Postgres restarts use
`pg_ctlcluster ... restart -m immediate` on the local cluster (crash-like: no checkpoint, every
connection dropped), so run those only where nothing else uses that cluster. The API, two extract
worker children, a ner worker and beat (the job sweeper's clock) run as real processes; worker logs are
JSON, and the script counts their events to tell re-executions after a fault (expected: a killed
attempt runs again) from duplicate completions (must be zero).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from bench.corpus import benchmark_documents

REPO_ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "cli.main"]
TRUNCATED_PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"


@dataclass
class ChaosPlan:
    docs: int = 100
    child_kills: int = 3
    worker_kills: int = 1
    redis_restarts: int = 1
    postgres_restarts: int = 0
    bad_share: float = 0.03  # truncated PDFs among the uploads: they must end failed, with a reason
    max_pages: int = 2
    extract_concurrency: int = 2
    lease_s: float = 6.0
    sweep_interval_s: float = 2.0
    timeout_s: float = 900.0
    seed: int = 7
    fault_start_s: float = 5.0  # after the stack is up: documents are in flight by then
    fault_gap_s: float = 4.0  # mean seconds between faults


@dataclass
class ChaosReport:
    submitted: int = 0
    accepted: int = 0
    done: int = 0
    done_exactly_once: int = 0
    failed: int = 0
    failed_reasons: Counter[str] = field(default_factory=Counter)
    failed_without_reason: int = 0
    lost: int = 0
    duplicated_entity_rows: int = 0
    duplicate_completions: int = 0
    re_executions: int = 0
    duplicates_skipped: int = 0
    fenced_writes: int = 0
    supervisor_restarts: list[str] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    latency_p50_s: float = 0.0
    latency_p99_s: float = 0.0
    recovery_s: float = 0.0
    elapsed_s: float = 0.0

    def lines(self) -> list[str]:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.failed_reasons.items())) or "none"
        return [
            f"faults injected: {len(self.faults)} ({', '.join(self.faults)})",
            f"submitted {self.submitted}, accepted {self.accepted}",
            f"done {self.done} (exactly once: {self.done_exactly_once}), failed {self.failed} ({reasons}), "
            f"failed without a reason {self.failed_without_reason}",
            f"lost {self.lost}, duplicated entity rows {self.duplicated_entity_rows}, "
            f"duplicate completions {self.duplicate_completions}",
            f"stage re-executions after faults {self.re_executions}, duplicate deliveries skipped "
            f"{self.duplicates_skipped}, stale writes fenced off {self.fenced_writes}",
            f"processes restarted by the supervisor after exiting on their own: "
            f"{', '.join(self.supervisor_restarts) or 'none'}",
            f"upload-to-final latency p50 {self.latency_p50_s:.1f}s, p99 {self.latency_p99_s:.1f}s; "
            f"recovery after the last fault {self.recovery_s:.1f}s; total {self.elapsed_s:.1f}s",
        ]

    @property
    def clean(self) -> bool:
        return (
            self.lost == 0
            and self.duplicated_entity_rows == 0
            and self.duplicate_completions == 0
            and self.failed_without_reason == 0
            and self.done + self.failed == self.accepted
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children_of(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class PrivateRedis:
    """A redis-server of our own on a loopback port, started and restarted like production's
    (no RDB, no AOF: a restart loses every queue)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        subprocess.run(
            ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir), "--pidfile", str(self.workdir / "redis.pid")],
            check=True, capture_output=True,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while (
            subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout.strip() != b"PONG"
        ):
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True)
        time.sleep(0.3)

    def restart(self) -> None:
        self.stop()
        time.sleep(1.0)
        self.start()


def restart_postgres() -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "immediate"],
        check=True, capture_output=True,
    )  # fmt: skip


class Stack:
    """API, extract worker, ner worker and beat as process groups; workers can be killed and restarted.

    Like compose's `restart: unless-stopped`, a supervisor thread restarts any process that exits on
    its own: a Celery worker whose pool child dies while it boots exits with status 1 by design, and
    production relies on its supervisor for that."""

    def __init__(
        self, env: dict[str, str], log_dir: Path, extract_concurrency: int, log: Callable[[str], None]
    ) -> None:
        self.env = env
        self.log_dir = log_dir
        self.log = log
        self.port = free_port()
        self.commands = {
            "api": [sys.executable, "-m", "uvicorn", "api.app:app", "--port", str(self.port), "--log-level", "warning"],
            "extract": [*CLI, "worker", "--queues", "extract,webhooks,maintenance", "--concurrency",
                        str(extract_concurrency)],
            "ner": [*CLI, "worker", "--queues", "ner"],
            "beat": [*CLI, "beat"],
        }  # fmt: skip
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.supervisor_restarts: list[str] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._supervisor = threading.Thread(target=self._supervise, name="chaos-supervisor", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_all(self) -> None:
        for name in self.commands:
            self.start(name)
        self._supervisor.start()

    def start(self, name: str) -> None:
        log = (self.log_dir / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            self.commands[name], env=self.env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def kill(self, name: str) -> None:
        """SIGKILL the whole process group and start it again (the fault, and the supervisor's answer)."""
        with self._lock:
            process = self.processes[name]
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            time.sleep(1.0)
            self.start(name)

    def _supervise(self) -> None:
        while not self._stopping.wait(0.5):
            with self._lock:
                for name, process in list(self.processes.items()):
                    code = process.poll()
                    if code is not None and not self._stopping.is_set():
                        self.log(f"  supervisor: {name} exited with status {code}; restarting it")
                        self.supervisor_restarts.append(f"{name} (status {code})")
                        self.start(name)

    def worker_children(self) -> list[int]:
        extract = self.processes["extract"]
        # `contract-ner worker` execs celery, so the group leader is the worker's main process.
        return children_of(extract.pid)

    def stop_all(self) -> None:
        self._stopping.set()
        with self._lock:
            processes = list(self.processes.values())
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _documents(plan: ChaosPlan, run: str) -> list[tuple[str, bytes]]:
    rng = random.Random(plan.seed)
    texts = benchmark_documents(plan.docs, seed=plan.seed, max_pages=plan.max_pages)
    files = []
    for n, body in enumerate(texts):
        if rng.random() < plan.bad_share:
            files.append((f"bad-{n}.pdf", TRUNCATED_PDF + f"{run}-{n}".encode()))
        else:
            files.append((f"c{n}.txt", f"{body}\n\nChaos {run}-{n}".encode()))
    return files


def _fault_schedule(plan: ChaosPlan, rng: random.Random) -> list[str]:
    faults = (
        ["child_kill"] * plan.child_kills
        + ["worker_kill"] * plan.worker_kills
        + ["redis_restart"] * plan.redis_restarts
        + ["postgres_restart"] * plan.postgres_restarts
    )
    rng.shuffle(faults)
    return faults


def _count_events(log_dir: Path) -> Counter[tuple[str, str, str]]:
    """(event, document_id, stage) -> occurrences, from the workers' JSON logs."""
    events: Counter[tuple[str, str, str]] = Counter()
    for path in log_dir.glob("*.log"):
        for line in path.read_text(errors="replace").splitlines():
            if not line.startswith("{"):
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            events[(record.get("event", ""), str(record.get("document_id", "")), str(record.get("stage", "")))] += 1
    return events


def run_chaos(plan: ChaosPlan, model: Path, database_url: str, log: Callable[[str], None] = print) -> ChaosReport:
    run = uuid.uuid4().hex[:8]
    rng = random.Random(plan.seed)
    workdir = Path(tempfile.mkdtemp(prefix=f"contract-ner-chaos-{run}-"))
    redis = PrivateRedis(workdir)
    redis.start()
    env = {
        **os.environ,
        "CONTRACT_NER_DATABASE_URL": database_url,
        "CONTRACT_NER_BROKER_URL": redis.url,
        "CONTRACT_NER_MODEL": str(model),
        "CONTRACT_NER_QUEUE_PREFIX": f"chaos-{run}-",
        "CONTRACT_NER_DATA_DIR": str(workdir),
        "CONTRACT_NER_LOG_FORMAT": "json",
        "CONTRACT_NER_LEASE_S": str(plan.lease_s),
        "CONTRACT_NER_SWEEP_INTERVAL_S": str(plan.sweep_interval_s),
        "CONTRACT_NER_UNPUBLISHED_GRACE_S": "3",
        "CONTRACT_NER_AUTH_REQUIRED": "false",
        "CONTRACT_NER_MAX_ATTEMPTS": "5",
    }
    subprocess.run([*CLI, "migrate"], env=env, check=True, capture_output=True, cwd=REPO_ROOT)
    stack = Stack(env, workdir, plan.extract_concurrency, log)
    report = ChaosReport()
    files = _documents(plan, run)
    report.submitted = len(files)
    faults = _fault_schedule(plan, rng)
    log(f"chaos run {run}: {len(files)} documents, faults {dict(Counter(faults))}, logs in {workdir}")
    accepted: dict[str, str] = {}
    fault_times: list[float] = []
    started = time.monotonic()
    try:
        stack.start_all()
        _wait_ready(stack.base_url, started + 120)
        uploads_done = threading.Event()

        def upload(item: tuple[str, bytes]) -> None:
            filename, data = item
            # The API or Postgres may be restarting: retry; dedup by content makes a retry safe.
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    response = httpx.post(
                        f"{stack.base_url}/v1/documents", files={"file": (filename, data)}, timeout=30
                    )
                except httpx.HTTPError:
                    time.sleep(0.5)
                    continue
                if response.status_code in (200, 202):
                    accepted[filename] = response.json()["id"]
                    return
                if response.status_code < 500:
                    return  # refused (4xx): not accepted, nothing to track
                time.sleep(0.5)

        def submit_all() -> None:
            with ThreadPoolExecutor(max_workers=4) as pool:
                list(pool.map(upload, files))
            uploads_done.set()

        submitter = threading.Thread(target=submit_all, daemon=True)
        submitter.start()
        engine = create_engine(database_url, pool_pre_ping=True)
        # Faults are spread over the time documents are in flight, a few seconds apart.
        time.sleep(plan.fault_start_s)
        for fault in faults:
            time.sleep(rng.uniform(plan.fault_gap_s / 2, plan.fault_gap_s * 1.5))
            report.faults.append(_inject(fault, stack, redis, rng, log))
            fault_times.append(time.monotonic())
        submitter.join(timeout=plan.timeout_s)
        report.accepted = len(accepted)
        last_fault = fault_times[-1] if fault_times else started
        ids = list(accepted.values())
        while time.monotonic() - started < plan.timeout_s:
            try:
                pending = _pending(engine, ids)
            except Exception:  # Postgres may still be coming back
                time.sleep(1)
                continue
            if pending == 0:
                break
            time.sleep(1)
        report.recovery_s = time.monotonic() - last_fault
        report.elapsed_s = time.monotonic() - started
        time.sleep(2)  # let duplicate deliveries still in flight show in the logs
        _measure(engine, ids, report, _count_events(workdir))
    finally:
        stack.stop_all()
        redis.stop()
        report.supervisor_restarts = list(stack.supervisor_restarts)
    return report


def _wait_ready(base_url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                time.sleep(2)  # workers connect
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the API did not become ready")


def _inject(fault: str, stack: Stack, redis: PrivateRedis, rng: random.Random, log: Callable[[str], None]) -> str:
    """Inject one fault; returns the one injected (a child kill becomes a worker kill when no pool
    child came up within a minute)."""
    if fault == "child_kill":
        # A worker restarted by an earlier fault may still be booting: wait for its pool.
        deadline = time.monotonic() + 60
        while not (children := stack.worker_children()) and time.monotonic() < deadline:
            time.sleep(0.5)
        if children:
            victim = rng.choice(children)
            os.kill(victim, signal.SIGKILL)
            log(f"  SIGKILL extract worker child {victim}")
            return fault
        fault = "worker_kill"
    if fault == "worker_kill":
        name = rng.choice(["extract", "ner"])
        log(f"  SIGKILL whole {name} worker")
        stack.kill(name)
    elif fault == "redis_restart":
        log("  restarting Redis (queues lost)")
        redis.restart()
    elif fault == "postgres_restart":
        log("  restarting Postgres -m immediate")
        restart_postgres()
    return fault


def _pending(engine: object, ids: list[str]) -> int:
    with engine.connect() as connection:  # type: ignore[attr-defined]
        return int(
            connection.execute(
                text("SELECT count(*) FROM documents WHERE id = ANY(:ids) AND status NOT IN ('done', 'failed')"),
                {"ids": [uuid.UUID(i) for i in ids]},
            ).scalar_one()
        )


def _measure(engine: object, ids: list[str], report: ChaosReport, events: Counter[tuple[str, str, str]]) -> None:
    uuids = [uuid.UUID(i) for i in ids]
    with engine.connect() as connection:  # type: ignore[attr-defined]
        rows = connection.execute(
            text(
                "SELECT id, status, error_code, extract(epoch FROM finished_at - created_at) FROM documents "
                "WHERE id = ANY(:ids)"
            ),
            {"ids": uuids},
        ).all()
        report.duplicated_entity_rows = int(
            connection.execute(
                text(
                    "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM entities "
                    "WHERE document_id = ANY(:ids) GROUP BY document_id, label, start_char, end_char "
                    "HAVING count(*) > 1) d"
                ),
                {"ids": uuids},
            ).scalar_one()
        )
    found = {str(row[0]) for row in rows}
    report.lost = len(set(ids) - found) + sum(1 for row in rows if row[1] not in ("done", "failed"))
    latencies = sorted(float(row[3]) for row in rows if row[3] is not None)
    for _, status, code, _ in rows:
        if status == "done":
            report.done += 1
        elif status == "failed":
            report.failed += 1
            report.failed_reasons[code or "?"] += 1
            report.failed_without_reason += code is None
    completions = Counter(doc for (event, doc, _), n in events.items() if event == "document.done" for _ in range(n))
    done_ids = {str(row[0]) for row in rows if row[1] == "done"}
    report.done_exactly_once = sum(1 for doc in done_ids if completions.get(doc) == 1)
    report.duplicate_completions = sum(n - 1 for doc, n in completions.items() if doc in found and n > 1)
    claims = Counter(
        (doc, stage) for (event, doc, stage), n in events.items() if event == "job.claimed" for _ in range(n)
    )
    report.re_executions = sum(n - 1 for n in claims.values() if n > 1)
    report.duplicates_skipped = sum(n for (event, _, _), n in events.items() if event == "job.claim_skipped")
    report.fenced_writes = sum(n for (event, _, _), n in events.items() if event == "job.lease_lost")
    if latencies:
        report.latency_p50_s = latencies[len(latencies) // 2]
        report.latency_p99_s = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100)
    parser.add_argument("--child-kills", type=int, default=3)
    parser.add_argument("--worker-kills", type=int, default=1)
    parser.add_argument("--redis-restarts", type=int, default=1)
    parser.add_argument("--postgres-restarts", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--fault-gap", type=float, default=4.0, help="mean seconds between faults")
    parser.add_argument("--model", type=Path, default=REPO_ROOT / "training" / "default-model")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("CONTRACT_NER_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args()
    plan = ChaosPlan(
        docs=args.docs,
        child_kills=args.child_kills,
        worker_kills=args.worker_kills,
        redis_restarts=args.redis_restarts,
        postgres_restarts=args.postgres_restarts,
        timeout_s=args.timeout,
        fault_gap_s=args.fault_gap,
    )
    report = run_chaos(plan, args.model, args.database_url)
    for line in report.lines():
        print(line)
    print(
        "RESULT:", "clean (0 lost, 0 duplicated, every document final with a reason)" if report.clean else "NOT CLEAN"
    )
    raise SystemExit(0 if report.clean else 1)


if __name__ == "__main__":
    main()
