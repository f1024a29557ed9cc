"""Job leases: how a stage runs at most once in effect although the broker delivers at least once.

A worker claims a job by taking its lease (a fresh token and an expiry) in a short transaction, does
the work, and writes results in a second transaction that first locks the job row and checks that it
still holds the token (fencing). A duplicate delivery finds the job leased or finished and does
nothing; a worker that died stops renewing its lease, and the sweeper (`worker.sweeper`) requeues the
job once the lease expired. Every claim counts an attempt, so a file that kills its worker fails after
`max_attempts` instead of looping forever.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import structlog
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.batches import complete_batches_of
from models.db import session_scope
from models.schema import Document, DocumentStatus, Job, JobStage, JobState, utcnow
from models.webhooks import record_event

log = structlog.get_logger(__name__)

STAGE_ACTIVE = {JobStage.extract: DocumentStatus.extracting, JobStage.ner: DocumentStatus.inferring}
# The document status a stage starts from (and returns to when its attempt is released for a retry).
STAGE_WAITING = {JobStage.extract: DocumentStatus.queued, JobStage.ner: DocumentStatus.extracted}
WORKER_LOST = "worker_lost"


class LeaseLost(Exception):
    """The job's lease expired and was taken by another attempt, or the job ended meanwhile: this
    attempt's results must not be written."""


@dataclass(frozen=True)
class Lease:
    job_id: int
    document_id: uuid.UUID
    stage: JobStage
    token: uuid.UUID
    attempt: int


def job_for(session: Session, document_id: uuid.UUID, stage: JobStage, lock: bool = False) -> Job | None:
    query = select(Job).where(Job.document_id == document_id, Job.stage == stage)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def claim_stage(
    session: Session, document_id: uuid.UUID, stage: JobStage, lease_s: float, max_attempts: int
) -> Lease | None:
    """Take the lease of the document's job for `stage`; None when there is nothing to do: the job
    ended, another attempt holds a live lease (a duplicate message), or attempts ran out (the
    document is failed here with the last error)."""
    document = session.get(Document, document_id, with_for_update=True)
    job = job_for(session, document_id, stage, lock=True)
    if document is None or job is None or job.state in (JobState.done, JobState.failed):
        return None
    if document.status not in (STAGE_WAITING[stage], STAGE_ACTIVE[stage]):
        return None
    now = utcnow()
    if job.state is JobState.running and job.lease_expires_at is not None and job.lease_expires_at > now:
        log.info("job.claim_skipped", document_id=str(document_id), stage=stage.value, reason="leased")
        return None
    if job.attempts >= max_attempts:
        give_up(session, job)
        return None
    job.state = JobState.running
    job.attempts += 1
    job.lease_token = uuid.uuid4()
    job.lease_expires_at = now + timedelta(seconds=lease_s)
    job.heartbeat_at = now
    document.status = STAGE_ACTIVE[stage]
    if stage is JobStage.extract:
        document.extract_started_at = now
    else:
        document.ner_started_at = now
    session.flush()
    log.info("job.claimed", document_id=str(document_id), stage=stage.value, attempt=job.attempts)
    return Lease(job.id, document_id, stage, job.lease_token, job.attempts)


def hold_leases(session: Session, leases: Sequence[Lease]) -> list[Lease]:
    """Lock the leased jobs until the transaction ends and return those this worker still holds.

    Call in the transaction that writes results, before writing: while the row lock is held no other
    attempt can claim the job, so check and write are one atomic step."""
    if not leases:
        return []
    jobs = {
        job.id: job
        for job in session.scalars(select(Job).where(Job.id.in_([lease.job_id for lease in leases])).with_for_update())
    }
    held = []
    for lease in leases:
        job = jobs.get(lease.job_id)
        if job is not None and job.state is JobState.running and job.lease_token == lease.token:
            held.append(lease)
        else:
            log.warning("job.lease_lost", document_id=str(lease.document_id), stage=lease.stage.value)
    return held


def hold_lease(session: Session, lease: Lease) -> None:
    if not hold_leases(session, [lease]):
        raise LeaseLost(f"{lease.stage.value} job of document {lease.document_id} is no longer ours")


def finish_job(job: Job) -> None:
    job.state = JobState.done
    job.last_error = None
    job.last_error_code = None
    job.lease_token = None
    job.lease_expires_at = None


def release_for_retry(session: Session, lease: Lease, code: str, message: str) -> bool:
    """Give the job back for another attempt after a transient error; False if it is not ours anymore."""
    if not hold_leases(session, [lease]):
        return False
    job = session.get_one(Job, lease.job_id)
    document = session.get_one(Document, lease.document_id)
    job.state = JobState.queued
    job.lease_token = None
    job.lease_expires_at = None
    job.last_error = message
    job.last_error_code = code
    document.status = STAGE_WAITING[lease.stage]
    session.flush()
    return True


def fail_document(
    session: Session,
    document_id: uuid.UUID,
    stage: JobStage,
    code: str,
    message: str,
    lease: Lease | None = None,
) -> bool:
    """End the document `failed` with a reason code; with a lease, only while it is still held."""
    if lease is not None and not hold_leases(session, [lease]):
        return False
    document = session.get(Document, document_id, with_for_update=True)
    if document is None or document.status in (DocumentStatus.done, DocumentStatus.failed):
        return False
    job = job_for(session, document_id, stage)
    if job is not None:
        job.state = JobState.failed
        job.last_error = f"{code}: {message}"
        job.last_error_code = code
        job.lease_token = None
        job.lease_expires_at = None
    document.status = DocumentStatus.failed
    document.error_code = code
    document.error = message
    document.finished_at = utcnow()
    session.flush()
    record_event(
        session,
        "document.failed",
        {"document_id": str(document.id), "external_id": document.external_id, "reason": code, "error": message},
        tenant_id=document.tenant_id,
    )
    complete_batches_of(session, document.id)
    log.warning("document.failed", document_id=str(document_id), stage=stage.value, reason=code, error=message)
    return True


def give_up(session: Session, job: Job) -> None:
    """Fail the document of a job whose attempts ran out, with the last attempt's reason."""
    code = job.last_error_code or WORKER_LOST
    last = job.last_error or "the worker running it died or lost its lease"
    fail_document(session, job.document_id, job.stage, code, f"gave up after {job.attempts} attempts; last: {last}")


def renew_leases(leases: Sequence[Lease], lease_s: float) -> int:
    """Push the expiry of the leases this worker still holds; returns how many it holds."""
    now = utcnow()
    renewed = 0
    with session_scope() as session:
        for lease in leases:
            result = session.execute(
                update(Job)
                .where(Job.id == lease.job_id, Job.lease_token == lease.token, Job.state == JobState.running)
                .values(heartbeat_at=now, lease_expires_at=now + timedelta(seconds=lease_s))
            )
            renewed += result.rowcount  # type: ignore[attr-defined]
    return renewed


@contextmanager
def kept_alive(leases: Sequence[Lease], lease_s: float) -> Iterator[None]:
    """Renew the leases from a background thread while the block runs (a long extraction or a big
    batch), so only a dead worker's leases expire."""
    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(lease_s / 3):
            try:
                if renew_leases(leases, lease_s) < len(leases):
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
