"""Helpdesk tickets: subject buttons, description / contact checks, summary, create, status."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.api.backend import TicketSubject
from actions.faq import ActionAnswerFaq
from actions.operations import ActionCancelOperation, ActionConfirmOperation
from actions.tickets import (
    ActionAddTicketComment,
    ActionAskTicketContactNumber,
    ActionAskTicketSubject,
    ActionPrepareTicket,
    ActionShowTickets,
    ValidateTicketCommentForm,
    ValidateTicketForm,
    contact_number_in,
    find_ticket_number,
    match_subject,
    split_followup_comment,
    subject_from_words,
)
from tests.actions.support import (
    FakeBackend,
    entity,
    error,
    json_response,
    make_tracker,
    me_end_user,
    responses,
)
from validation import check_phone_number, display_format

DOMAIN: dict[str, Any] = {
    "forms": {
        "ticket_form": {
            "required_slots": ["ticket_subject", "ticket_description", "ticket_contact_number"]
        },
        "ticket_comment_form": {"required_slots": ["ticket_reference", "ticket_comment"]},
    }
}
SUBJECTS = [
    {"code": "network_coverage", "names": {"fr": "Couverture réseau", "nl": "Netwerkbereik",
                                           "en": "Network coverage"}},
    {"code": "billing", "names": {"fr": "Facturation", "nl": "Facturatie", "en": "Billing"}},
    {"code": "other", "names": {"fr": "Autre", "nl": "Andere", "en": "Other"}},
]  # fmt: skip
LONG = "Since Monday my phone has no coverage at the Ghent office, calls drop."
FILLED = {"ticket_subject": "billing", "ticket_description": LONG,
          "ticket_contact_number": "+32470123456"}  # fmt: skip
TICKET = {"id": 7, "number": "T-2026-000007", "status": "open", "subject_code": "billing",
          "created_at": "2026-11-20T10:00:00Z", "comments": []}  # fmt: skip


def helpdesk(backend: FakeBackend) -> FakeBackend:
    backend.on("GET", "/api/v1/me", me_end_user())
    backend.on("GET", "/api/v1/tickets/subjects", SUBJECTS)
    return backend


def slots_of(events: list[Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_contact_numbers_belgian_or_international():
    assert check_phone_number("0470 12 34 56") == "+32470123456"
    assert check_phone_number("02 511 22 33") == "+3225112233"
    assert check_phone_number("+33 6 12 34 56 78") == "+33612345678"
    assert check_phone_number("0044 7911 123456") == "+447911123456"
    assert display_format("+32470123456") == "0470 12 34 56"
    assert display_format("+33612345678").startswith("+33")
    for bad in ("12345", "0470 12", "hello", "+32 999"):
        try:
            check_phone_number(bad)
        except ValueError:
            continue
        raise AssertionError(bad)


def test_ticket_numbers_are_read_in_usual_forms():
    assert find_ticket_number("status of T-2026-12 please") == "T-2026-000012"
    assert find_ticket_number("t2026-000007") == "T-2026-000007"
    assert find_ticket_number("my ticket") is None


async def test_subject_asked_with_one_button_per_backend_subject(backend, dispatcher):
    helpdesk(backend)
    tracker = make_tracker("open a ticket", intent="create_ticket", slots={"language": "fr"})
    await ActionAskTicketSubject(backend.client()).run(dispatcher, tracker, DOMAIN)
    [message] = dispatcher.messages
    assert message["response"] == "utter_ask_ticket_subject"
    assert [b["title"] for b in message["buttons"]] == ["Couverture réseau", "Facturation", "Autre"]
    assert message["buttons"][1]["payload"] == '/inform{"ticket_subject": "billing"}'


async def test_subject_and_number_given_at_once_only_description_is_missing(backend, dispatcher):
    helpdesk(backend)
    tracker = make_tracker(
        "open a billing ticket, call me on 0470 12 34 56",
        intent="create_ticket",
        entities=[entity("phone_number", "0470 12 34 56")],
    )
    events = await ValidateTicketForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    values = slots_of(events)
    assert values["ticket_subject"] == "billing"
    assert values["ticket_contact_number"] == "+32470123456"
    assert values["ticket_description"] is None


async def test_short_description_is_re_asked_with_the_manual_advice(backend, dispatcher):
    helpdesk(backend)
    asked = {"requested_slot": "ticket_description", "ticket_subject": "billing"}
    tracker = make_tracker("no network", intent="inform", slots=asked)
    events = await ValidateTicketForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_invalid_ticket_description"]
    assert "ticket_description" not in slots_of(events)
    ok = make_tracker(LONG, intent="inform", slots=asked)
    events = await ValidateTicketForm(backend.client()).run(dispatcher, ok, DOMAIN)
    assert slots_of(events)["ticket_description"] == LONG


async def test_bad_contact_number_is_re_asked_then_explained_after_two_failures(
    backend, dispatcher
):
    helpdesk(backend)
    asked = {"requested_slot": "ticket_contact_number", "form_failed_attempts": 1.0}
    tracker = make_tracker("12345", intent="inform", slots=asked)
    await ValidateTicketForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == [
        "utter_invalid_ticket_contact_number",
        "utter_explain_ticket_contact_number",
        "utter_form_stuck",
    ]


@pytest.mark.parametrize(
    "answer", ["mijn nummer", "op mijn eigen gsm graag", "sur mon portable", "le mien", "my number"]
)
async def test_the_callers_own_number_in_words_answers_the_contact_question(
    backend, dispatcher, answer
):
    # set27 nl-033: "mijn nummer" was read as "show my lines", three times over.
    helpdesk(backend)
    asked = {"requested_slot": "ticket_contact_number", "ticket_subject": "billing"}
    tracker = make_tracker(answer, intent="show_lines", slots=asked)
    events = await ValidateTicketForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert slots_of(events)["ticket_contact_number"] == "+32470000002"
    assert responses(dispatcher) == []


async def test_summary_then_yes_creates_the_ticket_once_with_a_stable_key(backend, dispatcher):
    helpdesk(backend)
    created: list[httpx.Request] = []

    def create(request: httpx.Request) -> httpx.Response:
        created.append(request)
        return json_response(201, {"id": 7, "number": "T-2026-000007", "status": "open"})

    backend.on("POST", "/api/v1/tickets", create)
    filled = {"ticket_subject": "network_coverage", "ticket_description": LONG,
              "ticket_contact_number": "+32470123456"}  # fmt: skip
    prepare = make_tracker("", intent="inform", slots=filled)
    events = await ActionPrepareTicket(backend.client()).run(dispatcher, prepare, DOMAIN)
    assert responses(dispatcher) == ["utter_summary_ticket", "utter_ask_confirm_operation"]
    assert dispatcher.messages[0]["contact_number"] == "0470 12 34 56"
    assert dispatcher.messages[0]["subject"] == "Network coverage"
    pending = slots_of(events)
    assert pending["pending_operation_id"].startswith("ticket:new:")
    assert not created  # nothing before "yes"

    yes = make_tracker("yes", intent="affirm", slots={**filled, **pending})
    done = await ActionConfirmOperation(backend.client()).run(dispatcher, yes, DOMAIN)
    await ActionConfirmOperation(backend.client()).run(dispatcher, yes, DOMAIN)  # retried
    assert len(created) == 2
    assert created[0].headers["Idempotency-Key"] == created[1].headers["Idempotency-Key"]
    assert json.loads(created[0].content) == {
        "subject_code": "network_coverage",
        "description": LONG,
        "contact_number": "+32470123456",
    }
    assert dispatcher.messages[-1]["response"] == "utter_ticket_created"
    assert dispatcher.messages[-1]["number"] == "T-2026-000007"
    assert SlotSet("ticket_description", None) in done


async def test_no_to_the_summary_creates_nothing(backend, dispatcher):
    helpdesk(backend)
    pending = {"pending_operation_id": "ticket:new:abc", "pending_operation_type": "create_ticket"}
    tracker = make_tracker("no", intent="deny", slots=pending)
    await ActionCancelOperation(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_operation_cancelled"]
    assert "/api/v1/tickets" not in backend.paths()
    assert not any("/operations" in path for path in backend.paths())


async def test_backend_down_on_yes_keeps_the_ticket_pending_for_a_retry(backend, dispatcher):
    helpdesk(backend)
    backend.on("POST", "/api/v1/tickets", error(503, "unavailable"))
    slots = {**FILLED, "pending_operation_id": "ticket:new:k1",
             "pending_operation_type": "create_ticket"}  # fmt: skip
    tracker = make_tracker("yes", intent="affirm", slots=slots)
    events = await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_backend_unavailable", "utter_confirm_retry_hint"]
    assert events == []


async def test_backend_refusing_the_description_says_so(backend, dispatcher):
    helpdesk(backend)
    backend.on("POST", "/api/v1/tickets", error(422, "description_too_short"))
    slots = {**FILLED, "pending_operation_id": "ticket:new:k1",
             "pending_operation_type": "create_ticket"}  # fmt: skip
    tracker = make_tracker("yes", intent="affirm", slots=slots)
    await ActionConfirmOperation(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_invalid_ticket_description"]


async def test_open_tickets_listed(backend, dispatcher):
    helpdesk(backend)
    backend.on("GET", "/api/v1/tickets", [TICKET])
    tracker = make_tracker("my open tickets", intent="ask_ticket_status")
    await ActionShowTickets(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_open_tickets"]
    assert "T-2026-000007 · Billing" in dispatcher.messages[0]["tickets"]
    assert backend.requests[-1].url.params["status"] == "open"


async def test_one_ticket_status_with_its_last_comment(backend, dispatcher):
    helpdesk(backend)
    backend.on("GET", "/api/v1/tickets", [TICKET])
    comment = {"author": "Support", "body": "We are on it", "created_at": "2026-11-21"}
    backend.on("GET", "/api/v1/tickets/7", {**TICKET, "status": "in_progress",
                                             "comments": [comment]})  # fmt: skip
    tracker = make_tracker(
        "status of T-2026-000007",
        intent="ask_ticket_status",
        entities=[entity("ticket_number", "T-2026-000007")],
    )
    await ActionShowTickets(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_ticket_status_in_progress", "utter_ticket_last_comment"]


async def test_unknown_ticket_number_and_backend_down(backend, dispatcher):
    helpdesk(backend)
    backend.on("GET", "/api/v1/tickets", [TICKET])
    tracker = make_tracker("status of T-2026-000099", intent="ask_ticket_status")
    await ActionShowTickets(backend.client()).run(dispatcher, tracker, DOMAIN)
    backend.on("GET", "/api/v1/tickets", error(500, "boom"))
    await ActionShowTickets(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_ticket_not_found", "utter_backend_unavailable"]


async def test_comment_added_to_the_named_ticket(backend, dispatcher):
    helpdesk(backend)
    backend.on("GET", "/api/v1/tickets", [TICKET])
    backend.on("GET", "/api/v1/tickets/7", TICKET)
    posted: list[httpx.Request] = []

    def comment(request: httpx.Request) -> httpx.Response:
        posted.append(request)
        return json_response(201, {"author": "Jan", "body": "still broken"})

    backend.on("POST", "/api/v1/tickets/7/comments", comment)
    start = make_tracker("comment on T-2026-000007", intent="add_ticket_comment")
    events = await ValidateTicketCommentForm(backend.client()).run(dispatcher, start, DOMAIN)
    assert slots_of(events)["ticket_reference"] == "7"
    tracker = make_tracker(
        "still broken",
        intent="inform",
        slots={"ticket_reference": "7", "ticket_comment": "still broken"},
    )
    await ActionAddTicketComment(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert json.loads(posted[0].content) == {"body": "still broken"}
    assert posted[0].headers["Idempotency-Key"]
    assert responses(dispatcher) == ["utter_ticket_comment_added"]


async def test_comment_on_someone_elses_ticket_is_not_found(backend, dispatcher):
    helpdesk(backend)
    backend.on("POST", "/api/v1/tickets/8/comments", error(404, "ticket_not_found"))
    tracker = make_tracker(
        "x", intent="inform", slots={"ticket_reference": "8", "ticket_comment": "hello"}
    )
    await ActionAddTicketComment(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_ticket_not_found"]


def test_subject_words_match_whole_words_only():
    subjects = [TicketSubject.model_validate(s) for s in SUBJECTS]
    assert match_subject("open another ticket", subjects) is None
    assert match_subject("un ticket pour la facturation", subjects).code == "billing"  # type: ignore[union-attr]
    assert match_subject("Netwerkbereik", subjects).code == "network_coverage"  # type: ignore[union-attr]


async def test_contact_number_asked_with_the_callers_own_number_as_a_button(backend, dispatcher):
    helpdesk(backend)
    tracker = make_tracker("…", intent="inform")
    await ActionAskTicketContactNumber(backend.client()).run(dispatcher, tracker, DOMAIN)
    [message] = dispatcher.messages
    assert message["response"] == "utter_ask_ticket_contact_number"
    assert message["buttons"] == [
        {"title": "0470 00 00 02", "payload": '/inform{"phone_number": "+32470000002"}'}
    ]


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("couverture réseau", "network_coverage"),
        ("geen bereik in het magazijn", "network_coverage"),
        # set23 fr-027: mobile data in French was no network word
        ("mes donnees mobiles ne marchent pas depuis hier", "network_coverage"),
        ("mijn mobiele data werkt niet meer", "network_coverage"),
        ("we were charged twice on the invoice", "billing"),
        ("rien de tout ça, autre chose", "other"),
        ("hmm", None),
    ],
)
def test_a_subject_described_in_peoples_words_is_found(typed: str, code: str | None) -> None:
    assert subject_from_words(typed) == code


async def test_an_opening_that_describes_the_problem_fills_subject_and_description(
    backend, dispatcher
):
    helpdesk(backend)
    opening = (
        "Bonjour, depuis lundi nous avons un très mauvais réseau dans notre entrepôt : les "
        "chauffeurs n'arrivent pas à appeler. Pouvez-vous ouvrir un ticket ?"
    )
    tracker = make_tracker(opening, intent="create_ticket")

    values = slots_of(await ValidateTicketForm(backend.client()).run(dispatcher, tracker, DOMAIN))

    assert values["ticket_subject"] == "network_coverage"
    assert values["ticket_description"] == opening


@pytest.mark.parametrize(
    ("opening", "description_end", "comment"),
    [
        (
            "Ouvre un ticket facturation stp : montant de roaming bizarre sur la F2026-000105. "
            "Et une fois cree, ajoute en commentaire que la facture d'octobre a le meme probleme.",
            "F2026-000105",
            "La facture d'octobre a le meme probleme",
        ),
        (
            "Plus de réseau chez moi à Mortsel depuis une semaine, ouvrez un ticket. Et ensuite "
            "ajoutez-y svp que mes voisins ont le même souci.",
            "ouvrez un ticket",
            "Mes voisins ont le même souci",
        ),
        (
            "Geen bereik in ons magazijn in Gent sinds maandag. Voeg daarna als opmerking toe "
            "dat het enkel binnen is.",
            "sinds maandag",
            "Het enkel binnen is",
        ),
        (
            "no coverage in our Ghent office basement, open a ticket, and after that add a note "
            "that it's only since last week",
            "open a ticket",
            "It's only since last week",
        ),
    ],
)
def test_a_comment_asked_for_after_the_ticket_is_split_off(
    opening: str, description_end: str, comment: str
) -> None:
    split = split_followup_comment(opening)
    assert split.description.endswith(description_end)
    assert split.comment == comment
    assert not split.wanted


@pytest.mark.parametrize(
    "text",
    [
        "The export button gives an error and then I have to add the lines by hand, every day",
        "Depuis la mise à jour le téléphone redémarre, puis il faut ajouter le code PIN",
    ],
)
def test_a_description_that_only_mentions_adding_stays_whole(text: str) -> None:
    assert split_followup_comment(text) == (text, None, False)


async def test_the_comment_from_the_opening_is_shown_then_added_once_on_yes(backend, dispatcher):
    helpdesk(backend)
    opening = (
        "hi, can you open a ticket because I have no coverage in our Ghent office basement, "
        "and after that add a note that it's only since last week pls"
    )
    tracker = make_tracker(opening, intent="create_ticket")
    filled = slots_of(await ValidateTicketForm(backend.client()).run(dispatcher, tracker, DOMAIN))
    assert filled["ticket_description"].endswith("Ghent office basement")
    assert filled["ticket_followup_comment"] == "It's only since last week pls"

    backend.on("POST", "/api/v1/tickets", {"id": 7, "number": "T-2026-000007", "status": "open"})
    comments: list[httpx.Request] = []

    def comment(request: httpx.Request) -> httpx.Response:
        comments.append(request)
        return json_response(201, {"id": 1, "author_role": "customer", "body": "x"})

    backend.on("POST", "/api/v1/tickets/7/comments", comment)
    slots = {**filled, "ticket_contact_number": "+32470000002"}
    prepare = make_tracker("", intent="inform", slots=slots)
    pending = slots_of(await ActionPrepareTicket(backend.client()).run(dispatcher, prepare, DOMAIN))
    assert responses(dispatcher) == [
        "utter_summary_ticket",
        "utter_summary_ticket_followup",
        "utter_ask_confirm_operation",
    ]
    yes = make_tracker("yes", intent="affirm", slots={**slots, **pending})
    await ActionConfirmOperation(backend.client()).run(dispatcher, yes, DOMAIN)
    await ActionConfirmOperation(backend.client()).run(dispatcher, yes, DOMAIN)  # retried

    assert [json.loads(r.content) for r in comments] == [
        {"body": "It's only since last week pls"}
    ] * 2
    assert comments[0].headers["Idempotency-Key"] == comments[1].headers["Idempotency-Key"]
    assert responses(dispatcher)[-2:] == ["utter_ticket_created", "utter_ticket_comment_added"]


async def test_the_ticket_just_created_is_the_one_commented(backend, dispatcher):
    helpdesk(backend)
    newer = {**TICKET, "id": 9, "number": "T-2026-000009", "created_at": "2026-12-06T10:00:00Z"}
    backend.on("GET", "/api/v1/tickets", [TICKET, newer])
    tracker = make_tracker(
        "the one you just created",
        intent="inform",
        slots={"requested_slot": "ticket_reference"},
    )

    events = await ValidateTicketCommentForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert slots_of(events)["ticket_reference"] == "9"
    assert responses(dispatcher) == []


async def test_a_correction_at_the_ticket_summary_changes_the_contact_only(backend, dispatcher):
    helpdesk(backend)
    tracker = make_tracker(
        "En fait mettez plutôt Nathalie comme contact, elle est sur place : 0470 00 00 06",
        intent="inform",
        entities=[entity("phone_number", "0470 00 00 06")],
        slots={
            **FILLED,
            "pending_operation_id": "ticket:new:abc",
            "pending_operation_type": "create_ticket",
        },
    )

    events = await ValidateTicketForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    values = slots_of(events)
    assert values["ticket_contact_number"] == "+32470000006"
    assert "ticket_description" not in values and "ticket_subject" not in values
    assert values["pending_operation_id"] is None  # the new summary gets its own id
    assert responses(dispatcher) == []


async def test_a_new_ticket_with_a_note_read_as_a_comment_goes_to_the_ticket_form(
    backend, dispatcher
):
    helpdesk(backend)
    opening = (
        "hi, can you open a ticket because I have no coverage in our Ghent office basement, my "
        "number is 0470 00 00 02. and after that add a note that it's only since last week pls"
    )
    said = make_tracker(
        opening, intent="add_ticket_comment", entities=[entity("phone_number", "0470 00 00 02")]
    )

    events = await ValidateTicketCommentForm(backend.client()).run(dispatcher, said, DOMAIN)

    assert ActiveLoop(None) in events
    assert events[-1] == FollowupAction("ticket_form")
    assert "/api/v1/tickets" not in backend.paths()  # no "which ticket?" lookup
    filled = slots_of(await ValidateTicketForm(backend.client()).run(dispatcher, said, DOMAIN))
    assert filled["ticket_followup_comment"] == "It's only since last week pls"
    assert filled["ticket_contact_number"] == "+32470000002"


def _phone_regex() -> re.Pattern[str]:
    """The ``phone_number`` regex of the NLU data, the one Rasa's extractor runs."""
    nlu = yaml.safe_load((Path(__file__).parents[2] / "data/nlu/lines.yml").read_text())
    [block] = [item for item in nlu["nlu"] if item.get("regex") == "phone_number"]
    return re.compile(block["examples"].strip().removeprefix("- "))


