"""Test set-up: the real Postgres and Redis, migrated once; each database test runs in a transaction
that is rolled back. The settings are pointed at test resources before anything reads them."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

TEST_DATABASE_URL = os.environ.get(
    "CONTRACT_NER_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TEST_BROKER_URL = os.environ.get("CONTRACT_NER_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
_WORKDIR = Path(tempfile.mkdtemp(prefix="contract-ner-tests-"))
TINY_MODEL_DIR = _WORKDIR / "tiny-model"

os.environ.update(
    {
        "CONTRACT_NER_DATABASE_URL": TEST_DATABASE_URL,
        "CONTRACT_NER_BROKER_URL": TEST_BROKER_URL,
        "CONTRACT_NER_QUEUE_PREFIX": f"test-{os.getpid()}-",
        "CONTRACT_NER_MODEL": str(TINY_MODEL_DIR),
        "CONTRACT_NER_DATA_DIR": str(_WORKDIR / "data"),
        "TOKENIZERS_PARALLELISM": "false",
    }
)

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from models.migrate import upgrade_database  # noqa: E402


@pytest.fixture(scope="session")
def tiny_model_dir() -> Path:
    """A 2-layer XLM-R with random weights and a trained Unigram tokenizer (the configured model)."""
    from tests.model_factory import build_random_model

    if not (TINY_MODEL_DIR / "config.json").exists():
        build_random_model(TINY_MODEL_DIR)
    return TINY_MODEL_DIR


KEYWORDS = {
    "22-03-2023": "B-START_DATE",
    "Supervej": "B-WORKPLACE",
    "21,": "I-WORKPLACE",
    "2000": "I-WORKPLACE",
    "Frederiksberg.": "I-WORKPLACE",
    "32.500,00": "B-SALARY",
    "kr.": "I-SALARY",
    "Nordlys": "B-EMPLOYER",
    "ApS": "I-EMPLOYER",
}


@pytest.fixture(scope="session")
def keyword_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An XLM-R whose labels depend on single words only: see `build_keyword_model`."""
    from tests.model_factory import build_keyword_model

    return build_keyword_model(tmp_path_factory.mktemp("keyword-model"), KEYWORDS)


@pytest.fixture(scope="session")
def keyword_classifier(keyword_dir: Path):
    from worker.inference import TokenClassifier

    return TokenClassifier.load(keyword_dir)


@pytest.fixture(scope="session")
def workdir() -> Path:
    return _WORKDIR


@pytest.fixture(scope="session")
def migrated_engine():
    engine = create_engine(TEST_DATABASE_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade_database(TEST_DATABASE_URL)
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(migrated_engine) -> Iterator[Session]:
    """A session whose commits are savepoints inside one transaction that is rolled back."""
    connection = migrated_engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def clean_database(migrated_engine) -> Iterator[None]:
    """For tests whose separate processes must see committed rows: empty tables before and after."""

    def truncate() -> None:
        with migrated_engine.begin() as connection:
            connection.execute(
                text(
                    "TRUNCATE entities, jobs, document_tokens, document_texts, document_files, contract_cards, "
                    "batch_items, batches, webhook_deliveries, webhook_subscriptions, documents, model_versions, "
                    "idempotency_keys, api_keys, tenants, worker_heartbeats, model_promotions RESTART IDENTITY CASCADE"
                )
            )

    truncate()
    yield
    truncate()


@pytest.fixture(scope="session", autouse=True)
def _empty_test_broker() -> Iterator[None]:
    import redis

    client = redis.Redis.from_url(TEST_BROKER_URL)
    client.flushdb()
    yield
    client.flushdb()


# Test keys' own limit: polling loops must not meet the default one (tests/test_tenancy.py tests limits).
TEST_KEY_RATE_LIMIT = 1_000_000


@pytest.fixture
def api_token(db_session: Session) -> str:
    """A key of the `tests` tenant, in the test's transaction."""
    from models.tenancy import issue_api_key

    token = issue_api_key(db_session, "tests", rate_limit_per_minute=TEST_KEY_RATE_LIMIT).token
    db_session.commit()  # into a savepoint: a request that fails and rolls back must not take the key along
    return token


@pytest.fixture
def committed_api_token(clean_database, migrated_engine) -> str:
    """A committed key of the `default` tenant, for the API processes that tests start."""
    from models.tenancy import issue_api_key

    with Session(migrated_engine) as session:
        token = issue_api_key(session, "default", rate_limit_per_minute=TEST_KEY_RATE_LIMIT).token
        session.commit()
    return token


@pytest.fixture
def client(db_session: Session, api_token: str) -> Iterator[TestClient]:
    """The API in-process, its request sessions being `db_session` (committed like the real dependency,
    so into savepoints that the test's transaction rolls back), authenticated with `api_token`."""
    from api.app import create_app
    from api.deps import get_session

    app = create_app()

    def session_override() -> Iterator[Session]:
        try:
            yield db_session
            db_session.commit()
        except BaseException:
            db_session.rollback()
            raise

    app.dependency_overrides[get_session] = session_override
    with TestClient(app, headers={"Authorization": f"Bearer {api_token}"}) as test_client:
        yield test_client


@pytest.fixture
def embedded_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The settings, engine and sessions of the process pointed at a SQLite file (migrated), as with no
    CONTRACT_NER_DATABASE_URL; back to the test Postgres afterwards."""
    from models import db, rate_limits, settings

    url = f"sqlite:///{tmp_path / 'contract_ner.db'}"
    caches = (settings.get_settings, db.get_engine, db.get_sessionmaker, rate_limits.get_rate_limiter)

    def forget() -> None:
        if db.get_engine.cache_info().currsize:
            db.get_engine().dispose()
        for cache in caches:
            cache.cache_clear()

    monkeypatch.setenv("CONTRACT_NER_DATABASE_URL", url)
    forget()
    upgrade_database(url)
    try:
        yield url
    finally:
        forget()
        monkeypatch.undo()
        forget()


# Fixtures that start API, worker or browser processes: a test that uses one is `e2e`, and
# `make test-fast` (pytest -m "not e2e") leaves it out.
PROCESS_FIXTURES = frozenset({"stack", "browser", "api_only", "metered_stack", "webhook_worker"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if PROCESS_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)
