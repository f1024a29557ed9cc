"""A worker's heartbeat, in its main process: it tells the database that the worker is alive for each
queue it consumes, and holds the jobs whose messages the worker has received but not claimed yet.

Celery hands a worker more messages than it runs at once: the prefork extract worker reserves the next
ones, and the ner worker buffers up to `ner_flush_every` messages for one batch (celery-batches). Should
the worker die, the broker redelivers those messages only after its visibility timeout (an hour), and
the database saw them as waiting in the queue. So, on receipt (Celery's `task_received` signal, sent for
both kinds), the job's row gets a hold (`models.job_lifecycle.hold_jobs`) and every heartbeat renews the
holds of all messages still in hand; the sweeper requeues jobs whose hold expired
(`worker.sweeper`). Claimed jobs have leases, renewed by the process that runs them (`worker.leases`).

The thread writes, not the consumer: receiving a message must not wait on the database (it may be
restarting). It writes the holds of new messages as soon as they arrive and beats every third of
`lease_s`.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import structlog
from celery import Celery
from celery.signals import task_received, worker_ready, worker_shutdown
from celery.worker import state as worker_state
from celery_batches import Batches
from sqlalchemy import select

from models.db import session_scope
from models.job_lifecycle import hold_jobs, renew_holds
from models.lanes import Lane, lane_queue, per_tenant_queues
from models.schema import Tenant
from models.settings import get_settings
from models.stages import PIPELINE, STAGES, Stage
from models.worker_liveness import process_holder, record_heartbeat

log = structlog.get_logger(__name__)

STAGES_BY_TASK = {stage.task_name: stage for stage in PIPELINE}
STAGE_NAMES = tuple(STAGES)
# A job in hand: its stage and document.
JobKey = tuple[Stage, uuid.UUID]


def job_of(request: Any) -> JobKey | None:
    """The stage job a received request (Celery's or celery-batches') is about, if any."""
    stage = STAGES_BY_TASK.get(getattr(request, "name", None) or "")
    args = getattr(request, "args", None) or ()
    if stage is None or not args:
        return None
    try:
        return stage, uuid.UUID(str(args[0]))
    except ValueError:
        return None


def _snapshot(items: Iterable[Any]) -> list[Any]:
    # The consumer thread adds and removes requests while this thread reads them.
    for _ in range(5):
        try:
            return list(items)
        except RuntimeError:
            continue
    return []


def jobs_in_hand(app: Celery) -> set[JobKey]:
    """Every stage job whose message this worker received and has not finished: Celery's reserved
    requests (prefetched and running ones) and the buffers of batch tasks."""
    requests = _snapshot(worker_state.reserved_requests)
    for task in app.tasks.values():
        if isinstance(task, Batches):
            requests += _snapshot(task._buffer.queue) + _snapshot(task._pending.queue)
    return {key for key in map(job_of, requests) if key is not None}


class Heartbeat:
    """The worker's heartbeat thread (one per worker main process)."""

    def __init__(self, app: Celery, worker: str, queues: list[str]) -> None:
        self.app = app
        self.worker = worker
        self.queues = queues
        self.holder = process_holder()
        self.interval_s = get_settings().lease_s / 3
        self._received: set[JobKey] = set()
        self._following: set[str] = set()  # tenants' bulk queues this worker was told to consume
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="worker-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)

    def received(self, key: JobKey) -> None:
        with self._lock:
            self._received.add(key)
        self._wake.set()

    def _run(self) -> None:
        next_beat = 0.0
        while not self._stop.is_set():
            try:
                self._hold_received()
                if time.monotonic() >= next_beat:
                    next_beat = time.monotonic() + self.interval_s
                    self._beat()
            except Exception as exc:  # a database blip: holds and liveness have a lease of slack
                log.warning("worker.heartbeat_failed", error=repr(exc))
            self._wake.wait(max(0.0, next_beat - time.monotonic()))
            self._wake.clear()

    def _hold_received(self) -> None:
        with self._lock:
            received, self._received = self._received, set()
        if not received:
            return
        hold_s = get_settings().lease_s
        try:
            with session_scope() as session:
                for stage, documents in _by_stage(received).items():
                    hold_jobs(session, stage, documents, self.holder, hold_s)
        except Exception:
            with self._lock:  # tried again next time round (and the next beat holds what is in hand)
                self._received |= received
            raise

    def _beat(self) -> None:
        hold_s = get_settings().lease_s
        in_hand = jobs_in_hand(self.app)
        with session_scope() as session:
            record_heartbeat(session, self.worker, self.queues, self.holder)
            for stage, documents in _by_stage(in_hand).items():
                renew_holds(session, stage, documents, self.holder, hold_s)
            tenants = list(session.scalars(select(Tenant.id)))
        self._follow_tenant_queues(tenants)

    def _follow_tenant_queues(self, tenants: list[uuid.UUID]) -> None:
        """Consume the bulk queue of every tenant for each stage whose bulk lane this worker serves. The
        consumer is not thread-safe: Celery's own `add_consumer` control message, sent to this worker
        alone, makes the consumer thread add the queue (and does nothing for one it already has)."""
        settings = get_settings()
        if not per_tenant_queues(settings):
            return
        stages = [stage for stage in STAGE_NAMES if f"{stage}-bulk" in self.queues]
        wanted = {lane_queue(settings, stage, Lane.bulk, tenant) for stage in stages for tenant in tenants}
        for queue in sorted(wanted - self._following):
            self.app.control.add_consumer(queue, destination=[self.worker], reply=False)
            self._following.add(queue)
            log.info("worker.following_queue", queue=queue)


def _by_stage(keys: Iterable[JobKey]) -> dict[Stage, list[uuid.UUID]]:
    grouped: dict[Stage, list[uuid.UUID]] = defaultdict(list)
    for stage, document_id in keys:
        grouped[stage].append(document_id)
    return grouped


_heartbeat: Heartbeat | None = None
# Messages received before the worker announced itself ready: held once the heartbeat starts.
_early: set[JobKey] = set()


def consumed_queues(consumer: Any) -> list[str]:
    """The queues the worker consumes, named without `CONTRACT_NER_QUEUE_PREFIX`."""
    prefix = get_settings().queue_prefix
    names = consumer.app.amqp.queues.consume_from or consumer.app.amqp.queues
    return sorted(name.removeprefix(prefix) for name in names)


@worker_ready.connect
def _start_heartbeat(sender: Any = None, **_: object) -> None:
    global _heartbeat
    if sender is None or _heartbeat is not None:
        return
    _heartbeat = Heartbeat(sender.app, sender.hostname, consumed_queues(sender))
    for key in list(_early):
        _heartbeat.received(key)
    _early.clear()
    _heartbeat.start()
    log.info("worker.heartbeat_started", worker=sender.hostname, queues=_heartbeat.queues, holder=_heartbeat.holder)


@task_received.connect
def _hold_on_receipt(request: Any = None, **_: object) -> None:
    key = job_of(request)
    if key is None:
        return
    if _heartbeat is None:
        _early.add(key)
    else:
        _heartbeat.received(key)


@worker_shutdown.connect
def _stop_heartbeat(**_: object) -> None:
    global _heartbeat
    if _heartbeat is not None:
        _heartbeat.stop()
        _heartbeat = None
