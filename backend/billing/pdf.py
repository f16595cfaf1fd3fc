"""The invoice PDF (fpdf2, core fonts: text is kept to Latin-1)."""

from __future__ import annotations

from typing import Any

from fpdf import FPDF

from backend.billing.models import Invoice
from backend.billing.service import money
from backend.companies.models import Company
from backend.core.models import Language

_LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "invoice": "Facture",
        "period": "Période",
        "issued": "Date de facture",
        "due": "Échéance",
        "customer": "Numéro client",
        "line": "Numéro",
        "plan": "Abonnement",
        "options": "Options",
        "one_off": "Frais uniques",
        "usage": "Consommation",
        "total": "Total",
        "excl": "Total hors TVA",
        "vat": "TVA 21 %",
        "incl": "Total TVA comprise",
        "reference": "Communication structurée",
        "mandate": "Payée par domiciliation, mandat",
        "transfer": "À payer par virement avec la communication structurée.",
        "paid": "Payée le",
        "employee": "Part privée (split bill) de",
        "delivery_post": "Envoyée par la poste",
        "delivery_email_sms": "Envoyée par e-mail/SMS",
    },
    "nl": {
        "invoice": "Factuur",
        "period": "Periode",
        "issued": "Factuurdatum",
        "due": "Vervaldag",
        "customer": "Klantnummer",
        "line": "Nummer",
        "plan": "Abonnement",
        "options": "Opties",
        "one_off": "Eenmalige kosten",
        "usage": "Verbruik",
        "total": "Totaal",
        "excl": "Totaal excl. btw",
        "vat": "Btw 21 %",
        "incl": "Totaal incl. btw",
        "reference": "Gestructureerde mededeling",
        "mandate": "Betaald via domiciliëring, mandaat",
        "transfer": "Te betalen via overschrijving met de gestructureerde mededeling.",
        "paid": "Betaald op",
        "employee": "Privédeel (split bill) van",
        "delivery_post": "Verstuurd per post",
        "delivery_email_sms": "Verstuurd per e-mail/sms",
    },
    "en": {
        "invoice": "Invoice",
        "period": "Period",
        "issued": "Invoice date",
        "due": "Due date",
        "customer": "Customer number",
        "line": "Number",
        "plan": "Plan",
        "options": "Options",
        "one_off": "One-off costs",
        "usage": "Usage",
        "total": "Total",
        "excl": "Total excl. VAT",
        "vat": "VAT 21 %",
        "incl": "Total incl. VAT",
        "reference": "Structured reference",
        "mandate": "Paid by direct debit, mandate",
        "transfer": "To be paid by bank transfer with the structured reference.",
        "paid": "Paid on",
        "employee": "Private part (split bill) of",
        "delivery_post": "Sent by post",
        "delivery_email_sms": "Sent by e-mail/SMS",
    },
}


def _latin1(text: str) -> str:
    return text.encode("latin-1", errors="replace").decode("latin-1")


def invoice_pdf(
    invoice: Invoice, *, company: Company, language: Language, holder_name: str | None
) -> bytes:
    """The invoice as a one- or multi-page A4 PDF."""
    t = _LABELS[language.value]
    pdf = FPDF(format="A4")
    pdf.set_title(f"{t['invoice']} {invoice.number}")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()

    def text(value: str, *, size: int = 10, bold: bool = False, height: float = 6) -> None:
        pdf.set_font("helvetica", "B" if bold else "", size)
        pdf.cell(0, height, _latin1(value), new_x="LMARGIN", new_y="NEXT")

    text("Business Mobile", size=16, bold=True, height=9)
    text(f"{t['invoice']} {invoice.number}", size=14, bold=True, height=8)
    text(company.name, bold=True)
    text(f"{company.street}, {company.postal_code} {company.city}")
    text(f"{t['customer']}: {company.customer_number}  -  {company.vat_number}")
    if holder_name:
        text(f"{t['employee']} {holder_name}")
    text(
        f"{t['period']}: {invoice.period}   {t['issued']}: {invoice.issue_date.isoformat()}"
        f"   {t['due']}: {invoice.due_date.isoformat()}"
    )
    pdf.ln(3)
    for line in invoice.lines:
        _line_block(text, t, line)
    pdf.ln(3)
    text(f"{t['excl']}: EUR {money(invoice.amount_excl_vat)}", bold=True)
    text(f"{t['vat']}: EUR {money(invoice.vat)}", bold=True)
    text(f"{t['incl']}: EUR {money(invoice.amount_incl_vat)}", size=12, bold=True, height=8)
    pdf.ln(2)
    text(f"{t['reference']}: {invoice.structured_reference}", bold=True)
    if invoice.mandate:
        mandate = invoice.mandate
        text(
            f"{t['mandate']} {mandate.get('iban_masked', '')} ({mandate.get('holder', '')}"
            f"{', ' + mandate['bank_name'] if mandate.get('bank_name') else ''})"
        )
    else:
        text(t["transfer"])
    if invoice.paid_at is not None:
        text(f"{t['paid']} {invoice.paid_at.date().isoformat()}")
    if invoice.delivery_method is not None:
        text(t[f"delivery_{invoice.delivery_method.value}"])
    return bytes(pdf.output())


def _line_block(text: Any, t: dict[str, str], line: dict[str, Any]) -> None:
    text(f"{t['line']} {line['msisdn']} - {line['user_name']}", bold=True)
    if line.get("plan"):
        text(f"   {t['plan']} {line['plan']}: EUR {line['plan_amount']}")
    for option in line.get("options", []):
        text(f"   {t['options']}: {option['name']}: EUR {option['amount']}")
    for cost in line.get("one_off", []):
        text(f"   {t['one_off']}: {cost['label']}: EUR {cost['amount']}")
    text(f"   {t['usage']}: EUR {line['usage_amount']}   {t['total']}: EUR {line['total']}")
