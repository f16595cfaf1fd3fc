"""Helpdesk tickets: open one (subject, description, contact number → summary → "yes"), read the
status of one or list the open ones, add a comment.

The manual asks people to "décrivez le problème de manière aussi détaillée que possible": a
description under 30 characters (the backend's own limit) is re-asked with that advice. A new
ticket is read back before it is created, like an operation; since ``POST /tickets`` is not a
two-step operation, the pending id is local (``ticket:new:<key>``) and "yes" creates the ticket
with that same key as Idempotency-Key, so a retried "yes" replays instead of opening two.
"""

from __future__ import annotations

import logging
import re
from typing import Any, NamedTuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.access import RESET_FORM, mentions_password
from actions.answers import (
    asks_for_person,
    is_correction,
    is_explicit_stop,
    is_question,
    names_own_number,
)
from actions.api.backend import (
    BackendClient,
    BackendError,
    ChatIdentity,
    InvalidRequestError,
    Line,
    NotFoundError,
    TicketDetail,
    TicketSubject,
)
from actions.common import (
    RESPONSE_PREFIX,
    BackendAction,
    conversation_language,
    entity_values,
    idempotency_key,
    latest_intent,
    latest_text,
    require_identity,
)
from actions.formatting import format_day
from actions.operation_forms import (
    HARD_INTERRUPTIONS,
    MAX_FAILED_ATTEMPTS,
    OperationFormValidation,
    is_interruption,
)
from actions.operations import (
    FAILED_ATTEMPTS_SLOT,
    PENDING_ID_SLOT,
    PENDING_TYPE_SLOT,
    START_PREFIX,
    clear_pending,
    form_slot_resets,
    register_local_confirm,
    utter_backend_error,
)
from validation import InvalidValue, check_phone_number, display_format, fold

logger = logging.getLogger(__name__)

SUBJECT_SLOT = "ticket_subject"
DESCRIPTION_SLOT = "ticket_description"
CONTACT_SLOT = "ticket_contact_number"
REFERENCE_SLOT = "ticket_reference"
COMMENT_SLOT = "ticket_comment"
FOLLOWUP_SLOT = "ticket_followup_comment"
FOLLOWUP_WANTED_SLOT = "ticket_followup_wanted"
MIN_DESCRIPTION_LENGTH = 30
TICKET_FORM = "ticket_form"
COMMENT_FORM = "ticket_comment_form"
# An opening this long describes the problem, beyond "I'd like to open a ticket".
OPENING_DESCRIPTION = 80
NEW_TICKET_PREFIX = "ticket:new:"
NEW_TICKET_TYPE = "create_ticket"
# Open tickets offered as buttons for "which ticket?" (newest first).
MAX_TICKET_BUTTONS = 6
TICKET_STATUSES = ("open", "in_progress", "closed")
_TICKET_NUMBER = re.compile(r"\bT-?(\d{4})-?(\d{1,6})\b", re.IGNORECASE)


# Digits the way phone numbers are typed: "03 123 45 67", "+32 470 12.34.56".
_PHONE_LIKE = re.compile(r"\+?\d(?:[\s./-]?\d){7,}")


def _is_phone_number(text: str) -> bool:
    try:
        check_phone_number(text)
    except InvalidValue:
        return False
    return True


# What presents a number as the one support should call ("call me back on", "rappelez-moi au",
# "contact via mij op", "bereikbaar op", "mon numéro :"...). Any other number in the message is
# what the ticket is about (a line being ported, a colleague's GSM without coverage) and never
# the contact. The cue must come just before the number (a few filler words, no other number in
# between); a bare "bereik"/"reach" is left out: "geen bereik op 0470…" is about that line.
_CONTACT_BEFORE = re.compile(
    r"(?:\b(?:call|ring|phone|text|reach|contact|get\s+back\s+to|get\s+hold\s+of)\s+(?:me|us)\b"
    r"|\bget\s+(?:me|us)\s+(?:on|at)\b|\bcall\s*back\b|\breachable\b|\bbe\s+reached\b"
    r"|\b(?:re)?contact\w*"
    r"|\b(?:my|mon|mijn|m'n)\s+(?:own\s+|propre\s+|eigen\s+)?"
    r"(?:gsm|mobile|portable|phone|telephone)\s*(?:is|est|:)"
    r"|\btel\s*[.:]|\b(?:phone|telefoon)\s*:"
    r"|\brappel\w*|\bm'appel\w*|\bappel\w*[\s-]+moi\b|\bjoign\w*|\bjoindre\b"
    r"|\bbel\s+(?:me|mij)\b|\bterug\s*(?:te\s+)?bel\w*|\b(?:me|mij)\s+(?:terug\s*)?bellen\b"
    r"|\bbereik(?:baar|en)\b)"
    r"[^0-9]{0,25}$"
)
# "mon numéro 0470…", "mijn gsm-nummer is de 0470…", "mon num 0470…": right before the number,
# since "c'est mon numéro, le souci est sur le 0475…" names the other one.
_OWN_NUMBER_BEFORE = re.compile(
    r"\b(?:my|mon|mijn|m'n)\s+(?:(?:own|propre|eigen|perso|personal|direct|work|gsm|mobile|cell)"
    r"[\s-]+)?(?:\w*nummer|numero|number|num|nr)\b[\s:=(-]*"
    r"(?:(?:is|est|c'est|c\s+est|dat\s+is|that's)\s+)?(?:(?:le|het|de|the)\s+)?$"
)
# "n'est plus joignable sur le 0475…", "is not reachable on…": that line is the problem.
_NEGATED = re.compile(r"\b(?:pas|plus|jamais|not|never|no\s+longer|niet|nie|nooit|meer)\s*$")
# …or just after it: "0470 00 00 01 (mon numéro)", "…, that's my number", "om me te bereiken",
# "… als contact".
_CONTACT_AFTER = re.compile(
    r"^\W{0,4}(?:(?:is|est|c'est|that's|thats|dat\s+is)\s+)?"
    r"(?:(?:my|mon|mijn|m'n)\s+(?:own\s+|propre\s+|eigen\s+)?"
    r"(?:contact\w*|number|numero|nummer|gsm|mobile|portable)\b"
    r"|(?:pour|to|om)\s+(?:me|mij)\s+(?:te\s+)?"
    r"(?:joindre|rappeler|contacter|reach|call|bereiken|bellen|contacteren|terug)"
    r"|(?:pour|for|voor|als|comme|as)\s+(?:le\s+|het\s+|the\s+|a\s+)?"
    r"(?:contact|callback|rappel|terugbellen)\w*\b)"
)


def _number_spans(text: str, numbers: list[str]) -> list[tuple[int, int, str]]:
    """``(start, end, e164)`` of each valid number, in the order of the text.

    Entities are substrings of the text (the regex extractor); one not found in it (a button
    payload) gets the span ``(-1, -1)``: it counts, but takes no cue.
    """
    spans: list[tuple[int, int, str]] = []
    for raw in dict.fromkeys(numbers):  # two extractors may give the same number
        try:
            number = check_phone_number(raw)
        except InvalidValue:
            continue
        start = text.find(raw)
        spans.append((start, start + len(raw), number) if start >= 0 else (-1, -1, number))
    return sorted(spans)


def _cued_before(window: str) -> bool:
    cue = _CONTACT_BEFORE.search(window) or _OWN_NUMBER_BEFORE.search(window)
    return cue is not None and _NEGATED.search(window[: cue.start()]) is None


