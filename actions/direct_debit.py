"""Billing settings by chat: set up / stop direct debit, change the invoice delivery method.

The manual: "Après la demande, vous devez encore payer la facture actuelle manuellement par
virement. La domiciliation ne commence qu'à partir de la prochaine facture." So the summary of
``setup_direct_debit`` (two-step, prepared by the backend) says it starts with the NEXT invoice
and reads back the current open invoice to pay by transfer (amount, structured reference).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import is_question
from actions.api.backend import (
    BackendClient,
    BackendError,
    BillingSettings,
    ChatIdentity,
    InvalidRequestError,
    Line,
    Operation,
)
from actions.common import (
    RESPONSE_PREFIX,
    BackendAction,
    entity_values,
    latest_intent,
    latest_text,
    require_identity,
)
from actions.operation_forms import OperationFormValidation, is_interruption
from actions.operation_text import money
from actions.operations import (
    PENDING_ID_SLOT,
    PENDING_TYPE_SLOT,
    START_PREFIX,
    clear_pending,
    form_slot_resets,
    prepare_operation,
    register_done_vars,
    utter_backend_error,
)
from actions.validators import InvalidValue, check_iban
from validation import (
    APOSTROPHES,
    NAME_PARTICLES,
    company_names,
    fold,
    iban_bank,
    is_the_company,
    mask_iban,
)

logger = logging.getLogger(__name__)

IBAN_SLOT = "direct_debit_iban"
HOLDER_SLOT = "direct_debit_holder"
DELIVERY_SLOT = "delivery_method"
DIRECT_DEBIT_FORM = "direct_debit_form"
# The backend's 422 code for an end user's own-part mandate in the company's name.
HOLDER_IS_COMPANY = "direct_debit_holder_is_company"
# An IBAN anywhere in a message: two letters, two digits, then groups (spaces allowed).
_IBAN_IN_TEXT = re.compile(r"\b[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,3})?\b")
# "BE 46 0013 9923 8336": a space after the country too. Taken only when it is a valid IBAN,
# since "le 12 mars 2026" has the same shape.
_SPACED_IBAN = re.compile(r"\b[A-Za-z]{2} \d{2}(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,3})?\b")
_HAS_LETTER = re.compile(r"[^\W\d_]")

# Delivery words in folded (lower-case, accent-free) text. An address counts as e-mail and is
# tried first, so that "post@acme.be" is not read as "by post".
_DELIVERY_WORD = re.compile(
    r"(?P<address>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
    r"|(?P<email_sms>\be-?mail\w*|\bmail(?:s|en|tje)?\b|\bcourriel\w*|\bsms\b|\btexto\b|"
    r"\btext messages?\b|\bele[ck]troni\w*|\bdigita\w*|\bnumeriques?(?:ment)?\b|\bpdf\b|"
    r"\bpaperless\b|\bpapierloos\b|\bdematerialis\w*|\be-?(?:factur|invoic|bill)\w*)"
    r"|(?P<post>\bb?post(?:ale?s?)?\b|\bposte\b|\bcourrier\b(?!\s+electroni)|\bpapiers?\b|"
    r"\bpaper\b|\bpapieren\b|\bbrie(?:f|ven)\b|\blettres?\b|\bletters?\b)"
)
# What makes a delivery word the method being LEFT when it comes just before it ("stop sending
# paper", "plus de papier", "geen papieren facturen meer", "au lieu de la poste", "on reçoit
# encore tout par la poste"): a refusal, or the way invoices still arrive today.
_LEAVE_BEFORE = (
    r"\bstop\w*|\bno more\b|\bno longer\b|\binstead of\b|\brather than\b|"
    r"\b(?:do not|don'?t|dont) (?:want|need|like)\b|\bget rid of\b|\baway from\b|\bwithout\b|"
    r"\benough of\b|\bsick of\b|\bdone with\b|\bcancel\w*|\bstill\b|\bcurrently\b|"
    r"\barret\w*|\bcess\w*|\bplus (?:de|d'|par|en|sur|via|les?|des|du)\b|"
    r"\bn(?:e\s+|')(?:[\w']+\s+){0,2}?plus\b|"
    r"\bau lieu (?:de|du|des|d')|\bplutot que\b|\bsans\b|\bzero\b|\bfini\w*|\bmarre\b|"
    r"\bsupprim\w*|\bencore\b|\btoujours\b|\bactuellement\b|\ben ce moment\b|"
    r"\bgeen\b|\bniet (?:meer|langer)\b|\bin plaats van\b|\bipv\b|\bzonder\b|\bweg met\b|"
    r"\baf van\b|\bgenoeg van\b|\bnog\b|\bmomenteel\b|\bop dit moment\b"
)
# What makes it the method wanted ("passez-nous à l'électronique", "we'd like to get them
# electronically", "overschakelen naar e-mail", "switch to paper").
_TARGET_BEFORE = (
    r"\bswitch\w*(?: \w+)? to\b|\bmov(?:e|ing)(?: \w+)? to\b|\bchang\w*(?: \w+)? to\b|"
    r"\bgo(?:ing)? (?:for|to|back to)\b|\blike\b|\blove\b|\bprefer\w*|\brather\b|\bwant\w*|"
    r"\bwish\b|\bplease\b|\bfrom now on\b|\bonly\b|\bpasse[rz]?\b|\bpassons\b|\bbascul\w*|"
    r"\bchang\w* (?:pour|en|vers)\b|\bveu[xt]\b|\bvoulons\b|\bvoudri\w*|\bvoudrai\w*|"
    r"\bsouhait\w*|\bplutot\b|\bdesormais\b|\bdorenavant\b|\buniquement\b|\bseulement\b|"
    r"\bsvp\b|\bstp\b|\boverschakel\w*|\boverstap\w*|\bovergaan\b|\bover naar\b|"
    r"\bomzetten\b|\bwil(?:len)?\b|\bgraag\b|\bliever\b|\bvoortaan\b|\bvanaf nu\b|"
    r"\benkel\b|\balleen\b|\baub\b|\bgelieve\b"
)
# A bare "not" leaves the method in a statement ("not by post but by e-mail"), but asks for it
# in a question: "kunnen we ze niet per mail krijgen?", "why not by e-mail?".
_NOT = r"\bnot\b|\bniet\b|\bpas (?:de|d'|par|en|sur|via)\b"
_CUE_BEFORE = re.compile(
    f"(?P<leave>{_LEAVE_BEFORE})|(?P<target>{_TARGET_BEFORE})|(?P<negation>{_NOT})"
)
# Right after the word: "e-mail instead", "par mail plutôt", "per post graag" / "paper anymore".
_CUE_AFTER = re.compile(
    r"^\W*(?:\w+\W+)?(?:(?P<target>instead|rather|plutot|desormais|dorenavant|from now on|"
    r"please|svp|stp|liever|voortaan|vanaf nu|graag|aub)|(?P<leave>any ?more|no more|meer)\b)"
)
# Where a delivery word's context ends: a sentence or clause boundary.
_CLAUSE_END = re.compile(r"[.!?;:,\n]")
_SENTENCE_END = re.compile(r"[.!?\n]")
DELIVERY_METHODS = ("post", "email_sms")


def iban_from(raw: str) -> str:
    """The IBAN in ``raw``; the entity regex may swallow a short word after it ("… 6769 for")."""
    tokens = raw.split()
    for end in range(len(tokens), 1, -1):
        try:
            return check_iban(" ".join(tokens[:end]))
        except InvalidValue:
            continue
    return check_iban(raw)


def iban_in(text: str) -> str | None:
    """The IBAN typed in a sentence as people type it ("BE46…", "be46 0013 …", "BE 46 0013 …")."""
    if (match := _IBAN_IN_TEXT.search(text)) is not None:
        return match.group(0)
    for spaced in _SPACED_IBAN.finditer(text):
        try:
            iban_from(spaced.group(0))
        except InvalidValue:
            continue
        return spaced.group(0)
    return None


def _iban_part(match: re.Match[str]) -> str:
    """The IBAN of an IBAN-shaped match made a clause break, without the short word the match
    may swallow after it ("… 8336 au nom de", "… 6769 for Acme"): that word may be a label."""
    raw = match.group(0)
    tokens = raw.split()
    for end in range(len(tokens), 1, -1):
        try:
            check_iban(" ".join(tokens[:end]))
        except InvalidValue:
            continue
        return " , " + " ".join(tokens[end:])
    return " , "


def _without_ibans(text: str) -> str:
    """``text`` with every IBAN made a clause break: it is never part of a name."""
    return _SPACED_IBAN.sub(_iban_part, _IBAN_IN_TEXT.sub(_iban_part, text))


# --- the account holder -------------------------------------------------------------------------
# People name the holder ("Acme Logistics NV"), or only point at it: the company ("la société",
# "de firma") or themselves ("mijn eigen rekening", "moi-même"); GET /me then gives the name.
COMPANY = "company"
SELF = "self"


@dataclass(frozen=True)
class HolderSaid:
    """Who the user says holds the account: a ``name``, else what they point at (``refers_to``,
    ``COMPANY`` or ``SELF``)."""

    name: str | None = None
    refers_to: str | None = None


_HOLDER_WORD = (
    r"(?:account |bank )?holder|owner|titulaire|(?:rekening)?houder|eigenaar|"
    r"name on the account|account name|naam op de rekening|nom sur le compte"
)
# "titulaire du compte", "houder van de rekening", "holder of the account".
_OF_THE_ACCOUNT = (
    r"(?:\s+(?:du|de ce|de cet|de l'|van de|van die|van deze|van het|of the|of this|of that|"
    r"on the)\s*(?:compte|iban|rekening|account))?"
)
_NAME_OF = (
    r"au nom d(?:e|u|es)\b|au nom d'|en nom de\b|(?:staat |is )?op (?:de )?naam van\b|"
    r"in (?:de )?naam van\b|in the name of\b|on behalf of\b|namens\b"
)
# The holder's own labels: what follows (or, with "als/comme/as", what comes before) is the holder.
_STRONG_LABEL = re.compile(
    rf"\b(?:(?:{_HOLDER_WORD}){_OF_THE_ACCOUNT}\b|{_NAME_OF})", re.IGNORECASE
)
# "pour/for/voor Acme Logistics NV": a holder only when a name follows ("pour nos factures").
_WEAK_LABEL = re.compile(r"\b(?:for|pour|voor)\s+", re.IGNORECASE)
# "Acme als rekeninghouder", "mettez la société comme titulaire", "put me as the holder",
# "make Sofie Janssens the account holder", "maak de firma de nieuwe houder".
_AS_LABEL = re.compile(
    r"\s(?:(?:als|comme|as|en tant que)\s+(?:(?:le|la|l'|de|the)\s*)?|(?:le|la|l'|de|the)\s+)"
    r"(?:(?:new|nieuwe|nouveau|nouvelle)\s+)?$",
    re.IGNORECASE,
)
# "je suis le titulaire", "ik ben zelf de rekeninghouder", "I'm the account holder".
_I_AM_LABEL = re.compile(
    r"\b(?:je suis|ik ben|i am|i'm)(?:\s+(?:zelf|moi-m[eê]me|myself))?\s+"
    r"(?:(?:le|la|l'|de|the)\s*)?$",
    re.IGNORECASE,
)
# What a clause starts with before the holder: "c'est", "da's", "het is", "le titulaire est",
# "au nom de", "le compte de", "reste", "blijft", "moet", "euh", "en fait", "zet", "mettez"…
_LEAD_IN = re.compile(
    r"^(?:it'?s|it is|that'?s|that is|this is|c'?est|ce sera|[çc]a sera|het is|dat is|da'?s|"
    r"'t is|het wordt|dat wordt|'t wordt|"
    rf"(?:(?:le|la|l'|de|het|the|un|a|een)\s*)?(?:{_HOLDER_WORD}){_OF_THE_ACCOUNT}|{_NAME_OF}|"
    r"(?:(?:le|un|het|de|een|the|a)\s+)?(?:compte|rekening|account)(?:\s+bancaire)?\s+"
    r"(?:de|d'|du|van|of)\b|(?:celui|celle) d(?:e|u|')|die van|dat van|the one of|"
    r"is|est|es|reste|restera|sera|devient|doit [êe]tre|blijft|wordt|moet|zal|zou|"
    r"should be|must be|will be|stays|remains|becomes|still|toujours|nog steeds|gewoon|simply|"
    r"just|juste|en fait|actually|eigenlijk|euh+|eh|uh+|um+|hm+|bon|ben|alors|dus|nou|well|"
    r"ok(?:ay|e|é)?|oui|ja|yes|yep|non|nee|no|ah|oh|oups|oops|oei|sorry|pardon|d[ée]sol[ée]e?|"
    r"wacht|attendez|attends|wait|please|svp|stp|graag|aub|plut[ôo]t|liever|rather|instead|toch|"
    r"maar|wel|zet|mettez|mets|put|make it|maak|prenez|prends|neem|take|use|utilisez|gebruik"
    r")(?:\s*[:=]\s*|\s+|$)",
    re.IGNORECASE,
)
_TRAILER = re.compile(
    r"(?:\s+(?:zijn|worden|svp|stp|please|graag|aub|merci|thanks|bedankt|alstublieft|"
    r"alsjeblieft|pls|plz|hein|quoi|hoor|hé|he))+$",
    re.IGNORECASE,
)
# The end of a sentence, not the dot of an initial or a title ("J. Janssens", "Dhr. Peeters").
_FULL_STOP = (
    r"(?<!\bmr)(?<!\bmrs)(?<!\bms)(?<!\bdr)(?<!\bdhr)(?<!\bmme)(?<!\bmevr)(?<!\bmlle)(?<!\bst)"
    r"(?<!\b\w)\.(?:\s|$)|[!?](?:\s|$)"
)
_CONNECTOR = r"(?:avec|with|met|sur|on|op|via|from|van|naar|to|vers)"
_ACCOUNT_DETERMINER = (
    r"(?:(?:l'|le|la|het|de|the|son|its|mon|my|mijn|notre|our|onze|ons|leur|their|hun|ce|cet|"
    r"cette|dit|deze|die|this|that)\s*)?"
)
# Where clauses end: punctuation, "mais/maar/but", a negation ("pas la société", "niet de
# firma", "not the company") and a new "c'est/het is" start clauses of their own; "avec
# l'IBAN", "op rekening", "sur <IBAN>" end a name ("pour Acme Logistics NV avec l'IBAN BE21…").
_CLAUSE_BREAK = re.compile(
    rf"[,;:()\[\]\n]|{_FULL_STOP}|\s[-–—]\s|\b(?:mais|but|maar|enfin|i mean|je veux dire|"
    r"ik bedoel)\b|(?=\b(?:plut[ôo]t que|rather than|instead of|in plaats van|au lieu de|"
    r"et pas|and not|en niet|pas|niet|not|geen|c'?est|it'?s|it is|het is|dat is|da'?s)\b)|"
    rf"\b{_CONNECTOR}\s+{_ACCOUNT_DETERMINER}(?:iban|compte|rekening\w*|bankrekening\w*|account|"
    rf"num[ée]ro|nummer)\b|\biban\b|\s{_CONNECTOR}(?:\s+{_ACCOUNT_DETERMINER})?(?=\s*,)",
    re.IGNORECASE,
)
_SENTENCE_BREAK = re.compile(rf"{_FULL_STOP}|\n", re.IGNORECASE)
_NEGATED = re.compile(
    r"^(?:pas|non pas|niet|not|geen|plut[ôo]t que|rather than|instead of|in plaats van|"
    r"au lieu de|et pas|and not|en niet)\b",
    re.IGNORECASE,
)
# The sign-off of a message written like an e-mail ("… NV. Cordialement, Sofie"): what follows
# is a signature, never the holder.
_SIGN_OFF = re.compile(
    r"^(?:cordialement|bien [àa] vous|merci|regards|best|kind regards|thanks|thank you|bedankt|"
    r"dank (?:je|u)|alvast bedankt|groeten|mvg|met vriendelijke groeten|corrigez|corrige|"
    r"verbeter|pas (?:dat|het) aan|please (?:correct|fix)|c'est tout|that'?s all)\b",
    re.IGNORECASE,
)
_DETERMINER = r"(?:(?:la|le|l'|notre|ma|mon|cette|de|het|onze|ons|mijn|the|our|my|this|that)\s*)?"
_COMPANY_WORD = (
    r"soci[ée]t[ée]|entreprise|firme|bo[iî]te|compagnie|firma|bedrijf|zaak|vennootschap|"
    r"onderneming|company|business|firm|employer|werkgever|employeur"
)
_COMPANY_REF = re.compile(
    rf"^(?:{_DETERMINER}(?:{_COMPANY_WORD})(?:'s)?(?:\s+(?:elle-m[êe]me|zelf|itself))?"
    r"(?:\s+(?:account|rekening|compte))?|bedrijfsrekening|firmarekening|zakelijke rekening|"
    r"professionele rekening|"
    rf"{_DETERMINER}compte\s+(?:de l'|de la\s+|pro\b|professionnel|soci[ée]t[ée]|entreprise)"
    rf"(?:{_COMPANY_WORD})?|(?:the |our )?(?:company|business|corporate) account)$",
    re.IGNORECASE,
)
# "la société Acme Logistics", "de firma Acme Logistics NV", "our company, Acme": the name.
_COMPANY_THEN_NAME = re.compile(
    rf"^{_DETERMINER}(?:{_COMPANY_WORD})\s+(?!(?:de|du|des|d'|van|of|from|[àa]|au|bij|chez|at|"
    r"in|en|op|voor|pour|for|qui|die|dat|that|which|is|est|heeft)\b)(?P<name>.+)$",
    re.IGNORECASE,
)
_SELF_REF = re.compile(
    r"^(?:moi(?:-m[êe]me| m[êe]me)?|[àa] moi|mon (?:propre )?(?:compte|nom)(?: (?:[àa] moi|"
    r"perso(?:nnel)?|priv[ée]))?|[àa] mon nom|en mon nom|(?:ik|mij|me)(?:\s*zelf)?|ikke|"
    r"mezelf|mijzelf|(?:op )?mijn (?:eigen |persoonlijke |priv[ée] )?(?:rekening|naam)|"
    r"eigen rekening|me|myself|mine|my (?:own |personal |private )?(?:account|name)|"
    r"in my (?:own )?name|(?:a )?(?:personal|private) account|compte (?:perso(?:nnel)?|priv[ée])|"
    r"persoonlijke rekening|priv[ée]rekening|ben ik(?:zelf| het| dat)?|dat ben ik|"
    r"ik ben het|(?:that'?s|it'?s) me|je suis le titulaire|i am|i'm|le mien|la mienne|"
    r"(?:de|het) mijne|van mij(?:zelf)?|van mezelf)$",
    re.IGNORECASE,
)
# "même titulaire", "houder blijft dezelfde", "same holder": nothing changes.
_SAME = re.compile(
    r"^(?:(?:le|la|de|het|the)\s+)?(?:m[êe]me|zelfde|dezelfde|hetzelfde|same|unchanged|"
    r"inchang[ée]e?|ongewijzigd|identique|pareil|idem|as before|comme avant|zoals voorheen|"
    r"gelijk)(?:\s+(?:titulaire|(?:rekening)?houder|holder|naam|nom|name|personne|persoon|"
    r"one|person|chose|thing))?$|ne change pas|change pas|verandert niet|doesn'?t change|"
    r"does not change",
    re.IGNORECASE,
)
# Words that alone never make a name ("ce n'est", "het is dan", "je sais pas").
_FILLER_WORDS = frozenset(
    {"ce", "c", "n", "est", "ne", "je", "j", "on", "il", "elle", "nous", "vous", "le", "la",
     "les", "l", "un", "une", "des", "du", "de", "d", "a", "et", "ou", "que", "qui", "en", "y",
     "ca", "cela", "ceci", "voila", "oui", "non", "bon", "ben", "alors", "donc", "fait", "pas",
     "plus", "bien", "tout", "sur", "dans", "pour", "par", "avec", "mon", "ma", "mes", "notre",
     "nos", "votre", "vos", "son", "sa", "ses", "leur", "leurs", "suis", "es", "sont", "sera",
     "reste", "merci", "svp", "stp", "ok", "euh", "het", "is", "dat", "da", "een", "of", "ik",
     "jij", "we", "wij", "ze", "zij", "hij", "u", "niet", "geen", "wel", "maar", "dus", "nou",
     "ja", "nee", "toch", "ook", "nog", "al", "er", "op", "van", "voor", "met", "in", "aan",
     "mijn", "onze", "ons", "uw", "jouw", "zijn", "was", "wordt", "blijft", "moet", "graag",
     "aub", "bedankt", "oke", "eh", "t", "s", "it", "that", "this", "the", "an", "and", "or", "i",
     "you", "he", "she", "they", "my", "our", "your", "his", "her", "their", "not", "no", "yes",
     "okay", "well", "so", "just", "for", "with", "to", "be", "are", "am", "m", "please",
     "thanks", "uh", "um", "one", "sais", "sait", "weet", "know", "dunno", "idea", "idee",
     "aucune", "comprends", "begrijp", "snap", "understand", "don", "do", "dont"}
)  # fmt: skip
_MONTHS = frozenset(
    {"january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december", "janvier", "fevrier", "mars", "avril", "mai", "juin",
     "juillet", "aout", "septembre", "octobre", "novembre", "decembre", "januari", "februari",
     "maart", "mei", "juni", "juli", "augustus"}
)  # fmt: skip
_LETTERS = re.compile(r"[^\W\d_]+")


def _looks_like_name(text: str) -> bool:
    """Capitalised words ("Sofie Janssens", "Acme Logistics NV", "Van den Berg BV")."""
    words = text.split()
    capitalised = [word for word in words if word[:1].isupper()]
    return bool(capitalised) and all(
        word[:1].isupper() or word[:1].isdigit() or fold(word) in NAME_PARTICLES for word in words
    )


def _is_filler(text: str) -> bool:
    return all(fold(word) in _FILLER_WORDS for word in _LETTERS.findall(text))


def _stripped(clause: str) -> str:
    """The clause without its lead-ins ("c'est", "le titulaire reste", "au nom de"…)."""
    previous = None
    clause = clause.strip(" .!'\"«»")
    while clause != previous:
        previous = clause
        clause = _TRAILER.sub("", _LEAD_IN.sub("", clause)).strip(" .!'\"«»")
    return clause


def _said_in_clauses(text: str, *, capitalised_only: bool = False) -> HolderSaid | None:
    """The holder in a run of clauses: a name wins ("c'est mon compte à moi, Sofie Janssens"),
    else what the user points at ("la société"); negated clauses ("pas la société") and a
    signature after a sign-off do not count. ``capitalised_only``: other words are no name."""
    names: list[str] = []
    refers_to: str | None = None
    for raw in _CLAUSE_BREAK.split(text):
        clause = " ".join((raw or "").split())
        if _SIGN_OFF.match(clause):
            break
        if not clause or _NEGATED.match(clause):
            continue
        clause = _stripped(clause)
        if not clause or _SAME.search(clause):
            continue
        if _SELF_REF.match(clause):
            refers_to = SELF
        elif _COMPANY_REF.match(clause):
            refers_to = COMPANY
        elif (then := _COMPANY_THEN_NAME.match(clause)) is not None:
            names.append(then.group("name"))
        elif not _is_filler(clause):
            names.append(clause)
    named = [name for name in names if _looks_like_name(name)]
    if not named and not capitalised_only:
        named = names
    if named:
        name = holder_from(", ".join(named))
        return HolderSaid(name=name) if name else None
    return HolderSaid(refers_to=refers_to) if refers_to else None


def _said_before_label(before: str) -> HolderSaid | None:
    """ "Acme als rekeninghouder", "mettez la société comme titulaire", "je suis le titulaire"."""
    if _I_AM_LABEL.search(before):
        return HolderSaid(refers_to=SELF)
    if (as_label := _AS_LABEL.search(before)) is None:
        return None
    head = _CLAUSE_BREAK.split(before[: as_label.start()])[-1] or ""
    words = head.split()
    for start in range(len(words)):
        tail = " ".join(words[start:])
        if _SELF_REF.match(tail):
            return HolderSaid(refers_to=SELF)
        if _COMPANY_REF.match(tail):
            return HolderSaid(refers_to=COMPANY)
    name_words: list[str] = []
    for word in reversed(words):
        if not (word[:1].isupper() or fold(word) in NAME_PARTICLES):
            break
        name_words.insert(0, word)
    name = holder_from(_stripped(" ".join(name_words)))
    return HolderSaid(name=name) if name and _looks_like_name(name) else None


def _sentence_after(text: str, position: int) -> str:
    """The rest of the sentence from ``position``."""
    return _SENTENCE_BREAK.split(text[position:], maxsplit=1)[0]


def _in_a_question(text: str, position: int) -> bool:
    """Whether ``position`` is in a sentence that ends with "?"."""
    end = _SENTENCE_BREAK.search(text, position)
    return end is not None and end.group(0).startswith("?")


def labelled_holder(text: str) -> HolderSaid | None:
    """The holder named in a request or a correction by its label: "titulaire : Acme",
    "rekeninghouder is Sofie Janssens", "le titulaire reste Acme Logistics NV", "au nom de la
    société", "de firma als rekeninghouder", "domiciliation pour Acme Logistics NV avec l'IBAN…"."""
    text = _without_ibans(text.translate(APOSTROPHES))
    for label in _STRONG_LABEL.finditer(text):
        if _in_a_question(text, label.end()):
            continue  # "who should be the holder?" names nobody
        said = _said_in_clauses(_sentence_after(text, label.end()))
        if said is None:
            said = _said_before_label(text[: label.start()])
        if said is not None:
            return said
    for label in _WEAK_LABEL.finditer(text):
        said = _said_in_clauses(_CLAUSE_BREAK.split(text[label.end() :], maxsplit=1)[0])
        name = said.name if said is not None else None
        if name and _looks_like_name(name) and fold(name.split()[0]) not in _MONTHS:
            return said
    return None


