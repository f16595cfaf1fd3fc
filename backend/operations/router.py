"""Routes: prepare, read, confirm and cancel operations (mutations are idempotent)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from backend.core import rate_limit
from backend.core.db import SessionDep, SettingsDep
from backend.core.idempotency import IdempotencyDep, run_idempotent
from backend.operations import service
from backend.operations.schemas import (
    EmptyBody,
    OperationCreate,
    OperationPublic,
    RateLimitStatus,
)
from backend.principal import CompanyPrincipalDep

router = APIRouter(tags=["operations"])


@router.post("/operations", status_code=201, response_model=OperationPublic)
def prepare_operation(
    body: OperationCreate,
    principal: CompanyPrincipalDep,
    session: SessionDep,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """Validate and price an operation; it only happens after a confirm by the same account."""
    return run_idempotent(
        session,
        account_id=principal.account.id,
        request=idempotency,
        status_code=201,
        action=lambda: service.to_public(
            service.prepare(session, settings=settings, principal=principal, body=body)
        ),
    )


@router.get("/rate-limits/{flow}")
def read_rate_limit(
    flow: rate_limit.Flow,
    principal: CompanyPrincipalDep,
    session: SessionDep,
    settings: SettingsDep,
) -> RateLimitStatus:
    """Whether the caller may start ``flow`` now (the chat asks before its first question)."""
    refusal = rate_limit.check(session, settings=settings, principal=principal, flow=flow)
    if refusal is None:
        return RateLimitStatus(flow=flow, allowed=True)
    return RateLimitStatus(flow=flow, allowed=False, retry_after=refusal.retry_after)


@router.get("/operations/{operation_id}")
def read_operation(
    operation_id: str, principal: CompanyPrincipalDep, session: SessionDep
) -> OperationPublic:
    """One operation created by the caller."""
    return service.to_public(service.get(session, principal=principal, operation_id=operation_id))


@router.post("/operations/{operation_id}/confirm", response_model=OperationPublic)
def confirm_operation(
    operation_id: str,
    principal: CompanyPrincipalDep,
    session: SessionDep,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
    body: EmptyBody | None = None,
) -> JSONResponse:
    """Execute a pending operation of the caller."""
    return run_idempotent(
        session,
        account_id=principal.account.id,
        request=idempotency,
        action=lambda: service.to_public(
            service.confirm(
                session, settings=settings, principal=principal, operation_id=operation_id
            )
        ),
    )


@router.post("/operations/{operation_id}/cancel", response_model=OperationPublic)
def cancel_operation(
    operation_id: str,
    principal: CompanyPrincipalDep,
    session: SessionDep,
    idempotency: IdempotencyDep,
    body: EmptyBody | None = None,
) -> JSONResponse:
    """Cancel a pending operation of the caller."""
    return run_idempotent(
        session,
        account_id=principal.account.id,
        request=idempotency,
        action=lambda: service.to_public(
            service.cancel(session, principal=principal, operation_id=operation_id)
        ),
    )
