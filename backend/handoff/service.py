"""Handoffs: created for the chat caller by the bot, worked by helpdesk agents.

The bot side (service key + chat identity) can only open, write into and read its *own*
conversation's handoff: the conversation is the principal's chat binding. Agents see every
handoff (the operator's helpdesk serves all companies).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.accounts.models import Account
from backend.chat.models import ChatSession, Platform, PlatformLink
from backend.core.errors import AppError, FieldError
from backend.core.models import Language, utcnow
from backend.core.settings import Settings
from backend.handoff import delivery
from backend.handoff.hours import SupportHours
from backend.handoff.models import (
    OPEN_STATUSES,
    Direction,
    Handoff,
    HandoffMessage,
    HandoffStatus,
)
from backend.handoff.schemas import (
    Availability,
    HandoffCreate,
    HandoffDetail,
    HandoffMessagePublic,
    HandoffState,
    HandoffSummary,
    HandoffUser,
)
from backend.principal import Principal

logger = logging.getLogger(__name__)

# What the user reads when the helpdesk joins or leaves (sent by the backend, not the bot).
AGENT_JOINED = {
    Language.fr: "{name} du helpdesk a rejoint la conversation.",
    Language.nl: "{name} van de helpdesk neemt het gesprek over.",
    Language.en: "{name} from the helpdesk has joined the conversation.",
}
BACK_WITH_BOT = {
    Language.fr: "Vous êtes de nouveau avec l'assistant. Que puis-je faire pour vous ?",
    Language.nl: "Je bent terug bij de assistent. Waarmee kan ik je helpen?",
    Language.en: "You're back with the assistant. How can I help you?",
}
CLOSED_BACK_WITH_BOT = {
    Language.fr: "Le helpdesk a clôturé la conversation. Vous êtes de nouveau avec l'assistant.",
    Language.nl: "De helpdesk heeft het gesprek afgesloten. Je bent terug bij de assistent.",
    Language.en: "The helpdesk has closed the conversation. You're back with the assistant.",
}
_PLATFORM_CHANNEL = {Platform.slack: "slack", Platform.teams: "botframework"}


class HandoffNotFound(AppError):
    status_code = 404
    code = "handoff_not_found"
    message = "No such handoff."


class HandoffNotActive(AppError):
    status_code = 409
    code = "handoff_not_active"
    message = "This conversation is not with an agent (any more)."


class HandoffTaken(AppError):
    status_code = 409
    code = "handoff_taken"
    message = "Another agent already has this conversation."


class OutsideSupportHours(AppError):
    status_code = 409
    code = "outside_support_hours"
    message = "The helpdesk is closed now."


def availability(settings: Settings) -> Availability:
    """Whether agents answer right now, and when they do."""
    hours = SupportHours.parse(settings.support_hours)
    return Availability(open=hours.is_open(utcnow()), support_hours=settings.support_hours)


def _conversation(principal: Principal) -> tuple[str, str]:
    """(Rasa channel, sender id) of the caller's own conversation: only from its binding."""
    binding = principal.binding
    if isinstance(binding, ChatSession):
        return binding.channel, binding.sender_id
    if isinstance(binding, PlatformLink):
        return _PLATFORM_CHANNEL[binding.platform], binding.sender_id
    raise HandoffNotFound  # a Bearer caller has no chat conversation to hand off


def _open_handoff(session: Session, *, channel: str, sender_id: str) -> Handoff | None:
    return session.scalar(
        select(Handoff)
        .where(
            Handoff.channel == channel,
            Handoff.sender_id == sender_id,
            Handoff.status.in_(OPEN_STATUSES),
        )
        .order_by(Handoff.id.desc())
        .limit(1)
    )


def _checked_ref(principal: Principal, channel: str, ref: dict[str, Any] | None) -> Any:
    """The Slack/Teams conversation reference, refused if it names another workspace/tenant.

    The channel builds it from the verified request; the check makes sure a reference from one
    workspace cannot make the helpdesk post into another one.
    """
    if channel not in ("slack", "botframework"):
        return None  # web replies go by sender id into the web transcript
    binding = principal.binding
    assert isinstance(binding, PlatformLink)
    if ref is None:
        return None
    if channel == "slack":
        ok = (
            ref.get("platform") == "slack"
            and ref.get("team_id") == binding.workspace_id
            and isinstance(ref.get("channel_id"), str)
        )
    else:
        service_url = ref.get("service_url")
        ok = (
            ref.get("platform") == "teams"
            and ref.get("tenant_id") == binding.workspace_id
            and isinstance(service_url, str)
            and service_url.startswith(("https://", "http://"))
            and isinstance(ref.get("conversation_id"), str)
        )
    if not ok:
        raise FieldError(
            "invalid_conversation_ref",
            "The conversation reference does not match this chat user.",
            field="conversation_ref",
        )
    return {key: value for key, value in ref.items() if isinstance(value, str | None)}


