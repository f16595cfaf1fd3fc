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
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.activation import next_slot_events
from actions.answers import (
    ONE_ARTICLES,
    VAGUE_QUANTITIES,
    asks_for_person,
    calls_off,
    count_spans,
    is_explicit_stop,
    is_quantity_change,
    quantity_in,
    said_yes_or_no,
    yes_or_no,
)
from actions.api.backend import (
    BackendClient,
    BackendError,
    Cart,
    CartItem,
    ChatIdentity,
    Company,
    ConflictError,
    Device,
    InvalidRequestError,
    Line,
    NotFoundError,
    Operation,
)
from actions.cart_changes import (
    ADD,
    COLOUR_FAMILIES,
    COLOUR_WORDS,
    ORDER_START,
    ORDER_TYPE,
    PUT_OFF_ORDER,
    REMOVE,
    SWITCH,
    calls_off_order,
    change_kind,
    change_kinds,
    keeps,
    names_capacity,
    names_colour,
    says_cart_change,
    stated_total,
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
from actions.line_resolution import (
    LineResolution,
    resolve_line,
    utter_resolution_problem,
)
from actions.operation_forms import OperationFormValidation
from actions.operations import (
    PENDING_ID_SLOT,
    PENDING_TYPE_SLOT,
    START_PREFIX,
    clear_pending,
    form_slot_resets,
    prepare_operation,
    register_done_vars,
    register_quantity_change,
    utter_backend_error,
)
from actions.phone import format_national
from actions.repairs import address_text
from actions.tickets import answer_view
from actions.validators import InvalidValue, check_postal_address
from validation import fold

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
NO_LINE = "none"  # the device is not for one particular line (company stock)
# Several lines for one item ("un pour Lien et un pour Dries"): ``<line id>:<count>`` of each,
# space-separated ("4:1 7:1"); the cart gets one item per line.
_SHARES = re.compile(r"\d+:\d+(?: \d+:\d+)+")
# The words of the item the form (re)starts with when they are not the latest message: the next
# device of "3 Crosscall and 2 iPhone 16e", or "" after an out-of-stock variant (nothing to read).
ITEM_TEXT_SLOT = "shop_item_text"
MORE_ITEMS_SLOT = "shop_more_items"  # the words of the request's other devices, in order
# Where the order goes, when the message that started it said so (``opening_delivery``): the
# item form writes it, the delivery form takes it instead of asking.
DELIVERY_SAID_SLOT = "shop_delivery"
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
        {"title": device.name, "payload": f'/inform{{"shop_device_id": "{device.id}"}}'}
        for device in devices[:MAX_RESULTS]
    ]


def _colour_word(word: str) -> str:
    """The English colour word of a French/Dutch one, plurals too ("noirs", "blanches")."""
    if word in COLOUR_WORDS:
        return COLOUR_WORDS[word]
    if word.endswith("s") and word[:-1] in COLOUR_WORDS:
        return COLOUR_WORDS[word[:-1]]
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
    family = set().union(*(COLOUR_FAMILIES.get(word, set()) for word in said))
    related = [c for c in colours if _colour_tokens(c) & family]
    return related[0] if len(related) == 1 else None


# Where a message names several colours, words that pick one: the clause after "prenez",
# "neem", "take", "go for", or next to "plutôt", "liever", "instead", "alors", "then", "dan maar"
# ("prenez le Navy alors", "alors le Navy").
_PICK_AFTER = ("prenez", "prends", "prendre", "mettez", "mets", "take", "go for", "go with",
               "give me", "neem", "nemen", "doe", "geef")  # fmt: skip
_PICK_NEXT_TO = ("plutot", "liever", "instead", "rather", "alors", "then", "dan maar")
_PICK = re.compile(r"\b(" + "|".join(_PICK_AFTER + _PICK_NEXT_TO) + r")\b")
_CLAUSE_END = re.compile(r"[,;.!?:\n]|\b(?:mais|but|so|donc|dus|sinon|otherwise|anders)\b")
# What follows these is not wanted ("le Navy au lieu de l'Icyblue", "liever navy dan icyblue").
_COMPARED = re.compile(
    r"\b(?:au lieu d\w*|plutot qu\w*|instead of|rather than|in plaats van|ipv)\b"
    r"|(?<=\bliever\b)(?P<before>[^,;.!?:\n]*?)\bdan\b(?! maar)"
)
# A clause that refuses its colour: a negation, "not available", "sold out" ("si l'Icyblue
# n'est pas dispo", "Icyblue is uitverkocht", "not the Icyblue").
_REFUSING = re.compile(
    r"\b(?:pas|plus|not|no|non|niet|geen|sans|zonder|without|isn t|aren t|indisponible|"
    r"unavailable|epuise\w*|rupture|uitverkocht|is op|zijn op|sold out|out of stock|gone)\b"
)


def _clause_colours(words: str, colours: list[str]) -> list[str]:
    """The colours a clause names: all those named in full ("icyblue hmm navy"), else the one
    ``colour_in`` finds ("bleu" for Icyblue)."""
    said = _colour_tokens(words)
    complete = [c for c in colours if _colour_tokens(c) and _colour_tokens(c) <= said]
    # "noir mat" names Matte Black, not Black as well
    complete = [
        c for c in complete if not any(_colour_tokens(c) < _colour_tokens(o) for o in complete)
    ]
    found = colour_in(words, colours)
    return complete or ([found] if found else [])


def colour_mentions(text: str, colours: list[str]) -> list[tuple[str, bool, bool]]:
    """(colour, picked, refused) of each colour named, clause by clause: "bon si l'Icyblue n'est
    pas dispo, prenez le Navy alors" → (Icyblue, no, refused), (Navy, picked, not refused)."""
    folded = _COMPARED.sub(lambda m: f"{m.group('before') or ''}, pas ", fold(text))
    mentions: list[tuple[str, bool, bool]] = []
    picking = False  # the clause after a picking word is picked, past empty ones
    for sentence in _CLAUSE_END.split(folded):
        parts = _PICK.split(sentence)  # clause, picking word, clause, …
        for index in range(0, len(parts), 2):
            words = _tokens(parts[index])
            following = parts[index + 1] if index + 1 < len(parts) else None
            if words:
                picked = picking or (following is not None and following not in _PICK_AFTER)
                refused = _REFUSING.search(words) is not None
                mentions.extend((c, picked, refused) for c in _clause_colours(words, colours))
                picking = False
            picking = picking or following is not None
        picking = False
    return mentions


def chosen_colour(mentions: list[tuple[str, bool, bool]], refused: str | None) -> str | None:
    """The colour chosen among several named: not the one just refused nor one in a refusing
    clause; the last one picked ("prenez le Navy, ou plutôt le Silver"), else the only one
    left; ``None`` when nobody can tell (the colour is asked again)."""
    kept = [(colour, picked) for colour, picked, no in mentions if not no and colour != refused]
    picked = [colour for colour, pick in kept if pick]
    if picked:
        return picked[-1]
    left = list(dict.fromkeys(colour for colour, _ in kept))
    return left[0] if len(left) == 1 else None


def storage_in(text: str, storages: list[int]) -> int | None:
    """A capacity of ``storages`` named in ``text`` ("256", "256 GB", "256go")."""
    for match in _GB.finditer(text):
        value = int(match.group(1))
        if value in storages:
            return value
    return None


# Where people say the company is: "au siège", "naar 't bedrijf", "head office", "bij ons", and
# "same as usual" (orders go to the company address unless told otherwise).
_COMPANY_PLACE = re.compile(
    r"\b(?:entreprise|societe|boite|bureaux?|siege|travail|firma\w*|bedrijf\w*|kantoor\w*|werk|"
    r"zetel|hoofdzetel|hoofdkantoor\w*|company|office|offices|work|hq|headquarters|chez nous|"
    r"bij ons|"
    r"as usual|same as (?:usual|always|before|last time)|the usual|(?:comme|que) d habitude|"
    r"comme toujours|habituelle?|zoals (?:gewoonlijk|altijd|anders|steeds|vroeger)|"
    r"gebruikelijke?)\b"
)
# "autre adresse", "ander adres", "to her home", "chez elle", "bij hem thuis".
_OTHER_PLACE = re.compile(
    r"\b(?:autre|other|another|different|ander|andere|thuis|domicile|home|maison|prive|privee|"
    r"chez (?:elle|lui|moi|eux|toi)|bij (?:haar|hem|mij)|(?:her|his|my) place|residence)\b"
)
# A word that turns the company into somewhere else: "pas au siège", "niet aan de hoofdzetel".
_NOT_THERE = frozenset({"pas", "not", "niet", "geen", "sauf", "except", "behalve"})
# Words before an address in a sentence: "leveren aan Industrieweg 22", "chez elle, 12 rue …".
_ADDRESS_LEAD = frozenset(
    {"to", "at", "the", "our", "her", "his", "my", "home", "deliver", "delivery", "address",
     "please", "another", "other", "send", "it", "naar", "aan", "op", "in", "de", "het", "t",
     "ons", "onze", "haar", "zijn", "thuis", "leveren", "levering", "adres", "ander", "andere",
     "een", "bij", "graag", "aub", "a", "au", "chez", "elle", "lui", "livrer", "livraison",
     "l", "adresse", "autre", "une", "son", "sa", "leur", "domicile", "svp", "envoyer",
     "delivered", "shipped", "sent", "geleverd", "bezorgd", "livre", "livree", "livres"}
)  # fmt: skip
_POSTAL_CITY = re.compile(
    r"\b(?P<code>[1-9]\d{3})\s+(?P<city>[^\W\d_][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)"
)


# "… to our warehouse at Kanaaldok 50": the street starts after the last of these.
_TO_PLACE = frozenset({"at", "to", "naar", "aan", "op", "bij", "chez", "au", "a", "in"})


def _after_sentence(words: list[str]) -> list[str]:
    """The street of "Please ship them to our warehouse at Kanaaldok 50": the words after the
    last "at" / "naar" / "chez" followed by a capitalised name or a number, when a sentence of
    lower-case words (its first may be capitalised) comes before it; "Rue au Bois 3" and
    "Quai des Péniches au 12" stay whole (one name word, or capitalised ones, before "au")."""
    for index in range(len(words) - 2, 0, -1):
        following = words[index + 1][:1]
        if fold(words[index]) in _TO_PLACE and (following.isupper() or following.isdigit()):
            sentence = index >= 2 and all(w.islower() for w in words[1:index])
            return words[index + 1 :] if sentence else words
    return words


