"""The job lifecycle, in one place: how a document's stage jobs are queued, claimed, finished, retried,
requeued, failed and replayed. Every function here sets all the fields a transition touches (the job's
state, attempts, lease, error and times, and the document's status) so they cannot drift apart; nothing
else writes them. Functions only flush; the caller owns the transaction, and messages go to the broker
only after it commits (`models.broker.publish_after_commit`).

    queue_stage ─> queued ──claim──> running ──complete_stage──> done ─> next stage queued / document done
                     ^                  │  │
                     └─release_for_retry┘  └─fail_document──> failed (document failed with a reason)
                     └─requeue_expired (lease ran out: the worker died)

How a stage runs at most once in effect although the broker delivers at least once: a worker claims a
job by taking its lease (a fresh token and an expiry) in a short transaction, does the work, and writes
results in a second transaction that first locks the job row and checks it still holds the token
(fencing, `hold_leases`). A duplicate delivery finds the job leased or finished and does nothing; a
worker that died stops renewing its lease, and the sweeper requeues the job once the lease expired.
Every claim counts an attempt, so a file that kills its worker fails after `max_attempts`.

A message a worker received but has not claimed yet (prefetched, or buffered for a ner batch) is in
its hands too: if the worker dies, the broker gives it back only after its visibility timeout. So the
receiving worker records a hold (`hold_jobs`: `held_by`, `held_until`) and renews it with its heartbeat
(`renew_holds`); the sweeper requeues a queued job whose hold expired (`requeue_unheld`). `held_by`
also names the process that claimed a running job, so one can tell what a process had in hand.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from models.batches import complete_batches_of
from models.broker import publish_after_commit
from models.reasons import ReasonCode
from models.schema import Document, Job, JobState, utcnow
from models.stages import DONE, FAILED, FINAL_STATUSES, Stage, first_stage, stage_named
from models.webhooks import document_event_data, record_event
from models.worker_liveness import process_holder

log = structlog.get_logger(__name__)


class LeaseLost(Exception):
    """The job's lease expired and was taken by another attempt, or the job ended meanwhile: this
    attempt's results must not be written."""


class ReprocessRefused(Exception):
    """The document is still on its way through the pipeline."""


@dataclass(frozen=True)
class Lease:
    job_id: int
    document_id: uuid.UUID
    stage: Stage
    token: uuid.UUID
    attempt: int


def job_for(session: Session, document_id: uuid.UUID, stage: Stage, lock: bool = False) -> Job | None:
    query = select(Job).where(Job.document_id == document_id, Job.stage == stage.name)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def _clear_lease(job: Job) -> None:
    """The job is in no worker's hands any more: neither claimed nor held."""
    job.lease_token = None
    job.lease_expires_at = None
    job.held_by = None
    job.held_until = None


def queue_stage(session: Session, document: Document, stage: Stage) -> Job:
    """Make `stage` the document's next step: its job, new or reset to a fresh run, waits in the queue
    and is published once the caller's transaction commits."""
    job = job_for(session, document.id, stage) if document.id is not None else None
    if job is None:
        job = Job(stage=stage.name)
        document.jobs.append(job)
    now = utcnow()
    job.state = JobState.queued
    job.attempts = 0
    job.last_error = None
    job.last_error_code = None
    _clear_lease(job)
    job.heartbeat_at = None
    job.published_at = None
    job.queued_at = now
    job.started_at = None
    job.finished_at = None
    document.status = stage.waiting_status
    document.finished_at = None
    session.flush()
    publish_after_commit(session, [(job.id, stage, document.id)])
    return job


def claim(
    session: Session,
    document_id: uuid.UUID,
    stage: Stage,
    lease_s: float,
    max_attempts: int,
    holder: str | None = None,
) -> Lease | None:
    """Take the lease of the document's job for `stage`; None when there is nothing to do: the job
    ended, another attempt holds a live lease (a duplicate message), or attempts ran out (the
    document is failed here with the last error). `holder`: the claiming process (`host:pid`), by
    default this one."""
    document = session.get(Document, document_id, with_for_update=True)
    job = job_for(session, document_id, stage, lock=True)
    if document is None or job is None or job.state in (JobState.done, JobState.failed):
        return None
    if document.status not in (stage.waiting_status, stage.running_status):
        return None
    now = utcnow()
    if job.state is JobState.running and job.lease_expires_at is not None and job.lease_expires_at > now:
        log.info("job.claim_skipped", document_id=str(document_id), stage=stage.name, reason="leased")
        return None
    if job.attempts >= max_attempts:
        give_up(session, job)
        return None
    job.state = JobState.running
    job.attempts += 1
    job.lease_token = uuid.uuid4()
    job.lease_expires_at = now + timedelta(seconds=lease_s)
    job.heartbeat_at = now
    job.started_at = now
    job.held_by = holder or process_holder()
    job.held_until = None  # the lease's expiry rules a running job
    document.status = stage.running_status
    session.flush()
    log.info("job.claimed", document_id=str(document_id), stage=stage.name, attempt=job.attempts)
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
            log.warning("job.lease_lost", document_id=str(lease.document_id), stage=lease.stage.name)
    return held


