"""Slack delivery dedupe: in memory for one instance, through Redis across instances."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis

from bot.channels.dedupe import MemoryDeduplicator, RedisDeduplicator

REDIS_URL = "redis://127.0.0.1:6379/0"


async def test_memory_takes_a_delivery_once_until_its_ttl_ends() -> None:
    dedupe = MemoryDeduplicator(ttl_seconds=0.3)

    assert await dedupe.first_time("Ev1")
    assert not await dedupe.first_time("Ev1")
    assert await dedupe.first_time("Ev2")
    await asyncio.sleep(0.4)
    assert await dedupe.first_time("Ev1")


@pytest.fixture
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return REDIS_URL


async def test_two_instances_sharing_redis_take_a_delivery_once(redis_url: str) -> None:
    first, second = RedisDeduplicator(redis_url, 60), RedisDeduplicator(redis_url, 60)
    delivery = f"Ev{uuid.uuid4().hex}"

    taken = [await first.first_time(delivery), await second.first_time(delivery)]

    assert taken == [True, False]
    assert await second.first_time(f"Ev{uuid.uuid4().hex}")


async def test_without_redis_an_instance_still_dedupes_in_memory() -> None:
    dead = RedisDeduplicator("redis://127.0.0.1:1/0", 60)

    assert await dead.first_time("Ev1")
    assert not await dead.first_time("Ev1")
