"""SQL tracker store that never writes personal data in clear (bot/endpoints.yml).

Rasa's ``SQLTrackerStore`` appends one row per event, the event's ``as_dict()`` as JSON. Here each
event is rewritten before it is written:

- slot values that are personal data (the slots below, or any value in which ``bot.pii`` finds
  something) are encrypted with Fernet (key ``TRACKER_ENCRYPTION_KEY``) and decrypted when the
  tracker is read back, so a form that collected an IBAN or an IMEI several turns ago still has
  it;
- every other string (user texts, parse data and entity values, bot texts and buttons) is masked
  for good: the bot acts on the message of the current turn, which it holds in memory, and never
  needs an old message's raw text.

Only strings change, never the number of events: ``save`` counts the stored events of the
session to know which ones are new, exactly as the parent does.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.pii import contains_pii, mask_value

logger = logging.getLogger(__name__)

KEY_ENV = "TRACKER_ENCRYPTION_KEY"
# Marker of an encrypted slot value in the stored JSON: {"__encrypted__": "<Fernet token>"}.
ENCRYPTED = "__encrypted__"
# Slots that hold personal data even when no pattern matches (names, addresses, free texts).
PERSONAL_SLOTS = frozenset(
    {
        "billing_address",
        "billing_email",
        "billing_iban",
        "billing_name",
        "current_customer_number",
        "current_sim_number",
        "direct_debit_holder",
        "direct_debit_iban",
        "end_user_name",
        "esim_email",
        "first_name",
        "new_iccid",
        "order_address",
        "password_reset_gsm",
        "port_msisdn",
        "repair_address",
        "repair_imei",
        "ticket_comment",
        "ticket_contact_number",
        "ticket_description",
    }
)
# Keys whose values are identifiers or names Rasa relies on, never free text.
_KEEP_KEYS = frozenset({"event", "name", "message_id", "input_channel", "policy", "timestamp"})


def _fernet_from_env() -> Fernet:
    key = os.environ.get(KEY_ENV)
    if not key:
        # Fail closed: without a key the store would have to write slot values in clear.
        raise RuntimeError(f"{KEY_ENV} is not set (a Fernet key: Fernet.generate_key())")
    return Fernet(key.encode())


def protect_event(data: dict[str, Any], fernet: Fernet) -> dict[str, Any]:
    """The stored form of one event: personal slot values encrypted, every other text masked."""
    if data.get("event") == "slot":
        value = data.get("value")
        if value is None:
            return data
        serialized = json.dumps(value)
        if data.get("name") in PERSONAL_SLOTS or contains_pii(serialized):
            token = fernet.encrypt(serialized.encode()).decode()
            return {**data, "value": {ENCRYPTED: token}}
        return data
    protected: dict[str, Any] = mask_value(data, keep=_KEEP_KEYS)
    return protected


def reveal_event(data: dict[str, Any], fernet: Fernet) -> dict[str, Any]:
    """The event as Rasa wrote it (slot values decrypted; masked texts stay masked)."""
    value = data.get("value")
    if data.get("event") != "slot" or not isinstance(value, dict) or ENCRYPTED not in value:
        return data
    try:
        clear = json.loads(fernet.decrypt(str(value[ENCRYPTED]).encode()))
    except InvalidToken:
        # Another key (rotated without re-encryption): the slot is empty, the conversation goes on.
        logger.warning("Slot %s of a stored tracker cannot be decrypted", data.get("name"))
        clear = None
    return {**data, "value": clear}


class PrivateSQLTrackerStore(SQLTrackerStore):  # type: ignore[misc]  # rasa is untyped here
    """``SQLTrackerStore`` with the same configuration keys; see the module docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._fernet = _fernet_from_env()
        super().__init__(*args, **kwargs)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the tracker's new events, protected (the parent's ``save``, event by event)."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = event.as_dict()
                intent = data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY)
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=intent,
                        action_name=data.get("name"),
                        data=json.dumps(protect_event(data, self._fernet)),
                    )
                )
            session.commit()
        logger.debug("Tracker %s stored (personal data protected)", tracker.sender_id)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        with self.session_scope() as session:
            rows: Iterable[Any] = self._event_query(
                session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions
            ).all()
            events = [reveal_event(json.loads(row.data), self._fernet) for row in rows]
        if not self.domain or not events:
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