def address_in(text: str) -> dict[str, str] | None:
    """A Belgian postal address said anywhere in a sentence ("to her home: Avenue Louise 54,
    1050 Ixelles", "leveren aan Industrieweg 22, 9000 Gent, niet aan de hoofdzetel")."""
    for match in _POSTAL_CITY.finditer(text):
        before = re.split(r"[:;\n.!?]", text[: match.start()])[-1]
        chunks = [c for c in before.split(",") if any(ch.isdigit() for ch in c)]
        if not chunks:
            continue
        street = _after_sentence(chunks[-1].split())
        while street and fold(street[0]).strip("'’") in _ADDRESS_LEAD:
            street = street[1:]
        try:
            return check_postal_address(f"{' '.join(street)}, {match['code']} {match['city']}")
        except InvalidValue:
            continue
    return None


def _names_street(text: str, street: str | None) -> bool:
    """Whether ``text`` names ``street`` (its name, with or without the number): "naar ons
    kantoor in de Kolvestraat" is the company's address."""
    name = " ".join(t for t in _tokens(street or "").split() if not t.isdigit())
    return len(name) >= 4 and f" {name} " in f" {_tokens(text)} "


def delivery_in(text: str, company_street: str | None = None) -> str | None:
    """``company`` / ``other_address`` from what people type ("au siège", "het bedrijf", "same
    as usual", the company's own street; "autre adresse", "to her home", another address)."""
    if _names_street(text, company_street):
        return COMPANY_DELIVERY
    if address_in(text) is not None:
        return OTHER_DELIVERY
    return _place_in(text)


def _place_in(text: str) -> str | None:
    """``company`` / ``other_address`` from the words for a place ("au siège", "chez elle")."""
    said = _tokens(text)
    if _OTHER_PLACE.search(said):
        return OTHER_DELIVERY
    place = _COMPANY_PLACE.search(said)
    if place is None:
        return None
    negated = _NOT_THERE & set(said[: place.start()].split()[-3:])
    return OTHER_DELIVERY if negated else COMPANY_DELIVERY


# Words of a delivery in the message that starts an order ("livraison normale à la société",
# "alles naar ons kantoor", "delivered to the office", "leveren aan Industrieweg 22"); without
# them "pour le bureau" is where the phones are used, and "2 Nokia 3210 Grunge" no address.
_DELIVERY_CUE = re.compile(
    r"\b(?:livr\w*|envo[iy]\w*|exp[eé]di\w*|(?:ge)?lever\w*|(?:ge)?bezorg\w*|verzend\w*|"
    r"verstu\w*|stuur\w*|sturen|opsturen|(?:op)?gestuurd|naar|deliver\w*|ship\w*|send\w*|"
    r"sent)\b",
    re.IGNORECASE,
)


def opening_delivery(text: str, company_street: str | None) -> dict[str, Any] | None:
    """Where the order goes, said in the message that starts it: ``{"delivery": company |
    other_address, "address": the address given or None}``; ``None`` when not said. The place
    is read in the clause of the delivery word onwards, an address only after that word."""
    cue = _DELIVERY_CUE.search(text)
    if cue is None:
        return None
    clause = text[max(text.rfind(mark, 0, cue.start()) for mark in ",;.!?\n") + 1 :]
    if _names_street(clause, company_street):
        return {"delivery": COMPANY_DELIVERY, "address": None}
    address = address_in(text[cue.start() :])
    if address is not None:
        return {"delivery": OTHER_DELIVERY, "address": address}
    place = _place_in(clause)
    return {"delivery": place, "address": None} if place else None


async def company_street(client: BackendClient, identity: ChatIdentity) -> str | None:
    """The company's street, which names the company address as well as "au siège"."""
    try:
        me = await client.get_me(identity)
    except BackendError as exc:
        logger.info("Company address unavailable: %r", exc)
        return None
    return me.company.street if me.company else None


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


# The unit price after an item: business customers think excluding VAT (the totals say both).
_EACH_EXCL_VAT = {
    "fr": "{price} HTVA l'unité",
    "nl": "{price} per stuk excl. btw",
    "en": "{price} each excl. VAT",
}


def item_row(
    quantity: Any, name: str, variant: str, unit_price: Decimal | None, language: str
) -> str:
    """``• 3 × Samsung Galaxy XCover7 Pro (Black, 128 GB) · €539.00 each excl. VAT``."""
    row = f"• {quantity} × {name} ({variant})"
    if unit_price is None:
        return row
    price = format_money(unit_price, language)
    return f"{row} · {_EACH_EXCL_VAT[language].format(price=price)}"


def cart_rows(cart: Cart, language: str) -> str:
    """One row per cart item, with its unit price excluding VAT."""
    return "\n".join(
        item_row(
            item.quantity,
            item.name,
            variant_text(item.colour, item.storage_gb),
            item.unit_price,
            language,
        )
        for item in cart.items
    )


def cart_totals(cart: Cart, language: str) -> dict[str, str]:
    """The read-back variables of a cart: its rows and its total excluding and including VAT."""
    return {
        "items": cart_rows(cart, language),
        "total_excl_vat": format_money(cart.total_excl_vat, language),
        "total_incl_vat": format_money(cart.total_incl_vat, language),
    }


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
        # "Un XCover7 Pro, livraison au siège": saying where it goes is ordering it.
        ordering = _ORDER_WORDS.search(fold(text)) is not None or bool(opening_delivery(text, None))
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
        # "I need two rugged phones": the order goes on with the choice among these (the form
        # keeps the count and reads "the Samsung one" against this list).
        orders = ordering or (opening_quantity(text, None) or 0) > 1
        try:
            if orders and (await self.backend.get_me(identity)).active_role != "fleet_manager":
                # Orders are the fleet manager's (the form would refuse after the list).
                dispatcher.utter_message(response="utter_fleet_manager_required")
                return []
        except BackendError as exc:
            utter_backend_error(dispatcher, exc)
            return []
        rows = "\n".join(device_line(d, language) for d in devices[:MAX_RESULTS])
        dispatcher.utter_message(
            response="utter_devices_found", devices=rows, buttons=device_buttons(devices)
        )
        return [FollowupAction("shop_item_form")] if orders else []


# "the first one", "le deuxième", "de derde": a position in the list of devices just shown.
_ORDINALS = {
    "first": 0, "1st": 0, "premier": 0, "premiere": 0, "eerste": 0,
    "second": 1, "2nd": 1, "deuxieme": 1, "seconde": 1, "tweede": 1,
    "third": 2, "3rd": 2, "troisieme": 2, "derde": 2,
    "fourth": 3, "4th": 3, "quatrieme": 3, "vierde": 3,
    "last": -1, "dernier": -1, "derniere": -1, "laatste": -1,
}  # fmt: skip
_ALNUM = re.compile(r"[^\W_]+")
_ORDER_WORDS = re.compile(r"\b(?:order|buy|commande\w*|achete\w*|bestel\w*|koop|kopen)\b")
# The words of "for no particular line" (company stock), read on ``_tokens``: a negation ("no
# idea" is none) with "tied to", "specific" or "line"; lines that come later; shared or spare
# devices; "none" alone.
_NEG = (
    r"(?:no|not|none|non|pas|aucune?|sans|geen|niet|zonder|without|doesn t|hasn t)"
    r"(?! (?:idee|idea|clue))"
)
_TIED = (
    r"(?:tied|linked|attached|assigned|connected|bound|allocated|lie|liee|lies|liees|attache\w*|"
    r"associe\w*|rattache\w*|assigne\w*|affecte\w*|attribue\w*|gekoppeld|verbonden|gelinkt|"
    r"toegewezen|gebonden)"
)
_SPECIFIC = (
    r"(?:specific|particular|precise|precis|particulier\w*|specifique\w*|specifieke?|bepaalde?|"
    r"vaste?|individual|individuele?|dedicated|single)"
)
_LINE_WORD = r"(?:lines?|numbers?|lignes?|numeros?|lijn|lijnen|nummers?)"
_WHOM = (
    r"(?:one|anyone|anybody|someone|person|user|personne|employee?|utilisateur|"
    r"collaborateur|persoon|werknemer|medewerker|gebruiker|iemand)"
)
_FILLER = r"(?: (?:to|a|an|any|the|for|with|aan|een|de|het|met|voor|au|une|un|la|le|l|pour|en))"
_NO_LINE = re.compile(
    r"\b(?:"
    rf"(?:{_NEG}|not yet|pas encore|nog niet)(?: \w+){{0,3}}? {_TIED}{_FILLER}{{0,3}}"
    rf"(?: {_SPECIFIC})?(?: {_LINE_WORD}| {_WHOM})?"
    rf"|{_NEG}(?: \w+){{0,3}}? {_SPECIFIC}(?: {_LINE_WORD}| {_WHOM})?"
    rf"|{_NEG}(?: \w+){{0,2}}? {_LINE_WORD}"
    rf"|(?:not for|pas pour|niet voor) (?:anyone|anybody|quelqu un|iemand)"
    r"|pour personne|voor niemand|for nobody|nobody|niemand|no one|personne en particulier"
    rf"|{_LINE_WORD}(?: \w+){{0,2}} (?:later|plus tard|ulterieurement|achteraf)"
    rf"|(?:later|plus tard|achteraf)(?: \w+){{0,3}} {_LINE_WORD}"
    r"|un ?assigned|shared|partage\w*|gedeeld\w*|en commun|spares?|reserve\w*|rechange|"
    r"backups?|stock|voorraad"
    r")\b"
    r"|^(?:none|aucune?|geen)(?: (?:yet|encore|nog|for now|pour l instant|voorlopig))?$"
)
_DEVICE_PAYLOAD = re.compile(r'^/inform\{"shop_device_id": "([^"]+)"\}$')


def _tokens(text: str) -> str:
    """Accent-free lower-case letters-and-digits words, space-separated ("galaxy a56 5g")."""
    return " ".join(_ALNUM.findall(fold(text)))


def says_no_line(text: str) -> bool:
    """Whether an answer to "for which line?" says no particular line ("not tied to a specific
    line", "pas encore de ligne", "reservetoestellen"), asking neither for a person nor to stop
    besides ("geen lijn, een medewerker aub" asks for a person)."""
    said = _tokens(text)
    if _NO_LINE.search(said) is None:
        return False
    rest = _NO_LINE.sub(" ", said)
    return not (asks_for_person(rest) or calls_off(rest) or is_explicit_stop(rest))


