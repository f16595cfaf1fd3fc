"""Billing by chat, end to end: invoices, online payment through the backend's payment page,
direct debit — checked against the backend's state afterwards."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date, datetime, timezone
from decimal import Decimal

import httpx
import pytest
from babel.dates import format_date
from babel.numbers import format_currency
from pypdf import PdfReader

from scripts.stack import APP_PYTHON, ROOT
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


def test_asked_to_pay_a_paid_invoice_the_bot_offers_the_open_one_and_yes_pays_it(
    acme_end_user: Chat,
) -> None:
    # set27 fr-030: "ma part de la facture d'octobre" (paid) ended on "nothing to do".
    paid = next(i for i in acme_end_user.api("/invoices") if i["status"] == "paid")
    [due] = acme_end_user.api("/invoices", status="open")
    month = format_date(date.fromisoformat(f"{paid['period']}-01"), "MMMM", locale="fr")

    offer = acme_end_user.say(f"je voudrais payer ma part de la facture de {month}")
    assert f"La facture {paid['number']}" in offer and "déjà payée" in offer
    assert f"La facture encore ouverte est la {due['number']}" in offer
    assert not PAY_LINK.findall(offer)

    [url] = PAY_LINK.findall(acme_end_user.say("oui svp"))
    assert due["number"] in httpx.get(url, timeout=10.0).text
    # The offer was used up: another "yes" pays nothing more.
    assert not PAY_LINK.findall(acme_end_user.say("oui"))


def test_a_no_to_the_offered_invoice_naming_the_month_wanted_pays_that_one(
    acme_end_user: Chat,
) -> None:
    paid = next(i for i in acme_end_user.api("/invoices") if i["status"] == "paid")
    [due] = acme_end_user.api("/invoices", status="open")
    paid_month, due_month = (
        format_date(date.fromisoformat(f"{i['period']}-01"), "MMMM", locale="nl")
        for i in (paid, due)
    )

    offer = acme_end_user.say(f"ik wil mijn deel van de factuur van {paid_month} betalen")
    assert f"De factuur die nog openstaat is {due['number']}" in offer

    [url] = PAY_LINK.findall(acme_end_user.say(f"nee sorry, die van {due_month} bedoelde ik"))
    assert due["number"] in httpx.get(url, timeout=10.0).text


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

    # The next monthly billing run collects the new invoice with the mandate; the previous one
    # stays to be paid by transfer, and the bot says so when explaining each.
    previous = acme_fleet_manager.api("/invoices")[0]
    run_billing(acme_fleet_manager, this_month())
    new = acme_fleet_manager.api("/invoices")[0]
    assert new["period"] == this_month() and new["mandate"]["holder"] == "Acme Logistics"
    explained = acme_fleet_manager.say(f"explique la facture {new['number']}")
    assert "payée par domiciliation, mandat BE71 **** **** 6769 (Acme Logistics)" in explained
    assert "domiciliation" not in acme_fleet_manager.say(
        f"explique la facture {previous['number']}"
    )


def this_month() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m")


def run_billing(chat: Chat, period: str) -> None:
    """The monthly billing run, on the stack's own database, as the operator would start it."""
    done = subprocess.run(
        [str(APP_PYTHON), "-m", "backend.billing.run", "--period", period],
        cwd=ROOT,
        env=chat.stack.base_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("switch", "message", "heading"),
    [
        ("in het Nederlands aub", "toon mijn facturen", "Je facturen ("),
        ("en français svp", "mes factures", "Vos factures ("),
        ("in English please", "show my invoices", "Your invoices ("),
    ],
)
def test_invoices_are_listed_in_each_language(
    acme_fleet_manager: Chat, switch: str, message: str, heading: str
) -> None:
    invoices = acme_fleet_manager.api("/invoices")
    acme_fleet_manager.say(switch)

    answer = acme_fleet_manager.say(message)

    assert heading in answer
    assert all(invoice["number"] in answer for invoice in invoices[:3])


DOCUMENT_LINK = re.compile(r"https?://\S+/documents/invoices/[\w-]+")


def test_pdf_link_from_the_bot_opens_only_in_the_own_portal_session(
    acme_fleet_manager: Chat,
) -> None:
    invoice = acme_fleet_manager.api("/invoices")[0]
    acme_fleet_manager.say("in het Nederlands aub")
    answer = acme_fleet_manager.say(f"download factuur {invoice['number']}")
    [url] = DOCUMENT_LINK.findall(answer)
    assert "aangemeld op het portaal" in answer

    # A browser without a portal session is sent to the login page, which sends it back.
    with httpx.Client(base_url=acme_fleet_manager.stack.backend_url, timeout=10.0) as browser:
        first = browser.get(url)
        assert first.status_code == 303 and first.headers["location"].startswith("/portal?next=")
        path = url.split("/documents/", 1)[1]
        login = browser.post(
            "/portal/login",
            data={
                "gsm": "+32470000051",
                "password": "brugge-fleet-demo",
                "next": f"/documents/{path}",
            },
        )
        assert login.status_code == 303
        assert browser.get(url).status_code == 404  # Brugge Bouw's fleet manager: not theirs

    with httpx.Client(base_url=acme_fleet_manager.stack.backend_url, timeout=10.0) as browser:
        login = browser.post(
            "/portal/login",
            data={
                "gsm": "0470 00 00 01",
                "password": "acme-fleet-demo",
                "next": f"/documents/{path}",
            },
            follow_redirects=True,
        )
        assert login.headers["content-type"] == "application/pdf"
        pages = PdfReader(io.BytesIO(login.content)).pages
        assert invoice["number"] in "\n".join(page.extract_text() for page in pages)


def test_another_companys_invoice_stays_invisible(
    acme_fleet_manager: Chat, brugge_fleet_manager: Chat
) -> None:
    brugge_invoice = brugge_fleet_manager.api("/invoices")[0]

    acme_fleet_manager.say("in English please")
    answer = acme_fleet_manager.say(f"explain invoice {brugge_invoice['number']}")

    assert f"I can't find invoice {brugge_invoice['number']}" in answer
    amount = Decimal(brugge_invoice["amount_incl_vat"])
    assert format_currency(amount, "EUR", locale="en_IE") not in answer
    with pytest.raises(httpx.HTTPStatusError) as error:
        acme_fleet_manager.api(f"/invoices/{brugge_invoice['id']}")
    assert error.value.response.status_code == 404
