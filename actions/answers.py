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
# "don't", "doesn't", "won't" fold to "don t", "doesn t", "won t" ("yes, don't deactivate it").
_NEGATIONS = frozenset(
    {"pas", "non", "mais", "sauf", "niet", "geen", "maar", "behalve", "not", "no", "but",
     "except", "dont", "nee", "don", "doesn", "won"}
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
        # "don't do it" is no "don't yes".
        folded = re.sub(rf"(?<!don t )(?<!do not )\b{phrase}\b", word, folded)
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
    r"\b(?:cancel (?:that|it|this|everything|the request|please)|forget (?:it|about it)|"
    r"never ?mind|"
    r"don t (?:do|replace|change|send|order|activate|block) (?:anything|it|that)|"
    r"leave it(?: as it is)?|no need any ?more|"
    r"annule(?:z)? (?:tout|ca|cela|la demande)|laisse(?:z)? tomber|oublie(?:z)? ca|"
    r"ne (?:fais|faites|change|changez|remplace|remplacez) rien|plus besoin|"
    r"laat (?:maar|het)(?: zitten| zo)?|vergeet (?:het|dat)|niks (?:doen|vervangen|veranderen)|"
    r"niets (?:doen|vervangen|veranderen)|annuleer (?:maar|dat|het|alles)|hoeft niet meer|"
    # "don't deactivate it then", "ne la désactivez pas", "niet deactiveren": never a yes to
    # the deactivation waiting (en-014 confirmed it with the next "yes").
    r"(?:don t|do not|doesn t|does not|shouldn t|should not|must not|mustn t) (?:\w+ )?"
    r"(?:deactivate|terminate|disconnect|cut|close)|no deactivation|"
    r"ne (?:la |le |les |l )?(?:desactive|desactivez|desactiver|coupe|coupez|couper|supprime|"
    r"supprimez|resilie|resiliez) (?:pas|rien)|"
    r"ne pas (?:la |le |les |l )?(?:desactiver|couper|supprimer|resilier)|"
    r"pas de (?:desactivation|resiliation)|"
    r"niet (?:deactiveren|afsluiten|stopzetten|opzeggen|schrappen)|"
    r"(?:deactiveer|sluit|schrap) (?:\w+ )?niet|geen (?:deactivatie|stopzetting|opzeg))\b"
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
    r"\b(?:finalement|plutot|en fait|attends|attendez|je veux dire|instead|actually|rather|"
    r"corrige[rz]?|corrigeer\w*|verbeter\w*|correct (?:it|that|this)|fix (?:it|that)|"
    r"change of plans?|changement de programme|verandering van plan|"
    r"wait|i mean|eigenlijk|toch|liever|wacht|ik bedoel|oups|oops|oeps|oei|trompee?|erreur de|"
    r"verkeerde?|vergist|wrong|mistake|typo|sorry|pardon|excusez|excuseer|excuseert|"
    r"hold on|hang on|"
    r"(?:the|our|l|notre|de|het|onze) (?:other|autre|andere?) (?:account|compte|rekening|iban)|"
    r"(?:use|take|prends|prenez|utilise|utilisez|neem|gebruik) (?:the |our |l |notre |de |het |"
    r"onze )?(?:other|autre|andere?))\b"
)
# A change of mind said in more words ("on second thought", "réflexion faite", "bij nader
# inzien") or two things mixed up ("I mixed them up", "je les ai confondus", "ik heb ze
# verwisseld": the deactivation meant the other colleague).
_SECOND_THOUGHTS = re.compile(
    r"\b(?:on second thoughts?|second thoughts?|come to think of it|"
    r"(?:mixed|mixing|muddled) (?:\w+ ){0,3}?up|mix ?up|confused (?:them|the two|both|their)|"
    r"reflexion faite|a la reflexion|apres reflexion|tout compte fait|"
    r"tout bien (?:reflechi|considere)|"
    r"(?:ai|avons|suis|sommes) (?:\w+ )?(?:confondu|inverse|melange|emmele)\w*|"
    r"bij nader inzien|nu ik erover nadenk|achteraf (?:gezien|bekeken)|"
    r"(?:heb|had|hebben) (?:\w+ ){0,3}?(?:verward|(?:om)?verwisseld|door elkaar \w+))\b"
)
# Words that set a detail of the operation at its summary ("zet als contact maar Sarah", "mettez
# plutôt Paul comme contact", "put her on Pro Smart", "mets-la sur Pro Smart", "geef haar een
# eSIM"): a change only with a value of the pending operation's own parameters
# (``corrects_pending``), never alone: "zet Kevin op Pro Smart" is a request of its own.
_SETS_VALUE = re.compile(
    r"\b(?:put|set|make|use|take|mets|mettez|met|prends|prenez|indique|indiquez|zet|neem|"
    r"gebruik|geef|noteer|note|notez)(?: \w+){0,6}? (?:as|comme|als) (?:the |le |la |l |het |"
    r"de |onze |our |notre )?(?:contact\w*|aanspreekpunt|point of contact|personne de contact)\b"
    r"|\b(?:contactpersoon|aanspreekpunt) (?:is|wordt|moet)\b"
    r"|\b(?:the|le) contact (?:is|est|c est|devient|sera|should be|becomes|will be)\b"
    r"|\b(?:put|move|switch|set) (?:her|him|them) (?:\w+ )?(?:on|onto|to)\b"
    r"|\b(?:give|get) (?:her|him|them) (?:\w+ )?(?:an?|the)\b"
    r"|\b(?:mets|mettez|passe|passez|bascule|basculez) (?:la|le|les|lui|leur) (?:\w+ )?"
    r"(?:sur|en|a)\b"
    r"|\b(?:donne|donnez|fais|faites) (?:lui|leur) (?:\w+ )?(?:une?|la|le)\b"
    r"|\b(?:zet|doe|schakel) (?:haar|hem|ze|hen) (?:\w+ ){0,2}?op\b"
    r"|\bgeef (?:haar|hem|ze|hen) (?:\w+ ){0,2}?(?:een|de|het)\b"
)
# "make it 2", "mets-en 4", "maak er drie van": with a number, a new quantity.
_MAKE_IT = re.compile(
    r"\b(?:make it|make that|change it to|mets en|mettez en|fais en|prends en|prenez en|"
    r"maak er|maak het|maak dat|doe er|neem er)\b"
)


