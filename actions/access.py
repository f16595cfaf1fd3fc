"""Access to the portal (manual, "Accès"): forgotten password, registration e-mail not received.

- ``password_reset_form`` (slot ``password_reset_gsm``). A conversation the backend bound to an
  account needs no number: the link goes to that account's own address at once — the current
  password keeps working until a new one is chosen, so a "yes?" first would only delay the one
  thing asked for (``POST /me/password-reset``). Anyone else (not logged in, an unlinked
  Slack/Teams user) hears about "forgot password" on the login page and may give their GSM
  number here (``POST /auth/password-reset``); the answer is the same whether or not the number
  has an account, so the bot cannot be used to find out who has one.
  A fleet manager who names an employee ("Lotte can't log in, send her a reset") has the link
  sent to that employee's account (``POST /lines/{id}/password-reset``; an employee who never
  completed the registration gets the registration e-mail again).
- ``registration_resend_form`` (slot ``target_line_id``): a fleet manager names the employee by
  name or number (``actions/line_resolution.py``); ``POST /lines/{id}/registration-email``.
  Anyone else is told where the registration e-mail comes from and who can send it again.
- ``portal_invitation_form`` (slots ``target_line_id``, ``invitation_email``): an employee
  without any portal account, met by either of the above, is invited with the address the fleet
  manager gives (``POST /lines/{id}/portal-invitation``).

Whose account it is always comes from the backend's binding of this conversation, never from a
slot or an entity (design.md §4).
"""

from __future__ import annotations

import contextlib
import logging
import re
from typing import Any

import phonenumbers
from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import names_someone, puts_off, said_yes_or_no
from actions.api.backend import (
    BackendClient,
    BackendError,
    ChatIdentity,
    ConflictError,
    IdentityUnknownError,
    InvalidRequestError,
    Line,
    RateLimitedError,
)
from actions.catalog_text import find_barrings
from actions.common import (
    BackendAction,
    chat_identity,
    entity_values,
    idempotency_key,
    latest_intent,
    latest_text,
    require_identity,
)
from actions.line_resolution import (
    line_buttons_shown_this_turn,
    resolve_line,
    utter_resolution_problem,
)
from actions.operation_forms import LINE_SLOT, OperationFormValidation, is_interruption
from actions.operations import (
    retry_minutes,
    utter_backend_error,
)
from actions.phone import format_national
from actions.validators import InvalidValue, check_email
from validation import fold

logger = logging.getLogger(__name__)

RESET_FORM = "password_reset_form"
GSM_SLOT = "password_reset_gsm"
# The slot's value for "the account of this conversation" (only the validator sets it, and only
# after the backend named the account; the submit action then asks for the caller's own link).
OWN_ACCOUNT = "own"
# The slot's value for an employee's account, named by their line: ``line:<id>``.
EMPLOYEE_PREFIX = "line:"
RESET_TYPE = "password_reset"
REGISTRATION_FORM = "registration_resend_form"
INVITATION_FORM = "portal_invitation_form"
INVITATION_EMAIL_SLOT = "invitation_email"

_REGION = "BE"
# "password" in the three languages, as people type it (mdp, pw, paswoord, pasw, ww...).
_PASSWORD_WORDS = re.compile(
    r"mot\s*de\s*pass|\bmdp\b|pass\s*word|pasword|\bpwd?\b|passwd|wacht\s*w[oa]ord|pas+w[oa]ord"
    r"|\bww\b|\bpas+wd?\b",
    re.IGNORECASE,
)


def mentions_password(text: str) -> bool:
    """Whether a message talks about a password (so it is never an erasure or a role switch)."""
    return bool(_PASSWORD_WORDS.search(text)) and not text.startswith("/")