def hold_lease(session: Session, lease: Lease) -> None:
    if not hold_leases(session, [lease]):
        raise LeaseLost(f"{lease.stage.name} job of document {lease.document_id} is no longer ours")


def renew_leases(session: Session, leases: Sequence[Lease], lease_s: float) -> int:
    """Push the expiry of the leases this worker still holds; returns how many it holds."""
    now = utcnow()
    renewed = 0
    for lease in leases:
        result = session.execute(
            update(Job)
            .where(Job.id == lease.job_id, Job.lease_token == lease.token, Job.state == JobState.running)
            .values(heartbeat_at=now, lease_expires_at=now + timedelta(seconds=lease_s))
        )
        renewed += result.rowcount  # type: ignore[attr-defined]
    return renewed


def hold_jobs(session: Session, stage: Stage, document_ids: Sequence[uuid.UUID], holder: str, hold_s: float) -> int:
    """`holder` received the messages of these documents' `stage` jobs and will run them: record that
    until `hold_s` from now. Only queued jobs are held (a running job has its lease; a finished one
    needs nobody). A second worker receiving a duplicate takes the hold over, which is safe: whoever
    holds it last renews it, and the claim decides who runs it. Returns how many jobs are held."""
    if not document_ids:
        return 0
    result = session.execute(
        update(Job)
        .where(Job.stage == stage.name, Job.document_id.in_(document_ids), Job.state == JobState.queued)
        .values(held_by=holder, held_until=utcnow() + timedelta(seconds=hold_s))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def renew_holds(
    session: Session, stage: Stage, document_ids: Sequence[uuid.UUID], holder: str, hold_s: float
) -> set[uuid.UUID]:
    """Push the expiry of `holder`'s holds on these documents' `stage` jobs, and hold those of them that
    nobody holds (a receipt whose hold could not be written); returns the documents it holds (a claimed,
    finished or taken-over job is no longer a hold)."""
    if not document_ids:
        return set()
    rows = session.execute(
        update(Job)
        .where(
            Job.stage == stage.name,
            Job.document_id.in_(document_ids),
            Job.state == JobState.queued,
            or_(Job.held_by == holder, Job.held_by.is_(None)),
        )
        .values(held_by=holder, held_until=utcnow() + timedelta(seconds=hold_s))
        .returning(Job.document_id)
        .execution_options(synchronize_session=False)
    ).scalars()
    return set(rows)


def complete_stage(
    session: Session, document: Document, stage: Stage, next_stage: Stage | None, now: datetime | None = None
) -> None:
    """The document's `stage` is done: queue `next_stage`, or, after the last stage, the document is done.

    `now`: one moment for documents that finished together (one forward batch)."""
    job = job_for(session, document.id, stage)
    now = now or utcnow()
    if job is not None:
        job.state = JobState.done
        job.last_error = None
        job.last_error_code = None
        _clear_lease(job)
        job.finished_at = now
    document.error = None
    document.error_code = None
    if next_stage is not None:
        queue_stage(session, document, next_stage)
        return
    document.status = DONE
    document.finished_at = now
    session.flush()


def release_for_retry(session: Session, lease: Lease, code: ReasonCode, message: str) -> bool:
    """Give the job back for another attempt after a transient error; False if it is not ours anymore.

    The caller sends the stage's message again after commit (with its own backoff)."""
    if not hold_leases(session, [lease]):
        return False
    job = session.get_one(Job, lease.job_id)
    document = session.get_one(Document, lease.document_id)
    job.state = JobState.queued
    _clear_lease(job)
    job.last_error = message
    job.last_error_code = code
    document.status = lease.stage.waiting_status
    session.flush()
    return True


def requeue_expired(session: Session, job: Job, max_attempts: int) -> bool:
    """A running job whose lease expired belonged to a worker that died or hung: queue it again (True),
    or fail its document once its attempts ran out (False). Published after commit."""
    log.info("job.lease_expired", document_id=str(job.document_id), stage=job.stage, held_by=job.held_by)
    job.last_error_code = ReasonCode.worker_lost
    job.last_error = "the lease expired: the worker running the job died, hung or lost its connection"
    if job.attempts >= max_attempts:
        give_up(session, job)
        return False
    stage = stage_named(job.stage)
    document = session.get_one(Document, job.document_id)
    job.state = JobState.queued
    _clear_lease(job)
    job.published_at = None
    document.status = stage.waiting_status
    session.flush()
    publish_after_commit(session, [(job.id, stage, job.document_id)])
    return True


def requeue_unheld(session: Session, job: Job) -> None:
    """A queued job whose hold expired was in the hands of a worker that died (or stopped beating)
    before claiming it: its message is gone with that worker until the broker's visibility timeout,
    so it is published again after commit. Should the worker still be alive, the duplicate is
    harmless: the claim lets one attempt run."""
    log.info("job.hold_expired", document_id=str(job.document_id), stage=job.stage, held_by=job.held_by)
    stage = stage_named(job.stage)
    _clear_lease(job)
    job.published_at = None
    session.flush()
    publish_after_commit(session, [(job.id, stage, job.document_id)])


def fail_document(
    session: Session,
    document_id: uuid.UUID,
    stage: Stage,
    code: ReasonCode,
    message: str,
    lease: Lease | None = None,
) -> bool:
    """End the document `failed` with a reason code; with a lease, only while it is still held."""
    if lease is not None and not hold_leases(session, [lease]):
        return False
    document = session.get(Document, document_id, with_for_update=True)
    if document is None or document.status in FINAL_STATUSES:
        return False
    now = utcnow()
    job = job_for(session, document_id, stage)
    if job is not None:
        job.state = JobState.failed
        job.last_error = f"{code}: {message}"
        job.last_error_code = code
        _clear_lease(job)
        job.finished_at = now
    document.status = FAILED
    document.error_code = code
    document.error = message
    document.finished_at = now
    session.flush()
    record_event(
        session,
        "document.failed",
        {**document_event_data(session, document), "reason": code, "error": message},
        tenant_id=document.tenant_id,
    )
    complete_batches_of(session, document.id)
    log.warning("document.failed", document_id=str(document_id), stage=stage.name, reason=code, error=message)
    return True


def give_up(session: Session, job: Job) -> None:
    """Fail the document of a job whose attempts ran out, with the last attempt's reason."""
    code = ReasonCode(job.last_error_code) if job.last_error_code else ReasonCode.worker_lost
    last = job.last_error or "the worker running it died or lost its lease"
    fail_document(
        session, job.document_id, stage_named(job.stage), code, f"gave up after {job.attempts} attempts; last: {last}"
    )


def reprocess(session: Session, document: Document) -> Job:
    """Send a done or failed document through the pipeline again from its first stage.

    Its entities stay until the new run replaces them; the other stages' jobs keep their old state until
    the run reaches them, so a stale message arriving meanwhile finds nothing to do."""
    return rerun_from(session, document, first_stage())


def rerun_from(session: Session, document: Document, stage: Stage) -> Job:
    """Send a done or failed document through the pipeline again from `stage` (a backfill re-runs only
    ner: the text and tokens of the earlier run are kept). Published once the caller commits."""
    if document.status not in FINAL_STATUSES:
        raise ReprocessRefused(f"the document is {document.status}; only done or failed ones are replayed")
    log.info(
        "document.reprocess",
        document_id=str(document.id),
        stage=stage.name,
        previous_status=document.status,
        previous_reason=document.error_code,
    )
    document.error = None
    document.error_code = None
    return queue_stage(session, document, stage)


def expired_jobs(session: Session, now: datetime) -> Sequence[Job]:
    """Running jobs whose lease ran out, locked; rows another sweeper or a committing worker holds are
    skipped (SKIP LOCKED) and looked at on the next sweep."""
    return session.scalars(
        select(Job)
        .where(Job.state == JobState.running, Job.lease_expires_at < now)
        .order_by(Job.id)
        .with_for_update(skip_locked=True)
    ).all()


def expired_holds(session: Session, now: datetime) -> Sequence[Job]:
    """Queued jobs whose hold ran out (the worker that received their message died), locked and
    skipping rows someone else holds locked, like `expired_jobs`."""
    return session.scalars(
        select(Job)
        .where(Job.state == JobState.queued, Job.held_until < now)
        .order_by(Job.id)
        .with_for_update(skip_locked=True)
    ).all()