def holder_answer(text: str) -> HolderSaid | None:
    """The holder in the answer to "whose name is the account in?": by its label if said
    ("le titulaire est …", "Acme comme titulaire"), else the answer's clauses ("c'est mon
    compte à moi, Sofie Janssens" → Sofie Janssens; "la société" → the company)."""
    said = labelled_holder(text)
    if said is None:
        said = _said_in_clauses(_without_ibans(text.translate(APOSTROPHES)))
    if said is not None and said.name and is_question(text) and not _looks_like_name(said.name):
        return None  # "c'est quoi le titulaire ?" asks; it names nobody
    return said


def corrected_holder(text: str) -> HolderSaid | None:
    """The holder in a correction at the summary that names no IBAN: by its label, else a
    capitalised name or what the user points at ("non attendez, pas la société, c'est Sofie
    Janssens"); "oups, je me suis trompée, corrigez" names nobody."""
    return labelled_holder(text) or _said_in_clauses(
        _without_ibans(text.translate(APOSTROPHES)), capitalised_only=True
    )


def holder_from(text: str) -> str | None:
    """An account holder's name typed as an answer: a letter, 2–70 characters, not an IBAN."""
    value = " ".join(text.split()).strip(" .!")
    if not 2 <= len(value) <= 70 or not _HAS_LETTER.search(value) or _IBAN_IN_TEXT.search(value):
        return None
    return value


