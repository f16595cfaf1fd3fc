"""Real conversations over Rasa's REST channel against the real backend and action server.

The expected figures are read from the backend's portal API as the same account and formatted
with babel for the conversation's locale, so the test checks that the bot carries the database's
numbers, not numbers written into the test.
"""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal

import httpx
import pytest
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from babel.units import format_unit

from scripts.chat_session import CONSUMPTION_OPENING
from tests.e2e.conftest import Chat

pytestmark = pytest.mark.e2e

LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "en": "en_IE"}


def month_shift(months_back: int) -> str:
    today = date.today()
    index = today.year * 12 + today.month - 1 - months_back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def expected_figures(usage: dict[str, object], language: str) -> list[str]:
    locale = LOCALES[language]
    year, month = (int(part) for part in str(usage["month"]).split("-"))
    voice = float(str(usage["voice_minutes"]))
    return [
        format_unit(voice, "duration-minute", length="short", locale=locale),
        format_decimal(int(str(usage["sms"])), locale=locale),
        format_currency(Decimal(str(usage["cost"])), "EUR", locale=locale),
        format_date(date(year, month, 1), "LLLL yyyy", locale=locale),
    ]


@pytest.mark.parametrize(
    ("language", "message", "months_back"),
    [
        ("fr", "Combien a consommé le 0470 00 00 03 ce mois-ci ?", 0),
        ("nl", "hoeveel heeft +32 470 00 00 03 vorige maand verbruikt?", 1),
        ("en", "How much did 0470000003 use this month?", 0),
    ],
)
def test_fleet_manager_gets_a_lines_consumption_from_the_database_in_each_language(
    acme_fleet_manager: Chat, language: str, message: str, months_back: int
) -> None:
    line = acme_fleet_manager.api("/lines", msisdn="+32470000003")[0]
    usage = acme_fleet_manager.api(
        f"/lines/{line['id']}/consumption", month=month_shift(months_back)
    )

    answer = acme_fleet_manager.say(message)

    assert CONSUMPTION_OPENING[language] in answer
    for figure in expected_figures(usage, language):
        assert figure in answer


def test_fleet_manager_sees_only_the_employer_part_of_a_split_bill_line(
    acme_fleet_manager: Chat, acme_end_user: Chat
) -> None:
    [line] = acme_end_user.api("/lines")
    assert line["split_bill"] is True
    employer = acme_fleet_manager.api(f"/lines/{line['id']}/consumption")
    employee = acme_end_user.api(f"/lines/{line['id']}/consumption")
    assert employer["part"] == "employer"
    assert employee["part"] == "employee"

    manager_answer = acme_fleet_manager.say("usage of 0470 00 00 02 this month please")
    user_answer = acme_end_user.say("what is my consumption this month?")

    employer_cost = format_currency(Decimal(employer["cost"]), "EUR", locale="en_IE")
    employee_cost = format_currency(Decimal(employee["cost"]), "EUR", locale="en_IE")
    assert employer_cost in manager_answer
    assert "employer" in manager_answer
    assert employee_cost not in manager_answer
    assert employee_cost in user_answer


def test_fleet_manager_lists_the_companys_lines(acme_fleet_manager: Chat) -> None:
    lines = acme_fleet_manager.api("/lines")

    answer = acme_fleet_manager.say("show me my lines")

    assert str(len(lines)) in answer
    assert "0470 00 00 01" in answer
    assert "0470 00 00 51" not in answer


def test_another_companys_line_stays_invisible(
    acme_fleet_manager: Chat, brugge_fleet_manager: Chat
) -> None:
    [brugge_line] = brugge_fleet_manager.api("/lines", msisdn="+32470000052")
    brugge_usage = brugge_fleet_manager.api(f"/lines/{brugge_line['id']}/consumption")

    answer = acme_fleet_manager.say("How much did 0470 00 00 52 use this month?")

    assert "I can't find" in answer
    assert brugge_line["user_name"] not in answer
    assert format_currency(Decimal(brugge_usage["cost"]), "EUR", locale="en_IE") not in answer
    # And the portal API agrees: Brugge's line id is unknown to Acme.
    with pytest.raises(httpx.HTTPStatusError) as error:
        acme_fleet_manager.api(f"/lines/{brugge_line['id']}")
    assert error.value.response.status_code == 404


def test_an_unbound_sender_gets_no_company_data(acme_fleet_manager: Chat) -> None:
    stranger = Chat(stack=acme_fleet_manager.stack, token="", sender_id=secrets.token_urlsafe(32))

    answer = stranger.say("How much did 0470 00 00 03 use this month?")

    assert "log in" in answer
    assert CONSUMPTION_OPENING["en"] not in answer


def test_greeting_knows_the_account_and_language_follows_the_user(acme_fleet_manager: Chat) -> None:
    me = acme_fleet_manager.api("/me")

    dutch = acme_fleet_manager.say("Hallo, goedemorgen!")
    french = acme_fleet_manager.say("Bonjour, je voudrais voir la consommation du 0470 00 00 03")
    english = acme_fleet_manager.say("in English please")

    assert me["first_name"] in dutch
    assert CONSUMPTION_OPENING["fr"] in french
    assert CONSUMPTION_OPENING["fr"] not in english
    assert CONSUMPTION_OPENING["en"] in acme_fleet_manager.say("show the usage of 0470 00 00 03")
