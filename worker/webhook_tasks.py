"""Celery task delivering webhooks (queue `webhooks`): one attempt per message, in its own transaction.

A failed attempt that may be retried re-enqueues the task with the backoff delay only after the
attempt's outcome has committed, so the delivery log never misses an attempt that was made.
"""

from __future__ import annotations

from celery import Task

from models.broker import DELIVER_WEBHOOK_TASK
from models.db import session_scope
from models.settings import get_settings
from worker.celery_app import app
from worker.webhook_delivery import deliver, make_client


@app.task(name=DELIVER_WEBHOOK_TASK, bind=True, acks_late=True)
def deliver_webhook_task(self: Task, delivery_id: int) -> None:
    settings = get_settings()
    with make_client(settings) as client, session_scope() as session:
        delay = deliver(session, delivery_id, client, settings)
    if delay is not None:
        self.apply_async(args=[delivery_id], countdown=delay)
