"""Billing settings by chat: set up / stop direct debit, change the invoice delivery method.

The manual: "Après la demande, vous devez encore payer la facture actuelle manuellement par
virement. La domiciliation ne commence qu'à partir de la prochaine facture." So the summary of
``setup_direct_debit`` (two-step, prepared by the backend) says it starts with the NEXT invoice
and reads back the current open invoice to pay by transfer (amount, structured reference).
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

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
    latest_text,
    require_identity,
)
from actions.line_resolution import fold
from actions.operation_forms import OperationFormValidation
from actions.operation_text import money
from actions.operations import (
    form_slot_resets,
    prepare_operation,
    register_done_vars,
    utter_backend_error,
)
from actions.validators import InvalidValue, check_iban
from validation import iban_bank, mask_iban

IBAN_SLOT = "direct_debit_iban"
HOLDER_SLOT = "direct_debit_holder"
DELIVERY_SLOT = "delivery_method"
DIRECT_DEBIT_FORM = "direct_debit_form"
# An IBAN anywhere in a message: two letters, two digits, then groups (spaces allowed).
_IBAN_IN_TEXT = re.compile(r"\b[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,3})?\b")
# "… BE71 0961 2345 6769 for Acme Logistics" / "au nom de" / "op naam van" / "voor".
_HOLDER_LABELS = (
    # The holder's own labels first: "pour nos factures … titulaire du compte : Acme" names
    # Acme, not "nos factures".
    r"in the name of|on behalf of|(?:account )?holder|owner|name on the account|account name|"
    r"au nom de|titulaire(?: du compte)?|op naam van|(?:rekening)?houder(?: van de rekening)?|"
    r"eigenaar",
    r"for|pour|voor",
)
_HOLDER_AFTER = tuple(
    re.compile(rf"\b(?:{labels})(?:\s+(?:is|est))?\s*:?\s+(?P<holder>.+?)[\s.!)]*$", re.IGNORECASE)
    for labels in _HOLDER_LABELS
)
# Where a holder's name typed in a sentence ends: the end of the sentence, or the sign-off of a
# message written like an e-mail ("titulaire : Acme Logistics NV. Cordialement, Sofie").
_HOLDER_END = re.compile(
    r"[.!?](?:\s|$)|,\s*(?:cordialement|merci|regards|best|kind|thanks|bedankt|groeten|mvg)\b",
    re.IGNORECASE,
)
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


# "it's Acme Logistics NV", "c'est Acme", "het is Acme": the name after the lead-in.
_LEAD_IN = re.compile(r"^(?:it'?s|it is|that'?s|c'?est|het is|dat is|'t is)\s+", re.IGNORECASE)


def _labelled_holder(text: str) -> re.Match[str] | None:
    """The holder after its label, the holder's own labels first."""
    return next((match for pattern in _HOLDER_AFTER if (match := pattern.search(text))), None)


def holder_in(text: str) -> str | None:
    """The holder's name in a sentence: after "holder"/"titulaire"/"op naam van" if said, else
    the whole answer without its lead-in, up to the end of the sentence or a sign-off."""
    after = _labelled_holder(text)
    name = after.group("holder") if after is not None else _LEAD_IN.sub("", text.strip())
    return holder_from(_HOLDER_END.split(name, maxsplit=1)[0])


def holder_from(text: str) -> str | None:
    """An account holder's name typed as an answer: a letter, 2–70 characters, not an IBAN."""
    value = " ".join(text.split()).strip(" .!")
    if not 2 <= len(value) <= 70 or not _HAS_LETTER.search(value) or _IBAN_IN_TEXT.search(value):
        return None
    return value


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
    op_type = "setup_direct_debit"  # "oops, wrong account: BE46…" at the summary re-opens it

    def name(self) -> str:
        return "validate_direct_debit_form"

    def pending_values(self, operation: Operation) -> dict[str, Any]:
        # The summary shows the IBAN masked only: a corrected holder asks for the IBAN again.
        holder = operation.summary.get("holder")
        return {HOLDER_SLOT: holder} if isinstance(holder, str) and holder else {}

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
        raw_iban = next(iter(entity_values(tracker, "iban")), None)
        match = _IBAN_IN_TEXT.search(text)
        if raw_iban is None and match is not None:
            raw_iban = match.group(0)
        if raw_iban is not None or requested == IBAN_SLOT:
            try:
                values[IBAN_SLOT] = iban_from(raw_iban or text)
            except InvalidValue:
                dispatcher.utter_message(response="utter_invalid_direct_debit_iban")
        if match is not None and requested != HOLDER_SLOT:
            after = _labelled_holder(text[match.start() :])
            if after is not None:
                values[HOLDER_SLOT] = holder_in(after.group(0))
        elif requested == HOLDER_SLOT:
            values[HOLDER_SLOT] = holder_in(text)
            if values[HOLDER_SLOT] is None:
                dispatcher.utter_message(response="utter_invalid_direct_debit_holder")
        return {slot: value for slot, value in values.items() if value is not None}


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
            dispatcher.utter_message(response="utter_backend_unavailable")
            return form_slot_resets(domain)
        return [*form_slot_resets(domain), *events]


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
