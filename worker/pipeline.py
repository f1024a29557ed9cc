"""The pipeline's plain functions: each takes a session and ids, re-fetches its rows, does one stage
and flushes. Celery tasks and tests call them; the caller commits."""

from __future__ import annotations

import uuid
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import structlog
from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from models.batches import complete_batches_of
from models.contract_card import card_as_dict, rebuild_contract_card
from models.job_lifecycle import Lease, claim, complete_stage, fail_document, hold_lease, hold_leases, job_for
from models.normalisation import entity_values_in
from models.page_geometry import WordIndex, pack_words, unpack_words
from models.reasons import ReasonCode
from models.results_key import text_sha256
from models.schema import (
    HUMAN_SOURCE,
    MODEL_SOURCE,
    ContractCard,
    Document,
    DocumentPage,
    DocumentText,
    DocumentTokens,
    DocumentWords,
    Entity,
    Job,
    ModelVersion,
    ReviewAction,
    utcnow,
)
from models.settings import get_settings
from models.stages import DONE, Stage, default_next, stage_named
from models.webhooks import document_event_data, entities_payload, record_event
from worker.chunking import TokenizedText, Windowing
from worker.extraction import (
    DEFAULT_EXTRACTORS,
    DEFAULT_OCR_READERS,
    ExtractedText,
    ExtractionError,
    TextExtractor,
    extract_text,
    text_layer,
)
from worker.inference import TokenClassifier
from worker.spans import EntitySpan, document_flags

__all__ = [
    "EXTRACT",
    "NER",
    "OCR",
    "begin_stage",
    "extract_document",
    "fail_document",
    "recognize_entities",
    "recognize_text",
]

log = structlog.get_logger(__name__)

EXTRACT = stage_named("extract")
OCR = stage_named("ocr")
NER = stage_named("ner")


def begin_stage(session: Session, document_id: uuid.UUID, stage: Stage) -> Lease | None:
    """Claim the stage with the configured lease and attempt cap (see `models.job_lifecycle.claim`)."""
    settings = get_settings()
    return claim(session, document_id, stage, settings.lease_s, settings.max_attempts)


def extract_document(
    session: Session,
    document_id: uuid.UUID,
    windowing: Windowing,
    extractors: Mapping[str, TextExtractor] = DEFAULT_EXTRACTORS,
    lease: Lease | None = None,
) -> Job | None:
    """Extract text and build token windows; returns the next stage's job, published after commit.
    A document whose text layer is missing or too thin (an image, a scan) goes to the OCR stage as it
    is: nothing of a partial text layer is stored, the OCR stage reads the whole document.

    With `lease`, results are written only while it is held (`LeaseLost` otherwise). Raises
    `ExtractionError` for bad input; the caller records the failure."""
    document = _running(session, document_id, EXTRACT)
    if document is None:
        return None
    extracted = text_layer(document.file.content, document.content_type, extractors)
    if extracted is None:
        if lease is not None:
            hold_lease(session, lease)
        complete_stage(session, document, EXTRACT, OCR)
        log.info("document.needs_ocr", document_id=str(document_id), content_type=document.content_type)
        return job_for(session, document_id, OCR)
    return _store_text(session, document, EXTRACT, extracted, windowing, lease)


def recognize_text(
    session: Session,
    document_id: uuid.UUID,
    windowing: Windowing,
    readers: Mapping[str, TextExtractor] = DEFAULT_OCR_READERS,
    lease: Lease | None = None,
) -> Job | None:
    """The OCR stage: read the document's pages without a usable text layer (`worker.ocr`, in its
    limited child), keep the text layer of the others, and build token windows; returns the next
    stage's job. Raises `ExtractionError` (`ocr_failed`, `too_large`, `timeout`, `memory_limit`, ...)."""
    document = _running(session, document_id, OCR)
    if document is None:
        return None
    extracted = extract_text(document.file.content, document.content_type, readers)
    return _store_text(session, document, OCR, extracted, windowing, lease)


def _running(session: Session, document_id: uuid.UUID, stage: Stage) -> Document | None:
    document = session.scalars(
        select(Document).where(Document.id == document_id).options(selectinload(Document.file))
    ).one_or_none()
    if document is None or document.status != stage.running_status:
        return None
    return document


