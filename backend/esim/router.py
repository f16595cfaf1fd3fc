"""Pages: the eSIM confirmation page linked from the e-mail (no /api/v1, HTML)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from backend.core.db import SessionDep
from backend.esim import service
from backend.esim.exceptions import ESimTokenInvalid
from backend.fleet.models import LineStatus
from backend.mail.templates import get_environment

pages_router = APIRouter(include_in_schema=False)


def _page(
    *, language: str, state: str, msisdn: str | None, post_url: str, status: int
) -> HTMLResponse:
    html = (
        get_environment()
        .get_template("esim_confirm.html")
        .render(language=language, state=state, msisdn=msisdn, post_url=post_url)
    )
    return HTMLResponse(html, status_code=status)


@pages_router.get("/esim/confirm/{token}", response_class=HTMLResponse)
def esim_confirmation_page(token: str, request: Request, session: SessionDep) -> HTMLResponse:
    """A page with one button that confirms the eSIM activation."""
    post_url = str(request.url_for("esim_confirm", token=token))
    try:
        profile = service.find_by_token(session, token=token)
    except ESimTokenInvalid:
        return _page(language="fr", state="invalid", msisdn=None, post_url=post_url, status=400)
    return _page(
        language=profile.language.value,
        state="ask",
        msisdn=profile.line.msisdn,
        post_url=post_url,
        status=200,
    )


@pages_router.post("/esim/confirm/{token}", response_class=HTMLResponse)
def esim_confirm(token: str, request: Request, session: SessionDep) -> HTMLResponse:
    """Confirm: the line becomes active (once its number porting, if any, has completed); the
    link cannot be used again."""
    post_url = str(request.url)
    try:
        profile = service.confirm(session, token=token)
    except ESimTokenInvalid:
        return _page(language="fr", state="invalid", msisdn=None, post_url=post_url, status=400)
    session.commit()
    return _page(
        language=profile.language.value,
        state="done" if profile.line.status == LineStatus.active else "waiting",
        msisdn=profile.line.msisdn,
        post_url=post_url,
        status=200,
    )
