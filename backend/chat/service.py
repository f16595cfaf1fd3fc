"""Chat identity operations: mint web sessions and link codes, link platforms, resolve senders."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backend.accounts.models import Account, AccountStatus
from backend.chat.exceptions import LinkCodeInvalid
from backend.chat.models import ChatBinding, ChatSession, LinkCode, Platform, PlatformLink
from backend.core.models import utcnow
from backend.core.security import hash_secret
from backend.core.settings import Settings
from backend.portal.models import PortalSession
from backend.webchat.models import Author, WebMessage

logger = logging.getLogger(__name__)

WEB_CHANNELS = frozenset({"rest", "socketio"})
# Rasa input channel name -> linked platform.
PLATFORM_CHANNELS = {"slack": Platform.slack, "botframework": Platform.teams}
LINK_CODE_LIFETIME = timedelta(minutes=10)
# No 0/O/1/I/L: the code is read on one screen and typed into another.
_LINK_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_LINK_CODE_LENGTH = 8


def create_chat_session(session: Session, *, account: Account) -> ChatSession:
    """A fresh, unguessable web-widget sender id bound to ``account``."""
    chat_session = ChatSession(
        sender_id=secrets.token_urlsafe(32), channel="rest", account_id=account.id
    )
    session.add(chat_session)
    session.commit()
    return chat_session


def create_link_code(session: Session, *, account: Account) -> tuple[str, datetime]:
    """A single-use code (and its expiry) the user types in Slack/Teams to link that account."""
    code = "".join(secrets.choice(_LINK_CODE_ALPHABET) for _ in range(_LINK_CODE_LENGTH))
    expires_at = utcnow() + LINK_CODE_LIFETIME
    session.add(LinkCode(code_hash=hash_secret(code), account_id=account.id, expires_at=expires_at))
    session.commit()
    return code, expires_at


def platform_sender_id(*, workspace_id: str, user_id: str) -> str:
    """The Rasa sender id expected for a linked Slack/Teams user (see PlatformLink)."""
    return f"{workspace_id}:{user_id}"


def link_platform_account(
    session: Session, *, platform: Platform, workspace_id: str, user_id: str, code: str
) -> PlatformLink:
    """Consume ``code`` and bind (platform, workspace, user) to its account (re-link allowed)."""
    now = utcnow()
    record = session.scalar(
        select(LinkCode).where(LinkCode.code_hash == hash_secret(code.strip().upper()))
    )
    if record is None or record.used_at is not None or record.expires_at <= now:
        raise LinkCodeInvalid
    claimed = session.execute(
        update(LinkCode)
        .where(LinkCode.id == record.id, LinkCode.used_at.is_(None))
        .values(used_at=now)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise LinkCodeInvalid
    link = session.scalar(
        select(PlatformLink).where(
            PlatformLink.platform == platform,
            PlatformLink.workspace_id == workspace_id,
            PlatformLink.user_id == user_id,
        )
    )
    if link is None:
        link = PlatformLink(
            platform=platform,
            workspace_id=workspace_id,
            user_id=user_id,
            sender_id=platform_sender_id(workspace_id=workspace_id, user_id=user_id),
            account_id=record.account_id,
        )
        session.add(link)
    else:
        if link.account_id != record.account_id:
            link.active_role = None  # a role chosen for another account does not carry over
        link.account_id = record.account_id
    session.commit()
    logger.info("Linked a %s user to account %s", platform.value, record.account_id)
    return link


def _web_session_live(session: Session, settings: Settings, chat_session: ChatSession) -> bool:
    """Whether a web sender id still speaks for its account (README, "Web chat sessions").

    The sender id is a bearer credential on Rasa's REST channel, so it lives no longer than the
    login it was minted for: the portal session (ended at logout, expired after 8 h) or, minted
    by ``POST /chat/sessions``, the access token's lifetime. It also lapses after
    ``chat_idle_minutes`` without a message of its user through the portal's chat gateway (or
    since it was minted): only the cookie holder writes those, so a copied sender id cannot keep
    itself alive, while the user who comes back writes first and finds it working.
    """
    now = utcnow()
    portal = session.scalar(
        select(PortalSession).where(PortalSession.chat_session_id == chat_session.id)
    )
    if portal is None:
        ends_at = chat_session.created_at + timedelta(minutes=settings.access_token_minutes)
    elif portal.ended_at is not None:
        return False
    else:
        ends_at = portal.expires_at
    if ends_at <= now:
        return False
    last_written = session.scalar(
        select(func.max(WebMessage.created_at)).where(
            WebMessage.chat_session_id == chat_session.id, WebMessage.author == Author.user
        )
    )
    active_at = max(chat_session.created_at, last_written or chat_session.created_at)
    return now - active_at < timedelta(minutes=settings.chat_idle_minutes)


def resolve_chat_binding(
    session: Session, settings: Settings, *, channel: str, sender_id: str
) -> ChatBinding | None:
    """The live web session or platform link of a Rasa (channel, sender_id) of an active account."""
    binding: ChatBinding | None
    if channel in WEB_CHANNELS:
        web = session.scalar(select(ChatSession).where(ChatSession.sender_id == sender_id))
        binding = web if web is not None and _web_session_live(session, settings, web) else None
    elif channel in PLATFORM_CHANNELS:
        binding = session.scalar(
            select(PlatformLink).where(
                PlatformLink.platform == PLATFORM_CHANNELS[channel],
                PlatformLink.sender_id == sender_id,
            )
        )
    else:
        return None
    if binding is None or binding.account.status != AccountStatus.active:
        return None
    return binding
