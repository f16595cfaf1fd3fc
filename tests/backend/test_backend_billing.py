"""Billing: invoices, PDF download links, the payment page, payments, settings, operations."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote

import httpx
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum.be import ogm_vcs

from backend.billing.models import BillingSettings, Invoice, InvoiceLink, Payment
from backend.companies.models import Company
from backend.core.models import utcnow
from backend.operations.models import Operation, OperationType
from backend.portal.models import PortalSession
from tests.backend.conftest import ACME_FM, ACME_USER, AGENT, BRUGGE_FM, bearer
from tests.backend.ops_helpers import OPS, confirm, error_code, new_key, prepare, prepared_id

API = "/api/v1"


async def _invoices(client: httpx.AsyncClient, who: tuple[str, str], query: str = "") -> list:
    headers = await bearer(client, *who)
    response = await client.get(f"{API}/invoices{query}", headers=headers)
    assert response.status_code == 200, response.text
    items: list = response.json()
    return items


def _open_id(invoices: list) -> int:
    return next(i["id"] for i in invoices if i["status"] == "open")


async def test_fleet_manager_sees_three_company_invoices_with_vat_and_references(
    client: httpx.AsyncClient,
) -> None:
    invoices = await _invoices(client, ACME_FM)
    assert len(invoices) == 3
    assert [i["scope"] for i in invoices] == ["company"] * 3
    periods = [i["period"] for i in invoices]
    assert periods == sorted(periods, reverse=True)
    assert [i["status"] for i in invoices] == ["open", "paid", "paid"]
    for invoice in invoices:
        assert re.fullmatch(r"F\d{4}-\d{6}", invoice["number"])
        excl, vat = Decimal(invoice["amount_excl_vat"]), Decimal(invoice["vat"])
        assert vat == (excl * Decimal("0.21")).quantize(Decimal("0.01"))
        assert Decimal(invoice["amount_incl_vat"]) == excl + vat
        reference = invoice["structured_reference"]
        assert re.fullmatch(r"\+\+\+\d{3}/\d{4}/\d{5}\+\+\+", reference)
        assert ogm_vcs.is_valid(reference.strip("+"))
    open_only = await _invoices(client, ACME_FM, "?status=open")
    assert [i["id"] for i in open_only] == [invoices[0]["id"]]
    assert len(await _invoices(client, ACME_FM, "?status=paid")) == 2


async def test_invoice_detail_has_lines_with_plan_options_one_offs_and_usage(
    client: httpx.AsyncClient,
) -> None:
    headers = await bearer(client, *ACME_FM)
    invoices = await _invoices(client, ACME_FM)
    detail = (await client.get(f"{API}/invoices/{invoices[0]['id']}", headers=headers)).json()
    lines = {line["msisdn"]: line for line in detail["lines"]}
    assert "+32470000023" not in lines  # waiting for activation: not billed yet
    sofie = lines["+32470000001"]
    assert sofie["plan_amount"] == "40.00"
    assert [o["amount"] for o in sofie["options"]] == ["10.00"]
    assert lines["+32470000024"]["one_off"][0]["amount"] == "15.00"
    total = sum(Decimal(line["total"]) for line in detail["lines"])
    assert total == Decimal(detail["amount_excl_vat"])


async def test_end_user_sees_only_own_split_bill_invoices(client: httpx.AsyncClient) -> None:
    mine = await _invoices(client, ACME_USER)
    assert len(mine) == 3
    assert {i["scope"] for i in mine} == {"employee"}
    company = await _invoices(client, ACME_FM)
    headers = await bearer(client, *ACME_USER)
    response = await client.get(f"{API}/invoices/{company[0]['id']}", headers=headers)
    assert response.status_code == 404
    assert error_code(response) == "invoice_not_found"
    detail = (await client.get(f"{API}/invoices/{mine[0]['id']}", headers=headers)).json()
    assert [line["msisdn"] for line in detail["lines"]] == ["+32470000002"]
    # The fleet manager never sees the employee's part.
    fm = await bearer(client, *ACME_FM)
    response = await client.get(f"{API}/invoices/{mine[0]['id']}", headers=fm)
    assert response.status_code == 404


async def test_other_company_invoice_is_not_found_and_agents_are_refused(
    client: httpx.AsyncClient,
) -> None:
    acme = await _invoices(client, ACME_FM)
    brugge = await bearer(client, *BRUGGE_FM)
    for path in (f"/invoices/{acme[0]['id']}",):
        assert (await client.get(API + path, headers=brugge)).status_code == 404
    for kind in ("download-links", "payment-links"):
        response = await client.post(
            f"{API}/invoices/{acme[0]['id']}/{kind}",
            headers={**brugge, "Idempotency-Key": new_key()},
        )
        assert response.status_code == 404
    agent = await bearer(client, *AGENT)
    assert (await client.get(f"{API}/invoices", headers=agent)).status_code == 403


async def portal_cookie(client: httpx.AsyncClient, who: tuple[str, str]) -> dict[str, str]:
    """A ``Cookie`` header with the portal session of ``who`` (logged in on the portal page)."""
    gsm, password = who
    response = await client.post("/portal/login", data={"gsm": gsm, "password": password})
    assert response.status_code == 303, response.text
    cookie = response.cookies["bm_portal"]
    client.cookies.clear()  # each request below says explicitly whose session it carries
    return {"Cookie": f"bm_portal={cookie}"}


async def _download_path(client: httpx.AsyncClient, who: tuple[str, str], invoice_id: int) -> str:
    response = await client.post(
        f"{API}/invoices/{invoice_id}/download-links",
        headers={**await bearer(client, *who), "Idempotency-Key": new_key()},
    )
    assert response.status_code == 201, response.text
    url: str = response.json()["url"]
    assert url.startswith("http://testserver/documents/invoices/")
    return url.removeprefix("http://testserver")


async def test_pdf_download_link_gives_the_invoice_pdf(client: httpx.AsyncClient) -> None:
    headers = await bearer(client, *ACME_FM)
    invoice = (await _invoices(client, ACME_FM))[0]
    key = new_key()
    response = await client.post(
        f"{API}/invoices/{invoice['id']}/download-links",
        headers={**headers, "Idempotency-Key": key},
    )
    assert response.status_code == 201, response.text
    url = response.json()["url"]
    assert url.startswith("http://testserver/documents/invoices/")
    replay = await client.post(
        f"{API}/invoices/{invoice['id']}/download-links",
        headers={**headers, "Idempotency-Key": key},
    )
    assert replay.json() == response.json()
    pdf = await client.get(
        url.removeprefix("http://testserver"), headers=await portal_cookie(client, ACME_FM)
    )
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["cache-control"] == "no-store"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert invoice["number"] in text
    assert "21 %" in text  # VAT line (Dutch: "Btw 21 %")
    assert invoice["vat"] in text
    assert invoice["amount_incl_vat"] in text
    assert invoice["structured_reference"] in text
    assert "+32470000001" in text
    bad = await client.get(
        "/documents/invoices/not-a-real-token", headers=await portal_cookie(client, ACME_FM)
    )
    assert bad.status_code == 404


async def test_pdf_link_without_a_portal_session_goes_to_the_login_and_back(
    client: httpx.AsyncClient,
) -> None:
    invoice = (await _invoices(client, ACME_FM))[0]
    path = await _download_path(client, ACME_FM, invoice["id"])
    client.cookies.clear()

    response = await client.get(path)

    assert response.status_code == 303
    assert response.headers["location"] == f"/portal?next={quote(path, safe='')}"
    assert not response.content  # nothing of the document before login
    # The login page sends the browser back to the document once logged in.
    login = await client.post(
        "/portal/login",
        data={"gsm": ACME_FM[0], "password": ACME_FM[1], "next": path},
    )
    assert login.status_code == 303 and login.headers["location"] == path
    pdf = await client.get(path)  # the client now carries the new session cookie
    client.cookies.clear()
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"


async def test_pdf_link_is_not_found_in_another_accounts_session(
    client: httpx.AsyncClient,
) -> None:
    invoice = (await _invoices(client, ACME_FM))[0]
    path = await _download_path(client, ACME_FM, invoice["id"])

    # Another company's fleet manager, and an employee of the same company: both 404.
    for other in (BRUGGE_FM, ACME_USER):
        response = await client.get(path, headers=await portal_cookie(client, other))
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert invoice["number"] not in response.text
    # The link's own account still gets it: the refusals did not use it up.
    mine = await client.get(path, headers=await portal_cookie(client, ACME_FM))
    assert mine.status_code == 200


async def test_pdf_link_refuses_a_forged_or_ended_portal_session(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    invoice = (await _invoices(client, ACME_FM))[0]
    path = await _download_path(client, ACME_FM, invoice["id"])
    cookie = await portal_cookie(client, ACME_FM)
    # An API access token of the same account is no portal cookie.
    token = (await bearer(client, *ACME_FM))["Authorization"].removeprefix("Bearer ")
    client.cookies.clear()
    forged = await client.get(path, headers={"Cookie": f"bm_portal={token}"})
    assert forged.status_code == 303
    for portal_session in db_session.scalars(select(PortalSession)):
        portal_session.ended_at = utcnow()  # logged out
    db_session.flush()
    after = await client.get(path, headers=cookie)
    assert after.status_code == 303


async def test_expired_download_link_is_refused(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    invoice = (await _invoices(client, ACME_FM))[0]
    path = await _download_path(client, ACME_FM, invoice["id"])
    for link in db_session.scalars(select(InvoiceLink)):
        link.expires_at = utcnow() - timedelta(seconds=1)
    db_session.flush()
    pdf = await client.get(path, headers=await portal_cookie(client, ACME_FM))
    assert pdf.status_code == 404


def _payments(session: Session, invoice_id: int) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Payment).where(Payment.invoice_id == invoice_id)
        )
        or 0
    )


async def _payment_path(client: httpx.AsyncClient, who: tuple[str, str], invoice_id: int) -> str:
    headers = await bearer(client, *who)
    response = await client.post(
        f"{API}/invoices/{invoice_id}/payment-links",
        headers={**headers, "Idempotency-Key": new_key()},
    )
    assert response.status_code == 201, response.text
    url: str = response.json()["url"]
    assert url.startswith("http://testserver/pay/")
    return url.removeprefix("http://testserver")


async def test_payment_page_pays_at_once_and_the_link_is_single_use(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    invoice = (await _invoices(client, ACME_FM))[0]
    path = await _payment_path(client, ACME_FM, invoice["id"])
    page = await client.get(path)
    assert page.status_code == 200
    assert invoice["number"] in page.text and invoice["amount_incl_vat"] in page.text
    assert "<form" in page.text
    paid = await client.post(path)
    assert paid.status_code == 200 and 'id="done"' in paid.text
    row = db_session.get(Invoice, invoice["id"])
    assert row is not None
    db_session.refresh(row)
    assert row.status == "paid" and row.paid_at is not None
    assert _payments(db_session, invoice["id"]) == 1
    # Reused link: refused, nothing paid twice.
    again = await client.post(path)
    assert again.status_code == 400 and 'id="invalid"' in again.text
    assert (await client.get(path)).status_code == 400
    assert _payments(db_session, invoice["id"]) == 1
    headers = await bearer(client, *ACME_FM)
    payments = (await client.get(f"{API}/payments", headers=headers)).json()
    assert payments[0]["invoice_number"] == invoice["number"]
    assert payments[0]["method"] == "online"
    assert payments[0]["amount"] == invoice["amount_incl_vat"]
    assert (await _invoices(client, ACME_FM))[0]["status"] == "paid"
    response = await client.post(
        f"{API}/invoices/{invoice['id']}/payment-links",
        headers={**headers, "Idempotency-Key": new_key()},
    )
    assert response.status_code == 409
    assert error_code(response) == "invoice_already_paid"


async def test_tampered_and_expired_payment_links_pay_nothing(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    invoice = (await _invoices(client, ACME_FM))[0]
    path = await _payment_path(client, ACME_FM, invoice["id"])
    tampered = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    assert (await client.post(tampered)).status_code == 400
    # An amount changed in the database after the link was made: the link is refused.
    row = db_session.get(Invoice, invoice["id"])
    assert row is not None
    original = row.amount_incl_vat
    row.amount_incl_vat = original + Decimal("1.00")
    db_session.flush()
    assert (await client.post(path)).status_code == 400
    row.amount_incl_vat = original
    for link in db_session.scalars(select(InvoiceLink)):
        link.expires_at = utcnow() - timedelta(seconds=1)
    db_session.flush()
    assert (await client.post(path)).status_code == 400
    assert _payments(db_session, invoice["id"]) == 0
    db_session.refresh(row)
    assert row.status == "open"


async def test_end_user_pays_own_invoice(client: httpx.AsyncClient, db_session: Session) -> None:
    mine = await _invoices(client, ACME_USER)
    path = await _payment_path(client, ACME_USER, _open_id(mine))
    page = await client.get(path)
    assert "Payer" in page.text  # Julie reads French
    assert (await client.post(path)).status_code == 200
    headers = await bearer(client, *ACME_USER)
    payments = (await client.get(f"{API}/payments", headers=headers)).json()
    assert {p["invoice_id"] for p in payments} <= {i["id"] for i in mine}
    assert any(p["method"] == "online" for p in payments)


async def test_billing_settings_per_role(client: httpx.AsyncClient) -> None:
    acme = await client.get(f"{API}/billing/settings", headers=await bearer(client, *ACME_FM))
    assert acme.status_code == 200
    body = acme.json()
    assert body["payment_method"] == "transfer" and body["mandate"] is None
    assert body["delivery_method"] == "post"
    assert body["delivery_address"]["city"] == "Antwerpen"
    brugge = (
        await client.get(f"{API}/billing/settings", headers=await bearer(client, *BRUGGE_FM))
    ).json()
    assert brugge["payment_method"] == "direct_debit"
    assert brugge["mandate"]["iban_masked"] == "BE71 **** **** 6769"
    assert brugge["mandate"]["active_from_invoice"] == "next"
    # Brugge's newest invoice was issued after the mandate: it shows it.
    newest = (await _invoices(client, BRUGGE_FM))[0]
    assert newest["payment_method_on_invoice"] == "direct_debit"
    assert newest["mandate"]["iban_masked"] == "BE71 **** **** 6769"
    user = await client.get(f"{API}/billing/settings", headers=await bearer(client, *ACME_USER))
    assert user.json()["scope"] == "employee"


async def test_setup_direct_debit_starts_with_the_next_invoice(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    headers = await bearer(client, *ACME_FM)
    bad = await prepare(
        client, headers, "setup_direct_debit", params={"iban": "BE68539007547035", "holder": "Acme"}
    )
    assert bad.status_code == 422 and error_code(bad) == "iban_invalid"
    assert bad.json()["error"]["field"] == "iban"
    key = new_key()
    params = {"iban": "BE71 0961 2345 6769", "holder": "Acme Logistics NV"}
    first = await prepare(client, headers, "setup_direct_debit", params=params, key=key)
    assert first.status_code == 201, first.text
    replay = await prepare(client, headers, "setup_direct_debit", params=params, key=key)
    assert replay.json()["id"] == first.json()["id"]
    summary = first.json()["summary"]
    assert summary["starts_with"] == "next_invoice"
    assert summary["bank_name"] == "BELFIUS BANQUE"
    assert summary["iban_masked"] == "BE71 **** **** 6769"
    open_invoice = (await _invoices(client, ACME_FM, "?status=open"))[0]
    assert summary["current_open_invoice"]["number"] == open_invoice["number"]
    assert summary["current_open_invoice"]["amount_incl_vat"] == open_invoice["amount_incl_vat"]
    assert (
        summary["current_open_invoice"]["structured_reference"]
        == open_invoice["structured_reference"]
    )
    settings_before = (await client.get(f"{API}/billing/settings", headers=headers)).json()
    assert settings_before["payment_method"] == "transfer"
    done = await confirm(client, headers, first.json()["id"])
    assert done.status_code == 200 and done.json()["status"] == "done"
    settings = (await client.get(f"{API}/billing/settings", headers=headers)).json()
    assert settings["payment_method"] == "direct_debit"
    assert settings["mandate"]["holder"] == "Acme Logistics NV"
    row = db_session.scalar(
        select(BillingSettings).where(BillingSettings.mandate_holder == "Acme Logistics NV")
    )
    assert row is not None and row.mandate_iban == "BE71096123456769"
    # The open invoice is still to be paid by transfer.
    assert (await _invoices(client, ACME_FM, "?status=open"))[0][
        "payment_method_on_invoice"
    ] == "transfer"
    # Stop it again.
    op_id = await prepared_id(client, headers, "stop_direct_debit")
    assert (await confirm(client, headers, op_id)).status_code == 200
    assert (await client.get(f"{API}/billing/settings", headers=headers)).json()["mandate"] is None
    again = await prepare(client, headers, "stop_direct_debit")
    assert again.status_code == 409 and error_code(again) == "direct_debit_not_active"


def _own_part_mandates(session: Session, holder: str) -> int:
    own_part = BillingSettings.account_id.is_not(None)
    query = select(func.count()).where(own_part, BillingSettings.mandate_holder == holder)
    return session.scalar(query) or 0


def _setup_operations(session: Session) -> int:
    query = select(func.count()).where(Operation.type == OperationType.setup_direct_debit)
    return session.scalar(query) or 0


async def test_end_user_own_part_direct_debit_is_never_in_the_company_name(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    """Julie (split bill) pays her own part: the company's account pays the company's invoices,
    so the API refuses the company as holder however it is written, as the bot does."""
    headers = await bearer(client, *ACME_USER)
    operations_before = _setup_operations(db_session)
    for holder in ("Acme Logistics NV", "ACME LOGISTICS", "acme", "Acme Logistics N.V."):
        refused = await prepare(
            client,
            headers,
            "setup_direct_debit",
            params={"iban": "BE71 0961 2345 6769", "holder": holder},
        )
        assert refused.status_code == 422, (holder, refused.text)
        assert error_code(refused) == "direct_debit_holder_is_company"
        assert refused.json()["error"]["field"] == "holder"
    assert _setup_operations(db_session) == operations_before
    settings = (await client.get(f"{API}/billing/settings", headers=headers)).json()
    assert settings["scope"] == "employee" and settings["mandate"] is None
    assert _own_part_mandates(db_session, "Acme Logistics NV") == 0

    # Her own name is her own part's mandate.
    params = {"iban": "BE71 0961 2345 6769", "holder": "Julie Dubois"}
    prepared = await prepare(client, headers, "setup_direct_debit", params=params)
    assert prepared.status_code == 201, prepared.text
    assert prepared.json()["summary"]["scope"] == "employee"
    assert prepared.json()["summary"]["holder"] == "Julie Dubois"
    done = await confirm(client, headers, prepared.json()["id"])
    assert done.status_code == 200, done.text
    settings = (await client.get(f"{API}/billing/settings", headers=headers)).json()
    assert settings["payment_method"] == "direct_debit"
    assert settings["mandate"]["holder"] == "Julie Dubois"


async def test_end_user_confirm_also_refuses_the_company_as_holder(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    """The confirm checks again: a holder that is the company by then (here: the company was
    renamed after the prepare) is refused and nothing is stored."""
    headers = await bearer(client, *ACME_USER)
    params = {"iban": "BE71 0961 2345 6769", "holder": "Globex NV"}
    op_id = await prepared_id(client, headers, "setup_direct_debit", params=params)
    acme = db_session.scalar(select(Company).where(Company.name == "Acme Logistics"))
    assert acme is not None
    acme.name = "Globex"
    db_session.flush()
    refused = await confirm(client, headers, op_id)
    assert refused.status_code == 422, refused.text
    assert error_code(refused) == "direct_debit_holder_is_company"
    assert _own_part_mandates(db_session, "Globex NV") == 0
    settings = (await client.get(f"{API}/billing/settings", headers=headers)).json()
    assert settings["mandate"] is None


async def test_fleet_manager_sets_up_the_company_direct_debit_in_its_name(
    client: httpx.AsyncClient,
) -> None:
    headers = await bearer(client, *ACME_FM)
    for holder in ("Acme Logistics NV", "acme"):
        prepared = await prepare(
            client,
            headers,
            "setup_direct_debit",
            params={"iban": "BE71 0961 2345 6769", "holder": holder},
        )
        assert prepared.status_code == 201, prepared.text
        assert prepared.json()["summary"]["scope"] == "company"
        assert prepared.json()["summary"]["holder"] == holder


async def test_change_delivery_method(client: httpx.AsyncClient) -> None:
    headers = await bearer(client, *ACME_FM)
    same = await prepare(
        client, headers, "change_delivery_method", params={"delivery_method": "post"}
    )
    assert same.status_code == 422 and error_code(same) == "delivery_method_unchanged"
    op_id = await prepared_id(
        client, headers, "change_delivery_method", params={"delivery_method": "email_sms"}
    )
    result = await confirm(client, headers, op_id)
    assert result.json()["result"]["delivery_method"] == "email_sms"
    settings = (await client.get(f"{API}/billing/settings", headers=headers)).json()
    assert settings["delivery_method"] == "email_sms"
    # The end user's own part is separate and unchanged.
    user = await bearer(client, *ACME_USER)
    assert (await client.get(f"{API}/billing/settings", headers=user)).json()[
        "delivery_method"
    ] == "post"
    bad = await client.post(
        OPS,
        json={"type": "change_delivery_method", "params": {"delivery_method": "pigeon"}},
        headers={**headers, "Idempotency-Key": new_key()},
    )
    assert bad.status_code == 422 and error_code(bad) == "params_invalid"


async def test_seeded_invoices_are_stable_in_the_database(db_session: Session) -> None:
    count = db_session.scalar(select(func.count()).select_from(Invoice))
    assert count == 9  # Acme 3, Julie Dubois (own split-bill part) 3, Brugge 3
