"""Fault injection: submit N documents through the HTTP API while worker children, whole workers, Redis
and Postgres are killed or restarted and workers are paused past their leases, then check that every
accepted document ended `done` or `failed` with a reason, exactly once, and that no entity row was
written twice. Loopback only, bounded in time.

    python -m bench.chaos --docs 1000 --child-kills 12 --worker-kills 20 --ner-prefetch-kills 2 \\
        --worker-pauses 2 --redis-restarts 1 --postgres-restarts 1 --min-hits-per-stage 10 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/chaos

Faults are aimed, not thrown at random moments: each waits until its target holds work (a pool child
running an extraction, a worker with claimed or received jobs, the ner worker with at least
`--prefetch-target` documents received but not claimed, in its batch buffer), and the report says per
fault how many jobs the process held when it died, read from `jobs.held_by` right after the kill (a
dead process changes nothing, so that count is exact). A run counts only when kills hit in-progress
work of every stage. Worker kills alternate between the extract and the ner worker; a child kill and
the first worker kill open the run, while extraction (the quick stage) still has a backlog. After each
kill the processes' logs say, after the run, when the jobs it hit were back in play (requeued by the
sweeper, their message restored, or taken by another process) and running again; a ner prefetch kill
recovers when every document it held is back in the queue within two lease periods. A pause (SIGSTOP
past the lease, then SIGCONT) lets the paused attempt finish after its job was requeued and re-run: its
late write must be fenced off (`job.lease_lost`).

Redis is a private `redis-server` on a free loopback port (no persistence, like production's), so
restarting it loses its queues without touching anyone else's Redis. Postgres restarts use
`pg_ctlcluster ... restart -m immediate` on the local cluster (crash-like: no checkpoint, every
connection dropped), so run those only where nothing else uses that cluster. The API, two extract
worker children, two ner workers (as with one per GPU: the jobs a killed one held can run on the other
while it restarts) and beat (the job sweeper's clock) run as real processes; every process
writes its JSON log to a file of its own (`CONTRACT_NER_LOG_DIR`), and the script counts their events
to tell re-executions after a fault (expected: a killed attempt runs again) from duplicate completions
(must be zero). The lease, sweep, attempt and grace settings are shortened so that a run takes minutes;
the report prints them beside production's.
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from bench.corpus import benchmark_documents
from models.settings import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "cli.main"]
TRUNCATED_PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
HOST = socket.gethostname()
KILLS = ("child_kill", "worker_kill", "ner_prefetch_kill")


@dataclass
class ChaosPlan:
    docs: int = 100
    child_kills: int = 3
    worker_kills: int = 2  # alternating: the extract worker first (while it has a backlog), then ner
    ner_prefetch_kills: int = 1  # the ner worker killed while it holds >= prefetch_target unclaimed documents
    worker_pauses: int = 0  # alternating: the ner worker, an extract child; SIGSTOP past the lease, then SIGCONT
    redis_restarts: int = 1
    postgres_restarts: int = 0
    bad_share: float = 0.03  # truncated PDFs among the uploads: they must end failed, with a reason
    scans: int = 0  # image-only PDFs among the uploads (one page each): they go through the ocr stage
    max_pages: int = 2
    extract_concurrency: int = 2
    ner_workers: int = 2
    # Production's 60 s shortened so a run takes minutes, yet long enough that a heartbeat delayed by
    # a loaded machine (2 shared cores) does not lose its lease; two leases bound a prefetch kill's recovery.
    lease_s: float = 10.0
    sweep_interval_s: float = 2.0
    unpublished_grace_s: float = 3.0
    max_attempts: int = 5
    # Long enough that the ner worker's batch buffer fills with received, unclaimed documents (the state
    # the prefetch kill needs); production flushes after 0.25 s or ner_flush_every documents.
    ner_flush_interval_s: float = 2.0
    prefetch_target: int = 10
    min_hits_per_stage: int = 1  # kills that must hit in-progress work of each stage for the run to count
    aim_timeout_s: float = 120.0
    timeout_s: float = 900.0
    seed: int = 7
    fault_gap_s: float = 2.0  # mean seconds between faults (after aiming)

    def settings(self) -> dict[str, str]:
        return {
            "CONTRACT_NER_LEASE_S": str(self.lease_s),
            "CONTRACT_NER_SWEEP_INTERVAL_S": str(self.sweep_interval_s),
            "CONTRACT_NER_UNPUBLISHED_GRACE_S": str(self.unpublished_grace_s),
            "CONTRACT_NER_MAX_ATTEMPTS": str(self.max_attempts),
            "CONTRACT_NER_NER_FLUSH_INTERVAL_S": str(self.ner_flush_interval_s),
        }


def settings_beside_production(plan: ChaosPlan) -> str:
    production = {name: info.default for name, info in Settings.model_fields.items()}
    ours = {
        "lease_s": plan.lease_s,
        "sweep_interval_s": plan.sweep_interval_s,
        "max_attempts": plan.max_attempts,
        "unpublished_grace_s": plan.unpublished_grace_s,
        "requeue_after_s": production["requeue_after_s"],
        "ner_flush_interval_s": plan.ner_flush_interval_s,
    }
    return "settings (this run / production): " + ", ".join(
        f"{name} {value:g} / {production[name]:g}" for name, value in ours.items()
    )


@dataclass
class Fault:
    kind: str
    target: str = ""
    stage: str | None = None  # the stage whose worker it hit
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    aimed_s: float = 0.0  # seconds waited for the target to hold work
    claimed: int = 0  # jobs the process was running (claimed) when it died or stopped
    held: int = 0  # jobs whose message it had received but not claimed yet
    jobs: dict[int, str] = field(default_factory=dict)  # job id -> document id
    job_stages: dict[int, str] = field(default_factory=dict)  # job id -> its stage
    holders: set[str] = field(default_factory=set)  # `jobs.held_by` of the processes hit
    # From the processes' logs after the run (`_recovery_times`): until every hit job was out of the dead
    # process's hands (requeued by the sweeper, its message restored, or claimed elsewhere), and until
    # every one was claimed again (or its document had ended).
    back_in_play_s: float | None = None
    running_again_s: float | None = None
    recovery_read: bool = False  # the logs were read (after the run); until then nothing to say
    fenced: int = 0  # late writes of the paused process that were refused

    @property
    def hit(self) -> bool:
        return self.claimed + self.held > 0

    def line(self) -> str:
        where = f" {self.target}" if self.target else ""
        parts = [f"{self.kind}{where}: {self.claimed} claimed + {self.held} held (aimed {self.aimed_s:.1f}s)"]
        if self.jobs and self.kind != "worker_pause" and self.recovery_read:
            back = f"{self.back_in_play_s:.1f}s" if self.back_in_play_s is not None else "never"
            again = f"{self.running_again_s:.1f}s" if self.running_again_s is not None else "never"
            parts.append(f"requeued within {back}, running again within {again}")
        if self.kind == "worker_pause":
            parts.append(f"late writes fenced off {self.fenced}")
        return "; ".join(parts)


@dataclass
class ChaosReport:
    plan: ChaosPlan = field(default_factory=ChaosPlan)
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
    holds_expired: int = 0
    messages_restored: int = 0  # received, never held, their consumer dead: back in their queues
    supervisor_restarts: list[str] = field(default_factory=list)
    fault_log: list[Fault] = field(default_factory=list)
    latency_p50_s: float = 0.0
    latency_p99_s: float = 0.0
    recovery_s: float = 0.0
    elapsed_s: float = 0.0

    @property
    def faults(self) -> list[str]:
        return [fault.kind for fault in self.fault_log]

    @property
    def kills_hitting_work(self) -> Counter[str]:
        """Per stage, the kills that hit a process holding jobs of that stage."""
        return Counter(f.stage for f in self.fault_log if f.kind in KILLS and f.hit and f.stage)

    @property
    def prefetch_kills(self) -> list[Fault]:
        return [f for f in self.fault_log if f.kind == "ner_prefetch_kill"]

    @property
    def prefetch_recovered(self) -> bool:
        """Every ner prefetch kill hit at least `prefetch_target` unclaimed documents, and all the
        documents it hit were back in the queue, for any live worker, within two lease periods (when one
        runs them also depends on a ner worker being free: the report prints that too)."""
        bound = 2 * self.plan.lease_s
        return all(
            f.held >= self.plan.prefetch_target and f.back_in_play_s is not None and f.back_in_play_s <= bound
            for f in self.prefetch_kills
        )

    @property
    def counts(self) -> bool:
        """The faults hit work: kills hit in-progress work of every stage, prefetch kills recovered in time."""
        hits = self.kills_hitting_work
        return all(hits[stage] >= self.plan.min_hits_per_stage for stage in ("extract", "ner")) and (
            self.prefetch_recovered
        )

    def lines(self) -> list[str]:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.failed_reasons.items())) or "none"
        hits = self.kills_hitting_work
        kills = sum(1 for f in self.fault_log if f.kind in KILLS)
        pauses = [f for f in self.fault_log if f.kind == "worker_pause"]
        return [
            settings_beside_production(self.plan),
            f"faults injected: {len(self.fault_log)} "
            f"({', '.join(f'{kind} {n}' for kind, n in Counter(self.faults).items())})",
            *(f"  {n + 1:>2}. {fault.line()}" for n, fault in enumerate(self.fault_log)),
            f"kills that hit in-progress work: {sum(hits.values())} of {kills} (extract {hits['extract']}, "
            f"ner {hits['ner']}, ocr {hits['ocr']}; at least {self.plan.min_hits_per_stage} each of extract and ner "
            "needed)",
            *(
                f"ner prefetch kill: {f.held} documents held unclaimed + {f.claimed} claimed, back in the queue "
                f"within {f.back_in_play_s if f.back_in_play_s is not None else float('nan'):.1f}s "
                f"(bound: 2 leases = {2 * self.plan.lease_s:g}s), running again within "
                f"{f.running_again_s if f.running_again_s is not None else float('nan'):.1f}s"
                for f in self.prefetch_kills
            ),
            f"submitted {self.submitted}, accepted {self.accepted}",
            f"done {self.done} (exactly once: {self.done_exactly_once}), failed {self.failed} ({reasons}), "
            f"failed without a reason {self.failed_without_reason}",
            f"lost {self.lost}, duplicated entity rows {self.duplicated_entity_rows}, "
            f"duplicate completions {self.duplicate_completions}",
            f"stage re-executions after faults {self.re_executions}, duplicate deliveries skipped "
            f"{self.duplicates_skipped}, stale writes fenced off {self.fenced_writes} "
            f"(by paused attempts: {sum(f.fenced for f in pauses)}), holds of dead workers requeued "
            f"{self.holds_expired}, stranded unheld messages restored {self.messages_restored}",
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


def holder(pid: int) -> str:
    """A process as `jobs.held_by` names it (`models.worker_liveness.process_holder`)."""
    return f"{HOST}:{pid}"


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


def ner_worker_command(env: dict[str, str], name: str) -> list[str]:
    """`contract-ner worker --queues ner` under another Celery node name (two on one host must differ)."""
    from cli.processes import worker_command

    command = worker_command(Settings(queue_prefix=env["CONTRACT_NER_QUEUE_PREFIX"]), ["ner"])
    command[command.index("-n") + 1] = f"{name}@%h"
    return command


class Stack:
    """API, extract, ner and maintenance workers and beat as process groups; workers can be killed and
    restarted.

    Like compose's `restart: unless-stopped`, a supervisor thread restarts any process that exits on
    its own: a Celery worker whose pool child dies while it boots exits with status 1 by design, and
    production relies on its supervisor for that."""

    def __init__(
        self, env: dict[str, str], log_dir: Path, extract_concurrency: int, ner_workers: int, log: Callable[[str], None]
    ) -> None:
        self.env = env
        self.log_dir = log_dir
        self.log = log
        self.port = free_port()
        self.commands = {
            "api": [sys.executable, "-m", "uvicorn", "api.app:app", "--port", str(self.port), "--log-level", "warning"],
            "extract": [*CLI, "worker", "--queues", "extract,ocr,webhooks", "--concurrency",
                        str(extract_concurrency)],
            # The sweeper on a worker of its own, as in compose: never queued behind extractions.
            "maintenance": [*CLI, "worker", "--queues", "maintenance", "--concurrency", "1"],
            "ner": [*CLI, "worker", "--queues", "ner"],
            # More ner workers, as with one per GPU: the jobs a killed one held are run by another.
            **{f"ner-{n}": ner_worker_command(env, f"ner-{n}") for n in range(2, ner_workers + 1)},
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
        # What a process prints outside its structured log (tracebacks, uvicorn): one file per service.
        out = (self.log_dir / f"{name}.out").open("ab")
        self.processes[name] = subprocess.Popen(
            self.commands[name], env=self.env, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def pids(self, name: str) -> list[int]:
        """The service's main process (`contract-ner worker` execs celery in place) and its children."""
        main = self.processes[name].pid
        return [main, *children_of(main)]

    @contextlib.contextmanager
    def killed(self, name: str) -> Any:
        """SIGKILL the whole process group; the block runs while it is dead, then it starts again
        (the fault, and the supervisor's answer)."""
        with self._lock:
            process = self.processes[name]
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            try:
                yield
            finally:
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

    @property
    def ner_names(self) -> list[str]:
        return [name for name in self.commands if name.startswith("ner")]

    def worker_children(self) -> list[int]:
        return children_of(self.processes["extract"].pid)

    def stop_all(self) -> None:
        self._stopping.set()
        with self._lock:
            processes = list(self.processes.values())
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGCONT)  # a paused one must be able to stop
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