PHONE_REGEX = _phone_regex()


def numbers_in(text: str) -> list[str]:
    """The ``phone_number`` entities Rasa's regex extractor gives for ``text``."""
    return [match.group(0) for match in PHONE_REGEX.finditer(text)]


@pytest.mark.parametrize(
    ("opening", "contact"),
    [
        (
            "Hanne Stevens vertrekt en wil haar nummer 0470 00 00 22 houden als prepaid. Maak "
            "daar een ticket voor aan aub, contact mag via mij op 0470 00 00 01.",
            "+32470000001",
        ),
        (
            "The porting of Youssef Benali's number 0475 12 34 56 is taking ages. Open a ticket "
            "please, call me back on 0470 00 00 01.",
            "+32470000001",
        ),
        (
            "Le portage du 0475 12 34 56 de Youssef traîne depuis 2 semaines, ouvrez un ticket, "
            "rappelez-moi au 0470 00 00 01 svp",
            "+32470000001",
        ),
        (
            "Plus de réseau sur le 0475 12 34 56 à l'entrepôt, ticket svp, je suis joignable au "
            "+32 470 00 00 01",
            "+32470000001",
        ),
        (
            "Geen bereik op 0475 12 34 56 in het magazijn, maak een ticket, bel me terug op "
            "0470.00.00.01",
            "+32470000001",
        ),
        (
            "ticket please: no data on 0475 12 34 56 since monday. you can reach me at "
            "0470 00 00 01",
            "+32470000001",
        ),
        (
            "ticket svp, 0470 00 00 01 c'est mon numéro, le souci est sur le 0475 12 34 56",
            "+32470000001",
        ),
    ],
)
def test_the_number_after_contact_words_is_the_contact(opening: str, contact: str) -> None:
    assert contact_number_in(opening, numbers_in(opening)) == (contact, False)


