"""Slack channel: Rasa's stock one plus what production needs.

On top of ``rasa.core.channels.slack``:

- every request is verified with the signing secret (stock check, kept) before anything else;
  unsigned, tampered or older than five minutes → 401 and nothing is processed;
- a delivery is processed once: Slack retries (same ``event_id``; for button clicks the same
  ``trigger_id``) are acknowledged and dropped (``bot.channels.dedupe``);
- the Rasa sender id is ``"{team_id}:{user_id}"``, the key of the backend's platform links;
- every message carries ``metadata["conversation_ref"]`` built from the verified request only;
- the Web API base URL is configurable (``api_base_url``), so tests talk to a fake;
- buttons are Block Kit ``actions`` blocks within Slack's limits (25 elements per block, 75
  characters of button text, 2000 of value, 50 blocks and 3000 characters per section), and
  ``block_actions`` clicks reach the bot as the button's payload;
- replies go to the conversation (and thread) the user wrote in, acknowledged at once;
- texts and button values are normalised and cut to ``SLACK_MAX_CHARS`` before Rasa reads
  them; after the turn of a cut message the user is told so (:mod:`bot.channels.limits`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from collections.abc import Callable, Coroutine
from http import HTTPStatus
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.dedupe import Deduplicator, MemoryDeduplicator, RedisDeduplicator
from bot.channels.limits import SLACK_MAX_CHARS, Inbound, bound, turn_then_notice
from bot.channels.slack_blocks import button_messages, escape_mrkdwn, truncate

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://slack.com/api/"
# Slack's link markup, <https://example.com|label> or <mailto:a@b.example|a@b.example>: the label
# is what the user wrote. Neither part may hold "<" or ">", which keeps the matching linear (the
# stock pattern's ".*?" rescanned the rest of the text from every "<http": 7 s for 40,000 chars).
_LINK = re.compile(r"<(?:mailto:|https?://)[^|<>]*\|([^<>]*)>")


class SlackOutput(SlackBot):  # type: ignore[misc]  # rasa is untyped
    """Posts to one conversation (and thread) through a configurable Web API base URL."""

    def __init__(
        self, token: str, channel: str | None, thread_ts: str | None, api_base_url: str
    ) -> None:
        super().__init__(token, slack_channel=channel, thread_id=thread_ts)
        self.client = AsyncWebClient(token, base_url=api_base_url)

    async def _post_message(self, channel: str, **kwargs: Any) -> None:
        # No ``as_user``: it is only accepted from classic apps; bot tokens post as the bot.
        kwargs.pop("as_user", None)
        if self.thread_id:
            kwargs["thread_ts"] = self.thread_id
        await self.client.chat_postMessage(channel=channel, **kwargs)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        recipient = self.slack_channel or recipient_id
        # One Slack message per paragraph, as the stock channel does.
        for part in text.strip().split("\n\n"):
            await self._post_message(channel=recipient, text=escape_mrkdwn(part))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        recipient = self.slack_channel or recipient_id
        # ``text`` is the notification / accessibility fallback of the blocks.
        fallback = escape_mrkdwn(truncate(text, 3000))
        for blocks in button_messages(text, buttons):
            await self._post_message(channel=recipient, text=fallback, blocks=blocks)


class SlackChannel(SlackInput):  # type: ignore[misc]  # rasa is untyped
    """Rasa's ``slack`` channel with dedupe, linkable sender ids and a conversation reference."""

    @classmethod
    def name(cls) -> str:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        assert credentials is not None
        redis_url = os.environ.get("SLACK_DEDUPE_REDIS_URL", "")
        return cls(
            slack_token=credentials.get("slack_token", ""),
            slack_signing_secret=credentials.get("slack_signing_secret", ""),
            api_base_url=credentials.get("api_base_url") or DEFAULT_API_BASE_URL,
            deduplicator=RedisDeduplicator(redis_url) if redis_url else MemoryDeduplicator(),
        )

    def __init__(
        self,
        slack_token: str,
        slack_signing_secret: str,
        api_base_url: str = DEFAULT_API_BASE_URL,
        deduplicator: Deduplicator | None = None,
    ) -> None:
        super().__init__(slack_token, slack_signing_secret=slack_signing_secret)
        self.api_base_url = api_base_url if api_base_url.endswith("/") else api_base_url + "/"
        self.deduplicator = deduplicator or MemoryDeduplicator()

    def get_output_channel(
        self, channel: str | None = None, thread_id: str | None = None
    ) -> OutputChannel:
        return SlackOutput(self.slack_token, channel, thread_id, self.api_base_url)

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Coroutine[Any, Any, Any]]
    ) -> Blueprint:
        slack_webhook = Blueprint("slack_webhook", __name__)

        @slack_webhook.route("/", methods=["GET"])  # type: ignore[untyped-decorator]
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @slack_webhook.route("/webhook", methods=["POST"])  # type: ignore[untyped-decorator]
        async def webhook(request: Request) -> HTTPResponse:
            if not self.is_request_from_slack_authentic(request):
                logger.warning("Slack request refused: missing, wrong or stale signature")
                return response.text("invalid signature", status=HTTPStatus.UNAUTHORIZED)
            content_type = request.headers.get("content-type", "")
            try:
                if content_type.startswith("application/json"):
                    body = json.loads(request.body)
                    if body.get("type") == "url_verification":
                        return response.json({"challenge": body.get("challenge")})
                    message = self._event_message(body)
                elif content_type.startswith("application/x-www-form-urlencoded"):
                    message = self._interaction_message(json.loads(request.form.get("payload")))
                else:
                    return response.text("unsupported content type", status=HTTPStatus.BAD_REQUEST)
            except (ValueError, TypeError, AttributeError, KeyError):
                logger.warning("Malformed Slack request", exc_info=True)
                return response.text("malformed request", status=HTTPStatus.BAD_REQUEST)
            if message is None:
                return response.text("ignored")
            delivery_id, inbound, sender_id, conversation_ref = message
            if not await self.deduplicator.first_time(delivery_id):
                logger.info("Slack retry of %s ignored (already taken)", delivery_id)
                return response.text("duplicate", headers={"X-Slack-No-Retry": "1"})
            self._dispatch(
                on_new_message, inbound, sender_id, conversation_ref, request.app.ctx.agent
            )
            # Slack wants a 2xx within 3 seconds: the bot answers through the Web API later.
            return response.text("")

        return slack_webhook

    @staticmethod
    def _sanitize_user_message(text: str, uids_to_remove: list[str] | None) -> str:
        """The stock clean-up (mentions of the bot removed, links replaced by their label) in
        linear time."""
        for uid in uids_to_remove or []:
            mention = re.escape(f"<@{uid}>")
            text = re.sub(rf"{mention}\s", "", text)
            text = re.sub(rf"\s{mention}", "", text)
            text = re.sub(mention, " ", text)
        return _LINK.sub(r"\1", text).strip()

    def _event_message(
        self, body: dict[str, Any]
    ) -> tuple[str, Inbound, str, dict[str, Any]] | None:
        """(delivery id, text, sender id, conversation ref) of a user's message event."""
        if body.get("type") != "event_callback":
            return None
        event = body.get("event") or {}
        # Edits, joins and the bot's own posts carry a subtype or a bot_id: not user messages.
        if event.get("type") not in ("message", "app_mention") or event.get("subtype"):
            return None
        if event.get("bot_id") or not event.get("user") or not event.get("text"):
            return None
        if not (event.get("channel_type") == "im" or event.get("type") == "app_mention"):
            return None
        team_id = event.get("team") or body.get("team_id")
        bot_user_ids = [
            auth.get("user_id") for auth in body.get("authorizations") or [] if auth.get("is_bot")
        ]
        # Bounded first: the stock sanitising below runs regular expressions over the text.
        inbound = bound(str(event["text"]), SLACK_MAX_CHARS)
        text = self._sanitize_user_message(inbound.text, bot_user_ids)
        ref = _conversation_ref(team_id, event.get("channel"), event.get("thread_ts"))
        sender_id = f"{team_id}:{event['user']}"
        return str(body["event_id"]), Inbound(text, inbound.truncated), sender_id, ref

    def _interaction_message(
        self, payload: dict[str, Any]
    ) -> tuple[str, Inbound, str, dict[str, Any]] | None:
        """(delivery id, button payload, sender id, conversation ref) of a button click."""
        if payload.get("type") != "block_actions":
            return None
        actions = payload.get("actions") or []
        if not actions or actions[0].get("type") != "button" or not actions[0].get("value"):
            return None  # link buttons have no value; other elements are not offered
        user = payload["user"]
        team_id = user.get("team_id") or (payload.get("team") or {}).get("id")
        message = payload.get("message") or {}
        channel_id = (payload.get("channel") or {}).get("id")
        ref = _conversation_ref(team_id, channel_id, message.get("thread_ts"))
        delivery_id = payload.get("trigger_id") or f"{user['id']}:{actions[0].get('action_ts')}"
        value = bound(str(actions[0]["value"]), SLACK_MAX_CHARS)
        return str(delivery_id), value, f"{team_id}:{user['id']}", ref

    def _dispatch(
        self,
        on_new_message: Callable[[UserMessage], Coroutine[Any, Any, Any]],
        inbound: Inbound,
        sender_id: str,
        conversation_ref: dict[str, Any],
        agent: Agent,
    ) -> None:
        user_message = UserMessage(
            inbound.text,
            self.get_output_channel(conversation_ref["channel_id"], conversation_ref["thread_ts"]),
            sender_id,
            input_channel=self.name(),
            metadata={"conversation_ref": conversation_ref},
        )
        turn = (
            turn_then_notice(on_new_message, user_message, agent, SLACK_MAX_CHARS)
            if inbound.truncated
            else on_new_message(user_message)
        )
        task: asyncio.Task[Any] = asyncio.create_task(turn)
        # Keep a reference until done, or the event loop may drop the task.
        self._background_tasks.add(task)
        task.add_done_callback(self._background_tasks.discard)


def _conversation_ref(
    team_id: str | None, channel_id: str | None, thread_ts: str | None
) -> dict[str, Any]:
    """Where to answer this user later (agent replies in a handoff use it too)."""
    if not team_id or not channel_id:
        raise KeyError("team or channel missing")
    return {
        "platform": "slack",
        "team_id": team_id,
        "channel_id": channel_id,
        "thread_ts": thread_ts,
    }
