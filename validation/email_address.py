"""E-mail addresses with email-validator: one call, so bot and backend use the same options."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from validation.errors import InvalidValue


def check_email(raw: str) -> str:
    """An e-mail address, normalized (domain lower-cased, Unicode NFC); ``email_invalid``.

    No DNS lookup (a chat answer must not wait on DNS, and the tests run offline); the library's
    defaults otherwise, written out so that nothing depends on a global setting.
    """
    try:
        result = validate_email(
            raw.strip(),
            check_deliverability=False,
            allow_smtputf8=True,
            allow_quoted_local=False,
            allow_domain_literal=False,
            globally_deliverable=True,
        )
    except EmailNotValidError as exc:
        raise InvalidValue("email_invalid", message=f"Not a valid e-mail address: {exc}") from exc
    return str(result.normalized)
