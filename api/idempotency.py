"""The `Idempotency-Key` header over HTTP: replay the first answer, or claim the key for this request
and store its answer with the work (see `models.idempotency`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Header, HTTPException, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from api.auth import Caller
from api.schemas import DatabaseText
from models.idempotency import MAX_KEY_LENGTH, IdempotencyKeyReused, StoredAnswer, claim_key, store_answer
from models.schema import IdempotencyKey
from models.settings import get_settings

IdempotencyKeyHeader = Annotated[
    DatabaseText | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        description="Retrying with the same key and request returns the first answer; a different request: 422",
    ),
]
REPLAYED_HEADER = "Idempotent-Replayed"


@dataclass(frozen=True)
class Claim:
    replay: JSONResponse | None
    row: IdempotencyKey | None

    def answer(self, session: Session, body: dict[str, Any], status_code: int) -> JSONResponse:
        """The response, remembered for replays when the request had a key."""
        if self.row is not None:
            store_answer(session, self.row, status_code, body)
        return JSONResponse(body, status_code=status_code)


def claim(session: Session, caller: Caller, endpoint: str, key: str | None, fingerprint: str) -> Claim:
    if key is None:
        return Claim(None, None)
    try:
        claimed = claim_key(session, caller.tenant_id, endpoint, key, fingerprint, get_settings().idempotency_ttl_s)
    except IdempotencyKeyReused as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    if isinstance(claimed, StoredAnswer):
        replay = JSONResponse(claimed.body, status_code=claimed.status_code, headers={REPLAYED_HEADER: "true"})
        return Claim(replay, None)
    return Claim(None, claimed)