# --- a stop request in the start form ----------------------------------------------------------
# Direct debit in folded words ("domiciliation", "domicilation", "domiciliëring", "prélèvement
# automatique", "mandat SEPA", "direct debit", "automatische betaling").
_DD_WORD = (
    r"(?:domicil\w*|prelevements?(?: automatiques?)?|"
    r"mandaa?t(?:e|s|en)?(?: (?:de domiciliation|sepa))?|"
    r"direct[ -]?debits?|automatische (?:af)?betaling\w*|automatische incasso\w*|"
    r"automatic payments?|sepa)"
)
_STOP_VERB = (
    r"(?:arret\w*|stop\w*|supprim\w*|annul\w*|resili\w*|mettre fin|mettez fin|desactiv\w*|"
    r"revoqu\w*|opzeg\w*|zeg\w* op|annuleer\w*|beeindig\w*|intrek\w*|schrap\w*|uitschakel\w*|"
    r"uitzet\w*|afzeg\w*|afschaf\w*|cancel\w*|end|ending|terminat\w*|revok\w*|discontinu\w*|"
    r"turn(?:ing)? off|switch(?:ing)? off|get rid of|remov\w*|delet\w*)"
)
_STOPPED = (
    r"(?:gestopt|opgezegd|stopgezet|geannuleerd|beeindigd|ingetrokken|afgeschaft|weg|"
    r"arretee?|supprimee?|annulee?|resiliee?|stopped|cancell?ed|ended|terminated)"
)
_DD_DETERMINERS = (
    r"(?:(?:la|le|les|l'|l|notre|nos|ma|mon|mes|cette|ce|cet|votre|de|het|onze|ons|mijn|die|"
    r"deze|uw|the|our|my|this|that|your|current|actuelle?|huidige|existing|existante?|"
    r"bestaande)\s+){0,2}"
)
_PAY_BY = (
    r"(?:(?:de payer|payer|paying|pay|te betalen|betalen)\s+(?:par|via|en|by|with|through|met|"
    r"per)\s+)?"
)
# Words between "back to" and the transfer that make the transfer the method LEFT instead
# ("passer du virement à la domiciliation", "switch from transfer").
_NOT_LEFT = r"(?!(?:lieu|plaats|instead|rather|plutot|van|de|du|des|from)\b)"
# A stop verb after its object ends the clause (Dutch word order, "la domiciliation, on veut
# l'arrêter"): "la domiciliation et arrêter les virements" stops the transfers, not it.
_VERB_ENDS_CLAUSE = (
    r"(?=\s*(?:$|[.,;!?)])|\s+(?:worden|laten|aub|a\.u\.b|graag|alstublieft|please|svp|s'il|"
    r"merci|maintenant|now|nu|vanaf|a partir|des|dorenavant|desormais|voortaan|et|and|en|"
    r"asap|immediately|immediatement|onmiddellijk|meteen|dank)\b)"
)
_STOPS_DIRECT_DEBIT = re.compile(
    rf"\b{_STOP_VERB}[\s,]+(?:(?:with|met|avec|van|of|a|au|aux)\s+)?{_PAY_BY}{_DD_DETERMINERS}"
    rf"(?:\w+\s+)?{_DD_WORD}"
    rf"|\b{_DD_WORD}[\s,]+(?:[\w']+[\s,]+){{0,4}}?(?:\w')?(?:{_STOP_VERB}|{_STOPPED})"
    rf"{_VERB_ENDS_CLAUSE}"
    rf"|\b{_DD_WORD}\s+(?:[\w']+\s+){{0,2}}?(?:any ?more|meer)\b"
    rf"|\b(?:plus de|plus par|plus en|no more|no longer|not any more)\s+{_DD_DETERMINERS}"
    rf"{_DD_WORD}"
    r"|\b(?:repass\w*|rev(?:enir|iens|ient|enons|enez|iennent)|retourn\w*|retour|repay\w*|"
    r"terug|back|revert\w*|return\w*|"
    rf"(?:re)?passer|switch\w*|overstap\w*|overschakel\w*)\s+(?:{_NOT_LEFT}[\w']+\s+){{0,3}}?"
    r"(?:virements?|overschrijving\w*|(?:bank )?transfers?)\b"
)
_NEGATION_BEFORE = re.compile(r"\b(?:pas|not|niet|nooit|jamais|never)\s+(?:pour\s+|to\s+|de\s+)?$")


