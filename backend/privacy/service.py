"""Erase-my-data and retention of the conversation data the backend holds.

The backend holds two copies of conversations: the web widget's transcript (``web_messages``)
and the helpdesk handoffs (``handoffs`` with their ``handoff_messages``). Rasa's tracker store
is the bot's: an erasure request lists the sender ids whose events the bot-side job removes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from backend.accounts.models import Account
from backend.chat.models import ChatSession, PlatformLink
from backend.chat.service import PLATFORM_CHANNELS
from backend.core.errors import NotFound
from backend.core.models import utcnow
from backend.handoff.models import Handoff, HandoffMessage, HandoffStatus
from backend.privacy.models import ErasureRequest, ErasureStatus
from backend.webchat.models import WebMessage

# Linked platform -> the Rasa input channel its messages arrive on.
_CHANNEL_OF_PLATFORM = {platform: channel for channel, platform in PLATFORM_CHANNELS.items()}
_ENDED_HANDOFFS = (HandoffStatus.returned, HandoffStatus.closed)


def senders_of(session: Session, *, account_id: int) -> list[dict[str, str]]:
    """Every Rasa conversation bound to the account: web sessions and Slack/Teams links."""
    web = session.execute(
        select(ChatSession.channel, ChatSession.sender_id).where(
            ChatSession.account_id == account_id
        )
    ).all()
    links = session.execute(
        select(PlatformLink.platform, PlatformLink.sender_id).where(
            PlatformLink.account_id == account_id
        )
    ).all()
    return [
        *({"channel": channel, "sender_id": sender} for channel, sender in web),
        *(
            {"channel": _CHANNEL_OF_PLATFORM[platform], "sender_id": sender}
            for platform, sender in links
        ),
    ]


def _delete_handoffs(session: Session, handoff_ids: list[int]) -> int:
    if not handoff_ids:
        return 0
    # Messages explicitly: SQLite enforces no ON DELETE CASCADE unless told to.
    messages = session.execute(
        delete(HandoffMessage).where(HandoffMessage.handoff_id.in_(handoff_ids))
    )
    handoffs = session.execute(delete(Handoff).where(Handoff.id.in_(handoff_ids)))
    return _count(messages) + _count(handoffs)


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def erase_backend_conversations(session: Session, *, account_id: int) -> int:
    """Delete the account's web transcripts and handoffs (with their messages); rows deleted."""
    web_sessions = select(ChatSession.id).where(ChatSession.account_id == account_id)
    deleted = _count(
        session.execute(delete(WebMessage).where(WebMessage.chat_session_id.in_(web_sessions)))
    )
    handoff_ids = list(session.scalars(select(Handoff.id).where(Handoff.account_id == account_id)))
    return deleted + _delete_handoffs(session, handoff_ids)


def request_erasure(session: Session, *, account: Account, requested_by: Account) -> ErasureRequest:
    """Erase what the backend holds now and record the request for the bot-side job.

    Does not commit: the route commits it with its idempotency record.
    """
    request = ErasureRequest(
        account_id=account.id,
        requested_by_id=requested_by.id,
        senders=senders_of(session, account_id=account.id),
        backend_rows_deleted=erase_backend_conversations(session, account_id=account.id),
        status=ErasureStatus.pending,
    )
    session.add(request)
    session.flush()
    return request


def pending_requests(session: Session) -> list[ErasureRequest]:
    """Requests whose tracker events are still to be removed, oldest first."""
    return list(
        session.scalars(
            select(ErasureRequest)
            .where(ErasureRequest.status == ErasureStatus.pending)
            .order_by(ErasureRequest.id)
        )
    )


def complete_request(session: Session, *, request_id: int) -> ErasureRequest:
    """Mark a request done once the bot-side job removed every conversation (idempotent)."""
    request = session.get(ErasureRequest, request_id)
    if request is None:
        raise NotFound("No such erasure request.")
    if request.status == ErasureStatus.pending:
        request.status = ErasureStatus.completed
        request.completed_at = utcnow()
        session.commit()
    return request


@dataclass(frozen=True)
class RetentionResult:
    """Rows deleted by one retention run."""

    web_messages: int
    handoff_rows: int


def apply_retention(session: Session, *, days: int, now: datetime | None = None) -> RetentionResult:
    """Delete web transcript messages and ended handoffs older than ``days`` days; commits."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    web = _count(session.execute(delete(WebMessage).where(WebMessage.created_at < cutoff)))
    ended_before = func.coalesce(Handoff.ended_at, Handoff.created_at)
    old_handoffs = list(
        session.scalars(
            select(Handoff.id).where(Handoff.status.in_(_ENDED_HANDOFFS), ended_before < cutoff)
        )
    )
    handoff_rows = _delete_handoffs(session, old_handoffs)
    # Messages of handoffs still open stay: the agent may need the whole exchange.
    session.commit()
    return RetentionResult(web_messages=web, handoff_rows=handoff_rows)
