"""Catalogue search, the cart (one per account) and orders, scoped to the caller."""

from __future__ import annotations

import logging
import re
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from backend.accounts.models import Role
from backend.billing.service import money, vat_of
from backend.core.errors import AppError, FieldError
from backend.core.status_flow import history
from backend.fleet import service as fleet
from backend.fleet.models import Line
from backend.principal import Principal
from backend.shop.models import CartItem, Device, DeviceVariant, Order, OrderStatus

logger = logging.getLogger(__name__)

MAX_QUANTITY = 20
_BRANDS = {
    "apple": "Apple",
    "iphone": "Apple",
    "samsung": "Samsung",
    "galaxy": "Samsung",
    "google": "Google",
    "pixel": "Google",
    "fairphone": "Fairphone",
    "nokia": "Nokia",
    "crosscall": "Crosscall",
}
_CHEAP = {
    "cheap",
    "cheapest",
    "budget",
    "affordable",
    "inexpensive",
    "goedkoop",
    "goedkope",
    "goedkoopste",
    "betaalbaar",
    "betaalbare",
    "prijsvriendelijk",
    "prijsvriendelijke",
    "abordable",
    "abordables",
    "économique",
    "economique",
}
_RUGGED = {
    "rugged",
    "robust",
    "tough",
    "robuust",
    "robuuste",
    "stevig",
    "stevige",
    "robuste",
    "robustes",
    "durci",
    "solide",
    "incassable",
}
_CAPACITIES = {32, 64, 128, 256, 512, 1024}
_CAPACITY = re.compile(r"^(\d{2,4})\s*(gb|go|g)?$")
_WORD = re.compile(r"[\w-]+", re.UNICODE)


class DeviceNotFound(AppError):
    status_code = 404
    code = "device_not_found"
    message = "No such device."


class CartItemNotFound(AppError):
    status_code = 404
    code = "cart_item_not_found"
    message = "No such item in your cart."


class OrderNotFound(AppError):
    status_code = 404
    code = "order_not_found"
    message = "No such order."


class CartEmpty(AppError):
    status_code = 409
    code = "cart_empty"
    message = "Your cart is empty."


class OutOfStock(AppError):
    status_code = 409
    code = "out_of_stock"
    message = "This device is out of stock in that colour and capacity."


def device_public(device: Device) -> dict[str, Any]:
    return {
        "id": device.id,
        "code": device.code,
        "brand": device.brand,
        "model": device.model,
        "name": device.name,
        "rugged": device.rugged,
        "variants": [
            {
                "colour": v.colour,
                "storage_gb": v.storage_gb,
                "price_excl_vat": money(v.price_excl_vat),
                "price_incl_vat": money(v.price_excl_vat + vat_of(v.price_excl_vat)),
                "stock": v.stock,
            }
            for v in device.variants
        ],
        "min_price": money(min(v.price_excl_vat for v in device.variants)),
    }


def _min_price(device: Device) -> Decimal:
    return min(v.price_excl_vat for v in device.variants)


def _haystack(device: Device) -> str:
    return f"{device.brand} {device.model} {device.code}".lower()


def _is_cheap(word: str, previous: str) -> bool:
    """ "goedkoop", "cheap", "pas cher", "moins cher", "bon marché"..."""
    if word in _CHEAP:
        return True
    if word == "cher" and previous in ("pas", "moins"):
        return True
    return word in ("marché", "marche") and previous == "bon"