@pytest.mark.parametrize(
    "opening",
    [
        "Ticket voor de overdracht van 0475 12 34 56 naar 0470 00 00 22 aub, loopt vast",
        "Open a ticket: 0475 12 34 56 and 0470 00 00 22 both lost data since Monday",
        "Ouvrez un ticket, le 0475 12 34 56 et le 0470 00 00 22 n'ont plus de réseau",
    ],
)
def test_several_numbers_without_a_contact_word_are_ambiguous(opening: str) -> None:
    assert contact_number_in(opening, numbers_in(opening)) == (None, True)


def test_one_number_answering_the_contact_question_is_the_contact() -> None:
    text = "porting of 0475 12 34 56 is stuck, open a ticket"
    assert contact_number_in(text, numbers_in(text)) == ("+32475123456", False)
    assert contact_number_in("+32470000002", ["+32470000002"]) == ("+32470000002", False)
    # Not asked (an opening): the number is what the ticket is about.
    assert contact_number_in(text, numbers_in(text), asked=False) == (None, False)


async def test_the_contact_from_the_opening_is_the_marked_number(backend, dispatcher):
    helpdesk(backend)
    opening = (
        "Hanne Stevens vertrekt en wil haar nummer 0470 00 00 22 houden als prepaid. Maak daar "
        "een ticket voor aan aub, contact mag via mij op 0470 00 00 01."
    )
    entities = [entity("phone_number", n) for n in numbers_in(opening)]
    tracker = make_tracker(opening, intent="create_ticket", entities=entities)

    values = slots_of(await ValidateTicketForm(backend.client()).run(dispatcher, tracker, DOMAIN))

    assert values["ticket_contact_number"] == "+32470000001"
    assert values["ticket_description"] == opening


