"""The one settings object, read from `CONTRACT_NER_*` environment variables and validated at start-up.

With no DATABASE_URL/BROKER_URL set, everything runs embedded on one machine: a SQLite file for the
data and Celery's SQLAlchemy transport on another SQLite file for the queue. With Postgres/Redis URLs
set, the same code runs distributed.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL_PATH = REPO_ROOT / "training" / "default-model"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONTRACT_NER_", env_file=".env", extra="ignore")

    database_url: str | None = Field(default=None, description="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db")
    broker_url: str | None = Field(default=None, description="Celery broker URL, e.g. redis://host:6379/0")
    data_dir: Path = Field(default=Path(".contract-ner"), description="Where the embedded default keeps state")
    model: Path = Field(
        default=DEFAULT_MODEL_PATH,
        description="Hugging Face token-classification checkpoint dir; workers load a promoted one instead "
        "(models.model_promotions)",
    )
    device: str = Field(default="cpu", description="torch device for the ner worker: cpu, cuda, cuda:1")
    precision: Literal["auto", "fp32", "bf16", "fp16"] = Field(
        default="auto", description="auto: bf16 on CUDA (fp16 without bf16) and on CPUs with AMX/AVX512-BF16, else fp32"
    )
    compile_model: bool = Field(default=False, description="torch.compile the model (GPU workers)")
    backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        default="torch", description="Forward stage: torch, or ONNX Runtime on CPU (onnx fp32, onnx-int8 dynamic int8)"
    )
    field_decoding: bool = Field(
        default=True,
        description="One value per single-valued label and whole names (worker.fields); off: raw word groups",
    )
    review_min_confidence: float = Field(
        default=0.9,
        ge=0,
        le=1,
        description="A card value chosen with a lower (calibrated) score sets needs_review (flag low_confidence)",
    )
    max_length: int = Field(default=512, ge=16, description="Tokens per model window, special tokens included")
    stride: int = Field(default=128, ge=0, description="Tokens of overlap between consecutive windows")
    ner_batch_size: int = Field(default=16, ge=1, description="Windows per forward pass")
    ner_flush_every: int = Field(default=32, ge=1, description="Documents the ner worker gathers per batch")
    ner_flush_interval_s: float = Field(default=0.25, gt=0, description="Longest wait before a partial batch runs")
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    # DMS metadata is stored as JSON and served back with every document: capped so no upload can make
    # the tenant's document list too large or too deep to serialise.
    metadata_max_bytes: int = Field(default=16 * 1024, ge=2, description="Largest metadata JSON text, UTF-8 bytes")
    metadata_max_depth: int = Field(
        default=8, ge=1, le=64, description="Deepest nesting of metadata objects/arrays (the object itself is 1)"
    )
    # Contained parsing (worker.contained_extraction): each PDF/DOCX is parsed in a child process under
    # these limits. The wall limit stays below the extract task's soft time limit (EXTRACT_TIME_LIMIT_S
    # - 30 = 570 s in models.broker), so a slow file fails as `timeout` before Celery interrupts the task.
    extract_memory_mb: int = Field(
        default=1024, ge=128, le=65536, description="Address-space limit of the parsing child (RLIMIT_AS), MB"
    )
    extract_cpu_s: int = Field(default=120, ge=1, description="CPU seconds the parsing child may use (RLIMIT_CPU)")
    extract_wall_s: float = Field(default=180.0, gt=0, le=540, description="Wall-clock seconds per parse")
    extract_max_pages: int = Field(default=2000, ge=1, description="More pages than this: failed as too_large")
    extract_max_chars: int = Field(
        default=5_000_000, ge=1000, description="More extracted characters than this: failed as too_large"
    )
    # 1,000 windows are about 380,000 tokens (a 500-page contract bundle) and some 60 s of one ner worker
    # on a CPU: more than that would hold the ner workers from every other document for minutes.
    max_windows_per_document: int = Field(
        default=1000, ge=1, description="More token windows than this: failed as too_large before NER"
    )
    extract_zip_max_uncompressed_mb: int = Field(
        default=256, ge=1, description="A DOCX whose parts declare more than this unpacked size is refused"
    )
    extract_zip_max_ratio: int = Field(
        default=100, ge=10, description="A DOCX part over 1 MB compressed more than this ratio is refused"
    )
    extract_zip_max_entries: int = Field(default=5000, ge=10, description="A DOCX with more parts is refused")
    # The OCR stage (worker.ocr): scanned PDF pages and images, read by Tesseract in a contained child
    # under these limits. The wall limit stays below the ocr task's soft time limit (its stage's
    # `time_limit_s` - 30 = 1770 s), so a slow document fails as `timeout` before Celery interrupts it.
    ocr_memory_mb: int = Field(
        default=2048, ge=256, le=65536, description="Address-space limit of the OCR child (RLIMIT_AS), MB"
    )
    ocr_cpu_s: int = Field(default=1200, ge=1, description="CPU seconds the OCR child may use for one document")
    ocr_wall_s: float = Field(default=1500.0, gt=0, le=1740, description="Wall-clock seconds to OCR one document")
    ocr_max_pages: int = Field(default=200, ge=1, description="Documents with more pages to OCR fail as too_large")
    ocr_max_image_pixels: int = Field(
        default=60_000_000,
        ge=1_000_000,
        description="Largest page image in pixels (checked from the header before decoding; Pillow's bomb limit)",
    )
    ocr_render_dpi: float = Field(default=300.0, ge=72, le=600, description="Resolution scanned PDF pages are read at")
    ocr_assumed_dpi: float = Field(
        default=200.0, ge=50, le=1200, description="Resolution of an image that states none (sets its size in points)"
    )
    ocr_language: str = Field(default="dan", description="Tesseract language(s), e.g. dan or dan+eng")
    ocr_tessdata_dir: Path | None = Field(default=None, description="Tesseract's tessdata directory; None: searched")
    ocr_min_chars_per_square_inch: float = Field(
        default=0.5, ge=0, description="A PDF page with less text for its area is read by OCR (A4: 0.5 = 48 chars)"
    )
    ocr_deskew_min_degrees: float = Field(
        default=1.0, ge=0, description="Pages skewed at least this much are straightened before reading"
    )
    queue_prefix: str = Field(default="", description="Prefix for queue names, to share one broker")
    webhook_allow_private: bool = Field(
        default=False, description="Allow callback URLs in private ranges (on-premise DMS hosts)"
    )
    webhook_allow_loopback: bool = Field(default=False, description="Allow loopback callbacks (development only)")
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    webhook_max_attempts: int = Field(default=8, ge=1)
    webhook_backoff_base_s: float = Field(default=30.0, gt=0, description="First retry delay; doubles per attempt")
    webhook_disable_after_failures: int = Field(
        default=5, ge=1, description="Deliveries failed for good in a row after which a subscription is disabled"
    )
    public_url: str | None = Field(
        default=None,
        description="The API's address as clients reach it (https://ner.example.com): webhook links are absolute "
        "under it; unset: links are paths",
    )
    # Reliability (docs/reliability.md): leases fence duplicate deliveries, the sweeper (Celery beat)
    # republishes what the broker lost and requeues the jobs of dead workers.
    max_attempts: int = Field(default=3, ge=1, description="Attempts per stage before a document fails")
    lease_s: float = Field(default=60.0, ge=3, description="A job's lease; the running worker renews it every third")
    sweep_interval_s: float = Field(default=15.0, gt=0, description="How often Celery beat runs the job sweeper")
    review_lease_s: float = Field(
        default=900.0, ge=10, description="How long GET /v1/review/next keeps a document for its reviewer"
    )
    # Retention (models.retention): a finished document's file, text and tokens go, its facts stay.
    retention_days: float | None = Field(
        default=None,
        gt=0,
        description="Days after which a finished document's file, text and tokens are purged; None: kept",
    )
    retention_interval_s: float = Field(default=3600.0, gt=0, description="How often Celery beat runs the purge")
    retention_batch_size: int = Field(default=1000, ge=1, description="Documents purged per transaction")
    live_events_keep_s: float = Field(
        default=86400.0, gt=0, description="How long `GET /v1/events` can replay a document status change"
    )
    live_events_poll_s: float = Field(
        default=1.0, gt=0, le=30, description="How often an open `GET /v1/events` stream looks for new events"
    )
    count_compaction_interval_s: float = Field(
        default=60.0, gt=0, description="How often Celery beat folds the dashboard count deltas (Postgres)"
    )
    unpublished_grace_s: float = Field(
        default=10.0, ge=0, description="Age after which a queued job that never reached the broker is republished"
    )
    requeue_after_s: float = Field(
        default=1800.0, gt=0, description="Age after which a queued job's message is presumed lost and sent again"
    )
    stuck_job_after_s: float = Field(
        default=3600.0, gt=0, description="/readyz reports queued or running jobs older than this as stuck"
    )
    metrics_port: int | None = Field(
        default=None, ge=1, le=65535, description="Workers serve Prometheus metrics on this port; None: off"
    )
    auth_required: bool = Field(
        default=True, description="API keys required; false: a single-user setup where all is the default tenant"
    )
    rate_limit_per_minute: int = Field(
        default=600, ge=0, description="Requests per minute per API key unless the key sets its own; 0: no limit"
    )
    idempotency_ttl_s: float = Field(default=24 * 3600, gt=0, description="How long an Idempotency-Key is remembered")
    # The request gate (api.gate): authentication before any body is read, body caps, per-address limits.
    max_request_body_bytes: int = Field(
        default=64 * 1024, ge=1024, description="Largest request body but an upload's (JSON, forms); larger: 413"
    )
    unauthenticated_rate_limit_per_minute: int = Field(
        default=60,
        ge=0,
        description="Requests per minute per client address without a valid key or session, sign-ins included; 0: off",
    )
    # Page images for the viewer (models.page_images): rendered in a limited child process, then cached.
    page_image_max_width: int = Field(default=2000, ge=100, le=10000, description="Widest page image served, pixels")
    page_image_max_pixels: int = Field(
        default=6_000_000, ge=10_000, le=100_000_000, description="Most pixels in one page image"
    )
    page_image_cache_mb: int = Field(default=64, ge=0, description="Rendered page images kept per API process, MB")
    page_render_memory_mb: int = Field(
        default=768, ge=128, le=65536, description="Address-space limit of the rendering child (RLIMIT_AS), MB"
    )
    page_render_cpu_s: int = Field(default=20, ge=1, description="CPU seconds the rendering child may use")
    page_render_wall_s: float = Field(default=30.0, gt=0, le=300, description="Wall-clock seconds per page render")
    page_render_concurrency: int = Field(
        default=2, ge=1, description="Pages one API process renders at once; more requests wait, then get 503"
    )
    # The web page's sign-in (models.web_sessions).
    session_idle_s: float = Field(default=2 * 3600, gt=0, description="A web session unused this long ends")
    session_lifetime_s: float = Field(default=12 * 3600, gt=0, description="A web session ends this long after sign-in")
    secure_cookies: bool = Field(
        default=False,
        description="TLS is terminated in front of the API: the session cookie is always `__Host-` and Secure",
    )
    log_format: Literal["console", "json"] = "console"
    log_dir: Path | None = Field(
        default=None,
        description="Each process writes its log lines to its own file here (<pid>.log) instead of stderr, so "
        "pool children never interleave records",
    )
    log_level: str = "INFO"

    @field_validator("device")
    @classmethod
    def _known_device(cls, value: str) -> str:
        if value != "cpu" and not value.startswith(("cuda", "mps")):
            raise ValueError(f"device must be cpu, cuda[:N] or mps, got {value!r}")
        return value

    @model_validator(mode="after")
    def _stride_fits_window(self) -> Settings:
        if self.stride >= self.max_length - 2:
            raise ValueError("stride must be smaller than max_length minus the two special tokens")
        return self

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'contract_ner.db').resolve()}"

    @property
    def resolved_broker_url(self) -> str:
        if self.broker_url:
            return self.broker_url
        return f"sqla+sqlite:///{(self.data_dir / 'broker.db').resolve()}"

    def queue(self, stage: str) -> str:
        return f"{self.queue_prefix}{stage}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    settings = Settings()
    if settings.embedded or not settings.broker_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings
