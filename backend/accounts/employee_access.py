"""A fleet manager helps an employee of the company into the portal, naming the employee's line.

"They can't log in": a registered employee gets a password-reset link, one invited but not
registered yet gets the registration e-mail again. "Give them portal access": an employee without
an account is invited as an end user of the company (their login is the line's number). The
e-mails, links, pages and rate limits are those of the password reset
(``password_reset.send_reset_link``) and of the registration (``registration_resend``).
Another company's line is a 404 like a missing one (``get_line``).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts import password_reset, registration_resend, service
from backend.accounts.exceptions import AccountAlreadyRegistered, NoPortalAccount, PortalLoginTaken
from backend.accounts.models import Account, AccountStatus, Role
from backend.accounts.schemas import LineAccessOutcome
from backend.companies.models import Company
from backend.core.settings import Settings
from backend.fleet.service import get_line
from backend.fleet.validation import checked
from backend.principal import Principal
from validation import check_email

logger = logging.getLogger(__name__)

# Column sizes of Account.first_name and Account.last_name.
_NAME_LENGTH = 100


def send_access_link(
    session: Session, *, settings: Settings, principal: Principal, line_id: int
) -> tuple[LineAccessOutcome, Account, datetime]:
    """E-mail the employee of one of the caller's company lines the link that lets them in.

    Registered: a password-reset link; invited, not registered: the registration e-mail again.
    Nobody invited for the line: :class:`NoPortalAccount`; no address on the account:
    ``NoEmailOnAccount``; over the kind's per-account limit: ``AccessEmailsLimited``. The caller
    commits. Returns what was sent, to whom, and when the link expires.
    """
    line = get_line(session, principal=principal, line_id=line_id)
    account = registration_resend.invited_account_of_line(session, line=line)
    if account is None:
        raise NoPortalAccount
    if account.status == AccountStatus.active:
        outcome = LineAccessOutcome.reset_sent
        expires_at = password_reset.send_reset_link(session, settings=settings, account=account)
    else:
        outcome = LineAccessOutcome.registration_sent
        expires_at = registration_resend.send_within_limit(
            session, settings=settings, account=account
        )
    logger.info(
        "Access link (%s) of line %s e-mailed to account %s for account %s",
        outcome.value,
        line.id,
        account.id,
        principal.account.id,
    )
    return outcome, account, expires_at


def invite_line_user(
    session: Session, *, settings: Settings, principal: Principal, line_id: int, email: str
) -> tuple[Account, datetime]:
    """Invite the employee of one of the caller's company lines to the portal at ``email``.

    No account yet: a pending end-user account of the line's company, its login the line's
    number, in the company's language, named after the line's user (the registration form lets
    them correct it), becomes the line's user. A pending account: its address changes and the
    registration e-mail goes again (earlier links stop working). A registered account:
    :class:`AccountAlreadyRegistered`; the number already the login of an account outside the
    company: :class:`PortalLoginTaken`; a bad address: 422 ``email_invalid``; over the
    registration e-mail limit: ``AccessEmailsLimited``. The caller commits.
    """
    line = get_line(session, principal=principal, line_id=line_id)
    address = checked(check_email, email, field="email")
    account = registration_resend.invited_account_of_line(session, line=line)
    if account is None:
        if session.scalar(select(Account.id).where(Account.gsm == line.msisdn)) is not None:
            raise PortalLoginTaken
        company = session.get_one(Company, line.company_id)
        first_name, last_name = split_user_name(line.user_name)
        account = service.prepare_invitation(
            session,
            account=None,
            gsm=line.msisdn,
            company=company,
            role=Role.end_user,
            email=address,
            language=company.language,
            first_name=first_name,
            last_name=last_name,
        )
    elif account.status == AccountStatus.active:
        raise AccountAlreadyRegistered
    else:
        account.email = address
    line.user_account_id = account.id
    expires_at = registration_resend.send_within_limit(session, settings=settings, account=account)
    logger.info(
        "Line %s's user, account %s, invited to the portal by account %s",
        line.id,
        account.id,
        principal.account.id,
    )
    return account, expires_at


def split_user_name(user_name: str) -> tuple[str, str]:
    """First and last name from a line's user name: the first word, then the rest
    ("Karim El Amrani" → "Karim", "El Amrani"), each cut to the account's column size."""
    first_name, _, last_name = " ".join(user_name.split()).partition(" ")
    return first_name[:_NAME_LENGTH], last_name[:_NAME_LENGTH]