@pytest.mark.parametrize(
    ("language", "opening"),
    [
        ("fr", "Ouvrez un ticket svp, le portage du 0475 12 34 56 vers le 0470 00 00 22 bloque "
               "depuis dix jours, personne ne nous répond."),
        ("nl", "Maak een ticket aub, de overdracht van 0475 12 34 56 naar 0470 00 00 22 zit al "
               "tien dagen vast en niemand antwoordt."),
        ("en", "Open a ticket please, the porting of 0475 12 34 56 onto 0470 00 00 22 has been "
               "stuck for ten days and nobody answers."),
    ],
)  # fmt: skip
async def test_several_unmarked_numbers_ask_for_the_contact_offering_the_own_line(
    backend, dispatcher, language: str, opening: str
):
    helpdesk(backend)
    entities = [entity("phone_number", n) for n in numbers_in(opening)]
    tracker = make_tracker(
        opening, intent="create_ticket", entities=entities, slots={"language": language}
    )

    values = slots_of(await ValidateTicketForm(backend.client()).run(dispatcher, tracker, DOMAIN))
    assert values["ticket_contact_number"] is None  # not guessed
    await ActionAskTicketContactNumber(backend.client()).run(dispatcher, tracker, DOMAIN)

    [message] = dispatcher.messages
    assert message["response"] == "utter_ask_ticket_contact_number_several"
    assert message["numbers"] == "0475 12 34 56, 0470 00 00 22"
    assert message["own_number"] == "0470 00 00 02"
    assert message["buttons"][0]["payload"] == '/inform{"phone_number": "+32470000002"}'


