"""`contract-ner extract`: a folder of contracts through the model in-process, without queue or database,
the way the workers would process them.

Files are parsed in parallel, each PDF/DOCX in its own limited child process as the extract workers
parse them (`worker.contained_extraction`): a bounded pool of threads keeps up to `jobs` of those
children running, so containment holds and the threads only wait. Parsed documents are gathered in
input order into groups of up to `documents_per_batch` (as many as are parsed when the model is free),
and each group goes through the model in one `TokenClassifier.predict_tokenized` call, whose windows
of all documents share padded batches, as the ner worker runs them (`worker.pipeline.recognize_entities`).
While the model runs one group, the pool parses the next. Results come out in input order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.content_types import describe_unsupported, sniff_content_type
from models.contract_card import CardValues, EntityValue, card_values
from models.normalisation import NormalisedValue, normalise_in
from models.page_geometry import WordIndex
from models.settings import get_settings
from worker.contained_extraction import ExtractionUnavailable
from worker.extraction import (
    DEFAULT_EXTRACTORS,
    DEFAULT_OCR_READERS,
    ExtractedText,
    ExtractionError,
    TextExtractor,
    read_text,
)
from worker.inference import TokenClassifier
from worker.pipeline import page_of
from worker.spans import EntitySpan, document_flags


@dataclass(frozen=True)
class FoundEntity:
    span: EntitySpan
    page: int
    value: NormalisedValue
    boxes: list[list[float]]
    """One `[page, x0, y0, x1, y1]` per line, PDF points from the page's top-left (`models.page_geometry`);
    empty for formats without geometry."""


@dataclass(frozen=True)
class FileResult:
    """One input: its entities (in text order) with their normalised values, or why it could not be read."""

    source: Path
    entities: list[FoundEntity] | None = None
    error: str | None = None
    # What field decoding found about the document as a whole (worker.fields.competing_values).
    document_flags: tuple[str, ...] = ()
    # The review threshold the stored card uses (settings.review_min_confidence).
    min_confidence: float | None = None

    @property
    def card(self) -> CardValues:
        """The contract card of these entities, computed as the stored card is (`models.contract_card`)."""
        found = self.entities or []
        return card_values(
            (EntityValue.of(e.span.label, e.span.text, e.span.score, e.value) for e in found),
            document_flags=self.document_flags,
            min_confidence=self.min_confidence,
        )

    def as_record(self, values: bool = False, card: bool = False) -> dict[str, Any]:
        if self.error is not None:
            return {"source": str(self.source), "error": self.error}
        record: dict[str, Any] = {
            "source": str(self.source),
            "entities": [_entity_record(e, values) for e in self.entities or []],
        }
        if card:
            record["card"] = self.card.as_dict()
        return record


def _entity_record(entity: FoundEntity, values: bool) -> dict[str, Any]:
    span = entity.span
    record: dict[str, Any] = {
        "label": span.label,
        "text": span.text,
        "start": span.start,
        "end": span.end,
        "score": round(span.score, 4),
        "page": entity.page,
    }
    if entity.boxes:
        record["boxes"] = entity.boxes
    if values:
        value = entity.value
        record |= {
            "value_date": value.date.isoformat() if value.date is not None else None,
            "value_number": f"{value.number:f}" if value.number is not None else None,
            "value_unit": value.unit,
            "value_period": value.period,
        }
    return record


def parse_file(
    path: Path,
    extractors: Mapping[str, TextExtractor] = DEFAULT_EXTRACTORS,
    ocr_readers: Mapping[str, TextExtractor] = DEFAULT_OCR_READERS,
) -> ExtractedText | str:
    """The file's text (read by OCR where it has no text layer, as the ocr stage reads it), or the
    reason it has none ("unsupported_type: ...")."""
    try:
        data = path.read_bytes()
        content_type = sniff_content_type(data) if data else None
        if content_type is None:
            raise ExtractionError("unsupported_type", "empty file" if not data else describe_unsupported(data))
        return read_text(data, content_type, extractors, ocr_readers)
    except ExtractionError as exc:
        return str(exc)
    except ExtractionUnavailable as exc:
        return f"unavailable: {exc}"
    except OSError as exc:
        return f"unreadable: {exc}"


def extract_files(
    paths: Sequence[Path],
    classifier: TokenClassifier,
    jobs: int = 4,
    documents_per_batch: int = 32,
    batch_size: int = 16,
    on_parsed: Callable[[], None] | None = None,
    extractors: Mapping[str, TextExtractor] = DEFAULT_EXTRACTORS,
) -> Iterator[FileResult]:
    """Entities of every file, in input order, each yielded once its group has been through the model."""
    if jobs < 1 or documents_per_batch < 1:
        raise ValueError("jobs and documents_per_batch must be at least 1")
    # Parsed texts wait here until the model takes them: a group ahead of the one it runs, no more.
    lookahead = 2 * documents_per_batch
    remaining = iter(paths)
    pending: deque[tuple[Path, Future[ExtractedText | str]]] = deque()
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="parse") as pool:

        def submit_ahead() -> None:
            while len(pending) < lookahead and (path := next(remaining, None)) is not None:
                future = pool.submit(parse_file, path, extractors)
                if on_parsed is not None:
                    future.add_done_callback(lambda _: on_parsed())
                pending.append((path, future))

        submit_ahead()
        while pending:
            # The model takes the next file once it is parsed, and every file after it that is parsed
            # by then: it never waits for a full group while the pool is still parsing (the ner
            # worker's flush interval), and groups grow as parsing gets ahead of it.
            group: list[tuple[Path, ExtractedText | str]] = []
            while pending and len(group) < documents_per_batch and (not group or pending[0][1].done()):
                path, future = pending.popleft()
                group.append((path, future.result()))
                submit_ahead()
            yield from _recognise(group, classifier, batch_size)


def _recognise(
    group: list[tuple[Path, ExtractedText | str]], classifier: TokenClassifier, batch_size: int
) -> Iterator[FileResult]:
    texts = [parsed for _, parsed in group if isinstance(parsed, ExtractedText)]
    tokenized = [classifier.preprocess(parsed.text) for parsed in texts]
    found = iter(classifier.predict_tokenized([t.text for t in texts], tokenized, batch_size=batch_size))
    for path, parsed in group:
        if not isinstance(parsed, ExtractedText):
            yield FileResult(path, error=parsed)
            continue
        words = WordIndex(parsed.words)
        spans = next(found)
        yield FileResult(
            path,
            entities=[_found(parsed, words, span) for span in spans],
            document_flags=document_flags(spans),
            min_confidence=get_settings().review_min_confidence,
        )


def _found(parsed: ExtractedText, words: WordIndex, span: EntitySpan) -> FoundEntity:
    value = normalise_in(parsed.text, span.label, span.start, span.end)
    boxes = words.entity_boxes(span.start, span.end)
    return FoundEntity(span, page_of(parsed.page_starts, span.start), value, boxes)