def _marked_contacts(text: str, spans: list[tuple[int, int, str]]) -> list[str]:
    """The numbers the words present as the contact, in the order of the text."""
    located = [span for span in spans if span[0] >= 0]
    ends = [0, *(end for _, end, _ in located)]
    starts = [start for start, _, _ in located] + [len(text)]
    before = [
        number
        for index, (start, _, number) in enumerate(located)
        if _cued_before(fold(text[max(ends[index], start - 60) : start]))
    ]
    after = [
        number
        for index, (_, end, number) in enumerate(located)
        if _CONTACT_AFTER.search(fold(text[end : starts[index + 1]]))
    ]
    return before or after


def contact_number_in(text: str, numbers: list[str], asked: bool = True) -> tuple[str | None, bool]:
    """``(contact number, ambiguous)`` read from a message and its ``phone_number`` entities.

    The number the words present as the contact ("rappelez-moi au …") is the contact. When the
    contact number is what was ``asked``, one number alone is the contact too, and several
    with none marked are ambiguous (the form asks rather than guessing which is the line the
    ticket is about and which is the caller's). Elsewhere (an opening, a description) a number
    without such words is what the ticket is about: the contact question is asked.
    """
    spans = _number_spans(text, numbers)
    distinct = list(dict.fromkeys(number for _, _, number in spans))
    marked = _marked_contacts(text, spans)
    if marked:
        return marked[0], False
    if not asked or not distinct:
        return None, False
    return (distinct[0], False) if len(distinct) == 1 else (None, True)


_LATEST_WORDS = re.compile(
    r"\b(?:just|last|latest|recent|newest|new|created|dernier|derniere|recent|vient|viens|"
    r"nouveau|nouvel|cree|net|laatste|recentste|zonet|daarnet|juist|nieuwe|aangemaakt)\b"
)


def mentions_latest(text: str) -> bool:
    """Whether the text points to the newest ticket ("the one you just created")."""
    return _LATEST_WORDS.search(fold(text)) is not None


# "…, then add a comment that he restarted twice", "et une fois créé, ajoute en commentaire
# que…", "voeg daarna als opmerking toe dat…": a second request, for once the ticket exists.
# A sequencing word, an adding verb and what marks a comment (the word comment/note, "that",
# "to it") must all be there, so "…and then I have to add the lines by hand" stays whole.
_SEQUENCE = (
    r"(?:then|after\s+that|afterwards|after|later|once\s+(?:it\s+is|it's|its|created|done|open(?:ed)?)"
    r"|ensuite|puis|apres(?:\s+ca|\s+cela)?|une\s+fois\s+(?:le\s+ticket\s+)?(?:cree|ouvert|fait)"
    r"|plus\s+tard|ulterieurement|daarna|vervolgens|nadien|achteraf|straks|dan)"
)
_ADD = (
    r"(?:add|put|write|leave|r?ajout\w*|complet\w*|met[st]?|mettre|ecri\w*|laiss\w*"
    r"|(?:toe|bij)?voeg\w*|(?:bij)?zet\w*|(?:bij)?schrij[fv]\w*)"
)
_FOLLOWUP = re.compile(
    rf"[\s,.;!-]*\b(?P<head>(?:and\s+|et\s+|en\s+)?(?:{_SEQUENCE}\b[^.;!?]{{0,40}}?\b{_ADD}"
    rf"|{_ADD}\b[^.;!?]{{0,30}}?\b{_SEQUENCE}))\b(?P<rest>.*)$",
    re.DOTALL,
)
_COMMENT_NOUNS = (
    r"comment(?:aire)?s?|notes?|remarques?|opmerking(?:en)?|commentaar|notitie|bericht"
    r"|precisions?|infos?|informations?|informatie|details?|complements?|aanvulling(?:en)?"
    r"|toelichting"
)
_COMMENT_LEAD = re.compile(
    r"\s*(?P<it>-?y\b|-?lui\b|to\s+it\b|on\s+it\b|er\b)?"
    r"(?:\s*(?:svp|stp|pls|please|aub|also|aussi|ook|nog|even|dan)\b)*"
    r"(?:\s*(?:the\s+following|de\s+volgende|het\s+volgende|en|as|a|an|un|une|the|le|la|als"
    r"|een|comme|this|these|ce|cet|cette|ces|deze|dit|volgende)\b)?"
    r"(?:\s*(?:petite?|small|short|quick|kleine?|korte?|extra)\b)?"
    rf"\s*(?P<noun>{_COMMENT_NOUNS})?"
    r"(?:\s*(?:suivante?|following)\b)?"
    r"(?:\s*(?:toe|bij|aan|to\s+it|on\s+it|dessus|dedans|au\s+ticket|a\s+ce\s+ticket"
    r"|to\s+(?:the|this)\s+ticket|aan\s+(?:het|dit)\s+ticket)\b)?"
    r"\s*[:,]?\s*(?P<that>that\b|que\b|qu'|dat\b|:)?\s*"
)
# What a comment announced for later is called when its text is not given yet ("une précision",
# "iets", "a few words")...
_ANNOUNCED = re.compile(
    rf"\b(?:{_COMMENT_NOUNS}|iets|something|anything|quelque\s+chose|qqch|un\s+mot|a\s+few\s+words)\b"
)
# ...and the words around it that say nothing about the problem: "et après faut que j'ajoute
# une précision dedans", "ik zou er ook nog iets aan willen toevoegen achteraf", "and then I'd
# like to add a comment to it".
_FRAME_WORDS = frozenset(
    {
        # fr
        "je", "j", "ai", "aurai", "vais", "voudrais", "voudrai", "aimerais", "veux", "dois",
        "devrai", "faut", "faudra", "que", "qu", "il", "y", "en", "encore", "aussi", "ensuite",
        "apres", "puis", "plus", "tard", "et", "alors", "bien", "un", "une", "des", "du", "de", "d",
        "le", "la", "les", "l", "au", "aux", "ce", "cet", "cette", "petit", "petite", "petits",
        "petites", "quelques", "quelque", "chose", "mot", "mots", "svp", "stp", "merci", "dedans",
        "dessus", "vous", "me", "m", "moi",
        # nl
        "ik", "wij", "u", "zou", "zal", "wil", "wilde", "willen", "moet", "moeten", "ga", "gaan",
        "kan", "kunnen", "graag", "er", "erbij", "eraan", "aan", "bij", "toe", "nog", "ook", "even",
        "wat", "meer", "extra", "een", "het", "dat", "dan", "daarna", "achteraf", "nadien", "later",
        "straks", "aub", "alstublieft", "bedankt", "kleine", "korte",
        # en
        "i", "ll", "we", "would", "will", "want", "wanna", "like", "to", "need", "have", "must",
        "also", "then", "after", "afterwards", "some", "more", "a", "an", "the", "it", "this",
        "that", "on", "in", "please", "pls", "thanks", "small", "quick", "short", "little", "few",
        "words", "ticket",
    }
)  # fmt: skip
# Where the clause announcing the comment starts: a sentence or clause end, or "and".
_CLAUSE_BREAK = re.compile(
    r"[.!?;,:\n]|\b(?:and|et|but|mais|maar)\b"
    r"|\ben\b(?=\s+(?:ik|we|wij|dan|daarna|achteraf|nadien|nog|graag|later)\b)"
)


class FollowupSplit(NamedTuple):
    """An opening or description read for a comment to add once the ticket exists."""

    description: str
    comment: str | None = None
    #: A comment announced for later without its text ("and then I'd like to add a comment").
    wanted: bool = False


