"""Hardware shop: free-word search, cart, out of stock with alternatives, place_order (a fleet
manager's: an end user reads the catalogue and their own orders only)."""

from __future__ import annotations

from decimal import Decimal

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts.models import Account
from backend.core.models import Language
from backend.mail.models import OutboxEmail
from backend.shop.models import CartItem, DeviceVariant, Order, OrderStatus
from tests.backend.conftest import ACME_FM, ACME_USER, AGENT, BRUGGE_FM, bearer
from tests.backend.ops_helpers import confirm, error_code, line_by_msisdn, new_key, prepare

API = "/api/v1"


async def _search(client: httpx.AsyncClient, headers: dict[str, str], query: str) -> list:
    response = await client.get(f"{API}/catalog/devices{query}", headers=headers)
    assert response.status_code == 200, response.text
    devices: list = response.json()
    return devices


def _names(devices: list) -> list[str]:
    return [d["name"] for d in devices]


async def test_free_word_search(client: httpx.AsyncClient) -> None:
    headers = await bearer(client, *ACME_USER)
    everything = await _search(client, headers, "")
    assert len(everything) == 12
    iphones = _names(await _search(client, headers, "?q=iphone"))
    assert iphones and all(n.startswith("Apple iPhone") for n in iphones)
    assert _names(await _search(client, headers, "?q=iphone 16 pro")) == ["Apple iPhone 16 Pro"]
    cheap = await _search(client, headers, "?q=samsung pas cher")
    assert {d["brand"] for d in cheap} == {"Samsung"}
    prices = [Decimal(d["min_price"]) for d in cheap]
    assert prices == sorted(prices) and cheap[0]["name"] == "Samsung Galaxy A26 5G"
    goedkoop = await _search(client, headers, "?q=goedkope gsm")
    assert goedkoop[0]["name"] == "Nokia 3210 4G"
    for words in ("rugged", "robuuste telefoon", "un téléphone robuste"):
        rugged = await _search(client, headers, f"?q={words}")
        assert rugged and all(d["rugged"] for d in rugged), words
    big = await _search(client, headers, "?q=256")
    assert big and all(any(v["storage_gb"] >= 256 for v in d["variants"]) for d in big)
    under = await _search(client, headers, "?max_price=300")
    assert all(Decimal(d["min_price"]) <= 300 for d in under)
    device = everything[0]
    one = await client.get(f"{API}/catalog/devices/{device['id']}", headers=headers)
    assert one.json()["name"] == device["name"]
    assert (await client.get(f"{API}/catalog/devices/999999", headers=headers)).status_code == 404
    agent = await bearer(client, *AGENT)
    assert (await client.get(f"{API}/catalog/devices", headers=agent)).status_code == 403


async def _device(client: httpx.AsyncClient, headers: dict[str, str], name: str) -> dict:
    devices = await _search(client, headers, "")
    device: dict = next(d for d in devices if d["name"] == name)
    return device


async def _add(
    client: httpx.AsyncClient, headers: dict[str, str], *, key: str | None = None, **body: object
) -> httpx.Response:
    return await client.post(
        f"{API}/cart/items", json=body, headers={**headers, "Idempotency-Key": key or new_key()}
    )


async def test_cart_out_of_stock_and_unknown_variant(client: httpx.AsyncClient) -> None:
    headers = await bearer(client, *ACME_FM)
    iphone = await _device(client, headers, "Apple iPhone 16")
    unknown = await _add(client, headers, device_id=iphone["id"], colour="Green", storage_gb=128)
    assert unknown.status_code == 422 and error_code(unknown) == "variant_unknown"
    out = await _add(client, headers, device_id=iphone["id"], colour="White", storage_gb=128)
    assert out.status_code == 409 and error_code(out) == "out_of_stock"
    alternatives = out.json()["error"]["details"]["alternatives"]
    assert alternatives and alternatives[0]["name"] == "Apple iPhone 16"  # another colour in stock
    assert all(any(v["stock"] > 0 for v in d["variants"]) for d in alternatives)
    ultra = await _device(client, headers, "Samsung Galaxy S25 Ultra")
    out = await _add(
        client, headers, device_id=ultra["id"], colour="Titanium Black", storage_gb=256
    )
    alternatives = out.json()["error"]["details"]["alternatives"]
    assert alternatives and alternatives[0]["brand"] == "Samsung"
    assert "Samsung Galaxy S25 Ultra" not in _names(alternatives)