def _as_answer(tracker: Tracker) -> Tracker:
    """``tracker`` with its latest message read as ``inform``: an answer, whatever intent the
    classifier gave it ("not tied to a specific line" read as a request for a human)."""
    view = tracker.copy()
    view.latest_message = {
        **(tracker.latest_message or {}),
        "intent": {"name": "inform", "confidence": 1.0},
    }
    return view


def _about(tracker: Tracker, words: str) -> Tracker:
    """``tracker`` with its latest message cut down to ``words`` (the part of an answer about
    one device of several) and read as ``inform``: a number or a name said for another device
    is not this one's line."""
    said = f" {_tokens(words)} "
    message = tracker.latest_message or {}
    view = tracker.copy()
    view.latest_message = {
        **message,
        "text": words,
        "intent": {"name": "inform", "confidence": 1.0},
        "entities": [
            e
            for e in message.get("entities") or []
            if f" {_tokens(str(e.get('value') or ''))} " in said
        ],
    }
    return view


# Who a device is for, when it is one person: "for our sustainability officer", "pour Marie",
# "voor de nieuwe werfleider", "for her" (not "for the site workers" nor "voor het depot").
_PERSON_NOUNS = (
    r"officer|manager|director|colleague|employee|hire|intern|trainee|assistant|secretary|"
    r"driver|technician|accountant|rep|representative|salesman|saleswoman|consultant|engineer|"
    r"receptionist|foreman|supervisor|coordinator|ceo|cfo|cto|coo|boss|him|her|"
    r"responsable|directeur|directrice|collegue|employe|employee|stagiaire|assistante|"
    r"secretaire|chauffeur|technicien|technicienne|comptable|commercial|commerciale|ingenieur|"
    r"receptionniste|chef|patron|patronne|gerant|gerante|coordinateur|coordinatrice|recrue|"
    r"lui|elle|verantwoordelijke|collega|werknemer|medewerker|medewerkster|stagiair|assistent|"
    r"assistente|secretaresse|technieker|boekhouder|boekhoudster|vertegenwoordiger|verkoper|"
    r"werfleider|ploegbaas|baas|zaakvoerder|nieuwkomer|hem|haar"
)
_FOR_PERSON = re.compile(rf"\b(?:for|pour|voor)(?: \w+){{0,3}}? (?:{_PERSON_NOUNS})\b")
_FOR_NAME = re.compile(r"\b(?:for|pour|voor)\s+[A-ZÀ-Ý][a-zà-ÿ]+")


# Who a device is for, when it is a group or a place, not one line: "voor de chauffeurs", "pour
# les commerciaux", "for the new reps", "voor op de werf", "pour le chantier", "for the stock".
_FOR_GROUP = re.compile(
    rf"\b(?:for|pour|voor)(?: op)?(?: \w+){{0,2}}? (?:(?:{_PERSON_NOUNS})(?:s|x|en| s)|"
    r"commerciaux|technici|werf|chantier|site|sites|depot|stock|voorraad|magazijn|entrepot|"
    r"warehouse|atelier|reserve|ploeg|team|equipe|werven|chantiers)\b"
)


def for_a_group(words: str) -> bool:
    """Whether the words of a device say it is for a group or a place ("3 Nokia 3210's voor de
    chauffeurs"): no one line, company stock."""
    return _FOR_GROUP.search(_tokens(words)) is not None and not for_someone(words)


def for_someone(words: str) -> bool:
    """Whether the words of a device say it is for one person ("1 Fairphone 5 for our
    sustainability officer", "un iPhone pour Marie", "een A56 voor de nieuwe collega")."""
    return bool(_FOR_PERSON.search(_tokens(words)) or _FOR_NAME.search(words))


def own_part(answer: str, device: Device, catalogue: list[Device]) -> str | None:
    """The clauses of an answer that map devices to people about ``device`` ("Samsung for
    Thomas Willems (0470 00 00 05), iPhone for Karim El Amrani (0470 00 00 09)" at the
    iPhone's turn: "iPhone for Karim El Amrani (0470 00 00 09)"); ``None`` unless it names
    ``device`` and, apart, another device."""
    clauses = [c.strip() for c in _ITEM_BREAK.split(answer) if c.strip()]
    own = _loose_words(device)
    others = set().union(*(_loose_words(d) for d in catalogue if str(d.id) != str(device.id)))

    def says(clause: str, names: set[str]) -> bool:
        return any({t, t.removesuffix("s")} & names for t in _tokens(clause).split())

    mine = [c for c in clauses if says(c, own)]
    theirs = [c for c in clauses if says(c, others - own) and not says(c, own)]
    return ", ".join(mine) if mine and theirs else None


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


# "deux ou trois", "two or three", "twee of drie": a choice, not a count.
_OR = frozenset({"or", "ou", "of"})


def _count_before(tokens: list[str], index: int) -> tuple[int, int] | None:
    """(position, count) of the count said right before ``tokens[index]``, or one word before
    it ("twee Samsung", "two new phones", "half a dozen iPhones", "une demi-douzaine d'iPhone",
    "a phone"); ``None`` when the words there say a quantity nobody can tell ("a few", "een
    paar", "two or three"): asked, never taken for one."""
    if VAGUE_QUANTITIES & set(tokens[max(index - 2, 0) : index]):
        return None
    spans = count_spans(tokens, articles=True)
    for n, (start, end, count) in enumerate(spans):
        if end not in (index, index - 1):
            continue
        choice = n > 0 and spans[n - 1][1] == start - 1 and tokens[start - 1] in _OR
        return None if choice else (start, count)
    return None


def _name_tokens(device: Device) -> set[str]:
    """The words of a device's names that are not bare numbers ("Fairphone 5": the 5 of "5
    Fairphone 5" is a count)."""
    return {t for n in (device.model, device.name) for t in _tokens(n).split() if not t.isdigit()}


def _without_model_numbers(tokens: list[str], device: Device | None) -> list[str]:
    """``tokens`` without the numbers that belong to the device's name: "iphone 16 pro", "xcover
    7 pro" (the name's "xcover7" typed in two), "fairphone 5" ordered 16, 7 and 5 phones."""
    if device is None:
        return tokens
    words = [t for n in (device.model, device.name) for t in _tokens(n).split()]
    names, numbers = {t for t in words if not t.isdigit()}, {t for t in words if t.isdigit()}
    kept: list[str] = []
    for token in tokens:
        before = kept[-1] if kept else ""
        in_name = token.isdigit() and (
            (before in names and token in numbers)
            or before + token in names
            or (len(before) >= 3 and any(n.startswith(before + token) for n in names))
        )
        if not in_name:
            kept.append(token)
    return kept


def opening_quantity(typed: str, device: Device | None) -> int | None:
    """The count before a word for the device, the first one said ("Ik wil twee Samsung Galaxy
    A56", "un iPhone 16 blanc", "order two phones"; "Fairphone 5, matte black, 1 Fairphone": the
    words of a device gathered from several answers); ``None`` for a count beyond the shop's
    limit too: asked rather than ordered."""
    tokens = _without_model_numbers(_tokens(typed).split(), device)
    named = _DEVICE_WORDS | (_name_tokens(device) if device is not None else set())
    said = (i for i, token in enumerate(tokens) if {token, token.removesuffix("s")} & named)
    for index in said:
        found = _count_before(tokens, index)
        if found is not None:
            return found[1] if 1 <= found[1] <= MAX_QUANTITY else None
    return None


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


def _said_at(tokens: list[str], start: int, name: list[str]) -> bool:
    """Whether ``name`` is said at ``start``, its last word maybe in the plural ("the Nokias",
    "3 S25s"; "Nokia's" is two words already)."""
    said = tokens[start : start + len(name)]
    return said[:-1] == name[:-1] and said[-1] in (name[-1], name[-1] + "s")


def _mention_spans(tokens: list[str], catalogue: list[Device]) -> list[tuple[int, int, Device]]:
    """(start, end, device) of each device named in ``tokens``, once each, in the order said."""
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
                if _said_at(tokens, start, name)
            )
    taken: list[tuple[int, int, Device]] = []
    plainest = {str(d.id): len(_tokens(d.model).split()) for d in catalogue}
    for start, end, device in sorted(
        spans, key=lambda s: (s[0], s[0] - s[1], plainest[str(s[2].id)])
    ):
        overlaps = any(start < e and s < end for s, e, _ in taken)
        if not overlaps and all(str(d.id) != str(device.id) for _, _, d in taken):
            taken.append((start, end, device))
    return sorted(taken, key=lambda span: span[0])


def device_mentions(typed: str, catalogue: list[Device]) -> list[tuple[Device, str]]:
    """Each device named in ``typed`` with the words that describe it, in the order said:
    "3 Crosscall Core-Z5 for the site and 2 iPhone 16e in black" → (Core-Z5, "3 crosscall core
    z5 for the site and"), (iPhone 16e, "2 iphone 16e in black"). At one place the longest name
    wins ("iPhone 16 Pro", not "iPhone 16"); a brand alone names its only device; part of a
    model name names it when it holds the model number ("XCover7 Pro", "A56"), the plainest
    model first ("S25" is the Galaxy S25, not the S25 Ultra)."""
    tokens = _tokens(typed).split()
    taken = _mention_spans(tokens, catalogue)
    starts = [found[0] if (found := _count_before(tokens, s)) else s for s, _, _ in taken]
    return [
        (device, " ".join(tokens[begin : starts[i + 1] if i + 1 < len(starts) else None]))
        for i, ((_, _, device), begin) in enumerate(zip(taken, starts, strict=True))
    ]


def names_a_device(typed: str, catalogue: list[Device]) -> bool:
    """Whether ``typed`` names a device of the shop, in full or by a word of its name ("deux
    xcover 7 pro", "three iphone sixteen e's", "de Samsung"): an order or a choice, whatever
    intent the message was read as. (No typo is forgiven here: "appels" is one letter from
    "Apple".)"""
    if device_mentions(typed, catalogue):
        return True
    loose = set().union(*(_loose_words(d) for d in catalogue))
    return any({t, t.removesuffix("s")} & loose for t in _tokens(typed).split())


