"""Backend faults, end to end (issue #6): the user hears back in time, in their language, nothing
is done twice, and the next message of the same conversation works once the fault is lifted.

The faults are injected by the proxy between the action server and the real backend; the
backend's state is read on the backend itself (API and database), never through the proxy.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import httpx
import pytest

from scripts.stack import Stack
from tests.e2e.conftest import Chat
from tests.fakes.faulty_backend import Fault, FaultyBackend
from tests.faults.conftest import (
    ANSWER_LIMIT_SECONDS,
    backend_get,
    record,
    response_text,
    timed_say,
)

pytestmark = pytest.mark.e2e

SWITCH = {"fr": "en français svp", "nl": "in het Nederlands aub", "en": "in English please"}
SHOW_LINES = {"fr": "montre-moi mes lignes", "nl": "toon mijn lijnen", "en": "show me my lines"}
YES = {"fr": "oui", "nl": "ja", "en": "yes"}
PLAN_CHANGE = {
    "fr": "passer la ligne de {name} en Pro Unlimited",
    "nl": "zet de lijn van {name} op Pro Unlimited",
    "en": "switch {name}'s line to Pro Unlimited",
}
ALL_FAULTS = list(Fault)


def speak(chat: Chat, language: str) -> None:
    """Choose the conversation language explicitly (the Acme account's own is Dutch)."""
    chat.say(SWITCH[language])


def pending_operation_id(stack: Stack, chat: Chat) -> str:
    """The id the bot keeps for "yes", read from Rasa's tracker (HTTP API)."""
    response = httpx.get(
        f"{stack.rasa_url}/conversations/{chat.sender_id}/tracker",
        params={"token": stack.base_env()["RASA_AUTH_TOKEN"]},
        timeout=10.0,
    )
    response.raise_for_status()
    value = response.json()["slots"].get("pending_operation_id")
    assert isinstance(value, str) and value.startswith("op_"), value
    return value


def backend_rows(stack: Stack, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows of the backend's own database (the stack's SQLite file)."""
    path = stack.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        return connection.execute(sql, args).fetchall()


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
@pytest.mark.parametrize("fault", ALL_FAULTS, ids=[f.value for f in ALL_FAULTS])
def test_reading_the_fleet_during_a_fault_is_answered_then_works_again(
    stack: Stack, proxy: FaultyBackend, acme_fleet_manager: Chat, fault: Fault, language: str
) -> None:
    chat = acme_fleet_manager
    speak(chat, language)
    proxy.inject(fault)

    answer, seconds = timed_say(chat, SHOW_LINES[language])

    record("show my lines", fault.value, language, seconds, "unavailable message")
    assert seconds < ANSWER_LIMIT_SECONDS
    assert response_text("utter_backend_unavailable", language) in answer
    if fault is not Fault.REFUSE:
        assert proxy.faulted(fault), "the fault was never met: the test proved nothing"

    proxy.clear()
    again = chat.say(SHOW_LINES[language])

    lines = backend_get(stack, chat, "/lines").json()
    assert str(len(lines)) in again
    assert response_text("utter_backend_unavailable", language) not in again


# (fault, language, person whose line moves to Pro Unlimited): each test its own line.
CONFIRM_CASES = [
    (Fault.REFUSE, "fr", "Lotte"),
    (Fault.ERROR_500, "nl", "Nathalie"),
    (Fault.HANG, "en", "Elise"),
    (Fault.MALFORMED_JSON, "fr", "Kevin"),
    (Fault.COMMIT_THEN_DROP, "nl", "Tim"),
]


@pytest.mark.parametrize(
    ("fault", "language", "name"), CONFIRM_CASES, ids=[c[0].value for c in CONFIRM_CASES]
)
def test_confirm_during_a_fault_keeps_the_request_and_yes_again_does_it_once(
    stack: Stack,
    proxy: FaultyBackend,
    acme_fleet_manager: Chat,
    fault: Fault,
    language: str,
    name: str,
) -> None:
    chat = acme_fleet_manager
    speak(chat, language)
    summary = chat.say(PLAN_CHANGE[language].format(name=name))
    assert "Pro Unlimited" in summary, summary
    operation_id = pending_operation_id(stack, chat)
    key = f"confirm:{operation_id}"
    [line] = [
        line
        for line in backend_get(stack, chat, "/lines", q=name).json()
        if name in line["user_name"]
    ]
    # Refusing cannot tell requests apart; the other faults hit the confirm only.
    if fault is Fault.REFUSE:
        proxy.inject(fault)
    else:
        proxy.inject(fault, method="POST", path_contains="/confirm")

    answer, seconds = timed_say(chat, YES[language])

    record("confirm a plan change", fault.value, language, seconds, "unavailable + retry hint")
    assert seconds < ANSWER_LIMIT_SECONDS
    assert response_text("utter_backend_unavailable", language) in answer
    assert response_text("utter_confirm_retry_hint", language).split(":")[0] in answer
    committed = fault in (Fault.MALFORMED_JSON, Fault.COMMIT_THEN_DROP)
    plan = backend_get(stack, chat, f"/lines/{line['id']}").json()["plan"]["code"]
    assert plan == ("pro_unlimited" if committed else line["plan"]["code"])
    if fault is Fault.COMMIT_THEN_DROP:
        # Resent with the same key after each drop; the backend replayed, never re-executed.
        attempts = proxy.requests_to("POST", f"/operations/{operation_id}/confirm")
        assert len(attempts) == 3 and {a.idempotency_key for a in attempts} == {key}

    proxy.clear()
    done, seconds = timed_say(chat, YES[language])

    record("yes again after the fault", fault.value, language, seconds, "done once")
    assert "Pro Unlimited" in done
    assert response_text("utter_backend_unavailable", language) not in done
    assert backend_get(stack, chat, f"/lines/{line['id']}").json()["plan"]["code"] == (
        "pro_unlimited"
    )
    assert backend_rows(stack, "SELECT status FROM operations WHERE id = ?", operation_id) == [
        ("done",)
    ]
    assert backend_rows(stack, "SELECT count(*) FROM idempotency_records WHERE key = ?", key) == [
        (1,)
    ]
    # Exactly one plan change for this line: one executed operation.
    assert backend_rows(
        stack,
        "SELECT count(*) FROM operations WHERE line_id = ? AND type = 'change_plan'"
        " AND status = 'done'",
        line["id"],
    ) == [(1,)]


def test_confirm_whose_answer_is_lost_once_is_resent_and_answered_as_done(
    stack: Stack, proxy: FaultyBackend, acme_fleet_manager: Chat
) -> None:
    """Commit-then-drop on the first confirm only: the client's retry replays the stored answer."""
    chat = acme_fleet_manager
    speak(chat, "en")
    summary = chat.say(PLAN_CHANGE["en"].format(name="Hanne"))
    assert "Pro Unlimited" in summary, summary
    operation_id = pending_operation_id(stack, chat)
    proxy.inject(Fault.COMMIT_THEN_DROP, method="POST", path_contains="/confirm", times=1)

    done, seconds = timed_say(chat, YES["en"])

    record("confirm, answer lost once", "commit_then_drop (first only)", "en", seconds, "done once")
    assert seconds < ANSWER_LIMIT_SECONDS
    assert "Pro Unlimited" in done and "Confirmed" in done
    dropped, replayed = proxy.requests_to("POST", f"/operations/{operation_id}/confirm")
    assert dropped.fault is Fault.COMMIT_THEN_DROP and replayed.fault is None
    assert dropped.idempotency_key == replayed.idempotency_key == f"confirm:{operation_id}"
    assert dropped.upstream_status == replayed.upstream_status == 200
    assert backend_rows(
        stack, "SELECT count(*) FROM idempotency_records WHERE key = ?", f"confirm:{operation_id}"
    ) == [(1,)]
