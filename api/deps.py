"""Request dependencies: the request owns its database session and commits or rolls it back."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.orm import Session

from models.db import get_sessionmaker


def get_session() -> Iterator[Session]:
    session = get_sessionmaker()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
