"""A question about the account in the middle of a form: answered, then the form asks again.

"Show me all our lines first", "who is on Pro Start?", "is the October invoice paid?" while the
bot waits for a line or a plan: the form tries the message as an answer first
(``OperationFormValidation.run``); when it holds none, the form lets go and the rules of
``data/rules/side_questions.yml`` run this action, then the form again. One action for every
such question, so each form needs one rule, not one per question.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.activation_status import ActionShowActivationStatus
from actions.billing import ActionCheckInvoicePaid, ActionExplainInvoice, ActionShowInvoices
from actions.common import BackendAction, latest_intent
from actions.consumption import ActionShowConsumption
from actions.lines import ActionShowLines
from actions.operation_forms import SIDE_QUESTION_INTENTS
from actions.repairs import ActionShowRepairs
from actions.shop import ActionShowOrders
from actions.tickets import ActionShowTickets

# The action that answers each of them outside forms (a test checks every one has its action).
ANSWERS: dict[str, type[BackendAction]] = {
    "show_lines": ActionShowLines,
    "ask_consumption": ActionShowConsumption,
    "show_invoices": ActionShowInvoices,
    "explain_invoice": ActionExplainInvoice,
    "ask_invoice_paid": ActionCheckInvoicePaid,
    "ask_ticket_status": ActionShowTickets,
    "ask_repair_status": ActionShowRepairs,
    "ask_order_status": ActionShowOrders,
    "ask_activation_status": ActionShowActivationStatus,
}


class ActionAnswerSideQuestion(BackendAction):
    """Answers the latest message's read-only question with its usual action."""

    def name(self) -> str:
        return "action_answer_side_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = latest_intent(tracker) or ""
        answer = ANSWERS.get(intent) if intent in SIDE_QUESTION_INTENTS else None
        if answer is None:
            dispatcher.utter_message(response="utter_default")
            return []
        return list(await answer(self.backend).run(dispatcher, tracker, domain))
