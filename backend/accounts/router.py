"""Routes: login, registration (API and page), /me and the role switch."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from backend.accounts import service
from backend.accounts.exceptions import InvalidCredentials, RegistrationTokenInvalid
from backend.accounts.schemas import (
    ActiveRoleRequest,
    LoginRequest,
    MePublic,
    RegistrationRequest,
    TokenResponse,
)
from backend.core.db import SessionDep, SettingsDep
from backend.core.security import create_access_token
from backend.mail.templates import get_environment
from backend.principal import PrincipalDep

router = APIRouter(tags=["accounts"])
pages_router = APIRouter(include_in_schema=False)


@router.post("/auth/login")
def login(body: LoginRequest, session: SessionDep, settings: SettingsDep) -> TokenResponse:
    """Log in with a GSM number (any usual Belgian format) and password."""
    account = service.authenticate(session, gsm=body.gsm, password=body.password)
    if account is None:
        raise InvalidCredentials
    token, expires_in = create_access_token(settings=settings, account_id=account.id)
    return TokenResponse(access_token=token, expires_in=expires_in)


@router.post("/auth/registrations/{token}")
def complete_registration(token: str, body: RegistrationRequest, session: SessionDep) -> MePublic:
    """Complete an invited account's profile and password with the e-mailed single-use token."""
    account = service.complete_registration(session, token=token, profile=body)
    return service.to_me(session, account=account)


@router.get("/me")
def read_me(principal: PrincipalDep, session: SessionDep) -> MePublic:
    """The caller's account, company, active role and own line."""
    return service.to_me(session, account=principal.account, active_role=principal.role)


@router.put("/me/active-role")
def switch_active_role(
    body: ActiveRoleRequest, principal: PrincipalDep, session: SessionDep
) -> MePublic:
    """Switch a fleet manager between the fleet manager and end user portals.

    From the action server this switches only the calling chat conversation, not the account.
    """
    role = service.switch_active_role(
        session, account=principal.account, role=body.role, binding=principal.binding
    )
    return service.to_me(session, account=principal.account, active_role=role)


@pages_router.get("/register/{token}", response_class=HTMLResponse)
def registration_page(token: str, request: Request, session: SessionDep) -> HTMLResponse:
    """The profile-completion page linked from the registration e-mail."""
    try:
        record = service.find_registration_token(session, token=token)
    except RegistrationTokenInvalid:
        language, valid, status_code, account = "fr", False, 400, None
    else:
        account = record.account
        language, valid, status_code = account.language.value, True, 200
    html = (
        get_environment()
        .get_template("register.html")
        .render(
            language=language,
            valid=valid,
            account=account,
            post_url=str(request.url_for("complete_registration", token=token)),
        )
    )
    return HTMLResponse(html, status_code=status_code)
