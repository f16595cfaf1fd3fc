"""Consumption of one line, of the user's own line, or of the whole fleet, for one month."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api.backend import (
    BackendClient,
    BackendError,
    ChatIdentity,
    Consumption,
    FleetConsumption,
    IdentityUnknownError,
    NotFoundError,
)
from actions.common import (
    BackendAction,
    conversation_language,
    entity_values,
    latest_text,
    require_identity,
)
from actions.formatting import format_data, format_minutes, format_money, format_month
from actions.formatting import format_number as format_count
from actions.line_resolution import MAX_LINE_BUTTONS, match_lines_in_text
from actions.operation_forms import LINE_SLOT
from actions.operations import PENDING_ID_SLOT, START_PREFIX, is_local_pending
from actions.periods import Month, parse_period, today_in_brussels
from actions.phone import format_national
from validation import InvalidValue, check_be_mobile, fold

logger = logging.getLogger(__name__)

TOP_CONSUMERS = 5
# "how much did that one use?", "hoeveel heeft die verbruikt?", "combien il a consommé ?":
# asked while an operation on a line is under way, the question is about that line.
_REFERS_BACK = re.compile(
    r"\b(?:that|this|he|she|his|her|him|it|die|deze|hij|zij|zijn|haar|hem|"
    r"cette|cet|ce\s+numero|celle-ci|celle-la|celui-ci|celui-la|il|elle|sa|son|lui)\b"
)


def refers_back(text: str) -> bool:
    """Whether the question points back to something said before rather than the fleet."""
    return _REFERS_BACK.search(fold(text)) is not None


# A fleet manager asking about their own line rather than the fleet: "my own line", "mon
# propre usage", "mijn eigen verbruik", "on my phone", "sur ma ligne", "op mijn gsm", "mine".
_OWN_LINE = re.compile(
    r"\b(?:my\s+own|my\s+personal|ma\s+propre|mon\s+propre|mes\s+propres|mijn\s+eigen"
    r"|ikzelf|moi-meme|myself|perso|personnelle|persoonlijk"
    r"|my\s+(?:line|phone|number|mobile|sim|gsm|cell|handset)"
    r"|(?:ma|mon)\s+(?:ligne|numero|gsm|telephone|portable|mobile|sim|natel)"
    r"|mijn\s+(?:lijn|nummer|gsm|telefoon|sim|toestel|abonnement)"
    r"|mine|la\s+mienne|le\s+mien|de\s+mijne|het\s+mijne)\b"
)
# "and what was the whole fleet's total?", "et pour toute la flotte ?", "en de hele vloot?":
# the fleet asked for next to one line.
_FLEET = re.compile(
    r"\b(?:fleet|flotte|parc|vloot|park|wagenpark"
    r"|(?:all|toutes|alle)\s+(?:(?:of\s+)?(?:our|the|les|nos|onze|de)\s+)?(?:lines|lignes|lijnen)"
    r"|(?:whole|entire|toute)\s+(?:the\s+)?(?:company|l'entreprise|la\s+societe)"
    r"|(?:hele|heel\s+het)\s+(?:bedrijf|firma))\b"
)


def asks_own_line(text: str) -> bool:
    """Whether a fleet manager's question is about their own line, not the fleet."""
    return _OWN_LINE.search(fold(text)) is not None


def asks_fleet(text: str) -> bool:
    """Whether the question names the fleet as a whole."""
    return _FLEET.search(fold(text)) is not None