# The user's own way into the portal: the account, the login, the password, being locked out
# ("mon compte est bloqué", "je n'arrive plus à me connecter", "ik kan niet meer inloggen",
# "I'm locked out"), on folded text. Never "je compte" (I intend).
_ACCOUNT_WORDS = re.compile(
    r"\b(?:\w*ac+ount\w*|(?<!je )compte|conte|login|logg?u?e|log\s*in|logon|inlog\w*"
    r"|aanmeld\w*|meld\w*\s+(?:me|mij)\s+aan|connect\w*|conect\w*|connexion|identifiant\w*"
    r"|credentials?|sign\s*in|lock\s*out|locked\s+out|lockout|buitengesloten|verrouill\w*"
    r"|vergrendel\w*|let\s+me\s+in"
    r"|(?:je\s+suis|j'?suis|i'?m|i\s+am|ik\s+ben)\s+(?:bloque\w*|blocked|geblokkeerd))\b"
)
# Getting in, said of the portal ("le portail ne me laisse pas entrer", "ik geraak er niet meer
# in"), but also of what the portal shows ("can I access the barrings there?").
_ACCESS_WORDS = re.compile(
    r"\b(?:get\s+in(?:to)?|entrer|dehors|hors\s+de|binnen|geraak\s+er|acces|access|toegang)\b"
)
# Unblocking a service or a SIM, not an account: "can I unblock them myself later in the
# portal?", "je pourrai les débloquer moi-même ?", "kan ik ze later zelf deblokkeren?".
_UNBLOCKING_VERBS = re.compile(
    r"\b(?:un\s*block\w*|un\s*bar\w*|debloqu?\w*|deblok\w*|lift\w*|lever|opheff\w*|vrijgeven)\b"
)
_UNBLOCKING_WORDS = re.compile(
    r"\b(?:un\s*block\w*|un\s*bar\w*|debloqu?\w*|deblok\w*|lift\w*|lever|opheff\w*"
    r"|sim|sims|simkaart\w*|esim)\b"
)


def about_own_account(text: str) -> bool:
    """Whether a message is about the user's own account, login or password."""
    return mentions_password(text) or bool(_ACCOUNT_WORDS.search(fold(text)))


def about_unblocking_services(text: str) -> bool:
    """Whether a message about something blocked means services or a SIM (barrings), not the
    account: an unblocking word or a service named, and no account, login or password."""
    if about_own_account(text):
        return False
    return bool(_UNBLOCKING_WORDS.search(fold(text)) or find_barrings(text, []))


def says_unblock(text: str) -> bool:
    """Whether a message says to unblock, lift a block or free a service ("débloquer")."""
    return _UNBLOCKING_VERBS.search(fold(text)) is not None


def about_portal_access(text: str) -> bool:
    """Whether a "locked" message is about getting into the portal (only then may it send a
    reset link): the account, the login or the password, or getting in, and no service."""
    if about_unblocking_services(text):
        return False
    return about_own_account(text) or bool(_ACCESS_WORDS.search(fold(text)))


def mobile_number(tracker: Tracker) -> str | None:
    """The E.164 Belgian mobile number in the latest message (entity first, then the text)."""
    for candidate in [*entity_values(tracker, "phone_number"), latest_text(tracker)]:
        for match in phonenumbers.PhoneNumberMatcher(candidate, _REGION):
            number = match.number
            if phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in (
                phonenumbers.PhoneNumberType.MOBILE,
                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
            ):
                return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


class _DeclinableForm(OperationFormValidation):
    """A form whose question may be answered "no thanks" ("give me your number", "what's her
    address?"): nothing is sent, the user is told so, and the form ends."""

    declinable_slot = ""
    declined_response = ""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        asked = tracker.get_slot("requested_slot") == self.declinable_slot
        if asked and (said_yes_or_no(tracker) is False or puts_off(latest_text(tracker))):
            dispatcher.utter_message(response=self.declined_response)
            return self._stop(domain)
        return list(await super().run(dispatcher, tracker, domain))


