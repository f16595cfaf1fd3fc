"""Chat identity errors."""

from __future__ import annotations

from backend.core.errors import AppError


class ChatIdentityUnknown(AppError):
    status_code = 401
    code = "chat_identity_unknown"
    message = "This chat user is not linked to a portal account."


class InvalidServiceKey(AppError):
    status_code = 401
    code = "invalid_service_key"
    message = "Missing or wrong service key."


class LinkCodeInvalid(AppError):
    status_code = 400
    code = "link_code_invalid"
    message = "This link code is invalid, already used or expired."


class BearerRequired(AppError):
    status_code = 403
    code = "bearer_required"
    message = "Only a logged-in portal user can do this."
