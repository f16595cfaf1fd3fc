"""The conversation language: detected from what the user writes, remembered, changed on request.

Where it runs, and why here rather than in an NLU graph component inside Rasa:
the ``language`` slot has a *custom* slot mapping (``action: action_detect_language``), so Rasa
calls this action after every user message, before it predicts the reply; the reply is then
rendered from the conditional response variation for the new value. We tried the alternative —
a graph component adding a ``detected_language`` entity to every parse result — and dropped it:
Rasa's end-to-end test stories compare *all* predicted entities with the annotated ones, so every
test message would need a whole-sentence annotation that cannot nest with a ``phone_number``
annotation, and the detection code would live in Rasa's virtual environment, out of reach of the
action unit tests. The price is one loopback HTTP call per message, paid anyway by any
deployment that has custom actions. The detector (lingua, model shipped in the package, limited
to FR/NL/EN) is built once per process, lazily.

Rules, in order:
1. an explicit request ("in English please", "kan je Nederlands spreken?") sets the language and
   sticks: detection does not override the user's own choice;
2. otherwise a confident detection (enough letters, high confidence, clear margin) switches;
   "ok", "ja", numbers or a payload never do;
3. otherwise, if nothing is known yet in this session, the account's language from ``GET /me``,
   then a few unambiguous one-word greetings; the slot's initial value (Dutch) stays otherwise.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from typing import Any

from lingua import Language, LanguageDetector, LanguageDetectorBuilder
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api.backend import BackendError, Me
from actions.common import BackendAction, chat_identity, entity_values, latest_intent, latest_text
from actions.formatting import SUPPORTED_LANGUAGES
from actions.session import profile_slots

logger = logging.getLogger(__name__)

# Detection thresholds, tuned on short chat messages: "bedankt" (0.99) and "show my lines"
# (0.78 vs 0.12) switch; "ok" (0.69), "hallo" (0.66) and "merci" (0.54) do not.
MIN_LETTERS = 5
MIN_CONFIDENCE = 0.75
MIN_MARGIN = 0.5
# A sentence of several words is stronger evidence even when lingua's confidence spreads over
# shared vocabulary ("I want to activate a physical SIM card": 0.73 / 0.14 / 0.14).
LONG_MESSAGE_WORDS = 5
LONG_MIN_CONFIDENCE = 0.6
LONG_MIN_MARGIN = 0.4

_LINGUA_TO_CODE = {Language.FRENCH: "fr", Language.DUTCH: "nl", Language.ENGLISH: "en"}

# Names of the three languages as people type them, accent-free and lower-case, by prefix.
_LANGUAGE_NAME_PREFIXES: tuple[tuple[str, str], ...] = (
    ("francais", "fr"), ("franca", "fr"), ("frans", "fr"), ("french", "fr"), ("fr", "fr"),
    ("nederlands", "nl"), ("nederl", "nl"), ("neerlandais", "nl"), ("neerl", "nl"),
    ("dutch", "nl"), ("vlaams", "nl"), ("flamand", "nl"), ("flemish", "nl"), ("nl", "nl"),
    ("english", "en"), ("engels", "en"), ("anglais", "en"), ("engl", "en"), ("angl", "en"),
    ("en", "en"),
)  # fmt: skip

# Used only while nothing is known about the conversation's language yet.
_GREETING_WORDS = {
    "bonjour": "fr", "bonsoir": "fr", "salut": "fr", "coucou": "fr",
    "hallo": "nl", "hoi": "nl", "dag": "nl", "goeiedag": "nl", "goedendag": "nl",
    "goeiemorgen": "nl", "goedemorgen": "nl", "hello": "en", "hi": "en", "hey": "en",
}  # fmt: skip

# Function words that belong to one of the three languages only (no "de", "en", "is", "je",
# "we", "of", "on"): a short message's grammar says more than lingua's letter statistics, which
# read "c'est un numéro privé" as English and "add roaming Europe to …" as a toss-up.
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "fr": frozenset((
        "le", "la", "les", "un", "une", "des", "du", "au", "aux", "ce", "cette", "c", "j", "qu",
        "l", "d", "est", "sont", "ai", "avez", "mon", "ma", "mes", "ton", "ta", "tes", "votre",
        "vos", "notre", "nos", "je", "tu", "vous", "nous", "moi", "il", "elle", "pour", "sur",
        "avec", "sans", "et", "ou", "pas", "ne", "quoi", "comment", "quel", "quelle", "quels",
        "qui", "peux", "veux", "voudrais", "merci", "oui", "non", "stp", "svp", "aussi", "encore",
        "rien", "tout", "bonjour", "salut", "ligne", "numero", "besoin", "mettre", "faut",
        "aussi", "mes", "lui", "leur", "fait", "faire", "peut", "dois", "doit", "chez",
        # imperatives a request starts with ("Mets Kevin en Pro Unlimited")
        "mets", "mettez", "passe", "passez", "ajoute", "ajoutez", "enleve", "enlevez", "retire",
        "retirez", "bloque", "bloquez", "debloque", "debloquez", "supprime", "supprimez",
        "envoie", "envoyez", "commande", "commandez", "desactive", "desactivez", "remplace",
        "remplacez", "montre", "montrez", "donne", "donnez", "renvoie", "renvoyez",
        # words of the domain only French has ("nouvelle carte", "perdu", "cassé")
        "nouvelle", "nouveau", "carte", "perdu", "perdue", "vole", "volee", "casse", "cassee",
        "ancienne", "ancien", "parce", "aujourd", "demain", "maintenant", "quand", "pourquoi",
        "facture", "factures", "payee", "janvier", "fevrier", "avril", "juin", "juillet", "aout",
        "septembre", "octobre", "novembre", "decembre"
    )),
    "nl": frozenset((
        "het", "een", "mijn", "ik", "gij", "ge", "uw", "jij", "jou", "mij", "ons", "onze", "dit",
        "dat", "die", "deze", "wat", "hoe", "wie", "welke", "kan", "kunt", "kunde", "wil", "zou",
        "graag", "bedankt", "dank", "ja", "nee", "aub", "voor", "op", "met", "zonder", "niet",
        "geen", "ook", "nog", "hebben", "heb", "heeft", "zijn", "alle", "allee", "maar", "laat",
        "doe", "mag", "moet", "hallo", "dag", "lijn", "nummer", "zijn", "haar", "hij", "ze",
        "wij", "jullie", "zet", "nodig", "kunnen", "moeten", "ook", "hier", "daar", "er",
        "voeg", "verwijder", "blokkeer", "deblokkeer", "stuur", "bestel", "schakel", "activeer",
        "vervang", "toon", "geef", "naar", "opnieuw",
        "nieuwe", "nieuw", "kaart", "simkaart", "kapot", "kwijt", "gestolen", "oude", "omdat",
        "vandaag", "morgen", "nu", "wanneer", "waar", "waarom",
        "factuur", "facturen", "betaald", "januari", "februari", "maart", "mei", "juni", "juli",
        "augustus", "oktober"
    )),
    "en": frozenset((
        "the", "an", "my", "your", "you", "i", "it", "its", "this", "that", "what", "how", "who",
        "which", "can", "want", "would", "please", "thanks", "thank", "yes", "for", "with",
        "without", "and", "or", "not", "also", "still", "have", "has", "are", "to", "from", "pls",
        "plz", "hi", "hello", "instead", "would", "will", "am", "our", "their", "his", "her",
        "need", "like", "line", "phone", "number", "add", "remove", "get", "show", "much",
        "many", "does", "did", "could", "should", "just", "some", "any", "there", "here", "put",
        "send", "switch", "block", "unblock", "cancel", "replace", "give", "set", "up",
        "new", "card", "broken", "lost", "stolen", "old", "because", "today", "tomorrow", "now",
        "when", "where", "why", "be",
        # texting words only English has ("resend esim qr 0470… thx")
        "thx", "thnx", "resend", "again", "asap",
        # billing words and months only English spells so ("Is F2026-000106 paid yet?"; not
        # april, september, november, december: Dutch writes them alike)
        "yet", "paid", "bill", "invoice", "invoices", "used", "last", "month", "january",
        "february", "march", "june", "july", "august", "october"
    )),
}  # fmt: skip
# Verbs a bare command starts with ("deactivate 0470 00 00 13"), spelt so in one language only:
# lingua leaves Latin verbs shared by the three undecided ("deactivate": 0.64 English).
_COMMAND_VERBS: dict[str, frozenset[str]] = {
    "fr": frozenset(("desactive", "desactivez", "desactiver", "resilie", "resiliez", "resilier",
                     "commande", "commander", "remplacer", "bloquer", "debloquer", "activer")),
    "nl": frozenset(("deactiveer", "deactiveren", "activeer", "activeren", "blokkeer",
                     "blokkeren", "deblokkeer", "vervang", "vervangen", "bestel", "bestellen",
                     "opzeggen", "annuleer", "annuleren")),
    "en": frozenset(("deactivate", "activate", "terminate", "disable", "enable", "unblock",
                     "resend", "replace", "order")),
}  # fmt: skip
# English contractions, read as the words they stand for: "I'd like…" split into "I" and "d"
# counted the French "d'" too. Not "'s": Dutch writes plurals so ("gsm's", "auto's").
_EN_CONTRACTIONS = re.compile(r"(?<=[A-Za-z])['’](d|ll|re|ve|m|t)\b", re.IGNORECASE)
_EN_EXPANDED = {"d": " would", "ll": " will", "re": " are", "ve": " have", "m": " am", "t": " not"}
DETECTION_SAMPLE = 1_000  # characters
MAX_WORD_LETTERS = 40
# Enough function words of one language (and none of the others) settle it by themselves.
MIN_FUNCTION_WORDS = 2
_WORD = re.compile(r"[^\W\d_]+")
# E-mail addresses, links and anything with a digit (numbers, ICCIDs, "e2e-…") are data, not
# language: "acme-logistics.example" would otherwise make a Dutch sentence look English.
_NOT_LANGUAGE = re.compile(r"\S+@\S+|https?://\S+|\S*\d\S*")


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*_LINGUA_TO_CODE).build()


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def detect_language(text: str) -> str | None:
    """Return ``fr``/``nl``/``en`` when the text is clearly in that language, else ``None``."""
    if text.startswith("/"):  # a button payload, not words
        return None
    # A sample says the language: lingua's cost grows faster than the text, and a 40,000-letter
    # "word" took 35 s of the action server's CPU. Words longer than any real word are no
    # language either.
    text = _NOT_LANGUAGE.sub(" ", text[:DETECTION_SAMPLE])
    text = _EN_CONTRACTIONS.sub(lambda match: _EN_EXPANDED[match.group(1).lower()], text)
    words = [word for word in _WORD.findall(text) if len(word) <= MAX_WORD_LETTERS]
    text = " ".join(words)
    if sum(len(word) for word in words) < MIN_LETTERS:
        return None
    by_grammar = _function_word_language(words)
    # Names and product words ("passe Lotte en Pro Smart stp") are no language either: lingua
    # reads them by their letters ("Lotte", "smart" → Dutch, English).
    kept = [w for i, w in enumerate(words) if not _is_name_or_product(w, first=i == 0)]
    if sum(len(word) for word in kept) >= MIN_LETTERS:
        text = " ".join(kept)
    values = _detector().compute_language_confidence_values(text)
    if not values:
        return by_grammar
    if by_grammar is not None and (
        _function_word_count(words, by_grammar) >= MIN_FUNCTION_WORDS
        or _LINGUA_TO_CODE.get(values[0].language) == by_grammar
    ):
        return by_grammar
    best = values[0]
    runner_up = values[1].value if len(values) > 1 else 0.0
    long_message = len(words) >= LONG_MESSAGE_WORDS
    min_confidence = LONG_MIN_CONFIDENCE if long_message else MIN_CONFIDENCE
    min_margin = LONG_MIN_MARGIN if long_message else MIN_MARGIN
    if best.value < min_confidence or best.value - runner_up < min_margin:
        # Letters do not settle it; one language's function words alone still do ("passe
        # Lotte en pro smart stp").
        return by_grammar
    return _LINGUA_TO_CODE.get(best.language)


_PRODUCT_WORDS = frozenset(
    {"pro", "smart", "start", "unlimited", "roaming", "data", "sim", "esim", "multisim", "iphone",
     "galaxy", "pixel", "fairphone", "nokia", "crosscall", "samsung", "apple", "google", "europe",
     "world", "booster", "boost", "split", "bill", "ok", "gsm", "ticket", "premium"}
)  # fmt: skip


def _is_name_or_product(word: str, *, first: bool) -> bool:
    return (word[:1].isupper() and not first) or _fold(word) in _PRODUCT_WORDS


def _function_word_count(words: list[str], language: str) -> int:
    return sum(_fold(word) in _FUNCTION_WORDS[language] for word in words)


def _function_word_language(words: list[str]) -> str | None:
    """The language whose function words a message of two words or more is made of: the only
    one present, or, in a mixed message ("on a volé le gsm de Lien ce matin. Nieuwe simkaart
    nodig"), the one with at least twice as many as all the others together. A message of one
    word has a language only when it is a command verb spelt so in one language alone."""
    if len(words) < 2:
        folded = _fold(words[0]) if words else ""
        spelt = [language for language, verbs in _COMMAND_VERBS.items() if folded in verbs]
        return spelt[0] if len(spelt) == 1 else None
    counts = {language: _function_word_count(words, language) for language in _FUNCTION_WORDS}
    present = [language for language, count in counts.items() if count]
    if len(present) == 1:
        return present[0]
    best = max(counts, key=lambda language: counts[language])
    others = sum(counts.values()) - counts[best]
    return best if counts[best] >= MIN_FUNCTION_WORDS and counts[best] >= 2 * others else None


# Form slots whose answer is a value in the words of a place or a person, whatever its length,
# and the digits or "@" that show an answer is such a value rather than a sentence.
_VALUE_SLOTS = frozenset(
    {"billing_name", "billing_address", "billing_email", "billing_iban", "end_user_name",
     "esim_email", "repair_address", "order_address", "direct_debit_holder",
     "direct_debit_iban", "invitation_email"}
)  # fmt: skip
_VALUE = re.compile(r"\d|@")


def is_short_form_answer(tracker: Tracker, text: str) -> bool:
    """A few words answering a form's question or a summary's "do you confirm?": a name, an
    address ("Kerkstraat 12, 9000 Gent") or "yes go" / "oui, doe maar" says nothing about the
    language the user wants to be answered in."""
    words = len(_WORD.findall(text))
    requested = tracker.get_slot("requested_slot")
    asked = bool(tracker.active_loop.get("name")) and bool(requested)
    if asked and words < LONG_MESSAGE_WORDS:
        return True
    if (
        asked
        and requested in _VALUE_SLOTS
        and _VALUE.search(text)
        and words < 2 * LONG_MESSAGE_WORDS
    ):
        # "Rue de la Loi 16, 1000 Brussels" for an English user's split bill: an address, an
        # e-mail, an IBAN is in the language of the place or the bank, not of the user.
        return True
    # A yes is often a string of them, in two languages ("oui, doe maar, allez-y").
    return bool(tracker.get_slot("pending_operation_id")) and words < 2 * LONG_MESSAGE_WORDS


def language_from_name(value: str) -> str | None:
    """Map a language as named by the user ("Nederlands", "anglais", "fr") to its code."""
    folded = _fold(value).strip()
    for prefix, code in _LANGUAGE_NAME_PREFIXES:
        if folded.startswith(prefix) and (len(prefix) > 2 or folded == prefix):
            return code
    return None


def requested_language(tracker: Tracker) -> str | None:
    """The language explicitly asked for in the latest message (``change_language`` only)."""
    if latest_intent(tracker) != "change_language":
        return None
    for value in entity_values(tracker, "language"):
        if code := language_from_name(value):
            return code
    # The extractor missed a typo'd name ("in het nederlans"): look at the words themselves.
    for word in _WORD.findall(latest_text(tracker)):
        if len(word) > 3 and (code := language_from_name(word)):
            return code
    return None


def greeting_language(text: str) -> str | None:
    """The language of a one-word greeting such as "bonjour" or "goeiemorgen"."""
    words = _WORD.findall(_fold(text))
    return _GREETING_WORDS.get(words[0]) if len(words) == 1 else None


class ActionDetectLanguage(BackendAction):
    """Custom slot mapping of ``language``: runs after every user message."""

    def name(self) -> str:
        return "action_detect_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if requested := requested_language(tracker):
            return _set_language(requested, "explicit")
        source = tracker.get_slot("language_source")
        if source == "explicit":
            return []
        # The conversation's first message: the account is read once, for its language and the
        # display cache of who is talking (the session start cannot: no channel yet).
        me = await self._me(tracker) if source is None else None
        profile = profile_slots(me) if me is not None else []
        text = latest_text(tracker)
        if detected := None if is_short_form_answer(tracker, text) else detect_language(text):
            return [*profile, *_set_language(detected, "detected")]
        if source is None:
            if me is not None and (account_language := _account_language(me)):
                return [*profile, *_set_language(account_language, "account")]
            if greeted := greeting_language(text):
                return [*profile, *_set_language(greeted, "detected")]
        return profile

    async def _me(self, tracker: Tracker) -> Me | None:
        identity = chat_identity(tracker)
        if identity is None:
            return None
        try:
            return await self.backend.get_me(identity)
        except BackendError:
            return None  # anonymous or backend down: the reply itself will say so if needed


def _account_language(me: Me) -> str | None:
    for candidate in (me.language, me.company.language if me.company else None):
        if candidate in SUPPORTED_LANGUAGES:
            return candidate
    return None


class ActionChangeLanguage(Action):  # type: ignore[misc]
    """Confirms a language change in the new language, or asks which language is wanted."""

    def name(self) -> str:
        return "action_change_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # action_detect_language already set the slot; the response renders in that language.
        if requested_language(tracker):
            dispatcher.utter_message(response="utter_language_changed")
        else:
            dispatcher.utter_message(response="utter_ask_language")
        return []


def _set_language(language: str, source: str) -> list[dict[str, Any]]:
    return [SlotSet("language", language), SlotSet("language_source", source)]
