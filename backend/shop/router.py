"""Routes: catalogue, cart and orders (placing an order is the ``place_order`` operation).

Filling a cart is ordering, which is the fleet manager's (design.md §2): an end user may read the
catalogue and their own past orders, and gets 403 on every cart change."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from backend.core.db import SessionDep
from backend.core.idempotency import IdempotencyDep, run_idempotent
from backend.core.schemas import RequestModel
from backend.principal import CompanyPrincipalDep, FleetManagerDep
from backend.shop import service

router = APIRouter(tags=["shop"])


class CartItemCreate(RequestModel):
    device_id: int
    colour: str = Field(min_length=1, max_length=40)
    storage_gb: int = Field(ge=0)
    quantity: int = Field(default=1, ge=1, le=service.MAX_QUANTITY)
    for_line_id: int | None = None


@router.get("/catalog/devices")
def search_devices(
    principal: CompanyPrincipalDep,
    session: SessionDep,
    q: str | None = None,
    max_price: Decimal | None = None,
    min_storage_gb: int | None = None,
    rugged: bool | None = None,
    brand: str | None = None,
) -> list[dict[str, Any]]:
    """Devices matching the filters and free words (brand, cheap, capacity, rugged)."""
    return service.search_devices(
        session,
        q=q,
        max_price=max_price,
        min_storage_gb=min_storage_gb,
        rugged=rugged,
        brand=brand,
    )


@router.get("/catalog/devices/{device_id}")
def read_device(
    device_id: int, principal: CompanyPrincipalDep, session: SessionDep
) -> dict[str, Any]:
    """One device with its variants."""
    return service.device_public(service.get_device(session, device_id))


@router.get("/cart")
def read_cart(principal: CompanyPrincipalDep, session: SessionDep) -> dict[str, Any]:
    """The caller's cart."""
    return service.cart_public(session, principal)


@router.post("/cart/items", status_code=201)
def add_cart_item(
    body: CartItemCreate,
    principal: FleetManagerDep,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """Add a device variant to the cart (stock checked; alternatives when out of stock)."""
    return run_idempotent(
        session,
        account_id=principal.account.id,
        request=idempotency,
        status_code=201,
        action=lambda: service.add_to_cart(
            session,
            principal=principal,
            device_id=body.device_id,
            colour=body.colour,
            storage_gb=body.storage_gb,
            quantity=body.quantity,
            for_line_id=body.for_line_id,
        ),
    )


class CartItemUpdate(RequestModel):
    quantity: int = Field(ge=1, le=service.MAX_QUANTITY)


@router.patch("/cart/items/{item_id}")
def update_cart_item(
    item_id: int,
    body: CartItemUpdate,
    principal: FleetManagerDep,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """Set the quantity of one cart line (stock checked; alternatives when out of stock)."""
    return run_idempotent(
        session,
        account_id=principal.account.id,
        request=idempotency,
        action=lambda: service.set_cart_quantity(
            session, principal=principal, item_id=item_id, quantity=body.quantity
        ),
    )


@router.delete("/cart/items/{item_id}")
def remove_cart_item(
    item_id: int,
    principal: FleetManagerDep,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """Remove an item from the cart."""
    return run_idempotent(
        session,
        account_id=principal.account.id,
        request=idempotency,
        action=lambda: service.remove_from_cart(session, principal=principal, item_id=item_id),
    )


@router.get("/orders")
def list_orders(principal: CompanyPrincipalDep, session: SessionDep) -> list[dict[str, Any]]:
    """The company's orders (end user: own), newest first."""
    return service.list_orders(session, principal=principal)


@router.get("/orders/{order_id}")
def read_order(
    order_id: int, principal: CompanyPrincipalDep, session: SessionDep
) -> dict[str, Any]:
    """One order."""
    return service.get_order(session, principal=principal, order_id=order_id)
