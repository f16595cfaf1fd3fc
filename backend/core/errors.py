"""The one error shape of the API: ``{"error": {"code", "message"}}``."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)


class AppError(Exception):
    """A business error with a stable snake_case code, turned into a JSON answer."""

    status_code: int = 400
    code: str = "bad_request"
    message: str = "Bad request."
    # Validation errors name the offending input and may carry machine-readable details.
    field: str | None = None
    details: dict[str, Any] | None = None
    # Extra response headers (e.g. ``Retry-After`` of a 429).
    headers: dict[str, str] | None = None

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message or self.message)
        if message is not None:
            self.message = message
        if field is not None:
            self.field = field
        if details is not None:
            self.details = details


class RetryLater(AppError):
    """A 429: too many requests of some kind; ``Retry-After`` says in how many seconds."""

    status_code = 429

    def __init__(
        self, message: str, *, retry_after: int, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message, details={**(details or {}), "retry_after": retry_after})
        self.headers = {"Retry-After": str(retry_after)}
        self.retry_after = retry_after


class FieldError(AppError):
    """A 422 about one input field whose code is chosen by the raiser."""

    status_code = 422

    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, field=field, details=details)
        self.code = code


class NotAuthenticated(AppError):
    status_code = 401
    code = "not_authenticated"
    message = "Authentication required."


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"
    message = "Not allowed for your role."


class NotFound(AppError):
    status_code = 404
    code = "not_found"
    message = "Not found."


def error_body(
    code: str,
    message: str,
    *,
    field: str | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """The JSON body of every error answer (``field``/``details`` only when known)."""
    error: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    if details is not None:
        error["details"] = details
    return {"error": error}


def _code_for_status(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "http_error"


async def _app_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return JSONResponse(
        error_body(exc.code, exc.message, field=exc.field, details=exc.details),
        status_code=exc.status_code,
        headers=exc.headers,
    )


async def _http_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return JSONResponse(
        error_body(_code_for_status(exc.status_code), message),
        status_code=exc.status_code,
        headers=exc.headers,
    )


async def _validation_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    parts = []
    for error in exc.errors():
        location = ".".join(str(item) for item in error.get("loc", ()))
        parts.append(f"{location}: {error.get('msg', 'invalid')}")
    return JSONResponse(
        error_body("validation_error", "; ".join(parts) or "Invalid request."), status_code=422
    )


async def _data_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    # A value the database cannot hold (an id beyond its integer range, text longer than its
    # column) came from the client: refuse it instead of answering 500. The transaction is
    # rolled back by the session's owner. PostgreSQL says so with a DataError; SQLite's driver
    # raises OverflowError for an integer beyond 64 bits before any query runs.
    assert isinstance(exc, DataError | OverflowError)
    logger.warning(
        "Refused a value the database cannot store: %s",
        exc.orig if isinstance(exc, DataError) else exc,
    )
    return JSONResponse(
        error_body("value_out_of_range", "A value is out of range or too long."), status_code=422
    )


async def _unhandled_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    logger.exception("Unhandled error", exc_info=exc)
    return JSONResponse(error_body("internal_error", "Internal server error."), status_code=500)


def register_error_handlers(app: FastAPI) -> None:
    """Make every error, including unknown routes and bad bodies, use the one error shape."""
    app.add_exception_handler(AppError, _app_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_error_handler)
    app.add_exception_handler(DataError, _data_error_handler)
    app.add_exception_handler(OverflowError, _data_error_handler)
    app.add_exception_handler(Exception, _unhandled_error_handler)