class ValidatePasswordResetForm(_DeclinableForm):
    """The account of the conversation, an employee a fleet manager names, else the GSM number
    someone not logged in gives."""

    fleet_manager_only = False
    needs_line = False
    declinable_slot = GSM_SLOT
    declined_response = "utter_password_reset_not_sent"

    def name(self) -> str:
        return f"validate_{RESET_FORM}"

    async def extract(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        identity: ChatIdentity,
        line: Line | None,
    ) -> dict[str, Any]:
        opening = tracker.get_slot("requested_slot") is None
        if not opening and (
            entity_values(tracker, "line_id") or names_someone(latest_text(tracker))
        ):
            # A fleet manager's answer to "which Jan?" (a button of the opening's candidates,
            # or a name typed); a number typed is the login of the one who forgot (below).
            resolution = await resolve_line(self.backend, identity, tracker)
            if resolution.line is not None:
                return {GSM_SLOT: f"{EMPLOYEE_PREFIX}{resolution.line.id}"}
        me = None
        if opening:
            # Not logged in: a number given in this message, else the how-to.
            with contextlib.suppress(IdentityUnknownError):
                me = await self.backend.get_me(identity)
        if me is not None:
            # Logged in: their own account, or a fleet manager's employee named here.
            if me.active_role == "fleet_manager":
                resolution = await resolve_line(self.backend, identity, tracker)
                if resolution.line is not None and resolution.line.id != me.line_id:
                    return {GSM_SLOT: f"{EMPLOYEE_PREFIX}{resolution.line.id}"}
                if resolution.referenced and resolution.line is None:
                    utter_resolution_problem(dispatcher, resolution)
                    return {}  # "which Jan?": the answer names the line
            return {GSM_SLOT: OWN_ACCOUNT}
        number = mobile_number(tracker)
        if number is None:
            response = "utter_password_reset_how" if opening else "utter_invalid_password_reset_gsm"
            dispatcher.utter_message(response=response)
            return {}
        return {GSM_SLOT: number}


