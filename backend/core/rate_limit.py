"""Rate limits on costly flows: activations, payment links and orders (issue #6).

Each flow is counted from the domain rows it already stores (prepared operations, payment links)
in a sliding window, per account and per company, so there is no counter to keep in step with the
data and the limit holds across backend processes. A request over a limit is refused with 429
``rate_limited`` and a ``Retry-After`` (seconds until the oldest counted row leaves the window).
The check runs inside the request's transaction, just before the row is created.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from backend.accounts.models import Account
from backend.billing.models import InvoiceLink, LinkKind
from backend.companies.models import Company
from backend.core.errors import RetryLater
from backend.core.models import utcnow
from backend.core.settings import Settings
from backend.operations.models import Operation, OperationType
from backend.principal import Principal


class Flow(str, enum.Enum):
    activation = "activation"
    payment_link = "payment_link"
    order = "order"


# Operation types that create a SIM or an eSIM profile (and so cost stock and operator work).
SIM_CREATING = (OperationType.activate_line, OperationType.replace_sim)
_FLOW_NAMES = {
    Flow.activation: "activations or SIM replacements",
    Flow.payment_link: "payment links",
    Flow.order: "orders",
}


class RateLimited(RetryLater):
    code = "rate_limited"

    def __init__(self, flow: Flow, *, scope: str, retry_after: int) -> None:
        super().__init__(
            f"Too many {_FLOW_NAMES[flow]} for this {scope}; retry in {retry_after} seconds.",
            retry_after=retry_after,
            details={"flow": flow.value, "scope": scope},
        )


@dataclass(frozen=True)
class _Counted:
    """Where a flow's rows live: their creation time, owner columns and the flow's filter."""

    created_at: InstrumentedAttribute[datetime]
    account_id: InstrumentedAttribute[int]
    company_id: InstrumentedAttribute[int]
    where: ColumnElement[bool]


_COUNTED = {
    Flow.activation: _Counted(
        Operation.created_at,
        Operation.account_id,
        Operation.company_id,
        Operation.type.in_(SIM_CREATING),
    ),
    Flow.order: _Counted(
        Operation.created_at,
        Operation.account_id,
        Operation.company_id,
        Operation.type == OperationType.place_order,
    ),
    Flow.payment_link: _Counted(
        InvoiceLink.created_at,
        InvoiceLink.account_id,
        InvoiceLink.company_id,
        InvoiceLink.kind == LinkKind.payment,
    ),
}


def limits(settings: Settings, flow: Flow) -> tuple[int, int]:
    """(per account, per company) for ``flow``; 0 means unlimited."""
    if flow == Flow.activation:
        return (
            settings.rate_limit_activations_per_account,
            settings.rate_limit_activations_per_company,
        )
    if flow == Flow.payment_link:
        return (
            settings.rate_limit_payment_links_per_account,
            settings.rate_limit_payment_links_per_company,
        )
    return settings.rate_limit_orders_per_account, settings.rate_limit_orders_per_company


def flow_of(op_type: OperationType) -> Flow | None:
    """The limited flow an operation type belongs to, if any."""
    if op_type in SIM_CREATING:
        return Flow.activation
    if op_type == OperationType.place_order:
        return Flow.order
    return None


def _retry_after(
    session: Session,
    counted: _Counted,
    owner: ColumnElement[bool],
    *,
    count: int,
    limit: int,
    since: datetime,
    window: timedelta,
    now: datetime,
) -> int:
    # The request fits again once ``count - limit + 1`` rows have left the window: that is
    # when the (count - limit)-th oldest row (0-based) gets older than the window.
    freeing = session.scalar(
        select(counted.created_at)
        .where(counted.where, owner, counted.created_at > since)
        .order_by(counted.created_at)
        .offset(count - limit)
        .limit(1)
    )
    if freeing is None:
        return 1
    return max(1, math.ceil((freeing + window - now).total_seconds()))


def enforce(session: Session, *, settings: Settings, principal: Principal, flow: Flow) -> None:
    """Raise :class:`RateLimited` if the caller's account or company is at its limit.

    Counting and then inserting is only safe when one request of an owner does it at a time:
    the company's row (the account's, for a caller without company) is locked until the
    transaction that creates the counted row commits. On PostgreSQL parallel requests would
    otherwise all count the same rows; SQLite's ``BEGIN IMMEDIATE`` already serialises them.
    """
    per_account, per_company = limits(settings, flow)
    if per_account <= 0 and per_company <= 0:
        return
    owner_row = (
        select(Company.id).where(Company.id == principal.company.id)
        if principal.company is not None
        else select(Account.id).where(Account.id == principal.account.id)
    )
    session.execute(owner_row.with_for_update())
    if (refusal := check(session, settings=settings, principal=principal, flow=flow)) is not None:
        raise refusal


def check(
    session: Session, *, settings: Settings, principal: Principal, flow: Flow
) -> RateLimited | None:
    """The refusal the next request of ``flow`` would get now, or ``None`` if it fits.

    Read-only: the chat asks it before the first question of a costly flow, so that nobody
    fills in a whole form to hear about the limit at the end (``enforce`` still decides).
    """
    per_account, per_company = limits(settings, flow)
    counted = _COUNTED[flow]
    now = utcnow()
    window = timedelta(seconds=settings.rate_limit_window_seconds)
    since = now - window
    scopes: list[tuple[str, int, ColumnElement[bool]]] = [
        ("account", per_account, counted.account_id == principal.account.id)
    ]
    if principal.company is not None:
        scopes.append(("company", per_company, counted.company_id == principal.company.id))
    for scope, limit, owner in scopes:
        if limit <= 0:
            continue
        count = session.scalar(
            select(func.count())
            .select_from(counted.created_at.class_)
            .where(counted.where, owner, counted.created_at > since)
        )
        if count is not None and count >= limit:
            retry_after = _retry_after(
                session,
                counted,
                owner,
                count=count,
                limit=limit,
                since=since,
                window=window,
                now=now,
            )
            return RateLimited(flow, scope=scope, retry_after=retry_after)
    return None
