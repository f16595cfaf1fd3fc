"""A change of the cart said in words while the order waits for "yes" ("Shall I place the order
now?", the order summary): "make the Nokias black instead", "doe er nog 2 witte bij", "sans les
Nokia", "only 3 XCovers".

The words alone tell that a message changes the cart and how (add, remove, switch a variant);
which item and which colour, capacity or quantity is read against the cart by the shop
(``actions/shop.py``). Standard library only: the Rasa server imports it too
(``bot/policies/answer.py``), so that such a message reaches the order's confirm action whatever
intent the classifier gave it (it had started a new device search instead).
"""

from __future__ import annotations

import re
import unicodedata

from actions.answers import (
    NUMBER_WORDS,
    count_spans,
    count_tokens,
    is_correction,
    is_question,
    yes_or_no,
)

# The two questions an order waits at: "place the order now?" (before the delivery form) and
# the order summary (a prepared ``place_order`` operation).
ORDER_TYPE = "place_order"
ORDER_START = "start:order_delivery_form"

ADD = "add"
REMOVE = "remove"
SWITCH = "switch"

# Colour words in French and Dutch, as the catalogue's English colour names use them.
COLOUR_WORDS = {
    "noir": "black", "noire": "black", "zwart": "black", "zwarte": "black",
    "blanc": "white", "blanche": "white", "wit": "white", "witte": "white",
    "bleu": "blue", "bleue": "blue", "blauw": "blue", "blauwe": "blue", "bleuciel": "blue",
    "ciel": "sky", "hemelsblauw": "blue", "lucht": "sky",
    "rose": "pink", "roze": "pink", "vert": "green", "verte": "green", "groen": "green",
    "gris": "grey", "grise": "grey", "grijs": "grey", "gray": "grey", "graphite": "graphite",
    "grafiet": "graphite", "argent": "silver", "argente": "silver", "zilver": "silver",
    "or": "gold", "dore": "gold", "doree": "gold", "goud": "gold", "gouden": "gold",
    "golden": "gold", "olive": "olive", "olijf": "olive",
    "olijfgroen": "olive", "titane": "titanium", "naturel": "natural", "naturelle": "natural",
    "natuurlijk": "natural", "desert": "desert", "woestijn": "desert", "mat": "matte",
    "matte": "matte", "marine": "navy", "bleumarine": "navy", "marineblauw": "navy",
    "porcelaine": "porcelain", "porselein": "porcelain", "obsidienne": "obsidian",
}  # fmt: skip

# Marketing names by the plain colour people say ("the black ones" is the Pixel's Obsidian).
COLOUR_FAMILIES = {
    "black": {"obsidian", "midnight", "onyx", "graphite", "charcoal", "jet", "space"},
    "white": {"porcelain", "starlight", "snow", "chalk", "cream", "ivory", "pearl"},
    "blue": {"ultramarine", "navy", "sky", "azure", "teal", "ocean"},
    "grey": {"graphite", "titanium", "slate", "space", "silver"},
    "green": {"olive", "mint", "sage", "teal"},
    "pink": {"rose", "peony", "coral"},
}

# Colour words that are everyday words as well ("or", "natuurlijk" = of course, "mat", "ciel"):
# they name a colour next to a device, but alone they are no sign of a change.
_EVERYDAY = frozenset(
    {"or", "mat", "matte", "marine", "desert", "naturel", "naturelle", "natuurlijk", "natural",
     "ciel", "lucht", "sky", "jet", "space", "cream", "snow", "chalk", "pearl", "sage", "mint"}
)  # fmt: skip
_COLOURS = (
    frozenset(COLOUR_WORDS)
    | frozenset(COLOUR_WORDS.values())
    | frozenset(COLOUR_FAMILIES)
    | frozenset(name for family in COLOUR_FAMILIES.values() for name in family)
    | frozenset({"red", "rouge", "rood", "yellow", "jaune", "geel", "purple", "violet",
                 "paars", "orange", "oranje"})
) - _EVERYDAY  # fmt: skip

