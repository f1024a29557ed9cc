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
    ocr_failed = "ocr_failed"
    # The pipeline: attempts ran out.
    worker_lost = "worker_lost"
    model_error = "model_error"
