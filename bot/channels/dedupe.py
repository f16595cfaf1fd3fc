"""Remember which Slack deliveries were already taken, so a retry is never processed twice.

Slack re-sends an event it considers undelivered (no 2xx within 3 s, up to three retries over
about an hour) with the same ``event_id``. One Rasa instance keeps the ids in memory; several
instances behind a load balancer must share them, which ``RedisDeduplicator`` does with
``SET key NX EX`` (``SLACK_DEDUPE_REDIS_URL``).
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

logger = logging.getLogger(__name__)

# Longer than Slack's retry schedule (immediately, after 1 min, after 5 min).
DEFAULT_TTL_SECONDS = 3600


class Deduplicator(Protocol):
    async def first_time(self, key: str) -> bool:
        """True the first time ``key`` is seen within the TTL, False for every repeat."""


class MemoryDeduplicator:
    """In-process TTL set; correct for a single Rasa instance only."""

    def __init__(self, ttl_seconds: float = DEFAULT_TTL_SECONDS) -> None:
        self._ttl = ttl_seconds
        self._expiry: dict[str, float] = {}

    async def first_time(self, key: str) -> bool:
        now = time.monotonic()
        self._forget_expired(now)
        if key in self._expiry:
            return False
        self._expiry[key] = now + self._ttl
        return True

    def _forget_expired(self, now: float) -> None:
        # Insertion order is expiry order (constant TTL): stop at the first live key.
        for key, expiry in list(self._expiry.items()):
            if expiry > now:
                break
            del self._expiry[key]


class RedisDeduplicator:
    """Shared across instances: the first ``SET NX`` wins. Falls back to memory if Redis fails."""

    def __init__(self, url: str, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> None:
        import redis.asyncio as redis  # only needed when configured

        # Slack wants an answer within 3 s: a stuck Redis must fall back, not hold the request.
        self._redis = redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._ttl = ttl_seconds
        self._fallback = MemoryDeduplicator(ttl_seconds)

    async def first_time(self, key: str) -> bool:
        try:
            claimed = await self._redis.set(f"bma:slack:delivery:{key}", "1", nx=True, ex=self._ttl)
        except Exception:  # any Redis failure: keep serving, dedupe in this process only
            logger.warning(
                "Slack dedupe: Redis unavailable, deduplicating in memory", exc_info=True
            )
            return await self._fallback.first_time(key)
        return bool(claimed)