def _named_at(
    tokens: list[str], catalogue: list[Device], devices: list[Device]
) -> list[tuple[int, Device]]:
    """Where each of ``devices`` is first named in ``tokens`` (from the count before it), in the
    order said: by one of its names ("de S25", "3 Fairphone 5") or by a short name none of the
    other ``devices`` shares ("the iPhones", "les Nokia"); a word of another device's name
    ("S25 Ultra") names none of them."""
    ids = {str(d.id) for d in devices}
    spans = _mention_spans(tokens, catalogue)
    found = {str(d.id): start for start, _, d in spans if str(d.id) in ids}
    named = {i for start, end, _ in spans for i in range(start, end)}
    loose = {str(d.id): _loose_words(d) for d in devices}
    for device_id, own in loose.items():
        own = own - set().union(*(w for i, w in loose.items() if i != device_id))
        first = next(
            (i for i, t in enumerate(tokens) if i not in named and {t, t.removesuffix("s")} & own),
            None,
        )
        if first is not None and first < found.get(device_id, len(tokens)):
            found[device_id] = first
    by_id = {str(d.id): d for d in devices}
    at = [(found[i], by_id[i]) for i in found]
    return sorted(
        ((c[0] if (c := _count_before(tokens, start)) else start, d) for start, d in at),
        key=lambda a: a[0],
    )


# Where a message about several devices goes from one to the next: "White for the iPhones,
# Matte Black for the Fairphone", "3 S25 en 2 A56", "3 S25 en 256 Go; et 2 A56". Not brackets:
# "olijfgroen (Awesome Olive) voor de A56" is one clause.
_ITEM_BREAK = re.compile(
    r"[,;.!?:\n]+|\s(?:and|et|en|puis|but|mais|maar)\s|\s(?:as well as|ainsi que|evenals)\s",
    re.IGNORECASE,
)
# A clause naming no device that is about all of them ("both in black", "allebei 256 GB").
_ALL_OF_THEM = re.compile(
    r"\b(?:both|all|each|every|les deux|tous|toutes|chacun\w*|allebei|beide|beiden|alle|"
    r"allemaal|elk|ieder)\b"
)


def item_words(
    text: str, catalogue: list[Device], devices: list[Device] | None = None
) -> list[tuple[Device, str]]:
    """Each device of a request (``devices``, else those ``text`` names) with the clauses of
    ``text`` about it: the clauses that name it ("White for the iPhones, Matte Black for the
    Fairphone"), those after them that name no device ("3 S25's van 256 GB en 2 A56's, ook 256
    GB": the 256 GB of both), and those about all of them or before any device ("Voor het
    depot: …", "both in black"). A clause naming several devices is cut before each name. Of
    several devices, a count of phones before them all is their total, no count of each ("two
    phones: one S25 … and one iPhone 16 …")."""
    request = devices if devices is not None else [d for d, _ in device_mentions(text, catalogue)]
    words: dict[str, list[str]] = {str(d.id): [] for d in request}
    shared: list[str] = []
    last: Device | None = None
    for clause in (c.strip() for c in _ITEM_BREAK.split(text)):
        tokens = _tokens(clause).split()
        at = _named_at(tokens, catalogue, request)
        if not at and tokens:
            if last is None and len(request) > 1:
                shared.append(_without_total(clause, tokens))
            elif last is None or _ALL_OF_THEM.search(" ".join(tokens)):
                shared.append(clause)
            else:
                words[str(last.id)].append(clause)
        elif len(at) == 1:
            words[str(at[0][1].id)].append(clause)
        for n, (start, device) in enumerate(at if len(at) > 1 else []):
            end = at[n + 1][0] if n + 1 < len(at) else None
            words[str(device.id)].append(" ".join(tokens[start if n else 0 : end]))
        last = at[-1][1] if at else last
    return [(d, ", ".join([*shared, *words[str(d.id)]])) for d in request]


def _without_total(clause: str, tokens: list[str]) -> str:
    """``clause`` without the count of phones it announces ("I'd like to order two phones",
    "deux téléphones", "twee toestellen"), as words; as it is when it says none."""
    counted = [
        (found[0], index)
        for index, token in enumerate(tokens)
        if {token, token.removesuffix("s")} & _DEVICE_WORDS
        and (found := _count_before(tokens, index)) is not None
    ]
    if not counted:
        return clause
    dropped = {i for start, end in counted for i in range(start, end)}
    return " ".join(t for i, t in enumerate(tokens) if i not in dropped)


def _variant_values(
    dispatcher: CollectingDispatcher,
    device: Device,
    typed: str,
    requested: str | None,
    slots: dict[str, Any],
    colour_entity: str | None,
    storage_entity: str | None,
    *,
    refused: str | None = None,
) -> dict[str, Any]:
    """The colour and capacity of ``device`` said in ``typed`` (or tapped); the only one there
    is when there is one; a specific re-ask when the one asked for is not understood. Of several
    colours named, the one chosen, never ``refused`` (the one just refused)."""
    values: dict[str, Any] = {}
    colours = sorted({v.colour for v in device.variants})
    storages = sorted({v.storage_gb for v in device.variants})
    storage = int(storage_entity) if storage_entity and storage_entity.isdigit() else None
    storage = storage if storage in storages else storage_in(typed, storages)
    # "the blue one with 256 GB": of two blues, the one that comes in 256 GB.
    known = storage if storage is not None else slots.get(STORAGE_SLOT)
    sized = sorted({v.colour for v in device.variants if v.storage_gb == known}) or colours
    mentions = colour_mentions(typed, colours)
    if colour_entity:
        colour: str | None = colour_entity
    elif len({c for c, _, _ in mentions}) > 1:
        # "bon si l'Icyblue n'est pas dispo, prenez le Navy alors"
        colour = chosen_colour(mentions, refused)
    else:
        colour = colour_in(typed, sized) or colour_in(typed, colours)
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
    if storage is not None and in_colour and storage not in in_colour:
        # "prenez le Navy en 256": the Navy only comes in 128 GB. Said, and its capacities asked
        # (buttons) rather than a variant the backend can only refuse.
        utter_colour_only_in(dispatcher, device, str(chosen), in_colour)
    elif storage is not None:
        values[STORAGE_SLOT] = float(storage)
    elif len(storages) == 1 and slots.get(STORAGE_SLOT) is None:
        values[STORAGE_SLOT] = float(storages[0])
    elif len(in_colour) == 1 and slots.get(STORAGE_SLOT) is None and (typed or requested):
        # A white Pixel 9 only comes in 256 GB; but when the form starts again after a refusal
        # (nothing typed), the capacity the colour comes in is offered, not taken.
        values[STORAGE_SLOT] = float(in_colour[0])
    elif requested == STORAGE_SLOT:
        dispatcher.utter_message(
            response="utter_invalid_shop_storage_gb",
            storages=", ".join(f"{s} GB" for s in storages),
        )
    return values


def utter_colour_only_in(
    dispatcher: CollectingDispatcher, device: Device, colour: str, storages: list[int]
) -> None:
    """ "The Samsung Galaxy S25 in Navy only comes in 128 GB." """
    dispatcher.utter_message(
        response="utter_colour_only_in_storage",
        device=device.name,
        colour=colour,
        storages=", ".join(f"{s} GB" for s in storages),
    )


def refused_colour(events: list[dict[str, Any]]) -> str | None:
    """The colour of the variant refused since a colour was last chosen (out of stock, or no such
    variant): the refusal emptied the colour slot and left no words to read (``""``)."""
    refusal = emptied = False
    for event in reversed(events):
        if event.get("event") != "slot":
            continue
        name, value = event.get("name"), event.get("value")
        if name == ITEM_TEXT_SLOT and value == "":
            refusal = True
        elif name == COLOUR_SLOT and value is None:
            emptied = emptied or refusal
        elif name == COLOUR_SLOT:
            return str(value) if emptied else None
    return None


def line_shares(value: Any) -> list[tuple[int, int]]:
    """(line id, count) of each line an item is split between; ``[]`` for one line or none."""
    text = str(value or "")
    if not _SHARES.fullmatch(text):
        return []
    return [(int(line), int(count)) for line, count in (s.split(":") for s in text.split())]


_FOR_WORD = re.compile(r"\b(?:for|pour|voor)\b", re.IGNORECASE)
# "pour Lien, c'est pour elle": a pronoun is the person already named, no other line.
_FOR_PRONOUN = re.compile(
    r"\b(?:for|pour|voor) (?:him|her|them|lui|elle|eux|elles|hem|haar|hen)\b", re.IGNORECASE
)
# A phone number in an answer ("un pour le 0470 12 34 56"): none of its digits is a count.
_PHONE_DIGITS = re.compile(r"\+?\d[\d\s./-]{7,}\d")


def _share_said(part: str) -> int | None:
    """How many units a part of the answer gives its line: the count before "pour", "for",
    "voor" ("un pour Lien", "2 voor Dries", "one each for Lien"), else one said in it."""
    before = _FOR_WORD.split(part, maxsplit=1)
    return quantity_in(before[0] if len(before) > 1 else _PHONE_DIGITS.sub(" ", part))


