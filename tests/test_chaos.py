"""The CI version of the fault-injection run (bench/chaos.py): real API, worker and beat processes on
Postgres and a private Redis, while worker children and a whole worker are SIGKILLed and Redis restarts
and forgets its queues. Every accepted document must end `done` or `failed` with a reason, once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.chaos import ChaosPlan, run_chaos
from tests.conftest import TEST_DATABASE_URL


@pytest.mark.e2e
def test_a_short_chaos_run_loses_nothing_and_writes_nothing_twice(clean_database, tiny_model_dir: Path) -> None:
    plan = ChaosPlan(docs=100, child_kills=3, worker_kills=1, redis_restarts=1, timeout_s=420)

    report = run_chaos(plan, tiny_model_dir, TEST_DATABASE_URL, log=lambda line: print(line))

    print("\n".join(report.lines()))
    assert report.submitted == 100 and report.accepted == 100
    assert len(report.faults) == 5
    assert report.lost == 0
    assert report.duplicated_entity_rows == 0
    assert report.duplicate_completions == 0
    assert report.failed_without_reason == 0
    assert report.done + report.failed == report.accepted
    assert set(report.failed_reasons) <= {"parse_error"}  # only the truncated PDFs among the uploads
    assert report.done_exactly_once == report.done