def _says_nothing(folded: str) -> bool:
    """Whether the words only frame a comment ("une précision dedans"), without its text."""
    return all(
        word in _FRAME_WORDS or _ANNOUNCED.fullmatch(word) or re.fullmatch(_ADD, word)
        for word in re.findall(r"[a-z0-9]+", folded)
    )


def _clause_start(folded: str, followup: re.Match[str]) -> int:
    """Where the request for a comment starts: its whole clause when the words before the
    sequencing or adding word only frame it ("… openen? Ik zou er ook nog iets aan willen
    toevoegen"), else the sequencing word itself ("open a ticket then add …")."""
    head = followup.start("head")
    breaks = list(_CLAUSE_BREAK.finditer(folded, 0, head))
    if not breaks or not _says_nothing(folded[breaks[-1].end() : head]):
        return followup.start()
    last = breaks[-1]
    return last.end() if last.group() in "?!" else last.start()


def split_followup_comment(text: str) -> FollowupSplit:
    """The description and the comment to add once the ticket exists (or the wish to add one).

    Without either, the description is the whole ``text``; with too little left to describe
    the problem, too (the announced comment is still ``wanted``).
    """
    # Matched on the folded text; ``origin`` maps each folded character back to ``text``
    # (folding "œ" or "ﬁ" gives two characters for one).
    folded, origin = "", []
    for index, char in enumerate(text):
        piece = fold(char)
        folded += piece
        origin += [index] * len(piece)
    origin.append(len(text))
    match = _FOLLOWUP.search(folded)
    if match is None:
        return FollowupSplit(text)
    lead = _COMMENT_LEAD.match(folded, match.start("rest"))
    if lead is None:
        return FollowupSplit(text)
    cut = _clause_start(folded, match)
    before = text[: origin[cut]].strip(" ,;:-")
    marked = lead.group("it") or lead.group("noun") or lead.group("that")
    said = re.split(r"[.!?\n]", folded[lead.end() :], maxsplit=1)[0]
    if not _says_nothing(said):
        comment = text[origin[lead.end()] :].strip(" .")
        if not marked or len(before) < MIN_DESCRIPTION_LENGTH:
            return FollowupSplit(text)
        return FollowupSplit(before, comment[0].upper() + comment[1:])
    if not (lead.group("it") or _ANNOUNCED.search(folded[cut : lead.end() + len(said)])):
        return FollowupSplit(text)
    # The announcement is no description; what follows its sentence may be ("… Le souci a
    # commencé lundi.").
    after = text[origin[lead.end() + len(said)] :]
    description = before if _says_nothing(fold(after)) else before + after
    if len(description) < MIN_DESCRIPTION_LENGTH:
        description = text
    return FollowupSplit(description, wanted=True)


_OPEN_TICKET = re.compile(
    r"\b(?P<verb>open|create|log|raise|file|ouvr\w*|cre\w*|fais|faire|maak|open\w*|aanmak\w*|"
    r"aan\s+te\s+maken|start\w*)\b[^.;!?]{0,30}?\bticket\b"
    r"|\b(?:un|a|an|een|nouveau|new|nieuw)\s+ticket\b(?![^.;!?]{0,20}\bT-?\d)"
)
# A ticket that already exists asks for no new one: "j'ai ouvert un ticket hier", "I opened a
# ticket last week", "on a déjà créé un ticket", "ik heb een ticket lopen" (but "can I have a
# ticket?", "ik heb een ticket nodig" ask for one).
_PAST = re.compile(r"opened|created|logged|raised|filed|started")
_HAS_BEFORE = re.compile(
    r"(?:\b(?:ai|as|a|avons|avez|ont|heb|hebt|heeft|hebben|hadden|geopend|aangemaakt"
    r"|ingediend|ouverte?s?|creee?s?|opened|created|logged|raised|filed|submitted)"
    r"|(?<!can\s)(?<!could\s)(?<!may\s)(?<!would\s)\b(?:i|we|you|they|he|she)\s+"
    r"(?:already\s+|still\s+)?(?:have|has|had|got))"
    r"\s+(?:(?:deja|already|al|nog|still|toujours|encore|eerder|hier|yesterday|gisteren)\s+)*$"
)
_NEEDED_AFTER = re.compile(r"\s+(?:\w+\s+)?nodig\b")


def opens_a_ticket(text: str) -> bool:
    """Whether the message asks for a new ticket ("can you open a ticket", "graag een ticket")."""
    folded = fold(text)
    for match in _OPEN_TICKET.finditer(folded):
        verb = match.group("verb")
        if verb is not None and _PAST.fullmatch(verb):
            continue
        had = _HAS_BEFORE.search(folded[: match.start()]) is not None
        if not had or _NEEDED_AFTER.match(folded, match.end()):
            return True
    return False


def ticket_handover(tracker: Tracker) -> list[EventType]:
    """The ticket form when a message outside any form asks for a ticket in so many words,
    whatever else it was read as ("ma facture me paraît trop élevée, je peux ouvrir un ticket
    ?" as the invoice's explanation, "can you open a ticket about this porting?" as its how-to):
    the form reads the same message (subject, description, contact). Else nothing."""
    if tracker.active_loop.get("name") or not opens_a_ticket(latest_text(tracker)):
        return []
    return [FollowupAction(TICKET_FORM)]


def find_ticket_number(text: str) -> str | None:
    """``T-2026-000012`` from "T-2026-12", "t2026-000012"...; ``None`` if absent."""
    match = _TICKET_NUMBER.search(text)
    if not match:
        return None
    return f"T-{match.group(1)}-{int(match.group(2)):06d}"


def match_subject(text: str, subjects: list[TicketSubject]) -> TicketSubject | None:
    """The one subject whose code or a name appears in ``text`` (any language)."""
    folded = f" {' '.join(re.findall(r'[a-z0-9]+', fold(text)))} "

    def named(name: str) -> bool:
        # Whole words only: "another ticket" is not the subject "other".
        words = " ".join(re.findall(r"[a-z0-9]+", fold(name)))
        return bool(words) and f" {words} " in folded

    found = [
        subject
        for subject in subjects
        if named(subject.code.replace("_", " "))
        or any(named(name) for name in subject.names.values() if name)
    ]
    return found[0] if len(found) == 1 else None


# Word starts that point to a subject when people describe the problem instead of naming the
# subject ("couverture réseau", "geen bereik in het magazijn", "the invoice is wrong").
_SUBJECT_STEMS: dict[str, tuple[str, ...]] = {
    "prepaid_conversion": ("prepaid", "prepay", "herlaadba", "carte prepay"),
    "sim_or_esim": ("sim", "esim", "simkaart", "qr"),
    "porting": ("portage", "porting", "portab", "overdracht", "overzet", "nummerbehoud",
                "transfert"),
    "network_coverage": ("reseau", "couverture", "signal", "network", "coverage", "netwerk",
                         "bereik", "dekking", "ontvangst", "4g", "5g", "connexion", "connection",
                         "verbinding", "internet", "data", "donnee", "surf", "mobiele"),
    "billing": ("factur", "factuu", "billing", "invoice", "bill", "rekening", "betaling",
                "paiement", "payment", "domicili", "montant", "bedrag", "charged", "aangerekend"),
    "plans_and_options": ("plan", "abonnement", "option", "optie", "tarif", "forfait", "bundel",
                          "subscription", "roaming"),
    "device_or_repair": ("appareil", "telephone", "reparation", "repair", "herstel", "toestel",
                         "scherm", "ecran", "screen", "batter", "device", "phone", "smartphone"),
    "other": ("autre", "other", "ander"),
}  # fmt: skip