# Quantities people type in words, one to twenty ("eentje" is Flemish for one).
NUMBER_WORDS = {
    "un": 1, "une": 1, "one": 1, "een": 1, "eentje": 1, "deux": 2, "two": 2, "twee": 2,
    "trois": 3, "three": 3, "drie": 3, "quatre": 4, "four": 4, "vier": 4, "cinq": 5, "five": 5,
    "vijf": 5, "six": 6, "zes": 6, "sept": 7, "seven": 7, "zeven": 7, "huit": 8, "eight": 8,
    "acht": 8, "neuf": 9, "nine": 9, "negen": 9, "dix": 10, "ten": 10, "tien": 10,
    "eleven": 11, "elf": 11, "douze": 12, "twelve": 12, "twaalf": 12, "treize": 13,
    "thirteen": 13, "dertien": 13, "quatorze": 14, "fourteen": 14, "veertien": 14,
    "quinze": 15, "fifteen": 15, "vijftien": 15, "seize": 16, "sixteen": 16, "zestien": 16,
    "seventeen": 17, "zeventien": 17, "eighteen": 18, "achttien": 18, "nineteen": 19,
    "negentien": 19, "vingt": 20, "twenty": 20, "twintig": 20,
}  # fmt: skip
# "onze" is eleven in French but "our" in Dutch ("onze iPhones"): eleven only at the end of the
# words or before one of these.
_ELEVEN_BEFORE = frozenset(
    {"pieces", "exemplaires", "unites", "appareils", "telephones", "portables", "svp", "stp",
     "merci", "s", "au", "de", "d", "pour"}
)  # fmt: skip
# Articles that are "one" as well: alone they say one only where a count is expected.
ONE_ARTICLES = frozenset({"a", "an", "un", "une", "een", "one"})
_DOZEN = frozenset({"dozen", "dozens", "douzaine", "douzaines", "dozijn", "dozijnen"})
_HALF = frozenset({"half", "halve", "demi"})
_PAIR = frozenset({"couple", "pair", "paire"})  # not Dutch "een paar": a few
# How many these say nobody can tell ("a few", "quelques", "een paar", "a hundred"): asked, and
# an article next to them ("a few", "une dizaine") is no count.
VAGUE_QUANTITIES = frozenset(
    {"few", "several", "some", "bunch", "lot", "lots", "many", "handful", "hundred",
     "hundreds", "thousand", "quelques", "plusieurs", "certains", "beaucoup", "dizaine",
     "dizaines", "vingtaine", "quinzaine", "trentaine", "centaine", "centaines", "cent", "mille",
     "paar", "enkele", "meerdere", "verschillende", "veel", "tiental", "twintigtal",
     "vijftiental", "honderd", "honderden", "duizend"}
)  # fmt: skip
# The words before an old count: "trois au lieu de deux", "3 instead of 2", "drie ipv twee".
_BEFORE_OLD = (
    ("instead", "of"), ("au", "lieu", "de"), ("au", "lieu", "d"), ("au", "lieu", "des"),
    ("a", "la", "place", "de"), ("plutot", "que"), ("in", "plaats", "van"), ("ipv",),
    ("i", "p", "v"), ("rather", "than"), ("not",), ("pas",), ("niet",),
)  # fmt: skip
# "from 2 to 3", "de deux à trois", "van 2 naar 3": the first count is the old one.
_FROM = frozenset({"from", "de", "van"})
_TO = frozenset({"to", "a", "naar", "tot", "op"})
# A number before these is a price, or a capacity when it is as big as one ("128 Go"; "2, go
# ahead" is two), not how many.
_MONEY = frozenset({"euro", "euros", "eur"})
_CAPACITY = frozenset({"gb", "go", "giga", "tb", "to", "mb"})
_SMALLEST_CAPACITY = 16
_DIGITS = re.compile(r"x?(\d{1,3})x?")  # "3", "x4", "4x"
_COUNT_TOKEN = re.compile(r"[a-z0-9]+")


