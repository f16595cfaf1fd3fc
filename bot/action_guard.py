"""Never silence when the action server is down (issue #6, design.md §5).

Rasa 3.6 runs a custom action by POSTing to the action server; when that fails (process down,
connection refused), ``MessageProcessor._run_action`` logs the exception, drops the action's
events and carries on — the user gets no reply at all. Every answer that needs data comes from a
custom action (and so does language detection), so a dead action server means silence.

A channel calls :func:`tell_if_actions_down` after Rasa handled a message that produced no
reply: if the action server does not answer its health check either, the user gets
``utter_backend_unavailable`` rendered by Rasa's own NLG from the conversation's tracker, so in
the conversation's ``language`` slot (the account's language once known; the domain's initial
value before that). Nothing in Rasa is patched: the channel only looks at what it received and
asks the action server's public ``/health`` route.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from rasa.core.agent import Agent
from rasa.core.channels.channel import OutputChannel

logger = logging.getLogger(__name__)

RESPONSE = "utter_backend_unavailable"
# A local health check answers in milliseconds; this only bounds a hung action server.
HEALTH_TIMEOUT_SECONDS = 1.0


def health_url(action_url: str) -> str:
    """``/health`` of the action server whose webhook is ``action_url`` (rasa-sdk's layout)."""
    base = action_url.rstrip("/")
    if base.endswith("/webhook"):
        base = base[: -len("/webhook")]
    return f"{base}/health"


async def action_server_up(agent: Agent) -> bool:
    """Whether the agent's action server answers its health check (no endpoint: True)."""
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
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        logger.error("Action server unreachable at %s: %r", endpoint.url, exc)
        return False


async def tell_if_actions_down(agent: Agent, sender_id: str, output_channel: OutputChannel) -> bool:
    """After a turn Rasa left silent: say so on ``output_channel`` if the action server is down.

    Returns whether a message was sent. The text is ``utter_backend_unavailable`` in the
    conversation's language, sent the way the channel sends any response.
    """
    if agent.processor is None or await action_server_up(agent):
        return False
    tracker = await agent.processor.get_tracker(sender_id)
    message = await agent.processor.nlg.generate(RESPONSE, tracker, output_channel.name())
    if not message:
        return False
    logger.warning("Told %s that the assistant is unavailable (action server down)", sender_id)
    await output_channel.send_response(sender_id, message)
    return True