class ActionShowConsumption(BackendAction):
    """Answers "how much did 0470 12 34 56 use last month?" and its variants."""

    def __init__(
        self,
        backend: BackendClient | None = None,
        today: Callable[[], date] = today_in_brussels,
    ) -> None:
        super().__init__(backend)
        self._today = today

    def name(self) -> str:
        return "action_show_consumption"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = conversation_language(tracker)
        numbers = entity_values(tracker, "phone_number")
        text = latest_text(tracker)
        for number in numbers:  # a phone number must not be read as "12/2026"
            text = text.replace(number, " ")
        month = parse_period(entity_values(tracker, "period"), text, self._today()) or Month.of(
            self._today()
        )

        msisdn: str | None = None
        if numbers:
            try:
                msisdn = check_be_mobile(numbers[0])
            except InvalidValue:
                dispatcher.utter_message(
                    response="utter_invalid_phone_number", phone_number=numbers[0].strip()
                )
                return []

        try:
            identity = require_identity(tracker)
            if msisdn is not None:
                found = await self._line_by_number(dispatcher, identity, msisdn, month, language)
                if found and asks_fleet(text):
                    await self._fleet_too(dispatcher, identity, month, language)
            else:
                context = await self._context_line(identity, tracker) if refers_back(text) else None
                await self._own_or_fleet(dispatcher, identity, text, month, language, context)
        except IdentityUnknownError:
            dispatcher.utter_message(response="utter_login_required")
        except BackendError as exc:
            logger.info("Consumption unavailable: %r", exc)
            dispatcher.utter_message(response="utter_backend_unavailable")
        return []

    async def _context_line(self, identity: ChatIdentity, tracker: Tracker) -> str | None:
        """The line of the form under way, else of the operation waiting for "yes"."""
        if line_id := tracker.get_slot(LINE_SLOT):
            return str(line_id)
        pending = tracker.get_slot(PENDING_ID_SLOT)
        if not pending or is_local_pending(str(pending)) or str(pending).startswith(START_PREFIX):
            return None
        operation = await self.backend.get_operation(identity, str(pending))
        return str(operation.line_id) if operation.line_id else None

    async def _line_by_number(
        self,
        dispatcher: CollectingDispatcher,
        identity: ChatIdentity,
        msisdn: str,
        month: Month,
        language: str,
    ) -> bool:
        """The usage of the line with that number; ``False`` when it is not one of ours."""
        # The backend only returns the caller's own lines: another company's number and an
        # unknown number look exactly the same, and so does the answer.
        lines = await self.backend.find_lines(identity, msisdn=msisdn)
        line = next((line for line in lines if line.msisdn == msisdn), None)
        if line is None:
            dispatcher.utter_message(
                response="utter_line_not_found", msisdn=format_national(msisdn)
            )
            return False
        try:
            usage = await self.backend.get_line_consumption(identity, line.id, month=month.iso)
        except NotFoundError:
            dispatcher.utter_message(
                response="utter_line_not_found", msisdn=format_national(msisdn)
            )
            return False
        utter_line_consumption(dispatcher, usage, language)
        return True

    async def _fleet_too(
        self,
        dispatcher: CollectingDispatcher,
        identity: ChatIdentity,
        month: Month,
        language: str,
    ) -> None:
        """After one line's usage, the fleet totals of the same month ("and the whole fleet?").

        Only a fleet manager sees the fleet; for anyone else the line's answer stands alone.
        """
        me = await self.backend.get_me(identity)
        if me.active_role != "fleet_manager":
            return
        fleet = await self.backend.get_fleet_consumption(
            identity, month=month.iso, top=TOP_CONSUMERS
        )
        utter_fleet_consumption(dispatcher, fleet, language, with_top=False)

    async def _named_line(
        self,
        dispatcher: CollectingDispatcher,
        identity: ChatIdentity,
        text: str,
        month: Month,
        language: str,
    ) -> bool:
        """ "Jan's usage", "de lijn eindigend op 3456": one line of the fleet, named in words."""
        try:
            lines = await self.backend.find_lines(identity)
        except BackendError:
            return False  # the fleet answer below still works, or says the backend is down
        matches, _typed = match_lines_in_text(text, lines)
        if not matches:
            return False
        if len(matches) > 1:
            dispatcher.utter_message(
                response="utter_which_line",
                buttons=[
                    {
                        "title": f"{line.user_name or line.label or '—'} · "
                        f"{format_national(line.msisdn)}",
                        "payload": f'/ask_consumption{{"phone_number": "{line.msisdn}", '
                        f'"period": "{month.iso}"}}',
                    }
                    for line in matches[:MAX_LINE_BUTTONS]
                ],
            )
            return True
        usage = await self.backend.get_line_consumption(identity, matches[0].id, month=month.iso)
        utter_line_consumption(dispatcher, usage, language)
        return True

    async def _own_or_fleet(
        self,
        dispatcher: CollectingDispatcher,
        identity: ChatIdentity,
        text: str,
        month: Month,
        language: str,
        context_line_id: str | None,
    ) -> None:
        me = await self.backend.get_me(identity)
        if me.active_role == "fleet_manager":
            if await self._fleet_manager_line(
                dispatcher, identity, text, month, language, context_line_id, me.line_id
            ):
                if asks_fleet(text):
                    await self._fleet_too(dispatcher, identity, month, language)
                return
            fleet = await self.backend.get_fleet_consumption(
                identity, month=month.iso, top=TOP_CONSUMERS
            )
            utter_fleet_consumption(dispatcher, fleet, language, ranked_by=ranking_in(text))
            return
        if me.line_id is None:
            dispatcher.utter_message(response="utter_no_own_line")
            return
        usage = await self.backend.get_line_consumption(identity, me.line_id, month=month.iso)
        utter_line_consumption(dispatcher, usage, language)

    async def _fleet_manager_line(
        self,
        dispatcher: CollectingDispatcher,
        identity: ChatIdentity,
        text: str,
        month: Month,
        language: str,
        context_line_id: str | None,
        own_line_id: int | None,
    ) -> bool:
        """One line a fleet manager asks about (own, named, being changed); ``False``: the fleet."""
        if asks_own_line(text):
            if own_line_id is None:
                dispatcher.utter_message(response="utter_no_own_line")
                return True
            usage = await self.backend.get_line_consumption(identity, own_line_id, month=month.iso)
            utter_line_consumption(dispatcher, usage, language)
            return True
        if await self._named_line(dispatcher, identity, text, month, language):
            return True
        if context_line_id is None:
            return False
        usage = await self.backend.get_line_consumption(
            identity, int(context_line_id), month=month.iso
        )
        utter_line_consumption(dispatcher, usage, language)
        return True


