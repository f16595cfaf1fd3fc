"""Ticket subjects (the manual's "Objet de votre ticket" list) with their names per language."""

from __future__ import annotations

from backend.tickets.models import TicketSubject

SUBJECT_NAMES: dict[TicketSubject, dict[str, str]] = {
    TicketSubject.prepaid_conversion: {
        "fr": "Conversion en prépayé",
        "nl": "Omzetting naar prepaid",
        "en": "Conversion to prepaid",
    },
    TicketSubject.sim_or_esim: {
        "fr": "Carte SIM ou eSIM",
        "nl": "Simkaart of eSIM",
        "en": "SIM card or eSIM",
    },
    TicketSubject.porting: {
        "fr": "Portabilité du numéro",
        "nl": "Nummeroverdracht",
        "en": "Number porting",
    },
    TicketSubject.network_coverage: {
        "fr": "Réseau et couverture",
        "nl": "Netwerk en dekking",
        "en": "Network and coverage",
    },
    TicketSubject.billing: {"fr": "Facturation", "nl": "Facturatie", "en": "Billing"},
    TicketSubject.plans_and_options: {
        "fr": "Abonnements et options",
        "nl": "Abonnementen en opties",
        "en": "Plans and options",
    },
    TicketSubject.device_or_repair: {
        "fr": "Appareil ou réparation",
        "nl": "Toestel of herstelling",
        "en": "Device or repair",
    },
    TicketSubject.other: {"fr": "Autre question", "nl": "Andere vraag", "en": "Other question"},
}
