"""Security headers on every response of the backend: a strict Content-Security-Policy, no
framing, no MIME sniffing, no referrer to other sites, and HSTS behind TLS.

Every response gets them, not only the pages: a JSON body or a static file opened as a page
must not run script or be framed either, and no route can be forgotten.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        # Scripts and styles are files under /static: no inline script, handler or style.
        "script-src 'self'",
        "style-src 'self'",
        # The widget shows the images the bot sends (Rasa's "image"), which may be hosted anywhere.
        "img-src 'self' https:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        # No page is embeddable: the widget is a script included in same-origin pages, and a
        # framed portal, console or payment page would only serve clickjacking.
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Payment, eSIM, registration and reset links carry their token in the path: never send it
    # to another site. Same-origin requests keep theirs (and their Origin header).
    "Referrer-Policy": "same-origin",
}
# Sent only over TLS (browsers ignore it over plain HTTP); a year, as HSTS preload lists expect.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    """Pure ASGI middleware (it never buffers a body) adding the headers to every response.

    ``relaxed_prefixes``: paths whose pages load script from elsewhere (FastAPI's docs, local
    mode only); they get every header except the Content-Security-Policy.
    """

    def __init__(self, app: ASGIApp, *, relaxed_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        self.relaxed_prefixes = relaxed_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Behind the load balancer TLS ends there; it says so in X-Forwarded-Proto.
        forwarded = Headers(scope=scope).get("x-forwarded-proto", "")
        tls = scope.get("scheme") == "https" or forwarded.split(",")[0].strip() == "https"
        relaxed = any(scope["path"].startswith(p) for p in self.relaxed_prefixes)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if not (relaxed and name == "Content-Security-Policy"):
                        headers.setdefault(name, value)
                if tls:
                    headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def add_security_headers(app: FastAPI) -> None:
    """Install the middleware on ``app``; its docs pages (when enabled) keep their CDN script."""
    docs = tuple(url for url in (app.docs_url, app.redoc_url) if url)
    app.add_middleware(SecurityHeaders, relaxed_prefixes=docs)
