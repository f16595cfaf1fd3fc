"""Drive `bot.channels.teams.ChannelTokenValidator` for `test_teams_keys.py`; runs in the Rasa venv.

The first stdin line is ``{"app_id", "openid_url", "retry_min_seconds"}``; each further line is
``{"tokens": [...], "activity": {...}, "parallel": bool}`` and gets one JSON line back:
``{"outcomes": ["ok" | "invalid", ...], "seconds": [...], "elapsed": s}``.

    PYTHONPATH=. .venv-rasa/bin/python tests/channels/teams_keys_probe.py
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from bot.channels.teams import ChannelTokenValidator, TokenInvalid


async def _judge(
    validator: ChannelTokenValidator, token: str, activity: dict[str, Any]
) -> tuple[str, float]:
    started = time.monotonic()
    try:
        await validator.claims(token, activity)
        outcome = "ok"
    except TokenInvalid:
        outcome = "invalid"
    return outcome, time.monotonic() - started


async def main() -> None:
    config = json.loads(sys.stdin.readline())
    validator = ChannelTokenValidator(
        config["app_id"], config["openid_url"], retry_min_seconds=config["retry_min_seconds"]
    )
    for line in sys.stdin:
        batch = json.loads(line)
        started = time.monotonic()
        calls = [_judge(validator, token, batch["activity"]) for token in batch["tokens"]]
        if batch["parallel"]:
            judged = await asyncio.gather(*calls)
        else:
            judged = [await call for call in calls]
        print(
            json.dumps(
                {
                    "outcomes": [outcome for outcome, _ in judged],
                    "seconds": [seconds for _, seconds in judged],
                    "elapsed": time.monotonic() - started,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    asyncio.run(main())
