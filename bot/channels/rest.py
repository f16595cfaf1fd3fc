"""Rasa's REST channel (name ``rest``, same URL), with two guarantees the stock one lacks.

- The identity is the channel's, never the client's: the stock channel takes
  ``input_channel`` from the request body, so a REST client could claim to be ``slack`` and a
  Slack user's sender id; actions resolve the account from (channel, sender id) (design.md §4).
- No silence when the action server is down (issue #6): when Rasa handled a message without a
  single reply, :mod:`bot.action_guard` checks the action server and, if it is down, answers
  ``utter_backend_unavailable`` in the conversation's language.

Why a channel and not a patch of Rasa: the processor swallows the failed action (it only logs
it), so the first place that can see the result of a turn is the channel that answers the HTTP
request. A response middleware of this channel's blueprint sees the stock handler's reply and
replaces an empty one; Rasa's code runs unchanged. The streaming variant (``?stream=true``) is
left as it is.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.action_guard import tell_if_actions_down

logger = logging.getLogger(__name__)


class GuardedRestInput(RestInput):  # type: ignore[misc]  # rasa is untyped
    """The ``rest`` channel: fixed channel identity, and a reply even without action server."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint: Blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("response")  # type: ignore[untyped-decorator]  # sanic
        async def never_silent(request: Request, reply: HTTPResponse) -> HTTPResponse | None:
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            if reply.status != 200 or reply.body is None or json.loads(reply.body) != []:
                return None
            sender_id = await self._extract_sender(request)
            collector = CollectingOutputChannel()
            if not await tell_if_actions_down(request.app.ctx.agent, sender_id, collector):
                return None
            return response.json(collector.messages)

        return blueprint
