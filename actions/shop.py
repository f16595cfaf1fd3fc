"""Hardware shop: search devices in people's words, choose colour / capacity / quantity, cart
(add, show, remove), order (operation ``place_order``, delivered to the company address or to
another address the user gives), order status.

The backend understands the free words ("samsung pas cher", "256", "robuuste"), so the search
sends the message as typed. An out-of-stock variant is refused by the backend with the
alternatives it proposes; the bot says so and offers them as buttons.
"""

from __future__ import annotations

import logging
import re
from decimal import Decimal
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.activation import next_slot_events
from actions.answers import NUMBER_WORDS, quantity_in, said_yes_or_no
from actions.api.backend import (
    BackendClient,
    BackendError,
    Cart,
    ChatIdentity,
    Company,
    ConflictError,
    Device,
    InvalidRequestError,
    Line,
    NotFoundError,
    Operation,
)
from actions.common import (
    RESPONSE_PREFIX,
    BackendAction,
    conversation_language,
    entity_values,
    idempotency_key,
    latest_text,
    require_identity,
)
from actions.fleet_extraction import words
from actions.formatting import format_money
from actions.line_resolution import fold, resolve_line, utter_resolution_problem
from actions.operation_forms import OperationFormValidation
from actions.operations import (
    PENDING_ID_SLOT,
    PENDING_TYPE_SLOT,
    START_PREFIX,
    form_slot_resets,
    prepare_operation,
    register_done_vars,
    register_quantity_change,
    utter_backend_error,
)
from actions.repairs import address_text
from actions.tickets import answer_view
from actions.validators import InvalidValue, check_postal_address

logger = logging.getLogger(__name__)

DEVICE_SLOT = "shop_device_id"
COLOUR_SLOT = "shop_colour"
STORAGE_SLOT = "shop_storage_gb"
QUANTITY_SLOT = "shop_quantity"
FOR_LINE_SLOT = "shop_for_line_id"
DELIVERY_SLOT = "order_delivery"  # "company" or "other_address"
ORDER_ADDRESS_SLOT = "order_address"  # {"street","postal_code","city"} for another address
COMPANY_DELIVERY = "company"
OTHER_DELIVERY = "other_address"
_COMPANY_WORDS = ("entreprise", "societe", "bureau", "travail", "bedrijf", "firma", "kantoor",
                  "werk", "company", "office", "work")  # fmt: skip
_OTHER_WORDS = ("autre", "other", "another", "ander", "thuis", "domicile", "home", "maison")
NO_LINE = "none"  # the device is not for one particular line (company stock)
# The words of the item the form (re)starts with when they are not the latest message: the next
# device of "3 Crosscall and 2 iPhone 16e", or "" after an out-of-stock variant (nothing to read).
ITEM_TEXT_SLOT = "shop_item_text"
MORE_ITEMS_SLOT = "shop_more_items"  # the words of the request's other devices, in order
MAX_RESULTS = 5
MAX_QUANTITY = 20  # the backend's limit per cart line
ORDER_STATUSES = ("received", "processing", "shipped", "delivered")
_GB = re.compile(r"(\d{2,4})\s*(?:gb|go|g)?\b", re.IGNORECASE)


def variant_text(colour: Any, storage_gb: Any) -> str:
    """``Black, 128 GB``; a phone without storage to choose (Nokia 3210: 0) is its colour."""
    storage = int(float(storage_gb or 0))
    return f"{colour}, {storage} GB" if storage else str(colour)


def device_line(device: Device, language: str) -> str:
    """``• iPhone 16 · from €829.00 · Black, White · 128/256 GB · in stock``-style row parts."""
    colours = sorted({v.colour for v in device.variants})
    storages = sorted({v.storage_gb for v in device.variants if v.storage_gb})
    price = device.min_price or min((v.price_excl_vat for v in device.variants), default=None)
    parts = [
        device.name,
        format_money(price, language) if price is not None else "—",
        ", ".join(colours) or "—",
        *(["/".join(str(s) for s in storages) + " GB"] if storages else []),
        str(sum(v.stock for v in device.variants)),
    ]
    return "• " + " · ".join(parts)


def device_buttons(devices: list[Device]) -> list[dict[str, str]]:
    """One button per device; the payload carries only its id."""
    return [
        {"title": device.name, "payload": f'/choose_device{{"shop_device_id": "{device.id}"}}'}
        for device in devices[:MAX_RESULTS]
    ]


# Colour words in French and Dutch, as the catalogue's English colour names use them.
_COLOUR_WORDS = {
    "noir": "black", "noire": "black", "zwart": "black", "zwarte": "black",
    "blanc": "white", "blanche": "white", "wit": "white", "witte": "white",
    "bleu": "blue", "bleue": "blue", "blauw": "blue", "blauwe": "blue", "bleuciel": "blue",
    "ciel": "sky", "hemelsblauw": "blue", "lucht": "sky",
    "rose": "pink", "roze": "pink", "vert": "green", "verte": "green", "groen": "green",
    "gris": "grey", "grise": "grey", "grijs": "grey", "gray": "grey", "graphite": "graphite",
    "grafiet": "graphite", "argent": "silver", "argente": "silver", "zilver": "silver",
    "or": "gold", "doree": "gold", "goud": "gold", "olive": "olive", "olijf": "olive",
    "olijfgroen": "olive", "titane": "titanium", "naturel": "natural", "naturelle": "natural",
    "natuurlijk": "natural", "desert": "desert", "woestijn": "desert", "mat": "matte",
    "matte": "matte", "marine": "navy", "bleumarine": "navy", "marineblauw": "navy",
    "porcelaine": "porcelain", "porselein": "porcelain", "obsidienne": "obsidian",
}  # fmt: skip


