"""Who is calling: the one dependency every protected route uses (see docs/api.md).

A principal is resolved from a portal access token (Bearer) or, for the action server, from the
shared service key plus the chat identity (channel, sender) that the backend itself bound to an
account. Identity is never taken from anything a chat user can type.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from backend.accounts.exceptions import InvalidToken
from backend.accounts.models import Account, AccountStatus, Role
from backend.accounts.service import chat_active_role
from backend.chat.exceptions import BearerRequired, ChatIdentityUnknown, InvalidServiceKey
from backend.chat.models import ChatBinding
from backend.chat.service import resolve_chat_binding
from backend.companies.models import Company
from backend.core.db import SessionDep, SettingsDep
from backend.core.errors import Forbidden, NotAuthenticated
from backend.core.security import decode_access_token
from backend.core.settings import Settings
from backend.portal.auth import CSRF_HEADER, check_csrf, current_portal_session

_bearer = HTTPBearer(auto_error=False, description="Access token from POST /api/v1/auth/login")


@dataclass(frozen=True)
class Principal:
    """The caller: an account, its company (None for helpdesk agents) and its active role.

    A Bearer caller acts in the account's own active role. The action server acts in the role of
    the one conversation it calls for (``binding``: a web chat session or a Slack/Teams link), so
    that a role switch in one chat leaves the account's other chats and the portal unchanged.
    """

    account: Account
    company: Company | None
    role: Role
    via: Literal["bearer", "service"]
    binding: ChatBinding | None = None


def _check_service_key(settings: Settings, key: str | None) -> None:
    expected = settings.action_service_key.get_secret_value().encode()
    if key is None or not hmac.compare_digest(key.encode(), expected):
        raise InvalidServiceKey


def require_service_key(
    settings: SettingsDep,
    x_service_key: Annotated[str | None, Header()] = None,
) -> None:
    """Only the action server (shared secret), without a chat user lookup."""
    _check_service_key(settings, x_service_key)


def get_principal(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    x_service_key: Annotated[str | None, Header()] = None,
    x_chat_channel: Annotated[str | None, Header()] = None,
    x_chat_sender: Annotated[str | None, Header()] = None,
) -> Principal:
    """Resolve the caller from a Bearer token, else from the service key and chat identity."""
    account: Account | None
    binding: ChatBinding | None = None
    if credentials is not None:
        account_id = decode_access_token(settings=settings, token=credentials.credentials)
        account = session.get(Account, account_id) if account_id is not None else None
        if account is None or account.status != AccountStatus.active:
            raise InvalidToken
        role = account.active_role
        via: Literal["bearer", "service"] = "bearer"
    elif x_service_key is not None or x_chat_channel is not None or x_chat_sender is not None:
        _check_service_key(settings, x_service_key)
        if not x_chat_channel or not x_chat_sender:
            raise ChatIdentityUnknown
        binding = resolve_chat_binding(
            session, settings, channel=x_chat_channel, sender_id=x_chat_sender
        )
        if binding is None:
            raise ChatIdentityUnknown
        account = binding.account
        role = chat_active_role(account=account, binding=binding)
        via = "service"
    else:
        raise NotAuthenticated
    return Principal(account=account, company=account.company, role=role, via=via, binding=binding)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_bearer_principal(principal: PrincipalDep) -> Principal:
    """A portal user in person (minting chat identities must not be delegable to the bot)."""
    if principal.via != "bearer":
        raise BearerRequired
    return principal


BearerPrincipalDep = Annotated[Principal, Depends(get_bearer_principal)]


def get_person(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    x_csrf_token: Annotated[str | None, Header(alias=CSRF_HEADER)] = None,
) -> Account:
    """A person logged in, from a Bearer token or the portal cookie (+ CSRF header to change
    anything); never the action server. The agent console and the outbox open in a browser."""
    if credentials is not None:
        account_id = decode_access_token(settings=settings, token=credentials.credentials)
        account = session.get(Account, account_id) if account_id is not None else None
        if account is None or account.status != AccountStatus.active:
            raise InvalidToken
        return account
    portal_session = current_portal_session(request, session)
    if portal_session is None:
        raise NotAuthenticated
    if request.method not in ("GET", "HEAD"):
        check_csrf(settings=settings, portal_session=portal_session, token=x_csrf_token)
    return portal_session.account


PersonDep = Annotated[Account, Depends(get_person)]


def get_company_principal(principal: PrincipalDep) -> Principal:
    """A caller acting for a customer company: fleet manager or end user (not an agent)."""
    if principal.role not in (Role.fleet_manager, Role.end_user) or principal.company is None:
        raise Forbidden("Helpdesk agents have no access to customer lines.")
    return principal


CompanyPrincipalDep = Annotated[Principal, Depends(get_company_principal)]


def get_fleet_manager(principal: PrincipalDep) -> Principal:
    """A caller whose active role is fleet manager of a company."""
    if principal.role != Role.fleet_manager or principal.company is None:
        raise Forbidden("Only a fleet manager can do this.")
    return principal


FleetManagerDep = Annotated[Principal, Depends(get_fleet_manager)]


def get_helpdesk_agent(principal: PrincipalDep) -> Principal:
    """A helpdesk agent of the operator in person (Bearer): sees every company's tickets,
    orders and repairs on the agent routes, and nothing through the customer routes."""
    if principal.via != "bearer" or principal.role != Role.helpdesk_agent:
        raise Forbidden("Only helpdesk agents can do this.")
    return principal


HelpdeskAgentDep = Annotated[Principal, Depends(get_helpdesk_agent)]