# --- A number the ticket is about is not the contact (set9 fr-920) ---------------------------


@pytest.mark.parametrize(
    ("language", "opening"),
    [
        ("fr", "Bonjour, pourriez-vous ouvrir un ticket : le transfert du numéro de Léa Martin "
               "(0475 12 34 56) chez vous n'avance pas depuis deux semaines."),
        ("fr", "Ouvrez un ticket svp, Youssef n'est plus joignable sur le 0475 12 34 56 depuis "
               "hier matin."),
        ("nl", "Kunnen jullie een ticket aanmaken? De overzetting van 0475 12 34 56 voor onze "
               "collega Bart zit al een week vast."),
        ("nl", "Graag een ticket, mijn collega is niet meer bereikbaar op 0475 12 34 56 sinds "
               "gisteren."),
        ("en", "Please open a ticket, my colleague Sarah's line 0475 12 34 56 has had no signal "
               "since Tuesday."),
        ("en", "Open a ticket please: 0475 12 34 56 is not reachable since this morning, calls "
               "go straight to voicemail."),
    ],
)  # fmt: skip
async def test_a_number_the_opening_is_about_is_not_taken_as_the_contact(
    backend, dispatcher, language: str, opening: str
):
    helpdesk(backend)
    entities = [entity("phone_number", n) for n in numbers_in(opening)]
    tracker = make_tracker(
        opening, intent="create_ticket", entities=entities, slots={"language": language}
    )

    values = slots_of(await ValidateTicketForm(backend.client()).run(dispatcher, tracker, DOMAIN))
    assert values["ticket_contact_number"] is None
    assert values["ticket_description"] == opening
    await ActionAskTicketContactNumber(backend.client()).run(dispatcher, tracker, DOMAIN)

    # The usual question, the caller's own line as the shortcut.
    [message] = dispatcher.messages
    assert message["response"] == "utter_ask_ticket_contact_number"
    assert message["buttons"][0]["payload"] == '/inform{"phone_number": "+32470000002"}'


