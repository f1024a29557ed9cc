"""structlog set-up shared by the API, the workers and the CLI: event names plus key/value fields,
as JSON lines in production (`CONTRACT_NER_LOG_FORMAT=json`) or readable lines on a console."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TextIO

import structlog

from models.settings import Settings

_HANDLER_NAME = "contract-ner"


class PerProcessLog:
    """A text stream that appends to `<directory>/<pid>.log` of whichever process writes: a prefork
    worker's children inherit their parent's logger, and records of several processes sharing one file
    came out interleaved (a record split by another's), which made counts from the logs come out low.
    Line-buffered, so a SIGKILL loses no finished line."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self._pid = -1
        self._file: TextIO | None = None

    def _current(self) -> TextIO:
        if self._file is None or self._pid != os.getpid():
            self._pid = os.getpid()
            self._file = (self.directory / f"{self._pid}.log").open("a", buffering=1, encoding="utf-8")
        return self._file

    def write(self, text: str) -> int:
        return self._current().write(text)

    def flush(self) -> None:
        self._current().flush()


def configure_logging(settings: Settings) -> None:
    stream: TextIO | PerProcessLog = PerProcessLog(settings.log_dir) if settings.log_dir else sys.stderr
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if settings.log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(settings.log_level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=stream),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )
    # Records from the standard library's logging (Celery, uvicorn, SQLAlchemy...) come out in the same
    # format; at WARNING and above only, since their INFO lines (one per task received) drown the events.
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.stdlib.add_logger_name,
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
            ],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    handler.set_name(_HANDLER_NAME)
    root = logging.getLogger()
    # Replace only our own handler (configured again in each process), never a test runner's.
    root.handlers = [h for h in root.handlers if h.get_name() != _HANDLER_NAME] + [handler]
    root.setLevel(max(logging.WARNING, logging.getLevelName(settings.log_level.upper())))