# A count, not an article ("nog een vraag", "encore une question" add nothing); "a dozen",
# "une demi-douzaine", "a couple" are.
_NUMBERS = frozenset(word for word, number in NUMBER_WORDS.items() if number > 1)
_PHRASES = (
    r"(?:(?:a|an|un|une|een) )?(?:(?:half|demi|halve) (?:a )?)?(?:dozen|douzaine|dozijn)|"
    r"(?:(?:a|une) )?(?:couple|pair|paire)"
)
_COUNT = r"(?:\d{1,2}|" + "|".join(sorted(_NUMBERS)) + "|" + _PHRASES + r")"
_COUNT_PHRASE = re.compile(rf"\b(?:{_PHRASES})\b")
# "also add", "ajoute(s) aussi", "en plus", "deux de plus", "plus 2 …", "doe er … bij", "ook nog",
# "nog 2".
_ADD = re.compile(
    rf"\b(?:add|adding|added|also|as well|extra|{_COUNT} more|{_COUNT} de plus|ajout\w*|rajout\w*|"
    rf"en plus|aussi|en supplement|encore {_COUNT}|plus {_COUNT}|erbij|toevoeg\w*|voeg\w*|ook nog|"
    rf"nog {_COUNT}|bijbestel\w*)\b"
)
# Dutch puts "bij" last: "doe er 2 witte bij", "zet er nog een bij, voor de directie".
_ADD_BIJ = re.compile(r"\ber\b.*\bbij\b|\bbij\s*(?:[,.;:!?]|$)")
# "sans les Nokia", "zonder de Nokia's", "drop the Nokias", "cancel the Nokias", "annuleer de
# Nokia's", "haal de gouden weg"; "oublie les Nokia", not "j'avais oublié le nouveau chauffeur"
# (a past tense: something forgotten).
_REMOVE = re.compile(
    r"\b(?:without|drop|remove\w*|delete|cancel\w*|annul\w*|take out|take off|leave out|skip|"
    r"get rid|no more|minus|sans|enlev\w*|retir\w*|supprim\w*|"
    r"(?<!\bai )(?<!\bas )(?<!\ba )(?<!\bavais )(?<!\bavait )(?<!\bavons )(?<!\bavez )"
    r"(?<!\bont )oublie\w* (?:les?|la)|zonder|weg|verwijder\w*|schrap\w*|eruit|niet meer)\b"
)
# "le XCover ça reste un", "the XCover stays", "de XCover blijft er één", "keep the other one":
# a clause that keeps an item as it is.
_KEEP = re.compile(
    r"\b(?:stays?|remains?|unchanged|as (?:it is|they are|before)|keep (?:the|that|this|it|them|"
    r"those|these)|reste\w*|inchange\w*|comme (?:avant|prevu|c est)|garde\w* (?:les?|la|l)|"
    r"ne change pas|ca change pas|blij[fv]\w*|ongewijzigd|zoals (?:het|ze|voorzien)|"
    r"houd\w* (?:de|die|het)|hou (?:de|die|het)|behoud\w*)\b"
)
# "make the Nokias black", "à la place des …", "vervang de …" (and the words of a change of
# mind, ``is_correction``: "plutôt", "toch", "instead").
_SWITCH = re.compile(
    r"\b(?:au lieu|a la place|remplac\w*|chang\w*|echang\w*|"
    r"replac\w*|swap\w*|switch\w*|make (?:the|them|those|these|it)|"
    r"on second thought|in plaats|ipv|vervang\w*|wissel\w*|maak (?:de|die|ze|er|het))\b"
)
_CAPACITY = re.compile(r"\b\d{2,4} ?(?:gb|go|giga)\b")
# "only 3 XCovers", "juste 2 Nokia", "maar 2 Nokia's".
_ONLY = re.compile(rf"\b(?:only|just|juste|seulement|que|maar|slechts|enkel|alleen) {_COUNT}\b")


