"""Which line does the user mean? A number, a person's name or the last digits (shared by forms).

People name a line the way they think of it: "0470 12 34 56", "+32470123456", "Jan's phone",
"de gsm van Lotte", "le téléphone de Marie", "the line ending in 3456", "eindigend op 3456",
"qui se termine par 3456". Numbers come from the ``phone_number`` entity (any Belgian format);
names and last digits are matched against the caller's own fleet, which the backend scopes
(another company's line never appears, so it can never be matched).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.api.backend import BackendClient, ChatIdentity, Line, NotFoundError
from actions.common import entity_values, latest_text
from actions.phone import format_national
from validation import InvalidValue, check_be_mobile, fold

# Buttons stay usable up to about six choices; beyond that ask for the number itself.
MAX_LINE_BUTTONS = 6

# "ending in 3456", "eindigend op 3456", "qui se termine par 3456", "qui finit par 56", "…3456".
_ENDING = re.compile(
    r"(?:end(?:s|ing)?(?:\s+(?:in|on|with))?|eindig\w*(?:\s+(?:op|met|in))?|"
    r"(?:se\s+)?termin\w*(?:\s+(?:par|en))?|fini(?:t|s|ss\w*)(?:\s+par)?|"
    r"laatste\s+cijfers|derniers\s+chiffres|last\s+digits|\.\.\.|…)\s*:?\s*(\d{2,6})\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
# The last digits of a SIM card are no line: "the card ending in 015", "la carte qui finit par
# 015", "de kaart die eindigt op 015", or digits that end a card's serial in the same message.
_LONG_NUMBER = re.compile(r"\d(?:[ .-]?\d){14,}")
_CARD_WORD = re.compile(
    r"(?:cards?|cartes?|\w*kaart\w*|iccids?|serials?|series?|serienummers?|puces?)"
)
_LINE_WORD = re.compile(
    r"(?:lines?|lignes?|lijn\w*|gsms?|\w*phones?|telephones?|telefoon\w*|mobiles?|portables?|"
    r"toestel\w*)"
)
# How far back the word naming what ends in those digits may be ("la carte SIM qui finit par").
_ENDING_LOOKBACK_WORDS = 4
_SERVICE_NUMBER = re.compile(r"^\s*\d{3,4}\s*$")
# The caller's own line: "sur ma ligne", "la mienne", "mijn eigen gsm", "my number", "mine".
_OWN_LINE = re.compile(
    r"\b(?:ma ligne|mon numero|mon gsm|mon telephone|mon portable|ma sim|la mienne|le mien|"
    r"mijn (?:eigen )?(?:lijn|nummer|gsm|telefoon|sim)|de mijne|het mijne|"
    r"my (?:own )?(?:line|number|phone|mobile|sim)|mine)\b"
)
# Somebody named as another person ("my colleague Marie Lambert", "ma collègue Marie", "de gsm van
# collega Jan", "Marie Lambert's phone"): when no visible line is theirs, the request is not
# about the caller's own line, whatever else it says.
_NAME = r"[A-ZÀ-Ý][^\W\d_]+(?:[-'][^\W\d_]+)?"
_OTHER_PERSON = re.compile(
    rf"(?i:\b(?:colleague|coworker|co-worker|collegue|collègue|collega)\s+)(?P<name>{_NAME}"
    rf"(?:\s+{_NAME})?)|(?P<owner>{_NAME}\s+{_NAME})['’]s\b"
)
# Words that are names of lines' users only by accident ("Pro Start", "Data Only"...).
_STOP_WORDS = frozenset(
    {
        "pro", "start", "smart", "unlimited", "data", "only", "de", "van", "den", "der", "le",
        "la", "les", "du", "des", "the", "of", "and", "et", "en", "op", "line", "lijn", "ligne",
        "gsm", "phone", "telephone", "nummer", "numero", "number",
    }
)  # fmt: skip


def names_another_person(text: str) -> bool:
    """Whether the message names somebody as another person ("my colleague Marie")."""
    return _OTHER_PERSON.search(text) is not None


@dataclass(frozen=True)
class LineResolution:
    """Outcome of a lookup: exactly one line, several candidates, nothing, or no reference."""

    line: Line | None = None
    candidates: list[Line] = field(default_factory=list)
    not_found: str | None = None  # what the user typed, when it matched nothing
    # ``not_found`` is somebody else, named as a person (not the caller's own line)
    other_person: bool = False
    invalid_number: str | None = None  # a number that is not a Belgian mobile number

    @property
    def referenced(self) -> bool:
        """Whether the message named a line at all."""
        return bool(self.line or self.candidates or self.not_found or self.invalid_number)


def _name_keys(line: Line) -> list[tuple[str, ...]]:
    """Word sequences that name this line: full name, first name, last name, label."""
    keys: list[tuple[str, ...]] = []
    for text in (line.user_name, line.label):
        if not text:
            continue
        words = tuple(fold(word) for word in _WORD.findall(text))
        if not words:
            continue
        keys.append(words)
        if text == line.user_name and len(words) > 1:
            keys.append(words[:1])  # first name
            keys.append(words[1:])  # last name, possibly "van den broeck"
    return [key for key in keys if not (len(key) == 1 and key[0] in _STOP_WORDS)]


# "ik bedoelde Jonas, niet Tim", "Thomas, pas Lotte", "not Lotte": a name after these is the
# line the user does NOT mean, also past a preposition and a pointer ("'t is ni voor Wouter",
# "ni da van Kevin", "pas celle de Dries", "not the one of Pieter").
_NOT_THIS = frozenset({"not", "pas", "niet", "ni", "nie", "non", "no", "geen", "nee"})
_OF_FOR = frozenset({"voor", "van", "pour", "de", "du", "for", "of"})
_POINTER = frozenset({"da", "dat", "die", "diejen", "celle", "celui", "the", "that", "one"})


def _negated(words: list[str], i: int) -> bool:
    """Whether the name starting at ``words[i]`` follows a "not" ("ni da van Kevin")."""
    before = words[max(0, i - 4) : i]
    while before and before[-1] in _OF_FOR | _POINTER:
        before.pop()
    return bool(before) and before[-1] in _NOT_THIS


# First names that are everyday words too ("envoyez-moi un lien", "it's no joke"): alone, they
# name somebody only when written with a capital.
_NAMES_THAT_ARE_WORDS = frozenset({"lien", "joke", "will", "mark", "rose", "ben", "tom", "bob"})


def _contains(words: list[str], key: tuple[str, ...], typed: list[str]) -> bool:
    size = len(key)
    return any(
        tuple(words[i : i + size]) == key
        and not _negated(words, i)
        and not (size == 1 and key[0] in _NAMES_THAT_ARE_WORDS and typed[i].islower())
        for i in range(len(words) - size + 1)
    )


# The closing of an e-mail-style message ("Alvast bedankt, Sofie", "Merci d'avance, Pieter
# Vandenberghe", "Kind regards, Sofie Janssens"): the writer's name, never the line meant.
# Only after a sentence of its own ("…terug. Alvast bedankt, Sofie"): a short answer such as
# "merci, c'est pour Lotte" names the line.
_SIGNATURE = re.compile(
    r"[.!?\n]\s*(?:\w+\s+)?(?:merci|bedankt|dank\s+(?:u|je|jullie)|thanks|thank\s+you|regards|"
    r"groeten|groetjes|cordialement|salutations|bien\s+a\s+vous|mvg|cheers|bav)\b[^\w]*"
    r"(?:\w+[^\w]*){0,5}$"
)
# Fewer words than this before the closing: a short answer, not an e-mail with a signature.
_MIN_WORDS_BEFORE_SIGNATURE = 6


def without_signature(text: str) -> str:
    """``text`` without the closing and the name that signs it."""
    folded = fold(text)
    match = _SIGNATURE.search(folded)
    if match is None:
        return text
    # Cut the original text at the same word count (folding may change offsets).
    kept_words = len(_WORD.findall(folded[: match.start() + 1]))
    if kept_words < _MIN_WORDS_BEFORE_SIGNATURE:
        return text
    words = list(_WORD.finditer(text))
    return text[: words[kept_words].start()] if kept_words < len(words) else text


def _ends_a_card(text: str, ending: re.Match[str]) -> bool:
    """Whether the last digits ``ending`` found are a SIM card's rather than a line's.

    The nearest word before "ending in" that names a thing decides ("the SIM card ending in",
    "the line ending in"; "number" names either); otherwise digits that end a card's serial
    written in the same message are that card's ("ending in 015, full number 8932…015").
    """
    before = [fold(word) for word in _WORD.findall(text[: ending.start()])]
    for word in reversed(before[-_ENDING_LOOKBACK_WORDS:]):
        if _CARD_WORD.fullmatch(word):
            return True
        if _LINE_WORD.fullmatch(word):
            return False
    digits = ending.group(1)
    return any(re.sub(r"\D", "", long).endswith(digits) for long in _LONG_NUMBER.findall(text))


def match_lines_in_text(text: str, lines: list[Line]) -> tuple[list[Line], str | None]:
    """Lines named in ``text`` by last digits or by a person's name / label.

    Returns the matches and the reference the user typed (for "not found" messages); the
    longest name match wins, so "Jan Peeters" beats "Jan" when both a Jan Peeters and a
    Jan Maes exist. The name that signs a message is no reference, nor are a SIM card's
    last digits: with "Jonas's SIM … the card ending in 015", the name decides.
    """
    endings = (found for found in _ENDING.finditer(text) if not _ends_a_card(text, found))
    if ending := next(endings, None):
        digits = ending.group(1)
        return [line for line in lines if line.msisdn.endswith(digits)], digits
    text = without_signature(text)
    typed = _WORD.findall(re.sub(r"['’]s\b", " ", text))
    words = [fold(word) for word in typed]
    best: list[Line] = []
    best_size = 0
    for line in lines:
        for key in _name_keys(line):
            if _contains(words, key, typed):
                if len(key) > best_size:
                    best, best_size = [line], len(key)
                elif len(key) == best_size and line not in best:
                    best.append(line)
    return best, None


async def resolve_line(
    client: BackendClient, identity: ChatIdentity, tracker: Tracker
) -> LineResolution:
    """Find the line the latest message refers to, among the lines the backend lets us see.

    A line button's payload carries a line id: it is only a hint, re-read from the backend
    (another company's id answers 404, exactly like an unknown one).
    """
    for raw in entity_values(tracker, "line_id"):
        if not raw.isdigit():
            return LineResolution(not_found=raw)
        try:
            return LineResolution(line=await client.get_line(identity, int(raw)))
        except NotFoundError:
            return LineResolution(not_found=raw)
    # "0900" (premium numbers, in a barring request) is a service, not somebody's line.
    numbers = [n for n in entity_values(tracker, "phone_number") if not _SERVICE_NUMBER.match(n)]
    if numbers:
        try:
            msisdn = check_be_mobile(numbers[0])
        except InvalidValue:
            return LineResolution(invalid_number=numbers[0].strip())
        found = [line for line in await client.find_lines(identity, msisdn=msisdn)]
        exact = [line for line in found if line.msisdn == msisdn]
        if exact:
            return LineResolution(line=exact[0])
        return LineResolution(not_found=format_national(msisdn))
    text = latest_text(tracker)
    if text.startswith("/"):
        return LineResolution()
    lines = await client.find_lines(identity)
    if _OWN_LINE.search(fold(text)):
        me = await client.get_me(identity)
        own = next((line for line in lines if line.id == me.line_id), None)
        if own is not None:
            return LineResolution(line=own)
    matches, typed = match_lines_in_text(text, lines)
    if len(matches) == 1:
        return LineResolution(line=matches[0])
    if matches:
        return LineResolution(candidates=matches)
    if typed:
        return LineResolution(not_found=typed)
    if person := _OTHER_PERSON.search(text):
        return LineResolution(
            not_found=person.group("name") or person.group("owner"), other_person=True
        )
    return LineResolution()


def line_payload(line_id: int) -> str:
    """A line button's payload: an answer (``inform``) carrying only the id (re-checked later)."""
    return f'/inform{{"line_id": "{line_id}"}}'


def line_buttons(lines: list[Line]) -> list[dict[str, str]]:
    """One button per candidate line."""
    return [
        {
            "title": f"{line.user_name or line.label or '—'} · {format_national(line.msisdn)}",
            "payload": line_payload(line.id),
        }
        for line in lines[:MAX_LINE_BUTTONS]
    ]


def line_buttons_shown_this_turn(tracker: Tracker) -> bool:
    """Whether the bot offered line buttons since the latest user message ("which one?" with
    buttons is then the question already)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        buttons = (event.get("data") or {}).get("buttons") or []
        if event.get("event") == "bot" and any(
            '"line_id"' in str(button.get("payload", "")) for button in buttons
        ):
            return True
    return False


def utter_resolution_problem(dispatcher: CollectingDispatcher, resolution: LineResolution) -> None:
    """Explain why no single line was found: invalid number, unknown, or which one."""
    if resolution.invalid_number:
        dispatcher.utter_message(
            response="utter_invalid_phone_number", phone_number=resolution.invalid_number
        )
    elif resolution.candidates:
        dispatcher.utter_message(
            response="utter_which_line", buttons=line_buttons(resolution.candidates)
        )
    elif resolution.not_found:
        dispatcher.utter_message(
            response="utter_line_reference_not_found", reference=resolution.not_found
        )
