"""Fleet response schemas (money as decimal strings, EUR excl. VAT)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, PlainSerializer

from backend.fleet.models import ConsumptionPart, LineStatus, NumberType, PortingStatus, SimType

# Money leaves the API as a string with two decimals ("25.00") so that no client rounds it.
Money = Annotated[Decimal, PlainSerializer(lambda value: f"{value:.2f}", return_type=str)]


class Names(BaseModel):
    fr: str
    nl: str
    en: str


class PlanRef(BaseModel):
    code: str
    name: str
    names: Names
    monthly_price: Money


class PlanPublic(PlanRef):
    """A tariff plan of the catalog; null allowances are unlimited."""

    data_gb: int | None
    voice_minutes: int | None
    sms: int | None


class OptionPublic(BaseModel):
    code: str
    name: str
    names: Names
    monthly_price: Money


class BarringPublic(BaseModel):
    code: str
    name: str
    names: Names


class LinePublic(BaseModel):
    id: int
    msisdn: str
    label: str
    user_name: str
    status: LineStatus
    sim_type: SimType
    iccid: str
    split_bill: bool
    plan: PlanRef
    options: list[OptionPublic]
    barrings: list[BarringPublic]


class ConsumptionPublic(BaseModel):
    """One line's usage in one month for the part the caller may see."""

    line_id: int
    msisdn: str
    user_name: str
    month: str
    voice_minutes: int
    sms: int
    data_mb: int
    roaming_mb: int
    roaming_minutes: int
    cost: Money
    split_bill: bool
    part: ConsumptionPart


class ConsumptionTotals(BaseModel):
    line_count: int
    voice_minutes: int
    sms: int
    data_mb: int
    roaming_mb: int
    roaming_minutes: int
    cost: Money


class FleetConsumptionPublic(BaseModel):
    """A company's consumption in a month: employer part of split-bill lines only."""

    month: str
    lines: list[ConsumptionPublic]
    totals: ConsumptionTotals
    top_consumers: list[ConsumptionPublic]


class SimCheck(BaseModel):
    valid: bool


class ESimResent(BaseModel):
    sent_to: str


class PortingRequestPublic(BaseModel):
    id: int
    line_id: int
    msisdn: str
    number_type: NumberType
    status: PortingStatus
    requested_at: datetime
    expected_date: date | None


class ActivationPublic(BaseModel):
    """A line waiting to become active (eSIM confirmation or porting)."""

    line_id: int
    msisdn: str
    user_name: str
    status: LineStatus
    sim_type: SimType
    created_at: datetime | None
    esim_pending: bool
    porting_request: PortingRequestPublic | None
