"""Microsoft Teams through the Bot Framework: Rasa's ``botframework`` channel, made complete.

What the stock 3.6 channel lacks and this one does:

- full validation of the channel token (Bot Framework "authenticate requests from the Bot
  Connector service"): RS256 signature by a key of the configured OpenID metadata's JWKS (keys
  cached, refetched daily or for an unknown key id, and endorsed for the activity's channel),
  issuer ``https://api.botframework.com``, audience = our app id, expiry and not-before with
  a five-minute clock skew, and the ``serviceurl`` claim equal to the activity's ``serviceUrl``
  — so a token for another bot or another connector is refused (401);
- the Rasa sender id is ``"{tenant_id}:{aad_object_id}"``, the key of the backend's platform
  links, and ``metadata["conversation_ref"]`` is built from the verified activity only;
- Adaptive Card ``Action.Submit`` clicks (``activity.value = {"payload": ...}``) reach the bot
  as a message; buttons are sent as Adaptive Cards with ``Action.Submit``;
- the request is acknowledged at once (202) and the replies are posted asynchronously to the
  connector with an OAuth token from the configured token URL, cached until shortly before it
  expires — Teams gives a bot 15 seconds, a turn with backend calls may take longer;
- HTTP with aiohttp, never blocking the event loop (the stock channel uses ``requests``).
- when the bot is added to a chat (``conversationUpdate``) it greets, so an unlinked user
  learns how to link before typing anything;
- texts and card payloads are normalised and cut to ``TEAMS_MAX_CHARS`` before Rasa reads
  them; after the turn of a cut message the user is told so (:mod:`bot.channels.limits`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable, Coroutine
from http import HTTPStatus
from typing import Any

import aiohttp
import jwt
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.limits import TEAMS_MAX_CHARS, Inbound, bound, turn_then_notice

logger = logging.getLogger(__name__)

BOTFRAMEWORK_ISSUER = "https://api.botframework.com"
DEFAULT_OPENID_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
DEFAULT_TOKEN_URL = "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"  # noqa: S105 - a URL
CONNECTOR_SCOPE = "https://api.botframework.com/.default"
CLOCK_SKEW_SECONDS = 300
KEYS_MAX_AGE_SECONDS = 24 * 3600
# An unknown key id refetches the keys, but not more often than this (no fetch amplification).
KEYS_MIN_REFRESH_SECONDS = 300
# After a failed fetch no new one for this long, doubling with each failure in a row up to the
# maximum: while the keys cannot be fetched, tokens are judged at once on the keys we have
# instead of each waiting for its own fetch.
KEYS_RETRY_MIN_SECONDS = 5.0
KEYS_RETRY_MAX_SECONDS = 300.0
TOKEN_RENEW_MARGIN_SECONDS = 300
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=10)
_MENTION = re.compile(r"<at>[^<]*</at>")
ACTIONS_PER_SET = 5


class TokenInvalid(Exception):
    """The request's channel token fails validation (answered with 401)."""


