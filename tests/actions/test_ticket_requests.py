"""A ticket asked for beside another topic, the subject read from people's words, a side
question at the summary, a comment announced with its text (set12 fr-020, nl-021, fr-021,
nl-023, en-043)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from rasa_sdk.events import ActiveLoop, FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.billing import ActionExplainInvoice
from actions.operations import ActionConfirmOperation
from actions.options import ValidateChangeOptionsForm
from actions.tickets import (
    ActionPrepareTicket,
    ValidateTicketForm,
    opens_a_ticket,
    split_followup_comment,
    subject_from_words,
)
from tests.actions.support import (
    FakeBackend,
    entity,
    json_response,
    make_tracker,
    me_end_user,
    me_fleet_manager,
    responses,
)
from tests.actions.test_tickets import DOMAIN, numbers_in, slots_of

SUBJECTS = [
    {"code": code, "names": {"fr": fr, "nl": nl, "en": en}}
    for code, fr, nl, en in (
        ("prepaid_conversion", "Conversion en prépayé", "Omzetting naar prepaid",
         "Conversion to prepaid"),
        ("porting", "Portabilité du numéro", "Nummeroverdracht", "Number porting"),
        ("network_coverage", "Réseau et couverture", "Netwerk en dekking",
         "Network and coverage"),
        ("billing", "Facturation", "Facturatie", "Billing"),
        ("plans_and_options", "Abonnements et options", "Abonnementen en opties",
         "Plans and options"),
        ("other", "Autre question", "Andere vraag", "Other question"),
    )
]  # fmt: skip
FORMS: dict[str, Any] = {
    "forms": {**DOMAIN["forms"], "change_options_form": {"required_slots": ["target_line_id"]}},
    "responses": {"utter_faq_termination_fee": [{"text": "…"}]},
}


def helpdesk(backend: FakeBackend, me: dict[str, Any] | None = None) -> FakeBackend:
    backend.on("GET", "/api/v1/me", me or me_end_user())
    backend.on("GET", "/api/v1/tickets/subjects", SUBJECTS)
    return backend


def said(text: str, intent: str, language: str, **slots: Any) -> Any:
    """The message with the phone numbers Rasa's regex extractor finds in it."""
    numbers = [entity("phone_number", number) for number in numbers_in(text)]
    return make_tracker(
        text, intent=intent, entities=numbers, slots={"language": language, **slots}
    )


async def ticket_values(backend: FakeBackend, tracker: Any) -> dict[str, Any]:
    """What the ticket form, started on the same message, reads from it."""
    events = await ValidateTicketForm(backend.client()).run(CollectingDispatcher(), tracker, FORMS)
    return slots_of(events)


# --- An explicit request for a ticket beside another topic (fr-020, nl-021) ------------------


@pytest.mark.parametrize(
    ("typed", "language"),
    [
        ("bjr, sur ma facture de novembre (F2026-000106) ma part du split bill me parait trop "
         "elevee, je peux ouvrir un ticket ? mon num 0470000002", "fr"),
        ("hallo, mijn deel van de split bill op factuur F2026-000106 lijkt me te hoog, ik zou "
         "daar een ticket voor willen openen. mijn nummer 0470 00 00 02", "nl"),
        ("hi, my part of the split bill on invoice F2026-000106 looks too high to me, can you "
         "log a ticket for it? call me back on 0470 00 00 02", "en"),
    ],
)  # fmt: skip
async def test_a_ticket_asked_for_beside_an_invoice_opens_the_ticket(
    backend, dispatcher, typed, language
):
    helpdesk(backend)
    tracker = said(typed, "explain_invoice", language)

    events = await ActionExplainInvoice(backend.client()).run(dispatcher, tracker, FORMS)

    assert events == [FollowupAction("ticket_form")]
    assert dispatcher.messages == []  # the ticket asked for, not the invoice's explanation
    assert not any("/invoices" in path for path in backend.paths())
    values = await ticket_values(backend, tracker)
    assert values["ticket_subject"] == "billing"
    assert values["ticket_contact_number"] == "+32470000002"
    assert values["ticket_description"] == typed


