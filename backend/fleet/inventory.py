"""SIM stock, free numbers and termination fees of a company's fleet."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import FieldError
from backend.fleet.models import Line, SimCard, SimStatus
from backend.fleet.validation import checked
from validation import check_iccid

# New numbers come from the operator's block +32 470 00 01 00 … +32 470 00 09 99: the lowest
# number that no line (even a deactivated one) has ever used and no pending operation reserved.
NEW_NUMBER_PREFIX = "+32470000"
NEW_NUMBER_RANGE = range(100, 1000)
# Termination fee: half of the plan's monthly price per month left in the commitment.
TERMINATION_SHARE = Decimal("0.50")
_CENT = Decimal("0.01")


def check_sim_available(session: Session, *, company_id: int, raw_iccid: str) -> SimCard:
    """A SIM card of the company's stock that can be activated, else a 422 ICCID code."""
    iccid = checked(check_iccid, raw_iccid, field="iccid")
    card = session.scalar(
        select(SimCard).where(SimCard.iccid == iccid, SimCard.company_id == company_id)
    )
    used_by = session.scalar(select(Line).where(Line.iccid == iccid))
    if used_by is not None and used_by.company_id == company_id:
        raise FieldError("iccid_in_use", "This SIM card is already used by a line.", field="iccid")
    if card is None:
        raise FieldError(
            "iccid_unknown", "This SIM card is not in your company's SIM stock.", field="iccid"
        )
    if card.status == SimStatus.in_use:
        raise FieldError("iccid_in_use", "This SIM card is already used by a line.", field="iccid")
    if card.status == SimStatus.blocked:
        raise FieldError(
            "iccid_blocked", "This SIM card was blocked (lost, stolen or replaced).", field="iccid"
        )
    return card


def sim_status(session: Session, *, iccid: str) -> SimStatus | None:
    """The stock status of a SIM card, ``None`` if it is in no stock (seeded lines, eSIMs)."""
    return session.scalar(select(SimCard.status).where(SimCard.iccid == iccid))


def mark_sim(session: Session, *, iccid: str, status: SimStatus) -> None:
    """Set the stock status of a SIM card if it is in a stock (seeded lines may not be)."""
    card = session.scalar(select(SimCard).where(SimCard.iccid == iccid))
    if card is not None:
        card.status = status


def allocate_number(session: Session, *, reserved: Iterable[str] = ()) -> str:
    """The lowest never-used number of the new-number block, skipping ``reserved`` ones."""
    used = set(
        session.scalars(select(Line.msisdn).where(Line.msisdn.startswith(NEW_NUMBER_PREFIX)))
    )
    used.update(reserved)
    for suffix in NEW_NUMBER_RANGE:
        msisdn = f"{NEW_NUMBER_PREFIX}{suffix:03d}"
        if msisdn not in used:
            return msisdn
    raise FieldError("no_free_number", "No free number is left; contact support.", field="number")


def remaining_commitment_months(commitment_end: date | None, today: date) -> int:
    """Months left until ``commitment_end``, the current month included (0 when over)."""
    if commitment_end is None or commitment_end < today:
        return 0
    return max(
        1, (commitment_end.year * 12 + commitment_end.month) - (today.year * 12 + today.month)
    )


def termination_fee(line: Line, today: date) -> Decimal:
    """The fee for deactivating ``line`` on ``today`` (0.00 outside the commitment)."""
    months = remaining_commitment_months(line.commitment_end, today)
    fee = line.plan.monthly_price * months * TERMINATION_SHARE
    return fee.quantize(_CENT, rounding=ROUND_HALF_UP)