# Marketing names by the plain colour people say ("the black ones" is the Pixel's Obsidian).
_COLOUR_FAMILIES = {
    "black": {"obsidian", "midnight", "onyx", "graphite", "charcoal", "jet", "space"},
    "white": {"porcelain", "starlight", "snow", "chalk", "cream", "ivory", "pearl"},
    "blue": {"ultramarine", "navy", "sky", "azure", "teal", "ocean"},
    "grey": {"graphite", "titanium", "slate", "space", "silver"},
    "green": {"olive", "mint", "sage", "teal"},
    "pink": {"rose", "peony", "coral"},
}


def _colour_word(word: str) -> str:
    """The English colour word of a French/Dutch one, plurals too ("noirs", "blanches")."""
    if word in _COLOUR_WORDS:
        return _COLOUR_WORDS[word]
    if word.endswith("s") and word[:-1] in _COLOUR_WORDS:
        return _COLOUR_WORDS[word[:-1]]
    return word


def _colour_tokens(text: str) -> set[str]:
    return {_colour_word(word) for word in words(text)}


def colour_in(text: str, colours: list[str]) -> str | None:
    """The colour of ``colours`` named in ``text``, in English, French or Dutch words ("noir
    mat" is Matte Black; "black" is Black, not Matte Black, when both exist)."""
    said = _colour_tokens(text)
    complete = [c for c in colours if _colour_tokens(c) and _colour_tokens(c) <= said]
    if complete:
        return max(complete, key=lambda c: len(_colour_tokens(c)))
    # "blue" is in "Icyblue" and "Silverblue": marketing names glue the plain colour on.
    partial = [
        c
        for c in colours
        if any(w == t or (len(w) >= 4 and w in t) for w in said for t in _colour_tokens(c))
    ]
    if partial:
        return partial[0] if len(partial) == 1 else None
    family = set().union(*(_COLOUR_FAMILIES.get(word, set()) for word in said))
    related = [c for c in colours if _colour_tokens(c) & family]
    return related[0] if len(related) == 1 else None


def storage_in(text: str, storages: list[int]) -> int | None:
    """A capacity of ``storages`` named in ``text`` ("256", "256 GB", "256go")."""
    for match in _GB.finditer(text):
        value = int(match.group(1))
        if value in storages:
            return value
    return None


def delivery_in(text: str) -> str | None:
    """``company`` / ``other_address`` from what people type ("autre adresse", "het bedrijf")."""
    words = fold(text)
    if any(word in words for word in _OTHER_WORDS):
        return OTHER_DELIVERY
    if any(word in words for word in _COMPANY_WORDS):
        return COMPANY_DELIVERY
    return None


def required_order_slots(slots: dict[str, Any]) -> list[str]:
    """The slots of an order: where to deliver and, for another address, that address."""
    required = [DELIVERY_SLOT]
    if slots.get(DELIVERY_SLOT) == OTHER_DELIVERY:
        required.append(ORDER_ADDRESS_SLOT)
    return required


def company_address(company: Company | None) -> str:
    """``Rue de la Loi 16, 1000 Bruxelles`` from ``GET /me``'s company; ``—`` if unknown."""
    if company is None or not (company.street and company.postal_code and company.city):
        return "—"
    return f"{company.street}, {company.postal_code} {company.city}"


def order_params(slots: dict[str, Any]) -> dict[str, Any]:
    """``place_order`` params: ``null`` = the company address, else the address given."""
    if slots.get(DELIVERY_SLOT) == OTHER_DELIVERY and slots.get(ORDER_ADDRESS_SLOT):
        return {"delivery_address": dict(slots[ORDER_ADDRESS_SLOT])}
    return {"delivery_address": None}


def search_words(text: str) -> str:
    """The words worth sending to the catalogue search: no 1–2 letter words ("I'm", "a", "un"),
    which the backend would otherwise try to find inside device names; numbers always kept."""
    words = re.findall(r"[^\W_]+(?:-[^\W_]+)*", text)
    return " ".join(w for w in words if len(w) >= 3 or any(ch.isdigit() for ch in w))


def cart_rows(cart: Cart, language: str) -> str:
    """One row per cart item."""
    return "\n".join(
        f"• {item.quantity} × {item.name} ({variant_text(item.colour, item.storage_gb)}) · "
        f"{format_money(item.unit_price * item.quantity, language)}"
        for item in cart.items
    )


class ActionSearchDevices(BackendAction):
    """Search the catalogue with the user's words; matches with price, colours, sizes, stock."""

    def name(self) -> str:
        return "action_search_devices"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = conversation_language(tracker)
        text = latest_text(tracker)
        try:
            identity = require_identity(tracker)
            devices = await self.backend.search_devices(identity, q=search_words(text))
            named = device_mentions(text, await self.backend.search_devices(identity, q=""))
        except BackendError as exc:
            logger.info("Device search failed: %r", exc)
            utter_backend_error(dispatcher, exc)
            return []
        ordering = _ORDER_WORDS.search(fold(text)) is not None
        # ("a cheap Samsung" is a search: one, "un", "een" are articles as much as counts)
        if named and (ordering or (opening_quantity(text, named[0][0]) or 0) > 1):
            # "Ik wil twee Galaxy A56 bestellen, grafiet", "we need 3 Crosscall and 2 iPhone
            # 16e": devices named with an order or a count: straight to their colour, capacity
            # and quantity (the form reads them from here).
            return [SlotSet(DEVICE_SLOT, str(named[0][0].id)), FollowupAction("shop_item_form")]
        if not devices:
            dispatcher.utter_message(response="utter_no_devices_found")
            return []
        if len(devices) == 1 and ordering:
            return [SlotSet(DEVICE_SLOT, str(devices[0].id)), FollowupAction("shop_item_form")]
        rows = "\n".join(device_line(d, language) for d in devices[:MAX_RESULTS])
        dispatcher.utter_message(
            response="utter_devices_found", devices=rows, buttons=device_buttons(devices)
        )
        if ordering or (opening_quantity(text, None) or 0) > 1:
            # "I need two rugged phones": the order goes on with the choice among these (the
            # form keeps the count and reads "the Samsung one" against this list).
            return [FollowupAction("shop_item_form")]
        return []


