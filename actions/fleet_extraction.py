"""Reading the fleet forms' answers out of one message: entities first, then the words.

People give several details at once ("an eSIM for jan@acme.be on Pro Smart, keep 0478 12 34 56,
professional, customer number 1234567"), or answer the question just asked in their own words.
These helpers find each value and say which slot it belongs to; validation is elsewhere
(``actions.validators``), so the functions here never judge a value, they only locate it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from rasa_sdk import Tracker

from actions.answers import is_correction
from validation import OUR_ICCID_PREFIX, fold

_CUSTOMER_LABEL = re.compile(
    r"(?:customer\s*(?:number|no\.?|nr\.?|id)|account\s*(?:number|no\.?)|klant(?:en)?nummer|"
    r"klantnr\.?|num[ée]ro\s+(?:de\s+)?client|n°\s*(?:de\s+)?client|"
    r"num\s+client)",
    re.IGNORECASE,
)
# A customer number: letters and digits with at least one digit, maybe in groups ("CUST-1234",
# "3045 1288 76"); the words between the label and it ("chez Orange est", "bij BASE:") are not.
_CUSTOMER_VALUE = re.compile(
    r"(?<![\w@.])(?=[A-Za-z0-9.\-/]*\d)[A-Za-z0-9][A-Za-z0-9.\-/]*[A-Za-z0-9]"
    r"(?:\s\d[\dA-Za-z]*)*(?![\w@])"
)
_LABEL_REACH = 50
_DIGIT_RUN = re.compile(r"[0-9][\w .\-/]*[0-9]|[0-9]")
# What people put before a name: "it's for Jan Peeters", "c'est pour…", "het is voor…".
_NAME_PREFIX = re.compile(
    r"^(?:(?:it'?s|it is|for|the user is|his name is|her name is|name is|"
    r"c'est|pour|l'utilisateur est|il s'appelle|elle s'appelle|son nom est|"
    r"het is|voor|de gebruiker is|hij heet|zij heet|ze heet|zijn naam is|haar naam is)\s+)+",
    re.IGNORECASE,
)
# Stems, so that conjugated forms count too ("il garde", "ze behoudt", "hij houdt").
_KEEP_WORDS = ("keep", "existing", "port", "garde", "conserv", "existant", "actuel", "reprendre",
               "portab", "behoud", "houd", "bestaand", "huidig", "overzet", "overdracht",
               "meenemen")  # fmt: skip
_NEW_WORDS = ("new", "nouveau", "nouvelle", "nieuw", "nieuwe")
# Word starts that mean "keep the number" in a whole request (``number_mode_in(strict=True)``).
_KEEP_STEMS = ("keep", "existing", "port", "garde", "conserv", "existant", "reprendre",
               "behoud", "houd", "bestaand", "overzet", "overdracht", "meenemen")  # fmt: skip
_NUMBER_WORDS = ("number", "numero", "nummer")
_SPLIT_WORDS = ("split bill", "split-bill", "splitbill")

_SIM_TYPES = {"physical": "physical", "physique": "physical", "fysiek": "physical",
              "fysieke": "physical", "plastic": "physical", "classique": "physical",
              "gewone": "physical", "normal": "physical", "normale": "physical"}  # fmt: skip
_NUMBER_TYPES = {"residential": "residential", "residentiel": "residential",
                 "residentielle": "residential", "residentieel": "residential",
                 "private": "residential", "prive": "residential", "particulier": "residential",
                 "privaat": "residential", "professional": "professional",
                 "professionnel": "professional", "professionnelle": "professional",
                 "professioneel": "professional", "zakelijk": "professional",
                 "zakelijke": "professional", "business": "professional",
                 "pro": "professional"}  # fmt: skip
_REASONS = {"lost": "lost", "lose": "lost", "perdu": "lost", "perdue": "lost", "verloren": "lost",
            "kwijt": "lost", "stolen": "stolen", "vole": "stolen", "volee": "stolen",
            "gestolen": "stolen", "diefstal": "stolen", "vol": "stolen", "theft": "stolen",
            "broken": "broken", "damaged": "broken", "casse": "broken", "cassee": "broken",
            "abimee": "broken", "kapot": "broken", "defect": "broken", "beschadigd": "broken",
            "werkt": "broken", "fonctionne": "broken", "work": "broken", "morte": "broken",
            "mort": "broken", "dead": "broken", "dood": "broken", "hs": "broken",
            "fichue": "broken", "reconnue": "broken", "herkend": "broken", "detected": "broken",
            "switch": "switch", "passer": "switch", "omzetten": "switch",
            "overschakelen": "switch", "overstappen": "switch", "changer": "switch",
            "swap": "switch"}  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Found:
    """An entity of the latest message, with its span (``None`` for button payloads)."""

    entity: str
    value: str
    start: int | None
    end: int | None


def found_entities(tracker: Tracker) -> list[Found]:
    """The latest message's entities; a phone number inside an ICCID or IBAN is dropped.

    The generic phone regex also matches "0300 0000" inside a spaced ICCID; the longer,
    more specific span wins.
    """
    raw: list[dict[str, Any]] = list((tracker.latest_message or {}).get("entities") or [])
    items = [
        Found(str(e.get("entity")), str(e.get("value")), e.get("start"), e.get("end"))
        for e in raw
        if e.get("value") is not None
    ]

    def inside(item: Found, other: Found) -> bool:
        if None in (item.start, item.end, other.start, other.end) or item is other:
            return False
        assert item.start is not None and item.end is not None
        assert other.start is not None and other.end is not None
        return (
            other.start <= item.start
            and item.end <= other.end
            and other.end - other.start > (item.end - item.start)
        )

    return [item for item in items if not any(inside(item, other) for other in items)]


def first(found: list[Found], entity: str) -> str | None:
    """The first value of ``entity``."""
    return next((item.value for item in found if item.entity == entity), None)


def _is_ours(serial: str) -> bool:
    return re.sub(r"\D", "", serial).startswith(OUR_ICCID_PREFIX)


def our_serial(found: list[Found], *, last: bool = False) -> str | None:
    """The first SIM serial of ours (893203…) in the message: with another operator's card
    named too, ours is the new SIM; the last one in a message that corrects itself ("8932…031…
    oei nee sorry, da was de verkeerde kaart, 't is 8932…049")."""
    ours = [i.value for i in found if i.entity == "iccid" and _is_ours(i.value)]
    return (ours[-1] if last else ours[0]) if ours else None


def other_operators_serial(found: list[Found]) -> str | None:
    """The first SIM serial that is not ours (the card at the current operator)."""
    return next((i.value for i in found if i.entity == "iccid" and not _is_ours(i.value)), None)


def words(text: str) -> list[str]:
    """Accent-free lower-case words."""
    return _WORD.findall(fold(text))


# "her new phone doesn't do eSIM", "son gsm ne prend pas l'eSIM", "die tablet ondersteunt geen
# eSIM": an eSIM named to say it is not possible (not "no problem, an eSIM").
_NO_ESIM = re.compile(
    r"\b(?:no|not|doesn t|does not|don t|do not|can t|cannot|won t|isn t|geen|niet|pas|ni|"
    r"sans|without|zonder)\b(?:\W+\w+){0,3}?\W+e ?sim\b"
)
_NO_PROBLEM = re.compile(r"\b(?:no problem|pas de (?:souci|probleme)|geen probleem)\b")


def refuses_esim(text: str) -> bool:
    """Whether the message names an eSIM only to say it cannot be one."""
    folded = _NO_PROBLEM.sub(" ", " ".join(words(text)))
    return _NO_ESIM.search(folded) is not None


def sim_type_in(value: str) -> str | None:
    """``esim`` / ``physical`` from an entity value or free words."""
    folded = fold(value)
    if re.search(r"\be-?sim", folded):
        return "esim"
    return next((_SIM_TYPES[w] for w in words(value) if w in _SIM_TYPES), None)


# Word starts for the kinds of number people name in their own words, compounds included
# ("privénummer", "numéro perso", "bedrijfsnummer", "a work number", "nen abonnement van't werk").
_NUMBER_TYPE_STEMS: tuple[tuple[str, str], ...] = (
    ("priv", "residential"), ("particul", "residential"), ("perso", "residential"),
    ("residen", "residential"), ("thuis", "residential"), ("home", "residential"),
    ("famil", "residential"), ("eigen", "residential"),
    ("profession", "professional"), ("zakelijk", "professional"), ("bedrijf", "professional"),
    ("firma", "professional"), ("societe", "professional"), ("entreprise", "professional"),
    ("company", "professional"), ("business", "professional"), ("werk", "professional"),
    ("work", "professional"), ("boulot", "professional"), ("travail", "professional"),
    ("kantoor", "professional"), ("office", "professional"), ("corporate", "professional"),
)  # fmt: skip


def number_type_in(value: str) -> str | None:
    """``residential`` / ``professional``, from a code, a word or the start of a compound."""
    if value in ("residential", "professional"):
        return value
    found = words(value)
    said = [
        _NUMBER_TYPES.get(word)
        or next((kind for stem, kind in _NUMBER_TYPE_STEMS if word.startswith(stem)), None)
        for word in found
    ]
    kinds = [kind for kind in said if kind]
    if kinds and is_correction(value):
        # "professionnel je pense… ah non attendez, c'était privé, donc résidentiel": the
        # last kind said is the answer.
        return kinds[-1]
    if exact := next((_NUMBER_TYPES[w] for w in found if w in _NUMBER_TYPES), None):
        return exact
    return kinds[0] if len(set(kinds)) == 1 else None


# Word starts for the reasons, compounds and conjugations included ("kwijtgeraakt", "gejat",
# "il l'a perdue", "cracked"); any other reason (a new phone, "autre") is a switch of SIM.
_REASON_STEMS: tuple[tuple[str, str], ...] = (
    ("perd", "lost"), ("kwijt", "lost"), ("verlor", "lost"), ("lost", "lost"),
    ("misplac", "lost"), ("egare", "lost"),
    ("stol", "stolen"), ("steal", "stolen"), ("gestol", "stolen"),
    ("gejat", "stolen"), ("gepikt", "stolen"), ("robb", "stolen"), ("derob", "stolen"),
    ("vole", "stolen"), ("snatch", "stolen"), ("ontvreemd", "stolen"), ("beroof", "stolen"),
    ("cass", "broken"), ("kapot", "broken"), ("brok", "broken"), ("crack", "broken"),
    ("fissur", "broken"), ("barst", "broken"), ("defect", "broken"), ("defectu", "broken"),
    ("abim", "broken"), ("damag", "broken"), ("beschadig", "broken"), ("stuk", "broken"),
    ("gebrok", "broken"), ("gebarst", "broken"), ("bris", "broken"), ("endommag", "broken"),
    ("deterior", "broken"), ("faulty", "broken"),
    ("autre", "switch"), ("other", "switch"), ("ander", "switch"), ("nouveau", "switch"),
    ("nouvel", "switch"), ("nieuw", "switch"), ("new", "switch"), ("chang", "switch"),
)  # fmt: skip


# A card that stopped working, said in a few words rather than one ("doet het niet meer",
# "geen bereik", "ne marche plus", "plus de réseau", "stopped working", "no signal"); read on
# the accent-free words, so "doesn't" is "doesn t".
_SIGNAL = (
    r"(?:service|signal|signaal|bereik|netwerk|network|reseau|reception|ontvangst|connexion|"
    r"connection|verbinding|connectie)"
)
_NOT_WORKING = re.compile(
    r"\b(?:doet (?:het |t )?(?:niet|nie|niks|niets|nix)|werkt (?:\w+ )?(?:niet|nie|niks)|"
    rf"(?:geen|no|zonder|without|sans|aucun|aucune|plus|pas) (?:de |d |du |meer )?{_SIGNAL}|"
    r"(?:marche|fonctionne|capte) (?:plus|pas|rien)|hors service|"
    r"(?:not|t|stopped|no longer|never) work(?:s|ing|ed)?|"
    r"(?:not|no longer|niet|pas|plus) (?:\w+ )?(?:recogni[sz]ed|detected|herkend|reconnue?)|"
    r"died)\b"
)

_DENIALS = frozenset({"not", "niet", "pas", "non", "never", "nooit", "jamais"})


def replacement_reason_in(value: str) -> str | None:
    """``lost`` / ``stolen`` / ``broken`` / ``switch``."""
    if value in ("lost", "stolen", "broken", "switch"):
        return value
    said = words(value)
    # "niet gestolen maar kapot", "not lost, stolen": a denied reason is none.
    found = [w for i, w in enumerate(said) if i == 0 or said[i - 1] not in _DENIALS]
    exact = [_REASONS[w] for w in found if w in _REASONS]
    if _NOT_WORKING.search(" ".join(said)):
        exact.append("broken")
    stems = [reason for word in found for stem, reason in _REASON_STEMS if word.startswith(stem)]
    # What happened to the card wins over the wish that comes with it ("the SIM is dead, can we
    # switch to an eSIM?" is a broken card: the fee and the blocking depend on it).
    for reasons in (exact, stems):
        if happened := next((reason for reason in reasons if reason != "switch"), None):
            return happened
    return next(iter(exact + stems), None)


def number_mode_in(value: str, *, strict: bool = False) -> str | None:
    """``new`` (a new number) or ``port`` (keep an existing one).

    ``strict`` reads a whole request rather than the answer to "new or existing number?":
    "a new SIM card" / "une nouvelle carte SIM" says nothing about the number, and "portable"
    or "support" are no porting; only "new number" / "nouveau numéro" / "nieuw nummer" count.
    """
    if value in ("new", "port"):
        return value
    folded = fold(value)
    found = words(value)
    if strict:
        if any(word.startswith(_KEEP_STEMS) and not word.startswith("portabl") for word in found):
            return "port"
        pairs = pairwise(found)
        if any(a in _NEW_WORDS and b.startswith(_NUMBER_WORDS) for a, b in pairs):
            return "new"
        return None
    if any(word in folded for word in _KEEP_WORDS):
        return "port"
    if any(word in found for word in _NEW_WORDS):
        return "new"
    return None


# A negation up to three words before "split bill": "without split bill", "sans split bill",
# "zonder split bill", "no split bill", "pas de split bill", "geen split bill nodig", and in
# Flemish "gene split bill", "genen split bill", "nie met split bill".
_NEGATED_SPLIT = re.compile(
    r"\b(?:without|no|not|sans|pas|aucun|zonder|geen|gene|genen|niet|nie|ni|nee|non)\b"
    r"(?:\W+\w+){0,3}?\W+split"
)


# Dropping it: "laat die split bill maar vallen", "forget the split bill", "oublie le split
# bill", "laisse tomber le split bill", "drop/skip the split bill", "split bill mag weg".
_DROPPED_SPLIT = re.compile(
    r"\b(?:forget|drop|skip|cancel|oublie[zr]?|laisse[zr]? tomber|annule[zr]?|vergeet|schrap)\b"
    r"(?:\W+\w+){0,3}?\W+split|"
    r"split\W+bill\b(?:\W+\w+){0,3}?\W+(?:vallen|weg|niet meer|plus besoin|no longer)\b"
)


def split_bill_in(text: str) -> bool | None:
    """``True`` for "with split bill", ``False`` for "without split bill" (or for dropping it),
    else ``None``."""
    folded = fold(text)
    if not any(word in folded for word in _SPLIT_WORDS):
        return None
    return _NEGATED_SPLIT.search(folded) is None and _DROPPED_SPLIT.search(folded) is None


def customer_number_in(text: str, *, labelled: bool = True) -> str | None:
    """The value after "customer number" / "klantnummer" / "numéro de client" ("le numéro
    client chez Orange est 3045128876"); with ``labelled=False`` (the question was just asked)
    the first value with a digit anywhere in the message."""
    label = _CUSTOMER_LABEL.search(text)
    if label is None and labelled:
        return None
    # A few words after the label at most: further on, a number is something else.
    start = label.end() if label else 0
    match = _CUSTOMER_VALUE.search(text[: start + _LABEL_REACH] if labelled else text, start)
    return match.group(0).strip() if match else None


def digits_part(text: str) -> str:
    """From the first to the last digit ("the serial is 8932 0300…" → "8932 0300…")."""
    match = _DIGIT_RUN.search(text)
    return match.group(0) if match else text.strip()


# A new user named in an opening: "le numéro de Nicolas Dupont qui arrive chez nous", "a line
# for our new colleague Sara Peeters", "voor Pieter Van den Broeck". First and last name, both
# capitalised, after a word that introduces a person; never a plan, device or operator name.
_NAME_CUE = (
    r"(?:pour|for|voor|de|d'|van|of|collegue|colleague|collega|employee|employe|employee|"
    r"medewerker|werknemer|named|nomme|nommee|genaamd|heet|s'appelle|appelle|called)"
)
_NAME_WORD = r"[A-ZÀ-Ý][a-zà-ÿ'’-]+"
_PARTICLE = r"(?:(?:van|de|der|den|le|la|du|des|von|ten|ter)\s+)"
# A title before the name is no part of it ("for Ms Chloé Van Damme", "pour M. Karim El Amrani").
_TITLE = r"(?:(?:Ms|Mr|Mrs|Miss|Mme|Mlle|Madame|Monsieur|M|Mevrouw|Mevr|Meneer|Dhr)\.?\s+)?"
_OPENING_NAME = re.compile(
    rf"(?i:\b{_NAME_CUE})\s+{_TITLE}"
    rf"(?P<name>{_NAME_WORD}(?:\s+{_PARTICLE}*{_NAME_WORD}){{1,3}})"
)
_NOT_NAMES = frozenset(
    {"pro", "smart", "start", "unlimited", "data", "only", "esim", "sim", "apple", "iphone",
     "samsung", "galaxy", "google", "pixel", "fairphone", "nokia", "crosscall", "proximus",
     "orange", "telenet", "base", "mobile", "vikings", "scarlet", "europe", "world", "roaming",
     "multi", "acme", "logistics", "brugge", "bouw", "business"}
)  # fmt: skip


def name_in_opening(text: str) -> str | None:
    """The new user's first and last name written in a request, or ``None``."""
    for match in _OPENING_NAME.finditer(text):
        # "for Jan Peeters Pro Smart": the name ends where a plan, device or operator begins.
        kept: list[str] = []
        for word in match.group("name").split():
            if fold(word) in _NOT_NAMES:
                break
            kept.append(word)
        if len(kept) >= 2:
            return " ".join(kept)
    return None


# A full name anywhere ("Glenn Hendrickx"), a first name after "but/rather/it's" ("ni Gert maar
# Glenn", "pas Lucas mais Louis", "it's Glenn, not Gert"), and what negates a name before it.
_FULL_NAME = re.compile(rf"\b{_NAME_WORD}(?:\s+{_PARTICLE}*{_NAME_WORD}){{1,2}}")
_FIRST_NAME_CUE = re.compile(
    rf"(?i:\b(?:maar|mais|but|plutot|plutôt|liever|rather|instead|c'est|c’est|'t is|het is|"
    rf"it's|it is|it’s|wel|bien))\s+(?P<name>{_NAME_WORD})\b"
)
_NEGATION_BEFORE = re.compile(r"(?i:\b(?:ni|nie|niet|pas|not|no|geen|non)\s+)$")


def corrected_person_name(text: str, current: str) -> str | None:
    """The new user's name in a correction of ``current`` ("Oei nee, 't is ni Gert maar Glenn,
    Glenn Hendrickx", "pas Lucas mais Louis": Louis + the last name kept), or ``None``."""

    def negated(start: int) -> bool:
        return _NEGATION_BEFORE.search(text[:start]) is not None

    known = fold(current)
    full = [
        match.group(0)
        for match in _FULL_NAME.finditer(text)
        if not negated(match.start())
        and fold(match.group(0)) != known
        and not any(fold(word) in _NOT_NAMES for word in match.group(0).split())
    ]
    if full:
        return full[-1]
    firsts = [
        match.group("name")
        for match in _FIRST_NAME_CUE.finditer(text)
        if fold(match.group("name")) not in _NOT_NAMES
    ]
    parts = current.split()
    if firsts and len(parts) > 1 and fold(firsts[-1]) != fold(parts[0]):
        return " ".join([firsts[-1], *parts[1:]])
    return None


def person_name(text: str) -> str:
    """The name in "it's for Jan Peeters" / "c'est pour Marie" / "het is voor Lotte"."""
    return _NAME_PREFIX.sub("", text.strip()).strip(" .!")
