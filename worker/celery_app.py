"""The worker's Celery app: shared configuration from `models.broker`, plus the tasks.

Start one `extract` worker per CPU machine (prefork pool) and one `ner` worker per GPU with the solo
pool, so CUDA is initialised in the process that uses it and never forked:
    celery -A worker.celery_app worker -Q extract --pool prefork
    celery -A worker.celery_app worker -Q ner --pool solo
"""

from __future__ import annotations

from celery.signals import setup_logging

from models.broker import make_celery_app
from models.settings import get_settings
from models.structured_logging import configure_logging

app = make_celery_app(get_settings())
app.conf.update(include=["worker.tasks", "worker.webhook_tasks", "worker.liveness"])


@setup_logging.connect
def _structured_logging(**_: object) -> None:
    configure_logging(get_settings())