_NUMBERS = r"(?:numeros?|nummers?|numbers?)"
# Phrases whose words alone point elsewhere, read as one word of their subject: numbers "chez un
# autre operateur" are being ported (not "other"), "extra data-opties" are options (not the
# network).
_SUBJECT_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\b(?:autres?|other|another|andere?|ancien|old|oude|vorige|previous|former|current"
            r"|actuel|huidige)\s+(?:operat\w*|provider\w*|fournisseur\w*|aanbieder\w*|carrier\w*)"
            rf"|\b(?:transfer\w*|move|moving|bring|port|porter|overbreng\w*|reprendre)\b"
            rf"[^.;!?]{{0,40}}?\b{_NUMBERS}\b"
            rf"|\b{_NUMBERS}\b[^.;!?]{{0,40}}?\b(?:transfer\w*|overzet\w*|overbreng\w*|meenem\w*"
            r"|mee\s+te\s+nemen)"
        ),
        "porting",
    ),
    (
        re.compile(
            r"\b(?:extra|more|meer|plus\s+de|supplementaires?|additional)\s+data\b"
            r"|\bopti\w*\s+(?:de\s+|d'|van\s+|for\s+)?data\b"
            r"|\bdata[\s-]*(?:opti\w*|bundel\w*|bundle\w*|pack\w*|boost\w*|pakket\w*|volume\w*"
            r"|forfait\w*|tegoed\w*|allowance\w*)"
        ),
        "option",
    ),
)


def subject_from_words(text: str) -> str | None:
    """The subject most of the words point to (``None`` on a tie or no clue)."""
    folded = fold(text)
    for phrase, word in _SUBJECT_PHRASES:
        folded = phrase.sub(f" {word} ", folded)
    tokens = re.findall(r"[a-z0-9]+", folded)
    hits = {
        code: sum(any(token.startswith(stem) for stem in stems) for token in tokens)
        for code, stems in _SUBJECT_STEMS.items()
    }
    ranked = sorted(hits.items(), key=lambda item: item[1], reverse=True)
    best, second = ranked[0], ranked[1]
    return best[0] if best[1] > 0 and best[1] > second[1] else None


# A reference people give for a ticket that is not a T-number ("ticket TCK-48213", "ticket 4711",
# "#4711"): named, so it is looked up and, when it is not one of theirs, said so.
_LOOSE_REFERENCE = re.compile(
    r"(?:\b(?:ticket(?:nummer|nr)?|ref(?:erence|erentie)?)\b\.?\s*"
    r"(?:(?:n°|(?:no|nr|number|nummer|numero)\b)\.?\s*)?[:#]?\s*|#\s*)"
    r"(?P<ref>[a-z]{0,6}-?\d[\w-]*)"
)
# The whole answer to "which ticket?" is a reference: "4711", "TCK-48213", "#12".
_BARE_REFERENCE = re.compile(r"#?\s*(?P<ref>[a-z]{0,6}-?\d[\w-]*)")
# "j'ai perdu le numéro", "ik ben het nummer kwijt", "I don't have the number any more".
_NUMBER_WORD = r"(?:numero|nummer|ticketnummer|ticketnr|number|reference|referentie|ref|n°)"
_LOST_WORD = (
    r"(?:perdu|oublie\w*|plus|pas|sans|souviens|retrouve|kwijt|vergeten|niet|zonder|lost|"
    r"forgot\w*|don't|dont|do\s+not|can't|cant|cannot|without|remember|no\s+idea|geen\s+idee|"
    r"aucune\s+idee)"
)
_LOST_NUMBER = re.compile(
    rf"\b{_LOST_WORD}\b[^.;!?]{{0,30}}\b{_NUMBER_WORD}|\b{_NUMBER_WORD}\b[^.;!?]{{0,30}}"
    rf"\b{_LOST_WORD}\b"
)
# The same said of "it" when the number was just asked: "je ne l'ai plus", "geen idee".
_DONT_KNOW = re.compile(
    r"\b(?:je\s+(?:ne\s+)?(?:l['’]\s*|le\s+)?(?:ai|sais|connais|trouve|retrouve)\s+(?:plus|pas)"
    r"|sais\s+(?:plus|pas)|perdu|aucune\s+idee|pas\s+d['’]idee|geen\s+(?:flauw\s+)?idee"
    r"|weet\s+(?:ik\s+)?(?:het\s+)?niet|(?:heb|ben)\s+(?:het|dat)\s+(?:niet\s+meer|kwijt)|kwijt"
    r"|vergeten|no\s+idea|(?:don't|dont|do\s+not)\s+(?:know|have\s+it|remember)|dunno"
    r"|lost\s+it|forgot)\b"
)
# "aucun de ceux-là", "geen van deze", "none of them": the ticket is not in the list shown.
_NONE_OF_THEM = re.compile(
    r"\b(?:aucun\w*|ni\s+l['’]un\s+ni\s+l['’]autre|geen\s+(?:van\s+)?(?:deze|die|beide)\w*"
    r"|geen\s+enkel\w*|none|neither|not\s+(?:any\s+of\s+)?(?:these|those|them|one\s+of\s+them))\b"
)


def named_reference(text: str, entities: list[str], asked: bool) -> str | None:
    """The ticket reference the message names: a T-number (``T-2026-000012``), else what is
    given as one ("ticket 4711", "TCK-48213"), else, when it was ``asked``, a lone reference."""
    for source in [*entities, text]:
        if number := find_ticket_number(source):
            return number
    folded = fold(text)
    loose = _LOOSE_REFERENCE.search(folded)
    if loose is None and asked:
        loose = _BARE_REFERENCE.fullmatch(folded.strip(" .!?"))
    return loose.group("ref").upper() if loose else None


def lost_ticket_number(text: str, asked: bool) -> bool:
    """Whether the user says they lost or forgot the ticket's number (of "it" when ``asked``)."""
    folded = fold(text)
    return _LOST_NUMBER.search(folded) is not None or (
        asked and _DONT_KNOW.search(folded) is not None
    )


def _sequence(number: str) -> int | None:
    digits = re.search(r"(\d+)$", number)
    return int(digits.group(1)) if digits else None


def chosen_ticket(
    tickets: list[TicketDetail], named: str | None, text: str, asked: bool
) -> TicketDetail | None:
    """The caller's ticket the message points to: by number ("T-2026-12"; "12" alone when only
    one ticket ends so), or, answering "which ticket?", the newest ("the one you just created")
    or the only open one of the subject the words name ("celui sur ma facture")."""
    if named:
        exact = [t for t in tickets if t.number.upper() == named]
        if exact or not named.isdigit():
            return exact[0] if exact else None
        same_end = [t for t in tickets if _sequence(t.number) == int(named)]
        return same_end[0] if len(same_end) == 1 else None
    if not asked or not tickets:
        return None
    if mentions_latest(text):
        return max(tickets, key=lambda t: (t.created_at or "", str(t.id)))
    code = subject_from_words(text)
    same = [t for t in tickets if t.status != "closed" and code and t.subject_code == code]
    return same[0] if len(same) == 1 else None


# "Bonjour, ajoutez au ticket T-2026-000012 : le technicien peut passer à 14h": what follows
# the colon (a dash, or "que"/"dat"/"that" after the ticket) is the comment itself.
_COMMENT_START = re.compile(
    r"\s*:\s+|\s+[-–]\s+|\s+(?P<that>(?:que|dat|that)\s+|qu['’])", re.IGNORECASE
)
_REQUEST_WORDS = re.compile(
    r"\b(?:ticket\w*|comment\w*|notes?|notitie\w*|opmerking\w*|remarque\w*|precision\w*"
    r"|r?ajout\w*|(?:toe)?voeg\w*|add\w*|aanvul\w*|complet\w*)\b|\bt-?\d{4}"
)