def count_tokens(text: str) -> list[str]:
    """Lower-case words and numbers without accents, as quantities are read in
    ("une demi-douzaine" → une, demi, douzaine)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _COUNT_TOKEN.findall(folded)


def _at(tokens: list[str], index: int) -> str:
    return tokens[index] if 0 <= index < len(tokens) else ""


def _phrase_at(tokens: list[str], index: int) -> tuple[int, int] | None:
    """(count, end) of "a dozen", "half a dozen", "une demi-douzaine", "een half dozijn", "a
    couple", "une paire" at ``index``."""
    at = index + (_at(tokens, index) in ONE_ARTICLES)
    if _at(tokens, at) in _HALF:
        dozen = at + 1 + (_at(tokens, at + 1) in ("a", "an"))
        return (6, dozen + 1) if _at(tokens, dozen) in _DOZEN else None
    if _at(tokens, at) in _DOZEN:
        return 12, at + 1
    if _at(tokens, at) in _PAIR:
        return 2, at + 1
    return None


def _number_at(tokens: list[str], index: int) -> tuple[int, int] | None:
    """(count, end) of a number at ``index``: "3", "x4", "twaalf", "dix-sept", "vingt-deux" (no
    twenty, so that it is refused rather than misread), "deux douzaines"."""
    word, after = tokens[index], _at(tokens, index + 1)
    if digits := _DIGITS.fullmatch(word):
        count, end = int(digits.group(1)), index + 1
    elif word == "dix" and after in ("sept", "huit", "neuf"):
        count, end = 10 + NUMBER_WORDS[after], index + 2
    elif word in ("vingt", "twenty"):
        unit = index + 1 + (after in ("et", "and"))
        more = NUMBER_WORDS.get(_at(tokens, unit), 0)
        count, end = (20 + more, unit + 1) if 0 < more < 10 else (20, index + 1)
    elif word in NUMBER_WORDS:
        count, end = NUMBER_WORDS[word], index + 1
    elif word == "onze" and (not after or after in _ELEVEN_BEFORE):
        count, end = 11, index + 1
    else:
        return None
    if _at(tokens, end) in _DOZEN:
        count, end = count * 12, end + 1  # "deux douzaines"
    return count, end


def _is_old(tokens: list[str], start: int, end: int) -> bool:
    """Whether the count at ``start:end`` is the one replaced ("au lieu de deux", "from 2")."""
    if any(tuple(tokens[max(start - len(w), 0) : start]) == w for w in _BEFORE_OLD):
        return True
    return (
        _at(tokens, start - 1) in _FROM
        and _at(tokens, end) in _TO
        and end + 1 < len(tokens)
        and _number_at(tokens, end + 1) is not None
    )


def count_spans(tokens: list[str], *, articles: bool = False) -> list[tuple[int, int, int]]:
    """(start, end, count) of each count said in ``tokens`` (``count_tokens``), in order: digits,
    number words, "half a dozen", "a couple"; "a"/"an" alone only with ``articles``; never the
    count a change replaces ("trois au lieu de deux"), a capacity or a price ("128 GB")."""
    spans: list[tuple[int, int, int]] = []
    index = 0
    while index < len(tokens):
        found = _phrase_at(tokens, index) or _number_at(tokens, index)
        if found is None and articles and tokens[index] in ("a", "an"):
            found = 1, index + 1
        if found is None:
            index += 1
            continue
        count, end = found
        unit = _at(tokens, end)
        size = unit in _MONEY or (unit in _CAPACITY and count >= _SMALLEST_CAPACITY)
        vague = end - index == 1 and tokens[index] in ONE_ARTICLES and unit in VAGUE_QUANTITIES
        if not (size or vague or _is_old(tokens, index, end)):
            spans.append((index, end, count))
        index = end
    return spans


