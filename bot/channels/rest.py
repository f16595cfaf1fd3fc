"""Rasa's REST channel (name ``rest``, same URL), with two guarantees the stock one lacks.

- The identity is the channel's, never the client's: the stock channel takes
  ``input_channel`` from the request body, so a REST client could claim to be ``slack`` and a
  Slack user's sender id; actions resolve the account from (channel, sender id) (design.md §4).
- No silence when the action server is down (issue #6): after each message, if the action
  server does not answer its health check (:mod:`bot.action_guard`), the answer is
  ``utter_backend_unavailable`` in the conversation's language instead of whatever Rasa
  produced without its custom actions (usually nothing).
- Bounded input (issue #15): the text is normalised and cut to ``REST_MAX_CHARS`` before Rasa
  reads it (:mod:`bot.channels.limits`); a cut message gets one more reply saying so.
- Each reply names its language (``"language": "fr"``, the conversation's ``language`` slot
  after the turn), so the web page around the widget can follow the conversation's language
  and mark each bubble with ``lang``.

Why a channel and not a patch of Rasa: the processor swallows the failed action (it only logs
it), so the first place that can see the outcome of a turn is the channel that answers the HTTP
request. A response middleware of this channel's blueprint works on the stock handler's reply;
Rasa's code runs unchanged. The streaming variant (``?stream=true``) is left as it is.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.utils.endpoints import bool_arg
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.action_guard import unavailable_reply
from bot.channels.limits import REST_MAX_CHARS, bound, conversation_language, notice


class GuardedRestInput(RestInput):  # type: ignore[misc]  # rasa is untyped
    """The ``rest`` channel: fixed channel identity, and a reply even without action server."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()

    def _extract_message(self, req: Request) -> Any:
        text = super()._extract_message(req)
        if not isinstance(text, str):
            return text  # no text at all: Rasa's own handling
        inbound = bound(text, REST_MAX_CHARS)
        req.ctx.truncated = inbound.truncated
        return inbound.text

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint: Blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("response")  # type: ignore[untyped-decorator]  # sanic
        async def never_silent(request: Request, reply: HTTPResponse) -> HTTPResponse | None:
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            if reply.status != 200 or bool_arg(request, "stream", default=False):
                return None
            sender_id = await self._extract_sender(request)
            agent = request.app.ctx.agent
            message = await unavailable_reply(agent, sender_id, self.name())
            if message is None:
                replies: list[dict[str, Any]] = json.loads(reply.body or b"[]")
            else:
                collector = CollectingOutputChannel()
                await collector.send_response(sender_id, message)
                replies = collector.messages
            language = await conversation_language(agent, sender_id)
            if getattr(request.ctx, "truncated", False):
                replies.append(
                    {"recipient_id": sender_id, "text": notice(language, REST_MAX_CHARS)}
                )
            if language is not None:
                for each in replies:
                    each["language"] = language
            return response.json(replies)

        return blueprint
