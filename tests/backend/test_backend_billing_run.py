"""The monthly billing run: invoices from plans, options, usage and one-off costs; the mandate
active at run time; split-bill parts; idempotent per company and period; the CLI."""

from __future__ import annotations

import functools
import io
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.be import ogm_vcs

from backend.billing.generation import run_billing
from backend.billing.models import Invoice
from backend.core.db import create_db_engine
from backend.core.errors import FieldError
from backend.core.models import utcnow
from backend.core.settings import Settings
from backend.mail.models import OutboxEmail
from tests.backend.conftest import ACME_FM, ACME_USER, BRUGGE_FM, bearer, run_module
from tests.backend.ops_helpers import ACME_FREE_SIMS, confirm, line_by_msisdn, prepared_id
from tests.backend.test_backend_billing import portal_cookie

API = "/api/v1"


def _this_month() -> str:
    return utcnow().strftime("%Y-%m")


async def _invoices(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict]:
    response = await client.get(f"{API}/invoices", headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict] = response.json()
    return items


async def _pdf_text(client: httpx.AsyncClient, headers: dict[str, str], invoice_id: int) -> str:
    link = await client.post(
        f"{API}/invoices/{invoice_id}/download-links",
        headers={**headers, "Idempotency-Key": f"pdf-{invoice_id}"},
    )
    assert link.status_code == 201, link.text
    token = link.json()["url"].rsplit("/", 1)[-1]
    pdf = await client.get(
        f"/documents/invoices/{token}", headers=await portal_cookie(client, ACME_FM)
    )
    assert pdf.headers["content-type"] == "application/pdf", pdf.text
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)