async def test_cart_and_place_order(client: httpx.AsyncClient, db_session: Session) -> None:
    headers = await bearer(client, *ACME_FM)
    fairphone = await _device(client, headers, "Fairphone 5")
    line = line_by_msisdn(db_session, "+32470000004")
    key = new_key()
    body = {
        "device_id": fairphone["id"],
        "colour": "matte black",
        "storage_gb": 256,
        "quantity": 2,
        "for_line_id": line.id,
    }
    added = await _add(client, headers, key=key, **body)
    assert added.status_code == 201, added.text
    replay = await _add(client, headers, key=key, **body)
    assert replay.json() == added.json()
    cart = added.json()
    assert len(cart["items"]) == 1 and cart["items"][0]["quantity"] == 2
    assert cart["items"][0]["for_msisdn"] == "+32470000004"
    assert cart["total_excl_vat"] == "1138.00" and cart["total_incl_vat"] == "1376.98"
    nokia = await _device(client, headers, "Nokia 3210 4G")
    second = await _add(client, headers, device_id=nokia["id"], colour="Y2K Gold", storage_gb=0)
    assert second.status_code == 201
    nokia_item = second.json()["items"][1]["id"]
    removed = await client.delete(
        f"{API}/cart/items/{nokia_item}", headers={**headers, "Idempotency-Key": new_key()}
    )
    assert removed.status_code == 200 and len(removed.json()["items"]) == 1
    # Another account cannot remove it.
    brugge = await bearer(client, *BRUGGE_FM)
    other = await client.delete(
        f"{API}/cart/items/{cart['items'][0]['id']}",
        headers={**brugge, "Idempotency-Key": new_key()},
    )
    assert other.status_code == 404
    # Brugge cannot order for an Acme line.
    wrong_line = await _add(
        client,
        brugge,
        device_id=fairphone["id"],
        colour="Matte Black",
        storage_gb=256,
        for_line_id=line.id,
    )
    assert wrong_line.status_code == 404
    prepared = await prepare(client, headers, "place_order", params={})
    assert prepared.status_code == 201, prepared.text
    summary = prepared.json()["summary"]
    assert summary["total_incl_vat"] == "1376.98"
    assert summary["delivery_address"]["city"] == "Antwerpen"
    variant = db_session.scalar(
        select(DeviceVariant).where(
            DeviceVariant.device_id == fairphone["id"], DeviceVariant.colour == "Matte Black"
        )
    )
    assert variant is not None
    stock_before = variant.stock
    done = await confirm(client, headers, prepared.json()["id"])
    assert done.status_code == 200, done.text
    result = done.json()["result"]
    assert result["number"].startswith("O")
    db_session.refresh(variant)
    assert variant.stock == stock_before - 2
    assert (await client.get(f"{API}/cart", headers=headers)).json()["items"] == []
    again = await confirm(client, headers, prepared.json()["id"])
    assert again.json()["result"] == result
    db_session.refresh(variant)
    assert variant.stock == stock_before - 2
    orders = (await client.get(f"{API}/orders", headers=headers)).json()
    assert orders[0]["number"] == result["number"] and orders[0]["status"] == "received"
    mail = db_session.scalars(
        select(OutboxEmail).where(OutboxEmail.subject.contains(result["number"]))
    ).one()
    assert mail.to == "sofie.janssens@acme-logistics.example" and mail.language == "nl"
    assert "Fairphone 5" in mail.body_text
    # Scoping: Brugge and the end user do not see it.
    response = await client.get(f"{API}/orders/{result['order_id']}", headers=brugge)
    assert response.status_code == 404 and error_code(response) == "order_not_found"
    user = await bearer(client, *ACME_USER)
    assert (await client.get(f"{API}/orders/{result['order_id']}", headers=user)).status_code == 404
    empty = await prepare(client, headers, "place_order", params={})
    assert empty.status_code == 409 and error_code(empty) == "cart_empty"


