"""Security headers on every route of the app (issue #15): the routes come from the app itself, so
a new page cannot be missed, and every page the backend renders is checked for inline script or
style that its Content-Security-Policy would block.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI, routing

from backend.core.headers import SECURITY_HEADERS, STRICT_TRANSPORT_SECURITY
from backend.core.settings import Settings
from tests.backend.conftest import ACME_USER, AGENT

# The pages of the product (issue #15's list): each must be among the routes found rendering HTML.
PAGES = {
    "/portal",  # login, then the chat page with the widget
    "/agent",  # the helpdesk console
    "/pay/{token}",
    "/esim/confirm/{token}",
    "/register/{token}",
    "/password-reset",
    "/password-reset/{token}",
}
# Inline script (not a JSON data block), event-handler attributes, inline style: what the CSP
# (script-src/style-src 'self', no 'unsafe-inline') blocks.
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>|<style\b|\sstyle=|\son[a-z]+=",
    re.IGNORECASE,
)


def every_route(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route of the app, from the app itself."""
    found = []
    for context in routing.iter_route_contexts(app.routes):
        if isinstance(context.original_route, routing.APIRoute):
            found += [(m, str(context.path)) for m in sorted(context.methods or ()) if m != "HEAD"]
    return found


def concrete(path: str) -> str:
    """``path`` with each parameter given a value of the right shape that names nothing."""
    return re.sub(r"\{[^}]+\}", "999999", path)


@pytest.fixture
def app(settings: Settings, app_for: Callable[[Settings], FastAPI]) -> FastAPI:
    return app_for(settings)


async def logged_in(app: FastAPI, gsm: str, password: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    response = await client.post("/portal/login", data={"gsm": gsm, "password": password})
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
async def visitors(app: FastAPI) -> AsyncIterator[list[httpx.AsyncClient]]:
    """Anonymous, a logged-in end user (the chat page) and a helpdesk agent (the console)."""
    anonymous = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    )
    clients = [anonymous, await logged_in(app, *ACME_USER), await logged_in(app, *AGENT)]
    yield clients
    for client in clients:
        await client.aclose()


def assert_headers(response: httpx.Response, where: str) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, f"{where}: {name}"
    assert "strict-transport-security" not in response.headers, where  # plain HTTP here


async def test_every_route_answers_with_the_security_headers_and_pages_have_no_inline_code(
    app: FastAPI, visitors: list[httpx.AsyncClient]
) -> None:
    html_routes: set[str] = set()
    for method, path in every_route(app):
        for client in visitors:
            response = await client.request(method, concrete(path), follow_redirects=False)
            where = f"{method} {path} ({response.status_code})"
            assert_headers(response, where)
            if response.headers.get("content-type", "").startswith("text/html"):
                html_routes.add(path)
                assert not INLINE.findall(response.text), where

    assert html_routes >= PAGES, PAGES - html_routes
    for static in ("/static/widget/widget.js", "/static/pages/pages.css", "/static/nothing"):
        assert_headers(await visitors[0].get(static), static)


async def test_the_policy_is_strict_and_forbids_framing() -> None:
    policy = dict(
        d.strip().split(" ", 1) for d in SECURITY_HEADERS["Content-Security-Policy"].split(";")
    )

    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == policy["style-src"] == "'self'"
    assert "unsafe" not in SECURITY_HEADERS["Content-Security-Policy"]
    assert policy["frame-ancestors"] == "'none'"
    assert SECURITY_HEADERS["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("scope_headers", "expected"),
    [
        ({"X-Forwarded-Proto": "https"}, STRICT_TRANSPORT_SECURITY),
        ({"X-Forwarded-Proto": "http"}, None),
        ({}, None),
    ],
)
async def test_hsts_is_sent_behind_tls_only(
    visitors: list[httpx.AsyncClient], scope_headers: dict[str, str], expected: str | None
) -> None:
    response = await visitors[0].get("/portal", headers=scope_headers)

    assert response.headers.get("Strict-Transport-Security") == expected


async def test_hsts_is_sent_on_a_tls_connection(app: FastAPI) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://testserver"
    ) as client:
        response = await client.get("/health")

    assert response.headers["Strict-Transport-Security"] == STRICT_TRANSPORT_SECURITY
