"""Routes: invoices, links, payments, billing settings; pages: invoice PDF and payment page."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from backend.accounts.models import Account
from backend.billing import service
from backend.billing.models import InvoiceStatus, LinkKind
from backend.billing.pdf import invoice_pdf
from backend.billing.schemas import (
    BillingSettingsPublic,
    InvoiceDetail,
    InvoicePublic,
    LinkCreated,
    PaymentLinkCreated,
    PaymentPublic,
)
from backend.companies.models import Company
from backend.core.db import SessionDep, SettingsDep
from backend.core.idempotency import IdempotencyDep, run_idempotent
from backend.mail.templates import get_environment
from backend.portal.auth import portal_account
from backend.principal import CompanyPrincipalDep

router = APIRouter(tags=["billing"])
pages_router = APIRouter(include_in_schema=False)

# The portal's login page; it sends the browser back to ``next`` after login.
PORTAL_LOGIN_PATH = "/portal"


@router.get("/invoices")
def list_invoices(
    principal: CompanyPrincipalDep, session: SessionDep, status: InvoiceStatus | None = None
) -> list[InvoicePublic]:
    """The caller's invoices, newest first (fleet manager: company; end user: own part)."""
    return service.list_invoices(session, principal=principal, status=status)


@router.get("/invoices/{invoice_id}")
def read_invoice(
    invoice_id: int, principal: CompanyPrincipalDep, session: SessionDep
) -> InvoiceDetail:
    """One invoice with its per-line detail."""
    return service.invoice_detail(
        service.get_invoice(session, principal=principal, invoice_id=invoice_id)
    )


@router.post("/invoices/{invoice_id}/download-links", status_code=201, response_model=LinkCreated)
def create_download_link(
    invoice_id: int,
    principal: CompanyPrincipalDep,
    session: SessionDep,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """A 15-minute link to the invoice PDF."""
    return run_idempotent(
        session,
        account_id=principal.account.id,
        request=idempotency,
        status_code=201,
        action=lambda: service.create_download_link(
            session, settings=settings, principal=principal, invoice_id=invoice_id
        ),
    )


@router.post(
    "/invoices/{invoice_id}/payment-links", status_code=201, response_model=PaymentLinkCreated
)
def create_payment_link(
    invoice_id: int,
    principal: CompanyPrincipalDep,
    session: SessionDep,
    settings: SettingsDep,
    idempotency: IdempotencyDep,
) -> JSONResponse:
    """A single-use, 30-minute link to the payment page."""
    return run_idempotent(
        session,
        account_id=principal.account.id,
        request=idempotency,
        status_code=201,
        action=lambda: service.create_payment_link(
            session, settings=settings, principal=principal, invoice_id=invoice_id
        ),
    )


@router.get("/payments")
def list_payments(principal: CompanyPrincipalDep, session: SessionDep) -> list[PaymentPublic]:
    """Payments of the caller's invoices, newest first."""
    return service.list_payments(session, principal=principal)


@router.get("/billing/settings")
def read_billing_settings(
    principal: CompanyPrincipalDep, session: SessionDep
) -> BillingSettingsPublic:
    """Payment method, direct debit mandate and delivery method."""
    return service.get_billing_settings(session, principal=principal)


# --- pages (no /api/v1) ----------------------------------------------------------------------


def _not_found_page() -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html><head><meta charset='utf-8'><title>Not found</title></head>"
        "<body><h1>Document not available</h1><p>This link is invalid or expired. / "
        "Ce lien n'est plus valable. / Deze link is niet meer geldig.</p></body></html>",
        status_code=404,
    )


@pages_router.get("/documents/invoices/{token}", response_model=None)
def download_invoice(token: str, request: Request, session: SessionDep) -> Response:
    """The invoice PDF of a download link, only in the portal session of the link's account.

    The link is not a bearer secret: without a portal session the browser goes to the login page
    (and comes back here); logged in as another account, the link does not exist (404), so a
    forwarded or leaked link shows nothing. The session is checked before the token, so nobody
    learns whether a token is valid without logging in.
    """
    account = portal_account(request, session)
    if account is None:
        login = f"{PORTAL_LOGIN_PATH}?{urlencode({'next': request.url.path})}"
        return RedirectResponse(login, status_code=303, headers={"Cache-Control": "no-store"})
    link = service.find_link(session, token=token, kind=LinkKind.download)
    if link is None or link.account_id != account.id:
        return _not_found_page()
    invoice = link.invoice
    company = session.get(Company, invoice.company_id)
    assert company is not None
    holder = None
    if invoice.account_id is not None:
        owner = session.get(Account, invoice.account_id)
        holder = f"{owner.first_name} {owner.last_name}".strip() if owner else None
    content = invoice_pdf(invoice, company=company, language=account.language, holder_name=holder)
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{invoice.number}.pdf"',
            "Cache-Control": "no-store",
        },
    )


def _payment_page(
    *, language: str, state: str, number: str, amount: str, post_url: str, status: int
) -> HTMLResponse:
    html = (
        get_environment()
        .get_template("payment.html")
        .render(language=language, state=state, number=number, amount=amount, post_url=post_url)
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _invalid_payment_page(post_url: str) -> HTMLResponse:
    return _payment_page(
        language="fr", state="invalid", number="", amount="", post_url=post_url, status=400
    )


@pages_router.get("/pay/{token}", response_class=HTMLResponse)
def payment_page(token: str, request: Request, session: SessionDep) -> HTMLResponse:
    """The payment page: invoice number and amount from the database, one "Pay" button."""
    post_url = str(request.url_for("pay_invoice", token=token))
    link = service.find_link(session, token=token, kind=LinkKind.payment)
    if link is None:
        return _invalid_payment_page(post_url)
    account = session.get(Account, link.account_id)
    language = account.language.value if account else "fr"
    return _payment_page(
        language=language,
        state="ask",
        number=link.invoice.number,
        amount=service.money(link.invoice.amount_incl_vat),
        post_url=post_url,
        status=200,
    )


@pages_router.post("/pay/{token}", response_class=HTMLResponse)
def pay_invoice(token: str, request: Request, session: SessionDep) -> HTMLResponse:
    """Pay: the invoice is marked paid at once; the link cannot be used again."""
    post_url = str(request.url)
    payment = service.pay(session, token=token)
    if payment is None:
        session.rollback()
        return _invalid_payment_page(post_url)
    session.commit()
    link_account = session.get(Account, service.link_account_id(session, token))
    language = link_account.language.value if link_account else "fr"
    return _payment_page(
        language=language,
        state="done",
        number=payment.invoice.number,
        amount=service.money(payment.amount),
        post_url=post_url,
        status=200,
    )