# "the first one", "le deuxième", "de derde": a position in the list of devices just shown.
_ORDINALS = {
    "first": 0, "1st": 0, "premier": 0, "premiere": 0, "eerste": 0,
    "second": 1, "2nd": 1, "deuxieme": 1, "seconde": 1, "tweede": 1,
    "third": 2, "3rd": 2, "troisieme": 2, "derde": 2,
    "fourth": 3, "4th": 3, "quatrieme": 3, "vierde": 3,
    "last": -1, "dernier": -1, "derniere": -1, "laatste": -1,
}  # fmt: skip
_ALNUM = re.compile(r"[^\W_]+")
# "pour aucune ligne en particulier", "not for a specific line, spare phones", "voor de stock".
_ORDER_WORDS = re.compile(r"\b(?:order|buy|commande\w*|achete\w*|bestel\w*|koop|kopen)\b")
_NO_LINE_WORDS = re.compile(
    r"\b(?:aucune?|pas de ligne|pas pour|stock|reserve|none|no specific|no particular|not for|"
    r"spare|geen|niet voor|voorraad|reserve)\b"
)
_DEVICE_PAYLOAD = re.compile(r'^/choose_device\{"shop_device_id": "([^"]+)"\}$')


def _tokens(text: str) -> str:
    """Accent-free lower-case letters-and-digits words, space-separated ("galaxy a56 5g")."""
    return " ".join(_ALNUM.findall(fold(text)))


