"""Routes: web chat sessions, link codes and Slack/Teams account links."""

from __future__ import annotations

from fastapi import APIRouter, Depends, status

from backend.chat import service
from backend.chat.schemas import (
    ChatSessionPublic,
    LinkCodePublic,
    PlatformLinkPublic,
    PlatformLinkRequest,
)
from backend.core.db import SessionDep
from backend.principal import BearerPrincipalDep, require_service_key

router = APIRouter(prefix="/chat", tags=["chat"])


@router.post("/sessions", status_code=status.HTTP_201_CREATED)
def create_chat_session(principal: BearerPrincipalDep, session: SessionDep) -> ChatSessionPublic:
    """Mint a web-widget sender id bound to the logged-in account."""
    chat_session = service.create_chat_session(session, account=principal.account)
    return ChatSessionPublic(sender_id=chat_session.sender_id, channel=chat_session.channel)


@router.post("/link-codes", status_code=status.HTTP_201_CREATED)
def create_link_code(principal: BearerPrincipalDep, session: SessionDep) -> LinkCodePublic:
    """Mint a single-use 10-minute code to link a Slack/Teams user to the logged-in account."""
    code, expires_at = service.create_link_code(session, account=principal.account)
    return LinkCodePublic(code=code, expires_at=expires_at)


@router.post(
    "/links",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require_service_key)],
)
def link_platform_account(body: PlatformLinkRequest, session: SessionDep) -> PlatformLinkPublic:
    """Bind a Slack/Teams user (platform, workspace, user) to the account of a link code."""
    link = service.link_platform_account(
        session,
        platform=body.platform,
        workspace_id=body.workspace_id,
        user_id=body.user_id,
        code=body.code,
    )
    return PlatformLinkPublic(account_id=link.account_id)