def comment_in_opening(text: str) -> str | None:
    """The comment an opening gives along with the request to add one, if any."""
    for start in _COMMENT_START.finditer(text):
        head = fold(text[: start.start()])
        if not _REQUEST_WORDS.search(head):
            continue
        if start.group("that") and not re.search(r"ticket|t-?\d{4}", head):
            continue  # "add it to that ticket": "that" names the ticket
        rest = text[start.end() :].strip(" .")
        if len(rest) < 3 or lost_ticket_number(rest, asked=True) or _says_nothing(fold(rest)):
            return None
        return rest[0].upper() + rest[1:]
    return None


# Contesting an invoice or a charge ("je conteste", "réclamation", "ik wil dit betwisten",
# "klacht over mijn factuur", "I want to dispute this charge") asks for the helpdesk, not only
# for the invoice's explanation.
_DISPUTE = re.compile(
    r"\b(?:contest\w*|disput\w*|reclam(?:ation\w*|er|ons|ez|eer\w*|eren|atie\w*)|betwist\w*"
    r"|aanvecht\w*|bezwaar\w*|klacht\w*|plainte\w*|complain\w*|rembours\w*|refund\w*"
    r"|terugbetal\w*|terugstort\w*|chargeback|rectifi\w*|rechtzet\w*|correction|corrig\w*"
    r"|gecorrigeerd|corrected|pas\s+d['’]\s*accord|niet\s+akkoord|disagree\w*|oneens"
    r"|(?:don't|dont|do\s+not)\s+agree|niet\s+eens|refuse\w*\s+(?:de\s+|to\s+)?pa(?:yer|y)"
    r"|weiger\w*\s+(?:\w+\s+)?te\s+betalen)\b"
)
# Saying a charge is wrong ("c'est une erreur", "klopt niet", "I never made those calls")
# contests it too, unless it is asked as a question ("is this an error?").
_WRONG_CHARGE = re.compile(
    r"\b(?:faux|fausse|errone\w*|erreur\w*|a\s+tort|injustifi\w*|abusi\w*|klopt\s+(?:\w+\s+)?niet"
    r"|fout|foute|foutief\w*|verkeerd\w*|onterecht\w*|ten\s+onrechte|onjuist\w*|wrong\w*"
    r"|mistake\w*|error\w*|incorrect\w*|overcharg\w*|unjustifi\w*|not\s+mine"
    r"|jamais\s+(?:\w+\s+){0,2}?(?:fait|appele|passe|utilise|consomme|commande|demande|active"
    r"|souscrit|envoye|telephone|ete|voyage)"
    r"|nooit\s+(?:\w+\s+){0,3}?(?:gebeld|gedaan|gebruikt|besteld|gevraagd|aangevraagd"
    r"|geactiveerd|verstuurd|gemaakt|geweest|gehad|gereisd)"
    r"|never\s+(?:\w+\s+){0,2}?(?:made|called|used|ordered|asked|activated|did|sent"
    r"|subscribed|roamed|been|travel\w*)"
    r"|(?:didn't|didnt|did\s+not)\s+(?:make|call|use|order|ask|activate|send|subscribe|travel))\b"
)
# Words that put a dispute on the bill, whatever other subject they also name ("l'option
# roaming facturée alors que…").
_BILLING_WORDS = re.compile(
    r"\b(?:factu\w*|invoice\w*|bill\w*|rekening\w*|charge[sd]?|aangerekend|gefactureerd"
    r"|montant\w*|bedrag\w*|kosten|frais|costs?|prelev\w*|domicili\w*|paiement\w*|betaling\w*"
    r"|payment\w*)\b"
)
# A dispute this long says what is wrong: it is the ticket's description (shorter ones, "je
# conteste ma facture", leave support nothing to go on: the form asks).
DISPUTE_DESCRIPTION = 50


def disputes_a_charge(text: str) -> bool:
    """Whether the message contests an invoice or a charge."""
    folded = fold(text)
    if _DISPUTE.search(folded):
        return True
    asked = is_question(text) or "?" in text
    return not asked and _WRONG_CHARGE.search(folded) is not None


def _dispute_subject(text: str) -> str | None:
    """``billing`` for a dispute about the bill (or about nothing else the words name)."""
    if not disputes_a_charge(text):
        return None
    folded = fold(text)
    return "billing" if _BILLING_WORDS.search(folded) or subject_from_words(text) is None else None


async def _subjects(client: BackendClient, identity: ChatIdentity) -> list[TicketSubject]:
    return await client.list_ticket_subjects(identity)


# A form answer the classifier took for small talk ("au travail" → goodbye) is still an answer;
# stop, a human or another language always interrupt.
def answer_view(tracker: Tracker, looks_like_answer: bool, free_text: bool = False) -> Tracker:
    """``tracker`` as seen by the form: an answer-looking message counts as ``inform``.

    Any text answers a free-text question (a description, a problem, an address), even one
    read as "stop" ("valt constant uit, herstart vanzelf") or as a request for a human, unless
    it says nothing but stop or asks for a person.
    """
    intent = latest_intent(tracker)
    text = latest_text(tracker)
    described = free_text and (
        (intent == "stop" and not is_explicit_stop(text))
        or (intent == "request_agent" and not asks_for_person(text))
    )
    hard = intent in HARD_INTERRUPTIONS and not described
    if not looks_like_answer or hard or text.startswith("/"):
        return tracker
    if not is_interruption(intent):
        return tracker
    view = tracker.copy()
    view.latest_message = {
        **(tracker.latest_message or {}),
        "intent": {"name": "inform", "confidence": 1.0},
    }
    return view


def _at_summary(tracker: Tracker) -> bool:
    """Whether the form was re-opened at the new ticket's summary (a correction)."""
    return (
        tracker.get_slot("requested_slot") is None
        and tracker.get_slot(PENDING_TYPE_SLOT) == NEW_TICKET_TYPE
        and bool(tracker.get_slot(PENDING_ID_SLOT))
    )


# What names the subject itself, in a correction at the summary.
_SUBJECT_WORD = re.compile(
    r"\b(?:sujet|objet|subject|topic|onderwerp|categor\w*|category|rubriek|thema|theme)\b"
)


def _changes_subject(text: str) -> bool:
    """Whether a message at the summary may give another subject: it speaks of the subject
    ("le sujet c'est plutôt la facturation") or corrects without asking ("nee, eigenlijk gaat
    het over de factuur"); "zijn er eigenlijk opzegkosten als we haar abonnement zo beëindigen?"
    asks, and its "abonnement" makes no plans-and-options ticket."""
    if _SUBJECT_WORD.search(fold(text)):
        return True
    return is_correction(text) and "?" not in text and not is_question(text)


def _followup_values(text: str, describes: bool) -> dict[str, Any]:
    """The slots a message fills with its description (when it ``describes`` the problem), the
    comment to add once the ticket exists, and the wish to add one whose text is not given."""
    split = split_followup_comment(text)
    # Only ever set: a description answered later must not forget what the opening announced.
    values: dict[str, Any] = {FOLLOWUP_WANTED_SLOT: True} if split.wanted else {}
    if describes:
        values.update({DESCRIPTION_SLOT: split.description, FOLLOWUP_SLOT: split.comment})
    return values