class JobsInHand:
    """What processes hold, read from `jobs.held_by`: running jobs they claimed and queued jobs whose
    message they received (a live hold)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def of(self, holders: set[str]) -> list[tuple[int, str, str, str, str]]:
        """(job id, document id, stage, state, holder) of every job in the hands of `holders`."""
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(
                    text(
                        "SELECT id, document_id::text, stage, state, held_by FROM jobs WHERE held_by = ANY(:holders) "
                        "AND (state = 'running' OR (state = 'queued' AND held_until > now()))"
                    ),
                    {"holders": sorted(holders)},
                ).all()
        except Exception:  # Postgres restarting
            return []
        return [(int(r[0]), r[1], r[2], r[3], r[4]) for r in rows]

    def sweeper_alive(self, lease_s: float) -> bool:
        """A worker of the maintenance queue (where beat sends the sweeps) beat within a lease."""
        try:
            with self.engine.connect() as connection:
                return bool(
                    connection.execute(
                        text(
                            "SELECT count(*) FROM worker_heartbeats WHERE queue = 'maintenance' "
                            "AND last_seen_at > now() - make_interval(secs => :lease)"
                        ),
                        {"lease": lease_s},
                    ).scalar_one()
                )
        except Exception:
            return False

    def anywhere(self) -> tuple[int, int]:
        """(running, held) jobs over all processes."""
        try:
            with self.engine.connect() as connection:
                running, held = connection.execute(
                    text(
                        "SELECT count(*) FILTER (WHERE state = 'running'), "
                        "count(*) FILTER (WHERE state = 'queued' AND held_until > now()) FROM jobs"
                    )
                ).one()
        except Exception:
            return 0, 0
        return int(running), int(held)

    def states(self, job_ids: list[int]) -> dict[int, tuple[str, str | None]]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, state, held_by FROM jobs WHERE id = ANY(:ids)"), {"ids": job_ids}
            ).all()
        return {int(r[0]): (r[1], r[2]) for r in rows}


# Set by the run: True once every document was uploaded and is final (nothing left to aim at).
drained: Callable[[], bool] = lambda: False  # noqa: E731


def aim(condition: Callable[[], Any], timeout_s: float) -> tuple[Any, float]:
    """Poll `condition` until it returns something truthy: (that, seconds waited); (None, waited) on
    timeout or when no work is left."""
    started = time.monotonic()
    checked = started
    while time.monotonic() - started < timeout_s:
        found = condition()
        if found:
            return found, time.monotonic() - started
        if time.monotonic() - checked > 2:
            checked = time.monotonic()
            if drained():
                break
        time.sleep(0.02)
    return None, time.monotonic() - started


def record_hit(fault: Fault, rows: list[tuple[int, str, str, str, str]]) -> None:
    for job_id, document_id, stage, state, held_by in rows:
        fault.jobs[job_id] = document_id
        fault.job_stages[job_id] = stage
        fault.holders.add(held_by)
        fault.stage = fault.stage or stage
        if state == "running":
            fault.claimed += 1
        else:
            fault.held += 1


class Injector:
    """Aims and injects faults; keeps a `Fault` record of each."""

    def __init__(
        self, plan: ChaosPlan, stack: Stack, redis: PrivateRedis, hand: JobsInHand, log: Callable[[str], None]
    ) -> None:
        self.plan = plan
        self.stack = stack
        self.redis = redis
        self.hand = hand
        self.log = log
        self.worker_kills = 0
        self.pauses = 0
        # A killed child stays in its parent's list (a zombie) until reaped, and its job keeps naming it
        # until the sweeper requeues it: never aim at it twice.
        self.killed_children: set[int] = set()

    def inject(self, kind: str) -> Fault:
        fault = getattr(self, kind)()
        self.log(f"  {fault.line()}")
        return fault

    def child_kill(self) -> Fault:
        """An extract pool child that is running an extraction."""

        def busy_child() -> int | None:
            children = {holder(pid): pid for pid in self.stack.worker_children() if pid not in self.killed_children}
            claimed = [row for row in self.hand.of(set(children)) if row[3] == "running"]
            return children[claimed[0][4]] if claimed else None

        victim, waited = aim(busy_child, self.plan.aim_timeout_s)
        if victim is None:
            return self._missed("child_kill", "extract child", waited)
        fault = Fault("child_kill", f"extract child {victim}", stage="extract", aimed_s=waited)
        self.killed_children.add(victim)
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)
        fault.at = datetime.now(UTC)
        time.sleep(0.05)
        record_hit(fault, self.hand.of({holder(victim)}))
        return fault

    def worker_kill(self) -> Fault:
        names = (["extract"], self.stack.ner_names)[self.worker_kills % 2]
        self.worker_kills += 1
        target, waited = aim(lambda: self._holding(names, 1, "running", "queued"), self.plan.aim_timeout_s)
        if target is None:
            return self._missed("worker_kill", names[0], waited)
        return self._worker_kill(target, waited)

    def _missed(self, kind: str, name: str, waited: float) -> Fault:
        # Killing a process that holds nothing (one still booting after an earlier fault) proves
        # nothing and only slows the run down: recorded as a miss, not injected.
        stage = "ner" if name.startswith("ner") else "extract"
        return Fault(kind, f"{name}: held no work within {waited:.0f}s, not injected", stage=stage, aimed_s=waited)

    def _holding(self, names: list[str], at_least: int, *states: str) -> str | None:
        """The first of the services whose processes hold `at_least` jobs in one of `states`."""
        for name in names:
            rows = self.hand.of({holder(pid) for pid in self.stack.pids(name)})
            if sum(1 for row in rows if row[3] in states) >= at_least:
                return name
        return None

    def _worker_kill(self, name: str, waited: float, kind: str = "worker_kill") -> Fault:
        stage = "ner" if name.startswith("ner") else "extract"
        fault = Fault(kind, f"{name} worker {self.stack.processes[name].pid}", stage=stage, aimed_s=waited)
        held_by = {holder(pid) for pid in self.stack.pids(name)}
        with self.stack.killed(name):
            fault.at = datetime.now(UTC)
            record_hit(fault, self.hand.of(held_by))
        fault.stage = stage
        return fault

    def ner_prefetch_kill(self) -> Fault:
        """The ner worker while at least `prefetch_target` documents wait unclaimed in its batch buffer."""

        names = self.stack.ner_names

        def buffering() -> str | None:
            # Recovery runs through the sweeper, on the extract worker: not while an earlier fault has it down.
            if not self.hand.sweeper_alive(self.plan.lease_s):
                return None
            return self._holding(names, self.plan.prefetch_target, "queued")

        target, waited = aim(buffering, self.plan.aim_timeout_s)
        if target is None:
            return self._missed("ner_prefetch_kill", names[0], waited)
        return self._worker_kill(target, waited, kind="ner_prefetch_kill")

    def worker_pause(self) -> Fault:
        """SIGSTOP a process running a claimed job for longer than its lease, then SIGCONT: its job is
        requeued and run again meanwhile, and its late write must be fenced off."""
        on_ner = self.pauses % 2 == 0
        self.pauses += 1

        def candidates() -> list[int]:
            if on_ner:
                return [self.stack.processes[name].pid for name in self.stack.ner_names]
            return self.stack.worker_children()

        def busy() -> int | None:
            pids = {holder(pid): pid for pid in candidates()}
            claimed = [row for row in self.hand.of(set(pids)) if row[3] == "running"]
            return pids[claimed[0][4]] if claimed else None

        victim, waited = aim(busy, self.plan.aim_timeout_s)
        stage = "ner" if on_ner else "extract"
        if victim is None:
            return Fault("worker_pause", f"{stage}: nothing running", stage=stage, aimed_s=waited)
        fault = Fault("worker_pause", f"{stage} process {victim}", stage=stage, aimed_s=waited)
        os.kill(victim, signal.SIGSTOP)
        record_hit(fault, [row for row in self.hand.of({holder(victim)}) if row[3] == "running"])
        time.sleep(self.plan.lease_s + 2 * self.plan.sweep_interval_s + 2)
        os.kill(victim, signal.SIGCONT)
        fault.target += f" (paused {self.plan.lease_s + 2 * self.plan.sweep_interval_s + 2:g}s)"
        return fault

    def redis_restart(self) -> Fault:
        _, waited = aim(lambda: sum(self.hand.anywhere()), self.plan.aim_timeout_s)
        running, held = self.hand.anywhere()
        self.redis.restart()
        return Fault("redis_restart", "queues lost", aimed_s=waited, claimed=running, held=held)

    def postgres_restart(self) -> Fault:
        _, waited = aim(lambda: self.hand.anywhere()[0], self.plan.aim_timeout_s)
        running, held = self.hand.anywhere()
        restart_postgres()
        return Fault("postgres_restart", "-m immediate", aimed_s=waited, claimed=running, held=held)


def _documents(plan: ChaosPlan, run: str) -> list[tuple[str, bytes]]:
    rng = random.Random(plan.seed)
    texts = benchmark_documents(plan.docs, seed=plan.seed, max_pages=plan.max_pages)
    files = []
    for n, body in enumerate(texts):
        if rng.random() < plan.bad_share:
            files.append((f"bad-{n}.pdf", TRUNCATED_PDF + f"{run}-{n}".encode()))
        else:
            files.append((f"c{n}.txt", f"{body}\n\nChaos {run}-{n}".encode()))
    # Scans replace text documents spread over the run, so the ocr stage works while faults land.
    for n in range(min(plan.scans, len(files))):
        position = (n * len(files)) // max(1, plan.scans)
        files[position] = (f"scan-{position}.pdf", _scanned_contract(texts[position], f"{run}-{position}", rng))
    return files


def _scanned_contract(body: str, marker: str, rng: random.Random) -> bytes:
    """The document's first page printed and scanned: an image-only PDF (no text layer) for the ocr stage."""
    from bench.extract_throughput import contract_pdf
    from bench.scanned_devset import image_pdf, render_pages, scan_page

    first_page = render_pages(contract_pdf(f"{body[:1500]}\n\nChaos {marker}"))[0]
    return image_pdf([scan_page(first_page, rng).image])


