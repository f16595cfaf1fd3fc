"""Yes or no, as people type it in French, Dutch and English: "oui merci", "jep", "ja, doe maar",
"yes deactivate", "non laisse tomber", "neen".

The intent classifier reads "oui, on arrête" as ``stop``, "Ja, stopzetten" as nothing it knows
and "yes deactivate" as a new deactivation; at a yes/no question the first words settle it. A
leading yes or no word decides unless a negation follows it ("oui mais pas ça") — then nobody
can tell, and ``None`` lets the usual understanding decide.

Standard library only: the Rasa server imports it too (``bot/policies/answer.py``), so that a
pending confirmation gets the same reading on both sides.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rasa_sdk import Tracker

_YES = frozenset(
    {
        "oui", "ouais", "ouaip", "ok", "okay", "okido", "daccord", "dac", "parfait", "volontiers",
        "certainement", "absolument", "exact", "exactement", "bien", "go", "vasy", "allez",
        "ja", "jaja", "jep", "jup", "jawel", "jazeker", "zeker", "graag", "prima", "goed", "top",
        "akkoord", "inderdaad", "correct", "klopt", "doe", "oke", "oki", "allee",
        "yes", "yep", "yeah", "yup", "sure", "please", "confirm", "confirmed", "fine",
        "affirmative", "indeed", "definitely", "absolutely", "right", "alright", "perfect",
    }
)  # fmt: skip
_NO = frozenset(
    {
        "non", "nan", "nope", "pas", "jamais", "annule", "annuler",
        "nee", "neen", "nein", "neeje", "niet", "nooit", "laat",
        "no", "nah", "never", "cancel", "dont",
        # "forget it", "laisse tomber", "vergeet het": a no to what waits
        "forget", "nevermind", "oublie", "oubliez", "laisse", "laissez", "vergeet", "stop",
    }
)  # fmt: skip
# Words that turn a leading yes into something else ("yes but not that one", "oui mais").
_NEGATIONS = frozenset(
    {"pas", "non", "mais", "sauf", "niet", "geen", "maar", "behalve", "not", "no", "but",
     "except", "dont", "nee"}
)  # fmt: skip
_BUT = frozenset({"maar", "mais", "but"})
# Phrases whose words are spread over two tokens after folding ("d'accord", "vas-y").
_PHRASES = (("d accord", "daccord"), ("vas y", "vasy"), ("do it", "yes"), ("go ahead", "yes"),
            ("doe maar", "doe"), ("is goed", "goed"), ("c est bon", "ok"), ("in orde", "ok"),
            ("ca marche", "ok"), ("ca roule", "ok"), ("allez y", "allez"), ("go for it", "yes"),
            ("sounds good", "ok"), ("let s do it", "yes"), ("lets do it", "yes"),
            ("ga je gang", "ok"), ("ga maar", "ok"), ("mag doorgaan", "ok"))  # fmt: skip
_WORD = re.compile(r"[a-z]+")
# Sounds before an answer that do not change it ("ah nee", "euh oui").
FILLERS = frozenset({"ah", "oh", "euh", "eh", "hmm", "hm", "ehm", "uh", "um", "bon", "nou", "tja"})
# The form slots that are yes/no questions: a worded answer to them is never an interruption
# (the form validators and ``AnswerPolicy`` both read this).
YES_NO_SLOTS = frozenset({"block_old_sim", "keep_number", "split_bill"})
# Beyond this many words a message says more than yes or no.
MAX_WORDS = 16


def _words(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = " ".join(_WORD.findall(folded))
    for phrase, word in _PHRASES:
        folded = re.sub(rf"\b{phrase}\b", word, folded)
    return folded.split()


def yes_or_no(text: str) -> bool | None:
    """``True`` for a yes, ``False`` for a no, ``None`` when the words do not settle it."""
    if text.startswith("/"):
        return None  # a button payload: its intent says it
    words = _words(text)
    # "ah nee", "oh oui", "euh no": a filler before the answer does not change it.
    while words[:1] and words[0] in FILLERS:
        words = words[1:]
    if not words or len(words) > MAX_WORDS:
        return None
    first, rest = words[0], words[1:]
    if first in _YES and first not in _NO:
        # "ja maar…", "oui mais…" turn the yes; later, "maar" is Dutch's softener ("ja, bestel
        # maar", "doe maar") and "mais"/"but" no longer bear on the yes.
        turned = [w for i, w in enumerate(rest) if w in _NEGATIONS and (i == 0 or w not in _BUT)]
        return None if turned else True
    if first in _NO:
        return False
    return None


def said_yes_or_no(tracker: Tracker) -> bool | None:
    """The answer to the yes/no question just asked: the words first, then the intent (a
    button's ``/affirm`` or ``/deny``, or a "yes" the words alone do not settle)."""
    message = tracker.latest_message or {}
    if (answer := yes_or_no(str(message.get("text") or ""))) is not None:
        return answer
    intent = (message.get("intent") or {}).get("name")
    return True if intent == "affirm" else False if intent == "deny" else None


# A short message made of these is a request to stop, even where any text is an answer.
_STOP_WORDS = frozenset(
    {"stop", "stoppen", "arrete", "arreter", "arretez", "annule", "annuler", "annulez",
     "annuleer", "cancel", "quit", "laat", "laisse", "laissez", "tomber", "abandon", "forget",
     "never", "mind", "rien", "niks", "nothing", "vergeet", "maar", "het", "it", "ca", "c",
     "est", "bon", "merci", "thanks", "non", "nee", "no", "please", "svp", "aub", "zo", "on",
     "we", "ermee"}
)  # fmt: skip
_STOP_MARKERS = frozenset(
    {"stop", "stoppen", "arrete", "arreter", "arretez", "annule", "annuler", "annulez",
     "annuleer", "cancel", "quit", "tomber", "abandon", "forget", "mind", "laat", "vergeet"}
)  # fmt: skip


# Words that ask for a person ("can I talk to someone", "een medewerker aub").
_PERSON = re.compile(
    r"\b(?:agent|human|humain|someone|somebody|person|advisor|adviseur|conseill\w*|quelqu un|"
    r"iemand|medewerker|mens|operator|operateur|helpdesk|support)\b"
)


def asks_for_person(text: str) -> bool:
    """Whether a message asks for a person (so a "human" intent is not a misread answer)."""
    return _PERSON.search(" ".join(_words(text))) is not None


def says_stop(text: str) -> bool:
    """Whether a message has a word that stops ("au travail, non stop", "cancel it")."""
    return any(word in _STOP_MARKERS for word in _words(text))


def is_explicit_stop(text: str) -> bool:
    """Whether a message says only "stop" ("laat maar", "laisse tomber", "cancel it") — not a
    description that the classifier took for a stop ("valt constant uit, herstart vanzelf")."""
    words = _words(text)
    return (
        0 < len(words) <= 5
        and all(word in _STOP_WORDS for word in words)
        and any(word in _STOP_MARKERS for word in words)
    )


# Whole phrases that call off what waits, wherever they stand in a long message ("hold on - he
# just called, the phone was in his car. Cancel that, don't replace anything.").
_CALL_OFF = re.compile(
    r"\b(?:cancel (?:that|it|this|everything|the request)|forget (?:it|about it)|never ?mind|"
    r"don t (?:do|replace|change|send|order|activate|block) (?:anything|it|that)|"
    r"leave it(?: as it is)?|no need any ?more|"
    r"annule(?:z)? (?:tout|ca|cela|la demande)|laisse(?:z)? tomber|oublie(?:z)? ca|"
    r"ne (?:fais|faites|change|changez|remplace|remplacez) rien|plus besoin|"
    r"laat (?:maar|het)(?: zitten| zo)?|vergeet (?:het|dat)|niks (?:doen|vervangen|veranderen)|"
    r"niets (?:doen|vervangen|veranderen)|annuleer (?:maar|dat|het|alles)|hoeft niet meer)\b"
)


# "je n'ai pas son adresse sous la main, on verra plus tard", "I don't have it, later": an
# answer that is not there now — what needed it is put off, not retried.
_PUT_OFF = re.compile(
    r"\b(?:plus tard|later|straks|une autre fois|another time|een andere keer|"
    r"(?:je )?n ai pas (?:son|sa|ses|l|cette|leur)|(?:i )?don t have (?:it|his|her|their|the)|"
    r"heb (?:ik )?(?:zijn|haar|het|dat) (?:\w+ )?niet|heb ik (?:\w+ )?niet|(?:i )?don t know|"
    r"je ne sais pas|"
    r"weet ik niet|ik weet het niet|no idea|aucune idee|geen idee)\b"
)


def puts_off(text: str) -> bool:
    """Whether an answer says it cannot be given now ("I don't have her address, later")."""
    return _PUT_OFF.search(" ".join(_words(text))) is not None


def calls_off(text: str) -> bool:
    """Whether a message, however long, calls off what waits for a yes."""
    return _CALL_OFF.search(" ".join(_words(text))) is not None


# Words that announce a change of mind ("ah attends non, finalement une eSIM", "toch liever
# Pro Smart", "actually make it two") or a mistake owned ("oups, je me suis trompée de compte",
# "oei, verkeerde rekening", "sorry, wrong number").
_CORRECTION = re.compile(
    r"\b(?:finalement|plutot|en fait|attends|non attends|je veux dire|instead|actually|rather|"
    r"wait|i mean|eigenlijk|toch|liever|wacht|ik bedoel|oups|oops|oeps|oei|trompee?|erreur de|"
    r"verkeerde?|vergist|wrong|mistake|typo|sorry|pardon|excusez|hold on|hang on|"
    r"(?:the|our|l|notre|de|het|onze) (?:other|autre|andere?) (?:account|compte|rekening|iban)|"
    r"(?:use|take|prends|prenez|utilise|utilisez|neem|gebruik) (?:the |our |l |notre |de |het |"
    r"onze )?(?:other|autre|andere?))\b"
)
# "make it 2", "mets-en 4", "maak er drie van": with a number, a new quantity.
_MAKE_IT = re.compile(
    r"\b(?:make it|make that|change it to|mets en|mettez en|fais en|prends en|prenez en|"
    r"maak er|maak het|maak dat|doe er|neem er)\b"
)


# Quantities people type in words.
NUMBER_WORDS = {
    "un": 1, "une": 1, "one": 1, "een": 1, "deux": 2, "two": 2, "twee": 2, "trois": 3,
    "three": 3, "drie": 3, "quatre": 4, "four": 4, "vier": 4, "cinq": 5, "five": 5, "vijf": 5,
    "six": 6, "zes": 6, "sept": 7, "seven": 7, "zeven": 7, "huit": 8, "eight": 8, "acht": 8,
    "neuf": 9, "nine": 9, "negen": 9, "dix": 10, "ten": 10, "tien": 10,
}  # fmt: skip
_QUANTITY = re.compile(r"\b(\d{1,3})\b")


def quantity_in(text: str) -> int | None:
    """A quantity from digits or a number word ("2", "deux", "twee"); ``None`` if absent."""
    match = _QUANTITY.search(text)
    if match:
        return int(match.group(1))
    for word in _words(text):
        if word in NUMBER_WORDS:
            return NUMBER_WORDS[word]
    return None


def is_quantity_change(text: str) -> bool:
    """ "make it 2", "en fait mets-en 4", "maak er drie van": a new quantity for what waits."""
    said = " ".join(_words(text))
    return (
        (is_correction(text) or _MAKE_IT.search(said) is not None)
        and not is_question(text)
        and quantity_in(text) is not None
    )


# Details that no entity carries: the split bill ("so no split billing after all").
_DETAIL_WORDS = re.compile(
    r"\b(?:split ?bill\w*|gesplitste factu\w*|facture partagee|facturation partagee)\b"
)


def names_detail_word(text: str) -> bool:
    """Whether the message names a detail of an operation that no entity carries."""
    return _DETAIL_WORDS.search(" ".join(_words(text))) is not None


# A capitalised word inside a sentence: a person's name ("ik bedoelde Jonas, niet Tim").
_INNER_NAME = re.compile(r"(?<![.!?:]\s)(?<!^)\b[A-ZÀ-Ý][a-zà-ÿ]{2,}")


def names_someone(text: str) -> bool:
    """Whether the message names a person (a line's user) inside a sentence."""
    return _INNER_NAME.search(text.strip()) is not None


def is_correction(text: str) -> bool:
    """Whether the message changes an answer given earlier."""
    return _CORRECTION.search(" ".join(_words(text))) is not None


# Entities that are details of an operation, not part of a plain "yes" or "no".
DETAIL_ENTITIES = frozenset(
    {"plan", "option", "barring_service", "phone_number", "line_id", "iccid", "email", "iban",
     "sim_type", "number_type", "number_mode", "replacement_reason", "shop_colour",
     "shop_storage_gb", "shop_device_id", "delivery_method", "order_delivery", "repair_pickup"}
)  # fmt: skip
# Words that ask for information rather than change anything ("what's the difference between
# Smart and Unlimited?"); a polite "could you make it Unlimited?" is no such question.
_QUESTION = re.compile(
    r"\b(?:what|whats|which|how|why|difference|quoi|quel|quelle|quels|quelles|comment|"
    r"pourquoi|difference|wat|welke|welk|hoe|waarom|verschil|combien|hoeveel|how much|"
    r"where|waar|when|wanneer|quand|who|wie)\b"
)


# "où", folded, is "ou" ("or"): only where it cannot be "or" ("c'est ou dans le portail",
# "ou est-ce que", "ou je trouve"), or with its accent.
_WHERE = re.compile(r"\b(?:c ?est ou|ou (?:est|sont|se|trouver?|puis|je|peut|peux|faut))\b")


def is_question(text: str) -> bool:
    """Whether the message asks for information (a side question, not a change)."""
    words = " ".join(_words(text))
    return _QUESTION.search(words) is not None or _WHERE.search(words) is not None or "où" in text
