"""Property-based fuzzing of the HTTP API: schemathesis generates requests from the OpenAPI document, valid
ones and invalid ones, and sends them to the app in-process (ASGI) with a valid API key, on the real
database. No answer may be a 5xx (or an exception out of the app): bad input must be a 4xx.

    CONTRACT_NER_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/fuzz \\
        python -m bench.api_fuzz [--cases 200] [--seed 1]

Prints the cases sent per operation and every 5xx; exits 1 if there was one. `tests/test_api_fuzz.py`
runs a shorter version in the test suite.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.core.result import Err
from schemathesis.generation import GenerationMode

# Path parameters that name rows which exist, so that generation also reaches past the 404.
Existing = dict[str, uuid.UUID]


@dataclass
class FuzzReport:
    cases: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.cases.values())


def fuzz(app: Any, token: str, cases_per_operation: int, existing: Existing, run_seed: int = 1) -> FuzzReport:
    """Send `cases_per_operation` generated requests to every operation: half valid, half invalid (as far
    as the schema allows); an operation with path parameters gets half of its valid ones with ids of
    rows that exist."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    auth = {"Authorization": f"Bearer {token}"}
    report = FuzzReport()
    started = time.monotonic()
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise RuntimeError(f"the OpenAPI document has an operation schemathesis cannot read: {result.err()}")
        operation = result.ok()
        known = {name: str(existing[name]) for name in _path_parameters(operation) if name in existing}
        plans: list[tuple[GenerationMode, dict[str, str] | None, int]] = [
            (GenerationMode.POSITIVE, None, cases_per_operation // 2),
            (GenerationMode.NEGATIVE, None, cases_per_operation - cases_per_operation // 2),
        ]
        if known:
            half = cases_per_operation // 4
            plans = [(GenerationMode.POSITIVE, None, half), (GenerationMode.POSITIVE, known, half), plans[1]]
        for mode, path_parameters, count in plans:
            if count:
                _run(operation, mode, path_parameters, count, auth, report, run_seed)
    report.seconds = time.monotonic() - started
    return report


def _path_parameters(operation: Any) -> list[str]:
    return [parameter.name for parameter in operation.path_parameters]


def _run(
    operation: Any,
    mode: GenerationMode,
    path_parameters: dict[str, str] | None,
    count: int,
    auth: dict[str, str],
    report: FuzzReport,
    run_seed: int,
) -> None:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @seed(run_seed)
    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # every case counts once: nothing to shrink, nothing replayed
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def send(case: Any) -> None:
        report.cases[operation.label] += 1
        try:
            response = case.call(headers=auth)
        except Exception as exc:  # an exception out of the app is a 500 the client would have got
            report.server_errors.append(f"{operation.label}: {type(exc).__name__}: {exc}\n{_describe(case)}")
            return
        if response.status_code >= 500:
            body = response.content[:300].decode("utf-8", "replace")
            report.server_errors.append(f"{operation.label}: {response.status_code} {body}\n{_describe(case)}")

    try:
        send()
    except Unsatisfiable:
        if mode is not GenerationMode.NEGATIVE:
            raise
        # Nothing in the request can be made invalid (no parameters, no body): no negative case exists.


def _describe(case: Any) -> str:
    parts = {"path": case.path_parameters, "query": case.query, "headers": case.headers, "body": case.body}
    return "  " + ", ".join(f"{name}={value!r}"[:400] for name, value in parts.items() if value)


def print_report(report: FuzzReport) -> None:
    width = max(len(label) for label in report.cases)
    for label, count in sorted(report.cases.items()):
        print(f"{label:<{width}}  {count:>6}")
    print(f"{'total':<{width}}  {report.total:>6}  in {report.seconds:.0f} s")
    print(f"5xx answers: {len(report.server_errors)}")
    for error in report.server_errors:
        print(error)


def seed_rows(tenant_name: str) -> tuple[str, Existing]:
    """A key of the tenant and one row of each kind a path can name."""
    from models.batches import open_batch
    from models.db import session_scope
    from models.intake import submit_document
    from models.tenancy import issue_api_key
    from models.webhooks import create_subscription

    with session_scope() as session:
        issued = issue_api_key(session, tenant_name, rate_limit_per_minute=10_000_000)
        tenant_id = issued.api_key.tenant_id
        document = submit_document(session, f"Kontrakt {uuid.uuid4()}".encode(), tenant_id=tenant_id).document
        batch = open_batch(session, "fuzz", tenant_id=tenant_id)
        subscription = create_subscription(
            session, "https://93.184.215.14/hook", ["document.done"], tenant_id=tenant_id
        )
        existing = {"document_id": document.id, "batch_id": batch.id, "subscription_id": subscription.id}
    return issued.token, existing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200, help="generated requests per operation")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from api.app import create_app
    from models.migrate import upgrade_database
    from models.settings import get_settings

    url = get_settings().resolved_database_url
    upgrade_database(url)
    token, existing = seed_rows(f"fuzz-{uuid.uuid4().hex[:8]}")
    report = fuzz(create_app(), token, args.cases, existing, args.seed)
    print_report(report)
    sys.exit(1 if report.server_errors else 0)


if __name__ == "__main__":
    main()
