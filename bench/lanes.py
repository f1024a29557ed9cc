"""Interactive uploads behind a bulk backlog: the lanes against one shared queue, in one run.

    python -m bench.lanes [--bulk 200] [--interactive 20] [--every 1.0] [--max-pages 3]

One stack (API, extract worker, ner worker as real processes on the configured Postgres and Redis, the
default model) serves three phases, each with fresh documents:

1. bulk alone: `--bulk` documents uploaded in the bulk lane; their throughput is the reference;
2. lanes: the same backlog, then `--interactive` single uploads arriving every `--every` seconds in the
   interactive lane;
3. one lane (the baseline, as before lanes): the same, but the single uploads join the bulk lane, i.e.
   queue behind the backlog.

With `--interactive-ner-worker` a second ner worker consumes the interactive lane alone (and the first
the bulk lane alone).

Then, with `--tenant-docs N`, two tenants' bulk backlogs: tenant A's N documents are queued, then tenant
B's N; prints when each tenant's last document ended, from the moment both were queued (with one shared
bulk queue B would end after all of A's: a ratio near 2; with per-tenant queues taking turns, near 1).

Prints, per phase, the single uploads' upload-to-done latency (p50, p95, max) and the backlog's
throughput (documents per second from its first upload to its last document done), then the ratios:
interactive p95 of one lane over lanes, and bulk throughput with interactive traffic over bulk alone.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx

from bench.corpus import benchmark_documents, describe
from bench.end_to_end import _free_port, _percentile


@dataclass
class Phase:
    name: str
    interactive_lane: str | None  # None: no single uploads
    bulk_ids: list[str] = field(default_factory=list)
    single_ids: list[str] = field(default_factory=list)
    documents: dict[str, dict] = field(default_factory=dict)
    bulk_started: float = 0.0
    bulk_finished: float = 0.0

    def latencies(self) -> list[float]:
        return [
            (datetime.fromisoformat(d["finished_at"]) - datetime.fromisoformat(d["created_at"])).total_seconds()
            for i in self.single_ids
            if (d := self.documents.get(i)) and d.get("finished_at")
        ]

    @property
    def bulk_throughput(self) -> float:
        return len(self.bulk_ids) / max(1e-9, self.bulk_finished - self.bulk_started)

    def line(self) -> str:
        text = f"{self.name:<26} bulk {len(self.bulk_ids)} docs at {self.bulk_throughput:.2f} docs/s"
        latencies = self.latencies()
        if latencies:
            text += (
                f"; single uploads {len(latencies)}/{len(self.single_ids)} done: p50 {_percentile(latencies, 0.5):.1f}s"
                f", p95 {_percentile(latencies, 0.95):.1f}s, max {max(latencies):.1f}s"
            )
        return text


def run_phase(client: httpx.Client, phase: Phase, bulk: list[str], singles: list[str], every_s: float) -> None:
    def upload(text: str, lane: str) -> str:
        response = client.post("/v1/documents", files={"file": ("contract.txt", text.encode())}, data={"lane": lane})
        response.raise_for_status()
        return str(response.json()["id"])

    phase.bulk_started = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:
        phase.bulk_ids = list(pool.map(lambda t: upload(t, "bulk"), bulk))

    def trickle() -> None:
        for text in singles:
            phase.single_ids.append(upload(text, phase.interactive_lane or "interactive"))
            time.sleep(every_s)

    trickler = threading.Thread(target=trickle, daemon=True)
    if phase.interactive_lane is not None:
        trickler.start()
    pending = set(phase.bulk_ids)
    while pending or trickler.is_alive() or set(phase.single_ids) - set(phase.documents):
        for document_id in [*pending, *(set(phase.single_ids) - set(phase.documents))]:
            document = client.get(f"/v1/documents/{document_id}").json()
            if document["status"] in ("done", "failed"):
                phase.documents[document_id] = document
                if document_id in pending:
                    pending.discard(document_id)
                    if not pending:
                        phase.bulk_finished = time.monotonic()
        time.sleep(0.5)


def two_tenants(texts: list[str], per_tenant: int) -> None:
    """Tenant A's documents queued, then tenant B's, straight through the intake; when each tenant's last
    document ended, counted from the moment both backlogs were queued."""
    from sqlalchemy import func, select

    from models.db import session_scope
    from models.intake import submit_document
    from models.lanes import Lane
    from models.schema import Document
    from models.tenancy import tenant_named

    with session_scope() as session:
        tenants = [tenant_named(session, f"bench tenant {name}", create=True) for name in ("a", "b")]
        tenant_ids = [tenant.id for tenant in tenants if tenant is not None]
    time.sleep(10)  # the workers follow the new tenants' bulk queues at their next heartbeat
    ids: dict[uuid.UUID, list[uuid.UUID]] = {}
    for n, tenant_id in enumerate(tenant_ids):
        with session_scope() as session:
            ids[tenant_id] = [
                submit_document(session, text.encode(), tenant_id=tenant_id, lane=Lane.bulk).document.id
                for text in texts[n * per_tenant : (n + 1) * per_tenant]
            ]
    queued = datetime.now().astimezone()
    finished: dict[uuid.UUID, float] = {}
    while len(finished) < len(tenant_ids):
        with session_scope() as session:
            for tenant_id, documents in ids.items():
                if tenant_id in finished:
                    continue
                open_count, last = session.execute(
                    select(
                        func.count().filter(Document.status.not_in(("done", "failed"))), func.max(Document.finished_at)
                    ).where(Document.id.in_(documents))
                ).one()
                if open_count == 0:
                    finished[tenant_id] = (last - queued).total_seconds() if last else 0.0
        time.sleep(1)
    a, b = (finished[tenant_id] for tenant_id in tenant_ids)
    print(
        f"two tenants, {per_tenant} bulk documents each (A queued first): A done after {a:.1f}s, B after {b:.1f}s; "
        f"slower / faster {max(a, b) / min(a, b):.2f} (one shared queue: B ends after all of A's, about 2)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bulk", type=int, default=200)
    parser.add_argument("--interactive", type=int, default=20)
    parser.add_argument("--every", type=float, default=1.0, help="seconds between single uploads")
    parser.add_argument("--max-pages", type=int, default=3)
    parser.add_argument("--extract-concurrency", type=int, default=1)
    parser.add_argument("--tenant-docs", type=int, default=0, help="bulk documents per tenant, two tenants")
    parser.add_argument(
        "--interactive-ner-worker",
        action="store_true",
        help="a ner worker per lane (`worker --queues ner --lane interactive`, `... --lane bulk`)",
    )
    args = parser.parse_args()

    run = uuid.uuid4().hex[:8]
    texts = benchmark_documents(3 * (args.bulk + args.interactive) + 2 * args.tenant_docs, max_pages=args.max_pages)
    # A marker per document: uploads are deduplicated by content.
    texts = [f"{t}\n\nLanes {run}-{n}" for n, t in enumerate(texts)]
    port = _free_port()
    # A 9 s lease: workers beat every 3 s, so they follow a new tenant's bulk queue within seconds.
    overrides = {"CONTRACT_NER_QUEUE_PREFIX": f"lanes-{run}-", "CONTRACT_NER_LEASE_S": "9"}
    os.environ.update(overrides)  # this process queues the two tenants' documents itself
    env = {**os.environ, **overrides, "CONTRACT_NER_AUTH_REQUIRED": "false"}
    if not env.get("CONTRACT_NER_DATABASE_URL"):
        raise SystemExit("set CONTRACT_NER_DATABASE_URL and CONTRACT_NER_BROKER_URL: lanes are a Redis queue matter")
    cli = [sys.executable, "-m", "cli.main"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
    commands = [
        [sys.executable, "-m", "uvicorn", "api.app:app", "--port", str(port), "--log-level", "warning"],
        [*cli, "worker", "--queues", "extract", "--concurrency", str(args.extract_concurrency)],
        [*cli, "worker", "--queues", "ner"],
    ]
    if args.interactive_ner_worker:
        # Single uploads never join a bulk flush: one ner worker per lane.
        commands[-1] += ["--lane", "bulk"]
        commands.append([*cli, "worker", "--queues", "ner", "--lane", "interactive"])
    log = open(Path(tempfile.gettempdir()) / f"contract-ner-lanes-{run}.log", "wb")  # noqa: SIM115
    processes = [
        subprocess.Popen(c, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True) for c in commands
    ]
    phases = [Phase("bulk alone", None), Phase("lanes", "interactive"), Phase("one lane (baseline)", "bulk")]
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            deadline = time.monotonic() + 300
            while True:
                try:
                    workers = client.get("/readyz").json().get("workers", {})
                    if workers and all(v.endswith(" alive") for k, v in workers.items() if k in ("extract", "ner")):
                        break
                except (httpx.HTTPError, ValueError):
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"the stack did not start; see {log.name}")
                time.sleep(0.5)
            size = args.bulk + args.interactive
            print(f"corpus: {describe(texts)}; log {log.name}", flush=True)
            for n, phase in enumerate(phases):
                chunk = texts[n * size : (n + 1) * size]
                run_phase(client, phase, chunk[: args.bulk], chunk[args.bulk :], args.every)
                print(phase.line(), flush=True)
            if args.tenant_docs:
                two_tenants(texts[3 * size :], args.tenant_docs)
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)

    alone, lanes, one_lane = phases
    lanes_p95 = _percentile(lanes.latencies(), 0.95)
    one_lane_p95 = _percentile(one_lane.latencies(), 0.95)
    print(
        f"single uploads' p95: one lane {one_lane_p95:.1f}s / lanes {lanes_p95:.1f}s = {one_lane_p95 / lanes_p95:.1f}x"
    )
    print(
        f"bulk throughput with single uploads / alone: lanes {lanes.bulk_throughput / alone.bulk_throughput:.2f}, "
        f"one lane {one_lane.bulk_throughput / alone.bulk_throughput:.2f}"
    )


if __name__ == "__main__":
    main()
