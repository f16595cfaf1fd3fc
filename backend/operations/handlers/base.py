"""What every operation type provides, and catalog helpers shared by several types."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.companies.models import Company
from backend.core.errors import FieldError
from backend.core.settings import Settings
from backend.fleet.models import BarrableService, Line, LineStatus, Option, Plan
from backend.operations.exceptions import LineStateConflict
from backend.operations.models import OperationType
from backend.principal import Principal


@dataclass(frozen=True)
class OpContext:
    """Everything a handler may use: the caller, the session, settings and the clock."""

    session: Session
    settings: Settings
    principal: Principal
    now: datetime

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def company(self) -> Company:
        assert self.principal.company is not None
        return self.principal.company


class Params(BaseModel):
    """Base of the per-type params: unknown keys are ignored, strings stripped."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


P = TypeVar("P", bound=Params)


class OperationHandler(ABC, Generic[P]):
    """One operation type: ``prepare`` validates and summarizes, ``execute`` applies."""

    op_type: ClassVar[OperationType]
    params_model: type[P]
    fleet_manager_only: ClassVar[bool] = True
    needs_line: ClassVar[bool] = True
    # Types whose line is optional (``needs_line`` False): a given ``line_id`` is still checked.
    line_optional: ClassVar[bool] = False

    @abstractmethod
    def prepare(self, ctx: OpContext, line: Line | None, params: P) -> dict[str, Any]:
        """Validate everything and return the summary (prices, fees, consequences)."""

    @abstractmethod
    def execute(
        self, ctx: OpContext, line: Line | None, params: P, summary: dict[str, Any]
    ) -> dict[str, Any]:
        """Apply the change (re-checking what may have changed since) and return the result."""


def money(value: Decimal) -> str:
    """Money in summaries: a decimal string with two decimals."""
    return f"{value:.2f}"


def plan_ref(plan: Plan) -> dict[str, Any]:
    return {"code": plan.code, "names": plan.names(), "monthly_price": money(plan.monthly_price)}


def option_ref(option: Option) -> dict[str, Any]:
    return {
        "code": option.code,
        "names": option.names(),
        "monthly_price": money(option.monthly_price),
    }


def barring_ref(service: BarrableService) -> dict[str, Any]:
    return {"code": service.code, "names": service.names()}


def get_plan(session: Session, code: str, *, field: str = "plan_code") -> Plan:
    plan = session.scalar(select(Plan).where(Plan.code == code))
    if plan is None:
        raise FieldError("plan_unknown", f"Unknown plan {code!r}.", field=field)
    return plan


def get_options(session: Session, codes: Sequence[str], *, field: str) -> list[Option]:
    found = {o.code: o for o in session.scalars(select(Option).where(Option.code.in_(codes)))}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise FieldError(
            "option_unknown", "Unknown option.", field=field, details={"codes": unknown}
        )
    return [found[code] for code in dict.fromkeys(codes)]


def get_barrings(session: Session, codes: Sequence[str], *, field: str) -> list[BarrableService]:
    found = {
        s.code: s
        for s in session.scalars(select(BarrableService).where(BarrableService.code.in_(codes)))
    }
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise FieldError(
            "barring_unknown", "Unknown barrable service.", field=field, details={"codes": unknown}
        )
    return [found[code] for code in dict.fromkeys(codes)]


def require_not_deactivated(line: Line | None) -> Line:
    assert line is not None
    if line.status == LineStatus.deactivated:
        raise LineStateConflict("This line is deactivated.")
    return line
