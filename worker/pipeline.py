"""The pipeline's plain functions: each takes a session and ids, re-fetches its rows, does one stage
and flushes. Celery tasks and tests call them; the caller commits."""

from __future__ import annotations

import uuid
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import structlog
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from models.batches import complete_batches_of
from models.contract_card import card_as_dict, rebuild_contract_card
from models.job_lifecycle import Lease, claim, complete_stage, fail_document, hold_lease, hold_leases, job_for
from models.normalisation import entity_values_in
from models.page_geometry import WordIndex, pack_words, unpack_words
from models.reasons import ReasonCode
from models.schema import (
    ContractCard,
    Document,
    DocumentPage,
    DocumentText,
    DocumentTokens,
    DocumentWords,
    Entity,
    Job,
    ModelVersion,
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
from worker.spans import document_flags

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
    document.tokens = DocumentTokens(
        tokenizer_sha256=windowing.fingerprint,
        token_ids=tokens.token_ids_bytes(),
        offsets=tokens.offsets_bytes(),
        windows=[list(w) for w in tokens.windows],
    )
    store_geometry(document, extracted)
    document.page_count = extracted.page_count
    document.char_count = len(extracted.text)
    document.token_count = tokens.token_count
    document.window_count = len(tokens.windows)
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
    """Run NER over documents in the `inferring` state and replace their entities; returns the ids done.

    With `leases`, only the documents whose lease this worker still holds get results written."""
    documents = session.scalars(
        select(Document)
        .where(Document.id.in_(document_ids), Document.status == NER.running_status)
        .options(selectinload(Document.text), selectinload(Document.tokens), selectinload(Document.words))
    ).all()
    if not documents:
        return []
    version = register_model(session, classifier)
    texts: list[str] = []
    tokenized: list[TokenizedText] = []
    for document in documents:
        texts.append(text_of(document).text)
        stored = document.tokens
        if stored is not None and stored.tokenizer_sha256 == classifier.tokenizer_sha256:
            tokenized.append(TokenizedText.from_bytes(stored.token_ids, stored.offsets, stored.windows))
        else:
            # Extracted under another model's tokenizer (a rolling model upgrade): windows are rebuilt.
            tokenized.append(classifier.preprocess(text_of(document).text))
    spans_per_document = classifier.predict_tokenized(texts, tokenized, batch_size=batch_size)
    if leases is not None:
        held = {lease.document_id for lease in hold_leases(session, leases)}
        kept = [(d, s) for d, s in zip(documents, spans_per_document, strict=True) if d.id in held]
        documents = [d for d, _ in kept]
        spans_per_document = [s for _, s in kept]
        if not documents:
            return []

    ids = [d.id for d in documents]
    word_indexes = [words_of(document) for document in documents]
    # A document that had results before (a reprocess) gets `document.updated` beside `document.done`,
    # saying what changed: the results as they were, read before they are replaced.
    earlier = {
        document.id: (document.entity_count, _card_facts(session.get(ContractCard, document.id)))
        for document in documents
        if document.model_id is not None
    }
    session.execute(delete(Entity).where(Entity.document_id.in_(ids)))
    rows = [
        {
            "document_id": document.id,
            "label": span.label,
            "text": span.text,
            "start_char": span.start,
            "end_char": span.end,
            "page": page_of(text_of(document).page_starts, span.start),
            "boxes": words.entity_boxes(span.start, span.end) if words is not None else None,
            "score": span.score,
            "model_id": version.id,
            # The words around a salary say its period ("Timelønnen er ...", "... pr. måned").
            **entity_values_in(text_of(document).text, span.label, span.start, span.end),
        }
        for document, spans, words in zip(documents, spans_per_document, word_indexes, strict=True)
        for span in spans
    ]
    if rows:
        session.execute(insert(Entity), rows)
    finished = utcnow()
    for document, spans in zip(documents, spans_per_document, strict=True):
        document.entity_count = len(spans)
        document.model_id = version.id
        complete_stage(session, document, NER, default_next(NER), now=finished)
    for document, spans in zip(documents, spans_per_document, strict=True):
        card = rebuild_contract_card(session, document.id, document_flags(spans), get_settings().review_min_confidence)
        if document.status != DONE:  # a later stage still has to run
            continue
        data = {**document_event_data(session, document), "entity_count": len(spans), "card": card_as_dict(card)}
        entities = _entities_of(session, document.id)
        record_event(session, "document.done", data, tenant_id=document.tenant_id, entities=entities)
        if document.id in earlier:
            entity_count_before, card_before = earlier[document.id]
            changes = {
                "previous_entity_count": entity_count_before,
                "card_changed": card_before != _card_facts(card),
            }
            record_event(
                session, "document.updated", {**data, **changes}, tenant_id=document.tenant_id, entities=entities
            )
        complete_batches_of(session, document.id)
        log.info("document.done", document_id=str(document.id), entities=len(spans), model=version.name)
    session.flush()
    session.expire_all()
    return ids


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