def asks_to_stop_direct_debit(text: str) -> bool:
    """Whether a message asks to stop the direct debit ("on voudrait arrêter la domiciliation",
    "de domiciliëring mag stopgezet worden", "no more direct debit", "back to bank transfer"),
    not to stop paying by transfer ("arrêter les virements et passer à la domiciliation")."""
    folded = fold(text.translate(APOSTROPHES))
    return any(
        not _NEGATION_BEFORE.search(folded[: match.start()])
        for match in _STOPS_DIRECT_DEBIT.finditer(folded)
    )


# --- the company's invoices, asked for by an end user ------------------------------------------
# The company's direct debit and invoice settings are the fleet manager's (design §2): an end user
# sets up direct debit only for their own split-bill part, from their own account. In folded
# text, the company (a word for it or its name) next to its invoices or its account.
_OF_COMPANY_DETERMINER = (
    r"(?:(?:la|le|les|notre|nos|ma|mon|cette|de|het|onze|ons|mijn|the|our|my|this)\s+|l')?"
)
_INVOICES_OR_ACCOUNT = (
    r"(?:(?P<invoices>factur\w*|factuur\w*|invoic\w*|bills?)|"
    r"compte(?: bancaire| en banque)?|(?:bank)?rekening\w*|(?:bank )?accounts?|iban)"
)
# "bedrijfsfacturen", "firmarekening", "zakelijke rekening", "corporate account", "compte pro".
_COMPANY_COMPOUND = re.compile(
    r"(?<!\w)(?:bedrijfs|firma|zakelijke |professionele |corporate )"
    r"(?:(?P<invoices>factu\w*|invoic\w*|bills?)|(?:bank)?rekening\w*|accounts?)(?!\w)"
    r"|(?<!\w)compte (?:pro|professionnel|societe|entreprise)(?!\w)"
)
# The user's own part, next to which the company's invoices are only where the part comes from
# ("my part of the company invoice", "ma part des factures de la société").
_OWN_PART = re.compile(
    r"\b(?:my|mon|ma|mijn|own|eigen|propre)\s+(?:(?:own|eigen|propre)\s+)?"
    r"(?:part|share|portion|deel|aandeel|partie|quote-?part)\b|\bpersonal (?:part|share)\b|"
    r"\bpersoonlijke? (?:deel|aandeel)\b|\bpart(?:ie)? (?:perso\w*|privee?)\b|\bsplit[- ]?bill\b"
)
_NEGATED_BEFORE = re.compile(
    r"\b(?:pas|not|niet|geen|non|plutot que|rather than|instead of|in plaats van|au lieu de|"
    r"sauf|except|behalve)\b(?:\W+\w+){0,3}\W*$"
)
_CLAUSE_SPLIT = re.compile(r"[,.;:!?\n]")