def share_counts(parts: list[str], quantity: int) -> list[int] | None:
    """How many units each part of an answer gives its line, when they make ``quantity``: the
    counts said, and what they leave shared equally by the parts without one ("un pour Lien et
    Dries"); ``None`` when they do not make it."""
    said = [_share_said(part) for part in parts]
    missing = said.count(None)
    rest = quantity - sum(n for n in said if n is not None)
    if missing and (rest < missing or rest % missing):
        return None
    counts = [n if n is not None else rest // missing for n in said]
    return counts if sum(counts) == quantity and all(n >= 1 for n in counts) else None


_SHARE_FOR = {"fr": "{count} pour {name}", "nl": "{count} voor {name}", "en": "{count} for {name}"}


def line_name(line: Line) -> str:
    """Who a line is, as people know it: its user, its label, or its number."""
    return line.user_name or line.label or format_national(line.msisdn)


class ValidateShopItemForm(OperationFormValidation):
    """Slots ``shop_device_id``, ``shop_colour``, ``shop_storage_gb``, ``shop_quantity``."""

    needs_line = False
    # The request's other devices and their words: kept up to date whatever was asked.
    bookkeeping_slots = frozenset({MORE_ITEMS_SLOT, ITEM_TEXT_SLOT})

    def name(self) -> str:
        return "validate_shop_item_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        requested = tracker.get_slot("requested_slot")
        text = latest_text(tracker)
        answer = requested == QUANTITY_SLOT and quantity_in(text) is not None
        # The next device of the same request reads its own words, not the latest message: the
        # answer that completed the previous device ("not tied to a specific line", read as a
        # request for a human, or as "stop") interrupts nothing.
        queued = requested is None and tracker.get_slot(ITEM_TEXT_SLOT) is not None
        # "voor geen specifieke lijn, reservetoestellen", "not tied to a specific person" is the
        # answer, even read as "stop" or as a request for a human (whose words "person",
        # "medewerker" it may hold: ``says_no_line`` tells them apart).
        if queued or (requested == FOR_LINE_SLOT and says_no_line(text)):
            view = _as_answer(tracker)
        else:
            view = answer_view(tracker, answer)
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
        if queued:
            values[ITEM_TEXT_SLOT] = None
        elif requested is None:
            # A new request forgets the devices of an earlier one that was stopped, and says
            # where the order goes, or not.
            values[MORE_ITEMS_SLOT] = None
            values[DELIVERY_SAID_SLOT] = await self._delivery_said(identity, typed)
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
                (_, typed), *others = item_words(typed, catalogue)
                if not queued:
                    # "iPhone 16e and Fairphone 5" answering "which device?" too: before the
                    # devices still to come of the request.
                    earlier = tracker.get_slot(MORE_ITEMS_SLOT) if requested else None
                    values[MORE_ITEMS_SLOT] = [w for _, w in others] + list(earlier or [])
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
        if requested in (None, DEVICE_SLOT) and not tracker.get_slot(QUANTITY_SLOT):
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
        more = tracker.get_slot(MORE_ITEMS_SLOT)
        split = None
        if more and typed and requested not in (None, DEVICE_SLOT):
            split = await self._per_device(identity, typed, device, list(more))
        if split is not None:
            # "White for the iPhones, Matte Black for the Fairphone": this device's words are
            # the answer; an answer about the others only is no wrong value for this one.
            typed, values[MORE_ITEMS_SLOT] = split
            tracker = _about(tracker, typed)
            dispatcher = dispatcher if typed else CollectingDispatcher()
        elif requested == FOR_LINE_SLOT and len(_ITEM_BREAK.split(typed)) > 1:
            own = own_part(typed, device, await self._catalogue(identity))
            if own is not None:
                # "Samsung for Thomas, iPhone for Karim" at the iPhone's turn: Karim's line,
                # the iPhone never split between them.
                typed, tracker = own, _about(tracker, own)
        slots = {**tracker.slots, **values}
        values.update(
            _variant_values(dispatcher, device, typed, requested, slots, entity(COLOUR_SLOT),
                            entity(STORAGE_SLOT), refused=refused_colour(tracker.events))
        )  # fmt: skip
        values.update(
            await self._for_line(dispatcher, tracker, identity, requested, typed, queued=queued)
        )
        if item_text and {**tracker.slots, **values}.get(FOR_LINE_SLOT) is None:
            # Its line is asked: the question must say which device it is about.
            dispatcher.utter_message(response="utter_shop_next_item", device=device.name)

        if requested == QUANTITY_SLOT:
            # "3 S25 en 2 A56": not the 25 of "S25", nor the 5 of "Fairphone 5: 1".
            quantity = _count_in(typed, device, articles=True) if split else quantity_in(typed)
            if quantity is not None and 1 <= quantity <= MAX_QUANTITY:
                values[QUANTITY_SLOT] = float(quantity)
            else:
                dispatcher.utter_message(response="utter_invalid_shop_quantity", max=MAX_QUANTITY)
        return values

    async def _per_device(
        self, identity: ChatIdentity, typed: str, device: Device, more: list[str]
    ) -> tuple[str, list[str]] | None:
        """An answer about several devices of the request ("Silver Shadow voor de S25,
        olijfgroen voor de A56", "3 S25 en 2 A56"): the words about ``device``, and the words of
        the devices still to come with what it says about each (so that it is not asked again
        when its turn comes); ``None`` when it names none of those."""
        catalogue = await self.backend.search_devices(identity, q="")
        queued = [found[0][0] if (found := device_mentions(w, catalogue)) else None for w in more]
        others = {str(d.id): d for d in queued if d is not None and str(d.id) != str(device.id)}
        request = [device, *others.values()]
        named = {str(d.id) for _, d in _named_at(_tokens(typed).split(), catalogue, request)}
        if not named & set(others):
            return None
        said = {str(d.id): words for d, words in item_words(typed, catalogue, request)}
        later = list(more)
        for index, queued_device in enumerate(queued):
            device_id = str(queued_device.id) if queued_device is not None else None
            if device_id in named and device_id in others:
                later[index] = f"{more[index]}, {said[device_id]}"
                named.discard(device_id)  # one device said twice: its first turn takes it
        return said[str(device.id)], later

    async def _catalogue(self, identity: ChatIdentity) -> list[Device]:
        """The whole catalogue; none when the backend cannot say (the answer is read whole)."""
        try:
            return await self.backend.search_devices(identity, q="")
        except BackendError as exc:
            logger.info("Catalogue unavailable: %r", exc)
            return []

    async def _delivery_said(self, identity: ChatIdentity, typed: str) -> dict[str, Any] | None:
        """Where the order goes, when the message that starts it says so (``shop_delivery``)."""
        if _DELIVERY_CUE.search(typed) is None:
            return None  # the company's street is only needed to read a delivery
        return opening_delivery(typed, await company_street(self.backend, identity))

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
        """For which line: none (company stock) or a named line."""
        if requested is None and _FOR_WORD.search(typed):
            # "one S25 for Thomas Willems and one iPhone 16 for Karim El Amrani": the person
            # said with the device is its line, when the fleet has exactly one such line.
            try:
                named = await resolve_line(self.backend, identity, _about(tracker, typed))
            except BackendError as exc:
                logger.info("Lines unavailable: %r", exc)  # the line is asked instead
                named = LineResolution()
            if named.line is not None:
                return {FOR_LINE_SLOT: str(named.line.id)}
        if requested is None and for_a_group(typed):
            # "3 Nokia 3210's voor de chauffeurs, en 1 iPhone 16e voor Elise Mertens": the Nokias
            # are for no one line (asked, "for which line?" had no answer but Elise's).
            return {FOR_LINE_SLOT: NO_LINE}
        if requested is None and queued:
            if tracker.get_slot(FOR_LINE_SLOT) == NO_LINE and for_someone(typed):
                # "no particular line" said for the first device holds for the next ones,
                # unless one is for someone ("1 Fairphone 5 for our sustainability officer").
                return {FOR_LINE_SLOT: None}
            return {}  # the next device of the request: its line was carried over or is asked
        if NO_LINE in entity_values(tracker, FOR_LINE_SLOT) or (
            requested == FOR_LINE_SLOT and (said_yes_or_no(tracker) is False or says_no_line(typed))
        ):
            return {FOR_LINE_SLOT: NO_LINE}
        asked = requested == FOR_LINE_SLOT
        if not asked and not entity_values(tracker, "phone_number"):
            return {}
        if asked and (several := await self._several_lines(dispatcher, tracker, identity, typed)):
            return several
        resolution = await resolve_line(self.backend, identity, tracker)
        if resolution.line is not None:
            return {FOR_LINE_SLOT: str(resolution.line.id)}
        if resolution.referenced:
            utter_resolution_problem(dispatcher, resolution)
        elif asked and typed:
            dispatcher.utter_message(response="utter_invalid_shop_for_line_id")
        return {}

    async def _several_lines(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        identity: ChatIdentity,
        typed: str,
    ) -> dict[str, Any] | None:
        """An answer that names a line for each of several units ("un pour Lien Verhaeghe et un
        pour Dries Desmet", read as a whole it matches both lines: "which one?" for ever): one
        cart item per line when each part names one line and the counts make the quantity;
        else no particular line, after saying which lines were named. ``None`` when it names
        one line or none, or several for one unit without counts ("Lien et Dries": then "which
        one?" is the question)."""
        quantity = int(tracker.get_slot(QUANTITY_SLOT) or 0)
        clauses = [c.strip() for c in _ITEM_BREAK.split(typed) if c.strip()]
        if len(clauses) < 2:
            return None
        parts: list[tuple[str, Line | None]] = []
        for clause in clauses:
            resolution = await resolve_line(self.backend, identity, _about(tracker, clause))
            line = resolution.line
            same = next(
                (n for n, (_, seen) in enumerate(parts) if line and seen and seen.id == line.id),
                None,
            )
            if same is not None:
                # "Ines Vermeulen, 0470 00 00 14": a name and that person's number, one line.
                parts[same] = (f"{parts[same][0]}, {clause}", line)
            elif resolution.referenced or for_someone(_FOR_PRONOUN.sub(" ", clause)):
                parts.append((clause, line))
        if len(parts) == 1 and parts[0][1] is not None:
            return {FOR_LINE_SLOT: str(parts[0][1].id)}
        if len(parts) < 2 or (quantity < 2 and not any(_share_said(c) for c, _ in parts)):
            return None
        counts = share_counts([clause for clause, _ in parts], quantity)
        lines = [line for _, line in parts if line is not None]
        language = conversation_language(tracker)
        if counts is not None and len({line.id for line in lines}) == len(parts):
            shares = ", ".join(
                _SHARE_FOR[language].format(count=count, name=line_name(line))
                for count, line in zip(counts, lines, strict=True)
            )
            dispatcher.utter_message(response="utter_shop_lines_split", shares=shares)
            value = " ".join(
                f"{line.id}:{count}" for count, line in zip(counts, lines, strict=True)
            )
            return {FOR_LINE_SLOT: value}
        named = ", ".join(
            line_name(line) if line is not None else _FOR_WORD.split(clause)[-1].strip()
            for clause, line in parts
        )
        dispatcher.utter_message(
            response="utter_shop_lines_not_split", lines=named, quantity=quantity
        )
        return {FOR_LINE_SLOT: NO_LINE}


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
        shares = line_shares(for_line)
        for_line_id = int(for_line) if for_line and str(for_line).isdigit() else None
        if not device_id or not colour or storage is None or not quantity:
            return form_slot_resets(domain)
        language = conversation_language(tracker)
        # Split between lines: all of it goes to the first line, then each other line takes its
        # share from it (the stock is checked for the whole quantity at once, nothing half done).
        lines = f"{for_line_id}" if not shares else str(for_line).replace(" ", ",")
        what = f"cart:{device_id}:{colour}:{int(storage)}:{int(quantity)}:{lines}"
        key = idempotency_key(tracker, what)
        try:
            identity = require_identity(tracker)
            cart = await self.backend.add_cart_item(
                identity,
                device_id=device_id,
                colour=colour,
                storage_gb=int(storage),
                quantity=int(quantity),
                for_line_id=shares[0][0] if shares else for_line_id,
                idempotency_key=key,
            )
            if shares:
                cart = await self._spread(identity, tracker, cart, shares, what)
        except ConflictError as exc:
            return await self._choose_again(dispatcher, tracker, exc, language)
        except InvalidRequestError:
            return await self._not_in_capacity(dispatcher, tracker)
        except BackendError as exc:
            logger.info("Adding to the cart failed: %r", exc)
            utter_backend_error(dispatcher, exc)
            return form_slot_resets(domain)
        dispatcher.utter_message(
            response="utter_cart_item_added", quantity=int(quantity), **cart_totals(cart, language)
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

    async def _spread(
        self,
        identity: ChatIdentity,
        tracker: Tracker,
        cart: Cart,
        shares: list[tuple[int, int]],
        what: str,
    ) -> Cart:
        """The item just added for the first line of ``shares`` keeps its share; each other line
        gets an item of its own with its share."""
        slots = tracker.slots
        (first, _), *others = shares
        storage = float(slots.get(STORAGE_SLOT) or 0)
        variant = (str(slots.get(DEVICE_SLOT)), str(slots.get(COLOUR_SLOT)), storage)
        item = next(
            (
                i
                for i in cart.items
                if i.for_line_id == first
                and (str(i.device_id), i.colour, float(i.storage_gb)) == variant
            ),
            None,
        )
        if item is None:
            return cart  # not the cart expected: nothing is moved
        kept = item.quantity - sum(count for _, count in others)
        key = idempotency_key(tracker, f"{what}:keep")
        cart = await self.backend.set_cart_quantity(identity, item.id, kept, idempotency_key=key)
        for line_id, count in others:
            cart = await self.backend.add_cart_item(
                identity,
                device_id=variant[0],
                colour=item.colour,
                storage_gb=item.storage_gb,
                quantity=count,
                for_line_id=line_id,
                idempotency_key=idempotency_key(tracker, f"{what}:{line_id}"),
            )
        return cart

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
        most = max((v.stock for v in device.variants), default=0) if device is not None else 0
        if device is not None and most > 0:
            # More than any version has in stock ("12 XCover7 Pro", 6 left): the count is asked
            # again with what there is, the device kept; alternatives would loop back to it.
            dispatcher.utter_message(
                response="utter_quantity_above_stock", device=device.name, most=most
            )
            return [SlotSet(QUANTITY_SLOT, None), FollowupAction("shop_item_form")]
        self._out_of_stock(dispatcher, exc, language)
        return _ask_variant_again(device_cleared=True)

    async def _not_in_capacity(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        """A colour that does not come in the capacity chosen ("Navy" after "256 GB"): the
        capacities it comes in are said and asked, the colour kept; else both asked again."""
        device_id, colour = tracker.get_slot(DEVICE_SLOT), tracker.get_slot(COLOUR_SLOT)
        try:
            device = await self.backend.get_device(require_identity(tracker), device_id)
        except BackendError as exc:
            logger.info("Device %s unavailable: %r", device_id, exc)
            device = None
        sizes = (
            sorted({v.storage_gb for v in device.variants if v.colour == colour}) if device else []
        )
        if device is None or not sizes:
            dispatcher.utter_message(response="utter_variant_unknown")
            return _ask_variant_again(device_cleared=False)
        utter_colour_only_in(dispatcher, device, str(colour), sizes)
        return [
            SlotSet(STORAGE_SLOT, None),
            SlotSet(ITEM_TEXT_SLOT, ""),
            FollowupAction("shop_item_form"),
        ]

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
            response="utter_cart", buttons=_remove_buttons(cart), **cart_totals(cart, language)
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
        if not cart.items:
            dispatcher.utter_message(response="utter_cart_item_removed_empty")
        else:
            dispatcher.utter_message(
                response="utter_cart_item_removed", **cart_totals(cart, language)
            )
        return []


def _order_summary(operation: Operation, language: str) -> dict[str, Any]:
    summary = operation.summary
    items = summary.get("items") or []
    rows = "\n".join(
        item_row(
            item.get("quantity", 1),
            item.get("name", "—"),
            variant_text(item.get("colour", ""), item.get("storage_gb")),
            Decimal(str(item["unit_price"])) if item.get("unit_price") is not None else None,
            language,
        )
        for item in items
        if isinstance(item, dict)
    )
    return {
        "items": rows or "—",
        "total_excl_vat": format_money(Decimal(str(summary.get("total_excl_vat", "0"))), language),
        "total_incl_vat": format_money(Decimal(str(summary.get("total_incl_vat", "0"))), language),
        "address": address_text(summary.get("delivery_address")),
    }


@register_done_vars("place_order")
def _order_done(operation: Operation, language: str) -> dict[str, Any]:
    return {"number": (operation.result or {}).get("number") or "—"}


class ValidateOrderDeliveryForm(OperationFormValidation):
    """Where to deliver the order: the company address or another address (Belgian)."""

    needs_line = False
    rate_limited_flow = "order"

    def name(self) -> str:
        return "validate_order_delivery_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        requested = tracker.get_slot("requested_slot")
        if requested is None:
            # Nothing to deliver: say so at once instead of asking where to. An end user has no
            # cart to order: sent to their fleet manager first, not told that it is empty.
            try:
                identity = require_identity(tracker)
                if (await self.backend.get_me(identity)).active_role != "fleet_manager":
                    dispatcher.utter_message(response="utter_fleet_manager_required")
                    return self._stop(domain)
                cart = await self.backend.get_cart(identity)
            except BackendError as exc:
                utter_backend_error(dispatcher, exc)
                return self._stop(domain)
            if not cart.items and await self._names_a_device(identity, latest_text(tracker)):
                # "Pourriez-vous commander 5 Galaxy S25 bleu marine ?": nothing in the cart yet,
                # the devices are in the request.
                return [*self._stop(domain), FollowupAction("shop_item_form")]
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

    async def _names_a_device(self, identity: ChatIdentity, text: str) -> bool:
        try:
            return names_a_device(text, await self.backend.search_devices(identity, q=""))
        except BackendError as exc:
            logger.info("Catalogue unavailable: %r", exc)  # the empty cart is said instead
            return False

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
        # The opening ("oui, livrez au siège") may say it as well as the answer to the question.
        if delivery is None and requested in (None, DELIVERY_SLOT) and typed:
            delivery = delivery_in(typed, await company_street(self.backend, identity))
        # "ander adres: Kerkstraat 12, 9000 Gent": the address comes with the choice.
        given = address_in(typed) if delivery == OTHER_DELIVERY else None
        said = tracker.get_slot(DELIVERY_SAID_SLOT)
        if delivery is None and requested is None and isinstance(said, dict):
            # Said when the order started ("3 XCover7, livraison normale à la société"): not
            # asked again (the summary shows it).
            delivery, given = said.get("delivery"), said.get("address")
        if delivery in (COMPANY_DELIVERY, OTHER_DELIVERY):
            values[DELIVERY_SLOT] = delivery
            if delivery == COMPANY_DELIVERY or given is not None:
                values[ORDER_ADDRESS_SLOT] = given
        elif requested == DELIVERY_SLOT:
            dispatcher.utter_message(response="utter_invalid_order_delivery")

        if requested == ORDER_ADDRESS_SLOT and typed:
            try:
                values[ORDER_ADDRESS_SLOT] = address_in(typed) or check_postal_address(typed)
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


# --- a change of the cart while the order waits for "yes" ------------------------------------


@dataclass
class Addition:
    """A variant to put in the cart: a new colour/capacity of a device in it, or the variant a
    switched item becomes."""

    device: Device
    colour: str
    storage_gb: int
    quantity: int
    for_line_id: int | None


@dataclass
class CartChange:
    """What a message changes in the cart. Devices not in it yet go through the item form (their
    colour, capacity, line are asked there), ``new_for_line`` being the line of the item one
    replaces; ``refusal`` is the response that says a colour or capacity does not exist."""

    additions: list[Addition] = field(default_factory=list)
    quantities: list[tuple[CartItem, int]] = field(default_factory=list)
    removals: list[CartItem] = field(default_factory=list)
    new_devices: list[str] = field(default_factory=list)
    new_for_line: str | None = None
    refusal: tuple[str, dict[str, str]] | None = None

    def changes_cart(self) -> bool:
        """Whether the cart itself is changed (not only the form started)."""
        return bool(self.additions or self.quantities or self.removals)


# "sans les Nokia, et mets 4 XCover": where a removal and another change meet, each clause is read
# with its own words.
_CLAUSE_BREAK = re.compile(r"[,;.!?]+|\b(?:and|et|mais|but|maar|puis|then|dan)\b", re.IGNORECASE)
# Model-name words that say nothing about which device ("the Pro ones" is no name).
_GENERIC_NAME_WORDS = frozenset({"pro", "plus", "max", "mini", "ultra", "lite", "edge", "neo"})
# A "no" that names nothing of the cart ("toch maar niet", "finalement non", "actually no").
_NO_WORDS = frozenset({"non", "nee", "neen", "no", "nope", "niet", "pas", "not"})


def _clauses(text: str) -> list[tuple[str, str | None]]:
    """(words, kind of change) of each clause; the whole message unless it removes something
    and changes something else ("drop the Nokias and make it 4 XCovers")."""
    kinds = change_kinds(text)
    if REMOVE not in kinds or len(kinds) == 1:
        return [(text, change_kind(text))]
    clauses: list[tuple[str, str | None]] = []
    kind: str | None = None
    for part in (p for p in _CLAUSE_BREAK.split(text) if p.strip()):
        kind = change_kind(part) or kind  # "sans les Nokia, les XCover aussi": still removing
        clauses.append((part, kind))
    return clauses


def _count_in(words: str, device: Device, *, articles: bool) -> int | None:
    """How many the words say ("2 witte", "x4", "drie", "half a dozen"), not the numbers of the
    device's name, of a capacity or a price, nor the count replaced ("5 au lieu de 3"); an
    article ("prends plutôt un noir" keeps how many) counts only where asked ("make it one")."""
    name = {t for n in (device.brand, device.model, device.name) for t in _tokens(n).split()}
    tokens = _tokens(words).split()
    for start, end, count in count_spans(tokens, articles=articles):
        single = tokens[start] if end - start == 1 else ""
        if single in name or single.removesuffix("s") in name:
            continue
        if (single in ONE_ARTICLES and not articles) or not 1 <= count <= MAX_QUANTITY:
            continue
        return count
    return None


def _loose_words(device: Device) -> set[str]:
    """The words people shorten a device's name to: "nokia", "xcover" (of "XCover7")."""
    found: set[str] = set()
    for token in _tokens(f"{device.brand} {device.model}").split():
        stem = token.rstrip("0123456789")
        found.update(w for w in (token, stem) if len(w) >= 3 and not w.isdigit())
    return found - _GENERIC_NAME_WORDS


def _loosely_named(words: str, devices: list[Device], others: list[Device]) -> list[Device]:
    """The cart's devices named by a shortened name ("the XCovers", "de Samsungs") that no
    other device in the cart shares, nor a device of ``others`` named in full: the "Galaxy" of
    "ajoute un Galaxy XCover7 Pro" names the XCover, not the Galaxy A56 in the cart."""
    named = {t for d in others for t in _tokens(f"{d.brand} {d.model} {d.name}").split()}
    said = {w for t in _tokens(words).split() if t not in named for w in (t, t.removesuffix("s"))}
    names = {str(d.id): _loose_words(d) for d in devices}
    found = []
    for device in devices:
        shared = set().union(*(n for i, n in names.items() if i != str(device.id)))
        if (names[str(device.id)] - shared) & said:
            found.append(device)
    return found


def _implied_devices(words: str, cart: Cart, devices: list[Device]) -> list[Device]:
    """The device a message means without naming it: the cart's only one, or the one of the
    items in the colour said ("the gold ones are a bit much")."""
    if len(devices) == 1:
        return devices
    coloured = {str(i.device_id) for i in cart.items if colour_in(words, [i.colour])}
    return [d for d in devices if str(d.id) in coloured] if len(coloured) == 1 else []


def _named_items(words: str, items: list[CartItem]) -> list[CartItem]:
    """Among several items of one device, those whose colour or capacity is said."""
    if len(items) < 2:
        return []
    return [
        i
        for i in items
        if colour_in(words, [i.colour]) or (i.storage_gb and storage_in(words, [i.storage_gb]))
    ]


def _variant_of(
    device: Device, colour: str | None, storage: int | None, item: CartItem
) -> tuple[str, int] | None:
    """The variant with the colour and capacity said, the item's where one is not said; a new
    colour that comes in one capacity takes it (and the other way round)."""
    pairs = {(v.colour, v.storage_gb) for v in device.variants}
    wanted = (colour or item.colour, storage if storage is not None else item.storage_gb)
    if wanted in pairs:
        return wanted
    if colour and storage is None:
        sizes = [s for c, s in pairs if c == colour]
        return (colour, sizes[0]) if len(sizes) == 1 else None
    if storage is not None and not colour:
        colours = [c for c, s in pairs if s == storage]
        return (colours[0], storage) if len(colours) == 1 else None
    return None


def _change_item(
    change: CartChange, kind: str | None, device: Device, words: str, cart: Cart, clause: str
) -> None:
    """The change ``words`` make to the cart's items of ``device``. A total said as what is
    needed ("we hebben er 12 nodig, er zijn twee nieuwe chauffeurs bij") is the new quantity,
    never added to the one in the cart nor taken from it."""
    items = [i for i in cart.items if str(i.device_id) == str(device.id)]
    said = _named_items(words, items)
    total = stated_total(words)
    if total is not None:
        kind = None
    if kind == REMOVE:
        chosen = said or items
        count = _count_in(words, device, articles=False)
        if count is not None and len(chosen) == 1 and count < chosen[0].quantity:
            change.quantities.append((chosen[0], chosen[0].quantity - count))  # "enlève 2 Nokia"
        else:
            change.removals.extend(chosen)
        return
    target = items[0] if len(items) == 1 or kind == ADD else said[0] if len(said) == 1 else None
    if target is None:
        return  # which of the items? nothing is guessed
    colours = sorted({v.colour for v in device.variants})
    storages = sorted({v.storage_gb for v in device.variants if v.storage_gb})
    # The colour and capacity the item has are not what changes ("the gold is a bit much").
    colour = colour_in(words, [c for c in colours if c != target.colour])
    storage = storage_in(words, [s for s in storages if s != target.storage_gb])
    if colour is None and names_colour(words) and not colour_in(words, [target.colour]):
        change.refusal = ("utter_invalid_shop_colour", {"colours": ", ".join(colours)})
        return
    if storage is None and names_capacity(words) and not storage_in(words, [target.storage_gb]):
        change.refusal = (
            "utter_invalid_shop_storage_gb",
            {"storages": ", ".join(f"{s} GB" for s in storages)},
        )
        return
    count = total if total is not None else _count_in(words, device, articles=False)
    if count is not None and not 1 <= count <= MAX_QUANTITY:
        return  # beyond the shop's limit: said so (``_unchanged``)
    if kind != ADD and colour is None and storage is None:
        # "make it one", "only 3 XCovers": a new quantity for the item.
        if count is None and is_quantity_change(clause):
            count = _count_in(words, device, articles=True)
        if count is not None and count != target.quantity:
            change.quantities.append((target, count))
        return
    variant = _variant_of(device, colour, storage, target)
    if variant is None:
        change.refusal = ("utter_variant_unknown", {})
        return
    quantity = count or (1 if kind == ADD else target.quantity)
    change.additions.append(Addition(device, *variant, quantity, target.for_line_id))
    if kind != ADD:
        change.removals.append(target)  # a switch: the new variant replaces the item


def _new_device(
    change: CartChange, device: Device, words: str, *, replaced: list[CartItem]
) -> None:
    """A device not in the cart: added through the item form ("un", "één", "a" before it is
    how many), or replacing ``replaced`` ("prends plutôt des Galaxy S25": as many as they were),
    directly when its colour and capacity are clear."""
    count = _count_in(words, device, articles=not replaced)
    quantity = count or sum(i.quantity for i in replaced)
    lines = {i.for_line_id for i in replaced}
    for_line = next(iter(lines)) if len(lines) == 1 else None
    change.removals.extend(replaced)
    if replaced:
        # requested=None: nothing is asked, the colour and capacity are only read.
        chosen = _variant_values(CollectingDispatcher(), device, words, None, {}, None, None)
        if COLOUR_SLOT in chosen and STORAGE_SLOT in chosen:
            variant = (str(chosen[COLOUR_SLOT]), int(chosen[STORAGE_SLOT]))
            change.additions.append(Addition(device, *variant, quantity, for_line))
            return
        change.new_for_line = str(for_line) if for_line is not None else NO_LINE
    change.new_devices.append(words if count is not None or not quantity else f"{quantity} {words}")


def _own_words(
    clause: str, catalogue: list[Device], named: list[Device], new: list[Device]
) -> list[tuple[Device, str]]:
    """Each of the cart's devices ``named`` with the clauses about it ("mets trois iPhone au
    lieu de deux, le XCover ça reste un": the "un" is the XCover's, not a count of both)."""
    said = {str(d.id): w for d, w in item_words(clause, catalogue, [*named, *new])}
    return [(d, said[str(d.id)]) for d in named]


def _changing_words(words: str, device: Device) -> str | None:
    """``words`` without the clauses that keep the item as it is ("le XCover ça reste un", "the
    rest stays"); ``None`` when what is left neither names the device nor says a count, a
    colour or a capacity (only "ah attends" is left: the item stays)."""
    parts = [p for p in _ITEM_BREAK.split(words) if p.strip()]
    changing = [p for p in parts if not keeps(p)]
    if len(changing) == len(parts):
        return words
    rest = ", ".join(changing)
    tokens = set(_tokens(rest).split())
    names = bool(device_mentions(rest, [device]) or _loose_words(device) & tokens)
    details = names_colour(rest) or names_capacity(rest)
    return rest if names or details or _count_in(rest, device, articles=False) else None


def discussed_device(events: list[dict[str, Any]]) -> str | None:
    """The device of the request just put in the cart, when the request was about that one
    device: the device chosen last in the item form, unless it was the next device of a request
    about several ("3 Crosscall and 2 iPhone 16e": its words were queued)."""
    device: str | None = None
    for event in reversed(events):
        if event.get("event") == "user" and device is not None:
            return device
        if event.get("event") != "slot":
            continue
        name, value = event.get("name"), event.get("value")
        if device is None and name == DEVICE_SLOT and value:
            device = str(value)
        elif device is not None and name == ITEM_TEXT_SLOT and value:
            return None
    return device


def read_cart_change(
    text: str, cart: Cart, catalogue: list[Device], *, discussed: str | None = None
) -> CartChange:
    """What ``text`` changes in ``cart``: the devices named (in the cart or not, "the Nokias"
    too) or implied (the cart's only device, "the gold ones"; for a total said, "we need 12",
    the ``discussed`` device), each with its own words; an item said to stay as it is ("the
    XCover stays") is left alone."""
    change = CartChange()
    in_cart = list(dict.fromkeys(str(i.device_id) for i in cart.items))
    devices = [d for i in in_cart for d in catalogue if str(d.id) == i]
    for clause, kind in _clauses(text):
        mentions = device_mentions(clause, catalogue)
        named = [(d, w) for d, w in mentions if str(d.id) in in_cart]
        new = [(d, w) for d, w in mentions if str(d.id) not in in_cart]
        if not named or not new:
            # A switch to a new device replaces the cart's one of the same make ("prends plutôt
            # un Galaxy S25"); else the new device's name names no device of the cart. "The
            # iPhones" is named besides "the Nokia 3210" ("3 iPhones and the Nokias in black").
            others = [d for d, _ in new] if kind != SWITCH else []
            known = {str(d.id) for d, _ in named}
            loose = _loosely_named(clause, devices, others)
            named += [(d, clause) for d in loose if str(d.id) not in known]
        if not named and not new:
            named = [(d, clause) for d in _implied_devices(clause, cart, devices)]
        if not named and not new and stated_total(clause) is not None:
            named = [(d, clause) for d in devices if str(d.id) == discussed]
        if len(named) > 1 or keeps(clause):
            # each its own clauses, with their punctuation (the clause that keeps one is cut off)
            named = _own_words(clause, catalogue, [d for d, _ in named], [d for d, _ in new])
        old = [d for d, _ in named] or (devices if len(devices) == 1 else [])
        for device, said in named if not (new and kind == SWITCH) else []:
            if (own := _changing_words(said, device)) is not None:
                _change_item(change, kind, device, own, cart, clause)
        for device, said in new if kind != REMOVE else []:
            if kind != SWITCH:
                _new_device(change, device, said, replaced=[])
            elif len(old) == 1:
                replaced = [i for i in cart.items if str(i.device_id) == str(old[0].id)]
                _new_device(change, device, said, replaced=replaced)
            # else: replacing which one? nothing is guessed
    return change


async def _catalogue(client: BackendClient, identity: ChatIdentity, cart: Cart) -> list[Device]:
    """The whole catalogue (a device may be named that is not in the cart yet), with the cart's
    devices for sure."""
    catalogue = await client.search_devices(identity, q="")
    known = {str(d.id) for d in catalogue}
    for device_id in dict.fromkeys(str(i.device_id) for i in cart.items):
        if device_id not in known:
            catalogue.append(await client.get_device(identity, device_id))
    return catalogue


class _SoldOut(Exception):
    """A variant of the change is out of stock (its device name and variant, to say so)."""

    def __init__(self, device: str, variant: str) -> None:
        super().__init__(device, variant)
        self.device, self.variant = device, variant


async def _apply(
    client: BackendClient, identity: ChatIdentity, tracker: Tracker, change: CartChange
) -> Cart:
    """Additions first, removals last: a variant out of stock leaves the rest of the cart as
    it was (the switched item stays)."""
    cart: Cart | None = None
    for n, add in enumerate(change.additions):
        what = f"{n}:{add.device.id}:{add.colour}:{add.storage_gb}:{add.quantity}:{add.for_line_id}"
        try:
            cart = await client.add_cart_item(
                identity,
                device_id=str(add.device.id),
                colour=add.colour,
                storage_gb=add.storage_gb,
                quantity=add.quantity,
                for_line_id=add.for_line_id,
                idempotency_key=idempotency_key(tracker, f"cart_change:{what}"),
            )
        except ConflictError as exc:
            raise _SoldOut(add.device.name, variant_text(add.colour, add.storage_gb)) from exc
    for item, quantity in change.quantities:
        key = idempotency_key(tracker, f"cart_quantity:{item.id}:{quantity}")
        try:
            cart = await client.set_cart_quantity(identity, item.id, quantity, idempotency_key=key)
        except ConflictError as exc:
            raise _SoldOut(item.name, variant_text(item.colour, item.storage_gb)) from exc
    for item in change.removals:
        key = idempotency_key(tracker, f"cart_remove:{item.id}")
        cart = await client.remove_cart_item(identity, str(item.id), idempotency_key=key)
    return cart if cart is not None else await client.get_cart(identity)


def _names_anything(text: str, catalogue: list[Device]) -> bool:
    """Whether a message names something a cart is made of: a device, a colour, a capacity."""
    return bool(device_mentions(text, catalogue) or names_colour(text) or names_capacity(text))


async def _summary_address(
    client: BackendClient, identity: ChatIdentity, pending_id: str
) -> dict[str, Any] | None:
    """The delivery address of the order summary waiting (the next summary keeps it)."""
    delivery = (await client.get_operation(identity, pending_id)).summary.get("delivery_address")
    address = {k: v for k, v in (delivery or {}).items() if k in ("street", "postal_code", "city")}
    return address or None


@register_quantity_change(ORDER_TYPE, ORDER_START)
async def change_order(
    client: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker, pending_id: str
) -> list[EventType] | None:
    """ "Make the Nokias black instead", "doe er nog 2 witte van 256 GB bij", "sans les Nokia",
    "make it 2" while the cart waits to be ordered or the order summary waits for "yes": the cart
    is changed and read back with the same question (a new order summary, so that "yes" orders
    exactly what was shown last). ``None``: not a change of the cart, the answer goes on."""
    text = latest_text(tracker)
    if not (is_quantity_change(text) or says_cart_change(text)):
        return None
    summary_waits = not pending_id.startswith(START_PREFIX)
    ask = "utter_ask_confirm_operation" if summary_waits else "utter_ask_place_order_now"
    language = conversation_language(tracker)
    identity = require_identity(tracker)
    off = calls_off_order(text)
    try:
        cart = await client.get_cart(identity)
        catalogue = await _catalogue(client, identity, cart)
        if off is not None and not _names_anything(text, catalogue):
            # "actually, hold off, the budget isn't approved yet. Cancel that please": no
            # order, and never "what to change?" again.
            return await _call_off(client, dispatcher, tracker, pending_id, cart, off)
        change = read_cart_change(text, cart, catalogue, discussed=discussed_device(tracker.events))
        if not change.changes_cart() and not change.new_devices:
            return _unchanged(dispatcher, text, change, cart, catalogue, language, ask)
        address = await _summary_address(client, identity, pending_id) if summary_waits else None
        if change.changes_cart():
            cart = await _apply(client, identity, tracker, change)
        if summary_waits:
            # The summary shown no longer holds: "yes" must order what is shown next.
            key = f"cancel:{pending_id}"
            await client.cancel_operation(identity, pending_id, idempotency_key=key)
    except _SoldOut as sold_out:
        dispatcher.utter_message(
            response="utter_variant_out_of_stock", device=sold_out.device, variant=sold_out.variant
        )
        dispatcher.utter_message(response=ask)
        return []
    except InvalidRequestError:
        dispatcher.utter_message(response="utter_variant_unknown")
        dispatcher.utter_message(response=ask)
        return []
    except BackendError as exc:
        logger.info("Changing the cart failed: %r", exc)
        utter_backend_error(dispatcher, exc)
        return []
    if change.new_devices:
        return _new_devices_form(dispatcher, change, cart, language)
    if not cart.items:
        dispatcher.utter_message(response="utter_cart_empty")
        return clear_pending()
    if not summary_waits:
        _utter_cart_updated(dispatcher, cart, language)
        dispatcher.utter_message(response=ask)
        return []
    return await _summary_again(dispatcher, tracker, client, address)


async def _call_off(
    client: BackendClient,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    pending_id: str,
    cart: Cart,
    off: str,
) -> list[EventType]:
    """The order called off at its question: the summary waiting (if any) is dropped, the cart
    emptied on a cancel ("annuleer maar") or kept when it is put off ("pas maintenant"), and
    the user told which."""
    identity = require_identity(tracker)
    if not pending_id.startswith(START_PREFIX):
        try:
            await client.cancel_operation(
                identity, pending_id, idempotency_key=f"cancel:{pending_id}"
            )
        except BackendError as exc:
            # It expires by itself; what the user said is what matters.
            logger.info("Cancelling %s failed: %r", pending_id, exc)
    if off == PUT_OFF_ORDER and cart.items:
        dispatcher.utter_message(response="utter_order_put_off")
        return clear_pending()
    for item in cart.items:
        key = idempotency_key(tracker, f"cart_remove:{item.id}")
        await client.remove_cart_item(identity, str(item.id), idempotency_key=key)
    dispatcher.utter_message(response="utter_order_called_off")
    return clear_pending()


async def _summary_again(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    client: BackendClient,
    address: dict[str, Any] | None,
) -> list[EventType]:
    """A new order summary of the changed cart, to the same address, asking "yes" again."""
    try:
        return await prepare_operation(
            dispatcher,
            tracker,
            client=client,
            op_type=ORDER_TYPE,
            line_id=None,
            params={"delivery_address": address},
            summary_response="utter_summary_place_order",
            summary_vars=_order_summary,
        )
    except InvalidRequestError as exc:
        code = "out_of_stock" if exc.code == "out_of_stock" else "refused"
        dispatcher.utter_message(response=f"{RESPONSE_PREFIX}_order_{code}")
        return clear_pending()


def _utter_cart_updated(dispatcher: CollectingDispatcher, cart: Cart, language: str) -> None:
    dispatcher.utter_message(response="utter_cart_updated", **cart_totals(cart, language))


def _unchanged(
    dispatcher: CollectingDispatcher,
    text: str,
    change: CartChange,
    cart: Cart,
    catalogue: list[Device],
    language: str,
    ask: str,
) -> list[EventType] | None:
    """Nothing of the cart changes: a colour or capacity that does not exist is said so; a
    message that names nothing of a cart is the yes or no it says ("toch maar niet" is a no);
    else the bot says what it understood the cart to be and asks again."""
    quantity = stated_total(text)
    if quantity is None and is_quantity_change(text):
        quantity = quantity_in(text) or 0
    if change.refusal is not None:
        response, variables = change.refusal
        dispatcher.utter_message(response=response, **variables)
    elif quantity is not None and not 1 <= quantity <= MAX_QUANTITY:
        dispatcher.utter_message(response="utter_invalid_shop_quantity", max=MAX_QUANTITY)
    elif _names_anything(text, catalogue) or (answer := _plain_answer(text)) is None:
        items = cart_rows(cart, language)
        dispatcher.utter_message(response="utter_cart_change_unclear", items=items)
    elif answer:
        return None  # "oui, et envoyez aussi la facture": the order goes on
    else:
        return [FollowupAction("action_cancel_operation")]
    dispatcher.utter_message(response=ask)
    return []


def _plain_answer(text: str) -> bool | None:
    """The yes or no of a message that names nothing of a cart ("toch maar niet" is a no)."""
    answer = yes_or_no(text)
    if answer is None and _NO_WORDS & set(_tokens(text).split()):
        return False
    return answer


def _new_devices_form(
    dispatcher: CollectingDispatcher, change: CartChange, cart: Cart, language: str
) -> list[EventType]:
    """The item form for the devices not in the cart yet, after saying what changed already;
    the order's question is asked again once they are in the cart."""
    if change.changes_cart():
        _utter_cart_updated(dispatcher, cart, language)
    first, *more = change.new_devices
    return [
        *clear_pending(),
        *(SlotSet(slot, None) for slot in (DEVICE_SLOT, COLOUR_SLOT, STORAGE_SLOT, QUANTITY_SLOT)),
        SlotSet(FOR_LINE_SLOT, change.new_for_line),
        SlotSet(ITEM_TEXT_SLOT, first),
        SlotSet(MORE_ITEMS_SLOT, more or None),
        FollowupAction("shop_item_form"),
    ]


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
