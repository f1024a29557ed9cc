"""The SQLAlchemy 2.0 schema: Postgres is the truth for every document, its bytes, text, tokens,
jobs and entities. Changed only through Alembic revisions in `migrations/`."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    event,
    inspect,
)
from sqlalchemy import false as sql_false
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, validates

from models.lanes import LANE_LENGTH
from models.stages import DOCUMENT_STATUSES, STAGES, STATUS_LENGTH, first_stage

# Named constraints make Alembic revisions deterministic and portable between Postgres and SQLite.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only autoincrements INTEGER PRIMARY KEY; Postgres gets a real bigint identity.
BigIntId = BigInteger().with_variant(Integer(), "sqlite")


def _where(condition: str) -> dict[str, Any]:
    """A partial index's condition, the same on Postgres and on the embedded SQLite."""
    return {"postgresql_where": sql_text(condition), "sqlite_where": sql_text(condition)}


def utcnow() -> datetime:
    return datetime.now(UTC)


# Where an entity came from (`entities.source`).
MODEL_SOURCE = "model"
HUMAN_SOURCE = "human"


class UTCDateTime(TypeDecorator[datetime]):
    """A moment in time, always timezone-aware UTC in Python whatever the database: Postgres keeps the
    zone, SQLite (the embedded default) hands back naive values that were written in UTC. A naive
    datetime is refused on the way in rather than guessed at."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: use an aware one (models.schema.utcnow)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
    }


class JobState(enum.StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as plain strings with a CHECK constraint: adding a state later needs no ALTER TYPE.
    return Enum(cls, name=name, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class PipelineStage(Base):
    """`models.stages.PIPELINE` mirrored in SQL for the dashboard views (synced by `contract-ner migrate`)."""

    __tablename__ = "pipeline_stages"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    waiting_status: Mapped[str] = mapped_column(String(16))
    running_status: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))


class ModelVersion(Base):
    """One row per distinct model a worker has loaded: entities point at the model that found them."""

    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("name", "weights_sha256"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    weights_sha256: Mapped[str] = mapped_column(String(64))
    labels: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelPromotion(Base):
    """One promotion or rollback of the model the ner workers load (`models.model_promotions`), never
    updated or deleted: replaying the rows in order gives which model is current and what a rollback
    returns to. `model_path` null: back to the configured `CONTRACT_NER_MODEL`. Migration 0015."""

    __tablename__ = "model_promotions"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    # `models.model_promotions.PROMOTION_ACTIONS`: promote, rollback.
    action: Mapped[str] = mapped_column(String(16))
    model_path: Mapped[str | None] = mapped_column(String(1000))
    # The first 12 hex digits of the weights' sha256 (`training.train.weights_revision`).
    revision: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Tenant(Base):
    """Whose data a row is: every document, batch and webhook subscription belongs to one tenant, and
    every API key authenticates as one. Single-user setups use the `default` tenant."""

    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """An API key, stored as the SHA-256 of the token: tokens are 256-bit random, so a fast hash
    suffices (no password stretching needed) and a leaked table does not leak usable keys."""

    __tablename__ = "api_keys"
    __table_args__ = (Index(None, "tenant_id"), Index(None, "prefix"))

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str | None] = mapped_column(String(200))
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # The token's first characters, kept in clear so a person can tell keys apart in `keys list`.
    prefix: Mapped[str] = mapped_column(String(16))
    # Requests per minute; null: the `rate_limit_per_minute` setting.
    rate_limit_per_minute: Mapped[int | None] = mapped_column(Integer)
    # The lane of the key's uploads when neither the upload nor its batch names one; null: interactive.
    lane: Mapped[str | None] = mapped_column(String(LANE_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    tenant: Mapped[Tenant] = relationship(lazy="joined")


class IdempotencyKey(Base):
    """The answer to a request sent with an `Idempotency-Key` header, so a retry of the same request
    gets the same answer instead of a second document or batch. Written in the same transaction as
    what the request created: either both exist or neither."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("tenant_id", "endpoint", "key"), Index(None, "expires_at"))

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    endpoint: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(200))
    request_sha256: Mapped[str] = mapped_column(String(64))
    # Null only inside the transaction that claimed the key: the row commits with its answer, and a
    # concurrent request with the same key waits on the unique index until then.
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        # Dedup by content and DMS versioning are per tenant: two tenants may hold the same file.
        UniqueConstraint("tenant_id", "sha256"),
        Index(None, "tenant_id", "created_at", "id"),
        Index(None, "created_at", "id"),
        Index(None, "status"),
        Index(None, "tenant_id", "external_id", "version"),
        # Issue 17 (migration 0012): dashboards' time ranges, the models' last use, failure reasons.
        Index("ix_documents_finished_at", "finished_at"),
        Index("ix_documents_model_id_finished_at", "model_id", "finished_at"),
        Index("ix_documents_failed", "error_code", "finished_at", **_where("status = 'failed'")),
        Index("ix_documents_tenant_id_status_created_at_id", "tenant_id", "status", "created_at", "id"),
        # What retention has still to purge (migration 0012c).
        Index(
            "ix_documents_unpurged_finished_at",
            "finished_at",
            **_where("purged_at IS NULL AND finished_at IS NOT NULL"),
        ),
        # The documents a reviewer holds (`GET /v1/review/next`, migration 0013).
        Index("ix_documents_review_lease_holder", "review_lease_holder", **_where("review_lease_holder IS NOT NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(String(512))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    external_id: Mapped[str | None] = mapped_column(String(200))
    # DMS metadata as sent on upload ("metadata" is reserved by SQLAlchemy's declarative base).
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    previous_version_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    # One of `models.stages.DOCUMENT_STATUSES`: which stage the document waits for or runs in, or how it ended.
    status: Mapped[str] = mapped_column(String(STATUS_LENGTH), default=lambda: first_stage().waiting_status)
    error_code: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    page_count: Mapped[int | None] = mapped_column(Integer)
    char_count: Mapped[int | None] = mapped_column(Integer)
    token_count: Mapped[int | None] = mapped_column(Integer)
    window_count: Mapped[int | None] = mapped_column(Integer)
    entity_count: Mapped[int | None] = mapped_column(Integer)
    model_id: Mapped[int | None] = mapped_column(ForeignKey("model_versions.id"))
    # The rest of the key its model entities were made under (`models.results_key`, migration 0014): with
    # `sha256` and the model's weights, the decoding configuration's hash and the text the offsets point into.
    decoding_sha256: Mapped[str | None] = mapped_column(String(64))
    ner_text_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the document reached done or failed; each stage's own times are on its job row.
    finished_at: Mapped[datetime | None]
    # When retention deleted its bytes, text and tokens (models.retention); its entities and card stay.
    purged_at: Mapped[datetime | None]
    # `models.lanes.Lane`: which of each stage's queues the document's jobs are published to.
    lane: Mapped[str] = mapped_column(String(LANE_LENGTH), default="interactive", server_default="interactive")
    # When a reviewer marked it reviewed, and who (the API key's name): it then no longer needs review.
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    # Who `GET /v1/review/next` handed it to, until when (`models.review.next_for_review`). On the document
    # row itself: the row lock that hands it out and the lease it writes are one row (migration 0013).
    review_lease_holder: Mapped[str | None] = mapped_column(String(200))
    review_lease_expires_at: Mapped[datetime | None]

    # passive_deletes: erasing a document leaves its children to ON DELETE CASCADE in the database
    # instead of loading the bytes, text and entities only to delete them.
    file: Mapped[DocumentFile] = relationship(
        cascade="all, delete-orphan", uselist=False, lazy="raise", passive_deletes=True
    )
    text: Mapped[DocumentText | None] = relationship(cascade="all, delete-orphan", uselist=False, passive_deletes=True)
    tokens: Mapped[DocumentTokens | None] = relationship(
        cascade="all, delete-orphan", uselist=False, passive_deletes=True
    )
    jobs: Mapped[list[Job]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="Job.id", passive_deletes=True
    )
    entities: Mapped[list[Entity]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="Entity.start_char", passive_deletes=True
    )
    pages: Mapped[list[DocumentPage]] = relationship(
        cascade="all, delete-orphan", order_by="DocumentPage.page_number", passive_deletes=True
    )
    words: Mapped[DocumentWords | None] = relationship(
        cascade="all, delete-orphan", uselist=False, lazy="raise", passive_deletes=True
    )
    # Other external ids the same bytes were uploaded under (migration 0013b).
    linked_external_ids: Mapped[list[DocumentExternalId]] = relationship(
        cascade="all, delete-orphan", order_by="DocumentExternalId.id", passive_deletes=True
    )

    @validates("status")
    def _known_status(self, _key: str, status: str) -> str:
        if status not in DOCUMENT_STATUSES:
            raise ValueError(f"unknown document status {status!r}; known: {', '.join(DOCUMENT_STATUSES)}")
        return status


class DocumentFile(Base):
    """The original bytes, in the database so workers on other machines need no shared disk."""

    __tablename__ = "document_files"

    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class DocumentText(Base):
    """Extracted text; `page_starts[i]` is the character offset where page i+1 begins."""

    __tablename__ = "document_texts"

    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    page_starts: Mapped[list[int]] = mapped_column(JSON)


class DocumentTokens(Base):
    """The document tokenized once by the extract stage, so the ner stage only runs the model.

    Token ids and character offsets are little-endian int32 arrays; `windows` lists [start, end)
    token ranges that each fit the model with its special tokens."""

    __tablename__ = "document_tokens"

    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    tokenizer_sha256: Mapped[str] = mapped_column(String(64))
    token_ids: Mapped[bytes] = mapped_column(LargeBinary)
    offsets: Mapped[bytes] = mapped_column(LargeBinary)
    windows: Mapped[list[list[int]]] = mapped_column(JSON)


class DocumentPage(Base):
    """A page of a document with geometry (PDFs, images): its size in PDF points as a viewer shows it
    (crop box, rotation applied) and where its text came from. Migration 0011."""

    __tablename__ = "document_pages"

    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    # 1-based, as people and `entities.page` count pages.
    page_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    width: Mapped[float] = mapped_column(Float)
    height: Mapped[float] = mapped_column(Float)
    # `text_layer`, `ocr` or `none` (see `worker.extracted_text.PageLayout`).
    source: Mapped[str] = mapped_column(String(16))
    # Tesseract's mean word confidence (0 to 100) on an OCR page.
    ocr_confidence: Mapped[float | None] = mapped_column(Float)


class DocumentWords(Base):
    """Every word's box on its page, packed (`models.page_geometry.WORD_RECORD`, 28 bytes a word): a
    contract has thousands of words, read together when entities get their boxes and never one by one.
    Migration 0011."""

    __tablename__ = "document_words"

    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    word_count: Mapped[int] = mapped_column(Integer)
    boxes: Mapped[bytes] = mapped_column(LargeBinary)


class Job(Base):
    """One row per pipeline stage of a document: the database, not the broker, knows what is pending.

    Written only through `models.job_lifecycle`, which keeps the state, lease, error and timestamp
    fields consistent with each other and with the document's status."""

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("document_id", "stage"),
        Index(None, "state", "stage", "created_at"),
        Index(None, "state", "lease_expires_at"),
        Index(None, "state", "held_until"),
        # The open jobs only: queue depth and /metrics stay as cheap as the queues are short (migration 0012).
        Index("ix_jobs_open", "stage", "state", "queued_at", "created_at", **_where("state IN ('queued', 'running')")),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    # A `models.stages.PIPELINE` stage's name.
    stage: Mapped[str] = mapped_column(String(16))
    state: Mapped[JobState] = mapped_column(_enum(JobState, "job_state"), default=JobState.queued)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # The reason code of the last failed attempt, so a job that exhausts its attempts fails with it.
    last_error_code: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]
    # This run of the stage: when it became due, when its latest attempt started, when it finished.
    queued_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # The lease of the attempt that runs the job: results are committed only while the token still
    # matches (fencing), and the sweeper requeues a running job whose lease expired (a dead worker).
    lease_token: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    lease_expires_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    # Which worker process has the job in hand (`host:pid`): the one that claimed it, or one that
    # received its message and has not claimed it yet (a prefetched or batch-buffered message). Such a
    # hold lasts until `held_until`; the receiving worker renews it with its heartbeat, and the sweeper
    # requeues a queued job whose hold expired (its worker died with the message).
    held_by: Mapped[str | None] = mapped_column(String(200))
    held_until: Mapped[datetime | None]

    document: Mapped[Document] = relationship(back_populates="jobs")

    @validates("stage")
    def _known_stage(self, _key: str, stage: str) -> str:
        if stage not in STAGES:
            raise ValueError(f"unknown pipeline stage {stage!r}; known: {', '.join(STAGES)}")
        return stage


class DocumentEvent(Base):
    """A document's progress as a tenant's live stream (`GET /v1/events`, Server-Sent Events): one row per
    status change, written in the transaction that makes the change (`models.live_events`); the id
    is the stream's position, so a client resumes with `Last-Event-ID`. Kept for a day."""

    __tablename__ = "document_events"
    __table_args__ = (Index(None, "tenant_id", "id"), Index(None, "created_at"))

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    # Erasing the document erases its events with it.
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(STATUS_LENGTH))
    error_code: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkerHeartbeat(Base):
    """A worker's latest heartbeat per queue it consumes: `/readyz` and the metrics tell from these
    whether any worker is alive for each queue (`models.worker_liveness`)."""

    __tablename__ = "worker_heartbeats"

    # Celery's node name (`ner@host`): a restarted worker takes over its row.
    worker: Mapped[str] = mapped_column(String(200), primary_key=True)
    # The queue's name without `CONTRACT_NER_QUEUE_PREFIX`: a stage's, `webhooks` or `maintenance`.
    queue: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The process (`host:pid`) that beats, as it appears in `jobs.held_by`.
    holder: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class Entity(Base):
    __tablename__ = "entities"
    __table_args__ = (
        Index(None, "document_id", "start_char"),
        Index(None, "label", "id"),
        # Fact filters (label + value_gte/value_lte) answered from the index alone (migration 0012).
        Index("ix_entities_label_value_number", "label", "value_number", "document_id",
              **_where("value_number IS NOT NULL")),
        Index("ix_entities_label_value_date", "label", "value_date", "document_id", **_where("value_date IS NOT NULL")),
        # A human entity has no model; a model's entity always names it (migration 0013).
        CheckConstraint(
            "(source = 'model' AND model_id IS NOT NULL) OR (source = 'human' AND model_id IS NULL)", name="source"
        ),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    start_char: Mapped[int] = mapped_column(Integer)
    end_char: Mapped[int] = mapped_column(Integer)
    page: Mapped[int | None] = mapped_column(Integer)
    # One `[page, x0, y0, x1, y1]` per line the entity covers, in PDF points from the page's top-left
    # corner (`models.page_geometry`); null where the format has no geometry (plain text, DOCX).
    # none_as_null: no geometry is SQL NULL, not the JSON value null, so `boxes IS NULL` finds it.
    boxes: Mapped[list[list[float]] | None] = mapped_column(JSON(none_as_null=True))
    score: Mapped[float] = mapped_column(Float)
    # `model` (found by the model revision `model_id`) or `human` (added or corrected by a reviewer, no model).
    source: Mapped[str] = mapped_column(String(8), default=MODEL_SOURCE, server_default=MODEL_SOURCE)
    model_id: Mapped[int | None] = mapped_column(ForeignKey("model_versions.id"))
    # A model's entity that a reviewer confirmed, and who: the card prefers it like a human one.
    confirmed_at: Mapped[datetime | None]
    confirmed_by: Mapped[str | None] = mapped_column(String(200))
    # The span's value in a typed column (see models.normalisation); null when it cannot be read
    # with certainty, never a guess.
    value_date: Mapped[date | None] = mapped_column(Date)
    value_number: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    value_unit: Mapped[str | None] = mapped_column(String(16))
    value_period: Mapped[str | None] = mapped_column(String(8))

    document: Mapped[Document] = relationship(back_populates="entities")
    # Many-to-one: loaded from the session's identity map after the first entity of a model.
    model: Mapped[ModelVersion | None] = relationship()

    @property
    def reviewed(self) -> bool:
        """Whether a person stands behind this entity: added or corrected by one, or confirmed."""
        return self.source == HUMAN_SOURCE or self.confirmed_at is not None

    @property
    def model_revision(self) -> str | None:
        """`name@sha256-prefix` of the model that found the entity; None for a human one."""
        if self.model is None:
            return None
        return f"{self.model.name}@{self.model.weights_sha256[:12]}"


class Batch(Base):
    """An ingestion batch (bulk load, DMS sync): one `batch.done` event when its last document ends."""

    __tablename__ = "batches"
    # (tenant_id, created_at, id): the keyset order of `GET /v1/batches` (migration 0013b).
    __table_args__ = (Index(None, "tenant_id"), Index(None, "tenant_id", "created_at", "id"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    name: Mapped[str | None] = mapped_column(String(200))
    expected_documents: Mapped[int | None] = mapped_column(Integer)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    # The lane of its uploads unless an upload asks for another (`models.lanes`).
    lane: Mapped[str] = mapped_column(String(LANE_LENGTH), default="bulk", server_default="bulk")


class BatchItem(Base):
    """One upload into a batch: the batch's per-file manifest, duplicates and deletions included."""

    __tablename__ = "batch_items"
    __table_args__ = (UniqueConstraint("batch_id", "document_id"), Index(None, "document_id"))

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    # Null once the document was erased (DELETE /v1/documents/{id}); the manifest keeps the row.
    document_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    filename: Mapped[str | None] = mapped_column(String(512))
    duplicate: Mapped[bool] = mapped_column(Boolean, default=False)
    # What this upload was sent with (a duplicate's may differ from the stored document's). Migration 0013b.
    external_id: Mapped[str | None] = mapped_column(String(200))
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DocumentExternalId(Base):
    """Another DMS id for a stored document: the same bytes uploaded under a new `external_id` link it
    here instead of being ignored, and the `external_id` filter finds the document by it. Migration 0013b."""

    __tablename__ = "document_external_ids"
    __table_args__ = (UniqueConstraint("tenant_id", "external_id", "document_id"), Index(None, "document_id"))

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# Hours in a month for an hourly wage when the contract states no weekly hours: the Danish full-time
# norm of 37 hours a week, 37 * 52 / 12 = 160.33 (as Danish payroll counts it).
STANDARD_MONTHLY_HOURS = Decimal("160.33")
# 52 / 12 weeks in a month. Bounds keep the result within Numeric(14, 2): an implausible amount gives no
# monthly equivalent rather than a failed write of the whole card.
MONTHLY_SALARY_SQL = (
    "CASE"
    " WHEN salary_period = 'month' THEN salary_amount"
    " WHEN salary_period = 'year' THEN ROUND(salary_amount / 12.0, 2)"
    " WHEN salary_period = 'week' AND salary_amount < 200000000000 THEN ROUND(salary_amount * 52 / 12.0, 2)"
    " WHEN salary_period = 'hour' AND weekly_hours IS NOT NULL AND salary_amount * weekly_hours < 200000000000"
    " THEN ROUND(salary_amount * weekly_hours * 52 / 12.0, 2)"
    " WHEN salary_period = 'hour' AND weekly_hours IS NULL AND salary_amount < 6000000000"
    f" THEN ROUND(salary_amount * {STANDARD_MONTHLY_HOURS}, 2)"
    " END"
)


class ContractCard(Base):
    """The best value per fact of one document, rebuilt whenever its entities change."""

    __tablename__ = "contract_cards"
    # The card values the document filters compare (migration 0012).
    __table_args__ = (
        Index("ix_contract_cards_salary_amount", "salary_amount"),
        Index("ix_contract_cards_salary_monthly", "salary_monthly"),
        Index("ix_contract_cards_start_date", "start_date"),
        Index("ix_contract_cards_needs_review", "document_id", **_where("needs_review")),
        # The review queue's order (`GET /v1/review/next`, migration 0013).
        Index(None, "needs_review", "lowest_confidence", "document_id"),
    )

    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    employer: Mapped[str | None] = mapped_column(Text)
    employee: Mapped[str | None] = mapped_column(Text)
    job_title: Mapped[str | None] = mapped_column(Text)
    workplace: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    weekly_hours: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    salary_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    salary_currency: Mapped[str | None] = mapped_column(String(3))
    salary_period: Mapped[str | None] = mapped_column(String(8))
    # The salary as a monthly equivalent, so hourly, weekly, monthly and yearly pay compare (the salary
    # filters read it). Computed by the database from the stated amount, period and weekly hours, so it
    # can never disagree with them, whoever writes the card (migration 0013b); the same rules in Python:
    # `models.contract_card.monthly_salary`.
    salary_monthly: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), Computed(MONTHLY_SALARY_SQL, persisted=True))
    pension_percent: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    notice_period_months: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    probation_period_months: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    # The same durations as the contract says them ("14 dage": 14 and "days"), for people and exports;
    # the months above (a month taken as 30 days) are for comparing and sorting. Migration 0008.
    notice_period_value: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    notice_period_unit: Mapped[str | None] = mapped_column(String(8))
    probation_period_value: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    probation_period_unit: Mapped[str | None] = mapped_column(String(8))
    confidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    # Fields a reviewer set directly, {column: JSON value (null included)}: they win over every entity.
    reviewer_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The least certain filled field's score (0 for an empty card): the review queue's order (migration 0013).
    lowest_confidence: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DashboardCount(Base):
    """A count the dashboards and `/metrics` read instead of counting rows (Postgres only): the rows of
    `DashboardCountDelta` folded together by `models.dashboard_counts.compact_counts`. Migration 0012b
    documents the metrics; `hour` is the epoch for counts that are not per hour."""

    __tablename__ = "dashboard_counts"

    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    detail: Mapped[str] = mapped_column(String(32), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger)


class DashboardCountDelta(Base):
    """What one statement changed in a count, written by the triggers of migration 0012b in the writer's
    own transaction; only ever inserted (and folded away), so writers never wait on a counter row."""

    __tablename__ = "dashboard_count_deltas"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    metric: Mapped[str] = mapped_column(String(32))
    hour: Mapped[datetime]
    name: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(String(32))
    bucket: Mapped[int] = mapped_column(Integer)
    n: Mapped[int] = mapped_column(BigInteger)


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"
    __table_args__ = (Index(None, "tenant_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    events: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Migration 0013b. Document events carry the document's entities too.
    include_entities: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_false())
    # After a rotation the old secret still signs (a second signature) until it expires.
    previous_secret: Mapped[str | None] = mapped_column(String(200))
    previous_secret_expires_at: Mapped[datetime | None]
    # Deliveries that failed for good in a row; at `webhook_disable_after_failures` the subscription is
    # turned off (active false) with the reason, until a PATCH turns it on again.
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(Text)


class DeliveryState(enum.StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class WebhookDelivery(Base):
    """One event for one subscription, with every attempt's outcome logged on the row."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index(None, "subscription_id", "created_at"), Index(None, "state", "next_attempt_at"))

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[DeliveryState] = mapped_column(_enum(DeliveryState, "delivery_state"), default=DeliveryState.pending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    attempt_log: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    # A redelivery is a new delivery (a new id, which receivers deduplicate on) of this one's event.
    redelivery_of: Mapped[int | None] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="SET NULL"))


class WebSession(Base):
    """A person signed in to the web page: the browser holds a random session id in a cookie, the
    database only its SHA-256. It is the API key's for as long as neither is revoked nor expired
    (idle and absolute limits, `models.web_sessions`)."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index(None, "api_key_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class ReviewAction(Base):
    """One thing a reviewer did to a document (`models.review`): who (the API key's name), what, to which
    entity or card field, the value before and after, when. It holds values from the document, so it goes
    with the document (ON DELETE CASCADE). Migration 0013."""

    __tablename__ = "review_actions"
    __table_args__ = (Index(None, "document_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    actor: Mapped[str] = mapped_column(String(200))
    # `models.review.ACTIONS`: confirm, reject, correct, add, set_field, reviewed.
    action: Mapped[str] = mapped_column(String(16))
    # No foreign key: a rejected entity is deleted, and its audit row must stay.
    entity_id: Mapped[int | None] = mapped_column(BigInteger)
    field: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(default=utcnow)


@event.listens_for(Session, "before_flush")
def _record_status_changes(session: Session, _context: object, _instances: object) -> None:
    """Every document status change, wherever it is made, becomes a `DocumentEvent` in the same flush
    (and so the same transaction): the live stream cannot miss a change nor show one that rolled back."""
    for instance in [*session.new, *session.dirty]:
        if not isinstance(instance, Document):
            continue
        changed = instance in session.new or bool(inspect(instance).attrs.status.history.added)
        if not changed:
            continue
        if instance.id is None:  # its default is applied at insert; the event needs it now
            instance.id = uuid.uuid4()
        session.add(
            DocumentEvent(
                tenant_id=instance.tenant_id,
                document_id=instance.id,
                status=instance.status or first_stage().waiting_status,
                error_code=instance.error_code,
            )
        )