def search_devices(
    session: Session,
    *,
    q: str | None = None,
    max_price: Decimal | None = None,
    min_storage_gb: int | None = None,
    rugged: bool | None = None,
    brand: str | None = None,
) -> list[dict[str, Any]]:
    """Devices matching the filters and the free words of ``q`` (brand, cheap, capacity, rugged)."""
    devices = list(session.scalars(select(Device).order_by(Device.brand, Device.model)))
    cheap = False
    words: list[str] = []
    tokens = [t.lower() for t in _WORD.findall(q or "")]
    for index, word in enumerate(tokens):
        previous = tokens[index - 1] if index > 0 else ""
        capacity = _CAPACITY.match(word)
        if _is_cheap(word, previous):
            cheap = True
        elif word in _RUGGED:
            rugged = True
        elif capacity and int(capacity.group(1)) in _CAPACITIES:
            min_storage_gb = max(min_storage_gb or 0, int(capacity.group(1)))
        elif word in _BRANDS and brand is None:
            brand = _BRANDS[word]
            if word in ("iphone", "galaxy", "pixel"):  # also part of the model names
                words.append(word)
        else:
            words.append(word)
    # Free words only narrow the result when some device knows them ("16", "pro", "ultra");
    # the rest of the sentence ("je cherche un téléphone") is ignored.
    words = [w for w in words if any(w in _haystack(d) for d in devices)]
    result = []
    for device in devices:
        if brand is not None and device.brand.lower() != brand.lower():
            continue
        if rugged is not None and device.rugged != rugged:
            continue
        if min_storage_gb is not None and not any(
            v.storage_gb >= min_storage_gb for v in device.variants
        ):
            continue
        if max_price is not None and _min_price(device) > max_price:
            continue
        if not all(w in _haystack(device) for w in words):
            continue
        result.append(device)
    if cheap:
        result.sort(key=_min_price)
    return [device_public(d) for d in result]


def get_device(session: Session, device_id: int) -> Device:
    device = session.get(Device, device_id)
    if device is None:
        raise DeviceNotFound
    return device


def alternatives(
    session: Session, variant: DeviceVariant, *, quantity: int
) -> list[dict[str, Any]]:
    """In-stock devices to offer instead: the same device in another variant, then the same
    brand, then the closest in price (at most 3)."""
    target = variant.price_excl_vat
    candidates = [
        d
        for d in session.scalars(select(Device))
        if any(v.stock >= quantity and v.id != variant.id for v in d.variants)
    ]
    candidates.sort(
        key=lambda d: (
            d.id != variant.device_id,
            d.brand != variant.device.brand,
            abs(_min_price(d) - target),
        )
    )
    return [device_public(d) for d in candidates[:3]]


# --- cart -----------------------------------------------------------------------------------


def _cart_items(session: Session, principal: Principal) -> list[CartItem]:
    return list(
        session.scalars(
            select(CartItem)
            .where(CartItem.account_id == principal.account.id)
            .order_by(CartItem.id)
        )
    )


def cart_public(session: Session, principal: Principal) -> dict[str, Any]:
    items = _cart_items(session, principal)
    total = sum((i.variant.price_excl_vat * i.quantity for i in items), Decimal("0"))
    return {
        "items": [_item_public(session, item) for item in items],
        "total_excl_vat": money(total),
        "vat": money(vat_of(total)),
        "total_incl_vat": money(total + vat_of(total)),
    }


def _item_public(session: Session, item: CartItem) -> dict[str, Any]:
    variant = item.variant
    msisdn = None
    if item.for_line_id is not None:
        line = session.get(Line, item.for_line_id)
        msisdn = line.msisdn if line else None
    return {
        "id": item.id,
        "device_id": variant.device_id,
        "name": variant.device.name,
        "colour": variant.colour,
        "storage_gb": variant.storage_gb,
        "quantity": item.quantity,
        "unit_price": money(variant.price_excl_vat),
        "for_line_id": item.for_line_id,
        "for_msisdn": msisdn,
    }


def _check_stock_for(session: Session, variant: DeviceVariant, needed: int, quantity: int) -> None:
    """409 ``out_of_stock`` with the alternatives when ``needed`` exceeds the variant's stock."""
    if variant.stock < needed:
        raise OutOfStock(
            details={
                "device_id": variant.device_id,
                "colour": variant.colour,
                "storage_gb": variant.storage_gb,
                "stock": variant.stock,
                "alternatives": alternatives(session, variant, quantity=quantity),
            }
        )


