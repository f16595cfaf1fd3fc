"""Web chat errors."""

from __future__ import annotations

from backend.core.errors import AppError


class WebConversationNotFound(AppError):
    status_code = 404
    code = "web_conversation_not_found"
    message = "No web chat conversation has this sender id."
