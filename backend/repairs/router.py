"""Routes: the caller's repairs (requests are the ``request_repair`` operation)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from backend.core.db import SessionDep
from backend.principal import CompanyPrincipalDep
from backend.repairs import service

router = APIRouter(tags=["repairs"])


@router.get("/repairs")
def list_repairs(principal: CompanyPrincipalDep, session: SessionDep) -> list[dict[str, Any]]:
    """The company's repairs (end user: own), newest first."""
    return service.list_repairs(session, principal=principal)


@router.get("/repairs/{repair_id}")
def read_repair(
    repair_id: int, principal: CompanyPrincipalDep, session: SessionDep
) -> dict[str, Any]:
    """One repair."""
    return service.get_repair(session, principal=principal, repair_id=repair_id)
