"""Idempotency keys: a client that retries a request with the same `Idempotency-Key` gets the first
answer again instead of creating a second document or batch.

The key is claimed (a row inserted) before the work and its answer stored in the same transaction
as the work, so both commit together or not at all. A concurrent request with the same key waits on
the unique index until the first commits, then replays its answer. Keys are per tenant and endpoint
and expire after `idempotency_ttl_s`.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.schema import IdempotencyKey, utcnow

MAX_KEY_LENGTH = 200


class IdempotencyKeyReused(Exception):
    """The key was already used for a different request."""


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: dict[str, Any]


def request_fingerprint(*parts: bytes | str | None) -> str:
    """SHA-256 over the request's parts; each is length-prefixed so that ("ab", "c") != ("a", "bc")."""
    digest = hashlib.sha256()
    for part in parts:
        raw = b"\x00none" if part is None else part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(raw).to_bytes(8, "big") + raw)
    return digest.hexdigest()


def claim_key(
    session: Session, tenant_id: uuid.UUID, endpoint: str, key: str, request_sha256: str, ttl_s: float
) -> IdempotencyKey | StoredAnswer:
    """Claim `key` for this request (then do the work and `store_answer`), or get the answer of the
    request that used it first. Raises IdempotencyKeyReused when that request was a different one."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"an Idempotency-Key has 1 to {MAX_KEY_LENGTH} characters")
    now = utcnow()
    scope = (IdempotencyKey.tenant_id == tenant_id, IdempotencyKey.endpoint == endpoint, IdempotencyKey.key == key)
    # This tenant's expired keys go now, this one included, so it can be used afresh.
    session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.tenant_id == tenant_id, IdempotencyKey.expires_at < now)
    )
    claim = IdempotencyKey(
        tenant_id=tenant_id,
        endpoint=endpoint,
        key=key,
        request_sha256=request_sha256,
        expires_at=now + timedelta(seconds=ttl_s),
    )
    try:
        with session.begin_nested():
            session.add(claim)
    except IntegrityError:
        earlier = session.scalars(select(IdempotencyKey).where(*scope)).one()
        if earlier.request_sha256 != request_sha256:
            raise IdempotencyKeyReused(
                f"Idempotency-Key {key!r} was already used for a different request to {endpoint} "
                f"(until {earlier.expires_at.isoformat()}); use a new key for a new request"
            ) from None
        assert earlier.status_code is not None and earlier.response_body is not None  # committed with its answer
        return StoredAnswer(earlier.status_code, earlier.response_body)
    return claim


def store_answer(session: Session, claim: IdempotencyKey, status_code: int, body: dict[str, Any]) -> None:
    claim.status_code = status_code
    claim.response_body = body
    session.flush()
