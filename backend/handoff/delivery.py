"""Deliver what the helpdesk says to the user's own conversation, and wake the bot up again.

Web (Rasa channel ``rest``): the message goes into the web chat transcript, which the widget
polls. Slack: ``chat.postMessage`` with the bot token, in the channel (and thread) the user wrote
from. Teams: a message activity posted to the conversation's Bot Framework connector with a
client-credentials token. Where to post comes from the handoff's ``conversation_ref``, which the
Slack/Teams channel set from the verified request. Every function answers whether it worked: a
failed delivery is shown to the agent, never raised at them.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Literal
from urllib.parse import quote

import httpx
from sqlalchemy.orm import Session

from backend.core.settings import Settings
from backend.handoff.models import Handoff
from backend.webchat.exceptions import WebConversationNotFound
from backend.webchat.service import post_to_web_conversation

logger = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(5.0, connect=3.0)
BOTFRAMEWORK_SCOPE = "https://api.botframework.com/.default"
# Renew the connector token a little before it expires.
_TOKEN_MARGIN_SECONDS = 60

Author = Literal["agent", "system"]


class _TokenCache:
    """One Bot Framework connector token per (token URL, app id), shared by the worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}

    def get(self, settings: Settings, client: httpx.Client) -> str | None:
        key = (settings.botframework_token_url, settings.botframework_app_id)
        with self._lock:
            cached = self._tokens.get(key)
            if cached is not None and cached[1] > time.monotonic():
                return cached[0]
            response = client.post(
                settings.botframework_token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": settings.botframework_app_id,
                    "client_secret": settings.botframework_app_password.get_secret_value(),
                    "scope": BOTFRAMEWORK_SCOPE,
                },
            )
            if response.status_code != 200:
                logger.error("Bot Framework token request refused (%s)", response.status_code)
                return None
            body = response.json()
            token = body.get("access_token")
            if not isinstance(token, str):
                return None
            lifetime = float(body.get("expires_in") or 3600)
            self._tokens[key] = (token, time.monotonic() + lifetime - _TOKEN_MARGIN_SECONDS)
            return token

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


connector_tokens = _TokenCache()


def deliver(
    session: Session, settings: Settings, handoff: Handoff, *, author: Author, text: str
) -> bool:
    """Show ``text`` to the user of ``handoff`` in their own channel; whether it was accepted."""
    try:
        if handoff.channel in ("rest", "socketio"):
            post_to_web_conversation(session, sender_id=handoff.sender_id, author=author, text=text)
            return True
        with httpx.Client(timeout=TIMEOUT) as client:
            if handoff.channel == "slack":
                return _post_slack(client, settings, handoff, text)
            if handoff.channel == "botframework":
                return _post_teams(client, settings, handoff, text)
    except WebConversationNotFound:
        logger.warning("Handoff %s: no web conversation for its sender", handoff.id)
    except (httpx.HTTPError, ValueError) as exc:
        logger.warning("Handoff %s: delivery on %s failed: %r", handoff.id, handoff.channel, exc)
    return False


def _post_slack(client: httpx.Client, settings: Settings, handoff: Handoff, text: str) -> bool:
    ref = handoff.conversation_ref or {}
    channel = ref.get("channel_id")
    if not isinstance(channel, str) or not channel:
        logger.warning("Handoff %s: no Slack channel to post to", handoff.id)
        return False
    payload: dict[str, str] = {"channel": channel, "text": text}
    if isinstance(ref.get("thread_ts"), str):
        payload["thread_ts"] = ref["thread_ts"]
    response = client.post(
        settings.slack_api_base_url.rstrip("/") + "/chat.postMessage",
        headers={"Authorization": f"Bearer {settings.slack_bot_token.get_secret_value()}"},
        json=payload,
    )
    # Slack answers 200 with ``ok: false`` for most errors (invalid_auth, channel_not_found).
    ok = response.status_code == 200 and response.json().get("ok") is True
    if not ok:
        logger.warning("Handoff %s: Slack refused the message (%s)", handoff.id, response.text)
    return ok


def _post_teams(client: httpx.Client, settings: Settings, handoff: Handoff, text: str) -> bool:
    ref = handoff.conversation_ref or {}
    service_url, conversation_id = ref.get("service_url"), ref.get("conversation_id")
    if not isinstance(service_url, str) or not isinstance(conversation_id, str):
        logger.warning("Handoff %s: no Teams conversation to post to", handoff.id)
        return False
    token = connector_tokens.get(settings, client)
    if token is None:
        return False
    activity: dict[str, object] = {
        "type": "message",
        "text": text,
        "conversation": {"id": conversation_id},
    }
    if isinstance(ref.get("bot_id"), str):
        activity["from"] = {"id": ref["bot_id"]}
    if isinstance(ref.get("user_id"), str):
        activity["recipient"] = {"id": ref["user_id"]}
    url = (
        f"{service_url.rstrip('/')}/v3/conversations/"
        f"{quote(conversation_id, safe=':@;=')}/activities"
    )
    response = client.post(url, headers={"Authorization": f"Bearer {token}"}, json=activity)
    if response.status_code == 401:
        connector_tokens.clear()  # a revoked or rotated secret: fetch a new token next time
    if not response.is_success:
        logger.warning("Handoff %s: Teams connector answered %s", handoff.id, response.status_code)
    return response.is_success


def release_to_bot(settings: Settings, sender_id: str) -> bool:
    """Tell Rasa the agent is gone: ``handoff_active`` false, so the bot answers again.

    Uses Rasa's HTTP API (``--enable-api --auth-token``). If Rasa is unreachable the bot still
    recovers: its relay action learns from the backend that no handoff is open and clears the slot.
    """
    # Sanic does not unquote path parameters: the ":" of Slack/Teams sender ids stays as is.
    conversation = quote(sender_id, safe=":@")
    url = f"{settings.rasa_url.rstrip('/')}/conversations/{conversation}/tracker/events"
    try:
        response = httpx.post(
            url,
            params={"token": settings.rasa_auth_token.get_secret_value()},
            json=[{"event": "slot", "name": "handoff_active", "value": False}],
            timeout=TIMEOUT,
        )
    except httpx.HTTPError as exc:
        logger.warning("Rasa could not be told about the hand back: %r", exc)
        return False
    if not response.is_success:
        logger.warning("Rasa refused the hand back event (%s)", response.status_code)
    return response.is_success
