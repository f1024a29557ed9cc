"""The client: one method per API operation, each named in `OPERATIONS` with its HTTP method and path
(the server's tests check that table, the filters and the body fields against its OpenAPI document)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import httpx

# method name -> (HTTP method, path template)
OPERATIONS: dict[str, tuple[str, str]] = {
    "upload": ("POST", "/v1/documents"),
    "documents": ("GET", "/v1/documents"),
    "document": ("GET", "/v1/documents/{document_id}"),
    "entities": ("GET", "/v1/documents/{document_id}/entities"),
    "card": ("GET", "/v1/documents/{document_id}/card"),
    "text": ("GET", "/v1/documents/{document_id}/text"),
    "reprocess": ("POST", "/v1/documents/{document_id}/reprocess"),
    "delete": ("DELETE", "/v1/documents/{document_id}"),
    "create_batch": ("POST", "/v1/batches"),
    "batches": ("GET", "/v1/batches"),
    "batch": ("GET", "/v1/batches/{batch_id}"),
    "close_batch": ("POST", "/v1/batches/{batch_id}/close"),
    "create_webhook": ("POST", "/v1/webhooks"),
    "webhooks": ("GET", "/v1/webhooks"),
    "update_webhook": ("PATCH", "/v1/webhooks/{subscription_id}"),
    "delete_webhook": ("DELETE", "/v1/webhooks/{subscription_id}"),
    "ping_webhook": ("POST", "/v1/webhooks/{subscription_id}/ping"),
    "deliveries": ("GET", "/v1/webhooks/{subscription_id}/deliveries"),
    "redeliver": ("POST", "/v1/webhooks/{subscription_id}/deliveries/{delivery_id}/redeliver"),
}
# The query parameters `documents()` and `batches()` accept (besides cursor and limit).
DOCUMENT_FILTERS = (
    "status", "external_id", "created_from", "created_to", "salary_min", "salary_max", "start_date_from",
    "start_date_to", "needs_review", "label", "value_gte", "value_lte",
)  # fmt: skip
BATCH_FILTERS = ("state", "name", "created_from", "created_to")
# Fields `update_webhook()` may send.
WEBHOOK_CHANGES = ("url", "events", "include_entities", "active", "rotate_secret", "secret", "secret_overlap_s")
FINAL_STATUSES = ("done", "failed")


class ApiError(Exception):
    """A 4xx or 5xx answer: `status_code` and the server's `detail`."""

    def __init__(self, status_code: int, detail: Any) -> None:
        super().__init__(f"HTTP {status_code}: {detail}")
        self.status_code = status_code
        self.detail = detail