async def test_fleet_manager_orders_with_french_mail_and_stock_taken_meanwhile(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    # The seeded fleet managers write Dutch: Sofie reads French here, for the French e-mail.
    account = db_session.scalars(select(Account).where(Account.gsm == ACME_FM[0])).one()
    account.language = Language.fr
    db_session.flush()
    headers = await bearer(client, *ACME_FM)
    pixel = await _device(client, headers, "Google Pixel 9")
    added = await _add(client, headers, device_id=pixel["id"], colour="Porcelain", storage_gb=256)
    assert added.status_code == 201
    address = {"street": "Rue Neuve 1", "postal_code": "1000", "city": "Bruxelles"}
    prepared = await prepare(client, headers, "place_order", params={"delivery_address": address})
    assert prepared.json()["summary"]["delivery_address"]["city"] == "Bruxelles"
    variant = db_session.scalar(
        select(DeviceVariant).where(
            DeviceVariant.device_id == pixel["id"], DeviceVariant.colour == "Porcelain"
        )
    )
    assert variant is not None
    variant.stock = 0  # sold elsewhere before the confirm
    db_session.flush()
    failed = await confirm(client, headers, prepared.json()["id"])
    assert failed.status_code == 409 and error_code(failed) == "out_of_stock"
    variant.stock = 2
    db_session.flush()
    done = await confirm(client, headers, prepared.json()["id"])
    assert done.status_code == 200, done.text
    mail = db_session.scalars(
        select(OutboxEmail).where(OutboxEmail.subject.contains(done.json()["result"]["number"]))
    ).one()
    assert mail.to == "sofie.janssens@acme-logistics.example" and mail.language == "fr"
    assert "commande" in mail.subject
    cart = (await client.get(f"{API}/cart", headers=headers)).json()
    assert cart["items"] == []
    order = db_session.get(Order, done.json()["result"]["order_id"])
    assert order is not None and order.delivery_address["city"] == "Bruxelles"
    assert (
        db_session.scalars(select(CartItem).where(CartItem.account_id == order.account_id)).all()
        == []
    )


async def test_an_end_user_reads_the_shop_but_neither_fills_a_cart_nor_orders(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    manager = await bearer(client, *ACME_FM)
    fairphone = await _device(client, manager, "Fairphone 5")
    item = {"device_id": fairphone["id"], "colour": "Matte Black", "storage_gb": 256}
    their_cart = (await _add(client, manager, **item)).json()
    item_id = their_cart["items"][0]["id"]
    julie = db_session.scalars(select(Account).where(Account.gsm == ACME_USER[0])).one()
    # An order of the end user's from before orders were the fleet manager's alone.
    earlier = Order(
        company_id=julie.company_id,
        account_id=julie.id,
        number="O2026-999001",
        status=OrderStatus.shipped,
        items=[],
        total_excl_vat=Decimal("79.00"),
        total_incl_vat=Decimal("95.59"),
        delivery_address={},
        tracking=None,
    )
    db_session.add(earlier)
    db_session.commit()  # a SAVEPOINT: the refused requests' rollback keeps it
    user = await bearer(client, *ACME_USER)
    assert await _search(client, user, "?q=fairphone")

    added = await _add(client, user, **item)
    changed = await client.patch(
        f"{API}/cart/items/{item_id}",
        json={"quantity": 2},
        headers={**user, "Idempotency-Key": new_key()},
    )
    removed = await client.delete(
        f"{API}/cart/items/{item_id}", headers={**user, "Idempotency-Key": new_key()}
    )
    ordered = await prepare(client, user, "place_order", params={})

    for refused in (added, changed, removed):
        assert refused.status_code == 403 and error_code(refused) == "forbidden", refused.text
    assert ordered.status_code == 403 and error_code(ordered) == "fleet_manager_required"
    assert (await client.get(f"{API}/cart", headers=user)).json()["items"] == []
    assert (await client.get(f"{API}/cart", headers=manager)).json() == their_cart
    mine = (await client.get(f"{API}/orders", headers=user)).json()
    assert [o["number"] for o in mine] == ["O2026-999001"]
    one = await client.get(f"{API}/orders/{earlier.id}", headers=user)
    assert one.status_code == 200 and one.json()["status"] == "shipped"


async def test_the_quantity_of_a_cart_line_changes_within_the_stock(
    client: httpx.AsyncClient,
) -> None:
    headers = await bearer(client, *ACME_FM)
    fairphone = await _device(client, headers, "Fairphone 5")
    added = await _add(
        client, headers, device_id=fairphone["id"], colour="Matte Black", storage_gb=256, quantity=3
    )
    item = added.json()["items"][0]["id"]

    async def patch(quantity: int, who: dict[str, str] = headers) -> httpx.Response:
        return await client.patch(
            f"{API}/cart/items/{item}",
            json={"quantity": quantity},
            headers={**who, "Idempotency-Key": new_key()},
        )

    fewer = await patch(2)
    assert fewer.status_code == 200, fewer.text
    assert fewer.json()["items"][0]["quantity"] == 2
    assert fewer.json()["total_excl_vat"] == "1138.00"
    # 7 in stock: 8 is refused with the alternatives, and the cart keeps 2
    more = await patch(8)
    assert more.status_code == 409 and error_code(more) == "out_of_stock"
    cart = await client.get(f"{API}/cart", headers=headers)
    assert cart.json()["items"][0]["quantity"] == 2
    assert (await patch(0)).status_code == 422
    # another company's account cannot touch it
    assert (await patch(1, await bearer(client, *BRUGGE_FM))).status_code == 404
