"""Account errors."""

from __future__ import annotations

from backend.core.errors import AppError, RetryLater


class InvalidCredentials(AppError):
    status_code = 401
    code = "invalid_credentials"
    message = "Unknown GSM number or wrong password."


class LoginThrottled(RetryLater):
    """Too many logins for this GSM number or from this address (backend/accounts/throttle.py)."""

    code = "login_throttled"

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(
            f"Too many login attempts; retry in {retry_after} seconds.", retry_after=retry_after
        )


class InvalidToken(AppError):
    status_code = 401
    code = "invalid_token"
    message = "The access token is invalid or expired."


class RegistrationTokenInvalid(AppError):
    status_code = 400
    code = "registration_token_invalid"
    message = "This registration link is invalid, already used or expired."


class RoleSwitchForbidden(AppError):
    status_code = 403
    code = "role_switch_forbidden"
    message = "Only a fleet manager can switch between the fleet manager and end user roles."


class CompanyNotFound(AppError):
    status_code = 404
    code = "company_not_found"
    message = "No company with this customer number."


class InvalidGsm(AppError):
    status_code = 400
    code = "invalid_gsm"
    message = "Not a valid Belgian GSM number."


class AccountAlreadyRegistered(AppError):
    status_code = 409
    code = "account_already_registered"
    message = "An active account already exists for this GSM number."


class PasswordResetTokenInvalid(AppError):
    status_code = 400
    code = "password_reset_token_invalid"
    message = "This password reset link is invalid, already used or expired."


class NoPortalAccount(AppError):
    status_code = 409
    code = "no_portal_account"
    message = "Nobody was invited to the portal for this line."


class PortalLoginTaken(AppError):
    status_code = 409
    code = "portal_login_taken"
    message = (
        "This number is already the login of a portal account outside your company; "
        "the helpdesk can sort it out."
    )


class NoEmailOnAccount(AppError):
    status_code = 409
    code = "no_email_on_account"
    message = "This account has no e-mail address to send the link to."


class AccessEmailsLimited(RetryLater):
    """Too many registration or password-reset e-mails for one account in the window."""

    code = "rate_limited"

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(
            f"Too many e-mails of this kind for this account; retry in {retry_after} seconds.",
            retry_after=retry_after,
            details={"scope": "account"},
        )
