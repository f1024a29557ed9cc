"""End-to-end throughput and latency: N documents uploaded through the HTTP API until every entity is in
the database, with the API and workers running as real processes (the configured Postgres/Redis, or the
embedded default when none is configured).

    python -m bench.end_to_end [--docs 50] [--max-pages 12] [--extract-concurrency 2]

Prints docs/s, upload-to-done latency p50/p95/p99, and where the time goes per document, read from
the documents' own stage timestamps: queue (upload -> extract starts), extract (text, tokens, windows),
waiting for the ner worker, ner (model, post-processing and the database writes).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import httpx

from bench.corpus import benchmark_documents, describe


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _seconds(later: str | None, earlier: str | None) -> float:
    if later is None or earlier is None:
        return float("nan")
    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=50)
    parser.add_argument("--max-pages", type=int, default=12)
    parser.add_argument("--extract-concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()

    run = uuid.uuid4().hex[:8]
    # A marker per run: uploads are deduplicated by content, so a rerun must not find finished documents.
    texts = [f"{t}\n\nBench {run}-{n}" for n, t in enumerate(benchmark_documents(args.docs, max_pages=args.max_pages))]
    port = _free_port()
    env = {**os.environ, "CONTRACT_NER_QUEUE_PREFIX": f"bench-{run}-"}
    if not env.get("CONTRACT_NER_DATABASE_URL"):
        env.setdefault("CONTRACT_NER_DATA_DIR", tempfile.mkdtemp(prefix="contract-ner-bench-"))
    cli = [sys.executable, "-m", "cli.main"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
    commands = [
        [sys.executable, "-m", "uvicorn", "api.app:app", "--port", str(port), "--log-level", "warning"],
        [*cli, "worker", "--queues", "extract", "--concurrency", str(args.extract_concurrency)],
        [*cli, "worker", "--queues", "ner"],
    ]
    log = open(Path(tempfile.gettempdir()) / f"contract-ner-bench-{run}.log", "wb")  # noqa: SIM115
    processes = [
        subprocess.Popen(c, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True) for c in commands
    ]
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=60) as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"the API did not start; see {log.name}")
                time.sleep(0.3)
            time.sleep(3)  # let the workers connect before the clock starts

            def upload(text: str) -> str:
                response = client.post("/v1/documents", files={"file": ("contract.txt", text.encode())})
                response.raise_for_status()
                return str(response.json()["id"])

            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=4) as pool:
                ids = list(pool.map(upload, texts))
            pending = set(ids)
            documents: dict[str, dict] = {}
            while pending and time.monotonic() - started < args.timeout:
                for document_id in list(pending):
                    document = client.get(f"/v1/documents/{document_id}").json()
                    if document["status"] in ("done", "failed"):
                        documents[document_id] = document
                        pending.discard(document_id)
                time.sleep(0.5)
            elapsed = time.monotonic() - started
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)

    finished = list(documents.values())
    latency = [_seconds(d["finished_at"], d["created_at"]) for d in finished]
    # Each stage's waiting and running seconds, as the API reports them from the job rows.
    stages: dict[str, list[float]] = {}
    for document in finished:
        for stage in document["stages"]:
            waited, ran = stage["waited_s"], stage["ran_s"]
            for name, seconds in ((f"waiting for {stage['stage']}", waited), (stage["stage"], ran)):
                if seconds is not None:
                    stages.setdefault(name, []).append(seconds)
    mode = "embedded SQLite" if not env.get("CONTRACT_NER_DATABASE_URL") else "Postgres + Redis"
    print(f"mode: {mode}; corpus: {describe(texts)}; extract concurrency {args.extract_concurrency}")
    print(f"finished {len(finished)}/{len(ids)} ({sum(d['status'] == 'failed' for d in finished)} failed) "
          f"in {elapsed:.1f}s: {len(finished) / elapsed:.2f} docs/s")  # fmt: skip
    print(f"upload-to-done latency: p50 {_percentile(latency, 0.5):.2f}s, p95 {_percentile(latency, 0.95):.2f}s, "
          f"p99 {_percentile(latency, 0.99):.2f}s")  # fmt: skip
    total = sum(statistics.fmean(v) for v in stages.values())
    for name, values in stages.items():
        mean = statistics.fmean(values)
        print(f"  {name:<30} mean {mean:6.2f}s  ({100 * mean / total:4.1f}% of a document's time)")


if __name__ == "__main__":
    main()