# A count said as the total wanted ("we need 12", "il nous en faut 12", "we hebben er 12 nodig",
# "finalement 12", "make it 12", "12 instead of 10", "12 en tout"), read on ``count_tokens``:
# the words right before the count, or right after it.
_TOTAL_BEFORE = re.compile(
    r"\b(?:(?:need|needs|needed|require|requires|want)(?: (?:only|just|about|exactly))?|"
    r"(?:a )?total of|faut|faudra|faudrait|besoin de|besoin d|(?:un )?total de|"
    r"make it|make that|make them|change it to|mets en|mettez en|fais en|prends en|prenez en|"
    r"maak er|maak het|maak dat|finalement|finally|en fait|actually|eigenlijk|toch|plutot|"
    r"liever|rather|instead|in total|in totaal|au total|en tout|totaal|"
    r"(?:it|that|it ll|that ll) (?:s|is|will be|ll be)|ce sera|ca fera|ca fait|"
    r"het (?:worden|zijn|moeten) er|er moeten|moeten er)$"
)
_TOTAL_AFTER = re.compile(
    r"^(?:\w+ )?(?:nodig|instead|rather|au lieu|a la place|plutot que|in plaats|ipv)\b"
    r"|^(?:in total|in totaal|au total|en tout|total|totaal|altogether|in all|samen)\b"
)
# A count that adds ("2 more", "add 2", "encore 2", "nog 2", "2 extra", "deux de plus").
_MORE_BEFORE = re.compile(
    r"\b(?:add|adding|another|plus|encore|nog|extra|ajout\w*|rajout\w*|voeg\w*)$"
)
_MORE_AFTER = re.compile(
    r"^(?:\w+ )?(?:more|extra|additional|de plus|en plus|supplementaires?|en supplement|erbij|"
    r"bij|meer)\b"
)
# What a message that is only a count may say besides ("12 stuks", "non, 12", "douze svp").
_COUNT_ONLY = frozenset(
    {"ah", "oh", "euh", "eh", "hmm", "bon", "alors", "donc", "so", "then", "dan", "non", "nee",
     "neen", "no", "svp", "stp", "aub", "please", "graag", "merci", "stuks", "stuk", "pieces",
     "units", "exemplaires", "toestellen", "appareils", "phones", "telephones", "gsms", "gsm",
     "of", "them", "en", "er", "d", "de"}
)  # fmt: skip


def stated_total(text: str) -> int | None:
    """The count a message gives as the total wanted ("ah nee, we hebben er 12 nodig, er zijn
    twee nieuwe chauffeurs bij": 12), the message that is only a count ("12 stuks") too; never a
    count that adds ("we need 2 more", "nog 2 erbij"), nor one replaced ("au lieu de dix")."""
    if text.startswith("/"):
        return None
    tokens = count_tokens(text)
    spans = count_spans(tokens)
    if len(spans) == 1 and set(tokens[: spans[0][0]] + tokens[spans[0][1] :]) <= _COUNT_ONLY:
        return spans[0][2]
    for start, end, count in spans:
        before, after = " ".join(tokens[max(start - 4, 0) : start]), " ".join(tokens[end:])
        if _MORE_BEFORE.search(before) or _MORE_AFTER.search(after):
            continue
        if _TOTAL_BEFORE.search(before) or _TOTAL_AFTER.search(after):
            return count
    return None


