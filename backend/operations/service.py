"""Prepare, read, confirm and cancel operations, always scoped to the calling account."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts.models import Role
from backend.core import rate_limit
from backend.core.errors import FieldError
from backend.core.models import utcnow
from backend.core.settings import Settings
from backend.fleet import service as fleet
from backend.fleet.models import Line
from backend.operations.exceptions import (
    FleetManagerRequired,
    LineRequired,
    OperationAlreadyDone,
    OperationCancelled,
    OperationExpired,
    OperationNotFound,
)
from backend.operations.handlers import HANDLERS
from backend.operations.handlers.base import OpContext, OperationHandler, Params
from backend.operations.models import Operation, OperationStatus, OperationType
from backend.operations.schemas import OperationCreate, OperationPublic
from backend.principal import Principal

logger = logging.getLogger(__name__)

LIFETIME = timedelta(minutes=15)


def _check_role(principal: Principal, handler: OperationHandler[Any]) -> None:
    if handler.fleet_manager_only and principal.role != Role.fleet_manager:
        raise FleetManagerRequired


def _parse(handler: OperationHandler[Any], raw: dict[str, Any]) -> Params:
    try:
        params: Params = handler.params_model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first.get("loc", ()))
        raise FieldError(
            "params_invalid", f"{field or 'params'}: {first.get('msg', 'invalid')}", field=field
        ) from exc
    return params


def _line(
    session: Session, principal: Principal, handler: OperationHandler[Any], line_id: int | None
) -> Line | None:
    if not handler.needs_line:
        if handler.line_optional and line_id is not None:
            return fleet.get_line(session, principal=principal, line_id=line_id)
        return None
    if line_id is None:
        raise LineRequired
    return fleet.get_line(session, principal=principal, line_id=line_id)


def prepare(
    session: Session, *, settings: Settings, principal: Principal, body: OperationCreate
) -> Operation:
    """Validate, compute the summary and store a pending operation for this account."""
    handler = HANDLERS.get(body.type)
    if handler is None:
        raise FieldError(
            "operation_type_unknown", "This operation type is not available.", field="type"
        )
    _check_role(principal, handler)
    line = _line(session, principal, handler, body.line_id)
    params = _parse(handler, body.params)
    if (flow := rate_limit.flow_of(body.type)) is not None:
        rate_limit.enforce(session, settings=settings, principal=principal, flow=flow)
    now = utcnow()
    ctx = OpContext(session=session, settings=settings, principal=principal, now=now)
    summary = handler.prepare(ctx, line, params)
    assert principal.company is not None
    operation = Operation(
        id=f"op_{secrets.token_urlsafe(16)}",
        account_id=principal.account.id,
        company_id=principal.company.id,
        type=body.type,
        line_id=line.id if line else None,
        msisdn=line.msisdn if line else summary.get("msisdn"),
        params=params.model_dump(mode="json"),
        summary=summary,
        result=None,
        status=OperationStatus.pending,
        expires_at=now + LIFETIME,
        created_at=now,
    )
    session.add(operation)
    session.flush()
    logger.info("Prepared operation %s (%s)", operation.id, operation.type.value)
    return operation


def get(
    session: Session, *, principal: Principal, operation_id: str, for_update: bool = False
) -> Operation:
    """An operation created by the calling account (anything else is not found).

    ``for_update`` locks its row until the transaction ends and re-reads it: a concurrent
    confirm waits for ours and then sees the committed status (PostgreSQL; SQLite transactions
    are already serialised by ``BEGIN IMMEDIATE``).
    """
    query = select(Operation).where(
        Operation.id == operation_id, Operation.account_id == principal.account.id
    )
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    operation = session.scalar(query)
    if operation is None:
        raise OperationNotFound
    return operation


def confirm(
    session: Session, *, settings: Settings, principal: Principal, operation_id: str
) -> Operation:
    """Execute a pending operation once; a done one is answered again without a second change.

    Confirms with different idempotency keys may race: the row lock makes the status check and
    the execution one step, so only the first executes and the others replay its result.
    """
    operation = get(session, principal=principal, operation_id=operation_id, for_update=True)
    now = utcnow()
    status = operation.effective_status(now)
    if status == OperationStatus.done:
        return operation
    if status == OperationStatus.cancelled:
        raise OperationCancelled
    if status == OperationStatus.expired:
        raise OperationExpired
    handler = HANDLERS[operation.type]
    _check_role(principal, handler)  # the role may have been switched since
    line = _line(session, principal, handler, operation.line_id)
    params = _parse(handler, operation.params)
    ctx = OpContext(session=session, settings=settings, principal=principal, now=now)
    result = handler.execute(ctx, line, params, dict(operation.summary))
    operation.result = result
    operation.msisdn = operation.msisdn or result.get("msisdn")
    operation.line_id = operation.line_id or result.get("line_id")
    operation.status = OperationStatus.done
    operation.done_at = now
    session.flush()
    logger.info("Executed operation %s (%s)", operation.id, operation.type.value)
    return operation


def cancel(session: Session, *, principal: Principal, operation_id: str) -> Operation:
    """Cancel a pending operation (cancelling twice is harmless)."""
    operation = get(session, principal=principal, operation_id=operation_id, for_update=True)
    status = operation.effective_status(utcnow())
    if status == OperationStatus.done:
        raise OperationAlreadyDone
    if status == OperationStatus.pending:
        operation.status = OperationStatus.cancelled
        session.flush()
    return operation


def to_public(operation: Operation) -> OperationPublic:
    """The API view of an operation."""
    return OperationPublic(
        id=operation.id,
        type=OperationType(operation.type),
        status=operation.effective_status(utcnow()),
        line_id=operation.line_id,
        msisdn=operation.msisdn,
        summary=operation.summary,
        result=operation.result,
        expires_at=operation.expires_at,
        created_at=operation.created_at,
    )
