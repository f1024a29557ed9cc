"""Celery task delivering webhooks (queue `webhooks`)."""
