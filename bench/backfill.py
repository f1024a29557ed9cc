"""Backfill without waste, measured: N benchmark contracts through extract and ner with the default model
(the first run), a reviewer's work on each (one entity rejected, one confirmed, one added), then

1. a full replay of every document under the same key: the ner stage should run no windows;
2. half the documents moved to another decoding configuration (field decoding off) as if backfilled
   earlier, then `models.backfill` to that configuration: only the other half is stale and re-run.

Prints windows forwarded and seconds in the ner stage for each, and checks that every person's entity is
still there and no rejected span came back. Everything runs in one transaction that is rolled back (so no
message reaches a broker) in the database at --url.

    python -m bench.backfill --url postgresql+psycopg://postgres@127.0.0.1:5432/backfill_bench --documents 30
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Sequence

import numpy as np
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bench.corpus import benchmark_documents
from models.backfill import model_revision, queue_backfill, stale_documents
from models.intake import submit_document
from models.migrate import upgrade_database
from models.reprocess import reprocess_document
from models.review import add_entity, confirm_entity, reject_entity
from models.schema import HUMAN_SOURCE, Document, Entity
from models.settings import DEFAULT_MODEL_PATH
from worker.inference import TokenClassifier
from worker.pipeline import EXTRACT, NER, begin_stage, extract_document, recognize_entities


class Counted:
    """The classifier's forward, counting windows (the real forward runs)."""

    def __init__(self, classifier: TokenClassifier) -> None:
        self.windows = 0
        forward = classifier.forward

        def counted(windows: Sequence[np.ndarray], batch_size: int = 16) -> list[np.ndarray]:
            self.windows += len(windows)
            return forward(windows, batch_size=batch_size)

        classifier.forward = counted  # type: ignore[method-assign]


def ner_stage(
    session: Session, ids: list[uuid.UUID], classifier: TokenClassifier, counter: Counted
) -> tuple[int, float]:
    """The ner stage over `ids` in flushes of 32, as the worker gathers them: (windows, seconds)."""
    windows = counter.windows
    started = time.perf_counter()
    for start in range(0, len(ids), 32):
        chunk = ids[start : start + 32]
        for document_id in chunk:
            begin_stage(session, document_id, NER)
        recognize_entities(session, chunk, classifier)
    return counter.windows - windows, time.perf_counter() - started


def extract(session: Session, ids: list[uuid.UUID], classifier: TokenClassifier) -> None:
    for document_id in ids:
        begin_stage(session, document_id, EXTRACT)
        extract_document(session, document_id, classifier.windowing)


def review(session: Session, document: Document) -> tuple[set[int], set[tuple[str, int, int]]]:
    """Reject the first entity, confirm the second, add one on the first word: (people's ids, rejected)."""
    entities = session.scalars(select(Entity).where(Entity.document_id == document.id).order_by(Entity.id)).all()
    rejected = {(entities[0].label, entities[0].start_char, entities[0].end_char)}
    reject_entity(session, document, entities[0].id, "bench")
    kept = {confirm_entity(session, document, entities[1].id, "bench").id}
    assert document.text is not None
    first_word = document.text.text.split()[0]
    start = document.text.text.index(first_word)
    kept.add(add_entity(session, document, "bench", label="EMPLOYER", start=start, end=start + len(first_word)).id)
    return kept, rejected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--documents", type=int, default=20)
    parser.add_argument("--max-pages", type=int, default=3)
    args = parser.parse_args()

    upgrade_database(args.url)
    engine = create_engine(args.url)
    classifier = TokenClassifier.load(DEFAULT_MODEL_PATH)
    raw = TokenClassifier.load(DEFAULT_MODEL_PATH, field_decoding=False)
    counted, counted_raw = Counted(classifier), Counted(raw)
    texts = benchmark_documents(args.documents, max_pages=args.max_pages)
    with engine.connect() as connection, connection.begin() as outer:
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        salt = uuid.uuid4().hex  # other bytes than any earlier run's: dedup would hand back old documents
        ids = [submit_document(session, f"{text}\n{salt}".encode()).document.id for text in texts]
        extract(session, ids, classifier)
        first = ner_stage(session, ids, classifier, counted)
        people: set[int] = set()
        rejected: set[tuple[uuid.UUID, str, int, int]] = set()
        for document_id in ids:
            kept, spans = review(session, session.get_one(Document, document_id))
            people |= kept
            rejected |= {(document_id, *span) for span in spans}

        for document_id in ids:
            reprocess_document(session, session.get_one(Document, document_id))
        extract(session, ids, classifier)
        unchanged = ner_stage(session, ids, classifier, counted)

        half = ids[: len(ids) // 2]
        for document in session.scalars(select(Document).where(Document.id.in_(half))):
            queue_backfill(session, [document])
        earlier = ner_stage(session, half, raw, counted_raw)
        started = time.perf_counter()
        stale = stale_documents(session, model_revision(session, DEFAULT_MODEL_PATH), raw.decoding.sha256)
        selected_s = time.perf_counter() - started
        queue_backfill(session, stale)
        backfill = ner_stage(session, [d.id for d in stale], raw, counted_raw)

        still = set(session.scalars(select(Entity.id).where(Entity.id.in_(people))))
        humans = session.scalar(select(Entity.id).where(Entity.source == HUMAN_SOURCE).limit(1))
        back = {
            (e.document_id, e.label, e.start_char, e.end_char)
            for e in session.scalars(select(Entity).where(Entity.document_id.in_(ids)))
        } & rejected
        outer.rollback()

    print(f"documents: {len(ids)} ({args.max_pages} pages at most)")
    print(f"first run:                  {first[0]:5d} windows  {first[1]:7.2f} s in the ner stage")
    print(f"replay, key unchanged:      {unchanged[0]:5d} windows  {unchanged[1]:7.2f} s")
    print(f"half moved to raw groups:   {earlier[0]:5d} windows  {earlier[1]:7.2f} s ({len(half)} documents)")
    print(
        f"backfill to raw groups:     {backfill[0]:5d} windows  {backfill[1]:7.2f} s "
        f"({len(stale)} stale of {len(ids)}, selected in {selected_s * 1000:.1f} ms)"
    )
    print(f"people's entities kept: {len(still)} of {len(people)}; rejected spans back: {len(back)}")
    assert humans is not None and still == people and not back


if __name__ == "__main__":
    main()