def _fault_schedule(plan: ChaosPlan, rng: random.Random) -> list[str]:
    # Extraction is the quick stage: on a fast machine its backlog is gone long before ner's, so one
    # child kill and the first worker kill (aimed at the extract worker) open the run while it still
    # holds work; the rest are shuffled.
    opening = ["child_kill"] * min(1, plan.child_kills) + ["worker_kill"] * min(1, plan.worker_kills)
    faults = (
        ["child_kill"] * (plan.child_kills - opening.count("child_kill"))
        + ["worker_kill"] * (plan.worker_kills - opening.count("worker_kill"))
        + ["worker_pause"] * plan.worker_pauses
        + ["redis_restart"] * plan.redis_restarts
        + ["postgres_restart"] * plan.postgres_restarts
    )
    rng.shuffle(faults)
    # Prefetch kills need a stream of documents reaching the ner worker: the first comes right after the
    # opening, the others spread over the run.
    every = max(1, len(faults) // max(1, plan.ner_prefetch_kills))
    for n in range(plan.ner_prefetch_kills):
        faults.insert(n * (every + 1), "ner_prefetch_kill")
    return opening + faults


def _read_events(path: Path) -> list[dict[str, Any]]:
    records = []
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return records


def _count_events(log_dir: Path) -> Counter[tuple[str, str, str]]:
    """(event, document_id, stage) -> occurrences, from every process's JSON log."""
    events: Counter[tuple[str, str, str]] = Counter()
    for path in log_dir.glob("*.log"):
        for record in _read_events(path):
            events[(record.get("event", ""), str(record.get("document_id", "")), str(record.get("stage", "")))] += 1
    return events


# Events that take a job out of a dead process's hands; a claim also means it runs again.
BACK_IN_PLAY = {"job.hold_expired", "job.lease_expired", "job.message_restored", "job.claimed"}


def _recovery_times(faults: list[Fault], log_dir: Path) -> None:
    """When the jobs each kill hit were back in play and running again, read after the run from the
    timestamps of every process's structured log (a watcher polling during the run is itself starved
    on a loaded machine and measures its own delay)."""
    marks: dict[tuple[str, str], list[tuple[datetime, str]]] = {}
    ended: dict[str, list[datetime]] = {}
    for path in log_dir.glob("*.log"):
        for record in _read_events(path):
            event, stamp = record.get("event", ""), record.get("timestamp")
            if not stamp or not (event in BACK_IN_PLAY or event in ("document.done", "document.failed")):
                continue
            at = datetime.fromisoformat(str(stamp))
            document = str(record.get("document_id", ""))
            if event in BACK_IN_PLAY:
                marks.setdefault((document, str(record.get("stage", ""))), []).append((at, event))
            else:
                ended.setdefault(document, []).append(at)
    for fault in faults:
        if fault.kind not in KILLS or not fault.jobs:
            continue
        fault.recovery_read = True
        back: list[datetime | None] = []
        again: list[datetime | None] = []
        for job_id, document in fault.jobs.items():
            later = [(at, event) for at, event in marks.get((document, fault.job_stages[job_id]), []) if at > fault.at]
            end = [at for at in ended.get(document, []) if at > fault.at]
            back.append(min([at for at, _ in later] + end, default=None))
            again.append(min([at for at, event in later if event == "job.claimed"] + end, default=None))
        if all(back):
            fault.back_in_play_s = (max(at for at in back if at) - fault.at).total_seconds()
        if all(again):
            fault.running_again_s = (max(at for at in again if at) - fault.at).total_seconds()


def _fenced_by(log_dir: Path, fault: Fault) -> int:
    """Late writes the paused process attempted and had refused, from its own log."""
    pid = fault.target.split(" process ")[-1].split(" ")[0]
    path = log_dir / f"{pid}.log"
    if not path.exists():
        return 0
    documents = set(fault.jobs.values())
    return sum(
        1
        for record in _read_events(path)
        if record.get("event") == "job.lease_lost" and str(record.get("document_id")) in documents
    )


def run_chaos(plan: ChaosPlan, model: Path, database_url: str, log: Callable[[str], None] = print) -> ChaosReport:
    run = uuid.uuid4().hex[:8]
    rng = random.Random(plan.seed)
    workdir = Path(tempfile.mkdtemp(prefix=f"contract-ner-chaos-{run}-"))
    log_dir = workdir / "logs"
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
        "CONTRACT_NER_LOG_DIR": str(log_dir),
        "CONTRACT_NER_AUTH_REQUIRED": "false",
        **plan.settings(),
    }
    subprocess.run([*CLI, "migrate"], env=env, check=True, capture_output=True, cwd=REPO_ROOT)
    stack = Stack(env, workdir, plan.extract_concurrency, plan.ner_workers, log)
    report = ChaosReport(plan=plan)
    files = _documents(plan, run)
    report.submitted = len(files)
    faults = _fault_schedule(plan, rng)
    log(f"chaos run {run}: {len(files)} documents, faults {dict(Counter(faults))}, logs in {workdir}")
    log(settings_beside_production(plan))
    accepted: dict[str, str] = {}
    started = time.monotonic()
    last_fault = started
    engine = create_engine(database_url, pool_pre_ping=True)
    try:
        stack.start_all()
        _wait_ready(stack.base_url, started + 300)

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

        submitter = threading.Thread(target=submit_all, daemon=True)
        submitter.start()
        global drained

        def nothing_left() -> bool:
            if submitter.is_alive():
                return False
            with contextlib.suppress(Exception):
                return _pending(engine, list(accepted.values())) == 0
            return False

        drained = nothing_left
        injector = Injector(plan, stack, redis, JobsInHand(engine), log)
        # Each fault waits until its target holds work, then a short random gap before the next.
        for kind in faults:
            report.fault_log.append(injector.inject(kind))
            last_fault = time.monotonic()
            time.sleep(rng.uniform(plan.fault_gap_s / 2, plan.fault_gap_s * 1.5))
        submitter.join(timeout=plan.timeout_s)
        report.accepted = len(accepted)
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
        _measure(engine, ids, report, _count_events(log_dir))
        _recovery_times(report.fault_log, log_dir)
        for fault in report.fault_log:
            if fault.kind == "worker_pause":
                fault.fenced = _fenced_by(log_dir, fault)
    finally:
        drained = lambda: False  # noqa: E731
        stack.stop_all()
        redis.stop()
        engine.dispose()
        report.supervisor_restarts = list(stack.supervisor_restarts)
    return report


