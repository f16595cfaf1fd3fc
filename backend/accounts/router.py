"""Routes: login, registration (API and page), /me, the role switch, password reset, and a fleet
manager's help for an employee's portal access by line: the registration e-mail again, the link
that lets them in, an invitation (the reset pages are the portal's)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from backend.accounts import employee_access, password_reset, registration_resend, service
from backend.accounts.exceptions import RegistrationTokenInvalid
from backend.accounts.models import Account
from backend.accounts.schemas import (
    ActiveRoleRequest,
    LineAccessSent,
    LoginRequest,
    MePublic,
    PasswordResetAccepted,
    PasswordResetRequest,
    PasswordResetSent,
    PortalInvitationRequest,
    PortalInvitationSent,
    RegistrationRequest,
    RegistrationResent,
    TokenResponse,
)
from backend.accounts.throttle import LoginThrottleDep, client_address
from backend.core.db import SessionDep, SettingsDep
from backend.core.idempotency import IdempotencyDep, IdempotentRequest, run_idempotent
from backend.core.security import create_access_token
from backend.esim.service import mask_email
from backend.mail.templates import get_environment
from backend.principal import FleetManagerDep, Principal, PrincipalDep

_RESET_MINUTES = int(password_reset.RESET_LINK_LIFETIME.total_seconds() // 60)

router = APIRouter(tags=["accounts"])
pages_router = APIRouter(include_in_schema=False)


def _employee(account: Account) -> dict[str, Any]:
    """Who got a link, as every answer about an employee's e-mailed link tells it (address
    masked): the fields of ``EmployeeLinkSent`` but the expiry."""
    return {
        "account_id": account.id,
        "first_name": account.first_name,
        "last_name": account.last_name,
        "gsm": account.gsm,
        "sent_to": mask_email(account.email or ""),
    }


def _accepted(
    session: Session,
    principal: Principal,
    idempotency: IdempotentRequest,
    action: Callable[[], BaseModel],
) -> JSONResponse:
    """``action`` once per Idempotency-Key of the caller, answered 202 (an e-mail went out)."""
    return run_idempotent(
        session,
        account_id=principal.account.id,
        request=idempotency,
        status_code=202,
        action=action,
    )


@router.post("/auth/login")
def login(
    body: LoginRequest,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    throttle: LoginThrottleDep,
) -> TokenResponse:
    """Log in with a GSM number (any usual Belgian format) and password.

    Wrong number or password: 401 ``invalid_credentials``; too many attempts for the number or
    from the address: 429 ``login_throttled`` with ``Retry-After`` (the same for any number).
    """
    account = service.login(
        session,
        settings=settings,
        throttle=throttle,
        gsm=body.gsm,
        password=body.password,
        address=client_address(request),
    )
    token, expires_in = create_access_token(settings=settings, account_id=account.id)
    return TokenResponse(access_token=token, expires_in=expires_in)


@router.post("/auth/registrations/{token}")
def complete_registration(token: str, body: RegistrationRequest, session: SessionDep) -> MePublic:
    """Complete an invited account's profile and password with the e-mailed single-use token."""
    account = service.complete_registration(session, token=token, profile=body)
    return service.to_me(session, account=account)


@router.post("/auth/password-reset", status_code=202)
def request_password_reset(
    body: PasswordResetRequest, session: SessionDep, settings: SettingsDep
) -> PasswordResetAccepted:
    """Forgotten password: e-mail a single-use, 30-minute link to the account of this GSM number.

    Always the same 202 answer, after the same minimum time, whether the number has an active
    account or not (and whether a rate limit dropped the e-mail), so nothing is revealed.
    """
    started = time.monotonic()
    password_reset.request_for_number(session, settings=settings, gsm=body.gsm)
    time.sleep(max(0.0, settings.password_reset_min_seconds - (time.monotonic() - started)))
    return PasswordResetAccepted(expires_in_minutes=_RESET_MINUTES)


@router.post("/me/password-reset", status_code=202, response_model=PasswordResetSent)
def request_own_password_reset(
    principal: PrincipalDep,
    session: SessionDep,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """E-mail the caller's own account a password-reset link (from the bot: the account the
    backend bound the conversation to). Over the per-account limit: 429 ``rate_limited``."""

    def action() -> PasswordResetSent:
        password_reset.send_reset_link(session, settings=settings, account=principal.account)
        return PasswordResetSent(
            sent_to=mask_email(principal.account.email or ""), expires_in_minutes=_RESET_MINUTES
        )

    return _accepted(session, principal, idempotency, action)


@router.post(
    "/lines/{line_id}/registration-email", status_code=202, response_model=RegistrationResent
)
def resend_registration_email(
    principal: FleetManagerDep,
    line_id: int,
    session: SessionDep,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """Send the registration e-mail again to the invited employee of a company line.

    Another company's line: 404; nobody invited for the line or already registered: 409;
    too many for that employee: 429.
    """

    def action() -> RegistrationResent:
        account, expires_at = registration_resend.resend_registration(
            session, settings=settings, principal=principal, line_id=line_id
        )
        return RegistrationResent(**_employee(account), expires_at=expires_at)

    return _accepted(session, principal, idempotency, action)


@router.post("/lines/{line_id}/password-reset", status_code=202, response_model=LineAccessSent)
def send_line_user_access_link(
    principal: FleetManagerDep,
    line_id: int,
    session: SessionDep,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """Help the employee of a company line log in: a 30-minute password-reset link if they are
    registered (``outcome`` ``reset_sent``), else the registration e-mail again
    (``registration_sent``).

    Another company's line: 404 ``line_not_found``; nobody invited for the line: 409
    ``no_portal_account``; no address on the account: 409 ``no_email_on_account``; too many
    links of that kind for the employee: 429 ``rate_limited``.
    """

    def action() -> LineAccessSent:
        outcome, account, expires_at = employee_access.send_access_link(
            session, settings=settings, principal=principal, line_id=line_id
        )
        return LineAccessSent(outcome=outcome, **_employee(account), expires_at=expires_at)

    return _accepted(session, principal, idempotency, action)


@router.post(
    "/lines/{line_id}/portal-invitation", status_code=202, response_model=PortalInvitationSent
)
def invite_line_user(
    body: PortalInvitationRequest,
    principal: FleetManagerDep,
    line_id: int,
    session: SessionDep,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """Invite the employee of a company line to the portal: the registration e-mail to ``email``
    (a new end-user account whose login is the line's number, or the pending one's new address).

    Another company's line: 404 ``line_not_found``; not an e-mail address: 422 ``email_invalid``;
    already registered: 409 ``account_already_registered``; the number is the login of an
    account outside the company: 409 ``portal_login_taken``; too many registration e-mails for
    the employee: 429 ``rate_limited``.
    """

    def action() -> PortalInvitationSent:
        account, expires_at = employee_access.invite_line_user(
            session, settings=settings, principal=principal, line_id=line_id, email=body.email
        )
        return PortalInvitationSent(**_employee(account), expires_at=expires_at)

    return _accepted(session, principal, idempotency, action)


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
