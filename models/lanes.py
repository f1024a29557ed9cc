"""Priority lanes: `interactive` (single uploads, the default) and `bulk` (batches, backfills, folder
ingests), so that one contract a DMS sends is not queued behind a 20,000-document backfill.

Each stage has one broker queue per lane (`extract`, `extract-bulk`, ...) and every worker of a stage
consumes both. Kombu's Redis transport asks for a worker's queues in turn (after each message it moves
the queue it came from to the back of its cycle), so an interactive message waits behind at most one
bulk message per fetch however long the bulk queue is, and bulk work gets the worker whenever no
interactive work is waiting. The broker does the ordering: there is no scheduler of our own.

The lane of an upload: the one asked for with it, else its batch's (`bulk` unless the batch says
otherwise), else its API key's, else `interactive`."""

from __future__ import annotations

import enum

from models.settings import Settings


class Lane(enum.StrEnum):
    interactive = "interactive"
    bulk = "bulk"


LANES = tuple(Lane)
LANE_LENGTH = 16


def lane_queue(settings: Settings, stage_name: str, lane: Lane | str) -> str:
    """The broker queue of a stage's lane; the interactive lane keeps the stage's own queue name."""
    return settings.queue(stage_name if Lane(lane) is Lane.interactive else f"{stage_name}-bulk")


def stage_queues(settings: Settings, stage_name: str) -> list[str]:
    """Every lane's queue of a stage, the interactive one first."""
    return [lane_queue(settings, stage_name, lane) for lane in LANES]


def upload_lane(asked: Lane | None, batch_lane: str | None, key_lane: str | None) -> Lane:
    for lane in (asked, batch_lane, key_lane):
        if lane is not None:
            return Lane(lane)
    return Lane.interactive
