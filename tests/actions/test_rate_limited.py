"""Rate-limited costly flows (backend 429 ``rate_limited``): the bot says so, in three languages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.billing import ActionPayInvoice
from actions.shop import ActionPrepareOrder
from tests.actions.support import FakeBackend, json_response, make_tracker, responses

API = "/api/v1"
DOMAIN: dict[str, Any] = {"forms": {}}
INVOICE = {
    "id": 7, "number": "F2026-000123", "period": "2026-10", "issue_date": "2026-11-01",
    "due_date": "2026-11-30", "amount_excl_vat": "35.00", "vat": "7.35",
    "amount_incl_vat": "42.35", "status": "open", "paid_at": None,
    "structured_reference": "+++123/4567/89002+++", "payment_method_on_invoice": "transfer",
    "scope": "company",
}  # fmt: skip
ITEM = {"id": 31, "device_id": 1, "name": "Apple iPhone 16", "colour": "Black", "storage_gb": 128,
        "quantity": 2, "unit_price": "829.00"}  # fmt: skip
CART = {"items": [ITEM], "total_excl_vat": "1658.00", "total_incl_vat": "2006.18"}


def rate_limited(retry_after: str | None) -> httpx.Response:
    response = json_response(
        429, {"error": {"code": "rate_limited", "message": "Too many payment links."}}
    )
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return response


async def test_payment_link_over_the_limit_says_when_to_retry(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.on("GET", f"{API}/invoices", [INVOICE]).on(
        "POST", f"{API}/invoices/7/payment-links", rate_limited("540")
    )
    tracker = make_tracker("payer ma facture", intent="pay_invoice", slots={"language": "fr"})

    await ActionPayInvoice(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_rate_limited"]
    assert dispatcher.messages[0]["minutes"] == 9
    # Refused, not failed: the client does not hammer the backend with retries.
    assert [r.method for r in backend.requests].count("POST") == 1


async def test_order_over_the_limit_keeps_nothing_pending(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.on("GET", f"{API}/cart", CART).on("POST", f"{API}/operations", rate_limited(None))
    tracker = make_tracker("bestellen", intent="place_order", slots={"order_delivery": "company"})

    events = await ActionPrepareOrder(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_rate_limited"]
    assert dispatcher.messages[0]["minutes"] == 60  # no Retry-After: the default window
    pending = [e for e in events if e.get("name") == "pending_operation_id"]
    assert pending and all(e["value"] is None for e in pending)


def test_rate_limited_answer_exists_in_french_dutch_and_english() -> None:
    domain = yaml.safe_load(Path("domain.yml").read_text(encoding="utf-8"))
    variants = domain["responses"]["utter_rate_limited"]

    languages = {v["condition"][0]["value"]: v["text"] for v in variants}
    assert set(languages) == {"fr", "nl", "en"}
    assert all("{minutes}" in text for text in languages.values())
