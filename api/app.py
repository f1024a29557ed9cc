"""The FastAPI application: `uvicorn api.app:app` or `contract-ner run`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.batches import router as batches_router
from api.documents import router as documents_router
from api.entities import router as entities_router
from api.events import router as events_router
from api.gate import RequestGate
from api.health import router as health_router
from api.metrics import router as metrics_router
from api.pages import router as pages_router
from api.review import router as review_router
from api.web import router as web_router
from api.webhooks import router as webhooks_router
from models.settings import get_settings
from models.structured_logging import configure_logging

STATIC_DIR = Path(__file__).resolve().parent / "static"


def create_app() -> FastAPI:
    settings = get_settings()  # validated at start-up: a bad setting stops the process here
    configure_logging(settings)
    application = FastAPI(
        title="contract-ner",
        version="0.1.0",
        description="Upload Danish contracts; query the entities found in them.",
    )
    application.include_router(documents_router)
    application.include_router(entities_router)
    application.include_router(pages_router)
    application.include_router(review_router)
    application.include_router(events_router)
    application.include_router(health_router)
    application.include_router(webhooks_router)
    application.include_router(batches_router)
    application.include_router(metrics_router)
    application.include_router(web_router)
    # The web page's scripts and styles: files, not inline, so the Content-Security-Policy forbids inline script.
    application.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # Authenticates, rate-limits and caps bodies before any route reads one (see api.gate).
    application.add_middleware(RequestGate)
    return application


app = create_app()
