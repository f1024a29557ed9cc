"""Requests per minute per API key, counted by the `limits` library in a moving window: in Redis when
the broker is Redis (so every API process shares the count), in memory on the embedded default (one
API process)."""

from __future__ import annotations

import math
import time
from functools import lru_cache

import structlog
from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from models.settings import Settings, get_settings

log = structlog.get_logger(__name__)


def storage_uri(settings: Settings) -> str:
    broker = settings.broker_url or ""
    return broker if broker.startswith(("redis://", "rediss://")) else "memory://"


class RateLimiter:
    def __init__(self, uri: str) -> None:
        self.limiter = MovingWindowRateLimiter(storage_from_string(uri))

    def retry_after(self, identifier: str, per_minute: int) -> int | None:
        """Count one request; None if it is allowed, else the whole seconds until one would be.

        A storage outage lets requests through: the limit protects capacity, it does not authenticate."""
        item = RateLimitItemPerMinute(per_minute)
        try:
            if self.limiter.hit(item, "contract-ner", identifier):
                return None
            reset_at = self.limiter.get_window_stats(item, "contract-ner", identifier).reset_time
        except Exception as exc:
            log.warning("rate_limit.storage_failed", error=str(exc))
            return None
        return max(1, math.ceil(reset_at - time.time()))


@lru_cache(maxsize=1)
def get_rate_limiter() -> RateLimiter:
    return RateLimiter(storage_uri(get_settings()))