def quantity_in(text: str) -> int | None:
    """A quantity from digits or number words ("2", "deux", "twee", "eentje", "half a dozen",
    "une paire"); ``None`` if absent. An article ("een stuk of drie", "un iPhone, 3") is the
    count only when no other count is said."""
    tokens = count_tokens(text)
    spans = count_spans(tokens)
    plain = [c for s, e, c in spans if not (e - s == 1 and tokens[s] in ONE_ARTICLES)]
    return next(iter(plain or [c for _, _, c in spans]), None)


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
# A number of several digits that no entity carries either: a device's IMEI ("le bon IMEI
# c'est 35391805-123456-1").
_LONG_NUMBER = re.compile(r"\d(?:[\s.\-/]?\d){5,}")


def names_detail_word(text: str) -> bool:
    """Whether the message names a detail of an operation that no entity carries."""
    return (
        _DETAIL_WORDS.search(" ".join(_words(text))) is not None
        or _LONG_NUMBER.search(text) is not None
    )


# A capitalised word inside a sentence: a person's name ("ik bedoelde Jonas, niet Tim").
_INNER_NAME = re.compile(r"(?<![.!?:]\s)(?<!^)\b[A-ZÀ-Ý][a-zà-ÿ]{2,}")


def names_someone(text: str) -> bool:
    """Whether the message names a person (a line's user) inside a sentence."""
    return _INNER_NAME.search(text.strip()) is not None


def is_correction(text: str) -> bool:
    """Whether the message changes an answer given earlier."""
    said = " ".join(_words(text))
    return _CORRECTION.search(said) is not None or _SECOND_THOUGHTS.search(said) is not None


# Correction cues that are mere fillers in a question ("werkt da eigenlijk op elke gsm, zo'n
# eSIM?", "what's actually the difference?").
_FILLER_CUES = re.compile(r"\b(?:eigenlijk|actually|en fait|toch)\b")


def corrects_rather_than_asks(text: str) -> bool:
    """Whether the message changes an earlier answer, a question's filler cue not counted."""
    if not is_correction(text):
        return False
    if "?" not in text:
        return True
    return is_correction(_FILLER_CUES.sub(" ", " ".join(_words(text))))


def sets_a_value(text: str) -> bool:
    """Whether the message sets a detail in so many words ("zet als contact", "put her on")."""
    return _SETS_VALUE.search(" ".join(_words(text))) is not None


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
    r"pourquoi|difference|wat|wa|wadde|welke|welk|hoe|waarom|verschil|prijsverschil|combien|"
    r"hoeveel|how much|"
    r"where|waar|when|wanneer|quand|who|wie)\b"
)


# "où", folded, is "ou" ("or"): only where it cannot be "or" ("c'est ou dans le portail",
# "ou est-ce que", "ou je trouve"), or with its accent.
_WHERE = re.compile(r"\b(?:c ?est ou|ou (?:est|sont|se|trouver?|puis|je|peut|peux|faut))\b")


# "who"/"which" that only ties a clause to whom it is about ("it's Dries Desmet who retired",
# "the one who left", "Dries Desmet who retired"): no question, unless the message ends in "?".
_CLEFT = re.compile(
    r"\b(?:it s|it is|it was|that s|the one|the person|the colleague|the user|the guy|the lady|"
    r"someone|somebody|the line|the number|the phone|the sim) ((?:\w+ ){0,3}?)(?:who|which)\b"
)
_NAME_THEN_WHO = re.compile(r"(?<=\w )([A-ZÀ-Ý][a-zà-ÿ]+) who\b")


_CONJUNCTIONS = re.compile(r"\b(?:quand|when|wanneer)\b")


# "how would we switch to direct debit?", "on fait comment pour…", "hoe moet ik…", "what do I
# need to…": asks how something is done, not to do it (folded, lower-case words).
_HOW_TO = re.compile(
    r"\bhow (?:do|does|can|could|would|should|shall|to|is it done)\b|"
    r"\bwhat (?:do|would|should) (?:i|we) (?:\w+ )?(?:need|have to do)\b|"
    r"\bwhat s the (?:procedure|process)\b|"
    r"\bcomment (?:je|j|on|faire|fait|peut|puis|est ce|ca (?:se passe|marche|fonctionne)|"
    r"proceder|ca se fait)\b|\bon fait comment\b|\bque faut il (?:faire )?pour\b|"
    r"\bquelle est la (?:procedure|marche a suivre)\b|\bqu est ce qu il faut (?:faire )?pour\b|"
    r"\bhoe (?:kan|kunnen|moet|moeten|doe|doen|zou|zouden|ga|gaat|werkt|verloopt)\b|"
    r"\bwat (?:moet|moeten|heb|hebben) (?:ik|we|wij|hij|zij) (?:\w+ )?(?:doen|nodig)\b|"
    r"\bwat is de (?:procedure|werkwijze)\b"
)


