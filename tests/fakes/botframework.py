"""A fake Bot Framework on 127.0.0.1: token service, OpenID metadata + JWKS, connector.

- ``openid_url`` serves OpenID metadata whose ``jwks_uri`` lists the public half of an RSA key
  generated per instance (``kid`` = ``key_id``, endorsed for ``msteams``): configure it as
  ``BOTFRAMEWORK_OPENID_URL``.
- ``token_url`` is the OAuth client-credentials endpoint the bot gets its connector token from
  (``BOTFRAMEWORK_TOKEN_URL``); only ``app_id``/``app_password`` get a token.
- ``service_url`` is the connector: ``POST /v3/conversations/{id}/activities`` is recorded and
  refused (401) without a token from ``token_url``. Put it in the activities' ``serviceUrl``.
- ``channel_token(...)`` signs the token the Bot Framework puts on a request to the bot, with
  every claim overridable, and ``activity(...)`` builds a Teams message activity.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.fakes.server import (
    FakeRequest,
    FakeResponse,
    FakeServer,
    ServedFake,
    at_least,
    wait_until,
)

ISSUER = "https://api.botframework.com"
DEFAULT_APP_ID = "00000000-0000-0000-0000-00000000b07a"
DEFAULT_APP_PASSWORD = "test-bot-password"
DEFAULT_TENANT_ID = "72f988bf-0000-0000-0000-00000000fa4e"
TOKEN_LIFETIME_SECONDS = 3600


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class ConnectorActivity:
    """An activity the bot posted to the connector."""

    conversation_id: str
    activity: dict[str, Any]
    token: str | None


class FakeBotFramework(ServedFake):
    """Token endpoint, OpenID metadata, JWKS and connector of one fake Bot Framework."""

    def __init__(
        self, *, app_id: str = DEFAULT_APP_ID, app_password: str = DEFAULT_APP_PASSWORD
    ) -> None:
        self.app_id = app_id
        self.app_password = app_password
        self.key = new_rsa_key()
        self.key_id = f"fake-{secrets.token_hex(4)}"
        self.token_requests = 0
        self.keys_requests = 0
        self.activities: list[ConnectorActivity] = []
        self._issued_tokens: set[str] = set()
        self._ids = itertools.count(1)
        self._changed = threading.Condition()
        self._server = FakeServer(self._handle)

    # -- URLs to configure --

    @property
    def openid_url(self) -> str:
        return f"{self._server.url}/v1/.well-known/openidconfiguration"

    @property
    def token_url(self) -> str:
        return f"{self._server.url}/botframework.com/oauth2/v2.0/token"

    @property
    def service_url(self) -> str:
        """The connector's base URL as Teams sends it in ``serviceUrl`` (trailing slash)."""
        return f"{self._server.url}/"

    # -- what the bot receives --

    def channel_token(
        self,
        *,
        service_url: str | None = None,
        issuer: str = ISSUER,
        audience: str | None = None,
        expires_in: int = 3600,
        key: rsa.RSAPrivateKey | None = None,
        key_id: str | None = None,
        extra_claims: dict[str, Any] | None = None,
    ) -> str:
        """A Bot Framework channel token (RS256) for a request to the bot; override to break it."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": self.app_id if audience is None else audience,
            "serviceurl": self.service_url if service_url is None else service_url,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + expires_in,
            **(extra_claims or {}),
        }
        return jwt.encode(
            claims,
            key or self.key,
            algorithm="RS256",
            headers={"kid": key_id or self.key_id},
        )

    def activity(
        self,
        text: str | None = "hello",
        *,
        conversation_id: str | None = None,
        aad_object_id: str = "11111111-2222-3333-4444-555555555555",
        tenant_id: str = DEFAULT_TENANT_ID,
        value: Any = None,
        service_url: str | None = None,
    ) -> dict[str, Any]:
        """A Teams personal-chat message activity from one user to the bot."""
        conversation = conversation_id or f"a:1{secrets.token_hex(8)}"
        activity: dict[str, Any] = {
            "type": "message",
            "id": str(uuid.uuid4()),
            "timestamp": "2026-11-26T10:00:00.000Z",
            "serviceUrl": self.service_url if service_url is None else service_url,
            "channelId": "msteams",
            "from": {
                "id": f"29:1{aad_object_id.replace('-', '')}",
                "name": "Test User",
                "aadObjectId": aad_object_id,
            },
            "conversation": {
                "conversationType": "personal",
                "tenantId": tenant_id,
                "id": conversation,
            },
            "recipient": {"id": f"28:{self.app_id}", "name": "Business Mobile"},
            "channelData": {"tenant": {"id": tenant_id}},
            "locale": "en-US",
        }
        if text is not None:
            activity["text"] = text
        if value is not None:
            activity["value"] = value
        return activity

    # -- what the bot sent --

    def posted(self, *, conversation_id: str | None = None) -> list[dict[str, Any]]:
        """Activities posted with a valid token (optionally to one conversation)."""
        with self._changed:
            return [
                item.activity
                for item in self.activities
                if item.token in self._issued_tokens
                and (conversation_id is None or item.conversation_id == conversation_id)
            ]

    def wait_for_activities(
        self,
        count: int,
        *,
        conversation_id: str | None = None,
        saying: str | None = None,
        timeout: float = 30.0,
    ) -> list[dict[str, Any]]:
        """At least ``count`` posted activities (of one conversation) and, with ``saying``, one
        with that text (a message that may come a while after the others of its turn), or
        ``TimeoutError``."""
        return wait_until(
            self._changed,
            lambda: self.posted(conversation_id=conversation_id),
            at_least(count, saying),
            f"{count} activities" + (f" saying {saying!r}" if saying else ""),
            timeout,
        )

    # -- HTTP --

    def _jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {
            **jwk,
            "kid": self.key_id,
            "use": "sig",
            "alg": "RS256",
            "endorsements": ["msteams"],
        }

    def _handle(self, request: FakeRequest) -> FakeResponse:
        path = request.path
        if request.method == "GET" and path == "/v1/.well-known/openidconfiguration":
            return FakeResponse(
                200,
                {
                    "issuer": ISSUER,
                    "authorization_endpoint": f"{self._server.url}/v1/auth",
                    "jwks_uri": f"{self._server.url}/v1/.well-known/keys",
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                },
            )
        if request.method == "GET" and path == "/v1/.well-known/keys":
            with self._changed:
                self.keys_requests += 1
            return FakeResponse(200, {"keys": [self._jwk()]})
        if request.method == "POST" and path == "/botframework.com/oauth2/v2.0/token":
            return self._token(request.form())
        prefix, _, rest = path.partition("/v3/conversations/")
        if request.method == "POST" and prefix == "" and rest.endswith("/activities"):
            return self._activity(request, rest.removesuffix("/activities"))
        return FakeResponse(404, {"error": "not_found"})

    def _token(self, form: dict[str, str]) -> FakeResponse:
        with self._changed:
            self.token_requests += 1
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_id") != self.app_id
            or form.get("client_secret") != self.app_password
        ):
            return FakeResponse(401, {"error": "invalid_client"})
        token = secrets.token_urlsafe(24)
        with self._changed:
            self._issued_tokens.add(token)
        return FakeResponse(
            200,
            {"token_type": "Bearer", "expires_in": TOKEN_LIFETIME_SECONDS, "access_token": token},
        )

    def _activity(self, request: FakeRequest, conversation_id: str) -> FakeResponse:
        auth = request.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        body = request.json()
        with self._changed:
            self.activities.append(
                ConnectorActivity(conversation_id=conversation_id, activity=body, token=token)
            )
            self._changed.notify_all()
            authorised = token in self._issued_tokens
        if not authorised:
            return FakeResponse(401, {"error": {"code": "Unauthorized"}})
        return FakeResponse(201, {"id": f"activity-{next(self._ids)}"})
