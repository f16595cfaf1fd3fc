"""Portal routes: the login page, logout, the chat page and the Slack/Teams link code."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Header, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backend.accounts import service as accounts
from backend.chat import service as chat
from backend.core.db import SessionDep, SettingsDep
from backend.core.models import Language
from backend.core.settings import Settings
from backend.mail.templates import get_environment
from backend.portal.auth import (
    CsrfPortalSessionDep,
    PortalSessionDep,
    check_csrf,
    clear_session_cookie,
    csrf_token,
    current_portal_session,
    end_portal_session,
    set_session_cookie,
    start_portal_session,
)
from backend.portal.exceptions import CsrfRejected
from backend.portal.schemas import PortalLinkCodePublic, PortalSessionPublic
from backend.portal.strings import PAGE_STRINGS, negotiate_language

router = APIRouter(prefix="/portal", tags=["portal"])
pages_router = APIRouter(include_in_schema=False)

PORTAL_PATH = "/portal"


def _safe_next(target: str | None) -> str:
    """A local path to go to after login (never another site: no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return PORTAL_PATH


def _render(name: str, *, status_code: int = 200, **context: object) -> HTMLResponse:
    html = get_environment().get_template(f"portal/{name}").render(**context)
    # The pages carry a CSRF token and personal data: never from a shared cache.
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


def _login_page(
    language: Language, *, next_path: str, failed: bool = False, gsm: str = ""
) -> HTMLResponse:
    return _render(
        "login.html",
        status_code=status.HTTP_401_UNAUTHORIZED if failed else status.HTTP_200_OK,
        language=language.value,
        t=PAGE_STRINGS[language],
        languages=[(lang.value, PAGE_STRINGS[lang]["title"]) for lang in Language],
        failed=failed,
        gsm=gsm,
        next_path=next_path,
    )


@pages_router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse(PORTAL_PATH, status_code=status.HTTP_303_SEE_OTHER)


@pages_router.get(PORTAL_PATH, response_model=None)
def portal_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    lang: Annotated[Language | None, Query()] = None,
    next_path: Annotated[str | None, Query(alias="next")] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> Response:
    """The chat page when logged in, else the login page (language: ?lang=, else the browser)."""
    portal_session = current_portal_session(request, session)
    if portal_session is None:
        language = lang or negotiate_language(accept_language)
        return _login_page(language, next_path=_safe_next(next_path))
    target = _safe_next(next_path)
    if target != PORTAL_PATH:  # already logged in: straight on to where the link pointed
        return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
    account = portal_session.account
    strings = PAGE_STRINGS[account.language]
    return _render(
        "chat.html",
        language=account.language.value,
        t=strings,
        hello=strings["hello"].format(name=account.first_name or account.gsm),
        account=account,
        company_name=account.company.name if account.company else "",
        can_link=account.company is not None,
        csrf_token=csrf_token(settings=settings, portal_session_id=portal_session.id),
    )


def _same_origin(request: Request, settings: Settings, origin: str | None) -> bool:
    """Whether a form POST comes from our own page (browsers send Origin on POST).

    Behind a reverse proxy the request's own URL may differ from the public one: both count.
    """
    own = {str(request.base_url).rstrip("/"), settings.base_url}
    return origin is None or origin.rstrip("/") in own


@pages_router.post(PORTAL_PATH + "/login", response_model=None)
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    gsm: Annotated[str, Form(max_length=40)],
    password: Annotated[str, Form(max_length=200)],
    lang: Annotated[Language, Form()] = Language.fr,
    next_path: Annotated[str | None, Form(alias="next")] = None,
    origin: Annotated[str | None, Header()] = None,
) -> Response:
    """Check the GSM number and password like the API login; set the ``bm_portal`` cookie."""
    # Login CSRF (another site logging the victim into the attacker's account) is refused here;
    # no cookie exists yet, so the session's CSRF token cannot protect this form.
    if not _same_origin(request, settings, origin):
        raise CsrfRejected
    account = accounts.authenticate(session, gsm=gsm, password=password)
    if account is None:
        return _login_page(lang, next_path=_safe_next(next_path), failed=True, gsm=gsm)
    portal_session = start_portal_session(session, account=account)
    response = RedirectResponse(_safe_next(next_path), status_code=status.HTTP_303_SEE_OTHER)
    set_session_cookie(response, settings=settings, portal_session=portal_session)
    return response


@pages_router.post(PORTAL_PATH + "/logout", response_model=None)
def logout(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    csrf: Annotated[str | None, Form(alias="csrf_token")] = None,
) -> Response:
    """End the portal session (the cookie stops working even if copied) and clear the cookie."""
    portal_session = current_portal_session(request, session)
    if portal_session is not None:
        check_csrf(settings=settings, portal_session=portal_session, token=csrf)
        end_portal_session(session, portal_session=portal_session)
    response = RedirectResponse(PORTAL_PATH, status_code=status.HTTP_303_SEE_OTHER)
    clear_session_cookie(response)
    return response


@router.get("/session")
def read_portal_session(
    portal_session: PortalSessionDep, settings: SettingsDep
) -> PortalSessionPublic:
    """The logged-in user's UI language and CSRF token (cookie; same-origin scripts only)."""
    account = portal_session.account
    return PortalSessionPublic(
        first_name=account.first_name,
        language=account.language,
        role=account.role,
        csrf_token=csrf_token(settings=settings, portal_session_id=portal_session.id),
    )


@router.post("/link-codes", status_code=status.HTTP_201_CREATED)
def create_link_code(
    portal_session: CsrfPortalSessionDep, session: SessionDep
) -> PortalLinkCodePublic:
    """A single-use code to link a Slack/Teams user to the logged-in account (cookie + CSRF)."""
    account = portal_session.account
    code, expires_at = chat.create_link_code(session, account=account)
    instruction = PAGE_STRINGS[account.language]["link_instruction"].format(code=code)
    return PortalLinkCodePublic(code=code, expires_at=expires_at, instruction=instruction)
