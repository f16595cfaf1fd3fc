"""Account operations: login, /me, role switch, invitation and registration."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts import tokens
from backend.accounts.exceptions import (
    AccountAlreadyRegistered,
    CompanyNotFound,
    InvalidCredentials,
    InvalidGsm,
    NoEmailOnAccount,
    RegistrationTokenInvalid,
    RoleSwitchForbidden,
)
from backend.accounts.models import Account, AccountStatus, RegistrationToken, Role
from backend.accounts.schemas import MePublic, RegistrationRequest
from backend.accounts.throttle import LoginThrottle
from backend.accounts.throttle import attempt_of as throttle_keys
from backend.accounts.throttle import check as check_throttle
from backend.chat.models import ChatBinding
from backend.companies.models import Company
from backend.companies.schemas import CompanyPublic
from backend.core.models import Language
from backend.core.phone import normalize_msisdn
from backend.core.security import hash_password, needs_rehash, verify_password
from backend.core.settings import Settings
from backend.fleet.models import Line
from backend.mail.service import Mail, send_mail
from backend.mail.templates import render_email

logger = logging.getLogger(__name__)

REGISTRATION_TOKEN_LIFETIME = timedelta(days=7)
_SWITCHABLE_ROLES = {Role.fleet_manager, Role.end_user}


def authenticate(session: Session, *, gsm: str, password: str) -> Account | None:
    """The active account for this GSM number and password, else None."""
    msisdn = normalize_msisdn(gsm)
    account = None
    if msisdn is not None:
        account = session.scalar(
            select(Account).where(Account.gsm == msisdn, Account.status == AccountStatus.active)
        )
    # Verify even for unknown numbers so that timing does not reveal which numbers exist.
    if not verify_password(password, account.password_hash if account else None):
        return None
    assert account is not None and account.password_hash is not None  # verified against it
    if needs_rehash(account.password_hash):
        # Hashes follow argon2-cffi's current parameters as their owners log in.
        account.password_hash = hash_password(password)
        session.commit()
    return account


def login(
    session: Session,
    *,
    settings: Settings,
    throttle: LoginThrottle,
    gsm: str,
    password: str,
    address: str,
) -> Account:
    """The account of a successful login from ``address``.

    ``LoginThrottled`` (429) before any password check while the number or the address must
    wait, whether or not the number has an account; ``InvalidCredentials`` (401) otherwise.
    """
    attempt = throttle_keys(settings, gsm=gsm, address=address)
    check_throttle(throttle, attempt)
    account = authenticate(session, gsm=gsm, password=password)
    if account is None:
        raise InvalidCredentials
    throttle.succeeded(attempt)
    return account


def own_line_id(session: Session, *, account_id: int) -> int | None:
    """Id of the line the account uses itself, if any."""
    return session.scalar(
        select(Line.id).where(Line.user_account_id == account_id).order_by(Line.id).limit(1)
    )


def to_me(session: Session, *, account: Account, active_role: Role | None = None) -> MePublic:
    """The /me view of ``account``, in the caller's effective ``active_role`` if given."""
    return MePublic(
        id=account.id,
        first_name=account.first_name,
        last_name=account.last_name,
        gsm=account.gsm,
        email=account.email,
        language=account.language,
        role=account.role,
        active_role=active_role if active_role is not None else account.active_role,
        can_switch_role=account.role == Role.fleet_manager,
        company=CompanyPublic.model_validate(account.company) if account.company else None,
        line_id=own_line_id(session, account_id=account.id),
    )


def chat_active_role(*, account: Account, binding: ChatBinding) -> Role:
    """The role a chat conversation acts in: its own switch, else the account's default role.

    The account's default role is its ``role`` (fleet manager for fleet managers), not the portal's
    active role. A switch stored on the binding only counts while the account may still switch.
    """
    if binding.active_role in _SWITCHABLE_ROLES and account.role == Role.fleet_manager:
        return binding.active_role
    return account.role


