"""An answer that carries a value for the question asked is an answer, whatever the intent.

Three classes from the round-2 development failures, each in FR/NL/EN:

- nl-021 / en-020: asked for the SIM card number at the current operator, "simkaartnummer bij
  zijn huidige operator: 8932109876543210987" was read as ``faq_porting``; the number fails its
  check digit, so the form let the message go and the porting FAQ answered it, three times.
  A value of the asked slot's shape (an ICCID, a phone number, an e-mail, an IBAN, an IMEI, a
  customer number) is an answer: checked, and explained when it is wrong, never a FAQ.
- fr-012: "ah si, elle veut garder son numero, elle le reprend a titre prive" to "does the end
  user keep the number?" was read as ``faq_termination_fee``: a keep (or a "no need") said in
  so many words answers the yes/no question.
- en-014: "hold on, she just told me she wants to keep her number after all. Don't deactivate
  it then." at the deactivation summary re-read the unchanged summary, and "yes" deactivated the
  line. The keep is a correction of the deactivation (the prepaid-conversion offer replaces it),
  and "don't deactivate it" alone never confirms: it cancels.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import FollowupAction, SlotSet

from actions.activation import ValidateActivationForm
from actions.answers import answers_slot, calls_off, corrects_pending, keeps_number
from actions.deactivation import ActionPrepareDeactivateLine, ValidateDeactivateLineForm
from actions.operations import ActionConfirmOperation
from tests.actions.support import entity, line, make_tracker, responses
from tests.actions.test_activation import DOMAIN as ACTIVATION_DOMAIN
from tests.actions.test_activation import PORTING_SLOTS, fleet_backend
from tests.actions.test_fleet_line_operations import DOMAIN as FLEET_DOMAIN
from tests.actions.test_fleet_line_operations import fleet, operation, posts, slots_of

# --- nl-021 / en-020: the porting SIM number, read as the porting FAQ -------------------------

# Both numbers of the failing dialogues fail the E.118 (Luhn) check digit.
PORTING_SIM = [
    ("simkaartnummer bij zijn huidige operator: 8932109876543210987", "8932109876543210987", "nl"),
    ("SIM number at his current operator: 8932200011112222333", "8932200011112222333", "en"),
    ("numéro de carte SIM chez son opérateur actuel : 8932200011112222333",
     "8932200011112222333", "fr"),
]  # fmt: skip
RESIDENTIAL = {
    **PORTING_SLOTS,
    "number_type": "residential",
    "requested_slot": "current_sim_number",
}


def porting_answer(text: str, number: str, language: str, **slots: Any) -> Any:
    return make_tracker(
        text,
        intent="faq_porting",
        entities=[entity("iccid", number)],
        slots={**RESIDENTIAL, "language": language, **slots},
    )


@pytest.mark.parametrize(("text", "number", "language"), PORTING_SIM)
async def test_a_porting_sim_number_read_as_the_faq_is_checked_not_answered_with_the_faq(
    backend, dispatcher, text, number, language
):
    fleet_backend(backend)
    validator = ValidateActivationForm(backend.client())

    first = slots_of(
        await validator.run(dispatcher, porting_answer(text, number, language), ACTIVATION_DOMAIN)
    )

    # Not let go for the FAQ: its check digit is pointed out, and the question asked again.
    assert first["current_sim_number"] is None
    assert first["requested_slot"] == "current_sim_number"
    assert responses(dispatcher) == ["utter_doubt_current_sim_number"]

    # The same number again was read off the card: taken, the form goes on.
    dispatcher.messages.clear()
    again = porting_answer(text, number, language, **first)
    second = slots_of(await validator.run(dispatcher, again, ACTIVATION_DOMAIN))
    assert second["current_sim_number"] == number
    assert second["requested_slot"] == "split_bill"
    assert responses(dispatcher) == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("simkaartnummer bij zijn huidige operator: 8932 1098 7654 32", "nl"),
        ("SIM number at his current operator: 8932 1098 7654 32", "en"),
        ("numéro de carte SIM chez son opérateur actuel : 8932 1098 7654 32", "fr"),
    ],
)
async def test_a_porting_sim_number_of_the_wrong_length_says_why(
    backend, dispatcher, text, language
):
    fleet_backend(backend)
    tracker = make_tracker(text, intent="faq_porting", slots={**RESIDENTIAL, "language": language})

    filled = slots_of(
        await ValidateActivationForm(backend.client()).run(dispatcher, tracker, ACTIVATION_DOMAIN)
    )

    assert filled["current_sim_number"] is None
    assert responses(dispatcher) == ["utter_invalid_current_sim_number"]


PHYSICAL = {"sim_type": "physical", "new_iccid": PORTING_SLOTS["new_iccid"]}


# Every slot whose value has a shape: asked for it, a wrong value read as a FAQ is explained.
@pytest.mark.parametrize(
    ("requested", "text", "intent", "entities", "response"),
    [
        ("new_iccid", "la carte c'est la 8932030000000000126", "faq_iccid",
         [entity("iccid", "8932030000000000126")], "utter_invalid_iccid_check_digit"),
        ("port_msisdn", "zijn nummer bij de andere operator is 02 123 45 67", "faq_porting",
         [entity("phone_number", "02 123 45 67")], "utter_invalid_phone_number"),
        ("esim_email", "the eSIM goes to jan.peeters@acme", "faq_esim", [],
         "utter_invalid_email"),
        ("billing_iban", "son IBAN pour la domiciliation : BE68 5390 0754 7035",
         "faq_direct_debit", [entity("iban", "BE68 5390 0754 7035")], "utter_invalid_iban"),
    ],
)  # fmt: skip
async def test_a_wrong_value_of_the_asked_slot_is_explained_whatever_the_intent(
    backend, dispatcher, requested, text, intent, entities, response
):
    fleet_backend(backend)
    slots = {
        **({"sim_type": "esim"} if requested == "esim_email" else PHYSICAL),
        "end_user_name": "Eline Wuyts",
        "number_mode": "port" if requested == "port_msisdn" else "new",
        "split_bill": requested == "billing_iban",
        "billing_name": "Eline Wuyts",
        "billing_address": "Kerkstraat 12, 9000 Gent",
        "billing_email": "eline@home.be",
        "requested_slot": requested,
    }
    tracker = make_tracker(text, intent=intent, entities=entities, slots=slots)

    filled = slots_of(
        await ValidateActivationForm(backend.client()).run(dispatcher, tracker, ACTIVATION_DOMAIN)
    )

    assert filled[requested] is None
    assert filled["requested_slot"] == requested
    assert responses(dispatcher) == [response]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("c'est quoi exactement le numéro de carte SIM chez l'opérateur actuel ?", "fr"),
        ("waar vind ik dat simkaartnummer van de huidige operator?", "nl"),
        ("what is the SIM card number at the current operator?", "en"),
    ],
)
async def test_a_question_without_a_value_still_gets_the_faq(backend, dispatcher, text, language):
    fleet_backend(backend)
    tracker = make_tracker(text, intent="faq_porting", slots={**RESIDENTIAL, "language": language})

    events = await ValidateActivationForm(backend.client()).run(
        dispatcher, tracker, ACTIVATION_DOMAIN
    )

    assert events == []  # rejected: the FAQ rule answers, then the form asks again
    assert responses(dispatcher) == []


@pytest.mark.parametrize(
    ("slot", "text", "entities", "answers"),
    [
        ("current_sim_number", "SIM number at his current operator: 8932200011112222333",
         set(), True),
        ("current_sim_number", "simkaartnummer: 8932109876543210987", {"iccid"}, True),
        ("repair_imei", "l'IMEI c'est 35391805-123456-1", set(), True),
        ("port_msisdn", "zijn privénummer is 0468 11 22 33", set(), True),
        ("ticket_contact_number", "call me on +32 470 00 00 16", set(), True),
        # the caller's own number in words (set27 nl-033)
        ("ticket_contact_number", "mijn nummer", set(), True),
        ("ticket_contact_number", "au même numéro que d'habitude", set(), True),
        ("ticket_contact_number", "this one, my mobile", set(), True),
        ("ticket_contact_number", "what's my number again?", set(), False),
        ("esim_email", "send it to tom.verstraeten@acme.example", set(), True),
        ("direct_debit_iban", "het IBAN is BE68 5390 0754 7034", set(), True),
        ("current_customer_number", "le numéro client chez Orange est 3045128876", set(), True),
        ("keep_number", "ah si, elle veut garder son numero", set(), True),
        ("split_bill", "oui", set(), True),
        # no value, a question about one, or a slot without a shape
        ("current_sim_number", "where do I find the SIM number of the current operator?",
         set(), False),
        ("port_msisdn", "which format, like 0468 11 22 33?", set(), False),
        ("keep_number", "can she keep her number?", set(), False),
        ("end_user_name", "Tom Verstraeten", set(), False),
        ("current_sim_number", "/inform", {"iccid"}, False),
    ],
)  # fmt: skip
def test_a_value_of_the_asked_slot_is_recognised(slot, text, entities, answers):
    assert answers_slot(slot, text, entities) is answers


# --- fr-012: "elle le reprend à titre privé" answers "does she keep the number?" ---------------

KEEPS = [
    ("ah si, elle veut garder son numero, elle le reprend a titre prive", "fr"),
    ("jawel, ze wil haar nummer houden, ze neemt het privé mee", "nl"),
    ("oh right, she wants to keep her number, she takes it with her privately", "en"),
]
NOT_KEPT = [
    ("non, pas besoin, elle ne le garde pas", "fr"),
    ("nee hoor, dat nummer mag weg", "nl"),
    ("nah, she doesn't need it, it can go", "en"),
]
ASKED_KEEP = {"target_line_id": "4", "requested_slot": "keep_number"}


@pytest.mark.parametrize("intent", ["faq_termination_fee", "faq_porting", "deactivate_line"])
@pytest.mark.parametrize(("text", "language"), KEEPS)
async def test_a_keep_said_in_words_answers_the_keep_number_question(
    backend, dispatcher, text, language, intent
):
    fleet(backend)
    tracker = make_tracker(text, intent=intent, slots={**ASKED_KEEP, "language": language})

    events = await ValidateDeactivateLineForm(backend.client()).run(
        dispatcher, tracker, FLEET_DOMAIN
    )

    assert slots_of(events)["keep_number"] is True
    assert responses(dispatcher) == []


@pytest.mark.parametrize(("text", "language"), NOT_KEPT)
async def test_no_need_said_in_words_answers_the_keep_number_question(
    backend, dispatcher, text, language
):
    fleet(backend)
    tracker = make_tracker(
        text, intent="faq_termination_fee", slots={**ASKED_KEEP, "language": language}
    )

    events = await ValidateDeactivateLineForm(backend.client()).run(
        dispatcher, tracker, FLEET_DOMAIN
    )

    assert slots_of(events)["keep_number"] is False
    assert responses(dispatcher) == []


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("ah si, elle veut garder son numero, elle le reprend a titre prive", True),
        ("il veut conserver son numéro", True),
        ("elle l'emporte", True),
        ("elle ne veut pas garder son numéro", False),
        ("elle ne le garde pas", False),
        ("non, pas besoin, il peut être désactivé", False),
        ("hij neemt het mee", True),
        ("ze wil haar nummer behouden", True),
        ("hij houdt het", True),
        ("hij wil zijn nummer niet houden", False),
        ("hij neemt het niet mee", False),
        ("het nummer mag weg", False),
        ("she takes it with her", True),
        ("he wants to keep his number", True),
        ("she doesn't want to keep it", False),
        ("it can go", False),
        # set21 en-039: "no need to keep the number" offered the prepaid conversion
        ("terminate Stijn Devos' line, he's left the company. no need to keep the number", False),
        ("no need to keep it", False), ("geen nood om zijn nummer te houden", False),
        ("on ne garde pas le numéro", False),
        # set25 nl-006: Flemish "nie"; fr-008 / en-005: a question about keeping it is no keep
        ("sluit de lijn van Joke af aub, ze neemt haar nummer nie mee", False),
        ("petite question : si un jour un employé veut garder son numéro, on fait comment ?",
         None),
        ("what would we have had to do if she'd wanted to keep her number?", None),
        # a keep said in words wins over a "no need" about something else
        ("elle garde son numéro, la carte peut partir", True),
        ("hij wil zijn nummer houden en niet deactiveren", True),
        # using the number on beats "the line may be stopped" (nl-012)
        ("haar gsm-nummer 0470 00 00 54 mag stopgezet worden. Ze wil het nummer wel zelf verder "
         "gebruiken.", True),
        ("on peut couper son abonnement, elle veut continuer à l'utiliser", True),
        ("the line can be closed, she wants to keep using it privately", True),
        ("hij wil het niet verder gebruiken", False),
        # neither, or a question about it
        ("oui", None),
        ("can she keep her number?", None),
        ("est-ce qu'elle peut garder son numéro ?", None),
        ("kan ze haar nummer houden", None),
        ("hij neemt het toestel mee", None),
        ("Marie Lambert is leaving us on Friday, please deactivate her line.", None),
        ("Elise Mertens quitte Acme, il faut couper son numero 0470 000 010", None),
    ],
)  # fmt: skip
def test_keeping_the_number_in_words(text, kept):
    assert keeps_number(text) is kept


# --- en-014: keeping the number after all, at the deactivation summary ------------------------

MARIE = line(12, "+32470000012", user_name="Marie Lambert", label="Marie Lambert")
# The form's slots are cleared once the summary is read back; the correction sets the line again.
AT_SUMMARY = {
    "pending_operation_id": "op_abc",
    "pending_operation_type": "deactivate_line",
    "target_line_id": "12",
}
KEPT_AFTER_ALL = [
    ("hold on, she just told me she wants to keep her number after all. Don't deactivate it "
     "then.", "en"),
    ("attendez, elle vient de me dire qu'elle veut garder son numéro finalement. Ne la "
     "désactivez pas alors.", "fr"),
    ("wacht even, ze zegt net dat ze haar nummer toch wil houden. Niet deactiveren dan.", "nl"),
    # without a cue of a change: a keep at a deactivation is one
    ("she wants to keep her number after all", "en"),
    ("elle garde son numéro finalement", "fr"),
    ("ze neemt haar nummer toch mee", "nl"),
]  # fmt: skip
SUMMARY_INTENTS = ["deactivate_line", "stop", "deny", "out_of_scope"]


def deactivation_waits(backend) -> None:
    fleet(backend, MARIE)
    waiting = operation("deactivate_line", {"termination_fee": "0.00"}, line_id=12)
    backend.on("GET", "/api/v1/operations/op_abc", waiting)
    backend.on("POST", "/api/v1/operations/op_abc/cancel", {**waiting, "status": "cancelled"})


def at_summary(text: str, intent: str, language: str) -> Any:
    return make_tracker(text, intent=intent, slots={**AT_SUMMARY, "language": language})


@pytest.mark.parametrize(("text", "language"), KEPT_AFTER_ALL)
def test_keeping_the_number_corrects_the_waiting_deactivation(text, language):
    assert corrects_pending(text, set(), "deactivate_line")
    assert not corrects_pending(text, set(), "change_plan")


@pytest.mark.parametrize("intent", SUMMARY_INTENTS)
@pytest.mark.parametrize(("text", "language"), KEPT_AFTER_ALL)
async def test_keeping_the_number_at_the_summary_reopens_the_deactivation(
    backend, dispatcher, text, language, intent
):
    deactivation_waits(backend)

    events = await ActionConfirmOperation(backend.client()).run(
        dispatcher, at_summary(text, intent, language), FLEET_DOMAIN
    )

    assert events == [SlotSet("target_line_id", "12"), FollowupAction("deactivate_line_form")]
    assert posts(backend) == []  # neither deactivated nor cancelled yet
    assert responses(dispatcher) == []


@pytest.mark.parametrize("intent", SUMMARY_INTENTS)
@pytest.mark.parametrize(("text", "language"), KEPT_AFTER_ALL)
async def test_the_reopened_deactivation_keeps_the_number_and_offers_the_prepaid_ticket(
    backend, dispatcher, text, language, intent
):
    deactivation_waits(backend)
    tracker = at_summary(text, intent, language)

    filled = slots_of(
        await ValidateDeactivateLineForm(backend.client()).run(dispatcher, tracker, FLEET_DOMAIN)
    )

    assert filled["keep_number"] is True
    assert filled.get("target_line_id", "12") == "12"
    assert filled["pending_operation_id"] is None
    assert "/api/v1/operations/op_abc/cancel" in backend.paths()
    assert responses(dispatcher) == []

    prepare = make_tracker("", slots={**AT_SUMMARY, **filled, "language": language})
    offered = slots_of(
        await ActionPrepareDeactivateLine(backend.client()).run(dispatcher, prepare, FLEET_DOMAIN)
    )

    assert responses(dispatcher) == ["utter_keep_number_prepaid_offer"]
    assert offered["pending_operation_id"] == "ticket:line:12"
    assert [p.url.path for p in posts(backend)] == ["/api/v1/operations/op_abc/cancel"]


@pytest.mark.parametrize("intent", ["deactivate_line", "affirm", "stop"])
@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Don't deactivate it then.", "en"),
        ("ne la désactivez pas", "fr"),
        ("niet deactiveren", "nl"),
        ("deactiveer hem niet", "nl"),
        # en-1821: "do it" was read as "yes" inside "don't do it", and the form came back.
        ("Actually no, don't do it — I just heard she's staying. Cancel please.", "en"),
        ("non, ne faites rien, elle reste finalement, laissez tomber", "fr"),
        ("nee, niet doen, ze blijft toch, laat maar", "nl"),
    ],
)
async def test_dont_deactivate_never_confirms_the_deactivation(
    backend, dispatcher, text, language, intent
):
    assert calls_off(text)
    deactivation_waits(backend)

    await ActionConfirmOperation(backend.client()).run(
        dispatcher, at_summary(text, intent, language), FLEET_DOMAIN
    )

    assert [p.url.path for p in posts(backend)] == ["/api/v1/operations/op_abc/cancel"]
    assert responses(dispatcher) == ["utter_operation_cancelled"]