def _folded(text: str) -> str:
    """Lower case without accents; words and the punctuation that ends a clause."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w,.;:!?]+", " ", folded).split())


def change_kinds(text: str) -> set[str]:
    """The kinds of change the words announce: ``add``, ``remove``, ``switch`` (a change of
    mind: "plutôt", "toch", "instead", read as a switch of the item named)."""
    folded = _folded(text)
    kinds: set[str] = set()
    if _ADD.search(folded) or _ADD_BIJ.search(folded):
        kinds.add(ADD)
    if _REMOVE.search(folded):
        kinds.add(REMOVE)
    if _SWITCH.search(folded) or is_correction(text):
        kinds.add(SWITCH)
    return kinds


def keeps(text: str) -> bool:
    """Whether a clause keeps an item as it is ("le XCover ça reste un", "the rest stays")."""
    return _KEEP.search(_folded(text)) is not None


def change_kind(text: str) -> str | None:
    """The change a clause makes; removing wins, then adding ("doe er toch ook nog 2 bij" adds,
    its "toch" notwithstanding), then switching."""
    kinds = change_kinds(text)
    return next((kind for kind in (REMOVE, ADD, SWITCH) if kind in kinds), None)


def names_colour(text: str) -> bool:
    """Whether a plain colour word is said ("noirs", "witte", "black")."""
    for word in re.findall(r"[a-z]+", _folded(text)):
        if word in _COLOURS or (word.endswith("s") and word[:-1] in _COLOURS):
            return True
    return False


def names_capacity(text: str) -> bool:
    """Whether a capacity is said ("256 GB", "512go")."""
    return _CAPACITY.search(_folded(text)) is not None


# Calling the order off at its question: the cart is emptied ("cancel that please", "laisse
# tomber", "laat maar", "never mind")...
_CANCEL = re.compile(
    r"\b(?:cancel\w*|annul\w*|laisse[sz]? tomber|laissons tomber|laat (?:maar|het|die|dat)|"
    r"never ?mind|forget (?:it|about it|the order)|oublie[sz]? (?:ca|tout|la commande)|"
    r"vergeet (?:het|dat|de bestelling)|don t (?:order|place) (?:anything|it|that|the order))\b"
)
# ... or put off, the cart kept for later ("not now", "hold off", "pas maintenant", "nog niet").
_PUT_OFF = re.compile(
    r"\b(?:not (?:now|yet|today|for now|right now)|hold off|on hold|hold (?:it|the order)|later|"
    r"another time|pas (?:maintenant|encore|tout de suite|aujourd hui|pour (?:le moment|l instant|"
    r"l heure))|plus tard|en attente|nog niet|niet nu|nu niet|voorlopig niet|even niet|"
    r"wacht(?:en)? (?:er )?(?:nog )?(?:even )?mee)\b"
)
CANCEL_ORDER = "cancel"
PUT_OFF_ORDER = "put_off"


def calls_off_order(text: str) -> str | None:
    """Whether a message at the order's question calls the order off: ``cancel`` (the cart is
    emptied: "actually, hold off … Cancel that please", "annuleer maar"), ``put_off`` (not
    now, the cart kept: "pas maintenant", "nog niet", "hold off"), ``None``. A question ("can
    I cancel it later?") is none."""
    if text.startswith("/") or "?" in text or is_question(text) or yes_or_no(text):
        return None  # "oui, l'adresse je vous la donne plus tard" orders
    folded = _folded(text)
    if _CANCEL.search(folded):
        return CANCEL_ORDER
    return PUT_OFF_ORDER if _PUT_OFF.search(folded) else None


def says_cart_change(text: str) -> bool:
    """Whether a message at the order's question changes the cart rather than answering yes or
    no: words of a change, or a colour, a capacity or "only N"; never a button, nor a question
    ("is the black one cheaper?", "krijg ik nog een bevestiging?") unless it asks for a change
    with its details ("toch liever zwart, dat goud is wat veel": "wat" is "a bit" here). Calling
    the order off ("cancel that", "not now") is the order's to answer too: it says what becomes
    of the cart."""
    if text.startswith("/"):
        return False
    if calls_off_order(text) is not None:
        return True
    kinds = change_kinds(text)
    details = names_colour(text) or names_capacity(text)
    if "?" in text or is_question(text):
        # "could you make the Nokias black instead?", "can you also add 2?" still change it.
        return bool(kinds) and (details or _names_count(text))
    only = _ONLY.search(_folded(text)) is not None
    return bool(kinds) or details or only or stated_total(text) is not None


def _names_count(text: str) -> bool:
    """Whether a number is said ("2", "twee", "a dozen")."""
    folded = _folded(text)
    words = re.findall(r"\w+", folded)
    return any(w.isdigit() or w in _NUMBERS for w in words) or bool(_COUNT_PHRASE.search(folded))


def order_waits(pending_id: object, pending_type: object) -> bool:
    """Whether the question waiting is the order's ("place the order now?" or its summary)."""
    return pending_id == ORDER_START or pending_type == ORDER_TYPE
