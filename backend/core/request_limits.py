"""Bounded request lines and headers: refused before any route, log filter or parser sees them.

uvicorn has no limit of its own that holds: ``--h11-max-incomplete-event-size`` only applies
while a request head is still arriving, so a 60 KB query string sent in one piece is parsed,
routed and written to the access log whole (measured: 200 on ``/health``). nginx refuses long
request lines first in production (``large_client_header_buffers``); this limit holds for
whatever reaches the backend directly.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

# nginx's default buffer for one request line or header line; the longest URL of the product
# (a payment or eSIM link with its token) is under 200 bytes.
MAX_TARGET_BYTES = 8 * 1024
MAX_HEADER_BYTES = 16 * 1024
# What the access log keeps of a refused path and query string.
LOGGED_CHARS = 200


class RequestLimits:
    """Pure ASGI middleware: 414 past ``MAX_TARGET_BYTES`` of path and query string, 431 past
    ``MAX_HEADER_BYTES`` of header names and values."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        target = len(scope.get("raw_path") or scope["path"].encode()) + len(scope["query_string"])
        headers = sum(len(name) + len(value) for name, value in scope["headers"])
        if target > MAX_TARGET_BYTES:
            refusal = PlainTextResponse("URI too long", status_code=414)
        elif headers > MAX_HEADER_BYTES:
            refusal = PlainTextResponse("Request header fields too large", status_code=431)
        else:
            await self.app(scope, receive, send)
            return
        # uvicorn writes the access log line from this same scope once the answer is sent:
        # keep it short (it is masked like every line, but needs not be 60 KB).
        scope["path"] = scope["path"][:LOGGED_CHARS]
        scope["query_string"] = scope["query_string"][:LOGGED_CHARS]
        await refusal(scope, receive, send)


def add_request_limits(app: FastAPI) -> None:
    """Install :class:`RequestLimits`; call it last, so that it wraps every other middleware."""
    app.add_middleware(RequestLimits)
