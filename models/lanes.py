"""Priority lanes: `interactive` (single uploads, the default) and `bulk` (batches, backfills, folder
ingests), so that one contract a DMS sends is not queued behind a 20,000-document backfill.

Each stage has one broker queue per lane (`extract`, `extract-bulk`, ...) and every worker of a stage
consumes both. Kombu's Redis transport asks for a worker's queues in turn (after each message it moves
the queue it came from to the back of its cycle), so an interactive message waits behind at most one
bulk message per fetch however long the bulk queue is, and bulk work gets the worker whenever no
interactive work is waiting. The broker does the ordering: there is no scheduler of our own.

Within the bulk lane each tenant has its own queue per stage (`extract-bulk-<tenant>`), and every worker
of the stage follows each tenant's queue (`worker.liveness` adds them as tenants appear), so the same
turn-taking serves tenants fairly: one tenant's 100,000-document backfill does not starve another's
1,000 documents queued after it.

The lane of an upload: the one asked for with it, else its batch's (`bulk` unless the batch says
otherwise), else its API key's, else `interactive`."""

from __future__ import annotations

import enum
import uuid

from models.settings import Settings


class Lane(enum.StrEnum):
    interactive = "interactive"
    bulk = "bulk"


LANES = tuple(Lane)
LANE_LENGTH = 16


def lane_queue(settings: Settings, stage_name: str, lane: Lane | str, tenant_id: uuid.UUID | None = None) -> str:
    """The broker queue of a stage's lane; the interactive lane keeps the stage's own queue name, the bulk
    lane has one per tenant (and a shared one for messages whose tenant is unknown)."""
    if Lane(lane) is Lane.interactive:
        return settings.queue(stage_name)
    if tenant_id is None or not per_tenant_queues(settings):
        return settings.queue(f"{stage_name}-bulk")
    return settings.queue(f"{stage_name}-bulk-{tenant_id.hex[:12]}")


def per_tenant_queues(settings: Settings) -> bool:
    """Tenants' bulk queues need Celery's broadcast control messages to reach the workers: Redis has them;
    the embedded SQLite transport (one machine, one tenant in practice) keeps one bulk queue per stage."""
    return settings.resolved_broker_url.startswith(("redis://", "rediss://"))


def stage_queues(settings: Settings, stage_name: str) -> list[str]:
    """Every lane's queue of a stage that a worker consumes from its start, the interactive one first
    (the tenants' bulk queues are followed as tenants appear)."""
    return [lane_queue(settings, stage_name, lane) for lane in LANES]


def is_stage_queue(settings: Settings, stage_name: str, queue: str) -> bool:
    """Whether `queue` is one of the stage's queues, whatever its lane or tenant."""
    own = settings.queue(stage_name)
    return queue == own or queue.startswith(f"{own}-bulk")


def upload_lane(asked: Lane | None, batch_lane: str | None, key_lane: str | None) -> Lane:
    for lane in (asked, batch_lane, key_lane):
        if lane is not None:
            return Lane(lane)
    return Lane.interactive