class ChannelTokenValidator:
    """Validates Bot Framework channel tokens against the keys of an OpenID configuration."""

    def __init__(
        self, app_id: str, openid_url: str, *, retry_min_seconds: float = KEYS_RETRY_MIN_SECONDS
    ) -> None:
        self.app_id = app_id
        self.openid_url = openid_url
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at = 0.0
        self._retry_min = retry_min_seconds
        self._failures = 0  # failed fetches in a row
        self._retry_at = 0.0  # no fetch before this (monotonic) time
        self._lock = asyncio.Lock()

    async def claims(self, token: str, activity: dict[str, Any]) -> dict[str, Any]:
        """The token's claims if it is valid for ``activity``; ``TokenInvalid`` otherwise."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenInvalid("malformed token") from exc
        if header.get("alg") != "RS256":
            raise TokenInvalid(f"algorithm {header.get('alg')!r} not allowed")
        jwk = await self._key(str(header.get("kid")))
        endorsements = jwk.get("endorsements")
        if isinstance(endorsements, list) and activity.get("channelId") not in endorsements:
            raise TokenInvalid("signing key not endorsed for this channel")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=jwt.PyJWK(jwk, algorithm="RS256").key,
                algorithms=["RS256"],
                audience=self.app_id,
                issuer=BOTFRAMEWORK_ISSUER,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise TokenInvalid(str(exc)) from exc
        if _normalise_url(claims.get("serviceurl")) != _normalise_url(activity.get("serviceUrl")):
            raise TokenInvalid("serviceurl claim does not match the activity's serviceUrl")
        return claims

    async def _key(self, kid: str) -> dict[str, Any]:
        # A request whose key we have does not queue behind a refresh already under way.
        if self._needs_fetch(kid) and not (kid in self._keys and self._lock.locked()):
            async with self._lock:
                if self._needs_fetch(kid):  # unless the fetch it waited for settled it
                    await self._refresh()
        if kid not in self._keys:
            raise TokenInvalid(f"unknown signing key {kid!r}")
        return self._keys[kid]

    def _needs_fetch(self, kid: str) -> bool:
        now = time.monotonic()
        if now < self._retry_at:
            return False
        age = now - self._fetched_at
        stale = age > KEYS_MAX_AGE_SECONDS
        unknown = kid not in self._keys and age > KEYS_MIN_REFRESH_SECONDS
        return not self._fetched_at or stale or unknown

    async def _refresh(self) -> None:
        try:
            self._keys = await self._fetch_keys()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError, KeyError):
            # Keep serving with the keys we have (none: every request is refused) and wait
            # before the next fetch, longer after each failure in a row.
            self._failures += 1
            wait = min(KEYS_RETRY_MAX_SECONDS, self._retry_min * 2 ** (self._failures - 1))
            self._retry_at = time.monotonic() + wait
            logger.exception(
                "Could not fetch Bot Framework keys from %s; next try in %.0f s",
                self.openid_url,
                wait,
            )
            return
        self._fetched_at = time.monotonic()
        self._failures = 0
        self._retry_at = 0.0

    async def _fetch_keys(self) -> dict[str, dict[str, Any]]:
        async with aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as session:
            async with session.get(self.openid_url) as answer:
                answer.raise_for_status()
                jwks_uri = (await answer.json(content_type=None))["jwks_uri"]
            async with session.get(jwks_uri) as answer:
                answer.raise_for_status()
                keys = (await answer.json(content_type=None))["keys"]
        logger.info("Fetched %d Bot Framework signing keys", len(keys))
        return {str(key["kid"]): key for key in keys if "kid" in key}


class ConnectorClient:
    """Posts activities to a Bot Framework connector with a cached client-credentials token."""

    def __init__(self, app_id: str, app_password: str, token_url: str) -> None:
        self.app_id = app_id
        self.app_password = app_password
        self.token_url = token_url
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def _access_token(self, session: aiohttp.ClientSession) -> str:
        async with self._lock:
            if self._token is None or time.monotonic() >= self._expires_at:
                form = {
                    "grant_type": "client_credentials",
                    "client_id": self.app_id,
                    "client_secret": self.app_password,
                    "scope": CONNECTOR_SCOPE,
                }
                async with session.post(self.token_url, data=form) as answer:
                    answer.raise_for_status()
                    data = await answer.json(content_type=None)
                self._token = str(data["access_token"])
                lifetime = float(data.get("expires_in", 3600))
                self._expires_at = time.monotonic() + max(lifetime - TOKEN_RENEW_MARGIN_SECONDS, 0)
            return self._token

    async def post_activity(
        self, service_url: str, conversation_id: str, activity: dict[str, Any]
    ) -> None:
        url = f"{service_url.rstrip('/')}/v3/conversations/{conversation_id}/activities"
        async with aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as session:
            token = await self._access_token(session)
            headers = {"Authorization": f"Bearer {token}"}
            async with session.post(url, json=activity, headers=headers) as answer:
                if answer.status >= 400:
                    logger.error(
                        "Connector refused an activity (%s): %s", answer.status, await answer.text()
                    )


def adaptive_card(text: str, buttons: list[dict[str, Any]]) -> dict[str, Any]:
    """An Adaptive Card attachment: the text, then the buttons as ``Action.Submit``."""
    actions = [
        {
            "type": "Action.Submit",
            "title": str(button.get("title") or button.get("payload")),
            "data": {"payload": str(button.get("payload") or button.get("title"))},
        }
        for button in buttons
    ]
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": text, "wrap": True}]
    # Teams shows a handful of actions per set and hides the rest: small sets show them all.
    body.extend(
        {"type": "ActionSet", "actions": actions[start : start + ACTIONS_PER_SET]}
        for start in range(0, len(actions), ACTIONS_PER_SET)
    )
    return {
        "contentType": "application/vnd.microsoft.card.adaptive",
        "content": {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": body,
        },
    }


class TeamsOutput(OutputChannel):  # type: ignore[misc]  # rasa is untyped
    """Replies into the conversation of one incoming activity."""

    @classmethod
    def name(cls) -> str:
        return "botframework"

    def __init__(self, connector: ConnectorClient, incoming: dict[str, Any]) -> None:
        self.connector = connector
        self.incoming = incoming

    async def _send(self, fields: dict[str, Any]) -> None:
        activity = {
            "type": "message",
            "from": self.incoming.get("recipient"),
            "recipient": self.incoming.get("from"),
            "conversation": self.incoming.get("conversation"),
            "replyToId": self.incoming.get("id"),
            **fields,
        }
        await self.connector.post_activity(
            self.incoming["serviceUrl"], self.incoming["conversation"]["id"], activity
        )

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send({"text": text, "textFormat": "markdown"})

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        card = {"type": "AdaptiveCard", "version": "1.4", "body": [{"type": "Image", "url": image}]}
        attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        await self._send({"attachments": [attachment]})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send({"attachments": [adaptive_card(text, buttons)]})

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        await self._send(dict(json_message))


class TeamsChannel(InputChannel):  # type: ignore[misc]  # rasa is untyped
    """Rasa's ``botframework`` channel with full token validation and asynchronous replies."""

    @classmethod
    def name(cls) -> str:
        return "botframework"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        assert credentials is not None
        return cls(
            app_id=str(credentials.get("app_id") or ""),
            app_password=str(credentials.get("app_password") or ""),
            openid_url=credentials.get("openid_url") or DEFAULT_OPENID_URL,
            token_url=credentials.get("token_url") or DEFAULT_TOKEN_URL,
        )

    def __init__(self, app_id: str, app_password: str, openid_url: str, token_url: str) -> None:
        if not app_id:
            raise ValueError("botframework channel: app_id is required (BOTFRAMEWORK_APP_ID)")
        self.app_id = app_id
        self.validator = ChannelTokenValidator(app_id, openid_url)
        self.connector = ConnectorClient(app_id, app_password, token_url)
        self._background_tasks: set[asyncio.Task[Any]] = set()

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Coroutine[Any, Any, Any]]
    ) -> Blueprint:
        botframework_webhook = Blueprint("botframework_webhook", __name__)

        @botframework_webhook.route("/", methods=["GET"])  # type: ignore[untyped-decorator]
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @botframework_webhook.route("/webhook", methods=["POST"])  # type: ignore[untyped-decorator]
        async def webhook(request: Request) -> HTTPResponse:
            auth = request.headers.get("Authorization", "")
            if not auth.startswith("Bearer "):
                return response.text("missing bearer token", status=HTTPStatus.UNAUTHORIZED)
            try:
                activity = json.loads(request.body)
                if not isinstance(activity, dict):
                    raise ValueError("activity is not an object")
            except ValueError:
                return response.text("malformed activity", status=HTTPStatus.BAD_REQUEST)
            try:
                await self.validator.claims(auth.removeprefix("Bearer ").strip(), activity)
            except TokenInvalid as exc:
                logger.warning("Bot Framework request refused: %s", exc)
                return response.text("invalid token", status=HTTPStatus.UNAUTHORIZED)
            found = self._user_message(activity)
            if found is not None:
                message, truncated = found
                agent = request.app.ctx.agent
                turn = (
                    turn_then_notice(on_new_message, message, agent, TEAMS_MAX_CHARS)
                    if truncated
                    else on_new_message(message)
                )
                task: asyncio.Task[Any] = asyncio.create_task(turn)
                self._background_tasks.add(task)
                task.add_done_callback(self._background_tasks.discard)
            # Acknowledge now; the replies go to the connector when the turn is done.
            return response.empty(status=HTTPStatus.ACCEPTED)

        return botframework_webhook

    def _user_message(self, activity: dict[str, Any]) -> tuple[UserMessage, bool] | None:
        """The Rasa message of a Teams activity and whether its text was cut, or None for what
        the bot does not answer."""
        if activity.get("type") == "message":
            inbound = _message_text(activity)
        elif _bot_was_added(activity):
            # Installed in a chat: greet at once (an unlinked user learns how to link).
            inbound = Inbound("/greet", truncated=False)
        else:
            return None
        text = inbound.text
        sender = activity.get("from") or {}
        conversation = activity.get("conversation") or {}
        tenant_id = ((activity.get("channelData") or {}).get("tenant") or {}).get("id") or (
            conversation.get("tenantId")
        )
        aad_object_id = sender.get("aadObjectId")
        if not text or not tenant_id or not aad_object_id or not conversation.get("id"):
            logger.info("Teams activity without text, tenant or AAD user: ignored")
            return None
        conversation_ref = {
            "platform": "teams",
            "service_url": activity.get("serviceUrl"),
            "conversation_id": conversation["id"],
            "tenant_id": tenant_id,
            "bot_id": (activity.get("recipient") or {}).get("id"),
            "user_id": sender.get("id"),
        }
        message = UserMessage(
            text,
            TeamsOutput(self.connector, activity),
            f"{tenant_id}:{aad_object_id}",
            input_channel=self.name(),
            metadata={"conversation_ref": conversation_ref},
        )
        return message, inbound.truncated


def _message_text(activity: dict[str, Any]) -> Inbound:
    """Typed text without @mentions of the bot, or the payload of an Action.Submit click."""
    value = activity.get("value")
    if isinstance(value, dict) and isinstance(value.get("payload"), str):
        payload = bound(value["payload"], TEAMS_MAX_CHARS)
        return Inbound(payload.text.strip(), payload.truncated)
    typed = bound(str(activity.get("text") or ""), TEAMS_MAX_CHARS)
    return Inbound(_MENTION.sub("", typed.text).strip(), typed.truncated)


def _bot_was_added(activity: dict[str, Any]) -> bool:
    """A ``conversationUpdate`` whose added members include the bot itself."""
    if activity.get("type") != "conversationUpdate":
        return False
    bot_id = (activity.get("recipient") or {}).get("id")
    return any(member.get("id") == bot_id for member in activity.get("membersAdded") or [])


def _normalise_url(url: Any) -> str | None:
    return url.rstrip("/").lower() if isinstance(url, str) and url else None
