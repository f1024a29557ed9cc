"""Entity routes: every entity of the caller's tenant, by label or document, in cursor pages."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from api.auth import CallerDep
from api.deps import SessionDep
from api.schemas import DatabaseText, EntityPage, entity_out
from models.client_input import bigint_cursor
from models.queries import tenant_entities

router = APIRouter()


@router.get("/v1/entities", response_model=EntityPage)
def list_entities(
    session: SessionDep,
    caller: CallerDep,
    label: DatabaseText | None = None,
    document_id: uuid.UUID | None = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EntityPage:
    try:
        after_id = bigint_cursor(cursor) if cursor is not None else None
    except ValueError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "invalid cursor") from exc
    query = tenant_entities(caller.tenant_id, label, document_id, after_id)
    rows = list(session.scalars(query.limit(limit + 1)))
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    return EntityPage(items=[entity_out(e) for e in rows[:limit]], next_cursor=next_cursor)
