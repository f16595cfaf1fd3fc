"""Safe retries for mutating routes (design.md §5, docs/api-fleet-operations.md).

A route takes :data:`IdempotencyDep` (the ``Idempotency-Key`` header plus a fingerprint of the
request) and runs its business change through :func:`run_idempotent`. The key is claimed by
inserting its record *before* the change, and the record's stored answer is committed in the same
transaction as the change: a retry replays the answer, a concurrent twin is stopped by the unique
constraint on (account, key) and then replays the winner's answer.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, Session, mapped_column

from backend.core.db import Base
from backend.core.errors import AppError
from backend.core.models import UtcDateTime, utcnow

logger = logging.getLogger(__name__)

MAX_KEY_LENGTH = 200
_ATTEMPTS = 6


class IdempotencyRecord(Base):
    """The first answer given to one (account, Idempotency-Key)."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(300))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response_body: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class IdempotencyKeyRequired(AppError):
    status_code = 400
    code = "idempotency_key_required"
    message = f"This request needs an Idempotency-Key header (1 to {MAX_KEY_LENGTH} characters)."


class IdempotencyKeyReused(AppError):
    status_code = 422
    code = "idempotency_key_reused"
    message = "This Idempotency-Key was already used for a different request."


class IdempotencyInProgress(AppError):
    status_code = 409
    code = "idempotency_in_progress"
    message = "A request with this Idempotency-Key is still being processed; retry shortly."


@dataclass(frozen=True)
class IdempotentRequest:
    """The key and the fingerprint (method, path, SHA-256 of the canonical JSON body)."""

    key: str
    method: str
    path: str
    request_hash: str


def canonical_hash(raw_body: bytes) -> str:
    """SHA-256 of the body as canonical JSON (key order and spacing do not matter)."""
    try:
        parsed: Any = json.loads(raw_body) if raw_body.strip() else None
    except ValueError:
        parsed = raw_body.decode("utf-8", errors="replace")
    canonical = json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def get_idempotent_request(
    request: Request,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", description="1-200 characters")
    ] = None,
) -> IdempotentRequest:
    """The request's Idempotency-Key and fingerprint; a missing or bad key is refused."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise IdempotencyKeyRequired
    # Starlette caches the body, so the route's own body parsing still works afterwards.
    body = await request.body()
    return IdempotentRequest(
        key=key,
        method=request.method,
        path=request.url.path,
        request_hash=canonical_hash(body),
    )


IdempotencyDep = Annotated[IdempotentRequest, Depends(get_idempotent_request)]


def _find(session: Session, account_id: int, key: str) -> IdempotencyRecord | None:
    return session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.account_id == account_id, IdempotencyRecord.key == key
        )
    )


def _replay(record: IdempotencyRecord, request: IdempotentRequest) -> JSONResponse:
    if (record.method, record.path, record.request_hash) != (
        request.method,
        request.path,
        request.request_hash,
    ):
        raise IdempotencyKeyReused
    logger.info("Replaying the answer stored for idempotency record %s", record.id)
    return JSONResponse(record.response_body, status_code=record.status_code)


def _is_lock_error(exc: OperationalError) -> bool:
    """SQLite answers a concurrent writer with "database is locked" instead of waiting."""
    return "locked" in str(exc.orig).lower() or "busy" in str(exc.orig).lower()


def run_idempotent(
    session: Session,
    *,
    account_id: int,
    request: IdempotentRequest,
    action: Callable[[], BaseModel | dict[str, Any] | list[Any]],
    status_code: int = 200,
) -> JSONResponse:
    """Run ``action`` once per (account, key) and commit its change with its stored answer.

    ``action`` changes the session without committing and returns the response body. Errors it
    raises roll everything back and are not stored, so a corrected retry with the same key works.
    """
    for attempt in range(_ATTEMPTS):
        existing = _find(session, account_id, request.key)
        if existing is not None:
            return _replay(existing, request)
        claimed = False
        try:
            record = IdempotencyRecord(
                account_id=account_id,
                key=request.key,
                method=request.method,
                path=request.path,
                request_hash=request.request_hash,
                status_code=status_code,
                response_body=None,
            )
            session.add(record)
            # Claim the key first: on PostgreSQL a concurrent twin blocks here until we commit,
            # then fails on the unique constraint and replays our answer.
            session.flush()
            claimed = True
            body = jsonable_encoder(action())
            record.response_body = body
            session.commit()
            return JSONResponse(body, status_code=status_code)
        except IntegrityError:
            session.rollback()
            if claimed:
                raise  # the business change itself broke a constraint
        except OperationalError as exc:
            session.rollback()
            if not _is_lock_error(exc):
                raise
        except BaseException:
            session.rollback()
            raise
        time.sleep(0.05 * (attempt + 1))
    raise IdempotencyInProgress