# The operations whose form answers "how do I …?" without starting (``how_to`` of
# actions/operation_forms.py): the AnswerPolicy lets such a question reach them while a summary
# waits, where any other form would replace the summary.
HOW_TO_INTENTS = frozenset(
    {"setup_direct_debit", "request_repair", "change_barrings", "deactivate_line"}
)


def asks_how(text: str) -> bool:
    """Whether the message asks how something is done ("and how would we switch to direct
    debit for future invoices?") rather than asking to do it."""
    return _HOW_TO.search(" ".join(_words(text))) is not None


def is_question(text: str) -> bool:
    """Whether the message asks for information (a side question, not a change)."""
    asked = text.rstrip().endswith("?")
    words = " ".join(_words(text if asked else _NAME_THEN_WHO.sub(r"\1", text)))
    if not asked:
        words = _CLEFT.sub(r"\1", words)
        # "…, les autres suivront quand les numéros seront actifs", "bel me wanneer het klaar
        # is": without a question mark, "when" inside a sentence joins two clauses.
        first, _, rest = words.partition(" ")
        words = f"{first} {_CONJUNCTIONS.sub('', rest)}"
    return _QUESTION.search(words) is not None or _WHERE.search(words) is not None or "où" in text


# The entities that carry a new value for one of a pending operation's own parameters (its line
# by number, its SIM, its plan, a ticket's contact number...), by operation type.
_LINE_ENTITIES = frozenset({"phone_number", "line_id"})
OWN_PARAMETERS: dict[str, frozenset[str]] = {
    "replace_sim": _LINE_ENTITIES | {"sim_type", "email", "iccid", "replacement_reason"},
    "activate_line": frozenset(
        {"sim_type", "email", "iccid", "plan", "phone_number", "number_type", "number_mode"}
    ),
    "create_ticket": frozenset({"phone_number"}),
    "deactivate_line": _LINE_ENTITIES,
    "change_plan": _LINE_ENTITIES | {"plan"},
    "change_options": _LINE_ENTITIES | {"option"},
    "change_barrings": _LINE_ENTITIES | {"barring_service"},
    "setup_direct_debit": frozenset({"iban"}),
    "request_repair": _LINE_ENTITIES | {"repair_pickup"},
}
# Operations whose line (or new line's user, or account holder) may be named by a person's name.
_NAMED_BY_USER = frozenset(
    {"replace_sim", "activate_line", "deactivate_line", "change_plan", "change_options",
     "change_barrings", "request_repair", "setup_direct_debit"}
)  # fmt: skip
# The same values typed where no entity was found: an address, a SIM type, a phone number.
_EMAIL_LIKE = re.compile(r"[\w.%+-]+@[\w-]+")  # "jan.peeters@acme" too: its check says what lacks
_SIM_WORDS = re.compile(r"\b(?:e ?sims?|physi(?:cal|que)|fysieke?)\b")
_ANY_PHONE = re.compile(r"(?<![\d+])(?:\+\s?\d{2,3}|00\s?\d{2,3}|0)(?:[\s./-]?\d){7,10}(?!\d)")
# Plan names are capitalised too ("put her on Pro Smart"): no person.
_PLAN_NAMES = re.compile(
    r"\b(?:pro ?(?:start|smart|unlimited)|data (?:only|seule)|enkel data)\b", re.IGNORECASE
)


def carries_own_value(text: str, entities: set[str], pending_type: str) -> bool:
    """Whether the message gives a value for one of ``pending_type``'s own parameters."""
    own = OWN_PARAMETERS.get(pending_type, frozenset())
    if entities & own:
        return True
    said = " ".join(_words(text))
    return (
        ("email" in own and _EMAIL_LIKE.search(text) is not None)
        or ("sim_type" in own and _SIM_WORDS.search(said) is not None)
        or ("phone_number" in own and _ANY_PHONE.search(text) is not None)
        or (pending_type in _NAMED_BY_USER and names_someone(_PLAN_NAMES.sub("", text)))
    )