class ActionPasswordReset(BackendAction):
    """Submit of ``password_reset_form``: the link for the own account or for an employee's, or
    for the number given (then the same neutral answer whatever the backend knows)."""

    def name(self) -> str:
        return "action_password_reset"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        value = tracker.get_slot(GSM_SLOT)
        done: list[EventType] = [SlotSet(GSM_SLOT, None)]
        if not value:
            return done  # the form was stopped
        if str(value).startswith(EMPLOYEE_PREFIX):
            line_id = int(str(value).removeprefix(EMPLOYEE_PREFIX))
            return [*done, *await self._employee_reset(dispatcher, tracker, line_id)]
        if value == OWN_ACCOUNT:
            # One key per user message: a retried turn sends one e-mail.
            key = idempotency_key(tracker, RESET_TYPE)
            await send_own_reset_link(self.backend, dispatcher, tracker, key)
            return done
        try:
            await self.backend.request_password_reset(require_identity(tracker), gsm=str(value))
        except BackendError as exc:
            logger.info("Password reset request failed: %r", exc)
            dispatcher.utter_message(response="utter_backend_unavailable")
            return done
        dispatcher.utter_message(
            response="utter_password_reset_requested", msisdn=format_national(str(value))
        )
        return done

    async def for_locked_account(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        """ "My account is locked", "it keeps saying wrong password": what gets them back in is
        a new password, so the link is sent at once (to the account of this conversation, or
        of the employee a fleet manager names) after one sentence on what the message means.
        Someone not logged in hears the how-to: there is no account to send it to."""
        identity = chat_identity(tracker)
        try:
            me = await self.backend.get_me(identity) if identity is not None else None
        except IdentityUnknownError:
            me = None
        if identity is None or me is None:
            dispatcher.utter_message(response="utter_faq_account_locked")
            return []
        if me.active_role == "fleet_manager":
            resolution = await resolve_line(self.backend, identity, tracker)
            if resolution.line is not None and resolution.line.id != me.line_id:
                return await self._employee_reset(dispatcher, tracker, resolution.line.id)
        dispatcher.utter_message(response="utter_account_locked_explained")
        await send_own_reset_link(
            self.backend, dispatcher, tracker, idempotency_key(tracker, RESET_TYPE)
        )
        return []

    async def _employee_reset(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, line_id: int
    ) -> list[EventType]:
        """The link goes to the employee's own account address (their current password keeps
        working until they choose a new one, so no "yes?" first, like the registration e-mail);
        an employee who never registered gets that e-mail again, one without an account is
        offered an invitation."""
        identity = require_identity(tracker)
        try:
            line = await self.backend.get_line(identity, line_id)
            key = idempotency_key(tracker, f"line_password_reset:{line_id}")
            sent = await self.backend.request_line_password_reset(
                identity, line_id, idempotency_key=key
            )
        except ConflictError as exc:
            return offer_invitation(dispatcher, exc, line)
        except RateLimitedError as exc:
            minutes = retry_minutes(exc.retry_after)
            dispatcher.utter_message(response="utter_password_reset_limited", minutes=minutes)
            return []
        except BackendError as exc:
            utter_backend_error(dispatcher, exc)
            return []
        response = (
            "utter_employee_password_reset_sent"
            if sent.outcome == "reset_sent"
            else "utter_registration_email_resent"
        )
        dispatcher.utter_message(
            response=response,
            name=f"{sent.first_name} {sent.last_name}".strip() or line.user_name,
            msisdn=format_national(sent.gsm),
            sent_to=sent.sent_to,
        )
        return []


def offer_invitation(
    dispatcher: CollectingDispatcher, exc: ConflictError, line: Line
) -> list[EventType]:
    """An employee with no portal account at all: offer to invite them (their e-mail address
    is asked next); any other refusal is said as such."""
    name, msisdn = line.user_name or line.label or "—", format_national(line.msisdn)
    if exc.code == "no_portal_account":
        dispatcher.utter_message(response="utter_offer_portal_invitation", name=name, msisdn=msisdn)
        return [SlotSet(LINE_SLOT, str(line.id)), FollowupAction(INVITATION_FORM)]
    response = {
        "account_already_registered": "utter_registration_already_done",
        "no_email_on_account": "utter_employee_account_without_email",
    }.get(exc.code or "")
    if response is None:
        utter_backend_error(dispatcher, exc)
    else:
        dispatcher.utter_message(response=response, name=name, msisdn=msisdn)
    return []


async def send_own_reset_link(
    client: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker, key: str
) -> None:
    """The link goes to the address of the account bound to this conversation."""
    try:
        sent = await client.request_own_password_reset(
            require_identity(tracker), idempotency_key=key
        )
    except RateLimitedError as exc:
        dispatcher.utter_message(
            response="utter_password_reset_limited", minutes=retry_minutes(exc.retry_after)
        )
        return
    except ConflictError as exc:
        if exc.code != "no_email_on_account":
            raise
        dispatcher.utter_message(response="utter_password_reset_no_email")
        return
    dispatcher.utter_message(
        response="utter_password_reset_sent",
        sent_to=sent.sent_to,
        minutes=sent.expires_in_minutes,
    )


class ValidateRegistrationResendForm(OperationFormValidation):
    """Whose registration e-mail: a line of the fleet manager's company, by name or number."""

    # Not a refusal for the others: they are told how the registration e-mail works instead.
    fleet_manager_only = False

    def name(self) -> str:
        return f"validate_{REGISTRATION_FORM}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        opening = tracker.get_slot("requested_slot") is None
        if opening and not is_interruption(latest_intent(tracker)):
            try:
                me = await self.backend.get_me(require_identity(tracker))
            except IdentityUnknownError:
                me = None
            except BackendError as exc:
                utter_backend_error(dispatcher, exc)
                return self._stop(domain)
            if me is None or me.active_role != "fleet_manager":
                # An employee (or someone not logged in yet) waiting for their own e-mail.
                dispatcher.utter_message(response="utter_registration_email_help")
                return self._stop(domain)
        return list(await super().run(dispatcher, tracker, domain))

    async def extract(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        identity: ChatIdentity,
        line: Line | None,
    ) -> dict[str, Any]:
        return {}  # the line is the only slot, resolved by the base


class ActionAskRegistrationResendFormTargetLineId(BackendAction):
    """Asks whose registration e-mail, unless this turn already showed one button per line."""

    def name(self) -> str:
        return f"action_ask_{REGISTRATION_FORM}_{LINE_SLOT}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if line_buttons_shown_this_turn(tracker):
            return []  # "which one?" with buttons is the question
        dispatcher.utter_message(response="utter_ask_registration_resend_form_target_line_id")
        return []


class ActionResendRegistration(BackendAction):
    """``POST /lines/{id}/registration-email`` with a stable Idempotency-Key for this request."""

    def name(self) -> str:
        return "action_resend_registration"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        line_id = tracker.get_slot(LINE_SLOT)
        if not line_id:
            return []  # the form was stopped
        done: list[EventType] = [SlotSet(LINE_SLOT, None)]
        try:
            identity = require_identity(tracker)
            line = await self.backend.get_line(identity, int(line_id))
            # Same user message, same key: a retry after a lost answer sends no second e-mail.
            key = idempotency_key(tracker, f"registration_email:{line.id}")
            sent = await self.backend.resend_registration_email(
                identity, line.id, idempotency_key=key
            )
        except ConflictError as exc:
            return [*done, *offer_invitation(dispatcher, exc, line)]
        except BackendError as exc:
            utter_backend_error(dispatcher, exc)
            return done
        full_name = f"{sent.first_name} {sent.last_name}".strip() or line.user_name or line.label
        dispatcher.utter_message(
            response="utter_registration_email_resent",
            name=full_name,
            msisdn=format_national(sent.gsm),
            sent_to=sent.sent_to,
        )
        return done


class ValidatePortalInvitationForm(_DeclinableForm):
    """The e-mail address of an employee without a portal account (the line is known)."""

    declinable_slot = INVITATION_EMAIL_SLOT
    declined_response = "utter_portal_invitation_not_sent"

    def name(self) -> str:
        return f"validate_{INVITATION_FORM}"

    async def extract(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        identity: ChatIdentity,
        line: Line | None,
    ) -> dict[str, Any]:
        typed = latest_text(tracker)
        # The address in "c'est lotte.maes@acme.be": the entity, else the word with an "@".
        said = [w.strip(".,;:!?()<>\"'") for w in typed.split() if "@" in w]
        raw = next(iter([*entity_values(tracker, "email"), *said]), None)
        if raw is None and tracker.get_slot("requested_slot") != INVITATION_EMAIL_SLOT:
            return {}
        try:
            return {INVITATION_EMAIL_SLOT: check_email(raw or typed)}
        except InvalidValue:
            dispatcher.utter_message(response="utter_invalid_invitation_email")
            return {}


class ActionInviteEmployee(BackendAction):
    """``POST /lines/{id}/portal-invitation``: the registration e-mail to the address given."""

    def name(self) -> str:
        return "action_invite_employee"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        line_id, email = tracker.get_slot(LINE_SLOT), tracker.get_slot(INVITATION_EMAIL_SLOT)
        done: list[EventType] = [SlotSet(LINE_SLOT, None), SlotSet(INVITATION_EMAIL_SLOT, None)]
        if not line_id or not email:
            return done  # the form was stopped
        try:
            identity = require_identity(tracker)
            line = await self.backend.get_line(identity, int(line_id))
            key = idempotency_key(tracker, f"portal_invitation:{line.id}:{email}")
            sent = await self.backend.invite_line_user(
                identity, line.id, email=str(email), idempotency_key=key
            )
        except ConflictError as exc:
            response = {
                "account_already_registered": "utter_registration_already_done",
                "portal_login_taken": "utter_portal_login_taken",
            }.get(exc.code or "")
            if response is None:
                utter_backend_error(dispatcher, exc)
            else:
                name = line.user_name or line.label
                dispatcher.utter_message(
                    response=response, name=name, msisdn=format_national(line.msisdn)
                )
            return done
        except InvalidRequestError:
            dispatcher.utter_message(response="utter_invalid_invitation_email")
            return done
        except BackendError as exc:
            utter_backend_error(dispatcher, exc)
            return done
        dispatcher.utter_message(
            response="utter_portal_invitation_sent",
            name=f"{sent.first_name} {sent.last_name}".strip() or line.user_name,
            msisdn=format_national(sent.gsm),
            sent_to=sent.sent_to,
        )
        return done
