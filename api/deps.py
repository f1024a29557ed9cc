"""Request dependencies: the request owns its database session and commits or rolls it back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from models.db import session_scope


def get_session() -> Iterator[Session]:
    with session_scope() as session:
        yield session


# scope="function": the session commits when the route returns, before the response is sent, so a
# failed commit answers 500 instead of a 2xx for work that was rolled back; jobs and webhook
# deliveries registered with `models.db.on_commit` are published by that commit.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