@pytest.mark.parametrize(
    "opening",
    [
        "Ouvrez un ticket, l'écran de mon GSM est fissuré, je suis joignable au 0470 00 00 01",
        "mon numéro : 0470 00 00 01, ouvrez un ticket pour l'écran cassé svp",
        "Pouvez-vous ouvrir un ticket pour ma facture, rappelez-moi au 0470 00 00 01",
        "Maak een ticket voor mijn kapotte scherm aub, bel me op 0470 00 00 01",
        "ticket aub voor de factuur van oktober, mijn gsm-nummer is 0470 00 00 01",
        "Graag een ticket over de roaming, ik ben bereikbaar op 0470 00 00 01",
        "open a ticket for the cracked screen, you can reach me at 0470 00 00 01",
        "open a ticket about the October invoice, my number 0470 00 00 01",
        "Could you log a ticket, the invoice is wrong. Call me back on 0470 00 00 01 please",
        "Maak een ticket voor de kapotte simkaart, neem 0470 00 00 01 als contact",
        "Please open a ticket, roaming fails in Spain. Regards, Jan Peeters, tel. 0470 00 00 01",
    ],
)
def test_a_number_presented_as_the_contact_is_still_taken_from_the_opening(opening: str) -> None:
    assert contact_number_in(opening, numbers_in(opening), asked=False) == ("+32470000001", False)


async def test_a_number_in_the_description_answer_is_not_the_contact(backend, dispatcher):
    helpdesk(backend)
    answer = "0475 12 34 56 heeft geen bereik meer in het magazijn sinds maandag"
    tracker = make_tracker(
        answer,
        intent="inform",
        entities=[entity("phone_number", "0475 12 34 56")],
        slots={"requested_slot": "ticket_description", "ticket_subject": "network_coverage"},
    )

    values = slots_of(await ValidateTicketForm(backend.client()).run(dispatcher, tracker, DOMAIN))

    assert values["ticket_description"] == answer
    assert "ticket_contact_number" not in values


async def test_a_bare_number_at_the_ticket_summary_still_corrects_the_contact(backend, dispatcher):
    helpdesk(backend)
    pending = {"pending_operation_id": "ticket:new:abc", "pending_operation_type": "create_ticket"}
    tracker = make_tracker(
        "nee, 0470 00 00 05",
        intent="inform",
        entities=[entity("phone_number", "0470 00 00 05")],
        slots={**FILLED, **pending},
    )

    values = slots_of(await ValidateTicketForm(backend.client()).run(dispatcher, tracker, DOMAIN))

    assert values["ticket_contact_number"] == "+32470000005"


# --- A comment announced without its text is asked once the ticket exists (set9 fr/nl-921) ---


@pytest.mark.parametrize(
    ("opening", "description"),
    [
        ("salut, mon GSM s'éteint tout seul, vous pouvez m'ouvrir un ticket ? et après je dois "
         "y ajouter une petite précision",
         "salut, mon GSM s'éteint tout seul, vous pouvez m'ouvrir un ticket ?"),
        ("Ouvrez-moi un ticket : l'écran de mon téléphone est fissuré. Je voudrais ajouter une "
         "remarque après.",
         "Ouvrez-moi un ticket : l'écran de mon téléphone est fissuré"),
        ("Je voudrais un ticket pour la facture de novembre, ensuite je rajouterai des "
         "précisions. Le montant est le double du mois passé.",
         "Je voudrais un ticket pour la facture de novembre. Le montant est le double du mois "
         "passé."),
        ("Mijn scherm blijft zwart sinds gisteren, kan je een ticket openen? Ik wil er "
         "achteraf nog iets aan toevoegen.",
         "Mijn scherm blijft zwart sinds gisteren, kan je een ticket openen?"),
        ("gelieve een ticket te openen, mijn factuur klopt niet. Nadien voeg ik er nog wat "
         "info aan toe.",
         "gelieve een ticket te openen, mijn factuur klopt niet"),
        ("Maak een ticket aan voor de roaming die niet werkt in Spanje en daarna wil ik nog een "
         "opmerking toevoegen",
         "Maak een ticket aan voor de roaming die niet werkt in Spanje"),
        ("My phone won't charge anymore, can you open a ticket? And then I'd like to add a "
         "comment.",
         "My phone won't charge anymore, can you open a ticket?"),
        ("Please log a ticket for the wrong amount on invoice F2026-000105; I'll add some more "
         "details afterwards.",
         "Please log a ticket for the wrong amount on invoice F2026-000105"),
        ("no coverage in our Ghent office basement, open a ticket, and then add a comment to "
         "it later",
         "no coverage in our Ghent office basement, open a ticket"),
    ],
)  # fmt: skip
def test_a_comment_announced_for_later_without_its_text_is_wanted(
    opening: str, description: str
) -> None:
    assert split_followup_comment(opening) == (description, None, True)