def queue_position(session: Session, handoff: Handoff) -> int:
    """How many waiting conversations are ahead of ``handoff``."""
    if handoff.status != HandoffStatus.waiting:
        return 0
    ahead = session.scalar(
        select(func.count())
        .select_from(Handoff)
        .where(Handoff.status == HandoffStatus.waiting, Handoff.id < handoff.id)
    )
    return int(ahead or 0)


def _state(session: Session, handoff: Handoff) -> HandoffState:
    return HandoffState(
        id=handoff.id, status=handoff.status, queue_position=queue_position(session, handoff)
    )


def create(
    session: Session, settings: Settings, *, principal: Principal, body: HandoffCreate
) -> HandoffState:
    """Open a handoff for the caller's conversation (or answer the one already open)."""
    channel, sender_id = _conversation(principal)
    existing = _open_handoff(session, channel=channel, sender_id=sender_id)
    if existing is not None:
        return _state(session, existing)
    if not availability(settings).open:
        raise OutsideSupportHours(details={"support_hours": settings.support_hours})
    handoff = Handoff(
        channel=channel,
        sender_id=sender_id,
        account_id=principal.account.id,
        company_id=principal.company.id if principal.company is not None else None,
        role=principal.role.value,
        status=HandoffStatus.waiting,
        reason=body.reason,
        language=body.language,
        collected=body.collected,
        transcript=[entry.model_dump() for entry in body.transcript],
        conversation_ref=_checked_ref(principal, channel, body.conversation_ref),
    )
    session.add(handoff)
    session.commit()
    logger.info("Handoff %s opened on %s (%s)", handoff.id, channel, body.reason)
    return _state(session, handoff)


def current(session: Session, *, principal: Principal) -> HandoffState:
    """The caller's open handoff, else 404."""
    channel, sender_id = _conversation(principal)
    handoff = _open_handoff(session, channel=channel, sender_id=sender_id)
    if handoff is None:
        raise HandoffNotFound
    return _state(session, handoff)


def relay_user_message(session: Session, *, principal: Principal, text: str) -> HandoffState:
    """Store what the user wrote for the agent; 409 when no handoff is open any more."""
    channel, sender_id = _conversation(principal)
    handoff = _open_handoff(session, channel=channel, sender_id=sender_id)
    if handoff is None:
        raise HandoffNotActive
    session.add(
        HandoffMessage(
            handoff_id=handoff.id,
            direction=Direction.user_to_agent,
            author_id=principal.account.id,
            text=text,
        )
    )
    session.commit()
    return _state(session, handoff)


class HandoffAlreadyActive(AppError):
    status_code = 409
    code = "handoff_active"
    message = "An agent already has this conversation."


def cancel_waiting(session: Session, *, principal: Principal) -> HandoffState:
    """The user gives up waiting: close the caller's handoff while no agent has taken it."""
    channel, sender_id = _conversation(principal)
    handoff = _open_handoff(session, channel=channel, sender_id=sender_id)
    if handoff is None:
        raise HandoffNotActive
    if handoff.status != HandoffStatus.waiting:
        raise HandoffAlreadyActive  # with an agent, "stop" is for the agent to read
    handoff.status = HandoffStatus.closed
    handoff.ended_at = utcnow()
    session.commit()
    logger.info("Handoff %s cancelled by the user while waiting", handoff.id)
    return _state(session, handoff)


# --- agents ---------------------------------------------------------------------------------


def _platform(channel: str) -> str:
    return {"slack": "slack", "botframework": "teams"}.get(channel, "web")


def _name(account: Account) -> str:
    return f"{account.first_name} {account.last_name}".strip() or account.gsm


def _summary(session: Session, handoff: Handoff) -> dict[str, Any]:
    account = handoff.account
    last_user = session.scalar(
        select(HandoffMessage.text)
        .where(
            HandoffMessage.handoff_id == handoff.id,
            HandoffMessage.direction == Direction.user_to_agent,
        )
        .order_by(HandoffMessage.id.desc())
        .limit(1)
    )
    if last_user is None:
        users = [entry["text"] for entry in handoff.transcript if entry.get("author") == "user"]
        last_user = users[-1] if users else None
    return {
        "id": handoff.id,
        "status": handoff.status,
        "reason": handoff.reason,
        "channel": handoff.channel,
        "platform": _platform(handoff.channel),
        "user": HandoffUser(
            account_id=account.id,
            name=_name(account),
            gsm=account.gsm,
            company=account.company.name if account.company is not None else None,
            role=handoff.role,
            language=handoff.language,
        ),
        "agent_name": _name(handoff.agent) if handoff.agent is not None else None,
        "created_at": handoff.created_at,
        "taken_at": handoff.taken_at,
        "ended_at": handoff.ended_at,
        "last_user_message": last_user,
    }


