"""eSIM errors."""

from __future__ import annotations

from backend.core.errors import AppError


class ESimNotPending(AppError):
    status_code = 409
    code = "esim_not_pending"
    message = "This line is not waiting for an eSIM confirmation."


class ESimTokenInvalid(AppError):
    status_code = 400
    code = "esim_token_invalid"
    message = "This eSIM confirmation link is invalid, already used or expired."
