"""Repairs: "my phone is broken" → which line, the IMEI, what is wrong, where to pick it up,
summary, "yes" (operation ``request_repair``) → repair number; and the status of repairs.

An opening that orders new devices ("on a besoin de 2 Galaxy XCover7 Pro … à livrer au dépôt",
"Ines's phone is on its last legs, so we'd like to get her a Galaxy A56 in olive, 256 GB") is
handed to the shop's device search, which reads the same message.

The IMEI is checked with the backend's own check (``validation.check_imei``: 15 digits, Luhn, same
error codes), so a typo is re-asked at once with where to find it: on the box or by dialling *#06#.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.activation import next_slot_events, opens_afresh
from actions.answers import ONE_ARTICLES, VAGUE_QUANTITIES, count_spans, count_tokens, says_stop
from actions.api.backend import BackendError, ChatIdentity, InvalidRequestError, Line, Operation
from actions.cart_changes import names_capacity, names_colour
from actions.common import (
    RESPONSE_PREFIX,
    BackendAction,
    conversation_language,
    entity_values,
    latest_text,
    require_identity,
)
from actions.fleet_extraction import replacement_reason_in
from actions.formatting import format_day
from actions.operation_forms import LINE_SLOT, MISHAPS, REPLACEMENT_FORM, OperationFormValidation
from actions.operations import (
    PENDING_ID_SLOT,
    form_slot_resets,
    prepare_operation,
    register_done_vars,
    utter_backend_error,
)
from actions.phone import format_national
from actions.tickets import TICKET_FORM, answer_view, opens_a_ticket
from actions.validators import InvalidValue, check_postal_address
from validation import check_imei, fold

logger = logging.getLogger(__name__)

FORM = "repair_form"
# What the shop runs on a device asked for ("search_device"): it reads the message, and orders
# the devices it names with an order, a count or a delivery (actions/shop.py, not imported:
# the shop imports this module).
SHOP_SEARCH = "action_search_devices"
IMEI_SLOT = "repair_imei"
PROBLEM_SLOT = "repair_problem"
PICKUP_SLOT = "repair_pickup"
ADDRESS_SLOT = "repair_address"
MIN_PROBLEM_LENGTH = 10
REPAIR_STATUSES = ("requested", "picked_up", "in_repair", "ready", "returned")
_IMEI_IN_TEXT = re.compile(r"(?<!\d)\d(?:[\s.\-/]?\d){13,16}(?!\d)")
# A courier with no other address given comes to the company: "un coursier svp" is the workplace.
_OFFICE_WORDS = ("travail", "bureau", "boulot", "work", "office", "werk", "kantoor", "entreprise",
                 "societe", "bedrijf", "firma", "company")  # fmt: skip
_WORKPLACE_WORDS = (*_OFFICE_WORDS, "coursier", "courier", "koerier")
# In a sentence only whole words count ("werkt niet" is no "werk").
_OFFICE_WORD = re.compile(
    r"\b(?:travail|bureaux?|boulot|work|office|werk|kantoor|entreprise|societe|bedrijf|firma"
    r"|company|zaak)\b"
)
_HOME_IN_OPENING = re.compile(r"\b(?:thuis|domicile|home|maison|chez moi|chez lui|chez elle)\b")
_OTHER_WORDS = ("autre", "other", "another", "ander", "thuis", "domicile", "home", "maison")
PICKUPS = ("workplace", "other_address", "drop_off")
# "je le dépose moi-même", "ik breng hem zelf binnen", "I'll drop it off": no courier ("dropped
# in water" is a problem, not a drop-off). Answering the pickup question, "en magasin" is enough.
_DROP_OFF_VERBS = re.compile(
    r"\b(?:depose\w*|apporte\w*|drop\s+(?:\w+\s+)?off|drop-?off|bring\w*\s+(?:\w+\s+)?(?:in|over|to)"
    r"|breng\w*|binnenbreng\w*|afgeven)\b"
)
_SHOP_WORDS = re.compile(r"\b(?:magasin|boutique|shop|store|winkel)\b")
# "qu'on vienne le chercher", "ja, laat het ophalen", "yes, pickup": a courier, place unsaid.
_PICKUP_VERBS = re.compile(
    r"\b(?:enlev\w*|(?:venir|vienne\w*|venez|passer|passe\w*)\s+(?:le\s+|la\s+)?(?:chercher|prendre"
    r"|recuperer)|chercher|recuper\w*|ramass\w*|ophal\w*|(?:komen\s+|laten\s+)?halen|haal\w*"
    r"|pick\w*\s*(?:-\s*)?(?:it\s+|this\s+|the\s+\w+\s+)?up|pickup|collect\w*|fetch\w*"
    r"|coursier|courier|koerier)\b"
)
# "pas besoin de coursier", "no pickup needed", "geen ophaling": not a pickup.
_NO_PICKUP = re.compile(
    r"\b(?:pas (?:besoin )?d[e']? ?(?:coursier|enlevement)|sans coursier|no (?:need|courier|pick)"
    r"|(?:don t|do not) (?:need|send|pick)|geen (?:koerier|ophaling)|niet (?:ophalen|nodig))"
)
_BEFORE_POSTAL_CODE = re.compile(r"\s+(?:à|a|te|in|at|op)\s+(?=[1-9]\d{3}\s)", re.IGNORECASE)
_BEFORE_STREET = re.compile(
    r".*\b(?:at|to|from|op|bij|naar|a|à|au|aux|chez|adresse|adres|address)\s+(?=\w)"
)  # lower case: "Op de Berg 3" is a street
_POLITE_END = re.compile(
    r"[\s,.!]*\b(?:please|thanks|thank you|svp|s'il vous pla[iî]t|merci|aub|alstublieft|graag"
    r"|bedankt)\W*$",
    re.IGNORECASE,
)
# "laat het ophalen" asks for the courier: its "laat" is no "laat maar" (stop).
_LET_FETCH = re.compile(
    r"\blaat\s+(?:(?:het|hem|ze|maar|dat|de|een|die|koerier|ons|jullie)\s+)*(?:ophalen|halen)\b"
)


def drop_off_in(text: str, *, answering: bool = False) -> bool:
    """Whether the user will bring the device to a shop themselves."""
    folded = fold(text)
    return bool(_DROP_OFF_VERBS.search(folded) or (answering and _SHOP_WORDS.search(folded)))


def pickup_in(text: str) -> str | None:
    """``workplace`` / ``other_address`` / ``drop_off`` from what people type ("au travail",
    "thuis", "ik breng hem zelf binnen")..."""
    words = fold(text)
    if drop_off_in(text, answering=True) or _NO_PICKUP.search(_plain(words)):
        return "drop_off"  # "pas besoin de coursier": the only other way is the shop
    if any(word in words for word in _OTHER_WORDS):
        return "other_address"
    if any(word in words for word in _WORKPLACE_WORDS) or _PICKUP_VERBS.search(words):
        return "workplace"  # a courier with no address given comes to the company
    return None


def _plain(folded: str) -> str:
    """Words only, apostrophes as spaces: "don't" → "don t", "d'enlèvement" → "d enlevement"."""
    return " ".join(re.findall(r"\w+", folded))


def address_in(text: str) -> dict[str, str] | None:
    """A full postal address typed alone or after a few words ("chez moi: Kerkstraat 12, 9000
    Gent"): the shortest ending of the text that reads as one, its street starting with a letter."""
    # "Kolvestraat 12 à 8000 Brugge": the word before the postal code is no part of the street.
    joined = _BEFORE_POSTAL_CODE.sub(", ", _POLITE_END.sub("", text.strip()))
    parts = re.split(r"[,:;]\s*|\s+-\s+", joined)
    for start in reversed(range(len(parts))):
        try:
            address = check_postal_address(", ".join(parts[start:]))
        except InvalidValue:
            continue
        # "laten ophalen op Kerkstraat 5": the street starts after the last "op" / "at" / "chez".
        lead = _BEFORE_STREET.match(address["street"])
        street = address["street"][lead.end() :] if lead else address["street"]
        if street[:1].isalpha():
            return {**address, "street": street}
    return None


def opening_pickup(text: str) -> tuple[str, dict[str, str] | None] | None:
    """The pickup asked in the opening message ("ophalen op kantoor", "courier pickup at our
    office", "enlèvement chez moi, Kerkstraat 12, 9000 Gent"), with its address if elsewhere.

    Only with a courier word, and a place: "au bureau" is the company; a full address with no
    office word is another address; a bare street name is left to the question.
    """
    if drop_off_in(text):
        return ("drop_off", None)  # "Je peux le déposer moi-même, pas besoin de coursier."
    words = fold(text)
    if not _PICKUP_VERBS.search(words) or _NO_PICKUP.search(_plain(words)):
        return None
    address = address_in(text)
    if _HOME_IN_OPENING.search(words):
        return ("other_address", address)  # the address is asked if not given
    if _OFFICE_WORD.search(words):
        return ("workplace", None)
    if address is not None:
        return ("other_address", address)
    return None


def required_repair_slots(slots: dict[str, Any]) -> list[str]:
    """The slots of a repair request, in order; the address only for another address."""
    required = [LINE_SLOT, IMEI_SLOT, PROBLEM_SLOT, PICKUP_SLOT]
    if slots.get(PICKUP_SLOT) == "other_address":
        required.append(ADDRESS_SLOT)
    return required


def mask_imei(imei: str) -> str:
    """Only the last 4 digits are read back."""
    return "•" * (len(imei) - 4) + imei[-4:]


class ValidateRepairForm(OperationFormValidation):
    """Line (end user: own), IMEI, problem, pickup place and, if elsewhere, the address."""

    fleet_manager_only = False
    op_type = "request_repair"  # its slots stay filled while the summary waits
    how_to = ("utter_how_to_repair",)

    def name(self) -> str:
        return f"validate_{FORM}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        requested = tracker.get_slot("requested_slot")
        text = latest_text(tracker)
        if opens_afresh(tracker, self.op_type) and opens_a_ticket(text):
            # "my touchscreen freezes… can I open a ticket for that?": the ticket asked for,
            # not a repair; the ticket form reads the same message.
            return [*self._stop(domain), FollowupAction(TICKET_FORM)]
        if opens_afresh(tracker, self.op_type) and about_the_sim_card(tracker, text):
            # "mijn simkaart is kapot, ik heb een nieuwe: 8932…": the card is replaced, the
            # phone needs no repair; the replacement form reads the same message.
            return [*self._stop(domain), FollowupAction(REPLACEMENT_FORM)]
        if opens_afresh(tracker, self.op_type) and orders_devices(text):
            # "We need 3 rugged phones … the Samsung XCover7 Pro. Please ship them to …": new
            # devices, nothing to repair; the shop reads the device, colour, capacity, count and
            # delivery in the same message, as if it had been asked.
            return [*self._stop(domain), FollowupAction(SHOP_SEARCH)]
        pickup = requested == PICKUP_SLOT and (
            pickup_in(text) is not None or address_in(text) is not None
        )
        answer = (
            requested in (PROBLEM_SLOT, ADDRESS_SLOT)
            or pickup
            or (requested == IMEI_SLOT and _IMEI_IN_TEXT.search(text) is not None)
        )
        # "I'll drop it off myself" read as "stop" is still the answer, like a description;
        # "au travail, non stop" stops.
        free_text = requested in (PROBLEM_SLOT, ADDRESS_SLOT) or (
            pickup and not says_stop(_LET_FETCH.sub(" ", fold(text)))
        )
        view = answer_view(tracker, answer, free_text=free_text)
        events = await super().run(dispatcher, view, domain)
        return next_slot_events(view, events, required_repair_slots)

    async def extract(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        identity: ChatIdentity,
        line: Line | None,
    ) -> dict[str, Any]:
        requested = tracker.get_slot("requested_slot")
        text = latest_text(tracker).strip()
        values: dict[str, Any] = {}
        if line is None and requested in (None, LINE_SLOT) and not tracker.get_slot(LINE_SLOT):
            # An end user's broken phone is their own line.
            me = await self.backend.get_me(identity)
            if me.active_role != "fleet_manager" and me.line_id:
                values[LINE_SLOT] = str(me.line_id)

        imei = _imei_candidate(text, requested)
        if imei is not None:
            try:
                values[IMEI_SLOT] = check_imei(imei)
            except InvalidValue as problem:
                dispatcher.utter_message(
                    response=f"{RESPONSE_PREFIX}_invalid_{problem.code}",
                    length=problem.details.get("length", 0),
                )

        if requested is None and not tracker.get_slot(PROBLEM_SLOT) and describes_a_fault(text):
            # "Stijn's speaker doesn't work any more, IMEI …": the opening already says what is
            # wrong; the summary reads it back before anything is sent.
            values[PROBLEM_SLOT] = text
        if requested == PROBLEM_SLOT and not text.startswith("/"):
            if len(text) >= MIN_PROBLEM_LENGTH:
                values[PROBLEM_SLOT] = text
            else:
                dispatcher.utter_message(response="utter_invalid_repair_problem")

        pickup = next(iter(entity_values(tracker, PICKUP_SLOT)), None)
        address: dict[str, str] | None = None
        if pickup is None and requested == PICKUP_SLOT and not text.startswith("/"):
            pickup = pickup_in(text)
            address = address_in(text)
            if address is not None and pickup != "drop_off" and not _OFFICE_WORD.search(fold(text)):
                pickup = "other_address"  # an address given instead of a choice
        if pickup is None and requested is None and not tracker.get_slot(PICKUP_SLOT):
            pickup, address = opening_pickup(text) or (None, None)
        if pickup in PICKUPS:
            values[PICKUP_SLOT] = pickup
            if pickup == "other_address" and address is not None:
                values[ADDRESS_SLOT] = address
        elif requested == PICKUP_SLOT:
            dispatcher.utter_message(response="utter_invalid_repair_pickup")

        if requested == ADDRESS_SLOT and not text.startswith("/"):
            try:
                values[ADDRESS_SLOT] = check_postal_address(text)
            except InvalidValue:
                dispatcher.utter_message(response="utter_invalid_repair_address")
        return values


# Symptoms people name, in the three languages (folded, no accents). "Broken", "kapot", "ne
# marche plus" alone say nothing a technician can use: then the problem is asked.
_FAULT = re.compile(
    r"\b(?:fissur\w*|ecran|batterie|charge plus|s eteint|tombe|haut ?parleur|micro\w*|"
    r"plante|redemarre|chauffe|eau|mouille|"
    r"gebarsten|barst\w*|scherm|batterij|laadt? niet|valt (?:steeds |telkens )?uit|gevallen|"
    r"luidspreker|speaker|microfoon|water|hapert|herstart|oververhit\w*|"
    r"cracked|screen|battery|charging|charge|dropped|turns off|shuts? down|freez\w*|"
    r"restarts?|overheat\w*|wet|mic|microphone|camera|button|bouton|knop|touch\w*|tactile)\b"
)
# Shorter than this, an opening is a request ("une réparation svp"), not a description.
MIN_OPENING_PROBLEM_LENGTH = 25


def describes_a_fault(text: str) -> bool:
    """Whether an opening message says what is wrong with the device."""
    return (
        not text.startswith("/")
        and len(text) >= MIN_OPENING_PROBLEM_LENGTH
        and _FAULT.search(" ".join(re.findall(r"[a-z]+", fold(text)))) is not None
    )


# What a phone to buy is chosen for, not what went wrong with one: "water-resistant", "a big
# screen", "good battery life" (folded words).
_FEATURES = re.compile(
    r"\b(?:water ?(?:resistant|proof)|resistants? a l eau|(?:big|large|bigger|larger|good) "
    r"(?:screen|camera|battery)|battery life|(?:grand|bon) (?:ecran|appareil photo)|grande "
    r"batterie|(?:groot|grote|goede) (?:scherm|camera|batterij))\b"
)
# Words of a device that is not all right, besides its symptoms ("broken", "kapot", "ne marche
# plus"), and of a repair asked for: never an order, whatever else is said.
_TROUBLE = re.compile(
    r"\b(?:repar\w*|repair\w*|herstel\w*|fix\w*|broken|broke|kapot\w*|(?:is|zijn|ging|gaat) "
    r"stuk|defect\w*|defekt\w*|damaged|beschadigd\w*|abime\w*|endommag\w*|casse\w*|panne|"
    r"out of order|dead|died|(?:ne )?(?:marche|fonctionne) (?:plus|pas)|s allume (?:plus|pas)|"
    r"werkt (?:niet|nog maar)|doet (?:het|t) niet|gaat niet (?:meer )?aan|"
    r"(?:doesn t|does not|don t|won t|will not) (?:work|turn on|start)|not working|"
    r"stopped working)\b"
)
# Buying (present or to come: "ordered", "commandé", "besteld" speak of devices already there).
_ORDER_VERB = re.compile(
    r"(?<!in )(?<!of )\border(?:ing)?\b|\b(?:buy(?:ing)?|purchas(?:e|ing)|bestel(?:len|t)?|"
    r"kopen|koop|aankopen|aanschaffen|commander|commandons|commandez|acheter|achetons|achetez|"
    r"passer (?:une )?commande)\b"
)
# Needing or wanting devices, and having them delivered: an order with a count of devices.
_NEED_OR_DELIVERY = re.compile(
    r"\b(?:need|needs|would like|d like|want|require|besoin|faut|faudrait|voudri\w*|souhait\w*|"
    r"aimeri\w*|nodig|willen|wil|graag|ship\w*|deliver\w*|send|livr\w*|envoy\w*|expedi\w*|"
    r"lever\w*|bezorg\w*|verzend\w*|verstu\w*|opsturen)\b"
)
# Devices, by kind or by the names of the catalogue's brands and models (folded words).
_DEVICE_WORD = re.compile(
    r"(?:(?:smart)?phones?|gsms?|gsmke|gsmkes|devices?|handsets?|telephones?|portables?|"
    r"appareils?|toestel(?:len)?|telefoons?|iphones?|samsungs?|galaxy|galaxys|xcover\w*|"
    r"crosscalls?|pixels?|fairphones?|nokias?|s25s?|a56s?|a26s?|z5|3210s?)"
)
_NEW = frozenset(
    {"new", "nouveau", "nouvelle", "nouveaux", "nouvelles", "neuf", "neufs", "nieuw", "nieuwe",
     "extra", "additional", "supplementaire", "supplementaires"}
)  # fmt: skip
# How far before its device a count may be said: "3 rugged phones", "twee nieuwe gsm's".
_COUNT_REACH = 3


# Getting a device for someone: "get her a …", "lui prendre un …", "voor haar een … nemen",
# "replace it with a …" (folded words; never a past tense: "we got him a Pixel last year").
_ACQUIRE = re.compile(
    r"\bget (?:her|him|them|us|me|you|the team) (?:a|an|one|two|three|four|five|\d+|new|some)\b"
    r"|\bget (?:a|an) new\b|\breplace (?:it|him|her|them|(?:his|her|their|the) (?:phone|device))"
    r" with\b|\b(?:lui|leur|nous|me|m) (?:prendre|commander|acheter|offrir|fournir|trouver)\b|"
    r"\bprendre (?:un|une|des|deux|trois) (?:nouve\w*|autre)|\b(?:le|la|les) remplac\w* par\b|"
    r"\bvoor (?:haar|hem|hen|ons|mij) (?:een|\w+ nieuwe?)\b(?: \w+){0,8} (?:nemen|halen|kopen|"
    r"bestellen|aanschaffen)\b|\b(?:hem|ze|die|(?:zijn|haar|de) (?:gsm|toestel|telefoon)) "
    r"(?:\w+ ){0,2}vervang\w* door\b"
)
# Asking for the broken device to be seen to: then it is a repair, whatever else is said.
_ASKS_REPAIR = re.compile(
    r"\b(?:repar\w*|repair\w*|herstel\w*|fix\w*|nakijken|look at|check (?:it|her|his)|"
    r"send (?:it|her|him|them) (?:in|back|for)|warranty|guarantee|garantie|sav|"
    r"coursier|courier|koerier|pick\w* (?:it |them )?up|ophal\w*)\b"
)
# A model of the catalogue by its brand or model name (a "phone" may be the broken one).
_MODEL_WORD = re.compile(
    r"(?:iphones?|samsungs?|galaxy|galaxys|xcover\w*|crosscalls?|pixels?|fairphones?|nokias?|"
    r"s25s?|a56s?|a26s?|z5|3210s?)"
)
# Whose the model is: "my Galaxy A56", "son iPhone", "Bram's XCover" is the broken one.
_POSSESSIVES = frozenset(
    {"my", "his", "her", "our", "their", "your", "s", "mon", "ma", "son", "sa", "notre", "leur",
     "votre", "mijn", "zijn", "haar", "onze", "ons", "hun", "jullie", "je", "uw"}
)  # fmt: skip


def orders_devices(text: str) -> bool:
    """Whether an opening orders new devices rather than asks for a repair: an order verb with
    a device ("we would like to order five (5) Fairphone 5 devices"), a need or a delivery
    with a count of devices ("on a besoin de 2 Galaxy XCover7 Pro … à livrer au dépôt"), or a
    model got for someone ("lui prendre un Galaxy A56"). With a fault only when a new model is
    ordered all the same ("her phone is on its last legs, so we'd like to get her a Galaxy
    A56 in olive, 256 GB"); never with a repair asked for, an IMEI, or a courier to fetch it."""
    if text.startswith("/") or _IMEI_IN_TEXT.search(text):
        return False
    folded = " ".join(re.findall(r"[a-z0-9]+", fold(text)))
    tokens = count_tokens(text)
    devices = [i for i, token in enumerate(tokens) if _DEVICE_WORD.fullmatch(token)]
    if not devices:
        return False
    if _TROUBLE.search(folded) or describes_a_fault(_FEATURES.sub(" ", folded)):
        return _replaces_a_broken_one(text, folded, tokens)
    if _ORDER_VERB.search(folded) or (_ACQUIRE.search(folded) and _new_model(tokens)):
        return True
    counts = [(start, end) for start, end, _ in count_spans(tokens)
              if not (end - start == 1 and tokens[start] in ONE_ARTICLES)]  # fmt: skip
    return (
        _NEED_OR_DELIVERY.search(folded) is not None
        and _PICKUP_VERBS.search(folded) is None
        and any(_counted(tokens, counts, index) for index in devices)
    )


def _replaces_a_broken_one(text: str, folded: str, tokens: list[str]) -> bool:
    """Whether a message about a device in trouble orders a new model all the same: a model
    nobody owns yet ("a Galaxy A56", not "my Galaxy A56") bought or got for someone, or needed
    in a colour or capacity; never when the broken one is to be repaired."""
    if _ASKS_REPAIR.search(folded) or not _new_model(tokens):
        return False
    if _ORDER_VERB.search(folded) or _ACQUIRE.search(folded):
        return True
    details = names_colour(text) or names_capacity(text)
    return details and _NEED_OR_DELIVERY.search(folded) is not None


def _new_model(tokens: list[str]) -> bool:
    """Whether a model is named that is nobody's yet: the word before it is no possessive."""
    return any(
        _MODEL_WORD.fullmatch(token)
        and not (index and _MODEL_WORD.fullmatch(tokens[index - 1]))
        and (index == 0 or tokens[index - 1] not in _POSSESSIVES)
        for index, token in enumerate(tokens)
    )


def _counted(tokens: list[str], counts: list[tuple[int, int]], index: int) -> bool:
    """Whether how many of the device at ``index`` is said just before it ("2 Galaxy", "three
    rugged phones", "une dizaine de téléphones"; an article alone is no count, unless the
    device is new: "un nouveau téléphone")."""
    reach = max(index - _COUNT_REACH, 0)
    before = set(tokens[reach:index])
    return bool(before & (VAGUE_QUANTITIES | _NEW)) or any(
        reach <= end <= index for _, end in counts
    )


_SIM_CARD = re.compile(r"\b(?:e?sim\w*|simkaart\w*|carte sim|sim ?card|puce)\b")


def about_the_sim_card(tracker: Tracker, text: str) -> bool:
    """Whether a repair request is about the SIM card rather than the device: a new card's
    number (ICCID) in it, or a lost, stolen or broken SIM with no symptom of the device."""
    if entity_values(tracker, "iccid"):
        return True
    folded = " ".join(re.findall(r"[a-z]+", fold(text)))
    return (
        _SIM_CARD.search(folded) is not None
        and replacement_reason_in(text) in MISHAPS
        and not describes_a_fault(text)
        and _IMEI_IN_TEXT.search(text) is None
    )


def _imei_candidate(text: str, requested: str | None) -> str | None:
    """The IMEI typed now: the whole answer when asked for it, else a 14–17 digit run."""
    if text.startswith("/"):
        return None
    if requested == IMEI_SLOT:
        match = _IMEI_IN_TEXT.search(text)
        return match.group(0) if match else text
    match = _IMEI_IN_TEXT.search(text)
    return match.group(0) if match else None


def address_text(address: Any) -> str:
    """``Kerkstraat 12, 9000 Gent`` from the backend's address object; ``—`` if none."""
    if isinstance(address, dict) and address:
        street, postal, city = (address.get(k, "") for k in ("street", "postal_code", "city"))
        return f"{street}, {postal} {city}"
    return "—"


def _repair_summary(operation: Operation, language: str) -> dict[str, Any]:
    summary = operation.summary
    imei = str(summary.get("imei_masked") or mask_imei(str(summary.get("imei") or "0000")))
    return {
        "msisdn": format_national(summary.get("msisdn") or operation.msisdn or "") or "—",
        "imei": imei,
        "problem": summary.get("problem") or "—",
        "address": address_text(summary.get("address")),
    }


@register_done_vars("request_repair")
def _done_vars(operation: Operation, language: str) -> dict[str, Any]:
    result = operation.result or {}
    return {"number": result.get("number") or "—"}


class ActionPrepareRepair(BackendAction):
    """Prepares ``request_repair``; a refused IMEI is explained (the form checked it already)."""

    def name(self) -> str:
        return "action_prepare_repair"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        slots = tracker.slots
        missing = [s for s in required_repair_slots(slots) if not slots.get(s)]
        if missing:
            return form_slot_resets(domain)  # the form was stopped; it already said why
        pickup = slots[PICKUP_SLOT]
        params: dict[str, Any] = {
            "imei": slots[IMEI_SLOT],
            "problem": slots[PROBLEM_SLOT],
            "pickup": pickup,
        }
        if pickup == "other_address":
            params["address"] = slots[ADDRESS_SLOT]
        summary_response = f"{RESPONSE_PREFIX}_summary_request_repair_{pickup}"
        try:
            events = await prepare_operation(
                dispatcher,
                tracker,
                client=self.backend,
                op_type="request_repair",
                line_id=int(slots[LINE_SLOT]),
                params=params,
                summary_response=summary_response,
                summary_vars=_repair_summary,
            )
        except InvalidRequestError as exc:
            code = exc.code if exc.code and exc.code.startswith("imei_") else None
            if code:
                dispatcher.utter_message(
                    response=f"{RESPONSE_PREFIX}_invalid_{code}",
                    length=len(str(slots[IMEI_SLOT])),
                )
            else:
                dispatcher.utter_message(response="utter_repair_refused")
            return form_slot_resets(domain)
        # The form's slots stay filled while the summary waits: "the right IMEI is …" re-opens
        # the form, which changes only what was said (confirm and cancel clear them).
        waits = any(e.get("name") == PENDING_ID_SLOT and e.get("value") for e in events)
        return events if waits else [*events, *form_slot_resets(domain)]


class ActionShowRepairs(BackendAction):
    """The status of the caller's repairs (one when its number is given)."""

    def name(self) -> str:
        return "action_show_repairs"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = conversation_language(tracker)
        try:
            repairs = await self.backend.list_repairs(require_identity(tracker))
        except BackendError as exc:
            logger.info("Repairs unavailable: %r", exc)
            utter_backend_error(dispatcher, exc)
            return []
        match = re.search(r"R-?(\d{4})-?(\d{1,6})", latest_text(tracker), re.IGNORECASE)
        if match:
            wanted = f"R{match.group(1)}-{int(match.group(2)):06d}"
            repairs = [r for r in repairs if r.number.replace("R-", "R") == wanted]
            if not repairs:
                dispatcher.utter_message(response="utter_repair_not_found", number=wanted)
                return []
        if not repairs:
            dispatcher.utter_message(response="utter_no_repairs")
            return []
        for repair in repairs[:5]:
            status = repair.status if repair.status in REPAIR_STATUSES else "requested"
            if repair.pickup == "drop_off" and status in ("requested", "picked_up"):
                status = f"{status}_drop_off"  # brought to a shop: nobody picks it up
            created = repair.created_at[:10] if repair.created_at else None
            dispatcher.utter_message(
                response=f"{RESPONSE_PREFIX}_repair_status_{status}",
                number=repair.number,
                msisdn=format_national(repair.msisdn) if repair.msisdn else "—",
                imei=repair.imei_masked or "—",
                created=format_day(created, language) if created else "—",
            )
        return []