class ValidateTicketForm(OperationFormValidation):
    """Slots ``ticket_subject``, ``ticket_description`` (30+ chars), ``ticket_contact_number``."""

    op_type = NEW_TICKET_TYPE  # a correction at the summary re-opens the form

    fleet_manager_only = False
    needs_line = False
    hands_over_ticket_requests = False  # it is the ticket form

    def name(self) -> str:
        return "validate_ticket_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        requested = tracker.get_slot("requested_slot")
        text = latest_text(tracker)
        faq = f"{RESPONSE_PREFIX}_{latest_intent(tracker)}"
        if (
            _at_summary(tracker)
            and faq.startswith(f"{RESPONSE_PREFIX}_faq_")
            and faq in (domain.get("responses") or {})
            and ("?" in text or is_question(text))
        ):
            # "zijn er eigenlijk opzegkosten …?" at the summary, re-opened as a correction for
            # its "eigenlijk": a question, answered; the summary comes back unchanged.
            dispatcher.utter_message(response=faq)
        if requested is None and mentions_password(text) and not opens_a_ticket(text):
            # "Can't log in, it says my credentials are wrong… a link to make a new one?" is
            # what the reset link is for; a ticket only when the user asks for one.
            return [*self._stop(domain), FollowupAction(RESET_FORM)]
        # A ticket asked for in so many words is the opening, whatever else it was read as
        # ("can you open a ticket about this porting?" as the porting how-to); so is a dispute
        # handed over by the invoice's explanation.
        answer = (
            requested == DESCRIPTION_SLOT
            or (requested == CONTACT_SLOT and (_is_phone_number(text) or names_own_number(text)))
            or (requested is None and (opens_a_ticket(text) or disputes_a_charge(text)))
        )
        view = answer_view(tracker, answer, free_text=requested == DESCRIPTION_SLOT)
        return list(await super().run(dispatcher, view, domain))

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
        correcting = tracker.get_slot(PENDING_TYPE_SLOT) == NEW_TICKET_TYPE
        # The comment of a ticket the user could not find, a new ticket accepted instead.
        carried = str(tracker.get_slot(COMMENT_SLOT) or "") if requested is None else ""
        if requested is None and not correcting:
            # A new ticket: forget the values of an earlier summary that was never answered.
            values = {
                SUBJECT_SLOT: None,
                DESCRIPTION_SLOT: None,
                CONTACT_SLOT: None,
                FOLLOWUP_SLOT: None,
                FOLLOWUP_WANTED_SLOT: None,
                COMMENT_SLOT: None,
            }
            disputes = disputes_a_charge(text)
            if latest_intent(tracker) == "create_ticket" or opens_a_ticket(text) or disputes:
                # A request that already describes the problem is the description (it is read
                # back in the summary before anything is created); a dispute says what is
                # wrong in fewer words than "I'd like to open a ticket because…".
                least = DISPUTE_DESCRIPTION if disputes else OPENING_DESCRIPTION
                values.update(_followup_values(text, len(text) >= least))
            if len(carried) >= MIN_DESCRIPTION_LENGTH and not values.get(DESCRIPTION_SLOT):
                values[DESCRIPTION_SLOT] = carried
        # Several details at once: a subject button/word and a number are taken on any turn.
        # At the summary the subject was accepted: only a correction may change it, never the
        # words of a side question.
        about_subject = not correcting or _changes_subject(text)
        reads_subject = requested == SUBJECT_SLOT or (requested is None and about_subject)
        if reads_subject or entity_values(tracker, SUBJECT_SLOT):
            subject = await self._subject(tracker, identity, text)
            if subject is None and carried:
                subject = await self._subject(tracker, identity, carried)
            if subject is not None:
                values[SUBJECT_SLOT] = subject
            elif requested == SUBJECT_SLOT:
                dispatcher.utter_message(response="utter_invalid_ticket_subject")
        numbers = entity_values(tracker, "phone_number")
        # A bare number answers the contact question, or corrects the summary's contact (the
        # only number a ticket has); elsewhere only words presenting it as a contact count.
        asked = requested == CONTACT_SLOT or correcting
        contact, ambiguous = contact_number_in(text, numbers, asked)
        if contact is not None:
            values[CONTACT_SLOT] = contact
        elif asked and names_own_number(text):
            # "mijn nummer", "sur mon portable": the number the button offers, in words.
            values[CONTACT_SLOT] = (await self.backend.get_me(identity)).gsm or None
        elif not ambiguous and (
            requested == CONTACT_SLOT or (correcting and _PHONE_LIKE.search(text))
        ):
            # At the summary too: "call me on my desk phone, 03 123 45 67" with a number that
            # is no phone number is said to be wrong, not silently left out of the new summary.
            typed = _PHONE_LIKE.search(text)
            raw = numbers[0] if numbers else typed.group(0) if typed else text
            try:
                values[CONTACT_SLOT] = check_phone_number(raw)
            except InvalidValue:
                dispatcher.utter_message(
                    response="utter_invalid_ticket_contact_number", phone_number=raw
                )
        if requested == DESCRIPTION_SLOT and not text.startswith("/"):
            if len(text) >= MIN_DESCRIPTION_LENGTH:
                values.update(_followup_values(text, describes=True))
            else:
                dispatcher.utter_message(response="utter_invalid_ticket_description")
        return values

    async def _subject(self, tracker: Tracker, identity: ChatIdentity, text: str) -> str | None:
        subjects = await _subjects(self.backend, identity)
        codes = {subject.code for subject in subjects}
        for value in entity_values(tracker, SUBJECT_SLOT):
            if value in codes:
                return value
        if text.startswith("/"):
            return None
        # "on me facture l'option roaming alors que…, je conteste": billing, whatever is billed.
        disputed = _dispute_subject(text)
        if disputed in codes:
            return disputed
        subject = match_subject(text, subjects)
        if subject is not None:
            return subject.code
        code = subject_from_words(text)
        return code if code in codes else None


class ActionAskTicketSubject(BackendAction):
    """Asks the subject with one button per subject of the backend's list."""

    def name(self) -> str:
        return "action_ask_ticket_subject"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = conversation_language(tracker)
        try:
            subjects = await _subjects(self.backend, require_identity(tracker))
        except BackendError as exc:
            logger.info("Ticket subjects unavailable: %r", exc)
            dispatcher.utter_message(response="utter_ask_ticket_subject")
            return []
        buttons = [
            {
                "title": subject.label(language),
                "payload": f'/inform{{"ticket_subject": "{subject.code}"}}',
            }
            for subject in subjects
        ]
        dispatcher.utter_message(response="utter_ask_ticket_subject", buttons=buttons)
        return []


class ActionAskTicketContactNumber(BackendAction):
    """Asks the contact number, offering the caller's own GSM as a button when known.

    When the message just read had several numbers and none marked as the contact, the
    question says so and names the caller's own line, the usual answer.
    """

    def name(self) -> str:
        return "action_ask_ticket_contact_number"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        own: str | None = None
        try:
            own = (await self.backend.get_me(require_identity(tracker))).gsm
        except BackendError as exc:
            logger.info("Own number unavailable: %r", exc)
        buttons = (
            [{"title": display_format(own), "payload": f'/inform{{"phone_number": "{own}"}}'}]
            if own
            else []
        )
        text, numbers = latest_text(tracker), entity_values(tracker, "phone_number")
        _, ambiguous = contact_number_in(text, numbers)
        if ambiguous and own:
            found = dict.fromkeys(number for _, _, number in _number_spans(text, numbers))
            dispatcher.utter_message(
                response="utter_ask_ticket_contact_number_several",
                numbers=", ".join(display_format(number) for number in found),
                own_number=display_format(own),
                buttons=buttons,
            )
            return []
        dispatcher.utter_message(response="utter_ask_ticket_contact_number", buttons=buttons)
        return []


