"""Billing by chat, end to end: invoices, online payment through the backend's payment page,
direct debit — checked against the backend's state afterwards."""

from __future__ import annotations

import re
from decimal import Decimal

import httpx
import pytest
from babel.numbers import format_currency

from tests.e2e.conftest import Chat

pytestmark = pytest.mark.e2e

PAY_LINK = re.compile(r"https?://\S+/pay/[\w-]+")


def test_an_open_invoice_is_paid_through_the_link_the_bot_gives(acme_fleet_manager: Chat) -> None:
    invoice = acme_fleet_manager.api("/invoices", status="open")[0]
    acme_fleet_manager.say("in English please")

    listing = acme_fleet_manager.say("show my unpaid invoices")
    assert invoice["number"] in listing
    assert invoice["structured_reference"] in listing

    answer = acme_fleet_manager.say(f"I want to pay invoice {invoice['number']}")
    [url] = PAY_LINK.findall(answer)
    assert acme_fleet_manager.api(f"/invoices/{invoice['id']}")["status"] != "paid"

    page = httpx.get(url, timeout=10.0)
    assert page.status_code == 200
    assert invoice["number"] in page.text
    assert httpx.post(url, timeout=10.0).status_code == 200
    assert httpx.post(url, timeout=10.0).status_code >= 400  # single use

    assert acme_fleet_manager.api(f"/invoices/{invoice['id']}")["status"] == "paid"
    assert "is paid" in acme_fleet_manager.say(f"is invoice {invoice['number']} paid?")


def test_direct_debit_is_set_up_by_chat_in_french(acme_fleet_manager: Chat) -> None:
    assert acme_fleet_manager.api("/billing/settings")["payment_method"] == "transfer"

    acme_fleet_manager.say("je voudrais payer par domiciliation")
    acme_fleet_manager.say("BE71 0961 2345 6769")
    summary = acme_fleet_manager.say("Acme Logistics")
    assert "PROCHAINE facture" in summary
    assert acme_fleet_manager.api("/billing/settings")["mandate"] is None
    acme_fleet_manager.say("oui")

    settings = acme_fleet_manager.api("/billing/settings")
    assert settings["payment_method"] == "direct_debit"
    assert settings["mandate"]["holder"] == "Acme Logistics"


def test_another_companys_invoice_stays_invisible(
    acme_fleet_manager: Chat, brugge_fleet_manager: Chat
) -> None:
    brugge_invoice = brugge_fleet_manager.api("/invoices")[0]

    acme_fleet_manager.say("in English please")
    answer = acme_fleet_manager.say(f"explain invoice {brugge_invoice['number']}")

    assert f"I can't find invoice {brugge_invoice['number']}" in answer
    amount = Decimal(brugge_invoice["amount_incl_vat"])
    assert format_currency(amount, "EUR", locale="en_BE") not in answer
    with pytest.raises(httpx.HTTPStatusError) as error:
        acme_fleet_manager.api(f"/invoices/{brugge_invoice['id']}")
    assert error.value.response.status_code == 404
