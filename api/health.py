"""Liveness and readiness for load balancers and orchestrators; no authentication."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from sqlalchemy import text

from api.deps import SessionDep
from models.broker import get_celery
from models.queue_health import stuck_jobs
from models.settings import get_settings
from models.worker_liveness import queue_liveness

router = APIRouter()


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(session: SessionDep, response: Response) -> dict[str, str | dict[str, str]]:
    checks: dict[str, str | dict[str, str]] = {}
    try:
        session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc}"
    try:
        with get_celery().connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:
        checks["broker"] = f"error: {exc}"
    ready = all(v == "ok" for v in checks.values())
    if checks["database"] == "ok":
        # Reported, not gating: stuck workers are no reason to stop accepting uploads.
        stuck = stuck_jobs(session, get_settings().stuck_job_after_s)
        checks["queue"] = (
            f"stuck: {stuck.count} jobs without progress for over {stuck.threshold_s:.0f}s "
            f"(oldest {stuck.oldest_age_s:.0f}s)"
            if stuck.count
            else "ok"
        )
        # Per queue, the workers whose heartbeat is younger than a lease (reported, not gating either):
        # "ner: none alive (last heartbeat 3605s ago)" says at once what stuck jobs say only after an hour.
        checks["workers"] = {
            liveness.queue: liveness.describe() for liveness in queue_liveness(session, get_settings().lease_s)
        }
    response.status_code = status.HTTP_200_OK if ready else status.HTTP_503_SERVICE_UNAVAILABLE
    return {"status": "ready" if ready else "not ready", **checks}
