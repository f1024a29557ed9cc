"""Logs to files, one per process: a prefork worker's children inherit their parent's logger, and
records of processes sharing one file came out interleaved (one record split by another)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import structlog

from models.settings import get_settings
from models.structured_logging import configure_logging


def test_a_forked_child_logs_to_a_file_of_its_own(tmp_path: Path) -> None:
    configure_logging(get_settings().model_copy(update={"log_dir": tmp_path, "log_format": "json"}))
    log = structlog.get_logger("test")
    log.info("parent.before_fork")

    child = os.fork()
    if child == 0:  # pragma: no cover - the child's records are checked from its file
        for n in range(200):
            log.info("child.record", n=n, padding="x" * 500)
        os._exit(0)
    for n in range(200):
        log.info("parent.record", n=n, padding="y" * 500)
    os.waitpid(child, 0)
    configure_logging(get_settings())

    parent_records = [json.loads(line) for line in (tmp_path / f"{os.getpid()}.log").read_text().splitlines()]
    child_records = [json.loads(line) for line in (tmp_path / f"{child}.log").read_text().splitlines()]
    assert [r["event"] for r in parent_records] == ["parent.before_fork"] + ["parent.record"] * 200
    assert [r["n"] for r in child_records] == list(range(200))