@pytest.mark.parametrize(
    ("typed", "language"),
    [
        ("hey, ik zou een ticket willen openen. ik wil weten welke extra data-opties er zijn "
         "voor mijn lijn want ik kom elke maand tekort. bereikbaar op 0470 00 00 02", "nl"),
        ("bonjour, je voudrais ouvrir un ticket : quelles options data supplementaires existent "
         "pour ma ligne ? je suis a court chaque mois. joignable au 0470 00 00 02", "fr"),
        ("hi, I'd like to raise a ticket: which extra data options are there for my line? I run "
         "out every month. You can reach me on 0470 00 00 02", "en"),
    ],
)  # fmt: skip
async def test_an_end_user_asking_a_ticket_about_options_gets_the_ticket_not_a_refusal(
    backend, dispatcher, typed, language
):
    helpdesk(backend)
    tracker = said(typed, "change_options", language)

    events = await ValidateChangeOptionsForm(backend.client()).run(dispatcher, tracker, FORMS)

    assert ActiveLoop(None) in events
    assert events[-1] == FollowupAction("ticket_form")
    assert responses(dispatcher) == []  # never "only a fleet manager can do that"
    values = await ticket_values(backend, tracker)
    assert values["ticket_subject"] == "plans_and_options"
    assert values["ticket_contact_number"] == "+32470000002"


@pytest.mark.parametrize(
    ("typed", "asks"),
    [
        ("je peux ouvrir un ticket ?", True),
        ("ik zou een ticket willen openen", True),
        ("Could I have a ticket for this?", True),
        ("kunt ge een ticket aanmaken", True),
        # a ticket that exists already asks for no new one
        ("j'ai déjà un ticket ouvert pour cette facture, vous pouvez me l'expliquer ?", False),
        ("ik heb gisteren een ticket aangemaakt, wat staat er op mijn factuur?", False),
        ("we already have a ticket about this, what is on the invoice?", False),
    ],
)
def test_a_ticket_asked_for_is_told_from_one_that_exists(typed: str, asks: bool) -> None:
    assert opens_a_ticket(typed) is asks


async def test_a_ticket_that_exists_still_gets_the_invoice_explained(backend, dispatcher):
    helpdesk(backend)
    tracker = said("j'ai déjà un ticket pour ma facture, elle est trop élevée", "explain_invoice",
                   "fr")  # fmt: skip

    events = await ActionExplainInvoice(backend.client()).run(dispatcher, tracker, FORMS)

    assert FollowupAction("ticket_form") not in events
    assert any("/invoices" in path for path in backend.paths())


async def test_a_fleet_operation_without_a_ticket_request_is_not_handed_over(backend, dispatcher):
    helpdesk(backend)
    tracker = said("welke extra data-opties zijn er voor mijn lijn?", "change_options", "nl")

    events = await ValidateChangeOptionsForm(backend.client()).run(dispatcher, tracker, FORMS)

    assert FollowupAction("ticket_form") not in events
    assert responses(dispatcher) == ["utter_fleet_manager_required"]


# --- Porting said in people's words (fr-021) ---------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "nous voulons transferer chez vous une dizaine de numeros qui sont chez un autre operateur",
        "we willen een tiental nummers overzetten van een andere operator",
        "we would like to move our numbers from another operator to you",
    ],
)
def test_numbers_coming_from_another_operator_are_porting(typed: str) -> None:
    assert subject_from_words(typed) == "porting"


@pytest.mark.parametrize(
    ("typed", "language"),
    [
        ("Bonjour, nous voulons transferer chez vous une dizaine de numeros qui sont chez un "
         "autre operateur, j'ai des questions sur la marche a suivre. Ouvrez un ticket svp, "
         "contact 0470 00 00 51.", "fr"),
        ("Goeiemorgen, we willen een tiental nummers overzetten van een andere operator naar "
         "jullie en hebben vragen over de werkwijze. Maak aub een ticket aan, contact 0470 00 00 "
         "51.", "nl"),
        ("Hello, we want to move about ten of our numbers from another operator to you and have "
         "questions about the steps. Please open a ticket, contact 0470 00 00 51.", "en"),
    ],
)  # fmt: skip
async def test_a_porting_ticket_described_in_words_gets_the_porting_subject(
    backend, typed, language
):
    helpdesk(backend, me_fleet_manager())
    values = await ticket_values(backend, said(typed, "create_ticket", language))

    assert values["ticket_subject"] == "porting"
    assert values["ticket_contact_number"] == "+32470000051"


# --- A side question at the summary (nl-023) ---------------------------------------------------

