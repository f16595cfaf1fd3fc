"""Exercise `bot.lock_store.AtomicRedisLockStore` against the real Redis; prints facts as JSON.

Runs in the Rasa venv (the store subclasses Rasa's `LockStore`), started by
`test_lock_store_atomic.py` from the app venv:

    PYTHONPATH=. .venv-rasa/bin/python tests/scale/lock_probe.py <redis db> <key prefix>
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import redis

from bot.lock_store import AtomicRedisLockStore


async def probe(db: int, prefix: str) -> dict[str, Any]:
    # Two store objects with their own connections stand for two Rasa instances.
    stores = [AtomicRedisLockStore(host="127.0.0.1", port=6379, db=db, key_prefix=prefix)
              for _ in range(2)]  # fmt: skip
    facts: dict[str, Any] = {}

    # Mutual exclusion and FIFO: 120 holders alternating between the stores, each queued
    # (ticket issued) strictly after the previous one.
    inside, most_inside, served = 0, 0, []
    queued: list[asyncio.Event] = [asyncio.Event() for _ in range(120)]

    async def holder(i: int) -> None:
        nonlocal inside, most_inside
        if i:
            await queued[i - 1].wait()
        store = stores[i % 2]
        member = await store.issue_ticket_async("conv", 60)
        queued[i].set()
        try:
            await store._wait_for_turn("conv", member, 1)
            inside += 1
            most_inside = max(most_inside, inside)
            served.append(i)
            await asyncio.sleep(0.002)  # yields: others get every chance to barge in
            inside -= 1
        finally:
            await store.release("conv", member)

    await asyncio.gather(*(holder(i) for i in range(120)))
    facts["holders"] = len(served)
    facts["max_concurrent_holders"] = most_inside
    facts["served_in_queue_order"] = served == sorted(served)

    # The public context manager, concurrently from both stores, on another conversation.
    inside, most_inside = 0, 0

    async def via_lock(i: int) -> None:
        nonlocal inside, most_inside
        async with stores[i % 2].lock("conv2"):
            inside += 1
            most_inside = max(most_inside, inside)
            await asyncio.sleep(0.001)
            inside -= 1

    await asyncio.gather(*(via_lock(i) for i in range(60)))
    facts["lock_cm_max_concurrent_holders"] = most_inside

    # A crashed holder (ticket issued, never released) blocks the conversation for its
    # lifetime only.
    await stores[0].issue_ticket_async("crashed", 0.5)
    started = time.monotonic()
    async with stores[1].lock("crashed"):
        facts["wait_after_crash_s"] = round(time.monotonic() - started, 2)

    # A holder whose ticket expired and who releases late does not free its successor's turn.
    late = await stores[0].issue_ticket_async("late", 0.3)
    await asyncio.sleep(0.4)
    successor = await stores[1].issue_ticket_async("late", 60)
    await stores[1]._wait_for_turn("late", successor, 1)
    await stores[0].release("late", late)
    third = await stores[0].issue_ticket_async("late", 60)
    try:
        await asyncio.wait_for(stores[0]._wait_for_turn("late", third, 1), 0.3)
        facts["late_release_freed_successor"] = True
    except asyncio.TimeoutError:
        facts["late_release_freed_successor"] = False
    await stores[1].release("late", successor)
    await stores[0].release("late", third)

    with redis.Redis(db=db) as client:
        facts["keys_left"] = [k.decode() for k in client.scan_iter(f"{prefix}:*")]
    return facts


if __name__ == "__main__":
    print(json.dumps(asyncio.run(probe(int(sys.argv[1]), sys.argv[2]))))
