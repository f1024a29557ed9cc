"""One export of `bench.query_scale`, in a process of its own so that its peak RSS is the export's:
ours through the app (`GET /v1/documents/export`, streamed), or the baseline, the object export it replaced
(`api.export.rows_written_from_objects`, which the embedded SQLite default still uses). Prints one JSON line.

    python -m bench.query_scale_export --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_q1 --format csv
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--format", default="csv", choices=["csv", "jsonl"])
    parser.add_argument("--implementation", default="ours", choices=["ours", "baseline"])
    parser.add_argument("--tenant", default="default")
    args = parser.parse_args()
    os.environ["CONTRACT_NER_DATABASE_URL"] = args.url
    os.environ["CONTRACT_NER_RATE_LIMIT_PER_MINUTE"] = "0"
    os.environ.pop("CONTRACT_NER_BROKER_URL", None)

    from fastapi.testclient import TestClient
    from sqlalchemy import func, select

    from api.app import create_app
    from api.export import rows_written_from_objects
    from models.db import read_only_session_scope, session_scope
    from models.queries import DocumentFilter
    from models.schema import Document
    from models.tenancy import issue_api_key, tenant_named

    with session_scope() as session:
        tenant = tenant_named(session, args.tenant)
        assert tenant is not None
        tenant_id = tenant.id
        token = issue_api_key(session, args.tenant, name="export bench").token
        rows = session.scalar(select(func.count()).select_from(Document).where(Document.tenant_id == tenant_id))
    client = TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})
    start_rss = rss_mb()
    size = 0
    started = time.perf_counter()
    if args.implementation == "ours":
        with client.stream("GET", "/v1/documents/export", params={"format": args.format}) as response:
            assert response.status_code == 200, response.read()[:300]
            for chunk in response.iter_bytes():
                size += len(chunk)
    else:
        with read_only_session_scope() as session:
            for chunk in rows_written_from_objects(session, DocumentFilter(), tenant_id, args.format):
                size += len(chunk)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "bytes": size, "seconds": seconds, "rows_per_s": (rows or 0) / seconds,
                      "start_rss_mb": start_rss, "peak_rss_mb": peak}))  # fmt: skip


if __name__ == "__main__":
    main()