def _store_text(
    session: Session,
    document: Document,
    stage: Stage,
    extracted: ExtractedText,
    windowing: Windowing,
    lease: Lease | None,
) -> Job | None:
    """Store the document's text, windows and geometry and queue the stage after `stage`. Raises
    `ExtractionError` (`too_large`) for more windows than `max_windows_per_document`."""
    tokens = windowing.chunk(extracted.text)
    cap = get_settings().max_windows_per_document
    if len(tokens.windows) > cap:
        raise ExtractionError(
            ReasonCode.too_large,
            f"the text makes {len(tokens.windows)} token windows ({tokens.token_count} tokens), more than the "
            f"{cap} one document may take (CONTRACT_NER_MAX_WINDOWS_PER_DOCUMENT)",
        )
    if lease is not None:
        hold_lease(session, lease)  # after the slow part: the row lock must not block the heartbeat
    document.text = DocumentText(text=extracted.text, page_starts=extracted.page_starts)
    store_tokens(document, tokens, windowing.fingerprint)
    store_geometry(document, extracted)
    document.page_count = extracted.page_count
    document.char_count = len(extracted.text)
    next_stage = default_next(stage)
    complete_stage(session, document, stage, next_stage)
    log.info(
        "document.extracted",
        document_id=str(document.id),
        stage=stage.name,
        pages=extracted.page_count,
        ocr_pages=sum(page.source == "ocr" for page in extracted.pages),
        chars=len(extracted.text),
        tokens=tokens.token_count,
        windows=len(tokens.windows),
    )
    return job_for(session, document.id, next_stage) if next_stage is not None else None


def store_tokens(document: Document, tokens: TokenizedText, tokenizer_sha256: str) -> None:
    """The document's token windows under a tokenizer, replacing any from another one."""
    document.tokens = DocumentTokens(
        tokenizer_sha256=tokenizer_sha256,
        token_ids=tokens.token_ids_bytes(),
        offsets=tokens.offsets_bytes(),
        windows=[list(w) for w in tokens.windows],
    )
    document.token_count = tokens.token_count
    document.window_count = len(tokens.windows)


def store_geometry(document: Document, extracted: ExtractedText) -> None:
    """The pages' sizes and sources and the packed word boxes, replacing any from an earlier run; a
    format without geometry (plain text, DOCX) leaves none."""
    document.pages = [
        DocumentPage(
            page_number=number,
            width=page.width,
            height=page.height,
            source=page.source,
            ocr_confidence=page.ocr_confidence,
        )
        for number, page in enumerate(extracted.pages, start=1)
    ]
    document.words = (
        DocumentWords(word_count=len(extracted.words), boxes=pack_words(extracted.words)) if extracted.words else None
    )


def register_model(session: Session, classifier: TokenClassifier) -> ModelVersion:
    """The model's row, made if new. Workers register their model in a transaction of its own when they
    load it (`worker.tasks.get_classifier`): made inside a batch's transaction, the new row's unique key
    made every other ner worker's first batch wait for that whole batch, then fail on the duplicate."""
    query = select(ModelVersion).where(
        ModelVersion.name == classifier.name, ModelVersion.weights_sha256 == classifier.weights_sha256
    )
    version = session.scalars(query).one_or_none()
    if version is None:
        try:
            with session.begin_nested():
                version = ModelVersion(
                    name=classifier.name, weights_sha256=classifier.weights_sha256, labels=classifier.labels
                )
                session.add(version)
        except IntegrityError:  # another worker registered it meanwhile
            version = session.scalars(query).one()
    return version


def page_of(page_starts: Sequence[int], char_offset: int) -> int:
    return max(1, bisect_right(page_starts, char_offset))