def queue(session: Session, *, statuses: list[HandoffStatus] | None = None) -> list[HandoffSummary]:
    """Open handoffs (or those of ``statuses``): waiting first, oldest first."""
    wanted = statuses or list(OPEN_STATUSES)
    handoffs = session.scalars(
        select(Handoff).where(Handoff.status.in_(wanted)).order_by(Handoff.id).limit(200)
    )
    order = {HandoffStatus.waiting: 0, HandoffStatus.active: 1}
    return sorted(
        (HandoffSummary(**_summary(session, handoff)) for handoff in handoffs),
        key=lambda item: (order.get(item.status, 2), item.id),
    )


def _get(session: Session, handoff_id: int) -> Handoff:
    handoff = session.get(Handoff, handoff_id)
    if handoff is None:
        raise HandoffNotFound
    return handoff


def detail(session: Session, *, handoff_id: int, bot_notified: bool | None = None) -> HandoffDetail:
    """One handoff with the transcript, the collected data and the messages so far."""
    handoff = _get(session, handoff_id)
    messages = session.scalars(
        select(HandoffMessage)
        .where(HandoffMessage.handoff_id == handoff.id)
        .order_by(HandoffMessage.id)
    )
    return HandoffDetail(
        **_summary(session, handoff),
        transcript=handoff.transcript,
        collected=handoff.collected,
        messages=[HandoffMessagePublic.model_validate(m, from_attributes=True) for m in messages],
        bot_notified=bot_notified,
    )


def take(session: Session, settings: Settings, *, agent: Account, handoff_id: int) -> HandoffDetail:
    """The agent takes a waiting conversation; the user is told who joined."""
    handoff = _get(session, handoff_id)
    if handoff.status == HandoffStatus.active and handoff.agent_id == agent.id:
        return detail(session, handoff_id=handoff.id)  # taking twice is harmless
    if handoff.status == HandoffStatus.active:
        raise HandoffTaken
    if handoff.status != HandoffStatus.waiting:
        raise HandoffNotActive
    handoff.status = HandoffStatus.active
    handoff.agent_id = agent.id
    handoff.taken_at = utcnow()
    session.commit()
    text = AGENT_JOINED[handoff.language].format(name=agent.first_name or "Helpdesk")
    delivery.deliver(session, settings, handoff, author="system", text=text)
    return detail(session, handoff_id=handoff.id)


def reply(
    session: Session, settings: Settings, *, agent: Account, handoff_id: int, text: str
) -> HandoffMessagePublic:
    """Store the agent's message and deliver it in the user's channel."""
    handoff = _get(session, handoff_id)
    if handoff.status != HandoffStatus.active:
        raise HandoffNotActive
    if handoff.agent_id != agent.id:
        raise HandoffTaken
    message = HandoffMessage(
        handoff_id=handoff.id, direction=Direction.agent_to_user, author_id=agent.id, text=text
    )
    session.add(message)
    session.commit()
    # On Slack/Teams the bot user posts it: the name tells the user a person is writing.
    shown = text if handoff.channel in ("rest", "socketio") else f"{agent.first_name}: {text}"
    message.delivered = delivery.deliver(session, settings, handoff, author="agent", text=shown)
    session.commit()
    return HandoffMessagePublic.model_validate(message, from_attributes=True)


def end(
    session: Session,
    settings: Settings,
    *,
    agent: Account,
    handoff_id: int,
    status: HandoffStatus,
) -> HandoffDetail:
    """Hand the conversation back to the bot (``returned``) or close it (``closed``)."""
    handoff = _get(session, handoff_id)
    if handoff.status not in OPEN_STATUSES:
        raise HandoffNotActive
    if handoff.status == HandoffStatus.active and handoff.agent_id not in (None, agent.id):
        raise HandoffTaken
    handoff.status = status
    handoff.agent_id = handoff.agent_id or agent.id
    handoff.ended_at = utcnow()
    session.commit()
    notified = delivery.release_to_bot(settings, handoff.sender_id)
    texts = BACK_WITH_BOT if status == HandoffStatus.returned else CLOSED_BACK_WITH_BOT
    delivery.deliver(session, settings, handoff, author="system", text=texts[handoff.language])
    logger.info("Handoff %s %s by agent %s", handoff.id, status.value, agent.id)
    return detail(session, handoff_id=handoff.id, bot_notified=notified)