def _wait_ready(base_url: str, deadline: float) -> None:
    """Until the API is ready and every queue has a live worker (their heartbeats, as `/readyz` reports
    them): faults aimed before the workers hold anything would hit nothing."""
    while time.monotonic() < deadline:
        try:
            response = httpx.get(f"{base_url}/readyz", timeout=2)
            workers = response.json().get("workers", {})
            if response.status_code == 200 and workers and all(v.endswith(" alive") for v in workers.values()):
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.3)
    raise RuntimeError("the API and workers did not become ready")


def _pending(engine: Engine, ids: list[str]) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                text("SELECT count(*) FROM documents WHERE id = ANY(:ids) AND status NOT IN ('done', 'failed')"),
                {"ids": [uuid.UUID(i) for i in ids]},
            ).scalar_one()
        )


def _measure(engine: Engine, ids: list[str], report: ChaosReport, events: Counter[tuple[str, str, str]]) -> None:
    uuids = [uuid.UUID(i) for i in ids]
    with engine.connect() as connection:
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
    report.holds_expired = sum(n for (event, _, _), n in events.items() if event == "job.hold_expired")
    report.messages_restored = sum(n for (event, _, _), n in events.items() if event == "job.message_restored")
    if latencies:
        report.latency_p50_s = latencies[len(latencies) // 2]
        report.latency_p99_s = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = ChaosPlan()
    parser.add_argument("--docs", type=int, default=defaults.docs)
    parser.add_argument("--scans", type=int, default=defaults.scans, help="image-only PDFs for the ocr stage")
    parser.add_argument("--child-kills", type=int, default=defaults.child_kills)
    parser.add_argument("--worker-kills", type=int, default=defaults.worker_kills, help="ner and extract in turn")
    parser.add_argument("--ner-prefetch-kills", type=int, default=defaults.ner_prefetch_kills)
    parser.add_argument("--prefetch-target", type=int, default=defaults.prefetch_target)
    parser.add_argument("--worker-pauses", type=int, default=defaults.worker_pauses)
    parser.add_argument("--redis-restarts", type=int, default=defaults.redis_restarts)
    parser.add_argument("--postgres-restarts", type=int, default=defaults.postgres_restarts)
    parser.add_argument("--min-hits-per-stage", type=int, default=defaults.min_hits_per_stage)
    parser.add_argument("--lease", type=float, default=defaults.lease_s)
    parser.add_argument("--ner-workers", type=int, default=defaults.ner_workers)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--fault-gap", type=float, default=defaults.fault_gap_s, help="mean seconds between faults")
    parser.add_argument("--model", type=Path, default=REPO_ROOT / "training" / "default-model")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("CONTRACT_NER_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args()
    plan = ChaosPlan(
        docs=args.docs,
        scans=args.scans,
        child_kills=args.child_kills,
        worker_kills=args.worker_kills,
        ner_prefetch_kills=args.ner_prefetch_kills,
        prefetch_target=args.prefetch_target,
        worker_pauses=args.worker_pauses,
        redis_restarts=args.redis_restarts,
        postgres_restarts=args.postgres_restarts,
        min_hits_per_stage=args.min_hits_per_stage,
        lease_s=args.lease,
        ner_workers=args.ner_workers,
        timeout_s=args.timeout,
        fault_gap_s=args.fault_gap,
    )
    report = run_chaos(plan, args.model, args.database_url)
    for line in report.lines():
        print(line)
    if not report.clean:
        print("RESULT: NOT CLEAN")
    elif not report.counts:
        hits = report.kills_hitting_work
        if not all(hits[stage] >= plan.min_hits_per_stage for stage in ("extract", "ner")):
            print("RESULT: does not count: the faults did not hit in-progress work of every stage (see above)")
        else:
            print("RESULT: does not count: a prefetch kill's documents were not back in the queue within 2 leases")
    else:
        print("RESULT: clean (0 lost, 0 duplicated, every document final with a reason) and the faults hit work")
    raise SystemExit(0 if report.clean and report.counts else 1)


if __name__ == "__main__":
    main()