class ActionPrepareTicket(BackendAction):
    """Reads the new ticket back and asks "shall I create it?" (pending id ``ticket:new:…``)."""

    def name(self) -> str:
        return "action_prepare_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        subject = tracker.get_slot(SUBJECT_SLOT)
        description = tracker.get_slot(DESCRIPTION_SLOT)
        contact = tracker.get_slot(CONTACT_SLOT)
        if not subject or not description or not contact:
            return form_slot_resets(domain)  # the form was stopped; it already said why
        language = conversation_language(tracker)
        label = subject
        try:
            subjects = await _subjects(self.backend, require_identity(tracker))
            label = next((s.label(language) for s in subjects if s.code == subject), subject)
        except BackendError as exc:
            logger.info("Ticket subjects unavailable for the summary: %r", exc)
        dispatcher.utter_message(
            response="utter_summary_ticket",
            subject=label,
            description=description,
            contact_number=display_format(contact),
        )
        if followup := tracker.get_slot(FOLLOWUP_SLOT):
            dispatcher.utter_message(response="utter_summary_ticket_followup", comment=followup)
        elif tracker.get_slot(FOLLOWUP_WANTED_SLOT):
            dispatcher.utter_message(response="utter_summary_ticket_followup_asked")
        dispatcher.utter_message(response="utter_ask_confirm_operation")
        key = idempotency_key(tracker, NEW_TICKET_TYPE)
        return [
            SlotSet(PENDING_ID_SLOT, f"{NEW_TICKET_PREFIX}{key}"),
            SlotSet(PENDING_TYPE_SLOT, NEW_TICKET_TYPE),
        ]


@register_local_confirm(NEW_TICKET_PREFIX)
async def create_pending_ticket(
    client: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker, pending_id: str
) -> list[EventType] | None:
    """On "yes": POST /tickets with the read-back values; the key is stable for this summary.

    A comment the opening announced without its text is asked next, for this new ticket.
    """
    identity = require_identity(tracker)
    try:
        ticket = await client.create_ticket(
            identity,
            subject_code=str(tracker.get_slot(SUBJECT_SLOT)),
            description=str(tracker.get_slot(DESCRIPTION_SLOT)),
            contact_number=tracker.get_slot(CONTACT_SLOT),
            line_id=None,
            idempotency_key=pending_id.removeprefix(NEW_TICKET_PREFIX),
        )
    except InvalidRequestError as exc:
        # Checked by the form already; the backend may still be stricter.
        response = {
            "description_too_short": "utter_invalid_ticket_description",
            "contact_number_invalid": "utter_ticket_contact_refused",
        }.get(exc.code or "", "utter_ticket_refused")
        dispatcher.utter_message(response=response, phone_number="")
        return None
    dispatcher.utter_message(response="utter_ticket_created", number=ticket.number)
    if followup := tracker.get_slot(FOLLOWUP_SLOT):
        # Shown in the summary the user said yes to; keyed on the ticket's own key, so a
        # retried "yes" does not post it twice.
        try:
            await client.add_ticket_comment(
                identity,
                str(ticket.id),
                str(followup),
                idempotency_key=f"{pending_id.removeprefix(NEW_TICKET_PREFIX)}:followup",
            )
        except BackendError as exc:
            logger.info("Adding the follow-up comment failed: %r", exc)
            utter_backend_error(dispatcher, exc)
            return None
        dispatcher.utter_message(response="utter_ticket_comment_added", number=ticket.number)
    elif tracker.get_slot(FOLLOWUP_WANTED_SLOT):
        # "… and then I'd like to add a comment": the comment form starts on the new ticket,
        # asks the comment, and posts the answer like any other comment.
        return [
            SlotSet(REFERENCE_SLOT, str(ticket.id)),
            SlotSet(FOLLOWUP_WANTED_SLOT, None),
            FollowupAction(COMMENT_FORM),
        ]
    return None


def _ticket_vars(ticket: TicketDetail, subjects: dict[str, str], language: str) -> dict[str, Any]:
    created = ticket.created_at[:10] if ticket.created_at else None
    return {
        "number": ticket.number,
        "status": ticket.status,
        "subject": subjects.get(ticket.subject_code or "", ticket.subject_code or "—"),
        "created": format_day(created, language) if created else "—",
    }


class ActionShowTickets(BackendAction):
    """A ticket's status and comments when a number is given, else the open tickets."""

    def name(self) -> str:
        return "action_show_tickets"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = conversation_language(tracker)
        numbers = entity_values(tracker, "ticket_number")
        wanted = find_ticket_number(numbers[0] if numbers else latest_text(tracker))
        try:
            identity = require_identity(tracker)
            subjects = {s.code: s.label(language) for s in await _subjects(self.backend, identity)}
            if wanted:
                tickets = [
                    t for t in await self.backend.list_tickets(identity) if t.number == wanted
                ]
                if not tickets:
                    dispatcher.utter_message(response="utter_ticket_not_found", number=wanted)
                    return []
                ticket = await self.backend.get_ticket(identity, tickets[0].id)
                self._detail(dispatcher, ticket, subjects, language)
                return []
            tickets = await self.backend.list_tickets(identity, status="open")
        except NotFoundError:
            dispatcher.utter_message(response="utter_ticket_not_found", number=wanted or "—")
            return []
        except BackendError as exc:
            logger.info("Tickets unavailable: %r", exc)
            utter_backend_error(dispatcher, exc)
            return []
        if not tickets:
            dispatcher.utter_message(response="utter_no_open_tickets")
            return []
        rows = "\n".join(
            "• {number} · {subject} · {created}".format(**_ticket_vars(t, subjects, language))
            for t in tickets
        )
        dispatcher.utter_message(response="utter_open_tickets", tickets=rows)
        return []

    @staticmethod
    def _detail(
        dispatcher: CollectingDispatcher,
        ticket: TicketDetail,
        subjects: dict[str, str],
        language: str,
    ) -> None:
        variables = _ticket_vars(ticket, subjects, language)
        status = ticket.status if ticket.status in TICKET_STATUSES else "open"
        dispatcher.utter_message(response=f"{RESPONSE_PREFIX}_ticket_status_{status}", **variables)
        answers = [c for c in ticket.comments if c.author_role == "agent"]
        if answers:
            # What support answered matters most: said even when the customer wrote after it.
            answer = answers[-1]
            day = answer.created_at[:10] if answer.created_at else None
            dispatcher.utter_message(
                response="utter_ticket_support_answer",
                author=answer.author or "—",
                body=answer.body,
                date=format_day(day, language) if day else "—",
            )
        if ticket.comments and (not answers or ticket.comments[-1] is not answers[-1]):
            last = ticket.comments[-1]
            dispatcher.utter_message(
                response="utter_ticket_last_comment",
                author=last.author or "—",
                body=last.body,
                count=len(ticket.comments),
            )


