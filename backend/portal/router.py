"""Portal routes: the login page, logout, the chat page, the Slack/Teams link code and the
"forgot password" pages (ask for a link; the link's page that sets the new password)."""

from __future__ import annotations

import math
import time
from typing import Annotated

from fastapi import APIRouter, Form, Header, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backend.accounts import password_reset
from backend.accounts import service as accounts
from backend.accounts.exceptions import (
    InvalidCredentials,
    LoginThrottled,
    PasswordResetTokenInvalid,
)
from backend.accounts.schemas import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from backend.accounts.throttle import LoginThrottleDep, client_address
from backend.chat import service as chat
from backend.core.db import SessionDep, SettingsDep
from backend.core.errors import AppError
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
from backend.portal.strings import CHAT_PAGE_KEYS, PAGE_STRINGS, negotiate_language
from backend.webchat import service as webchat

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
    language: Language, *, next_path: str, refusal: AppError | None = None, gsm: str = ""
) -> HTMLResponse:
    strings = PAGE_STRINGS[language]
    error = None
    if isinstance(refusal, LoginThrottled):
        wait = refusal.retry_after
        error = strings["login_throttled"].format(
            wait=f"{wait} s" if wait < 120 else f"{math.ceil(wait / 60)} min"
        )
    elif refusal is not None:
        error = strings["login_failed"]
    page = _render(
        "login.html",
        status_code=refusal.status_code if refusal else status.HTTP_200_OK,
        language=language.value,
        t=strings,
        languages=[(lang.value, PAGE_STRINGS[lang]["title"]) for lang in Language],
        error=error,
        gsm=gsm,
        next_path=next_path,
    )
    page.headers.update(refusal.headers if refusal and refusal.headers else {})
    return page


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
    # The page speaks the conversation's language (the user may have switched it by chat).
    language = webchat.conversation_language(
        session, chat_session_id=portal_session.chat_session_id, default=account.language
    )
    name = account.first_name or account.gsm
    return _render(
        "chat.html",
        language=language.value,
        t=PAGE_STRINGS[language],
        # Every language's chrome, for the page to switch without a reload (portal.js).
        chrome={
            lang.value: {
                **{key: PAGE_STRINGS[lang][key] for key in CHAT_PAGE_KEYS},
                "hello": PAGE_STRINGS[lang]["hello"].format(name=name),
            }
            for lang in Language
        },
        hello=PAGE_STRINGS[language]["hello"].format(name=name),
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
    throttle: LoginThrottleDep,
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
    try:
        account = accounts.login(
            session,
            settings=settings,
            throttle=throttle,
            gsm=gsm,
            password=password,
            address=client_address(request),
        )
    except (InvalidCredentials, LoginThrottled) as refusal:
        return _login_page(lang, next_path=_safe_next(next_path), refusal=refusal, gsm=gsm)
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
    language = webchat.conversation_language(
        session, chat_session_id=portal_session.chat_session_id, default=account.language
    )
    instruction = PAGE_STRINGS[language]["link_instruction"].format(code=code)
    return PortalLinkCodePublic(code=code, expires_at=expires_at, instruction=instruction)


RESET_PATH = password_reset.RESET_PATH
_RESET_MINUTES = int(password_reset.RESET_LINK_LIFETIME.total_seconds() // 60)


def _reset_request_page(language: Language, *, requested: bool = False) -> HTMLResponse:
    return _render(
        "password_reset_request.html",
        language=language.value,
        t=PAGE_STRINGS[language],
        languages=[(lang.value, PAGE_STRINGS[lang]["title"]) for lang in Language],
        requested=requested,
        minutes=_RESET_MINUTES,
    )


@pages_router.get(RESET_PATH)
def password_reset_request_page(
    lang: Annotated[Language | None, Query()] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> HTMLResponse:
    """ "Forgot password" linked from the login page: the GSM number, and a link is e-mailed."""
    return _reset_request_page(lang or negotiate_language(accept_language))


@pages_router.post(RESET_PATH)
def request_password_reset(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    gsm: Annotated[str, Form(max_length=40)],
    lang: Annotated[Language, Form()] = Language.fr,
    origin: Annotated[str | None, Header()] = None,
) -> HTMLResponse:
    """The same page and message whether or not the number has an account (and in the same
    minimum time), like ``POST /api/v1/auth/password-reset``."""
    if not _same_origin(request, settings, origin):
        raise CsrfRejected
    started = time.monotonic()
    password_reset.request_for_number(session, settings=settings, gsm=gsm)
    time.sleep(max(0.0, settings.password_reset_min_seconds - (time.monotonic() - started)))
    return _reset_request_page(lang, requested=True)


def _reset_page(
    request: Request,
    *,
    token: str,
    state: str,
    language: Language,
    settings: Settings,
    gsm: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return _render(
        "password_reset.html",
        status_code=status_code,
        language=language.value,
        t=PAGE_STRINGS[language],
        state=state,
        gsm=gsm,
        error=error,
        min_length=PASSWORD_MIN_LENGTH,
        max_length=PASSWORD_MAX_LENGTH,
        csrf_token=password_reset.form_token(settings=settings, token=token),
        post_url=str(request.url_for("submit_password_reset", token=token)),
    )


@pages_router.get(RESET_PATH + "/{token}")
def password_reset_page(
    token: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    accept_language: Annotated[str | None, Header()] = None,
) -> HTMLResponse:
    """The page of the e-mailed link: a new password, twice (the token is the credential)."""
    try:
        record = password_reset.find_reset_token(session, token=token)
    except PasswordResetTokenInvalid:
        language = negotiate_language(accept_language)
        return _reset_page(
            request, token=token, state="invalid", language=language, settings=settings,
            status_code=status.HTTP_400_BAD_REQUEST,
        )  # fmt: skip
    account = record.account
    return _reset_page(
        request, token=token, state="form", language=account.language, settings=settings,
        gsm=account.gsm,
    )  # fmt: skip


@pages_router.post(RESET_PATH + "/{token}")
def submit_password_reset(
    token: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    password: Annotated[str, Form(max_length=PASSWORD_MAX_LENGTH)],
    password_again: Annotated[str, Form(max_length=PASSWORD_MAX_LENGTH)],
    csrf: Annotated[str | None, Form(alias="csrf_token")] = None,
    origin: Annotated[str | None, Header()] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> HTMLResponse:
    """Set the new password with the link (once), end the account's portal sessions."""
    # The form carries the page's HMAC token and comes from our own origin (like the login).
    if not _same_origin(request, settings, origin) or not password_reset.check_form_token(
        settings=settings, token=token, submitted=csrf
    ):
        raise CsrfRejected
    try:
        record = password_reset.find_reset_token(session, token=token)
    except PasswordResetTokenInvalid:
        language = negotiate_language(accept_language)
        return _reset_page(
            request, token=token, state="invalid", language=language, settings=settings,
            status_code=status.HTTP_400_BAD_REQUEST,
        )  # fmt: skip
    account = record.account
    strings = PAGE_STRINGS[account.language]
    error = None
    if len(password) < PASSWORD_MIN_LENGTH:
        error = strings["reset_too_short"].format(length=PASSWORD_MIN_LENGTH)
    elif password != password_again:
        error = strings["reset_mismatch"]
    if error is not None:
        return _reset_page(
            request, token=token, state="form", language=account.language, settings=settings,
            gsm=account.gsm, error=error, status_code=422,
        )  # fmt: skip
    try:
        password_reset.reset_password(session, token=token, password=password)
    except PasswordResetTokenInvalid:  # a concurrent submission used it first
        return _reset_page(
            request, token=token, state="invalid", language=account.language, settings=settings,
            status_code=status.HTTP_400_BAD_REQUEST,
        )  # fmt: skip
    return _reset_page(
        request, token=token, state="done", language=account.language, settings=settings
    )
