"""Keeping a running job's lease alive: a background thread renews the leases this worker holds while a
long extraction or a big forward batch runs, so only a dead worker's leases expire. What a lease is and
how it fences duplicate deliveries: `models.job_lifecycle`."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import structlog

from models.db import session_scope
from models.job_lifecycle import Lease, renew_leases

log = structlog.get_logger(__name__)


@contextmanager
def kept_alive(leases: Sequence[Lease], lease_s: float) -> Iterator[None]:
    """Renew the leases every third of `lease_s` while the block runs."""
    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(lease_s / 3):
            try:
                with session_scope() as session:
                    held = renew_leases(session, leases, lease_s)
                if held < len(leases):
                    log.warning("job.heartbeat_lost_lease", documents=[str(lease.document_id) for lease in leases])
            except Exception as exc:  # a database blip: the next beat tries again, the lease has slack
                log.warning("job.heartbeat_failed", error=repr(exc))

    thread = threading.Thread(target=heartbeat, name="lease-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
