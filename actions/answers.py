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
    }
)  # fmt: skip
# Words that turn a leading yes into something else ("yes but not that one", "oui mais").
_NEGATIONS = frozenset(
    {"pas", "non", "mais", "sauf", "niet", "geen", "maar", "behalve", "not", "no", "but",
     "except", "dont", "nee"}
)  # fmt: skip
# Phrases whose words are spread over two tokens after folding ("d'accord", "vas-y").
_PHRASES = (("d accord", "daccord"), ("vas y", "vasy"), ("do it", "yes"), ("go ahead", "yes"),
            ("doe maar", "doe"), ("is goed", "goed"), ("c est bon", "ok"))  # fmt: skip
_WORD = re.compile(r"[a-z]+")
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
    if not words or len(words) > MAX_WORDS:
        return None
    first, rest = words[0], words[1:]
    if first in _YES and first not in _NO:
        return None if any(word in _NEGATIONS for word in rest) else True
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


# Words that announce a change of mind ("ah attends non, finalement une eSIM", "toch liever
# Pro Smart", "actually make it two").
_CORRECTION = re.compile(
    r"\b(?:finalement|plutot|en fait|attends|non attends|je veux dire|instead|actually|rather|"
    r"wait|i mean|eigenlijk|toch|liever|wacht|ik bedoel)\b"
)


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
    r"pourquoi|difference|wat|welke|welk|hoe|waarom|verschil|combien|hoeveel|how much)\b"
)


def is_question(text: str) -> bool:
    """Whether the message asks for information (a side question, not a change)."""
    return _QUESTION.search(" ".join(_words(text))) is not None
