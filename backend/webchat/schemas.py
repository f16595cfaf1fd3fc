"""Web chat gateway schemas."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from backend.core.models import Language
from backend.webchat.models import Author


class QuickReply(BaseModel):
    title: str
    payload: str


class WebMessagePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    author: Author
    text: str
    buttons: list[QuickReply] | None
    image_url: str | None
    link_url: str | None
    # The page follows the language of the latest message that has one; bubbles carry ``lang``.
    language: Language | None
    created_at: datetime


class WebMessagesPublic(BaseModel):
    messages: list[WebMessagePublic]
    # An answer of the assistant is still to come: the widget keeps polling and says so.
    pending: bool


class UserMessageRequest(BaseModel):
    """A typed message (``text``) or a clicked quick reply (``payload`` sent, ``title`` shown)."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(default=None, min_length=1, max_length=2000)
    payload: str | None = Field(default=None, min_length=1, max_length=500)
    title: str | None = Field(default=None, min_length=1, max_length=500)
    # Chosen by the widget, the same on every retry of one message: a retry is answered from the
    # stored turn, never sent to Rasa again. API callers that send none get no such protection.
    client_id: str = Field(
        default_factory=lambda: uuid.uuid4().hex, pattern=r"^[A-Za-z0-9_-]{8,64}$"
    )

    @model_validator(mode="after")
    def _text_or_quick_reply(self) -> UserMessageRequest:
        if (self.text is None) == (self.payload is None):
            raise ValueError("send either text or a quick reply payload")
        if self.payload is not None and self.title is None:
            raise ValueError("a quick reply needs its title")
        if self.text is not None and not self.text.strip():
            raise ValueError("text must not be blank")
        return self

    @property
    def shown_text(self) -> str:
        """What the transcript shows for this message."""
        return (self.text if self.text is not None else self.title) or ""