PREPAID = (
    "Fien Martens vertrekt bij ons en wil haar nummer houden als prepaid. Kunt ge een ticket "
    "aanmaken om dat om te zetten? Contactnummer 0470 00 00 01."
)
AT_SUMMARY = {
    "ticket_subject": "prepaid_conversion",
    "ticket_description": PREPAID,
    "ticket_contact_number": "+32470000001",
    "pending_operation_id": "ticket:new:k1",
    "pending_operation_type": "create_ticket",
}


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("zijn er eigenlijk opzegkosten als we haar abonnement zo beeindigen?", "nl"),
        ("au fait, il y a des frais de resiliation si on arrete son abonnement comme ca ?", "fr"),
        ("actually, are there termination fees if we end her subscription like that?", "en"),
    ],
)
async def test_a_side_question_at_the_summary_is_answered_and_keeps_the_subject(
    backend, dispatcher, question, language
):
    helpdesk(backend, me_fleet_manager())
    tracker = said(question, "faq_termination_fee", language, **AT_SUMMARY)

    events = await ValidateTicketForm(backend.client()).run(dispatcher, tracker, FORMS)

    assert responses(dispatcher) == ["utter_faq_termination_fee"]
    values = slots_of(events)
    for slot in ("ticket_subject", "ticket_description", "ticket_contact_number"):
        assert slot not in values  # what was accepted stays
    # The summary, read back again, shows the same ticket and asks to confirm.
    summary = CollectingDispatcher()
    prepare = make_tracker("", intent="inform", slots={"language": language, **AT_SUMMARY})
    await ActionPrepareTicket(backend.client()).run(summary, prepare, FORMS)
    assert responses(summary) == ["utter_summary_ticket", "utter_ask_confirm_operation"]
    labels = {"fr": "Conversion en prépayé", "nl": "Omzetting naar prepaid",
              "en": "Conversion to prepaid"}  # fmt: skip
    assert summary.messages[0]["subject"] == labels[language]


@pytest.mark.parametrize(
    ("typed", "language"),
    [
        ("non, le sujet c'est plutôt la facturation", "fr"),
        ("nee, eigenlijk gaat het over de facturatie", "nl"),
        ("actually, make the subject billing", "en"),
    ],
)
async def test_a_subject_corrected_at_the_summary_still_changes(backend, typed, language):
    helpdesk(backend, me_fleet_manager())
    values = await ticket_values(backend, said(typed, "inform", language, **AT_SUMMARY))

    assert values["ticket_subject"] == "billing"


# --- A comment given with its text in the opening (en-043) ------------------------------------


@pytest.mark.parametrize(
    ("opening", "language", "description_end", "comment"),
    [
        ("Please open a porting ticket: the transfer of Youssef Benali's number 0475 12 34 56 "
         "seems stuck. Contact 0470 00 00 01. Then add this comment to the ticket: Youssef's old "
         "operator confirmed the customer number is correct.", "en", "Contact 0470 00 00 01",
         "Youssef's old operator confirmed the customer number is correct"),
        ("Ouvrez un ticket portabilite : le transfert du numero 0475 12 34 56 de Youssef Benali "
         "est bloque. Contact 0470 00 00 01. Ajoute ensuite ce commentaire : l'ancien operateur "
         "a confirme le numero de client.", "fr", "Contact 0470 00 00 01",
         "L'ancien operateur a confirme le numero de client"),
        ("Maak een ticket aan voor de nummeroverdracht van 0475 12 34 56 van Youssef Benali, die "
         "zit vast. Contact 0470 00 00 01. Voeg daarna deze opmerking toe: de oude operator "
         "bevestigt dat het klantnummer klopt.", "nl", "Contact 0470 00 00 01",
         "De oude operator bevestigt dat het klantnummer klopt"),
    ],
)  # fmt: skip
async def test_a_comment_given_in_the_opening_is_added_once_the_ticket_exists(
    backend, opening, language, description_end, comment
):
    helpdesk(backend, me_fleet_manager())
    created = {"id": 7, "number": "T-2026-000007", "status": "open"}
    backend.on("POST", "/api/v1/tickets", json_response(201, created))
    posted: list[httpx.Request] = []

    def add(request: httpx.Request) -> httpx.Response:
        posted.append(request)
        return json_response(201, {"id": 1, "author_role": "customer", "body": comment})

    backend.on("POST", "/api/v1/tickets/7/comments", add)
    assert split_followup_comment(opening).comment == comment

    filled = await ticket_values(backend, said(opening, "create_ticket", language))
    assert filled["ticket_subject"] == "porting"
    assert filled["ticket_contact_number"] == "+32470000001"
    assert filled["ticket_description"].endswith(description_end)  # the comment is not in it
    assert filled["ticket_followup_comment"] == comment

    slots = {"language": language, **filled}
    summary = CollectingDispatcher()
    prepare = make_tracker("", intent="inform", slots=slots)
    pending = slots_of(await ActionPrepareTicket(backend.client()).run(summary, prepare, FORMS))
    assert responses(summary) == [
        "utter_summary_ticket",
        "utter_summary_ticket_followup",
        "utter_ask_confirm_operation",
    ]
    confirm = CollectingDispatcher()
    yes = make_tracker("yes", intent="affirm", slots={**slots, **pending})
    await ActionConfirmOperation(backend.client()).run(confirm, yes, FORMS)

    assert [json.loads(request.content) for request in posted] == [{"body": comment}]
    assert responses(confirm) == ["utter_ticket_created", "utter_ticket_comment_added"]