@pytest.mark.parametrize(
    "text",
    [
        "Sinds de update valt mijn gsm uit en daarna moet ik de simkaart er opnieuw in zetten",
        "Mon téléphone ne charge plus, et après avoir ajouté une batterie neuve rien ne change",
        "After the update I have to add the APN settings again, then it works for a day",
    ],
)
def test_adding_something_to_the_phone_announces_no_comment(text: str) -> None:
    assert split_followup_comment(text) == (text, None, False)


@pytest.mark.parametrize(
    ("language", "opening", "comment"),
    [
        ("fr", "slt, mon GSM ne charge plus du tout depuis hier soir, je voudrais ouvrir un "
               "ticket. et apres faut que j'y ajoute une precision",
         "Le chargeur a été changé, même souci"),
        ("nl", "Ik krijg geen oproepen meer binnen sinds de nieuwe simkaart. Kan ik daar een "
               "ticket voor openen? Ik zou er achteraf ook nog iets aan willen toevoegen.",
         "Het gaat enkel om inkomende oproepen"),
        ("en", "My phone keeps dropping calls in the office since Monday, can you open a "
               "ticket? And then I'd like to add a comment to it.",
         "It also happens at the Antwerp site"),
    ],
)  # fmt: skip
async def test_the_announced_comment_is_asked_after_creation_then_added_to_the_new_ticket(
    backend, language: str, opening: str, comment: str
):
    helpdesk(backend)
    created = {"id": 7, "number": "T-2026-000007", "status": "open"}
    backend.on("POST", "/api/v1/tickets", json_response(201, created))
    backend.on("GET", "/api/v1/tickets/7", TICKET)
    posted: list[httpx.Request] = []

    def add(request: httpx.Request) -> httpx.Response:
        posted.append(request)
        return json_response(201, {"id": 1, "author_role": "customer", "body": comment})

    backend.on("POST", "/api/v1/tickets/7/comments", add)
    lang = {"language": language}

    # The opening: its description without the announcement, the wish kept.
    said = make_tracker(opening, intent="create_ticket", slots=lang)
    form = CollectingDispatcher()
    filled = slots_of(await ValidateTicketForm(backend.client()).run(form, said, DOMAIN))
    assert filled["ticket_followup_wanted"] is True
    assert filled["ticket_followup_comment"] is None
    assert "ajoute" not in filled["ticket_description"]
    assert "toevoegen" not in filled["ticket_description"]
    assert "add a comment" not in filled["ticket_description"]

    # The summary says the comment is asked next.
    slots = {**lang, **filled, "ticket_subject": "other", "ticket_contact_number": "+32470000002"}
    summary = CollectingDispatcher()
    prepare = make_tracker("", intent="inform", slots=slots)
    pending = slots_of(await ActionPrepareTicket(backend.client()).run(summary, prepare, DOMAIN))
    assert responses(summary) == [
        "utter_summary_ticket",
        "utter_summary_ticket_followup_asked",
        "utter_ask_confirm_operation",
    ]

    # "Yes": the ticket is created, then the comment form starts on it (nothing posted yet).
    confirm = CollectingDispatcher()
    yes = make_tracker("yes", intent="affirm", slots={**slots, **pending})
    events = await ActionConfirmOperation(backend.client()).run(confirm, yes, DOMAIN)
    assert responses(confirm) == ["utter_ticket_created"]
    assert events[-3:] == [
        SlotSet("ticket_reference", "7"),
        SlotSet("ticket_followup_wanted", None),
        FollowupAction("ticket_comment_form"),
    ]
    assert not posted

    # The comment form starts on the new ticket: no "which ticket?", no new ticket form.
    yes_open = {"fr": "oui, ouvrez le ticket", "nl": "ja, maak het ticket aan",
                "en": "yes, open the ticket"}[language]  # fmt: skip
    started = make_tracker(yes_open, intent="affirm", slots={**lang, "ticket_reference": "7"})
    start_events = await ValidateTicketCommentForm(backend.client()).run(
        CollectingDispatcher(), started, DOMAIN
    )
    assert FollowupAction("ticket_form") not in start_events
    assert ("GET", "/api/v1/tickets") not in [(r.method, r.url.path) for r in backend.requests]

    # The next message is the comment, posted to the new ticket.
    asked = {**lang, "ticket_reference": "7", "requested_slot": "ticket_comment"}
    answer = make_tracker(comment, intent="inform", slots=asked)
    answered = slots_of(
        await ValidateTicketCommentForm(backend.client()).run(
            CollectingDispatcher(), answer, DOMAIN
        )
    )
    assert answered["ticket_comment"] == comment
    done = CollectingDispatcher()
    add_tracker = make_tracker(
        comment, intent="inform", slots={**lang, "ticket_reference": "7", "ticket_comment": comment}
    )
    await ActionAddTicketComment(backend.client()).run(done, add_tracker, DOMAIN)
    assert [json.loads(r.content) for r in posted] == [{"body": comment}]
    assert responses(done) == ["utter_ticket_comment_added"]