class ContractNerClient:
    """`ContractNerClient(base_url, api_key)`, or `ContractNerClient(http=an httpx.Client)` that already
    has its base URL and key (a test client, a client with its own proxy or TLS settings)."""

    def __init__(
        self,
        base_url: str = "http://localhost:8000",
        api_key: str | None = None,
        *,
        http: httpx.Client | None = None,
        timeout: float = 60.0,
    ) -> None:
        if http is None:
            headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
            http = httpx.Client(base_url=base_url, headers=headers, timeout=timeout)
        self.http = http

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ContractNerClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _call(self, operation: str, path_params: Mapping[str, Any] | None = None, **request: Any) -> httpx.Response:
        method, template = OPERATIONS[operation]
        response = self.http.request(method, template.format(**(path_params or {})), **request)
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail")
            except ValueError:
                detail = response.text
            raise ApiError(response.status_code, detail)
        return response

    def _json(self, operation: str, path_params: Mapping[str, Any] | None = None, **request: Any) -> Any:
        return self._call(operation, path_params, **request).json()

    def _pages(self, operation: str, path_params: Mapping[str, Any] | None, params: dict[str, Any]) -> Iterator[Any]:
        cursor = None
        while True:
            page = self._json(operation, path_params, params={**params, **({"cursor": cursor} if cursor else {})})
            yield from page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return

    # Documents

    def upload(
        self,
        file: str | Path | bytes | IO[bytes],
        filename: str | None = None,
        *,
        external_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        batch_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Upload a file (a path, bytes or a binary file object): `{"id", "status", "duplicate",
        "duplicate_of", "linked_external_id"}`."""
        if isinstance(file, str | Path):
            path = Path(file)
            content: bytes | IO[bytes] = path.read_bytes()
            filename = filename or path.name
        else:
            content = file
        form = {"external_id": external_id, "batch_id": batch_id}
        data = {k: v for k, v in form.items() if v is not None}
        if metadata is not None:
            data["metadata"] = json.dumps(metadata)
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        files = {"file": (filename or "upload", content)}
        result: dict[str, Any] = self._json("upload", files=files, data=data, headers=headers)
        return result

    def documents(self, *, limit: int = 100, **filters: Any) -> Iterator[dict[str, Any]]:
        """Every document matching the filters (`DOCUMENT_FILTERS`), page after page."""
        unknown = set(filters) - set(DOCUMENT_FILTERS)
        if unknown:
            raise TypeError(f"unknown document filters: {sorted(unknown)}")
        params = {k: _param(v) for k, v in filters.items() if v is not None}
        return self._pages("documents", None, {**params, "limit": limit})

    def document(self, document_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("document", {"document_id": document_id})
        return result

    def entities(self, document_id: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._json("entities", {"document_id": document_id})
        return result

    def card(self, document_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("card", {"document_id": document_id})
        return result

    def text(self, document_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("text", {"document_id": document_id})
        return result

    def reprocess(self, document_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("reprocess", {"document_id": document_id})
        return result

    def delete(self, document_id: str) -> None:
        self._call("delete", {"document_id": document_id})

    def wait(self, document_id: str, timeout_s: float = 600.0, poll_s: float = 1.0) -> dict[str, Any]:
        """The document once it is done or failed; TimeoutError after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while True:
            document = self.document(document_id)
            if document["status"] in FINAL_STATUSES:
                return document
            if time.monotonic() > deadline:
                raise TimeoutError(f"document {document_id} is still {document['status']}")
            time.sleep(poll_s)

    # Batches

    def create_batch(self, name: str | None = None, expected_documents: int | None = None) -> dict[str, Any]:
        body = {k: v for k, v in {"name": name, "expected_documents": expected_documents}.items() if v is not None}
        result: dict[str, Any] = self._json("create_batch", json=body)
        return result

    def batches(self, *, limit: int = 100, **filters: Any) -> Iterator[dict[str, Any]]:
        """Every batch matching the filters (`BATCH_FILTERS`), oldest first."""
        unknown = set(filters) - set(BATCH_FILTERS)
        if unknown:
            raise TypeError(f"unknown batch filters: {sorted(unknown)}")
        params = {k: _param(v) for k, v in filters.items() if v is not None}
        return self._pages("batches", None, {**params, "limit": limit})

    def batch(self, batch_id: str) -> dict[str, Any]:
        """Counts per state and the manifest (each upload's document, external_id, metadata, status)."""
        result: dict[str, Any] = self._json("batch", {"batch_id": batch_id})
        return result

    def close_batch(self, batch_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("close_batch", {"batch_id": batch_id})
        return result

    # Webhooks

    def create_webhook(
        self, url: str, events: list[str], secret: str | None = None, include_entities: bool = False
    ) -> dict[str, Any]:
        """A new subscription; a generated `secret` is in this answer only."""
        body: dict[str, Any] = {"url": url, "events": events, "include_entities": include_entities}
        if secret is not None:
            body["secret"] = secret
        result: dict[str, Any] = self._json("create_webhook", json=body)
        return result

    def webhooks(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._json("webhooks")
        return result

    def update_webhook(self, subscription_id: str, **changes: Any) -> dict[str, Any]:
        """PATCH `WEBHOOK_CHANGES`; after `rotate_secret=True` the answer's `secret` is the new one (once)."""
        unknown = set(changes) - set(WEBHOOK_CHANGES)
        if unknown:
            raise TypeError(f"unknown webhook fields: {sorted(unknown)}")
        result: dict[str, Any] = self._json("update_webhook", {"subscription_id": subscription_id}, json=changes)
        return result

    def delete_webhook(self, subscription_id: str) -> None:
        self._call("delete_webhook", {"subscription_id": subscription_id})

    def ping_webhook(self, subscription_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("ping_webhook", {"subscription_id": subscription_id})
        return result

    def deliveries(self, subscription_id: str, *, limit: int = 100) -> Iterator[dict[str, Any]]:
        """The subscription's delivery log, newest first."""
        return self._pages("deliveries", {"subscription_id": subscription_id}, {"limit": limit})

    def redeliver(self, subscription_id: str, delivery_id: int) -> dict[str, Any]:
        params = {"subscription_id": subscription_id, "delivery_id": delivery_id}
        result: dict[str, Any] = self._json("redeliver", params)
        return result


def _param(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat() if hasattr(value, "isoformat") else value


MAX_AGE_S = 300


def verify_webhook(secret: str, headers: Mapping[str, str], body: bytes, now: float | None = None) -> bool:
    """True if `body` (bytes as received) was signed with `secret` within 5 minutes (docs/webhooks.md);
    during a secret rotation either listed signature may match."""
    timestamp = headers.get("X-Contract-NER-Timestamp", "")
    signatures = [s.strip() for s in headers.get("X-Contract-NER-Signature", "").split(",")]
    if not timestamp.isdigit() or abs((time.time() if now is None else now) - int(timestamp)) > MAX_AGE_S:
        return False
    expected = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return any(s.startswith("sha256=") and hmac.compare_digest(expected, s[len("sha256=") :]) for s in signatures)