def corrects_pending(text: str, entities: set[str], pending_type: str) -> bool:
    """At a summary, whether the message corrects the operation waiting for "yes": a cue of a
    change ("nee wacht", "on second thought", "I mixed them up", "zet als contact") with a
    value of that operation's own parameters ("een eSIM op ines@…", "Pro Smart", "0470 00 00 53",
    "Dries Desmet"). Then the operation is corrected and read back, whatever the classifier
    made of the message; it is never cancelled, replaced by another one, or run as it was."""
    if text.startswith("/"):
        return False
    if pending_type == "deactivate_line" and keeps_number(text):
        # "hold on, she wants to keep her number after all. Don't deactivate it then." (en-014):
        # the deactivation was prepared without keeping it, so this is a change of it, with or
        # without a cue, and whatever else the message says against the deactivation.
        return True
    if is_question(text) or calls_off(text):
        return False
    cue = is_correction(text) or sets_a_value(text) or says_no_then_more(text)
    return cue and carries_own_value(text, entities, pending_type)


# A "no" that opens a message and goes on ("ah nee, doe maar een eSIM op femke@…").
_OPENING_NOS = frozenset({"nee", "neen", "non", "no", "nope"})


def says_no_then_more(text: str) -> bool:
    """Whether the message opens with a "no" and goes on: what to do instead."""
    words = _words(text)
    while words[:1] and words[0] in FILLERS | {"hmm", "oei"}:
        words = words[1:]
    return len(words) > 1 and words[0] in _OPENING_NOS


# Words that may stand between a Dutch pronoun and its verb ("wil het graag houden"; "niet"
# then turns it).
_ADVERBS = r"(?:graag|wel|toch|zelf|prive|gewoon|liever|ook|niet)"
_SOFTENER = rf"(?:{_ADVERBS} )?"
# Whether the end user keeps the number of the line deactivated, said in a sentence ("ah si,
# elle veut garder son numéro, elle le reprend à titre privé", "hij neemt het mee", "she takes
# it with her"; "elle ne le garde pas", "mag weg", "it can go"), read on folded words.
_KEEPS = re.compile(
    # an object, then the verb: "wil zijn nummer (privé) houden", "neemt het nummer mee"
    r"\b(?:zijn|haar|het|dat|hun|z n|d r|mijn|ons|dit) (?:\w+ )?nummer (?:\w+ ){0,2}?"
    r"(?:houden|behouden|bewaren|bijhouden|meenemen|mee|overnemen|overzetten|blijft)\b"
    rf"|\b(?:het|hem|dat) {_SOFTENER}(?:houden|behouden|bewaren|meenemen|overnemen|overzetten)\b"
    r"|\b(?:houdt|behoudt|bewaart|hou|houd|behoud) (?:(?:zijn|haar|het|hun|dat|z n|d r|mijn) "
    rf"(?:\w+ )?nummer\b|(?:het|hem|dat)(?= {_ADVERBS}\b|$))"
    rf"|\b(?:neemt|nemen|neem|nam|namen) (?:het|hem|dat) {_SOFTENER}mee\b"
    # a verb, then the number: "garder son numéro", "keep her number", "take his number"
    r"|\b(?:garder|garde|gardes|gardent|gardera|conserver|conserve|conservent|conservera|"
    r"reprendre|reprend|reprennent|reprendra|recuperer|recupere|emporter|emporte|emmener|"
    r"emmene|transferer|transfere) (?:pas |plus )?(?:son|sa|le|ce|leur|mon|notre|l) (?:\w+ ){0,2}?"
    r"(?:numero|num)s?\b"
    r"|\b(?:keep|keeps|keeping|kept|retain|retains|retaining|hold on to|hang on to) (?:his|her|"
    r"their|the|that|this|my|its|our) (?:\w+ ){0,2}?(?:number|line)s?\b"
    r"|\b(?:take|takes|taking|took|bring|brings|port|ports|porting|transfer|transfers) (?:his|"
    r"her|their|the|that|this|my|its|our) (?:\w+ ){0,2}?numbers?\b"
    # a pronoun: "elle le reprend", "l'emporte", "keep it", "take it with her"
    r"|\b(?:le|l) (?:garder|garde|gardera|conserver|conserve|conservera|reprendre|reprend|"
    r"reprendra|recuperer|recupere|emporter|emporte|emmener|emmene)\b"
    r"|\b(?:keep|keeps|keeping|retain|retains) (?:it|that one|this one)\b"
    r"|\b(?:take|takes|taking|took) it (?:with|along)\b"
    r"|\b(?:numero|number) (?:est |is |will be )?(?:garde|conserve|repris|kept|stays|remains)\b"
    # using it on: "wil het nummer zelf verder gebruiken", "continuer à l'utiliser", "keep using it"
    r"|\b(?:het|hem|dat|zijn|haar|hun) (?:\w+ ){0,1}?(?:nummer )?(?:\w+ ){0,3}?(?:verder|blijven) "
    r"gebruiken\b"
    r"|\bcontinuer (?:a|d) (?:l utiliser|utiliser (?:son|sa|le|ce) (?:\w+ ){0,2}?numero)\b"
    r"|\b(?:keep|continue|carry on) (?:using|to use) (?:it|his|her|their|the|that|this)\b"
)
# "no need", "mag weg", "it can go": the number is not kept. Not "no need to deactivate it",
# "pas besoin de la couper", "hij hoeft niet afgesloten te worden": those keep it.
_NOT_KEPT = re.compile(
    r"\b(?:(?:no need|not needed|pas besoin|plus besoin|pas la peine|pas necessaire)"
    r"(?! (?:de |d |to |for |om )?(?:\w+ ){0,2}?(?:desactiv|deactiv|coup|cut|termin|resili|"
    r"stopzet|afsl|schrap|opzeg)\w*)|"
    r"(?:it|that|the number|the line|the sim) (?:can|may) go|"
    r"can be (?:deactivated|cancelled|canceled|closed|terminated|removed|cut)|"
    r"(?:doesn t|don t|won t) need (?:it|that|the number)|let it go|"
    r"n en a (?:pas|plus) besoin|peut (?:etre )?(?:supprime|desactive|coupe|resilie)e?|"
    r"peut disparaitre|"
    r"mag (?:\w+ )?(?:weg|verdwijnen|vervallen|afgesloten|stopgezet|gedeactiveerd|opgezegd)|"
    r"hoeft niet(?: meer)?$|niet nodig|(?:heeft|hebben) (?:het|hem|dat|zijn nummer|haar nummer) "
    r"niet (?:meer )?nodig)\b"
)
# Words that turn a keep around when they stand just before it or right after it ("ne veut pas
# garder", "wil zijn nummer niet houden", "doesn't keep it", "houdt het nummer niet").
_KEEP_NEGATIONS = frozenset(
    {"pas", "jamais", "sans", "niet", "nie", "ni", "geen", "nooit", "zonder", "not", "never",
     "don", "doesn",
     "won", "didn", "without", "longer"}
)  # fmt: skip
_NEGATION_REACH = 5  # words before a keep that may still turn it
# "no need to keep the number", "needn't keep it", "geen nood om het nummer te houden".
_NO_NEED = re.compile(r"\b(?:no need|needn t|no reason|geen nood|geen reden)\b")
# A clause that asks whether the number can be kept ("can she keep her number?") says nothing.
_ASKS_IF = re.compile(
    r"^(?:est ce qu|can|could|may|is it possible|kan|kunnen|mag|mogen|peut|pourrait|"
    r"est il possible)\b(?! (?:go|weg|partir))"
)
_CLAUSE = re.compile(r"[^.;!?,:]+[.;!?,:]*")


