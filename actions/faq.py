"""Answers to how-to questions (``faq_*`` intents), also in the middle of a form (which resumes)."""

from __future__ import annotations

import logging
import re

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.access import (
    ActionPasswordReset,
    about_portal_access,
    about_unblocking_services,
    says_unblock,
)
from actions.answers import is_question
from actions.api.backend import BackendError, ChatIdentity
from actions.catalog_text import PLAN_SYNONYMS, find_codes, find_options
from actions.common import (
    RESPONSE_PREFIX,
    BackendAction,
    chat_identity,
    conversation_language,
    latest_intent,
    latest_text,
)
from actions.operation_text import money
from actions.operations import utter_backend_error
from actions.plans import utter_plan_list
from actions.role import ActionSwitchRole, asks_to_be_switched
from actions.tickets import ticket_handover
from validation import fold

logger = logging.getLogger(__name__)


# Options in general ("quelles options existent ?", "welke opties zijn er", "what add-ons do you
# have"), as opposed to the plans ("abonnements", "tariefplannen", "plans").
_ASKS_ALL_OPTIONS = re.compile(
    r"\b(?:options?|opties?|optie|add ?-?ons?|extras?|supplements?|bijkomende diensten)\b"
)
_NAMES_PLANS = re.compile(
    r"\b(?:plans?|abonnements?|abos?|forfaits?|formules?|tariefplan(?:nen)?|abonnementen|"
    r"tarifs? mobiles?|subscriptions?)\b"
)


# Keeping a number, said with its verb ("garder son numéro", "keep her number", "nummer houden").
_KEEP_NUMBER = re.compile(
    r"\b(?:gard\w*|conserv\w*|keep\w*|kept|houd\w*|hou|behoud\w*|meenem\w*|mee te nemen)\b"
    r"(?:\W+\w+){0,3}?\W+(?:num\w*|nummer\w*|number)\b|"
    r"\b(?:num\w*|nummer\w*|number)\b(?:\W+\w+){0,3}?\W+(?:houden|behouden|meenemen|mee)\b"
)


class ActionAnswerFaq(BackendAction):
    """Utters ``utter_<faq intent>``; plans (allowances, prices) come live from the catalogue."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = latest_intent(tracker) or ""
        response = f"{RESPONSE_PREFIX}_{intent}"
        if handover := ticket_handover(tracker):
            # "Can you open a ticket about this porting?": the ticket asked for, not the how-to
            # of its subject.
            return handover
        if not intent.startswith("faq_") or response not in (domain.get("responses") or {}):
            dispatcher.utter_message(response="utter_default")
            return []
        if intent == "faq_plan_prices":
            await self._plan_prices(dispatcher, tracker)
            return []
        text = latest_text(tracker)
        if tracker.get_slot("pending_operation_type") == "deactivate_line" and _KEEP_NUMBER.search(
            fold(text)
        ):
            # "what would we have had to do if she'd wanted to keep her number?" at a
            # deactivation summary: not porting to us, but the prepaid conversion.
            dispatcher.utter_message(response="utter_faq_keep_number_when_leaving")
            return []
        # A barring question unblocks only in so many words ("can I unblock them myself
        # later?"); one that names a service is about blocking it ("il appelle tout le temps à
        # l'étranger, tu peux bloquer un truc ?" got the unblocking answer).
        unblocking = (
            about_unblocking_services(text)
            if intent == "faq_account_locked"
            else intent == "faq_barring" and says_unblock(text)
        )
        if unblocking:
            # "Can I unblock them myself later in the portal?" at a barring summary: the
            # services, not the account (no reset link for it).
            dispatcher.utter_message(response="utter_faq_unblock_services")
            return []
        if (
            intent == "faq_account_locked"
            and not tracker.active_loop.get("name")
            and about_portal_access(text)
        ):
            # Not a side question in a form, and about the account, the login or the password:
            # someone locked out wants back in, now.
            try:
                return await ActionPasswordReset(self.backend).for_locked_account(
                    dispatcher, tracker
                )
            except BackendError as exc:
                logger.info("Reset link for a locked account failed: %r", exc)
                utter_backend_error(dispatcher, exc)
                return []
        if (
            intent == "faq_role_switch"
            and not tracker.active_loop.get("name")
            and (not is_question(text) or asks_to_be_switched(text))
        ):
            # "zet mij eens in het gebruikersportaal", "how do I get to the user portal? Can you
            # switch me there" are the request, not how to make it (done here, in this turn's
            # action: a follow-up action would have no rule after it).
            return list(await ActionSwitchRole(self.backend).run(dispatcher, tracker, domain))
        dispatcher.utter_message(response=response)
        return []

    async def _plan_prices(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        language = conversation_language(tracker)
        identity = chat_identity(tracker)
        try:
            if identity is None:
                raise BackendError("no channel identity")
            plans = await self.backend.list_plans(identity)
        except BackendError as exc:
            logger.info("Plan prices unavailable: %r", exc)
            dispatcher.utter_message(response="utter_backend_unavailable")
            return
        text = latest_text(tracker)
        if not find_codes(text, plans, PLAN_SYNONYMS) and await self._option_prices(
            dispatcher, identity, text, language
        ):
            return
        utter_plan_list(dispatcher, plans, text, language)

    async def _option_prices(
        self, dispatcher: CollectingDispatcher, identity: ChatIdentity, text: str, language: str
    ) -> bool:
        """ "Ça coûte combien, le roaming Europe+ ?": the price of the options named, if any."""
        try:
            options = await self.backend.list_options(identity)
        except BackendError as exc:
            logger.info("Option prices unavailable: %r", exc)
            return False  # the plans' prices still answer something
        asked = {code for code, _, _ in find_options(text, options)}
        if (
            not asked
            and _ASKS_ALL_OPTIONS.search(fold(text))
            and not _NAMES_PLANS.search(fold(text))
        ):
            # "welke opties hebt ge allemaal, en wat kosten die?": every option, not the plans.
            asked = {option.code for option in options}
        priced = [o for o in options if o.code in asked and o.monthly_price is not None]
        if not priced:
            return False
        rows = [f"• {o.label(language)} · {money(o.monthly_price, language)}" for o in priced]
        dispatcher.utter_message(response="utter_option_prices", options="\n".join(rows))
        return True
