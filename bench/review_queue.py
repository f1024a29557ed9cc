"""`GET /v1/review/next` at scale: builds N done documents with cards (30 % needing review, random lowest
confidence) with bulk SQL in the database at --url, then times `models.review.next_for_review` (one index
range per step, read until the first free row) beside the single query that sorts the whole queue (the
first version), each handing out --calls documents to distinct reviewers, alternating per call.

    python -m bench.review_queue --url postgresql+psycopg://postgres@127.0.0.1:5432/review_bench --documents 100000
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import case, create_engine, func, or_, select, text
from sqlalchemy.orm import Session

from models.migrate import upgrade_database
from models.review import next_for_review
from models.schema import ContractCard, Document, utcnow
from models.stages import DONE
from models.tenancy import tenant_named


def sorted_whole_queue(session: Session, tenant_id: uuid.UUID, reviewer: str, lease_s: float) -> Document | None:
    """The first version: one query ordering every unreviewed document of the tenant."""
    now = utcnow()
    mine = Document.review_lease_holder == reviewer
    document = session.scalars(
        select(Document)
        .join(ContractCard, ContractCard.document_id == Document.id)
        .where(
            Document.tenant_id == tenant_id,
            Document.status == DONE,
            Document.reviewed_at.is_(None),
            or_(Document.review_lease_expires_at.is_(None), Document.review_lease_expires_at <= now, mine),
        )
        .order_by(
            case((mine, 0), else_=1),
            ContractCard.needs_review.desc(),
            func.coalesce(ContractCard.lowest_confidence, 0.0),
            Document.created_at,
            Document.id,
        )
        .limit(1)
        .with_for_update(of=Document, skip_locked=True)
    ).first()
    if document is not None:
        document.review_lease_holder = reviewer
        document.review_lease_expires_at = now + timedelta(seconds=lease_s)
    return document


def build(session: Session, tenant_id: uuid.UUID, documents: int) -> None:
    have = session.scalar(text("SELECT count(*) FROM documents WHERE tenant_id = :t"), {"t": tenant_id}) or 0
    if have >= documents:
        return
    started = time.perf_counter()
    session.execute(
        text(
            "INSERT INTO documents (id, tenant_id, sha256, filename, content_type, size_bytes, status, version, "
            "created_at, finished_at) SELECT gen_random_uuid(), :t, md5(g::text) || md5((g + 1)::text), g || '.txt', "
            "'text/plain', 10, 'done', 1, now() - g * interval '1 second', now() FROM generate_series(:a, :b) g"
        ),
        {"t": tenant_id, "a": have + 1, "b": documents},
    )
    session.execute(
        text(
            "INSERT INTO contract_cards (document_id, confidence, flags, needs_review, lowest_confidence, updated_at) "
            "SELECT d.id, '{}', '[]', random() < 0.3, random(), now() FROM documents d "
            "LEFT JOIN contract_cards c ON c.document_id = d.id WHERE c.document_id IS NULL"
        )
    )
    session.commit()
    session.execute(text("ANALYZE documents"))
    session.execute(text("ANALYZE contract_cards"))
    session.commit()
    print(f"built {documents - have} documents in {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="a Postgres database this bench may fill")
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    upgrade_database(args.url)
    engine = create_engine(args.url)
    with Session(engine) as session:
        tenant = tenant_named(session, "review-bench", create=True)
        assert tenant is not None
        tenant_id = tenant.id
        session.commit()
        build(session, tenant_id, args.documents)

    shapes: dict[str, Callable[[Session, uuid.UUID, str, float], Document | None]] = {
        "sorted whole queue (before)": sorted_whole_queue,
        "index ranges (next_for_review)": next_for_review,
    }
    timings: dict[str, list[float]] = {name: [] for name in shapes}
    for call in range(args.calls):
        for name, shape in shapes.items():
            with Session(engine) as session:
                started = time.perf_counter()
                handed = shape(session, tenant_id, f"{name}-{call}", 600)
                session.commit()
                timings[name].append((time.perf_counter() - started) * 1000)
                assert handed is not None
    with Session(engine) as session:  # leave the queue as found, for the next run
        session.execute(text("UPDATE documents SET review_lease_holder = NULL, review_lease_expires_at = NULL "
                             "WHERE review_lease_holder IS NOT NULL"))  # fmt: skip
        session.commit()
    print(f"{args.documents} done documents, {args.calls} calls each, ms per call (with its commit):")
    for name, values in timings.items():
        print(f"  {name:32} median {statistics.median(values):8.1f}  max {max(values):8.1f}")


if __name__ == "__main__":
    main()
