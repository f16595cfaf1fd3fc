"""Access to the portal (manual, "Accès"): forgotten password, registration e-mail not received.

- ``password_reset_form`` (slot ``password_reset_gsm``). A conversation the backend bound to an
  account needs no number: the link goes to that account's own address, after a "yes" (the
  shared confirm rule; ``POST /me/password-reset``). Anyone else (not logged in, an unlinked
  Slack/Teams user) hears about "forgot password" on the login page and may give their GSM
  number here (``POST /auth/password-reset``); the answer is the same whether or not the number
  has an account, so the bot cannot be used to find out who has one.
- ``registration_resend_form`` (slot ``target_line_id``): a fleet manager names the employee by
  name or number (``actions/line_resolution.py``); ``POST /lines/{id}/registration-email``.
  Anyone else is told where the registration e-mail comes from and who can send it again.

Whose account it is always comes from the backend's binding of this conversation, never from a
slot or an entity (design.md §4).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import phonenumbers
from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api.backend import (
    BackendClient,
    BackendError,
    ChatIdentity,
    ConflictError,
    IdentityUnknownError,
    Line,
    RateLimitedError,
)
from actions.common import (
    BackendAction,
    entity_values,
    idempotency_key,
    latest_intent,
    latest_text,
    require_identity,
)
from actions.operation_forms import LINE_SLOT, OperationFormValidation, is_interruption
from actions.operations import (
    PENDING_ID_SLOT,
    PENDING_TYPE_SLOT,
    register_local_confirm,
    retry_minutes,
    utter_backend_error,
)
from actions.phone import format_national

logger = logging.getLogger(__name__)

RESET_FORM = "password_reset_form"
GSM_SLOT = "password_reset_gsm"
# The slot's value for "the account of this conversation" (only the validator sets it, and only
# after the backend named the account; the submit action then asks for the caller's own link).
OWN_ACCOUNT = "own"
RESET_PREFIX = "password_reset:"
RESET_TYPE = "password_reset"
REGISTRATION_FORM = "registration_resend_form"

_REGION = "BE"
# "password" in the three languages, as people type it (mdp, pw, paswoord, ww...).
_PASSWORD_WORDS = re.compile(
    r"mot\s*de\s*pass|\bmdp\b|pass\s*word|pasword|\bpwd?\b|passwd|wacht\s*w[oa]ord|pas+w[oa]ord"
    r"|\bww\b",
    re.IGNORECASE,
)


def mentions_password(text: str) -> bool:
    """Whether a message talks about a password (so it is never an erasure or a role switch)."""
    return bool(_PASSWORD_WORDS.search(text)) and not text.startswith("/")


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


class ValidatePasswordResetForm(OperationFormValidation):
    """The account of the conversation, else the GSM number someone not logged in gives."""

    fleet_manager_only = False
    needs_line = False

    def name(self) -> str:
        return f"validate_{RESET_FORM}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("requested_slot") == GSM_SLOT and latest_intent(tracker) == "deny":
            # "no thanks" to "give me your number": nothing is sent, and the form ends.
            dispatcher.utter_message(response="utter_password_reset_not_sent")
            return self._stop(domain)
        return list(await super().run(dispatcher, tracker, domain))

    async def extract(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        identity: ChatIdentity,
        line: Line | None,
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") is None:
            try:
                await self.backend.get_me(identity)
            except IdentityUnknownError:
                pass  # not logged in: a number given in the same message, else the how-to
            else:
                # Logged in: their own account, whatever number the message may contain.
                return {GSM_SLOT: OWN_ACCOUNT}
            number = mobile_number(tracker)
            if number is None:
                dispatcher.utter_message(response="utter_password_reset_how")
                return {}
            return {GSM_SLOT: number}
        number = mobile_number(tracker)
        if number is None:
            dispatcher.utter_message(response="utter_invalid_password_reset_gsm")
            return {}
        return {GSM_SLOT: number}


class ActionPasswordReset(BackendAction):
    """Submit of ``password_reset_form``: ask "yes?" for the own account, else send the link
    for the number given (the same neutral answer whatever the backend knows)."""

    def name(self) -> str:
        return "action_password_reset"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        value = tracker.get_slot(GSM_SLOT)
        done: list[EventType] = [SlotSet(GSM_SLOT, None)]
        if not value:
            return done  # the form was stopped
        if value == OWN_ACCOUNT:
            dispatcher.utter_message(response="utter_ask_confirm_password_reset")
            # The key is fixed here, so "yes" said twice (or retried) sends one e-mail.
            key = idempotency_key(tracker, RESET_TYPE)
            return [
                *done,
                SlotSet(PENDING_ID_SLOT, f"{RESET_PREFIX}{key}"),
                SlotSet(PENDING_TYPE_SLOT, RESET_TYPE),
            ]
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


@register_local_confirm(RESET_PREFIX)
async def send_own_reset_link(
    client: BackendClient, dispatcher: CollectingDispatcher, tracker: Tracker, pending_id: str
) -> None:
    """On "yes": the link goes to the address of the account bound to this conversation."""
    try:
        sent = await client.request_own_password_reset(
            require_identity(tracker), idempotency_key=pending_id.removeprefix(RESET_PREFIX)
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
        for event in reversed(tracker.events):
            if event.get("event") == "user":
                break
            buttons = (event.get("data") or {}).get("buttons") or []
            if event.get("event") == "bot" and any(
                str(button.get("payload", "")).startswith("/choose_line") for button in buttons
            ):
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
        name, msisdn = "—", "—"
        try:
            identity = require_identity(tracker)
            line = await self.backend.get_line(identity, int(line_id))
            name, msisdn = line.user_name or line.label or "—", format_national(line.msisdn)
            # Same user message, same key: a retry after a lost answer sends no second e-mail.
            key = idempotency_key(tracker, f"registration_email:{line.id}")
            sent = await self.backend.resend_registration_email(
                identity, line.id, idempotency_key=key
            )
        except ConflictError as exc:
            response = {
                "account_already_registered": "utter_registration_already_done",
                "no_portal_account": "utter_registration_not_invited",
            }.get(exc.code or "")
            if response is None:
                utter_backend_error(dispatcher, exc)
            else:
                dispatcher.utter_message(response=response, name=name, msisdn=msisdn)
            return done
        except BackendError as exc:
            utter_backend_error(dispatcher, exc)
            return done
        full_name = f"{sent.first_name} {sent.last_name}".strip() or name
        dispatcher.utter_message(
            response="utter_registration_email_resent",
            name=full_name,
            msisdn=format_national(sent.gsm),
            sent_to=sent.sent_to,
        )
        return done