@lru_cache(maxsize=64)
def _company_patterns(company: str | None) -> tuple[re.Pattern[str], ...]:
    """The company's invoices or account: "company invoices", "Acme's invoices", "le compte de
    la société", "de rekening van het bedrijf", "factures d'Acme", "bedrijfsrekening"."""
    named = "|".join([_COMPANY_WORD, *(re.escape(name) for name in company_names(company))])
    return (
        re.compile(
            rf"(?<!\w)(?:{named})(?!\w)(?:'s|')?\s+(?:(?:bank|monthly)\s+)?"
            rf"{_INVOICES_OR_ACCOUNT}(?!\w)"
        ),
        re.compile(
            rf"(?<!\w){_INVOICES_OR_ACCOUNT}(?:\s+[\w']+){{0,2}}?\s+"
            rf"(?:(?:de|du|des|van|of|for|pour|voor|from)\s+|d')"
            rf"{_OF_COMPANY_DETERMINER}(?:{named})(?!\w)"
        ),
        _COMPANY_COMPOUND,
    )


_OWN_PART_OFFER = "utter_direct_debit_company_is_fleet_managers"


def _already_offered(tracker: Tracker) -> bool:
    """Whether this conversation already offered direct debit of the user's own part."""
    return any(
        event.get("event") == "bot"
        and (event.get("metadata") or {}).get("utter_action") == _OWN_PART_OFFER
        for event in tracker.events
    )


