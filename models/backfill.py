"""Backfill without waste (issue 14): after a model change, re-run NER for the documents whose results key
(`models.results_key`) changes under the new revision, and only for those; report what changed.

    stale_documents ──> snapshot_entities (before) + rerun_from(ner), bulk lane ──> ner workers
                                                                                   │ (entities replaced,
    write_report <── entity_diff <── snapshot_entities (after) <── all final <─────┘  people's kept)

Re-running is the normal job machinery (`models.job_lifecycle.rerun_from` -> `queue_stage`, published
after commit to the ner stage's bulk queue, `models.lanes`): the text and tokens stay, and the ner stage
keeps human and confirmed entities and leaves out spans reviewers rejected (`worker.pipeline`). The ner
workers run the model they were started with: a backfill to a revision they do not run re-runs the
documents under the workers' model, whose key the stage then records.

Plain functions on the caller's session (they flush; the caller commits); `contract-ner backfill` drives
them. No torch here: the revision of a checkpoint directory is the fingerprint of its weight files."""

from __future__ import annotations

import csv
import json
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from models.job_lifecycle import rerun_from
from models.lanes import Lane
from models.results_key import weights_fingerprint
from models.schema import Document, DocumentText, Entity, Job, ModelVersion
from models.stages import DONE, FINAL_STATUSES, stage_named

NER = stage_named("ner")
# A prefix of a weights sha256 shorter than this is too easy to mistype into another revision.
MIN_FINGERPRINT_PREFIX = 8


class BackfillRefused(Exception):
    """The backfill cannot run as asked (an unknown revision, a bad filter)."""


@dataclass(frozen=True)
class ModelRevision:
    """A model revision: its weights' fingerprint, and how it was named."""

    weights_sha256: str
    name: str


def model_revision(session: Session, rev: str | Path) -> ModelRevision:
    """The revision `rev` names: a checkpoint directory (its weight files' fingerprint), a `model_versions`
    id, or a prefix of a registered revision's weights sha256 (at least 8 hex digits)."""
    path = Path(rev)
    if path.is_dir():
        try:
            return ModelRevision(weights_fingerprint(path), str(path))
        except FileNotFoundError as exc:
            raise BackfillRefused(str(exc)) from exc
    text = str(rev).strip().lower()
    if text.isdigit():
        version = session.get(ModelVersion, int(text))
        if version is None:
            raise BackfillRefused(f"no model version {text}")
        return ModelRevision(version.weights_sha256, version.name)
    if len(text) >= MIN_FINGERPRINT_PREFIX and all(c in "0123456789abcdef" for c in text):
        found = session.execute(
            select(ModelVersion.weights_sha256, ModelVersion.name)
            .where(ModelVersion.weights_sha256.startswith(text, autoescape=True))
            .order_by(ModelVersion.id)
        ).all()
        fingerprints = {weights for weights, _ in found}
        if len(fingerprints) == 1:
            return ModelRevision(found[0][0], found[0][1])
        if len(fingerprints) > 1:
            raise BackfillRefused(f"{text} is the start of {len(fingerprints)} revisions' fingerprints: give more")
    raise BackfillRefused(
        f"{rev!r} is neither a checkpoint directory, a model version id nor a registered weights sha256 prefix"
    )


@dataclass(frozen=True)
class BackfillFilter:
    """Which documents a backfill looks at: statuses (final ones only), created in [from, to), a tenant,
    and at most `limit` of them, oldest first."""

    statuses: tuple[str, ...] = (DONE,)
    created_from: datetime | None = None
    created_to: datetime | None = None
    tenant_id: uuid.UUID | None = None
    limit: int | None = None

    def __post_init__(self) -> None:
        wrong = [status for status in self.statuses if status not in FINAL_STATUSES]
        if not self.statuses or wrong:
            raise BackfillRefused(f"a backfill re-runs finished documents: statuses among {', '.join(FINAL_STATUSES)}")
        if self.limit is not None and self.limit < 1:
            raise BackfillRefused("limit must be at least 1")


def stale_documents(
    session: Session, revision: ModelRevision, decoding_sha256: str, where: BackfillFilter = BackfillFilter()
) -> Sequence[Document]:
    """The documents whose results key would change under `revision` and `decoding_sha256`: made by
    other weights, under another decoding configuration, or under an unknown key (before migration 0014,
    or never run). Only documents with their text (not purged, extracted): NER re-runs on the kept text."""
    query = (
        select(Document)
        .outerjoin(ModelVersion, ModelVersion.id == Document.model_id)
        .where(
            Document.status.in_(where.statuses),
            Document.purged_at.is_(None),
            exists().where(DocumentText.document_id == Document.id),
            or_(
                Document.model_id.is_(None),
                ModelVersion.weights_sha256 != revision.weights_sha256,
                Document.decoding_sha256.is_(None),
                Document.decoding_sha256 != decoding_sha256,
            ),
        )
    )
    if where.created_from is not None:
        query = query.where(Document.created_at >= _aware(where.created_from))
    if where.created_to is not None:
        query = query.where(Document.created_at < _aware(where.created_to))
    if where.tenant_id is not None:
        query = query.where(Document.tenant_id == where.tenant_id)
    query = query.order_by(Document.created_at, Document.id)
    if where.limit is not None:
        query = query.limit(where.limit)
    return session.scalars(query).all()


