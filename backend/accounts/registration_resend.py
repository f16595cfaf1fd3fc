"""A fleet manager has the registration e-mail sent again to an employee of the company.

The employee is named by their line (the bot resolves it by name or number like every other line
question); the account is the line's user, else the company's invited account whose login (GSM
number) is the line's number. The link, e-mail and page are registration's own
(``service.send_registration_email``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts import tokens
from backend.accounts.exceptions import (
    AccessEmailsLimited,
    AccountAlreadyRegistered,
    NoPortalAccount,
)
from backend.accounts.models import Account, AccountStatus, RegistrationToken
from backend.accounts.service import send_registration_email
from backend.core.settings import Settings
from backend.fleet.models import Line
from backend.fleet.service import get_line
from backend.principal import Principal

logger = logging.getLogger(__name__)


def invited_account_of_line(session: Session, *, line: Line) -> Account | None:
    """The portal account of the person using ``line``, if anyone was invited for it."""
    if line.user_account_id is not None:
        return session.get(Account, line.user_account_id)
    return session.scalar(
        select(Account).where(Account.gsm == line.msisdn, Account.company_id == line.company_id)
    )


def resend_registration(
    session: Session, *, settings: Settings, principal: Principal, line_id: int
) -> tuple[Account, datetime]:
    """E-mail a new registration link to the employee of one of the caller's company lines.

    Another company's line is a 404 (``line_not_found``, like a missing one); a line without an
    invited account, or whose account is already registered, is a 409; more than
    ``rate_limit_registration_emails_per_account`` e-mails to one account in the rate-limit
    window is a 429. The caller commits. Returns the account and when the new link expires.
    """
    line = get_line(session, principal=principal, line_id=line_id)
    account = invited_account_of_line(session, line=line)
    if account is None:
        raise NoPortalAccount
    if account.status == AccountStatus.active:
        raise AccountAlreadyRegistered
    expires_at = send_within_limit(session, settings=settings, account=account)
    logger.info(
        "Registration e-mail of account %s sent again by account %s",
        account.id,
        principal.account.id,
    )
    return account, expires_at


def send_within_limit(session: Session, *, settings: Settings, account: Account) -> datetime:
    """E-mail the pending ``account`` a new registration link; returns when it expires.

    Over ``rate_limit_registration_emails_per_account`` links to the account in the rate-limit
    window: :class:`AccessEmailsLimited` (nothing sent). The caller commits.
    """
    tokens.lock_account(session, account.id)
    window = timedelta(seconds=settings.rate_limit_window_seconds)
    limit = settings.rate_limit_registration_emails_per_account
    sent, retry_after = tokens.recent(
        session, RegistrationToken, owner=Account.id == account.id, window=window
    )
    if limit > 0 and sent >= limit:
        raise AccessEmailsLimited(retry_after=retry_after)
    return send_registration_email(session, settings=settings, account=account)
