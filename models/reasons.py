"""Reason codes: why an upload was refused or a document failed. Stable strings that clients filter on
(`documents.error_code`, the API's error bodies, webhook payloads, metrics labels), so they are declared
here once and never spelled out elsewhere."""

from __future__ import annotations

import enum


class ReasonCode(enum.StrEnum):
    # Refused at upload (HTTP 4xx), nothing stored.
    empty = "empty"
    unsupported_type = "unsupported_type"
    unknown_batch = "unknown_batch"
    batch_closed = "batch_closed"
    # The document's bytes: retrying will not help.
    parse_error = "parse_error"
    encrypted = "encrypted"
    no_text_layer = "no_text_layer"
    too_large = "too_large"
    timeout = "timeout"
    memory_limit = "memory_limit"
    # The pipeline: attempts ran out.
    worker_lost = "worker_lost"
    model_error = "model_error"

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    ReasonCode.empty: "the upload has no bytes",
    ReasonCode.unsupported_type: "the bytes are not a format the pipeline reads",
    ReasonCode.unknown_batch: "the batch id is not one of the tenant's batches",
    ReasonCode.batch_closed: "the batch is closed and its manifest final",
    ReasonCode.parse_error: "the file is damaged or not what it claims to be",
    ReasonCode.encrypted: "the file is password-protected",
    ReasonCode.no_text_layer: "the file holds no text (a scan without OCR)",
    ReasonCode.too_large: "the file exceeds a page, character or size limit",
    ReasonCode.timeout: "parsing took longer than its wall-clock or CPU limit",
    ReasonCode.memory_limit: "parsing needed more memory than its limit",
    ReasonCode.worker_lost: "the worker running the document died or lost its lease, attempt after attempt",
    ReasonCode.model_error: "the model failed on the document, attempt after attempt",
}
