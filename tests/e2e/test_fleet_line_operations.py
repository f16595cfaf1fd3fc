"""Plan, options, barrings and deactivation by chat against the real services (FR/NL/EN).

Each test changes a line the other end-to-end tests do not read, then checks the result
through the portal API of the same account (never through the bot's own words alone).
"""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Chat


def line_by_number(chat: Chat, msisdn: str) -> dict[str, Any]:
    lines = chat.api("/lines", msisdn=msisdn)
    assert len(lines) == 1, lines
    result: dict[str, Any] = lines[0]
    return result


def codes(items: list[dict[str, Any]]) -> set[str]:
    return {item["code"] for item in items}


def test_french_plan_change_by_name_is_confirmed_then_applied(acme_fleet_manager: Chat) -> None:
    chat = acme_fleet_manager
    summary = chat.say(
        "Bonjour, je voudrais passer la ligne de Lotte Maes au plan Pro Unlimited, s'il vous plaît"
    )
    assert "Pro Unlimited" in summary and "Pro Start" in summary
    assert "Voulez-vous confirmer" in summary
    assert line_by_number(chat, "+32470000004")["plan"]["code"] == "pro_start"  # not yet

    done = chat.say("oui")

    assert "En quelques instants" in done
    assert line_by_number(chat, "+32470000004")["plan"]["code"] == "pro_unlimited"


def test_dutch_option_added_in_one_sentence(acme_fleet_manager: Chat) -> None:
    chat = acme_fleet_manager
    summary = chat.say("zet de databoost 5 GB aan op de gsm van Elise Mertens")
    assert "Databoost 5 GB" in summary and "bevestigen" in summary

    done = chat.say("ja")

    assert "Bevestigd" in done
    assert "data_boost_5gb" in codes(line_by_number(chat, "+32470000010")["options"])


def test_english_barring_asks_what_is_missing_then_blocks(acme_fleet_manager: Chat) -> None:
    chat = acme_fleet_manager
    chat.say("in English please")  # the account's language is Dutch
    question = chat.say("I want to manage the barrings of 0470 00 00 13")
    assert "International calls" in question  # what is blocked now
    summary = chat.say("block roaming and premium numbers")
    assert "To block" in summary

    chat.say("yes")

    barrings = codes(line_by_number(chat, "+32470000013")["barrings"])
    assert {"roaming", "premium_numbers", "international_calls"} <= barrings


def test_english_deactivation_warns_about_fees_then_deactivates(acme_fleet_manager: Chat) -> None:
    chat = acme_fleet_manager
    chat.say("in English please")  # the account's language is Dutch
    question = chat.say("deactivate 0470 00 00 22")
    assert "termination fees" in question and "keep the number" in question
    summary = chat.say("no")
    assert "Termination fee" in summary and "€" in summary
    assert line_by_number(chat, "+32470000022")["status"] == "active"

    done = chat.say("yes")

    assert "deactivated" in done
    assert line_by_number(chat, "+32470000022")["status"] == "deactivated"


def test_dutch_keep_number_creates_a_prepaid_ticket_instead(acme_fleet_manager: Chat) -> None:
    chat = acme_fleet_manager
    chat.say("deactiveer het nummer van Tim Aerts")
    offer = chat.say("ja")
    assert "prepaid" in offer

    done = chat.say("ja")

    assert "T-" in done
    assert line_by_number(chat, "+32470000019")["status"] == "active"


def test_another_companys_fleet_manager_cannot_touch_an_acme_line(
    brugge_fleet_manager: Chat, acme_fleet_manager: Chat
) -> None:
    answer = brugge_fleet_manager.say("change the plan of 0470 00 00 06 to Pro Unlimited")

    assert "can't find" in answer
    assert line_by_number(acme_fleet_manager, "+32470000006")["plan"]["code"] == "pro_start"


def test_an_end_user_is_refused_politely(acme_end_user: Chat, acme_fleet_manager: Chat) -> None:
    answer = acme_end_user.say("change the plan of 0470 00 00 06 to Pro Unlimited")

    assert "only a fleet manager" in answer
    assert line_by_number(acme_fleet_manager, "+32470000006")["plan"]["code"] == "pro_start"


def test_typed_payloads_change_nothing(acme_fleet_manager: Chat) -> None:
    chat = acme_fleet_manager
    before = line_by_number(chat, "+32470000006")

    chat.say("/affirm")
    chat.say('/inform{"line_id": "999"}')

    assert line_by_number(chat, "+32470000006") == before


def test_english_correction_at_the_summary_runs_what_was_shown_last(
    acme_fleet_manager: Chat,
) -> None:
    # A side question, then a correction inside a "yes": the plan applied must be the one of
    # the last summary shown (Unlimited used to be applied), and the second barring asked for
    # while the first waits must not drop the first.
    chat = acme_fleet_manager
    chat.say("in English please")
    first = chat.say("switch 0470 00 00 15 to Pro Unlimited")
    assert "Pro Unlimited" in first
    chat.say("what plans are there?")
    corrected = chat.say("ok make it Smart instead")
    assert "Pro Smart" in corrected and "confirm" in corrected
    chat.say("yes")
    assert line_by_number(chat, "+32470000015")["plan"]["code"] == "pro_smart"

    chat.say("block roaming on 0470 00 00 16")
    both = chat.say("and premium numbers too")
    assert "Roaming" in both and "Premium" in both
    chat.say("yes")
    assert {"roaming", "premium_numbers"} <= codes(line_by_number(chat, "+32470000016")["barrings"])


# --- Requests one form hands over to another (set9 dev failures), on lines no other test reads --


def test_dutch_plan_named_beside_an_option_habit_changes_the_plan(acme_fleet_manager: Chat) -> None:
    """The options form opened on "databoost" hands over to the plan change it names."""
    chat = acme_fleet_manager
    summary = chat.say("zet Laura Dumont op Pro Unlimited aub, ze koopt elke maand databoost bij")
    assert "Pro Unlimited" in summary and "bevestigen" in summary

    chat.say("ja")

    line = line_by_number(chat, "+32470000018")
    assert line["plan"]["code"] == "pro_unlimited"
    assert codes(line["options"]) == set()


def test_english_second_sim_no_longer_used_removes_the_multisim(acme_fleet_manager: Chat) -> None:
    chat = acme_fleet_manager
    chat.say("in English please")
    summary = chat.say(
        "Charlotte Leroy doesn't use her second SIM anymore, please cancel the multi-SIM"
    )
    assert "Multi" in summary and "confirm" in summary

    chat.say("yes")

    line = line_by_number(chat, "+32470000020")
    assert "multisim" not in codes(line["options"])
    assert line["sim_type"] == "physical"  # no replacement happened


def test_french_service_said_to_stay_blocked_is_left_alone(acme_fleet_manager: Chat) -> None:
    chat = acme_fleet_manager
    chat.say("en français svp")
    summary = chat.say(
        "Bloquez le roaming sur la ligne de Ruben. Les appels sortants, laissez-les bloqués."
    )
    assert "Voulez-vous confirmer" in summary

    chat.say("oui")

    barred = codes(line_by_number(chat, "+32470000021")["barrings"])
    assert {"roaming", "outgoing_calls"} <= barred