def recognize_entities(
    session: Session,
    document_ids: Sequence[uuid.UUID],
    classifier: TokenClassifier,
    batch_size: int = 16,
    leases: Sequence[Lease] | None = None,
) -> list[uuid.UUID]:
    """Run NER over documents in the `inferring` state and replace their model entities; returns the ids done.

    A document whose entities were made under this run's key (`models.results_key`: the same weights,
    decoding configuration and text) costs no model time: its entities stay and the stage only completes.
    A re-run replaces only unconfirmed model entities: human and confirmed entities stay, and the model
    does not bring back a span a reviewer rejected or corrected away (`_reviewed_spans`). A document that
    had results before gets `document.updated` beside `document.done`: what changed, and whether a model ran.

    With `leases`, only the documents whose lease this worker still holds get results written."""
    documents = session.scalars(
        select(Document)
        .where(Document.id.in_(document_ids), Document.status == NER.running_status)
        .options(selectinload(Document.text), selectinload(Document.tokens), selectinload(Document.words))
    ).all()
    if not documents:
        return []
    version = register_model(session, classifier)
    decoding_sha256 = classifier.decoding.sha256
    text_hashes = {document.id: text_sha256(text_of(document).text) for document in documents}
    earlier_weights = dict(
        session.execute(
            select(ModelVersion.id, ModelVersion.weights_sha256).where(
                ModelVersion.id.in_({d.model_id for d in documents if d.model_id is not None})
            )
        )
        .tuples()
        .all()
    )
    unchanged = {
        document.id
        for document in documents
        if document.model_id is not None
        and earlier_weights.get(document.model_id) == classifier.weights_sha256
        and document.decoding_sha256 == decoding_sha256
        and document.ner_text_sha256 == text_hashes[document.id]
    }
    to_run = [document for document in documents if document.id not in unchanged]
    spans_of: dict[uuid.UUID, list[EntitySpan]] = {}
    retokenized: dict[uuid.UUID, TokenizedText] = {}
    if to_run:
        texts: list[str] = []
        tokenized: list[TokenizedText] = []
        for document in to_run:
            texts.append(text_of(document).text)
            stored = document.tokens
            if stored is not None and stored.tokenizer_sha256 == classifier.tokenizer_sha256:
                tokenized.append(TokenizedText.from_bytes(stored.token_ids, stored.offsets, stored.windows))
            else:
                # Extracted under another model's tokenizer (a rolling model upgrade, a backfill to a new
                # model): windows are rebuilt, and stored below so the next run under this model reads them.
                retokenized[document.id] = classifier.preprocess(text_of(document).text)
                tokenized.append(retokenized[document.id])
        predicted = classifier.predict_tokenized(texts, tokenized, batch_size=batch_size)
        spans_of = {document.id: spans for document, spans in zip(to_run, predicted, strict=True)}
    if leases is not None:
        held = {lease.document_id for lease in hold_leases(session, leases)}
        documents = [d for d in documents if d.id in held]
        if not documents:
            return []

    for document in documents:
        if document.id in retokenized:
            store_tokens(document, retokenized[document.id], classifier.tokenizer_sha256)
    # A document that had results before (a reprocess, a backfill) gets `document.updated` beside
    # `document.done`, saying what changed: the results as they were, read before they are replaced.
    earlier = {
        document.id: (document.entity_count, _card_facts(session.get(ContractCard, document.id)))
        for document in documents
        if document.model_id is not None
    }
    ran = [d for d in documents if d.id in spans_of]
    changed = _replace_model_entities(session, ran, spans_of, version.id)
    counts = dict(
        session.execute(
            select(Entity.document_id, func.count())
            .where(Entity.document_id.in_([d.id for d in documents]))
            .group_by(Entity.document_id)
        )
        .tuples()
        .all()
    )
    finished = utcnow()
    for document in documents:
        document.entity_count = counts.get(document.id, 0)
        document.model_id = version.id
        document.decoding_sha256 = decoding_sha256
        document.ner_text_sha256 = text_hashes[document.id]
        complete_stage(session, document, NER, default_next(NER), now=finished)
    min_confidence = get_settings().review_min_confidence
    for document in documents:
        # Decoding's flags from this run; an unchanged key keeps the ones the card has (None).
        flags = document_flags(spans_of[document.id]) if document.id in spans_of else None
        card = rebuild_contract_card(session, document.id, flags, min_confidence)
        if document.status != DONE:  # a later stage still has to run
            continue
        data = {
            **document_event_data(session, document),
            "entity_count": document.entity_count,
            "card": card_as_dict(card),
        }
        entities = _entities_of(session, document.id)
        record_event(session, "document.done", data, tenant_id=document.tenant_id, entities=entities)
        if document.id in earlier:
            entity_count_before, card_before = earlier[document.id]
            added, removed = changed.get(document.id, (0, 0))
            changes = {
                "previous_entity_count": entity_count_before,
                "card_changed": card_before != _card_facts(card),
                "added": added,
                "removed": removed,
                "model_run": document.id in spans_of,
            }
            record_event(
                session, "document.updated", {**data, **changes}, tenant_id=document.tenant_id, entities=entities
            )
        complete_batches_of(session, document.id)
        log.info(
            "document.done",
            document_id=str(document.id),
            entities=document.entity_count,
            model=version.name,
            model_run=document.id in spans_of,
        )
    session.flush()
    session.expire_all()
    return [d.id for d in documents]


# What makes two entities the same result: span, label, text and normalised value (not the score).
EntityFacts = tuple[str, int, int, str, object, object, object, object]
ENTITY_FACT_COLUMNS = (
    Entity.label,
    Entity.start_char,
    Entity.end_char,
    Entity.text,
    Entity.value_date,
    Entity.value_number,
    Entity.value_unit,
    Entity.value_period,
)