async def test_run_after_direct_debit_setup_puts_the_mandate_on_the_new_invoice_only(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    headers = await bearer(client, *ACME_FM)
    op_id = await prepared_id(
        client,
        headers,
        "setup_direct_debit",
        params={"iban": "BE71 0961 2345 6769", "holder": "Acme Logistics NV"},
    )
    assert (await confirm(client, headers, op_id)).status_code == 200
    previous = (await _invoices(client, headers))[0]

    result = run_billing(db_session, settings=settings, period=_this_month(), now=utcnow())
    db_session.flush()

    invoices = await _invoices(client, headers)
    new = invoices[0]
    assert new["number"] in result.created
    assert new["period"] == _this_month() and new["status"] == "open"
    assert new["payment_method_on_invoice"] == "direct_debit"
    assert new["mandate"]["iban_masked"] == "BE71 **** **** 6769"
    assert new["mandate"]["holder"] == "Acme Logistics NV"
    assert new["delivery_method"] == "post"
    old = next(i for i in invoices if i["id"] == previous["id"])
    assert old["mandate"] is None and old["payment_method_on_invoice"] == "transfer"
    # VAT 21 %, a valid structured reference, due 30 days after issue.
    excl, vat = Decimal(new["amount_excl_vat"]), Decimal(new["vat"])
    assert vat == (excl * Decimal("0.21")).quantize(Decimal("0.01"))
    assert Decimal(new["amount_incl_vat"]) == excl + vat
    assert ogm_vcs.is_valid(new["structured_reference"].strip("+"))
    assert new["structured_reference"] not in {i["structured_reference"] for i in invoices[1:]}
    assert new["due_date"] > new["issue_date"]
    detail = (await client.get(f"{API}/invoices/{new['id']}", headers=headers)).json()
    lines = {line["msisdn"]: line for line in detail["lines"]}
    assert "+32470000023" not in lines  # waiting for activation: not billed
    assert lines["+32470000001"]["plan_amount"] == "40.00"
    assert [o["amount"] for o in lines["+32470000001"]["options"]] == ["10.00"]
    assert sum(Decimal(line["total"]) for line in detail["lines"]) == excl

    text = await _pdf_text(client, headers, new["id"])
    assert new["number"] in text and "BE71 **** **** 6769" in text
    old_text = await _pdf_text(client, headers, previous["id"])
    assert "BE71 **** **** 6769" not in old_text


async def test_split_bill_part_and_other_company_are_invoiced_separately(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    run_billing(db_session, settings=settings, period=_this_month(), now=utcnow())
    db_session.flush()

    user = await _invoices(client, await bearer(client, *ACME_USER))
    assert len(user) == 4 and user[0]["period"] == _this_month()
    assert user[0]["scope"] == "employee" and user[0]["mandate"] is None
    [line] = (
        await client.get(
            f"{API}/invoices/{user[0]['id']}", headers=await bearer(client, *ACME_USER)
        )
    ).json()["lines"]
    assert line["msisdn"] == "+32470000002" and line["plan_amount"] == "0.00"
    brugge = (await _invoices(client, await bearer(client, *BRUGGE_FM)))[0]
    # Brugge Bouw's mandate is active: its new invoice is collected by direct debit, by e-mail.
    assert brugge["period"] == _this_month()
    assert brugge["mandate"]["iban_masked"] == "BE71 **** **** 6769"
    assert brugge["delivery_method"] == "email_sms"


def test_invoices_delivered_by_email_are_announced_by_email(
    db_session: Session, settings: Settings
) -> None:
    before = {m.id for m in db_session.scalars(select(OutboxEmail))}

    result = run_billing(db_session, settings=settings, period=_this_month(), now=utcnow())
    db_session.flush()

    mails = [m for m in db_session.scalars(select(OutboxEmail)) if m.id not in before]
    brugge = db_session.scalar(
        select(Invoice).where(
            Invoice.number.in_(result.created), Invoice.delivery_method == "email_sms"
        )
    )
    assert brugge is not None
    # Only Brugge Bouw gets its invoice by e-mail (Acme and Julie Dubois: by post).
    [mail] = mails
    assert brugge.number in mail.subject
    assert "BE71 **** **** 6769" in mail.body_text  # collected by direct debit
    assert "EUR " + str(brugge.amount_incl_vat) in mail.body_text
    assert "/documents/" not in mail.body_text  # no document link outside the portal session


async def test_one_off_costs_of_the_period_are_billed(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    headers = await bearer(client, *ACME_FM)
    line = line_by_msisdn(db_session, "+32470000005")
    op_id = await prepared_id(
        client,
        headers,
        "replace_sim",
        line_id=line.id,
        params={"reason": "lost", "sim_type": "physical", "iccid": ACME_FREE_SIMS[0]},
    )
    assert (await confirm(client, headers, op_id)).status_code == 200

    run_billing(db_session, settings=settings, period=_this_month(), now=utcnow())
    db_session.flush()

    new = (await _invoices(client, headers))[0]
    detail = (await client.get(f"{API}/invoices/{new['id']}", headers=headers)).json()
    lines = {item["msisdn"]: item for item in detail["lines"]}
    assert [c["amount"] for c in lines["+32470000005"]["one_off"]] == ["15.00"]
    assert all(not item["one_off"] for m, item in lines.items() if m != "+32470000005")


def test_running_a_period_twice_creates_nothing_new(
    db_session: Session, settings: Settings
) -> None:
    first = run_billing(db_session, settings=settings, period=_this_month(), now=utcnow())
    count = len(list(db_session.scalars(select(Invoice))))
    second = run_billing(db_session, settings=settings, period=_this_month(), now=utcnow())

    assert len(first.created) == 3  # Acme, Julie Dubois's split-bill part, Brugge Bouw
    assert second.created == [] and second.skipped == 3
    assert len(list(db_session.scalars(select(Invoice)))) == count
    # The seeded months are already invoiced too.
    last_month = (utcnow().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert run_billing(db_session, settings=settings, period=last_month, now=utcnow()).created == []


@pytest.mark.parametrize("period", ["2026-13", "26-01", "next month"])
def test_a_malformed_period_is_refused(
    db_session: Session, settings: Settings, period: str
) -> None:
    with pytest.raises(FieldError) as error:
        run_billing(db_session, settings=settings, period=period, now=utcnow())
    assert error.value.code == "period_invalid"


def test_a_future_period_is_refused(db_session: Session, settings: Settings) -> None:
    future = (utcnow().replace(day=28) + timedelta(days=10)).strftime("%Y-%m")
    with pytest.raises(FieldError) as error:
        run_billing(db_session, settings=settings, period=future, now=utcnow())
    assert error.value.code == "period_in_future"


def test_command_line_run_is_idempotent(scratch_sqlite_url: str) -> None:
    run = functools.partial(run_module, scratch_sqlite_url)
    for module in ("backend.migrate", "backend.seed"):
        assert run(module).returncode == 0
    first = run("backend.billing.run", "--period", _this_month())
    second = run("backend.billing.run", "--period", _this_month())
    bad = run("backend.billing.run", "--period", "2026-13")

    assert first.returncode == 0, first.stderr
    assert "3 invoice(s) created" in first.stdout
    assert "0 invoice(s) created" in second.stdout and "3 already existed" in second.stdout
    assert bad.returncode == 2
    engine = create_db_engine(scratch_sqlite_url)
    try:
        with Session(engine) as session:
            periods = [i.period for i in session.scalars(select(Invoice))]
            assert periods.count(_this_month()) == 3
    finally:
        engine.dispose()
