"""Single-use links e-mailed to one account: the registration link and the password-reset link.

Only a SHA-256 of the token is stored (``hash_secret``). Issuing a link expires the account's
earlier open links of the same kind, so only the newest e-mail works; using a link claims it with
a conditional UPDATE, so two concurrent submissions cannot both win.
"""

from __future__ import annotations

import math
import secrets
from datetime import datetime, timedelta, timezone
from typing import TypeVar

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from backend.accounts.models import Account, PasswordResetToken, RegistrationToken
from backend.core.models import utcnow
from backend.core.security import hash_secret

TokenT = TypeVar("TokenT", RegistrationToken, PasswordResetToken)


def issue(
    session: Session, model: type[TokenT], *, account_id: int, lifetime: timedelta
) -> tuple[str, datetime]:
    """A new link token of ``model`` for the account (earlier open ones expire): (token, expiry).

    The caller sends the e-mail and commits.
    """
    expire_open(session, model, account_id=account_id)
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + lifetime
    session.add(model(account_id=account_id, token_hash=hash_secret(token), expires_at=expires_at))
    return token, expires_at


def expire_open(session: Session, model: type[TokenT], *, account_id: int) -> None:
    """Mark every unused link of ``model`` of the account as used."""
    session.execute(
        update(model)
        .where(model.account_id == account_id, model.used_at.is_(None))
        .values(used_at=utcnow())
    )


def find(session: Session, model: type[TokenT], *, token: str) -> TokenT | None:
    """The unused, unexpired record of ``token``, else None."""
    record = session.scalar(select(model).where(model.token_hash == hash_secret(token)))
    if record is None or record.used_at is not None or record.expires_at <= utcnow():
        return None
    return record


def claim(session: Session, model: type[TokenT], record: TokenT) -> bool:
    """Use ``record`` once: False when a concurrent request used it first."""
    claimed = session.execute(
        update(model).where(model.id == record.id, model.used_at.is_(None)).values(used_at=utcnow())
    )
    return getattr(claimed, "rowcount", 0) == 1


def recent(
    session: Session, model: type[TokenT], *, owner: ColumnElement[bool], window: timedelta
) -> tuple[int, int]:
    """Links of ``model`` issued in the last ``window`` to accounts matching ``owner`` (a
    condition on ``Account``): how many, and in how many seconds the oldest leaves the window.

    The rows themselves are the rate limit's counter, as in ``backend/core/rate_limit.py``.
    """
    now = utcnow()
    count, oldest = session.execute(
        select(func.count(), func.min(model.created_at))
        .select_from(model)
        .join(Account, Account.id == model.account_id)
        .where(owner, model.created_at > now - window)
    ).one()
    if not count or oldest is None:
        return 0, 0
    if oldest.tzinfo is None:  # SQLite aggregates come back without the column's type
        oldest = oldest.replace(tzinfo=timezone.utc)
    return int(count), max(1, math.ceil((oldest + window - now).total_seconds()))


def lock_account(session: Session, account_id: int) -> None:
    """Serialise the count-then-issue of one account's links until the transaction ends.

    On PostgreSQL parallel requests would otherwise count the same rows; SQLite's
    ``BEGIN IMMEDIATE`` already serialises writers.
    """
    session.execute(select(Account.id).where(Account.id == account_id).with_for_update())