def _kept_in(clause: str) -> tuple[bool | None, bool]:
    """What one clause says: its keep phrase, turned by a negation near it (``None``: none),
    and whether it says "no need" ("mag weg", "it can go")."""
    said = " ".join(_words(clause))
    while said.split(" ", 1)[0] in FILLERS and " " in said:
        said = said.split(" ", 1)[1]
    if clause.rstrip().endswith("?") or _ASKS_IF.search(said):
        return None, False
    kept = None
    for match in _KEEPS.finditer(said):
        before = said[: match.start()].split()[-_NEGATION_REACH:]
        around = [*before, *match.group(0).split(), *said[match.end() :].split()[:1]]
        kept = not any(word in _KEEP_NEGATIONS for word in around) and not _NO_NEED.search(
            " ".join(before)
        )
    return kept, _NOT_KEPT.search(said) is not None


def keeps_number(text: str) -> bool | None:
    """``True`` when the message says the end user keeps the number, ``False`` when it says
    they do not, ``None`` when it says neither (a plain "oui", a question about it). A keep
    said in so many words, the last one, wins over a "no need" ("elle garde son numéro, la
    carte peut partir")."""
    if text.startswith("/") or ("?" in text and (is_question(text) or asks_how(text))):
        # "what would we have had to do if she'd wanted to keep her number?", "si un jour un
        # employé veut garder son numéro, on fait comment ?": asked, not said.
        return None
    read = [_kept_in(clause) for clause in _CLAUSE.findall(text)]
    keeps = [kept for kept, _ in read if kept is not None]
    if keeps:
        return keeps[-1]
    return False if any(not_kept for _, not_kept in read) else None