def add_to_cart(
    session: Session,
    *,
    principal: Principal,
    device_id: int,
    colour: str,
    storage_gb: int,
    quantity: int,
    for_line_id: int | None,
) -> dict[str, Any]:
    device = get_device(session, device_id)
    variant = next(
        (
            v
            for v in device.variants
            if v.colour.lower() == colour.strip().lower() and v.storage_gb == storage_gb
        ),
        None,
    )
    if variant is None:
        raise FieldError(
            "variant_unknown",
            "This device does not exist in that colour and capacity.",
            field="colour",
            details={
                "variants": [
                    {"colour": v.colour, "storage_gb": v.storage_gb} for v in device.variants
                ]
            },
        )
    if for_line_id is not None:
        fleet.get_line(session, principal=principal, line_id=for_line_id)
    existing = session.scalar(
        select(CartItem).where(
            CartItem.account_id == principal.account.id,
            CartItem.variant_id == variant.id,
            CartItem.for_line_id.is_(None)
            if for_line_id is None
            else CartItem.for_line_id == for_line_id,
        )
    )
    wanted = quantity + (existing.quantity if existing else 0)
    in_cart = sum(i.quantity for i in _cart_items(session, principal) if i.variant_id == variant.id)
    _check_stock_for(session, variant, in_cart + quantity, quantity)
    if existing is not None:
        existing.quantity = min(wanted, MAX_QUANTITY)
    else:
        session.add(
            CartItem(
                account_id=principal.account.id,
                variant_id=variant.id,
                quantity=quantity,
                for_line_id=for_line_id,
            )
        )
    session.flush()
    return cart_public(session, principal)


def _own_cart_item(session: Session, principal: Principal, item_id: int) -> CartItem:
    item = session.scalar(
        select(CartItem).where(CartItem.id == item_id, CartItem.account_id == principal.account.id)
    )
    if item is None:
        raise CartItemNotFound
    return item


def remove_from_cart(session: Session, *, principal: Principal, item_id: int) -> dict[str, Any]:
    session.delete(_own_cart_item(session, principal, item_id))
    session.flush()
    return cart_public(session, principal)


def set_cart_quantity(
    session: Session, *, principal: Principal, item_id: int, quantity: int
) -> dict[str, Any]:
    """Change how many of one cart line are wanted ("make it 2"), within the stock."""
    item = _own_cart_item(session, principal, item_id)
    variant = item.variant
    others = sum(
        i.quantity
        for i in _cart_items(session, principal)
        if i.variant_id == variant.id and i.id != item.id
    )
    _check_stock_for(session, variant, others + quantity, quantity)
    item.quantity = quantity
    session.flush()
    return cart_public(session, principal)


def cart_lines(session: Session, principal: Principal) -> list[CartItem]:
    items = _cart_items(session, principal)
    if not items:
        raise CartEmpty
    return items


def check_stock(session: Session, items: list[CartItem]) -> None:
    needed: dict[int, int] = {}
    for item in items:
        needed[item.variant_id] = needed.get(item.variant_id, 0) + item.quantity
    for item in items:
        variant = item.variant
        if variant.stock < needed[variant.id]:
            raise OutOfStock(
                details={
                    "device_id": variant.device_id,
                    "colour": variant.colour,
                    "storage_gb": variant.storage_gb,
                    "stock": variant.stock,
                    "alternatives": alternatives(session, variant, quantity=item.quantity),
                }
            )


def take_stock(session: Session, items: list[CartItem]) -> None:
    """Decrement the stock with conditional UPDATEs (a concurrent order cannot oversell)."""
    for item in items:
        result = session.execute(
            update(DeviceVariant)
            .where(DeviceVariant.id == item.variant_id, DeviceVariant.stock >= item.quantity)
            .values(stock=DeviceVariant.stock - item.quantity)
        )
        if getattr(result, "rowcount", 0) != 1:
            check_stock(session, items)
            raise OutOfStock
        session.refresh(item.variant)


# --- orders ---------------------------------------------------------------------------------


def _visible_orders(principal: Principal) -> Select[tuple[Order]]:
    assert principal.company is not None
    query = select(Order).where(Order.company_id == principal.company.id)
    if principal.role != Role.fleet_manager:
        query = query.where(Order.account_id == principal.account.id)
    return query


def order_public(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "number": order.number,
        "status": order.status.value,
        "items": order.items,
        "total_excl_vat": money(order.total_excl_vat),
        "total_incl_vat": money(order.total_incl_vat),
        "delivery_address": order.delivery_address,
        "created_at": order.created_at,
        "tracking": order.tracking,
        "status_history": history(
            order.status_history, first=OrderStatus.received, created_at=order.created_at
        ),
    }


def list_orders(session: Session, *, principal: Principal) -> list[dict[str, Any]]:
    return [
        order_public(o)
        for o in session.scalars(_visible_orders(principal).order_by(Order.id.desc()))
    ]


def get_order(session: Session, *, principal: Principal, order_id: int) -> dict[str, Any]:
    order = session.scalar(_visible_orders(principal).where(Order.id == order_id))
    if order is None:
        raise OrderNotFound
    return order_public(order)
