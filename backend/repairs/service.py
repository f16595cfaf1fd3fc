"""Create repairs (with the confirmation e-mail), list and read them."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from backend.accounts.models import Account, Role
from backend.core.errors import AppError
from backend.core.settings import Settings
from backend.core.status_flow import history
from backend.fleet.models import Line
from backend.mail.service import Mail, send_mail
from backend.mail.templates import render_email
from backend.principal import Principal
from backend.repairs.models import Pickup, Repair, RepairStatus

logger = logging.getLogger(__name__)


class RepairNotFound(AppError):
    status_code = 404
    code = "repair_not_found"
    message = "No such repair."


def mask_imei(value: str) -> str:
    """``352099001761481`` → ``35209900****481``... keeps the model part (TAC) and 3 last digits."""
    return f"{value[:8]}****{value[-3:]}"


def _visible(principal: Principal) -> Select[tuple[Repair]]:
    assert principal.company is not None
    query = select(Repair).where(Repair.company_id == principal.company.id)
    if principal.role != Role.fleet_manager:
        query = query.where(Repair.account_id == principal.account.id)
    return query


def public(repair: Repair) -> dict[str, Any]:
    return {
        "id": repair.id,
        "number": repair.number,
        "status": repair.status.value,
        "imei_masked": mask_imei(repair.imei),
        "problem": repair.problem,
        "pickup": repair.pickup.value,
        "address": repair.address,
        "line_id": repair.line_id,
        "msisdn": repair.msisdn,
        "created_at": repair.created_at,
        "status_history": history(
            repair.status_history, first=RepairStatus.requested, created_at=repair.created_at
        ),
    }


def list_repairs(session: Session, *, principal: Principal) -> list[dict[str, Any]]:
    return [public(r) for r in session.scalars(_visible(principal).order_by(Repair.id.desc()))]


def get_repair(session: Session, *, principal: Principal, repair_id: int) -> dict[str, Any]:
    repair = session.scalar(_visible(principal).where(Repair.id == repair_id))
    if repair is None:
        raise RepairNotFound
    return public(repair)


def create_repair(
    session: Session,
    *,
    settings: Settings,
    principal: Principal,
    line: Line | None,
    imei: str,
    problem: str,
    pickup: Pickup,
    address: dict[str, str] | None,
    now: datetime,
) -> Repair:
    """Record the repair, number it ``R<year>-<id:06d>`` and mail the confirmation."""
    assert principal.company is not None
    repair = Repair(
        company_id=principal.company.id,
        account_id=principal.account.id,
        line_id=line.id if line else None,
        msisdn=line.msisdn if line else None,
        imei=imei,
        problem=problem,
        pickup=pickup,
        address=address,
        status=RepairStatus.requested,
        created_at=now,
    )
    session.add(repair)
    session.flush()
    repair.number = f"R{now.year}-{repair.id:06d}"
    session.flush()
    _confirmation_mail(session, settings=settings, account=principal.account, repair=repair)
    logger.info("Repair %s requested", repair.number)
    return repair


def _confirmation_mail(
    session: Session, *, settings: Settings, account: Account, repair: Repair
) -> None:
    if not account.email:
        return
    subject, text, html = render_email(
        "repair",
        account.language,
        user_name=account.first_name or account.gsm,
        number=repair.number,
        imei=mask_imei(repair.imei),
        problem=repair.problem,
        pickup=repair.pickup.value,
        address=repair.address,
        msisdn=repair.msisdn,
    )
    send_mail(
        session,
        settings=settings,
        mail=Mail(
            to=account.email,
            subject=subject,
            language=account.language,
            body_text=text,
            body_html=html,
        ),
    )
