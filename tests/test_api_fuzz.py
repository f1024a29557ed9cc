"""Generated requests, valid and invalid, against every operation of the OpenAPI document (schemathesis,
in-process, with a valid key, on the real Postgres): no answer is a 5xx. The longer run is
`python -m bench.api_fuzz` (see bench/README.md)."""

from __future__ import annotations

import uuid

from api.app import create_app
from bench.api_fuzz import fuzz, print_report, seed_rows

CASES_PER_OPERATION = 40


def test_no_generated_request_gets_a_server_error(clean_database) -> None:
    token, existing = seed_rows(f"fuzz-{uuid.uuid4().hex[:8]}")

    report = fuzz(create_app(), token, CASES_PER_OPERATION, existing)

    print_report(report)
    assert len(report.cases) >= 18, "every operation of the OpenAPI document is fuzzed"
    assert report.total >= 500
    assert report.server_errors == []