def _shown_devices(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(device id, title) of the device buttons of the latest list among ``events``."""
    for event in reversed(events):
        buttons = (
            (event.get("data") or {}).get("buttons") or [] if event.get("event") == "bot" else []
        )
        shown = [
            (m.group(1), str(b.get("title") or ""))
            for b in buttons
            if (m := _DEVICE_PAYLOAD.match(str(b.get("payload"))))
        ]
        if shown:
            return shown
    return []


def shown_device(tracker: Tracker, typed: str) -> str | None:
    """The device an ordinal picks among the buttons of the latest list the bot showed."""
    shown = _shown_devices(tracker.events)
    position = next((_ORDINALS[w] for w in words(typed) if w in _ORDINALS), None)
    if position is None:
        return None
    return shown[position][0] if -len(shown) <= position < len(shown) else None


def shown_by_name(tracker: Tracker, typed: str) -> str | None:
    """The one device of the latest list whose name has a word of the answer ("the Samsung",
    "de Crosscall"): a partial name that is only clear among the devices just shown."""
    said = set(_tokens(typed).split())
    shown = _shown_devices(tracker.events)
    named = [device for device, title in shown if said & set(_tokens(title).split())]
    return named[0] if len(named) == 1 else None


# Words for a phone in general: a count before them is how many ("two phones", "5 toestellen").
_DEVICE_WORDS = frozenset(
    {"phone", "phones", "smartphone", "smartphones", "gsm", "gsms", "device", "devices",
     "handset", "handsets", "telephone", "telephones", "portable", "portables", "appareil",
     "appareils", "toestel", "toestellen", "telefoon", "telefoons", "gsmke", "gsmkes"}
)  # fmt: skip


def _count(token: str) -> int | None:
    """How many a word says: "3", "trois", "drie", and "a"/"an" (one) before a device."""
    if token.isdigit():
        return int(token) if 1 <= int(token) <= MAX_QUANTITY else None
    return 1 if token in ("a", "an") else NUMBER_WORDS.get(token)


def _count_before(tokens: list[str], index: int) -> tuple[int, int] | None:
    """(position, count) of a count among the two words before ``tokens[index]`` ("twee
    Samsung", "two new phones")."""
    for position in range(index - 1, max(index - 3, -1), -1):
        count = _count(tokens[position])
        if count is not None:
            return position, count
    return None


def _name_tokens(device: Device) -> set[str]:
    """The words of a device's names that are not bare numbers ("Fairphone 5": the 5 of "5
    Fairphone 5" is a count)."""
    return {t for n in (device.model, device.name) for t in _tokens(n).split() if not t.isdigit()}


def opening_quantity(typed: str, device: Device | None) -> int | None:
    """The count before the first word for the device in an opening message ("Ik wil twee
    Samsung Galaxy A56", "un iPhone 16 blanc", "order two phones")."""
    tokens = _tokens(typed).split()
    named = _DEVICE_WORDS | (_name_tokens(device) if device is not None else set())
    first = next((i for i, token in enumerate(tokens) if token in named), None)
    found = _count_before(tokens, first) if first is not None else None
    return found[1] if found else None


# A model number: letters and digits together ("xcover7", "a56", "16e", "z5"), or four digits
# ("3210"); not a network generation ("5g", "4g").
_MODEL_NUMBER = re.compile(r"(?=[a-z]*\d)(?=\d*[a-z])[a-z0-9]+|\d{4,}")
_GENERATION = re.compile(r"\d+g")


def _model_parts(model: list[str]) -> list[list[str]]:
    """The runs of a model's words that hold its model number: "galaxy xcover7 pro" → "xcover7",
    "xcover7 pro", "galaxy xcover7"…; a run of plain words ("galaxy", "pro") names nothing."""
    numbered = [
        i
        for i, t in enumerate(model)
        if _MODEL_NUMBER.fullmatch(t) and not _GENERATION.fullmatch(t)
    ]
    return [
        model[start:end]
        for start in range(len(model))
        for end in range(start + 1, len(model) + 1)
        if any(start <= i < end for i in numbered)
    ]


def device_mentions(typed: str, catalogue: list[Device]) -> list[tuple[Device, str]]:
    """Each device named in ``typed`` with the words that describe it, in the order said:
    "3 Crosscall Core-Z5 for the site and 2 iPhone 16e in black" → (Core-Z5, "3 crosscall core
    z5 for the site and"), (iPhone 16e, "2 iphone 16e in black"). At one place the longest name
    wins ("iPhone 16 Pro", not "iPhone 16"); a brand alone names its only device; part of a
    model name names it when it holds the model number ("XCover7 Pro", "A56"), the plainest
    model first ("S25" is the Galaxy S25, not the S25 Ultra)."""
    tokens = _tokens(typed).split()
    brands: dict[str, list[Device]] = {}
    for device in catalogue:
        brands.setdefault(_tokens(device.brand), []).append(device)
    spans: list[tuple[int, int, Device]] = []
    for device in catalogue:
        names = [_tokens(n).split() for n in (device.model, device.name)]
        names.extend(_model_parts(_tokens(device.model).split()))
        if len(brands.get(_tokens(device.brand), [])) == 1:
            names.append(_tokens(device.brand).split())
        for name in (n for n in names if n):
            spans.extend(
                (start, start + len(name), device)
                for start in range(len(tokens) - len(name) + 1)
                if tokens[start : start + len(name)] == name
            )
    taken: list[tuple[int, int, Device]] = []
    plainest = {str(d.id): len(_tokens(d.model).split()) for d in catalogue}
    for start, end, device in sorted(
        spans, key=lambda s: (s[0], s[0] - s[1], plainest[str(s[2].id)])
    ):
        overlaps = any(start < e and s < end for s, e, _ in taken)
        if not overlaps and all(str(d.id) != str(device.id) for _, _, d in taken):
            taken.append((start, end, device))
    taken.sort(key=lambda span: span[0])
    starts = [found[0] if (found := _count_before(tokens, s)) else s for s, _, _ in taken]
    return [
        (device, " ".join(tokens[begin : starts[i + 1] if i + 1 < len(starts) else None]))
        for i, ((_, _, device), begin) in enumerate(zip(taken, starts, strict=True))
    ]


def _variant_values(
    dispatcher: CollectingDispatcher,
    device: Device,
    typed: str,
    requested: str | None,
    slots: dict[str, Any],
    colour_entity: str | None,
    storage_entity: str | None,
) -> dict[str, Any]:
    """The colour and capacity of ``device`` said in ``typed`` (or tapped); the only one there
    is when there is one; a specific re-ask when the one asked for is not understood."""
    values: dict[str, Any] = {}
    colours = sorted({v.colour for v in device.variants})
    storages = sorted({v.storage_gb for v in device.variants})
    storage = int(storage_entity) if storage_entity and storage_entity.isdigit() else None
    storage = storage if storage in storages else storage_in(typed, storages)
    # "the blue one with 256 GB": of two blues, the one that comes in 256 GB.
    known = storage if storage is not None else slots.get(STORAGE_SLOT)
    sized = sorted({v.colour for v in device.variants if v.storage_gb == known}) or colours
    colour = colour_entity or colour_in(typed, sized) or colour_in(typed, colours)
    if colour in colours:
        values[COLOUR_SLOT] = colour
    elif len(colours) == 1 and not slots.get(COLOUR_SLOT):
        values[COLOUR_SLOT] = colours[0]
    elif len(sized) == 1 and known is not None and not slots.get(COLOUR_SLOT):
        values[COLOUR_SLOT] = sized[0]  # "the 256 GB Pixel 9": only Porcelain comes in 256 GB
    elif requested == COLOUR_SLOT:
        dispatcher.utter_message(response="utter_invalid_shop_colour", colours=", ".join(colours))
    chosen = values.get(COLOUR_SLOT) or slots.get(COLOUR_SLOT)
    in_colour = sorted({v.storage_gb for v in device.variants if v.colour == chosen})
    if storage is not None:
        values[STORAGE_SLOT] = float(storage)
    elif len(storages) == 1 and slots.get(STORAGE_SLOT) is None:
        values[STORAGE_SLOT] = float(storages[0])
    elif len(in_colour) == 1 and slots.get(STORAGE_SLOT) is None:
        values[STORAGE_SLOT] = float(in_colour[0])  # a white Pixel 9 only comes in 256 GB
    elif requested == STORAGE_SLOT:
        dispatcher.utter_message(
            response="utter_invalid_shop_storage_gb",
            storages=", ".join(f"{s} GB" for s in storages),
        )
    return values


class ValidateShopItemForm(OperationFormValidation):
    """Slots ``shop_device_id``, ``shop_colour``, ``shop_storage_gb``, ``shop_quantity``."""

    fleet_manager_only = False
    needs_line = False

    def name(self) -> str:
        return "validate_shop_item_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        requested = tracker.get_slot("requested_slot")
        text = latest_text(tracker)
        no_line = requested == FOR_LINE_SLOT and _NO_LINE_WORDS.search(fold(text)) is not None
        answer = (
            (requested == QUANTITY_SLOT and quantity_in(text) is not None)
            or no_line
            # The next device of the same request: the words read are that device's.
            or (requested is None and tracker.get_slot(ITEM_TEXT_SLOT) is not None)
        )
        # "voor geen specifieke lijn, reservetoestellen" is an answer, even read as "stop" or as
        # a request for a human.
        view = answer_view(tracker, answer, free_text=no_line)
        return list(await super().run(dispatcher, view, domain))

    async def extract(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        identity: ChatIdentity,
        line: Line | None,
    ) -> dict[str, Any]:
        requested = tracker.get_slot("requested_slot")
        item_text = tracker.get_slot(ITEM_TEXT_SLOT) if requested is None else None
        queued = item_text is not None
        text = str(item_text) if queued else latest_text(tracker).strip()
        typed = "" if text.startswith("/") else text

        def entity(name: str) -> str | None:
            # A queued item's words are not the latest message: its entities belong elsewhere.
            return None if queued else next(iter(entity_values(tracker, name)), None)

        values: dict[str, Any] = {}
        if requested is None:
            # A new request forgets the devices of an earlier one that was stopped.
            values = {ITEM_TEXT_SLOT: None} if queued else {MORE_ITEMS_SLOT: None}
        device_id = entity(DEVICE_SLOT)
        typed_choice = bool(typed) and requested in (None, DEVICE_SLOT)
        if device_id is None and typed_choice:
            device_id = shown_device(tracker, typed)  # "the first one" of the list just shown
        if device_id is None and typed_choice:
            # Typed rather than tapped: "Galaxy A56 5G", "XCover7 Pro", or several devices ("3
            # Crosscall and 2 iPhone 16e": the first now with its own words, the others after
            # it), found in the whole catalogue (a search narrows by any word some device has:
            # "one" is in "iPhone"); else "the Samsung" among the devices just listed.
            catalogue = await self.backend.search_devices(identity, q="")
            mentions = device_mentions(typed, catalogue)
            if len(mentions) > 1:
                typed = mentions[0][1]
                if requested is None and not queued:
                    values[MORE_ITEMS_SLOT] = [words for _, words in mentions[1:]]
            if mentions:
                device_id = str(mentions[0][0].id)
            elif requested == DEVICE_SLOT:
                device_id = shown_by_name(tracker, typed)
            if device_id is None:
                device_id = await self._searched_device(identity, typed)
        if device_id is None:
            device_id = tracker.get_slot(DEVICE_SLOT)
        device: Device | None = None
        if device_id is not None:
            try:
                device = await self.backend.get_device(identity, device_id)
            except NotFoundError:
                dispatcher.utter_message(response="utter_invalid_shop_device_id")
                return {**values, DEVICE_SLOT: None}
        if requested is None and not tracker.get_slot(QUANTITY_SLOT):
            quantity = opening_quantity(typed, device)  # "twee Galaxy A56", "two phones"
            if quantity is not None:
                values[QUANTITY_SLOT] = float(quantity)
        if device is None:
            if requested == DEVICE_SLOT:
                dispatcher.utter_message(response="utter_invalid_shop_device_id")
            return values
        if str(device_id) != str(tracker.get_slot(DEVICE_SLOT)):
            # Another device: the earlier colour and capacity no longer apply.
            values.update({DEVICE_SLOT: str(device.id), COLOUR_SLOT: None, STORAGE_SLOT: None})
        slots = {**tracker.slots, **values}
        values.update(
            _variant_values(dispatcher, device, typed, requested, slots, entity(COLOUR_SLOT),
                            entity(STORAGE_SLOT))
        )  # fmt: skip
        values.update(
            await self._for_line(dispatcher, tracker, identity, requested, typed, queued=queued)
        )

        if requested == QUANTITY_SLOT:
            quantity = quantity_in(typed)
            if quantity is not None and 1 <= quantity <= MAX_QUANTITY:
                values[QUANTITY_SLOT] = float(quantity)
            else:
                dispatcher.utter_message(response="utter_invalid_shop_quantity", max=MAX_QUANTITY)
        return values

    async def _searched_device(self, identity: ChatIdentity, typed: str) -> str | None:
        """The only device a catalogue search for the words returns."""
        found = await self.backend.search_devices(identity, q=typed)
        return str(found[0].id) if len(found) == 1 else None

    async def _for_line(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        identity: ChatIdentity,
        requested: str | None,
        typed: str,
        *,
        queued: bool,
    ) -> dict[str, Any]:
        """For which line: none (company stock), a named line, or an end user's own line."""
        if requested is None:
            me = await self.backend.get_me(identity)
            if me.active_role != "fleet_manager":
                return {FOR_LINE_SLOT: str(me.line_id) if me.line_id else NO_LINE}
            if queued:
                return {}  # the next device of the request: its line was carried over or is asked
        if NO_LINE in entity_values(tracker, FOR_LINE_SLOT) or (
            requested == FOR_LINE_SLOT
            and (said_yes_or_no(tracker) is False or _NO_LINE_WORDS.search(fold(typed)))
        ):
            return {FOR_LINE_SLOT: NO_LINE}
        asked = requested == FOR_LINE_SLOT
        if not asked and not entity_values(tracker, "phone_number"):
            return {}
        resolution = await resolve_line(self.backend, identity, tracker)
        if resolution.line is not None:
            return {FOR_LINE_SLOT: str(resolution.line.id)}
        if resolution.referenced:
            utter_resolution_problem(dispatcher, resolution)
        elif asked and typed:
            dispatcher.utter_message(response="utter_invalid_shop_for_line_id")
        return {}


class ActionAskShopDeviceId(BackendAction):
    """Which device? Unless this turn already listed the devices to choose from."""

    def name(self) -> str:
        return "action_ask_shop_device_id"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        turn = list(tracker.events)
        last_user = max((i for i, e in enumerate(turn) if e.get("event") == "user"), default=-1)
        if not _shown_devices(turn[last_user + 1 :]):
            dispatcher.utter_message(response="utter_ask_shop_device_id")
        return []


class _AskVariant(BackendAction):
    """Asks a colour or capacity with one button per value of the chosen device."""

    slot = ""
    response = ""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        device_id = tracker.get_slot(DEVICE_SLOT)
        buttons: list[dict[str, str]] = []
        name = "—"
        try:
            device = await self.backend.get_device(require_identity(tracker), device_id)
            name = device.name
            language = conversation_language(tracker)
            buttons = self._buttons(device, tracker.get_slot(COLOUR_SLOT), language)
        except BackendError as exc:
            logger.info("Device %s unavailable: %r", device_id, exc)
        dispatcher.utter_message(response=self.response, device=name, buttons=buttons)
        return []

    def _buttons(self, device: Device, colour: str | None, language: str) -> list[dict[str, str]]:
        raise NotImplementedError


class ActionAskShopColour(_AskVariant):
    """Which colour? (buttons)."""

    response = "utter_ask_shop_colour"

    def name(self) -> str:
        return "action_ask_shop_colour"

    def _buttons(self, device: Device, colour: str | None, language: str) -> list[dict[str, str]]:
        # The colours in stock, when some are: a button that can only fail is no shortcut.
        in_stock = {v.colour for v in device.variants if v.stock > 0}
        colours = sorted(in_stock or {v.colour for v in device.variants})
        return [{"title": c, "payload": f'/inform{{"shop_colour": "{c}"}}'} for c in colours]


class ActionAskShopStorageGb(_AskVariant):
    """Which capacity? (buttons with the price and stock of the chosen colour)."""

    response = "utter_ask_shop_storage_gb"

    def name(self) -> str:
        return "action_ask_shop_storage_gb"

    def _buttons(self, device: Device, colour: str | None, language: str) -> list[dict[str, str]]:
        variants = [v for v in device.variants if colour in (None, v.colour)]
        return [
            {
                "title": f"{v.storage_gb} GB · {format_money(v.price_excl_vat, language)} "
                f"({v.stock})",
                "payload": f'/inform{{"shop_storage_gb": "{v.storage_gb}"}}',
            }
            for v in sorted(variants, key=lambda v: v.storage_gb)
        ]


class ActionAddToCart(BackendAction):
    """POST /cart/items; out of stock → say so and offer the backend's alternatives."""

    def name(self) -> str:
        return "action_add_to_cart"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        slots = tracker.slots
        device_id, colour = slots.get(DEVICE_SLOT), slots.get(COLOUR_SLOT)
        storage, quantity = slots.get(STORAGE_SLOT), slots.get(QUANTITY_SLOT)
        for_line = slots.get(FOR_LINE_SLOT)
        for_line_id = int(for_line) if for_line and str(for_line).isdigit() else None
        if not device_id or not colour or storage is None or not quantity:
            return form_slot_resets(domain)
        language = conversation_language(tracker)
        key = idempotency_key(
            tracker, f"cart:{device_id}:{colour}:{int(storage)}:{int(quantity)}:{for_line_id}"
        )
        try:
            cart = await self.backend.add_cart_item(
                require_identity(tracker),
                device_id=device_id,
                colour=colour,
                storage_gb=int(storage),
                quantity=int(quantity),
                for_line_id=for_line_id,
                idempotency_key=key,
            )
        except ConflictError as exc:
            return await self._choose_again(dispatcher, tracker, exc, language)
        except InvalidRequestError:
            # A colour that does not come in that capacity: both are asked again.
            dispatcher.utter_message(response="utter_variant_unknown")
            return _ask_variant_again(device_cleared=False)
        except BackendError as exc:
            logger.info("Adding to the cart failed: %r", exc)
            utter_backend_error(dispatcher, exc)
            return form_slot_resets(domain)
        dispatcher.utter_message(
            response="utter_cart_item_added",
            quantity=int(quantity),
            count=sum(item.quantity for item in cart.items),
            total=format_money(cart.total_incl_vat, language),
        )
        more = list(slots.get(MORE_ITEMS_SLOT) or [])
        if more:
            # "3 Crosscall and 2 iPhone 16e": the form starts again with the next device's
            # words; "no particular line" said for the first one holds for all of them.
            return [
                *form_slot_resets(domain),
                SlotSet(FOR_LINE_SLOT, NO_LINE if for_line == NO_LINE else None),
                SlotSet(ITEM_TEXT_SLOT, str(more[0])),
                SlotSet(MORE_ITEMS_SLOT, more[1:] or None),
                FollowupAction("shop_item_form"),
            ]
        # People asked to order, not to fill a cart: a "yes" goes on to delivery and summary.
        dispatcher.utter_message(response="utter_ask_place_order_now")
        return [
            *form_slot_resets(domain),
            SlotSet(PENDING_ID_SLOT, f"{START_PREFIX}order_delivery_form"),
            SlotSet(PENDING_TYPE_SLOT, START_PREFIX.rstrip(":")),
        ]

    async def _choose_again(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        exc: ConflictError,
        language: str,
    ) -> list[EventType]:
        """Out of stock: the form asks again what it must, keeping the rest of the request
        (how many, for which line, the other devices): another colour or capacity of the same
        device while it has stock, else another device among the backend's alternatives."""
        device_id = tracker.get_slot(DEVICE_SLOT)
        quantity = int(tracker.get_slot(QUANTITY_SLOT) or 1)
        try:
            device = await self.backend.get_device(require_identity(tracker), device_id)
        except BackendError as exc_device:
            logger.info("Device %s unavailable: %r", device_id, exc_device)
            device = None
        if device is not None and any(v.stock >= quantity for v in device.variants):
            dispatcher.utter_message(
                response="utter_variant_out_of_stock",
                device=device.name,
                variant=variant_text(tracker.get_slot(COLOUR_SLOT), tracker.get_slot(STORAGE_SLOT)),
            )
            return _ask_variant_again(device_cleared=False)
        self._out_of_stock(dispatcher, exc, language)
        return _ask_variant_again(device_cleared=True)

    @staticmethod
    def _out_of_stock(dispatcher: CollectingDispatcher, exc: ConflictError, language: str) -> None:
        raw = exc.details.get("alternatives") or []
        alternatives: list[Device] = []
        for item in raw if isinstance(raw, list) else []:
            try:
                alternatives.append(Device.model_validate(item))
            except ValueError:
                continue
        if not alternatives:
            dispatcher.utter_message(response="utter_out_of_stock")
            return
        rows = "\n".join(device_line(d, language) for d in alternatives[:MAX_RESULTS])
        dispatcher.utter_message(
            response="utter_out_of_stock_alternatives",
            devices=rows,
            buttons=device_buttons(alternatives),
        )


def _ask_variant_again(*, device_cleared: bool) -> list[EventType]:
    """The item form again, asking the colour and capacity (and the device, when cleared);
    how many, for which line and the request's other devices are kept."""
    again = [SlotSet(COLOUR_SLOT, None), SlotSet(STORAGE_SLOT, None)]
    if device_cleared:
        again.append(SlotSet(DEVICE_SLOT, None))
    return [*again, SlotSet(ITEM_TEXT_SLOT, ""), FollowupAction("shop_item_form")]


def _remove_buttons(cart: Cart) -> list[dict[str, str]]:
    return [
        {
            "title": f"✕ {item.quantity} × {item.name} "
            f"({variant_text(item.colour, item.storage_gb)})",
            "payload": f'/remove_cart_item{{"cart_item_id": "{item.id}"}}',
        }
        for item in cart.items
    ]


class ActionShowCart(BackendAction):
    """The cart with its totals, one remove button per item."""

    def name(self) -> str:
        return "action_show_cart"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = conversation_language(tracker)
        try:
            cart = await self.backend.get_cart(require_identity(tracker))
        except BackendError as exc:
            utter_backend_error(dispatcher, exc)
            return []
        if not cart.items:
            dispatcher.utter_message(response="utter_cart_empty")
            return []
        dispatcher.utter_message(
            response="utter_cart",
            items=cart_rows(cart, language),
            total_excl_vat=format_money(cart.total_excl_vat, language),
            total_incl_vat=format_money(cart.total_incl_vat, language),
            buttons=_remove_buttons(cart),
        )
        return []


class ActionRemoveCartItem(BackendAction):
    """Removes the item of the button (or the one named); else shows what can be removed."""

    def name(self) -> str:
        return "action_remove_cart_item"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = conversation_language(tracker)
        try:
            identity = require_identity(tracker)
            cart = await self.backend.get_cart(identity)
            item_id = next(iter(entity_values(tracker, "cart_item_id")), None)
            if item_id is None:
                text = fold(latest_text(tracker))
                named = [i for i in cart.items if fold(i.name) in text]
                item_id = str(named[0].id) if len(named) == 1 else None
            if item_id is None or not any(str(i.id) == item_id for i in cart.items):
                if not cart.items:
                    dispatcher.utter_message(response="utter_cart_empty")
                else:
                    dispatcher.utter_message(
                        response="utter_which_cart_item", buttons=_remove_buttons(cart)
                    )
                return []
            key = idempotency_key(tracker, f"cart_remove:{item_id}")
            cart = await self.backend.remove_cart_item(identity, item_id, idempotency_key=key)
        except BackendError as exc:
            utter_backend_error(dispatcher, exc)
            return []
        dispatcher.utter_message(
            response="utter_cart_item_removed",
            count=sum(item.quantity for item in cart.items),
            total=format_money(cart.total_incl_vat, language),
        )
        return []


def _order_summary(operation: Operation, language: str) -> dict[str, Any]:
    summary = operation.summary
    items = summary.get("items") or []
    rows = "\n".join(
        f"• {item.get('quantity', 1)} × {item.get('name', '—')} "
        f"({variant_text(item.get('colour', ''), item.get('storage_gb'))})"
        for item in items
        if isinstance(item, dict)
    )
    return {
        "items": rows or "—",
        "total_incl_vat": format_money(Decimal(str(summary.get("total_incl_vat", "0"))), language),
        "address": address_text(summary.get("delivery_address")),
    }


@register_done_vars("place_order")
def _order_done(operation: Operation, language: str) -> dict[str, Any]:
    return {"number": (operation.result or {}).get("number") or "—"}


class ValidateOrderDeliveryForm(OperationFormValidation):
    """Where to deliver the order: the company address or another address (Belgian)."""

    fleet_manager_only = False
    needs_line = False
    rate_limited_flow = "order"

    def name(self) -> str:
        return "validate_order_delivery_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        requested = tracker.get_slot("requested_slot")
        if requested is None:
            # Nothing to deliver: say so at once instead of asking where to.
            try:
                cart = await self.backend.get_cart(require_identity(tracker))
            except BackendError as exc:
                utter_backend_error(dispatcher, exc)
                return self._stop(domain)
            if not cart.items:
                dispatcher.utter_message(response="utter_cart_empty")
                return self._stop(domain)
        text = latest_text(tracker)
        answer = requested == ORDER_ADDRESS_SLOT or (
            requested == DELIVERY_SLOT and delivery_in(text) is not None
        )
        view = answer_view(tracker, answer)
        events = await super().run(dispatcher, view, domain)
        return next_slot_events(view, events, required_order_slots)

    async def extract(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        identity: ChatIdentity,
        line: Line | None,
    ) -> dict[str, Any]:
        requested = tracker.get_slot("requested_slot")
        text = latest_text(tracker).strip()
        typed = "" if text.startswith("/") else text
        values: dict[str, Any] = {}
        delivery = next(iter(entity_values(tracker, DELIVERY_SLOT)), None)
        if delivery is None and requested == DELIVERY_SLOT:
            delivery = delivery_in(typed)
        if delivery in (COMPANY_DELIVERY, OTHER_DELIVERY):
            values[DELIVERY_SLOT] = delivery
            if delivery == COMPANY_DELIVERY:
                values[ORDER_ADDRESS_SLOT] = None
        elif requested == DELIVERY_SLOT:
            dispatcher.utter_message(response="utter_invalid_order_delivery")

        if requested == ORDER_ADDRESS_SLOT and typed:
            try:
                values[ORDER_ADDRESS_SLOT] = check_postal_address(typed)
            except InvalidValue:
                dispatcher.utter_message(response="utter_invalid_order_address")
        return values


class ActionAskOrderDelivery(BackendAction):
    """Company address (read from ``GET /me``) or another address? Two buttons."""

    def name(self) -> str:
        return "action_ask_order_delivery"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        address = "—"
        try:
            me = await self.backend.get_me(require_identity(tracker))
            address = company_address(me.company)
        except BackendError as exc:
            logger.info("Company address unavailable: %r", exc)
        dispatcher.utter_message(response="utter_ask_order_delivery", address=address)
        return []


class ActionPrepareOrder(BackendAction):
    """Order the cart: ``place_order`` to the address chosen in the form, read back."""

    def name(self) -> str:
        return "action_prepare_order"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        slots = tracker.slots
        resets: list[EventType] = [SlotSet(DELIVERY_SLOT, None), SlotSet(ORDER_ADDRESS_SLOT, None)]
        if any(slots.get(s) is None for s in required_order_slots(slots)):
            return resets  # the form was stopped; it already said why
        try:
            cart = await self.backend.get_cart(require_identity(tracker))
        except BackendError as exc:
            utter_backend_error(dispatcher, exc)
            return resets
        if not cart.items:
            dispatcher.utter_message(response="utter_cart_empty")
            return resets
        try:
            events = await prepare_operation(
                dispatcher,
                tracker,
                client=self.backend,
                op_type="place_order",
                line_id=None,
                params=order_params(slots),
                summary_response="utter_summary_place_order",
                summary_vars=_order_summary,
            )
        except InvalidRequestError as exc:
            code = "out_of_stock" if exc.code == "out_of_stock" else "refused"
            dispatcher.utter_message(response=f"{RESPONSE_PREFIX}_order_{code}")
            return resets
        return [*events, *resets]


@register_quantity_change("place_order", f"{START_PREFIX}order_delivery_form")
async def change_order_quantity(
    client: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker, pending_id: str
) -> list[EventType]:
    """ "Make it 2" while the cart waits to be ordered or the order summary waits for "yes": the
    cart line gets the new quantity, and an order summary is prepared again, so that "yes"
    orders exactly what was shown last."""
    summary_waits = not pending_id.startswith(START_PREFIX)
    ask = "utter_ask_confirm_operation" if summary_waits else "utter_ask_place_order_now"
    quantity = quantity_in(latest_text(tracker))
    if quantity is None or not 1 <= quantity <= MAX_QUANTITY:
        dispatcher.utter_message(response="utter_invalid_shop_quantity", max=MAX_QUANTITY)
        dispatcher.utter_message(response=ask)
        return []
    language = conversation_language(tracker)
    identity = require_identity(tracker)
    try:
        cart = await client.get_cart(identity)
        if len(cart.items) != 1:
            # Which line of the cart? Buttons to remove lines exist; say how to change it.
            dispatcher.utter_message(response="utter_correction_restart")
            dispatcher.utter_message(response=ask)
            return []
        item = cart.items[0]
        delivery = (await client.get_operation(identity, pending_id)).summary.get(
            "delivery_address"
        ) if summary_waits else None  # fmt: skip
        key = idempotency_key(tracker, f"cart_quantity:{item.id}:{quantity}")
        cart = await client.set_cart_quantity(identity, item.id, quantity, idempotency_key=key)
    except ConflictError as exc:
        ActionAddToCart._out_of_stock(dispatcher, exc, language)
        dispatcher.utter_message(response=ask)
        return []
    except BackendError as exc:
        logger.info("Changing the quantity failed: %r", exc)
        utter_backend_error(dispatcher, exc)
        return []
    dispatcher.utter_message(
        response="utter_cart_quantity_changed",
        quantity=quantity,
        name=item.name,
        count=sum(line.quantity for line in cart.items),
        total=format_money(cart.total_incl_vat, language),
    )
    if not summary_waits:
        dispatcher.utter_message(response=ask)
        return []
    await client.cancel_operation(identity, pending_id, idempotency_key=f"cancel:{pending_id}")
    address = {k: v for k, v in (delivery or {}).items() if k in ("street", "postal_code", "city")}
    return await prepare_operation(
        dispatcher,
        tracker,
        client=client,
        op_type="place_order",
        line_id=None,
        params={"delivery_address": address or None},
        summary_response="utter_summary_place_order",
        summary_vars=_order_summary,
    )


class ActionShowOrders(BackendAction):
    """ "Where is my order?": the status of the latest orders."""

    def name(self) -> str:
        return "action_show_orders"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = conversation_language(tracker)
        try:
            orders = await self.backend.list_orders(require_identity(tracker))
        except BackendError as exc:
            utter_backend_error(dispatcher, exc)
            return []
        if not orders:
            dispatcher.utter_message(response="utter_no_orders")
            return []
        for order in orders[:3]:
            status = order.status if order.status in ORDER_STATUSES else "received"
            dispatcher.utter_message(
                response=f"{RESPONSE_PREFIX}_order_status_{status}",
                number=order.number,
                total=format_money(order.total_incl_vat or Decimal("0"), language),
                tracking=order.tracking or "—",
            )
        return []
