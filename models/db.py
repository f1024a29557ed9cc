"""Engines and sessions. The caller owns the session: `session_scope()` commits or rolls back,
domain functions only flush."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from models.settings import get_settings

# Execution option of the connections of `read_only_session_scope`.
READ_ONLY_OPTION = "contract_ner_read_only"


# psycopg prepares a statement on the server once it ran 5 times on a connection; Postgres then plans
# it for its parameters 5 times and afterwards may switch to one generic plan for any parameters. For
# the document filters that generic plan cannot know that `salary_min=79990` matches 80 cards and
# scans them all (issue 17: 106 ms became 1,500 ms). force_custom_plan keeps what preparing saves
# (parsing, rewriting) and plans every execution for its values, which costs well under a
# millisecond for these queries. See docs/architecture.md, "Querying at scale".
POSTGRES_SESSION_OPTIONS = "-c plan_cache_mode=force_custom_plan"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # WAL lets readers run beside the writer; foreign keys are off by default in SQLite.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
            # Let SQLAlchemy's "begin" event below decide how transactions start.
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin_immediate(connection: Any) -> None:
            # A deferred transaction that reads and then writes fails at once with "database is locked"
            # when another process committed in between; taking the write lock up front makes such
            # transactions wait their turn (busy_timeout) instead. This is the embedded default: the
            # API and a few local workers, for which one writer at a time is plenty. A read-only session
            # (an export that may stream for minutes) begins deferred and never takes the write lock:
            # in WAL mode it reads its snapshot beside the writer.
            read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
            connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=5, max_overflow=10, connect_args={"options": POSTGRES_SESSION_OPTIONS}
    )


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    return make_engine(get_settings().resolved_database_url)


def _fresh_pool_in_forked_child() -> None:
    # A prefork worker's main process uses the database too (its heartbeat thread, worker.liveness)
    # and forks replacement pool children at any time: a child must never talk on a connection it
    # inherited, which is one socket shared with its parent. It gets an empty pool of its own; the
    # parent's connections stay open for the parent.
    if get_engine.cache_info().currsize:
        get_engine().dispose(close=False)


os.register_at_fork(after_in_child=_fresh_pool_in_forked_child)


@lru_cache(maxsize=1)
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


_ON_COMMIT = "contract_ner.on_commit"


def on_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's current transaction has committed; drop it on rollback.

    Domain functions only flush, so they cannot publish to the broker themselves: they register the
    publication here and whoever owns the session commits."""
    session.info.setdefault(_ON_COMMIT, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_on_commit(session: Session) -> None:
    # SQLAlchemy also calls after_commit when a savepoint (begin_nested) is released: the outer
    # transaction has not committed then, and a worker must not be told about rows it cannot see yet.
    if session.in_nested_transaction():
        return
    callbacks = session.info.pop(_ON_COMMIT, [])
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_soft_rollback")
def _drop_on_commit(session: Session, previous_transaction: object) -> None:
    if session.in_transaction() is False:
        session.info.pop(_ON_COMMIT, None)


@contextmanager
def session_scope() -> Iterator[Session]:
    session = get_sessionmaker()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def read_only_session_scope() -> Iterator[Session]:
    """A session for long reads that never writes: on the embedded SQLite its transaction does not hold
    the write lock (see `make_engine`), so the workers and the API keep writing while it reads."""
    session = get_sessionmaker()()
    # Set before the first statement: the connection is procured, given the option, then begun.
    session.connection(execution_options={READ_ONLY_OPTION: True})
    try:
        yield session
    finally:
        session.rollback()  # nothing to keep: it only read
        session.close()
