"""The pipeline's stages, declared once as data.

Everything that differs between stages is in the `Stage` entries below: the Celery task and queue, the
document statuses that say a stage is waiting or running, the worker pool it needs, its time limit.
Job rows, leases and the sweeper (`models.job_lifecycle`), routing (`models.broker`), the CLI's worker
command, the web page's progress bar, metrics and the dashboard views all read this table, so adding a
stage is one entry here plus the function its task runs (`worker.tasks`).

A document moves through the stages in the order of `PIPELINE`. A stage's function says which stage
comes next: by default the next required one (`default_next`); an `optional` stage runs only when the
stage before it asks for it by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.reasons import ReasonCode

DONE = "done"
FAILED = "failed"
FINAL_STATUSES = (DONE, FAILED)


@dataclass(frozen=True)
class Stage:
    name: str
    """The job's stage, the queue's name (after `CONTRACT_NER_QUEUE_PREFIX`) and the metric label."""
    task_name: str
    """The Celery task that runs the stage for one document id."""
    waiting_status: str
    """The document's status while the stage's job waits in its queue."""
    running_status: str
    """The document's status while a worker runs the stage."""
    title: str
    """What the stage does, for people: CLI help, logs, the web page."""
    failure_code: ReasonCode
    """The reason a document fails with when the stage's function keeps raising unexpectedly."""
    solo: bool = False
    """Its workers run the solo pool, one process that loads a model once (and initialises CUDA
    without forking); otherwise a prefork pool of CPU processes."""
    time_limit_s: int = 600
    """Celery's hard limit for one task of the stage; the broker's visibility timeout stays above it."""
    optional: bool = False
    """Runs only when the stage before it asks for it; otherwise it is skipped."""


PIPELINE: tuple[Stage, ...] = (
    Stage(
        name="extract",
        task_name="contract_ner.extract_document",
        waiting_status="queued",
        running_status="extracting",
        title="extract text and build token windows",
        failure_code=ReasonCode.parse_error,
        time_limit_s=600,
    ),
    Stage(
        name="ocr",
        task_name="contract_ner.recognize_text",
        waiting_status="ocr_queued",
        running_status="ocr_running",
        title="read scanned pages by OCR",
        failure_code=ReasonCode.ocr_failed,
        time_limit_s=1800,
        # Only documents whose text layer is missing or too thin: extract asks for it by name.
        optional=True,
    ),
    Stage(
        name="ner",
        task_name="contract_ner.recognize_entities",
        waiting_status="extracted",
        running_status="inferring",
        title="recognise entities",
        failure_code=ReasonCode.model_error,
        solo=True,
        time_limit_s=1800,
    ),
)

STAGES = {stage.name: stage for stage in PIPELINE}
# Every status a document can have, in pipeline order: waiting and running per stage, then the ends.
DOCUMENT_STATUSES: tuple[str, ...] = (
    *(status for stage in PIPELINE for status in (stage.waiting_status, stage.running_status)),
    *FINAL_STATUSES,
)
# The longest a status name may be: the documents.status column's width.
STATUS_LENGTH = 16


def stage_named(name: str) -> Stage:
    """The stage called `name`; KeyError names the known ones."""
    try:
        return STAGES[name]
    except KeyError:
        raise KeyError(f"no pipeline stage {name!r}; the stages are {', '.join(STAGES)}") from None


def first_stage() -> Stage:
    return PIPELINE[0]


def default_next(stage: Stage) -> Stage | None:
    """The next required stage after `stage`, or None when it is the last."""
    position = PIPELINE.index(stage)
    return next((later for later in PIPELINE[position + 1 :] if not later.optional), None)


def progress_step(status: str) -> int:
    """How far along the pipeline a status is: 0 (waiting for the first stage) to `progress_steps()`."""
    if status in FINAL_STATUSES:
        return progress_steps()
    return DOCUMENT_STATUSES.index(status)


def progress_steps() -> int:
    return 2 * len(PIPELINE)
