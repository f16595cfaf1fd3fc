"""Portal errors."""

from __future__ import annotations

from backend.core.errors import AppError


class CsrfRejected(AppError):
    status_code = 403
    code = "csrf_rejected"
    message = "Missing or wrong CSRF token; reload the page."
