"""Account errors."""

from __future__ import annotations

from backend.core.errors import AppError


class InvalidCredentials(AppError):
    status_code = 401
    code = "invalid_credentials"
    message = "Unknown GSM number or wrong password."


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