# Values of a shape of their own, found in any sentence: a message that carries one where a
# form asks for it answers the question, whatever intent the classifier gave it, and a value
# that proves invalid is explained by the slot's own message (nl-021: a porting SIM number read
# as ``faq_porting`` got the porting FAQ three times). The entities that carry them, and the
# shape where no entity was found.
_SERIAL = re.compile(r"(?<!\d)\d(?:[\s.\-/]?\d){12,}")  # an ICCID (19–20 digits), an IMEI (15)
_IBAN_SHAPE = re.compile(
    r"\b[A-Za-z]{2}\d{2}(?:\s?[A-Za-z0-9]){8,30}\b|\b[A-Z]{2}\s\d{2}(?:\s?[A-Z0-9]){8,30}\b"
)
_CUSTOMER_NUMBER = re.compile(
    r"(?:customer\s*(?:number|no\.?|nr\.?|id)|account\s*number|klant(?:en)?nummer|klantnr\.?|"
    r"num[ée]ro\s+(?:de\s+)?client|n°\s*(?:de\s+)?client|num\s+client)\D{0,40}\d",
    re.IGNORECASE,
)
_PHONE_VALUE = (frozenset({"phone_number"}), _ANY_PHONE)
_EMAIL_VALUE = (frozenset({"email"}), _EMAIL_LIKE)
_IBAN_VALUE = (frozenset({"iban"}), _IBAN_SHAPE)
_SIM_VALUE = (frozenset({"iccid"}), _SERIAL)
SHAPED_SLOTS: dict[str, tuple[frozenset[str], re.Pattern[str]]] = {
    "new_iccid": _SIM_VALUE,
    "current_sim_number": _SIM_VALUE,
    "repair_imei": (frozenset(), _SERIAL),
    "port_msisdn": _PHONE_VALUE,
    "ticket_contact_number": _PHONE_VALUE,
    "password_reset_gsm": _PHONE_VALUE,
    "esim_email": _EMAIL_VALUE,
    "billing_email": _EMAIL_VALUE,
    "invitation_email": _EMAIL_VALUE,
    "billing_iban": _IBAN_VALUE,
    "direct_debit_iban": _IBAN_VALUE,
    "current_customer_number": (frozenset(), _CUSTOMER_NUMBER),
}
# Yes/no slots with words of their own besides yes and no.
_WORDED_ANSWERS = {"keep_number": keeps_number}

# "mijn nummer", "sur mon portable", "this one", "le mien": the caller's own number, in words.
_OWN_NUMBER = re.compile(
    r"\b(?:mon|ma|mijn|my)\s+(?:propre\s+|eigen\s+|own\s+|usual\s+|habituel\s+)?"
    r"(?:numero|num|nummer|nr|number|gsm|gsmnummer|portable|mobile|mobiel|telephone|tel|phone|"
    r"cell|cellphone|ligne|lijn|line)\b|"
    r"\b(?:le mien|het mijne|mine|celui ci|this one|dit nummer|ce numero|this number|"
    r"(?:le )?meme numero|(?:het )?zelfde nummer|hetzelfde nummer|same number|the same one|"
    r"(?:numero|nummer|number) (?:d ou|waarmee|waar ik|i m|i am)\b.*)\b"
)
_OWN_NUMBER_MAX_WORDS = 12


def names_own_number(text: str) -> bool:
    """Whether a short answer gives the caller's own number in words ("mijn nummer", "this one,
    my mobile", "au même numéro") rather than digits; a question about it says nothing."""
    words = _words(text)
    if any(ch.isdigit() for ch in text) or not words or len(words) > _OWN_NUMBER_MAX_WORDS:
        return False
    if text.rstrip().endswith("?") and is_question(text):
        return False
    return _OWN_NUMBER.search(" ".join(words)) is not None


# Value slots that words alone may answer.
_WORDED_VALUES = {"ticket_contact_number": names_own_number}


def answers_slot(slot: str | None, text: str, entities: set[str]) -> bool:
    """Whether the message gives a value, valid or not, for the form slot just asked: a worded
    yes/no to a yes/no question ("oui, on arrête", "elle le reprend"), or a value of the slot's
    shape (an ICCID, a phone number, an e-mail, an IBAN, an IMEI, a customer number). A question
    about such a value ("which format, like 0470 12 34 56?") stays a question."""
    if not slot or text.startswith("/"):
        return False
    if slot in YES_NO_SLOTS:
        worded = _WORDED_ANSWERS.get(slot)
        return yes_or_no(text) is not None or (worded is not None and worded(text) is not None)
    if (worded_value := _WORDED_VALUES.get(slot)) is not None and worded_value(text):
        return True
    if slot not in SHAPED_SLOTS or (text.rstrip().endswith("?") and is_question(text)):
        return False
    carriers, shape = SHAPED_SLOTS[slot]
    return bool(entities & carriers) or shape.search(text) is not None
