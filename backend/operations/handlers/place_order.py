"""place_order: the fleet manager's cart becomes an order (stock taken, cart emptied, e-mail
sent). Orders are the fleet manager's, like the other fleet operations (design.md §2)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from backend.billing.service import money, vat_of
from backend.fleet.models import Line
from backend.mail.service import Mail, send_mail
from backend.mail.templates import render_email
from backend.operations.handlers.base import OpContext, OperationHandler, Params
from backend.operations.handlers.request_repair import Address
from backend.operations.models import OperationType
from backend.shop import service as shop
from backend.shop.models import Order, OrderStatus


class PlaceOrderParams(Params):
    delivery_address: Address | None = None


def _summary(ctx: OpContext, params: PlaceOrderParams) -> dict[str, Any]:
    items = shop.cart_lines(ctx.session, ctx.principal)
    shop.check_stock(ctx.session, items)
    total = sum((i.variant.price_excl_vat * i.quantity for i in items), Decimal("0"))
    company = ctx.company
    address = (
        params.delivery_address.model_dump()
        if params.delivery_address
        else {"street": company.street, "postal_code": company.postal_code, "city": company.city}
    )
    return {
        "items": [shop._item_public(ctx.session, item) for item in items],
        "total_excl_vat": money(total),
        "vat": money(vat_of(total)),
        "total_incl_vat": money(total + vat_of(total)),
        "delivery_address": {"name": company.name, **address},
        "confirmation_email": ctx.principal.account.email,
    }


class PlaceOrder(OperationHandler[PlaceOrderParams]):
    op_type = OperationType.place_order
    params_model = PlaceOrderParams
    needs_line = False

    def prepare(
        self, ctx: OpContext, line: Line | None, params: PlaceOrderParams
    ) -> dict[str, Any]:
        return _summary(ctx, params)

    def execute(
        self, ctx: OpContext, line: Line | None, params: PlaceOrderParams, summary: dict[str, Any]
    ) -> dict[str, Any]:
        current = _summary(ctx, params)  # the cart or the stock may have changed since
        items = shop.cart_lines(ctx.session, ctx.principal)
        shop.take_stock(ctx.session, items)
        order = Order(
            company_id=ctx.company.id,
            account_id=ctx.principal.account.id,
            status=OrderStatus.received,
            items=current["items"],
            total_excl_vat=Decimal(current["total_excl_vat"]),
            total_incl_vat=Decimal(current["total_incl_vat"]),
            delivery_address=current["delivery_address"],
            tracking=None,
            created_at=ctx.now,
        )
        ctx.session.add(order)
        ctx.session.flush()
        order.number = f"O{ctx.now.year}-{order.id:06d}"
        for item in items:
            ctx.session.delete(item)
        ctx.session.flush()
        account = ctx.principal.account
        if account.email:
            subject, text, html = render_email(
                "order",
                account.language,
                user_name=account.first_name or account.gsm,
                number=order.number,
                items=current["items"],
                total_incl_vat=current["total_incl_vat"],
                address=current["delivery_address"],
            )
            send_mail(
                ctx.session,
                settings=ctx.settings,
                mail=Mail(
                    to=account.email,
                    subject=subject,
                    language=account.language,
                    body_text=text,
                    body_html=html,
                ),
            )
        return {"order_id": order.id, "number": order.number}