def _replace_model_entities(
    session: Session, documents: Sequence[Document], spans_of: Mapping[uuid.UUID, Sequence[EntitySpan]], model_id: int
) -> dict[uuid.UUID, tuple[int, int]]:
    """Delete the documents' unconfirmed model entities and insert the new spans, leaving out those a
    person already decided: a span (label, start, end) that a human or confirmed entity holds, or that a
    reviewer rejected or corrected away. Returns {document id: (added, removed)} for those whose entities
    changed (facts as `EntityFacts`)."""
    if not documents:
        return {}
    ids = [d.id for d in documents]
    replaceable = (Entity.document_id.in_(ids), Entity.source == MODEL_SOURCE, Entity.confirmed_at.is_(None))
    before: dict[uuid.UUID, set[EntityFacts]] = {d.id: set() for d in documents}
    for document_id, *facts in session.execute(select(Entity.document_id, *ENTITY_FACT_COLUMNS).where(*replaceable)):
        before[document_id].add(tuple(facts))  # type: ignore[arg-type]
    decided = _reviewed_spans(session, ids)
    session.execute(delete(Entity).where(*replaceable))
    rows = []
    for document in documents:
        text = text_of(document)
        words = words_of(document)
        for span in spans_of[document.id]:
            if (document.id, span.label, span.start, span.end) in decided:
                continue
            rows.append(
                {
                    "document_id": document.id,
                    "label": span.label,
                    "text": span.text,
                    "start_char": span.start,
                    "end_char": span.end,
                    "page": page_of(text.page_starts, span.start),
                    "boxes": words.entity_boxes(span.start, span.end) if words is not None else None,
                    "score": span.score,
                    "model_id": model_id,
                    # The words around a salary say its period ("Timelønnen er ...", "... pr. måned").
                    **entity_values_in(text.text, span.label, span.start, span.end),
                }
            )
    if rows:
        session.execute(insert(Entity), rows)
    after: dict[uuid.UUID, set[EntityFacts]] = {d.id: set() for d in documents}
    for row in rows:
        after[row["document_id"]].add(
            (
                row["label"],
                row["start_char"],
                row["end_char"],
                row["text"],
                row.get("value_date"),
                row.get("value_number"),
                row.get("value_unit"),
                row.get("value_period"),
            )
        )
    return {
        document_id: (len(after[document_id] - facts), len(facts - after[document_id]))
        for document_id, facts in before.items()
        if facts != after[document_id]
    }


def _reviewed_spans(session: Session, document_ids: Sequence[uuid.UUID]) -> set[tuple[uuid.UUID, str, int, int]]:
    """(document, label, start, end) of spans a person decided: those a human or confirmed entity holds,
    and the model spans a reviewer rejected or corrected (the audit row's `before`). The model must not
    add them again: a rejected one would come back, a corrected one would stand beside its correction."""
    decided: set[tuple[uuid.UUID, str, int, int]] = set(
        session.execute(
            select(Entity.document_id, Entity.label, Entity.start_char, Entity.end_char).where(
                Entity.document_id.in_(document_ids),
                or_(Entity.source == HUMAN_SOURCE, Entity.confirmed_at.is_not(None)),
            )
        ).tuples()
    )
    actions = session.execute(
        select(ReviewAction.document_id, ReviewAction.before).where(
            ReviewAction.document_id.in_(document_ids), ReviewAction.action.in_(("reject", "correct"))
        )
    ).tuples()
    for document_id, before in actions:
        if before and before.get("source") == MODEL_SOURCE:
            decided.add((document_id, before["label"], before["start"], before["end"]))
    return decided


def _card_facts(card: ContractCard | None) -> dict[str, Any] | None:
    """The card's facts, without when it was rebuilt: what `card_changed` compares."""
    if card is None:
        return None
    facts = card_as_dict(card)
    facts.pop("updated_at", None)
    return facts


def _entities_of(session: Session, document_id: uuid.UUID) -> Callable[[], list[dict[str, Any]]]:
    def read() -> list[dict[str, Any]]:
        rows = session.scalars(
            select(Entity).where(Entity.document_id == document_id).order_by(Entity.start_char, Entity.id)
        ).all()
        return entities_payload(rows)

    return read


def words_of(document: Document) -> WordIndex | None:
    """The document's word boxes, or None when its format has no geometry."""
    if document.words is None:
        return None
    return WordIndex(list(unpack_words(document.words.boxes)))


def text_of(document: Document) -> DocumentText:
    if document.text is None:
        raise ValueError(f"document {document.id} has no extracted text")
    return document.text
