"""A comment for a ticket that is not the caller's, or whose number is lost (set11 fr/nl/en-1138).

The bot asked "which ticket?" again and again. Now an unknown reference is said to be none of
theirs and their open tickets come as buttons; without any (or on a second miss) a new ticket is
offered instead, the comment as its description: the question is never asked a third time.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import ActiveLoop
from rasa_sdk.executor import CollectingDispatcher

from actions.operations import ActionCancelOperation, ActionConfirmOperation
from actions.tickets import (
    ActionAddTicketComment,
    ActionAskTicketReference,
    ValidateTicketCommentForm,
    ValidateTicketForm,
    comment_in_opening,
    lost_ticket_number,
    named_reference,
)
from tests.actions.support import FakeBackend, entity, make_tracker, me_end_user, responses
from tests.actions.test_tickets import DOMAIN, SUBJECTS

BILLING = {"id": 7, "number": "T-2026-000007", "status": "open", "subject_code": "billing",
           "created_at": "2026-11-20T10:00:00Z", "comments": []}  # fmt: skip
COVERAGE = {**BILLING, "id": 12, "number": "T-2026-000012", "subject_code": "network_coverage",
            "created_at": "2026-12-01T09:00:00Z"}  # fmt: skip
CLOSED = {**BILLING, "id": 3, "number": "T-2026-000003", "status": "closed"}
# A second billing ticket: "the one about my invoice" no longer says which.
BILLING_TOO = {**BILLING, "id": 9, "number": "T-2026-000009", "created_at": "2026-11-25T08:00:00Z"}
START_TICKET = "start:ticket_form"


def helpdesk(backend: FakeBackend, tickets: list[dict[str, Any]]) -> FakeBackend:
    backend.on("GET", "/api/v1/me", me_end_user())
    backend.on("GET", "/api/v1/tickets/subjects", SUBJECTS)
    backend.on("GET", "/api/v1/tickets", tickets)
    return backend


def slots_of(events: list[Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def followups(events: list[Any]) -> list[str]:
    return [e["name"] for e in events if e.get("event") == "followup"]


OPENINGS_WITH_UNKNOWN_REFERENCE = [
    ("fr", "Bonsoir, pouvez-vous ajouter au ticket INC-55120 : la livraison peut se faire lundi.",
     "INC-55120", "La livraison peut se faire lundi"),
    ("nl", "Kun je bij ticket 8802 toevoegen dat de monteur na 16u langs mag komen?",
     "8802", "De monteur na 16u langs mag komen?"),
    ("en", "Add a comment to ticket #90210 - the courier should ring at the back door.",
     "90210", "The courier should ring at the back door"),
]  # fmt: skip


@pytest.mark.parametrize(("language", "opening", "reference", "comment"),
                         OPENINGS_WITH_UNKNOWN_REFERENCE)  # fmt: skip
async def test_an_unknown_reference_without_open_tickets_offers_a_new_ticket(
    backend, dispatcher, language, opening, reference, comment
):
    helpdesk(backend, [CLOSED])
    tracker = make_tracker(opening, intent="add_ticket_comment", slots={"language": language})

    events = await ValidateTicketCommentForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == [
        "utter_ticket_not_found",
        "utter_no_open_tickets",
        "utter_offer_ticket_for_comment",
    ]
    assert dispatcher.messages[0]["number"] == reference
    assert dispatcher.messages[2]["comment"] == comment
    assert ActiveLoop(None) in events  # no "which ticket?" at all
    slots = slots_of(events)
    assert slots["pending_operation_id"] == START_TICKET
    assert slots["ticket_comment"] == comment


@pytest.mark.parametrize(
    ("language", "opening"),
    [
        ("fr", "je dois compléter mon ticket sur la facture mais j'ai perdu le numéro"),
        ("nl", "ik wil iets bijschrijven bij mijn ticket, maar ik weet het ticketnummer niet meer"),
        ("en", "I need to add something to my ticket but I don't have the number anymore"),
    ],
)
async def test_a_lost_number_without_open_tickets_offers_a_new_ticket_at_once(
    backend, dispatcher, language, opening
):
    helpdesk(backend, [])
    tracker = make_tracker(opening, intent="add_ticket_comment", slots={"language": language})

    events = await ValidateTicketCommentForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_no_open_tickets", "utter_offer_ticket_instead"]
    assert ActiveLoop(None) in events
    assert slots_of(events)["pending_operation_id"] == START_TICKET
    assert slots_of(events)["ticket_comment"] is None


@pytest.mark.parametrize(
    ("language", "answer", "intent"),
    [
        ("fr", "je ne l'ai plus, c'était pour ma facture d'octobre", "explain_invoice"),
        ("nl", "geen idee meer welk nummer, het ging over de rekening", "explain_invoice"),
        ("en", "no idea, I threw the confirmation away", "inform"),
    ],
)
async def test_a_lost_number_as_the_answer_lists_the_open_tickets_not_the_invoice(
    backend, dispatcher, language, answer, intent
):
    """nl-1138: read as a question about the invoice, the answer let the form go, every time."""
    helpdesk(backend, [BILLING, BILLING_TOO, COVERAGE])
    tracker = make_tracker(
        answer,
        intent=intent,
        slots={"language": language, "requested_slot": "ticket_reference"},
    )

    events = await ValidateTicketCommentForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == []
    assert events  # an answer, not an interruption: the form asks again, with the buttons
    assert ActiveLoop(None) not in events
    assert slots_of(events)["form_failed_attempts"] == 1.0


async def test_the_answer_naming_the_only_open_ticket_of_a_subject_picks_it(backend, dispatcher):
    helpdesk(backend, [BILLING, COVERAGE])
    tracker = make_tracker(
        "ik weet het nummer niet meer, het was over mijn factuur",
        intent="explain_invoice",
        slots={"language": "nl", "requested_slot": "ticket_reference"},
    )

    events = await ValidateTicketCommentForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["ticket_reference"] == "7"


@pytest.mark.parametrize(
    ("language", "opening", "second"),
    [
        ("fr", "ajoutez au ticket REF-7781 : le badge d'accès est à l'accueil", "REF-7781"),
        (
            "nl",
            "zet bij ticket 5530 dat de sleutel bij de receptie ligt",
            "het is wel degelijk ticket 5530",
        ),
        ("en", "please add to ticket ABC-123: keys are at the front desk", "ABC-123"),
    ],
)
async def test_open_tickets_come_as_buttons_and_a_second_miss_offers_a_new_ticket(
    backend, dispatcher, language, opening, second
):
    helpdesk(backend, [BILLING, COVERAGE, CLOSED])
    form = ValidateTicketCommentForm(backend.client())

    first = await form.run(
        dispatcher,
        make_tracker(opening, intent="add_ticket_comment", slots={"language": language}),
        DOMAIN,
    )
    assert responses(dispatcher) == ["utter_ticket_not_found"]
    assert ActiveLoop(None) not in first
    kept = slots_of(first)
    assert kept["ticket_comment"] and kept["form_failed_attempts"] == 1.0

    asked = CollectingDispatcher()
    await ActionAskTicketReference(backend.client()).run(
        asked, make_tracker("", slots={"language": language}), DOMAIN
    )
    assert responses(asked) == ["utter_ask_ticket_reference_choose"]
    assert [b["payload"] for b in asked.messages[0]["buttons"]] == [
        '/inform{"ticket_number": "T-2026-000012"}',  # newest first, the closed one left out
        '/inform{"ticket_number": "T-2026-000007"}',
    ]

    again = CollectingDispatcher()
    events = await form.run(
        again,
        make_tracker(
            second,
            intent="inform",
            slots={"language": language, "requested_slot": "ticket_reference", **kept},
        ),
        DOMAIN,
    )
    assert responses(again) == ["utter_ticket_not_found", "utter_offer_ticket_for_comment"]
    assert ActiveLoop(None) in events
    assert slots_of(events)["pending_operation_id"] == START_TICKET


@pytest.mark.parametrize(
    ("language", "answer"),
    [("fr", "aucun de ceux-là"), ("nl", "geen van deze"), ("en", "none of these")],
)
async def test_none_of_the_listed_tickets_offers_a_new_ticket_at_once(
    backend, dispatcher, language, answer
):
    helpdesk(backend, [BILLING])
    tracker = make_tracker(
        answer,
        intent="deny",
        slots={"language": language, "requested_slot": "ticket_reference"},
    )

    events = await ValidateTicketCommentForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher) == ["utter_offer_ticket_instead"]
    assert slots_of(events)["pending_operation_id"] == START_TICKET


@pytest.mark.parametrize(
    ("language", "yes"), [("fr", "oui volontiers"), ("nl", "ja graag"), ("en", "yes please")]
)
async def test_yes_to_the_offer_starts_the_ticket_form_with_the_comment_as_description(
    backend, dispatcher, language, yes
):
    helpdesk(backend, [])
    comment = "The technician may only come after two, the gate is closed in the morning"
    slots = {"language": language, "ticket_comment": comment,
             "pending_operation_id": START_TICKET, "pending_operation_type": "start"}  # fmt: skip
    said_yes = make_tracker(yes, intent="affirm", slots=slots)

    events = await ActionConfirmOperation(backend.client()).run(dispatcher, said_yes, DOMAIN)
    assert followups(events) == ["ticket_form"]
    assert slots_of(events)["pending_operation_id"] is None

    started = make_tracker(yes, intent="affirm", slots={"language": language,
                                                        "ticket_comment": comment})  # fmt: skip
    filled = slots_of(await ValidateTicketForm(backend.client()).run(dispatcher, started, DOMAIN))
    assert filled["ticket_description"] == comment
    assert filled["ticket_comment"] is None
    assert "/api/v1/tickets/7/comments" not in backend.paths()


@pytest.mark.parametrize(("language", "no"), [("fr", "non"), ("nl", "nee"), ("en", "no thanks")])
async def test_no_to_the_offer_ends_with_nothing_done(backend, dispatcher, language, no):
    helpdesk(backend, [])
    slots = {"language": language, "ticket_comment": "Gate closed before noon",
             "pending_operation_id": START_TICKET, "pending_operation_type": "start"}  # fmt: skip

    events = await ActionCancelOperation(backend.client()).run(
        dispatcher, make_tracker(no, intent="deny", slots=slots), DOMAIN
    )

    assert responses(dispatcher) == ["utter_start_declined"]
    assert slots_of(events)["ticket_comment"] is None
    assert followups(events) == []
    assert [r.method for r in backend.requests] == []


async def test_the_stopped_form_keeps_the_comment_for_the_offer(backend, dispatcher):
    """The submit rule runs the add action after the stop: it must not erase the comment."""
    tracker = make_tracker("x", slots={"ticket_comment": "Gate closed before noon"})
    assert await ActionAddTicketComment(backend.client()).run(dispatcher, tracker, DOMAIN) == []


@pytest.mark.parametrize(
    ("language", "opening", "comment"),
    [
        ("fr", "Ajoutez au ticket T-2026-000012 que le relais a été remplacé ce matin.",
         "Le relais a été remplacé ce matin"),
        ("nl", "Voeg aan ticket 12 toe: het bereik is sinds gisteren weer weg.",
         "Het bereik is sinds gisteren weer weg"),
        ("en", "Add a note to T-2026-000012: signal dropped again at the depot",
         "Signal dropped again at the depot"),
    ],
)  # fmt: skip
async def test_a_known_ticket_and_its_comment_from_the_opening_are_both_taken(
    backend, dispatcher, language, opening, comment
):
    helpdesk(backend, [BILLING, COVERAGE])
    tracker = make_tracker(opening, intent="add_ticket_comment", slots={"language": language})

    events = await ValidateTicketCommentForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["ticket_reference"] == "12"
    assert slots_of(events)["ticket_comment"] == comment
    assert responses(dispatcher) == []


async def test_without_open_tickets_the_question_has_no_buttons(backend, dispatcher):
    helpdesk(backend, [CLOSED])
    await ActionAskTicketReference(backend.client()).run(dispatcher, make_tracker(""), DOMAIN)
    assert responses(dispatcher) == ["utter_ask_ticket_reference"]
    assert not dispatcher.messages[0].get("buttons")


async def test_a_ticket_button_answers_the_question(backend, dispatcher):
    helpdesk(backend, [BILLING, COVERAGE])
    tracker = make_tracker(
        '/inform{"ticket_number": "T-2026-000007"}',
        intent="inform",
        entities=[entity("ticket_number", "T-2026-000007")],
        slots={"requested_slot": "ticket_reference"},
    )

    events = await ValidateTicketCommentForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["ticket_reference"] == "7"


@pytest.mark.parametrize(
    ("text", "asked", "expected"),
    [
        ("ajoute une note au ticket n° 4471 svp", False, "4471"),
        ("zet iets bij ticketnummer SR-20931", False, "SR-20931"),
        ("comment on my ticket about the bill", False, None),
        ("mijn gsm-nummer is 0470 12 34 56, voeg dat toe aan mijn ticket", False, None),
        ("TK-8841", True, "TK-8841"),
        ("0470 12 34 56", True, None),
    ],
)
def test_references_people_give_for_a_ticket(text: str, asked: bool, expected: str | None) -> None:
    assert named_reference(text, [], asked) == expected


@pytest.mark.parametrize(
    ("text", "asked", "lost"),
    [
        ("j'ai égaré... enfin je ne retrouve plus le numéro du ticket", False, True),
        ("ik heb dat nummer niet meer", False, True),
        ("I can't remember the reference", False, True),
        ("je sais plus", True, True),
        ("kwijt", True, True),
        ("dunno", True, True),
        ("le technicien passe demain", True, False),
        ("add to my ticket that the number works again", False, False),
    ],
)
def test_a_lost_number_in_the_three_languages(text: str, asked: bool, lost: bool) -> None:
    assert lost_ticket_number(text, asked) is lost


@pytest.mark.parametrize(
    "text",
    [
        "je voudrais ajouter un commentaire à mon ticket",
        "voeg iets toe aan dat ticket van gisteren",
        "add a note to my ticket - I don't know its number",
        "Bonjour : je voudrais compléter mon ticket",
    ],
)
def test_an_opening_without_the_comment_text_gives_none(text: str) -> None:
    assert comment_in_opening(text) is None