def queue_backfill(session: Session, documents: Iterable[Document]) -> list[Job]:
    """Queue the documents' ner stage again in the bulk lane (live uploads go first, `models.lanes`); the
    jobs are published once the caller commits. The document stays in the bulk lane: a job the sweeper
    publishes again must go to the same queue."""
    jobs = []
    for document in documents:
        document.lane = Lane.bulk
        jobs.append(rerun_from(session, document, NER))
    return jobs


@dataclass(frozen=True)
class EntityRecord:
    """What the diff compares of an entity: span and label (its identity), text and normalised value."""

    label: str
    start: int
    end: int
    text: str
    value: str | None
    source: str
    confirmed: bool

    @property
    def span(self) -> tuple[str, int, int]:
        return (self.label, self.start, self.end)


Snapshot = dict[uuid.UUID, list[EntityRecord]]


def snapshot_entities(session: Session, document_ids: Sequence[uuid.UUID]) -> Snapshot:
    """The documents' entities as they are now (every document named gets a list, maybe empty)."""
    snapshot: Snapshot = {document_id: [] for document_id in document_ids}
    for chunk in _chunks(list(document_ids), 1000):
        for entity in session.scalars(
            select(Entity).where(Entity.document_id.in_(chunk)).order_by(Entity.document_id, Entity.start_char)
        ):
            snapshot[entity.document_id].append(
                EntityRecord(
                    entity.label,
                    entity.start_char,
                    entity.end_char,
                    entity.text,
                    entity_value(entity),
                    entity.source,
                    entity.confirmed_at is not None,
                )
            )
    return snapshot


def entity_value(entity: Entity) -> str | None:
    """The normalised value as one comparable string: a date, or a number with its unit and period."""
    if entity.value_date is not None:
        return entity.value_date.isoformat()
    if entity.value_number is None:
        return None
    number = _plain(entity.value_number)
    return " ".join(
        part for part in (number, entity.value_unit, entity.value_period and f"/{entity.value_period}") if part
    )


@dataclass(frozen=True)
class EntityChange:
    document_id: str
    label: str
    change: str  # added, removed or changed (the same span and label, another text or value)
    start: int
    end: int
    before_text: str | None
    before_value: str | None
    after_text: str | None
    after_value: str | None


CHANGE_KINDS = ("added", "removed", "changed")


@dataclass
class EntityDiff:
    """What a backfill changed: every change, and the counts per label and per document and label."""

    documents: int
    changes: list[EntityChange] = field(default_factory=list)

    def per_label(self) -> dict[str, dict[str, int]]:
        counts: dict[str, Counter[str]] = {}
        for change in self.changes:
            counts.setdefault(change.label, Counter())[change.change] += 1
        return {label: {kind: counts[label][kind] for kind in CHANGE_KINDS} for label in sorted(counts)}

    def per_document(self) -> dict[str, dict[str, dict[str, int]]]:
        counts: dict[str, dict[str, Counter[str]]] = {}
        for change in self.changes:
            counts.setdefault(change.document_id, {}).setdefault(change.label, Counter())[change.change] += 1
        return {
            document: {label: {kind: labels[label][kind] for kind in CHANGE_KINDS} for label in sorted(labels)}
            for document, labels in sorted(counts.items())
        }

    def totals(self) -> dict[str, int]:
        counted = Counter(change.change for change in self.changes)
        return {
            "documents": self.documents,
            "documents_changed": len({change.document_id for change in self.changes}),
            **{kind: counted[kind] for kind in CHANGE_KINDS},
        }


def entity_diff(
    before: Mapping[uuid.UUID, Sequence[EntityRecord]], after: Mapping[uuid.UUID, Sequence[EntityRecord]]
) -> EntityDiff:
    """Entities compared by (label, start, end) per document: in `after` only (added), in `before` only
    (removed), in both with another text or value (changed). Ordered by document, then span."""
    diff = EntityDiff(documents=len(set(before) | set(after)))
    for document_id in sorted(set(before) | set(after), key=str):
        old = {record.span: record for record in before.get(document_id, ())}
        new = {record.span: record for record in after.get(document_id, ())}
        for span in sorted(set(old) | set(new), key=lambda s: (s[1], s[2], s[0])):
            was, now = old.get(span), new.get(span)
            if was is not None and now is not None and (was.text, was.value) == (now.text, now.value):
                continue
            kind = "added" if was is None else "removed" if now is None else "changed"
            diff.changes.append(
                EntityChange(
                    str(document_id),
                    span[0],
                    kind,
                    span[1],
                    span[2],
                    was.text if was else None,
                    was.value if was else None,
                    now.text if now else None,
                    now.value if now else None,
                )
            )
    return diff


CSV_COLUMNS = tuple(EntityChange.__dataclass_fields__)


def write_report(directory: Path, diff: EntityDiff, about: Mapping[str, Any]) -> tuple[Path, Path]:
    """`diff.csv` (one row per change) and `diff.json` (what the backfill was, totals, counts per label
    and per document and label, and the changes) in `directory`; returns both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = directory / "diff.csv", directory / "diff.json"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(asdict(change) for change in diff.changes)
    report = {
        **about,
        "totals": diff.totals(),
        "per_label": diff.per_label(),
        "per_document": diff.per_document(),
        "changes": [asdict(change) for change in diff.changes],
    }
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return csv_path, json_path


def _plain(number: Decimal) -> str:
    """32500.0000 -> 32500, 37.5000 -> 37.5 (the column's scale is not part of the value)."""
    return format(number.normalize(), "f")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _chunks(items: list[uuid.UUID], size: int) -> Iterable[list[uuid.UUID]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