def asks_for_the_company(text: str, company: str | None = None) -> bool:
    """Whether a message is about the company's invoices or account ("direct debit for Acme's
    company invoices", "notre compte société", "van de rekening van het bedrijf"); the company's
    invoices next to the user's own part ("ma part des factures de la société") or negated
    ("not the company invoices") are not. ``company``: its name, else words only."""
    folded = fold(text.translate(APOSTROPHES))
    own_part = _OWN_PART.search(folded) is not None
    for pattern in _company_patterns(company):
        for match in pattern.finditer(folded):
            if _NEGATED_BEFORE.search(_CLAUSE_SPLIT.split(folded[: match.start()])[-1]):
                continue
            if not (own_part and match.group("invoices")):
                return True
    return False


def _other(method: str) -> str:
    return DELIVERY_METHODS[1 - DELIVERY_METHODS.index(method)]


def _cue(before: str, after: str, question: bool) -> str | None:
    """``leave``/``target``: the cue nearest before the word wins (a "don't want" over its
    "want"), else one right after it; ``None`` when the word stands alone."""
    clause = _CLAUSE_END.split(before)[-1]
    nearest: tuple[int, str] | None = None
    for match in _CUE_BEFORE.finditer(clause):
        kind = str(match.lastgroup)
        if kind == "negation":
            kind = "target" if question else "leave"
        if nearest is None or match.end() > nearest[0]:
            nearest = (match.end(), kind)
    if nearest is not None:
        return nearest[1]
    following = _CUE_AFTER.match(_CLAUSE_END.split(after)[0])
    if following is None:
        return None
    return "leave" if following.group("leave") else "target"


def delivery_from(text: str) -> str | None:
    """``post`` or ``email_sms``: the method the user wants, from what they typed.

    The method after "stop / plus de / geen … meer / instead of" (or the one invoices "still"
    come by) is the one being left: "stop sending paper invoices" means e-mail. The one after
    "switch to / passez-nous à / we'd like" is the target. ``None`` when it stays unclear.
    """
    folded = fold(text.replace("\u2019", "'")).replace("i.p.v.", "ipv")
    mentions = list(_DELIVERY_WORD.finditer(folded))
    wanted: set[str] = set()
    plain: set[str] = set()
    for index, mention in enumerate(mentions):
        method = "email_sms" if mention.lastgroup == "address" else str(mention.lastgroup)
        # A cue belongs to the nearest delivery word: "no more post but e-mail".
        start = mentions[index - 1].end() if index else 0
        end = mentions[index + 1].start() if index + 1 < len(mentions) else len(folded)
        sentence_end = _SENTENCE_END.search(folded, mention.end())
        question = sentence_end is not None and sentence_end.group(0) == "?"
        cue = _cue(folded[start : mention.start()], folded[mention.end() : end], question)
        if cue == "target":
            wanted.add(method)
        elif cue == "leave":
            wanted.add(_other(method))
        else:
            plain.add(method)
    chosen = wanted or plain
    return next(iter(chosen)) if len(chosen) == 1 else None