async def test_an_announced_comment_survives_a_description_asked_later(backend, dispatcher):
    helpdesk(backend)
    opening = "je voudrais ouvrir un ticket, et ensuite y ajouter un commentaire"
    said = make_tracker(opening, intent="create_ticket", slots={"language": "fr"})
    filled = slots_of(await ValidateTicketForm(backend.client()).run(dispatcher, said, DOMAIN))
    assert filled["ticket_followup_wanted"] is True
    assert filled["ticket_description"] is None  # too short to describe anything: asked

    asked = {**filled, "requested_slot": "ticket_description", "ticket_subject": "other"}
    answer = make_tracker(LONG, intent="inform", slots=asked)
    values = slots_of(await ValidateTicketForm(backend.client()).run(dispatcher, answer, DOMAIN))
    assert values["ticket_description"] == LONG
    assert "ticket_followup_wanted" not in values  # still wanted


async def test_a_comment_given_in_the_opening_is_not_asked_again(backend, dispatcher):
    helpdesk(backend)
    backend.on("POST", "/api/v1/tickets", {"id": 7, "number": "T-2026-000007", "status": "open"})
    backend.on("POST", "/api/v1/tickets/7/comments", json_response(201, {"id": 1, "body": "x"}))
    slots = {**FILLED, "ticket_followup_comment": "Also at the Antwerp site",
             "pending_operation_id": "ticket:new:k1",
             "pending_operation_type": "create_ticket"}  # fmt: skip
    yes = make_tracker("yes", intent="affirm", slots=slots)

    events = await ActionConfirmOperation(backend.client()).run(dispatcher, yes, DOMAIN)

    assert responses(dispatcher) == ["utter_ticket_created", "utter_ticket_comment_added"]
    assert not any(isinstance(e, dict) and e.get("event") == "followup" for e in events)


# --- A forgotten password read as a ticket request (set9 fr-903) -----------------------------


@pytest.mark.parametrize(
    ("typed", "handed_over"),
    [
        ("impossible de me connecter, il dit que mes identifiants sont faux, je ne sais plus si "
         "j'avais changé le mdp. Vous pouvez m'envoyer un lien ?", True),
        ("ik geraak niet binnen, mijn wachtwoord wordt geweigerd, kan je iets sturen?", True),
        ("can't log in any more, the portal rejects my password, can you help?", True),
        # a ticket asked for in so many words stays a ticket
        ("ouvrez un ticket : le lien de mot de passe que je reçois ne fonctionne pas", False),
        ("open a ticket please, the password reset e-mail never arrives", False),
    ],
)  # fmt: skip
async def test_a_password_problem_goes_to_the_reset_unless_a_ticket_is_asked_for(
    backend, dispatcher, typed, handed_over
):
    helpdesk(backend)
    tracker = make_tracker(typed, intent="create_ticket")

    events = await ValidateTicketForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    followups = [e["name"] for e in events if e.get("event") == "followup"]
    assert followups == (["password_reset_form"] if handed_over else [])


@pytest.mark.parametrize(
    ("typed", "intent", "language"),
    [
        ("Can you open a ticket about the porting of Youssef's number? It has been taking ages.",
         "faq_porting", "en"),
        ("Pouvez-vous ouvrir un ticket pour la portabilité du numéro de Youssef ? Ça traîne.",
         "faq_porting", "fr"),
        ("Kunt u een ticket aanmaken over de overzetting van Youssef zijn nummer? Het duurt lang.",
         "faq_porting", "nl"),
    ],
)  # fmt: skip
async def test_a_ticket_asked_for_with_a_how_to_subject_opens_the_ticket(
    backend, dispatcher, typed, intent, language
):
    """set11 en-1133: the how-to of the subject was answered and no ticket was opened."""
    helpdesk(backend)
    tracker = make_tracker(typed, intent=intent, slots={"language": language})

    events = await ActionAnswerFaq(backend.client()).run(dispatcher, tracker, {"responses": {}})
    assert [e["name"] for e in events if e.get("event") == "followup"] == ["ticket_form"]
    assert dispatcher.messages == []

    events = await ValidateTicketForm(backend.client()).run(dispatcher, tracker, DOMAIN)
    assert slots_of(events)["ticket_description"] == typed


@pytest.mark.parametrize(
    ("typed", "language"),
    [
        ("Bel me toch liever terug op mijn vaste lijn op kantoor: 03 123 45 67.", "nl"),
        ("Rappelez-moi plutôt sur mon fixe au bureau : 03 123 45 67.", "fr"),
        ("Actually call me back on my desk phone: 03 123 45 67.", "en"),
    ],
)
async def test_a_corrected_contact_that_is_no_phone_number_is_said_to_be_wrong(
    backend, dispatcher, typed, language
):
    """set11 nl-1136: the summary came back unchanged without a word (libphonenumber: no
    Belgian number starts 03 1…)."""
    helpdesk(backend)
    waiting = {
        "language": language, "ticket_subject": "billing",
        "ticket_description": "Roaming billed for a line that never left Belgium in November.",
        "ticket_contact_number": "+32470000002", "pending_operation_id": "local:ticket",
        "pending_operation_type": "create_ticket", "requested_slot": None,
    }  # fmt: skip
    tracker = make_tracker(typed, intent="inform", slots=waiting)

    await ValidateTicketForm(backend.client()).run(dispatcher, tracker, DOMAIN)

    assert responses(dispatcher)[:1] == ["utter_invalid_ticket_contact_number"]
