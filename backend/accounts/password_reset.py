"""Forgotten password: a single-use, 30-minute link e-mailed to the account's address.

Anyone may ask for a GSM number (the login page's "forgot password", the API, the bot for someone
not logged in): the answer is the same whether the number has an account or not, and an e-mail
goes out only to an active account, at most ``rate_limit_password_resets_per_account`` per
account and ``rate_limit_password_resets_per_email`` per e-mail address in the rate-limit window
(beyond that the request is dropped silently, with the same answer). A logged-in caller (portal or
chat bound by the backend) asks for their own account. The link opens a page that sets a new
password (the registration rules); using it ends the account's portal sessions, and a new link
expires the older ones. The link machinery is registration's (``backend/accounts/tokens.py``).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.accounts import tokens
from backend.accounts.exceptions import (
    AccessEmailsLimited,
    NoEmailOnAccount,
    PasswordResetTokenInvalid,
)
from backend.accounts.models import Account, AccountStatus, PasswordResetToken
from backend.core.models import utcnow
from backend.core.phone import normalize_msisdn
from backend.core.security import hash_password
from backend.core.settings import Settings
from backend.mail.service import Mail, send_mail
from backend.mail.templates import render_email
from backend.portal.models import PortalSession

logger = logging.getLogger(__name__)

RESET_LINK_LIFETIME = timedelta(minutes=30)
RESET_PATH = "/password-reset"


class ResetOutcome(str, enum.Enum):
    """What happened to a request (never told to an anonymous caller)."""

    sent = "sent"
    limited = "limited"
    no_account = "no_account"


def request_for_number(session: Session, *, settings: Settings, gsm: str) -> ResetOutcome:
    """Send a reset link if ``gsm`` is the login of an active account with an e-mail address."""
    msisdn = normalize_msisdn(gsm)
    account = None
    if msisdn is not None:
        account = session.scalar(
            select(Account).where(Account.gsm == msisdn, Account.status == AccountStatus.active)
        )
    if account is None or not account.email:
        logger.info("Password reset asked for a number without an active account")
        return ResetOutcome.no_account
    try:
        send_reset_link(session, settings=settings, account=account)
    except AccessEmailsLimited:
        logger.warning("Password reset for account %s dropped: rate limit", account.id)
        session.rollback()
        return ResetOutcome.limited
    session.commit()
    return ResetOutcome.sent


def send_reset_link(session: Session, *, settings: Settings, account: Account) -> datetime:
    """E-mail ``account`` a new reset link in its language; returns when the link expires.

    Over a limit: :class:`AccessEmailsLimited` (nothing sent). The caller commits.
    """
    if not account.email:
        raise NoEmailOnAccount
    tokens.lock_account(session, account.id)
    window = timedelta(seconds=settings.rate_limit_window_seconds)
    scopes = (
        (settings.rate_limit_password_resets_per_account, Account.id == account.id),
        (settings.rate_limit_password_resets_per_email, Account.email == account.email),
    )
    for limit, owner in scopes:
        if limit <= 0:
            continue
        count, retry_after = tokens.recent(session, PasswordResetToken, owner=owner, window=window)
        if count >= limit:
            raise AccessEmailsLimited(retry_after=retry_after)
    token, expires_at = tokens.issue(
        session, PasswordResetToken, account_id=account.id, lifetime=RESET_LINK_LIFETIME
    )
    subject, text, html = render_email(
        "password_reset",
        account.language,
        first_name=account.first_name,
        gsm=account.gsm,
        link=f"{settings.base_url}{RESET_PATH}/{token}",
        minutes=int(RESET_LINK_LIFETIME.total_seconds() // 60),
        expires_on=expires_at.strftime("%d/%m/%Y %H:%M UTC"),
    )
    send_mail(
        session,
        settings=settings,
        mail=Mail(
            to=account.email,
            subject=subject,
            language=account.language,
            body_text=text,
            body_html=html,
        ),
    )
    logger.info("Password reset link e-mailed to account %s", account.id)
    return expires_at


def find_reset_token(session: Session, *, token: str) -> PasswordResetToken:
    """The unused, unexpired reset link of an active account, else PasswordResetTokenInvalid."""
    record = tokens.find(session, PasswordResetToken, token=token)
    if record is None or record.account.status != AccountStatus.active:
        raise PasswordResetTokenInvalid
    return record


def reset_password(session: Session, *, token: str, password: str) -> Account:
    """Use the link once: set the new password (argon2id), end every portal session. Commits."""
    record = find_reset_token(session, token=token)
    if not tokens.claim(session, PasswordResetToken, record):
        raise PasswordResetTokenInvalid
    account = record.account
    account.password_hash = hash_password(password)
    tokens.expire_open(session, PasswordResetToken, account_id=account.id)
    # A browser that stayed logged in (perhaps someone else's) must log in with the new password.
    session.execute(
        update(PortalSession)
        .where(PortalSession.account_id == account.id, PortalSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    session.commit()
    logger.info("Account %s set a new password with a reset link", account.id)
    return account


def form_token(*, settings: Settings, token: str) -> str:
    """The CSRF token of the reset page of ``token``: an HMAC, so nothing more to store."""
    key = settings.secret_key.get_secret_value().encode()
    message = f"password-reset-csrf:{hashlib.sha256(token.encode()).hexdigest()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def check_form_token(*, settings: Settings, token: str, submitted: str | None) -> bool:
    """Whether ``submitted`` is the CSRF token of the reset page of ``token``."""
    expected = form_token(settings=settings, token=token)
    return bool(submitted) and hmac.compare_digest(str(submitted).encode(), expected.encode())
