"""Never silence when the action server is down (issue #6, design.md §5).

Rasa 3.6 runs a custom action by POSTing to the action server; when that fails (process down,
connection refused), ``MessageProcessor._run_action`` logs the exception, drops the action's
events and carries on. Every answer that needs data comes from a custom action, and so do the
session start and the language detection, so a dead action server gives silence (most turns)
or a reply computed on a broken state (e.g. the "I don't understand" fallback for the first
message of a conversation, whose session start failed).

So after each turn a channel calls :func:`unavailable_reply`: if the action server does not
answer its health check, the turn's answer is ``utter_backend_unavailable``, rendered by Rasa's
own NLG from the conversation's tracker, i.e. in its ``language`` slot (the account's language
once known; the domain's initial value before the first successful action). Nothing in Rasa is
patched: the channel looks at the action server's public ``/health`` route (a loopback request
of about a millisecond per turn).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from rasa.core.agent import Agent

logger = logging.getLogger(__name__)

RESPONSE = "utter_backend_unavailable"
# A local health check answers in milliseconds; this only bounds a busy or hung action server.
HEALTH_TIMEOUT_SECONDS = 2.0


def health_url(action_url: str) -> str:
    """``/health`` of the action server whose webhook is ``action_url`` (rasa-sdk's layout)."""
    base = action_url.rstrip("/")
    if base.endswith("/webhook"):
        base = base[: -len("/webhook")]
    return f"{base}/health"


async def action_server_up(agent: Agent) -> bool:
    """Whether the agent's action server is there (no endpoint configured: True).

    Down means no connection (refused, reset) or a 5xx. A slow answer is not "down": under
    load the action server's event loop may take a while, and the turn's own replies, which
    came from it, must then stand.
    """
    endpoint = agent.action_endpoint
    if endpoint is None or not endpoint.url:
        return True
    timeout = aiohttp.ClientTimeout(total=HEALTH_TIMEOUT_SECONDS)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(health_url(endpoint.url)) as response,
        ):
            return response.status < 500
    except asyncio.TimeoutError:  # before ClientError: aiohttp's timeouts are both
        logger.warning("Action server slow to answer its health check at %s", endpoint.url)
        return True
    except aiohttp.ClientError as exc:
        logger.error("Action server unreachable at %s: %r", endpoint.url, exc)
        return False


async def unavailable_reply(
    agent: Agent, sender_id: str, output_channel: str
) -> dict[str, Any] | None:
    """The message to give instead of the turn's replies when the action server is down.

    ``None`` while the action server is up: the turn's own replies stand.
    """
    if agent.processor is None or await action_server_up(agent):
        return None
    tracker = await agent.processor.get_tracker(sender_id)
    message: dict[str, Any] | None = await agent.processor.nlg.generate(
        RESPONSE, tracker, output_channel
    )
    logger.warning("Told %s that the assistant is unavailable (action server down)", sender_id)
    return message