class ActionAskTicketReference(BackendAction):
    """Asks which ticket, with a button per open ticket of the caller when there are any."""

    def name(self) -> str:
        return "action_ask_ticket_reference"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = conversation_language(tracker)
        try:
            identity = require_identity(tracker)
            tickets = await _open_tickets(self.backend, identity)
            subjects = (
                {s.code: s.label(language) for s in await _subjects(self.backend, identity)}
                if tickets
                else {}
            )
        except BackendError as exc:
            logger.info("Open tickets unavailable for the question: %r", exc)
            tickets, subjects = [], {}
        if not tickets:
            dispatcher.utter_message(response="utter_ask_ticket_reference")
            return []
        buttons = [
            {
                "title": "{number} · {subject} · {created}".format(
                    **_ticket_vars(ticket, subjects, language)
                ),
                "payload": f'/inform{{"ticket_number": "{ticket.number}"}}',
            }
            for ticket in tickets[:MAX_TICKET_BUTTONS]
        ]
        dispatcher.utter_message(response="utter_ask_ticket_reference_choose", buttons=buttons)
        return []


async def _open_tickets(client: BackendClient, identity: ChatIdentity) -> list[TicketDetail]:
    """The caller's tickets still open to comments, newest first."""
    tickets = [t for t in await client.list_tickets(identity) if t.status != "closed"]
    return sorted(tickets, key=lambda t: (t.created_at or "", str(t.id)), reverse=True)


class ValidateTicketCommentForm(OperationFormValidation):
    """Slots ``ticket_reference`` (one of the caller's tickets) and ``ticket_comment``.

    A reference that is not one of the caller's tickets, or a lost number, gets their open
    tickets as buttons; without any, or on a second miss, a new ticket is offered instead
    (yes/no), the comment as its description: "which ticket?" is never asked a third time.
    """

    fleet_manager_only = False
    needs_line = False
    hands_over_ticket_requests = False  # "open a ticket …, then add a note" is handled below

    def name(self) -> str:
        return "validate_ticket_comment_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        requested = tracker.get_slot("requested_slot")
        text = latest_text(tracker)
        # Started on the ticket just created, the "yes" ("oui, créez le ticket") opens nothing.
        chosen = tracker.get_slot(REFERENCE_SLOT)
        numbers = entity_values(tracker, "ticket_number")
        named = named_reference(text, numbers, asked=requested == REFERENCE_SLOT)
        if requested is None and not chosen and opens_a_ticket(text) and not named:
            # "open a ticket …, and after that add a note that …": the ticket comes first; the
            # ticket form reads the opening again (the note is added once the ticket exists).
            return [*self._stop(domain), FollowupAction(TICKET_FORM)]
        if not chosen and requested in (None, REFERENCE_SLOT):
            missed = await self._no_such_ticket(dispatcher, tracker, domain, named)
            if missed is not None:
                return missed
        answer = requested == COMMENT_SLOT
        view = answer_view(tracker, answer, free_text=answer)
        return list(await super().run(dispatcher, view, domain))

    async def _no_such_ticket(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        named: str | None,
    ) -> list[EventType] | None:
        """The events when the message points to none of the caller's tickets; ``None`` when
        it does (or is no answer: a question, stop), for the form to go on as usual."""
        requested = tracker.get_slot("requested_slot")
        text = latest_text(tracker)
        intent = latest_intent(tracker)
        asked = requested == REFERENCE_SLOT
        lost = lost_ticket_number(text, asked)
        none_of_them = asked and _NONE_OF_THEM.search(fold(text)) is not None
        answers = not asked or named or lost or none_of_them or not is_interruption(intent)
        if intent in HARD_INTERRUPTIONS or text.startswith("/") or not answers:
            return None
        try:
            tickets = await self.backend.list_tickets(require_identity(tracker))
        except BackendError as exc:
            logger.info("Tickets unavailable for a comment: %r", exc)
            return None  # the form's own lookup fails the same way and says so
        if chosen_ticket(tickets, named, text, asked) is not None:
            return None
        open_tickets = [t for t in tickets if t.status != "closed"]
        if not asked and not named and open_tickets:
            return None  # nothing named yet: "which ticket?" comes with their open tickets
        if named:
            dispatcher.utter_message(response="utter_ticket_not_found", number=named)
        comment = tracker.get_slot(COMMENT_SLOT) or comment_in_opening(text)
        failures = int(tracker.get_slot(FAILED_ATTEMPTS_SLOT) or 0) + bool(named or asked)
        if not open_tickets or none_of_them or failures >= MAX_FAILED_ATTEMPTS:
            return self._offer_new_ticket(dispatcher, domain, comment, bool(open_tickets))
        events: list[EventType] = [SlotSet(FAILED_ATTEMPTS_SLOT, float(failures))]
        if comment:
            events.append(SlotSet(COMMENT_SLOT, comment))
        if requested is None:
            events += clear_pending()  # a new request: a "yes" must not confirm an older one
        return events

    def _offer_new_ticket(
        self,
        dispatcher: CollectingDispatcher,
        domain: DomainDict,
        comment: str | None,
        has_tickets: bool,
    ) -> list[EventType]:
        """Stop the form and offer a new ticket instead; "yes" starts the ticket form, which
        takes the comment kept here as the description, "no" ends with nothing done."""
        if not has_tickets:
            dispatcher.utter_message(response="utter_no_open_tickets")
        if comment:
            dispatcher.utter_message(response="utter_offer_ticket_for_comment", comment=comment)
        else:
            dispatcher.utter_message(response="utter_offer_ticket_instead")
        return [
            *self._stop(domain),
            SlotSet(COMMENT_SLOT, comment),
            SlotSet(PENDING_ID_SLOT, f"{START_PREFIX}{TICKET_FORM}"),
            SlotSet(PENDING_TYPE_SLOT, START_PREFIX.rstrip(":")),
        ]

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
        asked = requested == REFERENCE_SLOT
        named = named_reference(text, entity_values(tracker, "ticket_number"), asked)
        if requested in (None, REFERENCE_SLOT) and (named or asked):
            tickets = await self.backend.list_tickets(identity)
            found = chosen_ticket(tickets, named, text, asked)
            if found is not None:
                values[REFERENCE_SLOT] = str(found.id)
            elif asked:
                dispatcher.utter_message(response="utter_ticket_not_found", number=named or text)
        # "ajoutez au ticket T-2026-000012 : le technicien passe à 14h" is not asked again.
        opening = requested is None and not tracker.get_slot(COMMENT_SLOT)
        if opening and (comment := comment_in_opening(text)):
            values[COMMENT_SLOT] = comment
        if requested == COMMENT_SLOT and not text.startswith("/"):
            if len(text) >= 3:
                values[COMMENT_SLOT] = text
            else:
                dispatcher.utter_message(response="utter_invalid_ticket_comment")
        return values


class ActionAddTicketComment(BackendAction):
    """Posts the comment (key stable per conversation message) and says so."""

    def name(self) -> str:
        return "action_add_ticket_comment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        ticket_id, body = tracker.get_slot(REFERENCE_SLOT), tracker.get_slot(COMMENT_SLOT)
        if not ticket_id or not body:
            # The form was stopped and reset; a comment it kept for the new ticket it offered
            # instead (no such ticket) must survive until the answer.
            return []
        try:
            identity = require_identity(tracker)
            key = idempotency_key(tracker, f"ticket_comment:{ticket_id}")
            await self.backend.add_ticket_comment(identity, ticket_id, body, idempotency_key=key)
            ticket = await self.backend.get_ticket(identity, ticket_id)
        except BackendError as exc:
            logger.info("Adding a ticket comment failed: %r", exc)
            if isinstance(exc, NotFoundError):
                dispatcher.utter_message(response="utter_ticket_not_found", number="—")
            else:
                utter_backend_error(dispatcher, exc)
            return form_slot_resets(domain)
        dispatcher.utter_message(response="utter_ticket_comment_added", number=ticket.number)
        return form_slot_resets(domain)
