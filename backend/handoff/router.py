"""Routes: the bot's side of a handoff (service key) and the agents' side (Bearer or cookie)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from backend.accounts.models import Account, Role
from backend.core.db import SessionDep, SettingsDep
from backend.core.errors import Forbidden
from backend.handoff import service
from backend.handoff.models import HandoffStatus
from backend.handoff.schemas import (
    AgentMessageCreate,
    Availability,
    HandoffCreate,
    HandoffDetail,
    HandoffMessagePublic,
    HandoffState,
    HandoffSummary,
    UserMessageCreate,
)
from backend.principal import PersonDep, Principal, PrincipalDep, require_service_key

router = APIRouter(tags=["handoff"])


def get_chat_principal(principal: PrincipalDep) -> Principal:
    """The action server on behalf of one chat conversation (never a portal user directly)."""
    if principal.via != "service":
        raise Forbidden("Only the assistant opens handoffs, for its own conversation.")
    return principal


ChatPrincipalDep = Annotated[Principal, Depends(get_chat_principal)]


def get_agent(account: PersonDep) -> Account:
    """A helpdesk agent, from a Bearer token or the portal cookie (+ CSRF header to change)."""
    if account.role != Role.helpdesk_agent:
        raise Forbidden("Only helpdesk agents can do this.")
    return account


AgentDep = Annotated[Account, Depends(get_agent)]


# --- the bot (action server) ----------------------------------------------------------------


@router.get("/handoffs/availability", dependencies=[Depends(require_service_key)])
def read_availability(settings: SettingsDep) -> Availability:
    """Whether the helpdesk answers now (support hours)."""
    return service.availability(settings)


@router.post("/handoffs", status_code=status.HTTP_201_CREATED)
def create_handoff(
    body: HandoffCreate, principal: ChatPrincipalDep, session: SessionDep, settings: SettingsDep
) -> HandoffState:
    """Queue the caller's conversation for an agent; 409 ``outside_support_hours`` when closed."""
    return service.create(session, settings, principal=principal, body=body)


@router.get("/handoffs/current")
def read_current_handoff(principal: ChatPrincipalDep, session: SessionDep) -> HandoffState:
    """The caller's open handoff (404 ``handoff_not_found`` when none)."""
    return service.current(session, principal=principal)


@router.post("/handoffs/current/messages", status_code=status.HTTP_201_CREATED)
def relay_user_message(
    body: UserMessageCreate, principal: ChatPrincipalDep, session: SessionDep
) -> HandoffState:
    """What the user wrote, for the agent; 409 ``handoff_not_active`` once handed back."""
    return service.relay_user_message(session, principal=principal, text=body.text)


@router.post("/handoffs/current/cancel")
def cancel_waiting_handoff(principal: ChatPrincipalDep, session: SessionDep) -> HandoffState:
    """The user stops waiting (409 ``handoff_active`` once an agent has taken it)."""
    return service.cancel_waiting(session, principal=principal)


# --- helpdesk agents ------------------------------------------------------------------------


@router.get("/agent/handoffs")
def list_handoffs(
    agent: AgentDep,
    session: SessionDep,
    status_filter: Annotated[list[HandoffStatus] | None, Query(alias="status")] = None,
) -> list[HandoffSummary]:
    """The queue: waiting conversations first, then those with an agent."""
    return service.queue(session, statuses=status_filter)


@router.get("/agent/handoffs/{handoff_id}")
def read_handoff(handoff_id: int, agent: AgentDep, session: SessionDep) -> HandoffDetail:
    """Who the user is, the transcript, the collected data and the messages."""
    return service.detail(session, handoff_id=handoff_id)


@router.post("/agent/handoffs/{handoff_id}/take")
def take_handoff(
    handoff_id: int, agent: AgentDep, session: SessionDep, settings: SettingsDep
) -> HandoffDetail:
    """Take a waiting conversation (409 ``handoff_taken`` if another agent has it)."""
    return service.take(session, settings, agent=agent, handoff_id=handoff_id)


@router.post("/agent/handoffs/{handoff_id}/messages", status_code=status.HTTP_201_CREATED)
def send_agent_message(
    handoff_id: int,
    body: AgentMessageCreate,
    agent: AgentDep,
    session: SessionDep,
    settings: SettingsDep,
) -> HandoffMessagePublic:
    """Write to the user; ``delivered`` says whether their channel accepted it."""
    return service.reply(session, settings, agent=agent, handoff_id=handoff_id, text=body.text)


@router.post("/agent/handoffs/{handoff_id}/hand-back")
def hand_back(
    handoff_id: int, agent: AgentDep, session: SessionDep, settings: SettingsDep
) -> HandoffDetail:
    """Give the conversation back to the bot, which answers the user's next message."""
    return service.end(
        session, settings, agent=agent, handoff_id=handoff_id, status=HandoffStatus.returned
    )


@router.post("/agent/handoffs/{handoff_id}/close")
def close_handoff(
    handoff_id: int, agent: AgentDep, session: SessionDep, settings: SettingsDep
) -> HandoffDetail:
    """Close the conversation; the bot answers the user again."""
    return service.end(
        session, settings, agent=agent, handoff_id=handoff_id, status=HandoffStatus.closed
    )