def utter_line_consumption(
    dispatcher: CollectingDispatcher, usage: Consumption, language: str
) -> None:
    """One line's usage, then the split-bill note that applies to this reader."""
    dispatcher.utter_message(
        response="utter_line_consumption",
        msisdn=format_national(usage.msisdn),
        user_name=usage.user_name or "—",
        month=format_month(usage.month, language),
        voice=format_minutes(usage.voice_minutes, language),
        sms=format_count(usage.sms, language),
        data=format_data(usage.data_mb, language),
        roaming_data=format_data(usage.roaming_mb, language),
        roaming_voice=format_minutes(usage.roaming_minutes, language),
        cost=format_money(usage.cost, language),
    )
    if usage.part == "employer":
        dispatcher.utter_message(response="utter_split_bill_employer_part")
    elif usage.part == "employee":
        dispatcher.utter_message(response="utter_split_bill_employee_part")


# What "who used the most …" ranks by: the words of the question, else the cost. Whole words
# for the short ones ("go" is also "good"), word beginnings for the rest ("gesurft", "texted").
_RANKING_WORDS: tuple[tuple[str, frozenset[str], tuple[str, ...]], ...] = (
    ("roaming", frozenset(), ("roam", "abroad", "etranger", "buitenland")),
    ("data", frozenset(("gb", "go", "mb", "mo")),
     ("data", "donnee", "internet", "surf", "gesurf", "giga", "mega", "download", "stream")),
    ("voice", frozenset(("bel", "belt", "belde", "belden")),
     ("call", "appel", "telephon", "getelefoneerd", "minute", "bellen", "belminut", "gebeld",
      "gesprek", "voice", "talk")),
    ("sms", frozenset(), ("sms", "gesms", "texto", "text", "bericht")),
)  # fmt: skip


def ranking_in(text: str) -> str:
    """``data`` / ``voice`` / ``sms`` / ``roaming`` when the question names one, else ``cost``."""
    tokens = re.findall(r"[a-z]+", fold(text))
    return next(
        (
            kind
            for kind, words, stems in _RANKING_WORDS
            if any(token in words or token.startswith(stems) for token in tokens)
        ),
        "cost",
    )


def _ranked_value(usage: Consumption, kind: str, language: str) -> tuple[float, str]:
    """The figure a line is ranked by, and how it is shown."""
    if kind == "data":
        return float(usage.data_mb), format_data(usage.data_mb, language)
    if kind == "voice":
        return float(usage.voice_minutes), format_minutes(usage.voice_minutes, language)
    if kind == "sms":
        return float(usage.sms), format_count(usage.sms, language)
    if kind == "roaming":
        return float(usage.roaming_mb), format_data(usage.roaming_mb, language)
    return float(usage.cost), format_money(usage.cost, language)


def utter_fleet_consumption(
    dispatcher: CollectingDispatcher,
    fleet: FleetConsumption,
    language: str,
    *,
    ranked_by: str = "cost",
    with_top: bool = True,
) -> None:
    """Fleet totals for the month and the top consumers by ``ranked_by`` (employer part only).

    ``with_top=False``: the totals alone, the answer to "and the whole fleet's total?".
    """
    totals = fleet.totals
    dispatcher.utter_message(
        response="utter_fleet_consumption",
        month=format_month(fleet.month, language),
        line_count=len(fleet.lines),
        voice=format_minutes(totals.voice_minutes, language),
        sms=format_count(totals.sms, language),
        data=format_data(totals.data_mb, language),
        roaming_data=format_data(totals.roaming_mb, language),
        cost=format_money(totals.cost, language),
    )
    ranked = sorted(
        fleet.lines or fleet.top_consumers,
        key=lambda usage: (-_ranked_value(usage, ranked_by, language)[0], usage.msisdn),
    )
    top = [usage for usage in ranked if _ranked_value(usage, ranked_by, language)[0] > 0]
    top = top[:TOP_CONSUMERS] if with_top else []
    if top:
        rows = "\n".join(
            "• "
            + " · ".join(
                [
                    format_national(usage.msisdn),
                    usage.user_name or "—",
                    _ranked_value(usage, ranked_by, language)[1],
                ]
            )
            for usage in top
        )
        dispatcher.utter_message(response="utter_fleet_top_consumers", top=rows)
    if any(usage.split_bill for usage in [*fleet.lines, *fleet.top_consumers]):
        dispatcher.utter_message(response="utter_split_bill_employer_part")
