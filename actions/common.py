"""What every backend-calling action shares: the client, the caller's identity, the language."""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker

from actions.api.backend import BackendClient, ChatIdentity, IdentityUnknownError
from actions.formatting import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

# Prefix of response names built at run time (``utter_explain_<slot>``...); kept apart so that
# the domain test, which reads whole response names from the code, skips these templates.
RESPONSE_PREFIX = "utter"

# Namespace for idempotency keys derived from (sender, message, operation).
_IDEMPOTENCY_NAMESPACE = uuid.UUID("8f9a4c1e-5b7d-4e0a-9c3f-2d6b1a7e4f10")


class BackendAction(Action, ABC):  # type: ignore[misc]  # rasa_sdk is untyped
    """An action that talks to the backend; tests pass a client built on a mock transport."""

    def __init__(self, backend: BackendClient | None = None) -> None:
        self._backend = backend

    @abstractmethod
    def name(self) -> str:
        """Unique action name; abstract so that rasa-sdk does not register this base class."""

    @property
    def backend(self) -> BackendClient:
        """The backend client, created from the settings on first use."""
        if self._backend is None:
            self._backend = BackendClient.from_settings()
        return self._backend


def chat_identity(tracker: Tracker) -> ChatIdentity | None:
    """The channel identity of the conversation, or ``None`` before any user message.

    Identity comes from Rasa itself (input channel + sender id), never from slots or from
    message metadata, which a client can write (design.md §4).
    """
    channel = tracker.get_latest_input_channel()
    if not channel or not tracker.sender_id:
        return None
    message_id = (tracker.latest_message or {}).get("message_id")
    return ChatIdentity(
        channel=channel,
        sender_id=tracker.sender_id,
        turn=message_id if isinstance(message_id, str) and message_id else None,
    )


def require_identity(tracker: Tracker) -> ChatIdentity:
    """The channel identity; without one the caller is anonymous (``IdentityUnknownError``)."""
    identity = chat_identity(tracker)
    if identity is None:
        raise IdentityUnknownError("no channel identity")
    return identity


def conversation_language(tracker: Tracker) -> str:
    """The language the bot currently speaks in this conversation."""
    value = tracker.get_slot("language")
    return value if value in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


def entity_values(tracker: Tracker, entity: str) -> list[str]:
    """All values of ``entity`` in the latest user message, as strings."""
    return [str(value) for value in tracker.get_latest_entity_values(entity)]


def latest_text(tracker: Tracker) -> str:
    """The text of the latest user message."""
    text: Any = tracker.latest_message.get("text") if tracker.latest_message else None
    return text if isinstance(text, str) else ""


def latest_intent(tracker: Tracker) -> str | None:
    """The intent of the latest user message."""
    intent = (tracker.latest_message or {}).get("intent") or {}
    name = intent.get("name")
    return name if isinstance(name, str) else None


def idempotency_key(tracker: Tracker, operation: str) -> str:
    """The same key for the same user message and operation, so a retried request replays."""
    message_id = (tracker.latest_message or {}).get("message_id") or ""
    return str(uuid.uuid5(_IDEMPOTENCY_NAMESPACE, f"{tracker.sender_id}:{message_id}:{operation}"))