def switch_active_role(
    session: Session, *, account: Account, role: Role, binding: ChatBinding | None = None
) -> Role:
    """Let a fleet manager act as fleet manager or as the end user of their own line.

    With a chat ``binding`` (the action server calling for one conversation) only that
    conversation switches; otherwise (the portal) the account's own active role does.
    Returns the new effective role.
    """
    if account.role != Role.fleet_manager or role not in _SWITCHABLE_ROLES:
        raise RoleSwitchForbidden
    if binding is not None:
        binding.active_role = role
    else:
        account.active_role = role
    session.commit()
    return role


def invite_fleet_manager(
    session: Session,
    *,
    settings: Settings,
    company_customer_number: str,
    gsm: str,
    email: str,
    language: Language | None = None,
    first_name: str = "",
    last_name: str = "",
) -> Account:
    """Create (or refresh) a pending fleet manager and e-mail them a single-use registration link.

    Re-inviting a still pending account invalidates its earlier links.
    """
    company = session.scalar(
        select(Company).where(Company.customer_number == company_customer_number)
    )
    if company is None:
        raise CompanyNotFound
    msisdn = normalize_msisdn(gsm)
    if msisdn is None:
        raise InvalidGsm
    account = prepare_invitation(
        session,
        account=session.scalar(select(Account).where(Account.gsm == msisdn)),
        gsm=msisdn,
        company=company,
        role=Role.fleet_manager,
        email=email,
        language=language or company.language,
        first_name=first_name,
        last_name=last_name,
    )
    send_registration_email(session, settings=settings, account=account)
    session.commit()
    logger.info("Invited account %s as fleet manager of company %s", account.id, company.id)
    return account


def prepare_invitation(
    session: Session,
    *,
    account: Account | None,
    gsm: str,
    company: Company,
    role: Role,
    email: str,
    language: Language,
    first_name: str = "",
    last_name: str = "",
) -> Account:
    """The pending account to invite, given this profile: ``account`` if there is one (still
    pending: an active one is :class:`AccountAlreadyRegistered`), else a new account whose login
    is ``gsm`` (normalized).

    Flushed, so the account has an id; the caller sends the registration e-mail and commits.
    """
    if account is not None and account.status == AccountStatus.active:
        raise AccountAlreadyRegistered
    if account is None:
        account = Account(gsm=gsm, status=AccountStatus.pending)
        session.add(account)
    account.company = company
    account.role = account.active_role = role
    account.email = email
    account.first_name = first_name
    account.last_name = last_name
    account.language = language
    session.flush()
    return account


def send_registration_email(session: Session, *, settings: Settings, account: Account) -> datetime:
    """E-mail ``account`` a new single-use registration link (earlier ones stop working).

    The e-mail fits the account's role (fleet manager or employee); the caller commits.
    Returns when the link expires.
    """
    if account.email is None:
        raise NoEmailOnAccount
    company = account.company
    token, expires_at = tokens.issue(
        session, RegistrationToken, account_id=account.id, lifetime=REGISTRATION_TOKEN_LIFETIME
    )
    subject, text, html = render_email(
        "registration",
        account.language,
        first_name=account.first_name,
        role=account.role.value,
        company_name=company.name if company else "",
        customer_number=company.customer_number if company else "",
        gsm=account.gsm,
        link=f"{settings.base_url}/register/{token}",
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
    return expires_at


def find_registration_token(session: Session, *, token: str) -> RegistrationToken:
    """The unused, unexpired registration token, or RegistrationTokenInvalid."""
    record = tokens.find(session, RegistrationToken, token=token)
    if record is None:
        raise RegistrationTokenInvalid
    return record


def complete_registration(session: Session, *, token: str, profile: RegistrationRequest) -> Account:
    """Use the e-mailed token once: store the profile and password and activate the account."""
    record = find_registration_token(session, token=token)
    if not tokens.claim(session, RegistrationToken, record):
        raise RegistrationTokenInvalid
    account = record.account
    account.first_name = profile.first_name
    account.last_name = profile.last_name
    account.email = str(profile.email)
    account.language = profile.language
    account.password_hash = hash_password(profile.password)
    account.status = AccountStatus.active
    tokens.expire_open(session, RegistrationToken, account_id=account.id)
    session.commit()
    logger.info("Account %s completed its registration", account.id)
    return account