class ValidateDirectDebitForm(OperationFormValidation):
    """Slots ``direct_debit_iban`` (stdnum) and ``direct_debit_holder``; several at once."""

    fleet_manager_only = False  # an end user sets up the mandate of their own split-bill part
    needs_line = False
    # "oops, wrong account: BE46…" at the summary re-opens it; its slots stay filled while the
    # summary waits, so a correction changes only what it says.
    op_type = "setup_direct_debit"
    how_to = ("utter_faq_direct_debit", "utter_can_do_direct_debit")

    def name(self) -> str:
        return "validate_direct_debit_form"

    def pending_values(self, operation: Operation) -> dict[str, Any]:
        # The summary holds the IBAN masked only: the IBAN is the one its slot kept.
        holder = operation.summary.get("holder")
        return {HOLDER_SLOT: holder} if isinstance(holder, str) and holder else {}

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if self._asks_to_stop(tracker):
            return await self._hand_over_to_stop(dispatcher, tracker, domain)
        if await self._end_user_asks_for_the_company(tracker):
            return await self._offer_own_part(dispatcher, tracker, domain)
        return list(await super().run(dispatcher, tracker, domain))

    async def _end_user_asks_for_the_company(self, tracker: Tracker) -> bool:
        """An end user asking for direct debit of the company's invoices, from its account or
        with the company as holder: those are the fleet manager's (design §2). The words are
        read first: the caller is looked up only when they point at the company."""
        text = latest_text(tracker)
        if text.startswith("/") or is_interruption(latest_intent(tracker)):
            return False
        names_iban = bool(entity_values(tracker, "iban")) or iban_in(text) is not None
        said = self._holder_said(tracker, text, names_iban)
        holder = said.name if said is not None else None
        holder_is_company = said is not None and said.refers_to == COMPANY
        # A display cache, never the decision: whether the company's name is worth a look-up.
        cached = tracker.get_slot("company_name")
        cached_company = str(cached) if cached else None
        if not (
            holder_is_company
            or asks_for_the_company(text, cached_company)
            or (holder and cached_company and is_the_company(holder, cached_company))
        ):
            return False
        try:
            me = await self.backend.get_me(require_identity(tracker))
        except BackendError as exc:
            logger.info("Reading the caller for a company request failed: %r", exc)
            return False  # the form goes on; the backend has the last word
        if me.active_role != "end_user":
            return False
        company = me.company.name if me.company is not None else None
        return (
            holder_is_company
            or asks_for_the_company(text, company)
            or bool(holder and company and is_the_company(holder, company))
        )

    async def _offer_own_part(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Nothing is set up: the bot says the company's invoices are the fleet manager's and
        offers direct debit of the user's own part; "yes" starts this form afresh
        (``action_confirm_operation``), "no" ends with nothing done."""
        events = self._stop(domain)
        # A mandate waiting for "yes" and now meant for the company's account never runs.
        if not await self._drop_pending(dispatcher, tracker):
            return [*events, *clear_pending()]
        if _already_offered(tracker):
            # Offered once and answered with the company's account again: no second round.
            dispatcher.utter_message(response="utter_direct_debit_company_refused")
            return [*events, *clear_pending()]
        dispatcher.utter_message(response=_OWN_PART_OFFER)
        return [
            *events,
            SlotSet(PENDING_ID_SLOT, f"{START_PREFIX}{DIRECT_DEBIT_FORM}"),
            SlotSet(PENDING_TYPE_SLOT, START_PREFIX.rstrip(":")),
        ]

    async def _drop_pending(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
        """Cancel the operation waiting for "yes", if any; False (the user told) when the
        backend failed."""
        pending_id = tracker.get_slot(PENDING_ID_SLOT)
        if not pending_id:
            return True
        try:
            await self._take_over_pending(
                dispatcher,
                require_identity(tracker),
                str(pending_id),
                tracker.get_slot(PENDING_TYPE_SLOT),
            )
        except BackendError as exc:
            utter_backend_error(dispatcher, exc)
            return False
        return True

    @staticmethod
    def _asks_to_stop(tracker: Tracker) -> bool:
        """ "On voudrait arrêter la domiciliation" read as a set-up, or said at its questions
        ("non, c'est pour arrêter la domiciliation"): the stop is meant, not a new mandate."""
        text = latest_text(tracker)
        if text.startswith("/") or iban_in(text) is not None:
            return False
        asked = tracker.get_slot("requested_slot") is not None
        return asks_to_stop_direct_debit(text) or (
            asked and latest_intent(tracker) == "stop_direct_debit"
        )

    async def _hand_over_to_stop(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """End this form and prepare the stop in the same turn (a follow-up action would have
        no rule after it); the submit action then does nothing, its slots being empty."""
        events = [*self._stop(domain)]
        if tracker.get_slot(PENDING_ID_SLOT):
            if not await self._drop_pending(dispatcher, tracker):
                return events
            events += clear_pending()
        stop = ActionPrepareStopDirectDebit(self.backend)
        return [*events, *await stop.run(dispatcher, tracker, domain)]

    async def extract(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        identity: ChatIdentity,
        line: Line | None,
    ) -> dict[str, Any]:
        requested = tracker.get_slot("requested_slot")
        text = latest_text(tracker)
        values: dict[str, Any] = {}
        raw_iban = next(iter(entity_values(tracker, "iban")), None) or iban_in(text)
        if raw_iban is not None or requested == IBAN_SLOT:
            try:
                values[IBAN_SLOT] = iban_from(raw_iban or text)
            except InvalidValue:
                dispatcher.utter_message(response="utter_invalid_direct_debit_iban")
        said = self._holder_said(tracker, text, raw_iban is not None)
        holder = await self._holder_name(said, identity) if said is not None else None
        if holder is not None:
            values[HOLDER_SLOT] = holder
        elif requested == HOLDER_SLOT:
            dispatcher.utter_message(response="utter_invalid_direct_debit_holder")
        return {slot: value for slot, value in values.items() if value is not None}

    def _holder_said(self, tracker: Tracker, text: str, names_iban: bool) -> HolderSaid | None:
        """The answer to "whose name?" is the holder however it is put; a correction at the
        summary that names no IBAN can only be about the holder; elsewhere (the opening, the
        IBAN's answer) only a holder said with its label counts."""
        requested = tracker.get_slot("requested_slot")
        if requested == HOLDER_SLOT:
            return holder_answer(text)
        correcting = (
            requested is None
            and tracker.get_slot(PENDING_TYPE_SLOT) == self.op_type
            and bool(tracker.get_slot(PENDING_ID_SLOT))
        )
        return corrected_holder(text) if correcting and not names_iban else labelled_holder(text)

    async def _holder_name(self, said: HolderSaid, identity: ChatIdentity) -> str | None:
        """The name said, else the company's or the caller's own name (GET /me)."""
        if said.name is not None or said.refers_to is None:
            return said.name
        try:
            me = await self.backend.get_me(identity)
        except BackendError as exc:
            logger.info("Reading the caller for the account holder failed: %r", exc)
            return None  # the holder is asked (again) by name
        if said.refers_to == COMPANY:
            return me.company.name if me.company is not None else None
        return holder_from(f"{me.first_name} {me.last_name}")


def _summary_vars(iban: str, holder: str) -> Any:
    def build(operation: Operation, language: str) -> dict[str, Any]:
        summary = operation.summary
        return {
            "iban": summary.get("iban_masked") or mask_iban(iban),
            "holder": summary.get("holder") or holder,
            "bank": summary.get("bank_name") or iban_bank(iban).get("bank") or "—",
        }

    return build


def direct_debit_notes(operation: Operation, language: str) -> list[tuple[str, dict[str, Any]]]:
    """The current open invoice is still to be paid by transfer (the manual's warning)."""
    current = operation.summary.get("current_open_invoice")
    if not isinstance(current, dict):
        return [("utter_direct_debit_no_open_invoice", {})]
    amount = current.get("amount_incl_vat", current.get("amount"))
    return [
        (
            "utter_direct_debit_pay_current_by_transfer",
            {
                "number": current.get("number") or "—",
                "amount": money(amount, language),
                "reference": current.get("structured_reference") or "—",
            },
        )
    ]


@register_done_vars("setup_direct_debit")
def _setup_done(operation: Operation, language: str) -> dict[str, Any]:
    return {}


@register_done_vars("stop_direct_debit")
def _stop_done(operation: Operation, language: str) -> dict[str, Any]:
    return {}


@register_done_vars("change_delivery_method")
def _delivery_done(operation: Operation, language: str) -> dict[str, Any]:
    result = operation.result or {}
    method = result.get("delivery_method") or operation.summary.get("delivery_method")
    email = result.get("delivery_email") or operation.summary.get("delivery_email")
    name = f"{RESPONSE_PREFIX}_operation_done_change_delivery_method"
    return {"response": f"{name}_{method or 'email_sms'}", "email": email or "—"}


async def delivery_email(
    client: BackendClient, identity: ChatIdentity, settings: BillingSettings
) -> str | None:
    """Where e-mailed invoices go: the billing e-mail, else the caller's own address (the
    backend fills in the account's e-mail when the billing settings have none)."""
    if settings.delivery_email:
        return settings.delivery_email
    try:
        return (await client.get_me(identity)).email
    except BackendError:
        return None  # the summary works without it


class ActionPrepareDirectDebit(BackendAction):
    """Submit of ``direct_debit_form``: the backend prepares the mandate, the bot reads it back."""

    def name(self) -> str:
        return "action_prepare_direct_debit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        iban, holder = tracker.get_slot(IBAN_SLOT), tracker.get_slot(HOLDER_SLOT)
        if not iban or not holder:
            return form_slot_resets(domain)  # the form was stopped; it already said why
        try:
            events = await prepare_operation(
                dispatcher,
                tracker,
                client=self.backend,
                op_type="setup_direct_debit",
                line_id=None,
                params={"iban": iban, "holder": holder},
                summary_response="utter_summary_setup_direct_debit",
                summary_vars=_summary_vars(str(iban), str(holder)),
                notes=direct_debit_notes,
            )
        except InvalidRequestError as exc:
            if exc.code == "iban_invalid" or exc.field == "iban":
                # The backend's stdnum disagrees (or a bank refuses): re-ask only the IBAN.
                dispatcher.utter_message(response="utter_invalid_direct_debit_iban")
                return [SlotSet(IBAN_SLOT, None), FollowupAction(DIRECT_DEBIT_FORM)]
            if exc.code == HOLDER_IS_COMPANY:
                # An end user named the company before the bot knew its name (no cached
                # company name): the backend refuses it; re-ask the holder, keep the IBAN.
                dispatcher.utter_message(response="utter_direct_debit_holder_is_company")
                return [SlotSet(HOLDER_SLOT, None), FollowupAction(DIRECT_DEBIT_FORM)]
            dispatcher.utter_message(response="utter_backend_unavailable")
            return form_slot_resets(domain)
        # The form's slots stay filled while the summary waits: "le titulaire c'est Sofie
        # Janssens" re-opens the form, which keeps the IBAN (confirm and cancel clear them).
        waits = any(e.get("name") == PENDING_ID_SLOT and e.get("value") for e in events)
        return events if waits else [*form_slot_resets(domain), *events]


class ActionPrepareStopDirectDebit(BackendAction):
    """ "Stop the direct debit": read the mandate back, prepare ``stop_direct_debit``."""

    def name(self) -> str:
        return "action_prepare_stop_direct_debit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            settings = await self.backend.get_billing_settings(require_identity(tracker))
        except BackendError as exc:
            utter_backend_error(dispatcher, exc)
            return []
        mandate = settings.mandate or {}
        if settings.payment_method != "direct_debit" and not mandate:
            dispatcher.utter_message(response="utter_direct_debit_not_active")
            return []
        try:
            return await prepare_operation(
                dispatcher,
                tracker,
                client=self.backend,
                op_type="stop_direct_debit",
                line_id=None,
                params={},
                summary_response="utter_summary_stop_direct_debit",
                summary_vars=lambda operation, language: {
                    "iban": mandate.get("iban_masked") or "—",
                    "holder": mandate.get("holder") or "—",
                },
            )
        except InvalidRequestError:
            dispatcher.utter_message(response="utter_direct_debit_not_active")
            return []


class ValidateDeliveryMethodForm(OperationFormValidation):
    """Slot ``delivery_method``: ``post`` or ``email_sms`` (buttons or words)."""

    fleet_manager_only = False
    needs_line = False

    def name(self) -> str:
        return "validate_delivery_method_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = latest_text(tracker)
        if (
            tracker.get_slot("requested_slot") is None
            and not text.startswith("/")
            and asks_for_the_company(text, tracker.get_slot("company_name"))
        ):
            # "la comptabilité voudrait que les factures de la société arrivent par mail",
            # asked by an end user: the company's invoices are the fleet manager's (design
            # §2); her own part's delivery was changed instead.
            try:
                me = await self.backend.get_me(require_identity(tracker))
            except BackendError as exc:
                logger.info("Reading the caller for a company request failed: %r", exc)
                me = None
            if me is not None and me.active_role == "end_user":
                dispatcher.utter_message(response="utter_company_delivery_fleet_manager")
                return self._stop(domain)
        return list(await super().run(dispatcher, tracker, domain))

    async def extract(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        identity: ChatIdentity,
        line: Line | None,
    ) -> dict[str, Any]:
        requested = tracker.get_slot("requested_slot")
        chosen = next(iter(entity_values(tracker, DELIVERY_SLOT)), None)
        method = chosen if chosen in DELIVERY_METHODS else delivery_from(latest_text(tracker))
        if method is None:
            if requested == DELIVERY_SLOT:
                dispatcher.utter_message(response="utter_invalid_delivery_method")
            return {}
        return {DELIVERY_SLOT: method}


class ActionAskDeliveryMethod(BackendAction):
    """Asks post or e-mail/SMS, saying how invoices arrive today."""

    def name(self) -> str:
        return "action_ask_delivery_method_form_delivery_method"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            settings = await self.backend.get_billing_settings(require_identity(tracker))
            current = settings.delivery_method
        except BackendError:
            current = None  # the question works without it
        response = "utter_ask_delivery_method_form_delivery_method"
        if current in DELIVERY_METHODS:
            response = f"{response}_now_{current}"
        dispatcher.utter_message(response=response)
        return []


class ActionPrepareDeliveryMethod(BackendAction):
    """Submit of ``delivery_method_form``: prepare ``change_delivery_method``, read it back."""

    def name(self) -> str:
        return "action_prepare_delivery_method"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        method = tracker.get_slot(DELIVERY_SLOT)
        if method not in DELIVERY_METHODS:
            return form_slot_resets(domain)
        try:
            identity = require_identity(tracker)
            settings = await self.backend.get_billing_settings(identity)
            email = None
            if method == "email_sms":
                email = await delivery_email(self.backend, identity, settings)
            if settings.delivery_method == method:
                dispatcher.utter_message(
                    response=f"{RESPONSE_PREFIX}_delivery_method_already_{method}",
                    email=email or "—",
                )
                return form_slot_resets(domain)
            events = await prepare_operation(
                dispatcher,
                tracker,
                client=self.backend,
                op_type="change_delivery_method",
                line_id=None,
                params={"delivery_method": method},
                summary_response=f"{RESPONSE_PREFIX}_summary_change_delivery_method_{method}",
                summary_vars=lambda operation, language: {
                    "email": operation.summary.get("delivery_email") or email or "—",
                },
            )
        except InvalidRequestError:
            dispatcher.utter_message(response="utter_invalid_delivery_method")
            return form_slot_resets(domain)
        except BackendError as exc:
            utter_backend_error(dispatcher, exc)
            return form_slot_resets(domain)
        return [*form_slot_resets(domain), *events]
