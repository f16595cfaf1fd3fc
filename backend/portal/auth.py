"""The ``bm_portal`` cookie session: login, lookup, logout and CSRF tokens.

The cookie is a signed JWT (``typ="portal"``) that names a server-side ``PortalSession`` row; the
row owns the account's web chat conversation, so the Rasa sender id never leaves the server.
State-changing requests authenticated by the cookie also need a CSRF token derived from the
session (see README "Web chat"): the cookie is sent by the browser on its own, the token only
by our own pages, which read it from the HTML or from ``GET /portal/session``.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta, timezone
from typing import Annotated

import jwt
from fastapi import Depends, Header, Request, Response
from sqlalchemy.orm import Session

from backend.accounts.models import Account, AccountStatus
from backend.chat.service import create_chat_session
from backend.core.db import SessionDep
from backend.core.errors import NotAuthenticated
from backend.core.models import utcnow
from backend.core.settings import Settings
from backend.portal.exceptions import CsrfRejected
from backend.portal.models import PortalSession

PORTAL_COOKIE = "bm_portal"
CSRF_HEADER = "X-CSRF-Token"
SESSION_LIFETIME = timedelta(hours=8)
_ALGORITHM = "HS256"
_TOKEN_TYPE = "portal"  # noqa: S105 - a JWT type claim, not a secret


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def encode_session_cookie(*, settings: Settings, portal_session: PortalSession) -> str:
    """The signed cookie value naming ``portal_session``."""
    claims = {
        "sub": str(portal_session.account_id),
        "sid": portal_session.id,
        "typ": _TOKEN_TYPE,
        "iat": portal_session.created_at,
        "exp": portal_session.expires_at,
    }
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=_ALGORITHM)


def _decode_session_cookie(*, settings: Settings, token: str) -> tuple[int, int] | None:
    """(account id, portal session id) of a valid, unexpired portal cookie, else None."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[_ALGORITHM],
            options={"require": ["sub", "sid", "exp", "typ"]},
        )
    except jwt.PyJWTError:
        return None
    # An API access token is signed with the same key: the type keeps it from being a cookie.
    if claims.get("typ") != _TOKEN_TYPE:
        return None
    try:
        return int(claims["sub"]), int(claims["sid"])
    except (TypeError, ValueError):
        return None


def start_portal_session(session: Session, *, account: Account) -> PortalSession:
    """A new login of ``account`` with a fresh web chat conversation of its own."""
    chat_session = create_chat_session(session, account=account)
    now = utcnow()
    portal_session = PortalSession(
        account_id=account.id,
        chat_session_id=chat_session.id,
        created_at=now,
        expires_at=now + SESSION_LIFETIME,
    )
    session.add(portal_session)
    session.commit()
    return portal_session


def end_portal_session(session: Session, *, portal_session: PortalSession) -> None:
    """Log out: the cookie stops working even if someone kept a copy."""
    portal_session.ended_at = utcnow()
    session.commit()


def set_session_cookie(
    response: Response, *, settings: Settings, portal_session: PortalSession
) -> None:
    """Put the cookie on ``response`` (HttpOnly: page scripts never read it)."""
    max_age = int((portal_session.expires_at - utcnow()).total_seconds())
    response.set_cookie(
        PORTAL_COOKIE,
        encode_session_cookie(settings=settings, portal_session=portal_session),
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=settings.base_url.startswith("https://"),
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(PORTAL_COOKIE, path="/", httponly=True, samesite="lax")


def current_portal_session(request: Request, session: Session) -> PortalSession | None:
    """The live portal session of the request's cookie, if any."""
    token = request.cookies.get(PORTAL_COOKIE)
    if not token:
        return None
    decoded = _decode_session_cookie(settings=_settings(request), token=token)
    if decoded is None:
        return None
    account_id, session_id = decoded
    portal_session = session.get(PortalSession, session_id)
    if (
        portal_session is None
        or portal_session.account_id != account_id
        or portal_session.ended_at is not None
        or portal_session.expires_at <= datetime.now(timezone.utc)
        or portal_session.account.status != AccountStatus.active
    ):
        return None
    return portal_session


def portal_account(request: Request, session: Session) -> Account | None:
    """The account logged in with the request's ``bm_portal`` cookie, else None."""
    portal_session = current_portal_session(request, session)
    return portal_session.account if portal_session is not None else None


def csrf_token(*, settings: Settings, portal_session_id: int) -> str:
    """The CSRF token of a portal session: an HMAC, so nothing more to store."""
    key = settings.secret_key.get_secret_value().encode()
    return hmac.new(key, f"portal-csrf:{portal_session_id}".encode(), hashlib.sha256).hexdigest()


def check_csrf(*, settings: Settings, portal_session: PortalSession, token: str | None) -> None:
    """Refuse a state change whose CSRF token does not belong to this session."""
    expected = csrf_token(settings=settings, portal_session_id=portal_session.id)
    if not token or not hmac.compare_digest(token.encode(), expected.encode()):
        raise CsrfRejected


def require_portal_session(request: Request, session: SessionDep) -> PortalSession:
    """The cookie's portal session, else 401 (JSON routes; pages redirect to the login)."""
    portal_session = current_portal_session(request, session)
    if portal_session is None:
        raise NotAuthenticated
    return portal_session


PortalSessionDep = Annotated[PortalSession, Depends(require_portal_session)]


def require_portal_account(portal_session: PortalSessionDep) -> Account:
    """The cookie's account, else 401."""
    return portal_session.account


PortalAccountDep = Annotated[Account, Depends(require_portal_account)]


def require_csrf_session(
    request: Request,
    portal_session: PortalSessionDep,
    x_csrf_token: Annotated[str | None, Header(alias=CSRF_HEADER)] = None,
) -> PortalSession:
    """The cookie's portal session, for a state-changing request carrying its CSRF header."""
    check_csrf(settings=_settings(request), portal_session=portal_session, token=x_csrf_token)
    return portal_session


CsrfPortalSessionDep = Annotated[PortalSession, Depends(require_csrf_session)]
