"""A SIM replacement's reason and line read from the opening, and the summary that reads them back.

- What happened to the card is read from the request in its own words ("s'est fait voler",
  "endommagée", "beschadigd", "stopped working"), accents or not; a request that gives no
  reason ("active la nouvelle 8932…") gets the reason question, never a silent switch.
- The summary says the reason with its fee, and that the old card is already blocked.
- "The card ending in 015" names a SIM card, not the line ending in 015: the user's name decides.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from actions.api.backend import Line
from actions.line_resolution import match_lines_in_text
from actions.sim_replacement import ActionPrepareSimReplacement, ValidateSimReplacementForm
from tests.actions.support import (
    FakeBackend,
    entity,
    json_response,
    line,
    make_tracker,
    me_fleet_manager,
    responses,
)

THOMAS = line(5, "+32470000005", user_name="Thomas Willems", label="Thomas Willems")
KEVIN = line(15, "+32470000015", user_name="Kevin Hermans", label="Kevin Hermans")
JONAS = line(17, "+32470000017", user_name="Jonas Van den Broeck", label="Jonas Van den Broeck")
FLEET = [THOMAS, KEVIN, JONAS]
NEW_ICCID = "8932031100000000056"
CARD_015 = "8932031100000000015"


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def fleet(backend: FakeBackend) -> FakeBackend:
    backend.on("GET", "/api/v1/me", me_fleet_manager())
    backend.on("GET", "/api/v1/lines", FLEET)
    for each in FLEET:
        backend.on("GET", f"/api/v1/lines/{each['id']}", each)
    backend.on("GET", "/api/v1/sims/check", json_response(200, {"valid": True}))
    return backend


async def read_opening(backend: FakeBackend, dispatcher: Any, text: str, language: str) -> Any:
    tracker = make_tracker(
        text,
        intent="replace_sim",
        entities=[entity("iccid", NEW_ICCID)],
        slots={"language": language},
    )
    return slots_of(await ValidateSimReplacementForm(backend.client()).run(dispatcher, tracker, {}))


# --- the reason, from the opening -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "reason"),
    [
        # fr-010: "voler" was no reason, "la nouvelle" made it a free switch without blocking
        (f"urgent: le gsm de Thomas Willems s'est fait voler ce matin. bloque sa sim stp et "
         f"active la nouvelle {NEW_ICCID}", "fr", "stolen"),
        (f"De gsm van Thomas Willems is vanochtend gestolen, activeer de nieuwe kaart {NEW_ICCID}",
         "nl", "stolen"),
        (f"Thomas Willems's phone got stolen this morning, activate the new card {NEW_ICCID}",
         "en", "stolen"),
        (f"Thomas Willems a perdu son téléphone, voici la nouvelle carte {NEW_ICCID}", "fr",
         "lost"),
        (f"Thomas Willems is zijn gsm kwijt, hier is de nieuwe simkaart {NEW_ICCID}", "nl", "lost"),
        (f"Thomas Willems lost his phone, here is the new SIM {NEW_ICCID}", "en", "lost"),
    ],
)  # fmt: skip
async def test_a_lost_or_stolen_card_said_in_the_opening_offers_the_block(
    backend, dispatcher, text, language, reason
):
    filled = await read_opening(fleet(backend), dispatcher, text, language)

    assert filled["target_line_id"] == "5"
    assert filled["replacement_reason"] == reason
    assert (filled["sim_type"], filled["new_iccid"]) == ("physical", NEW_ICCID)
    # The block of the old card is offered before anything else (the manual's first step).
    assert filled["requested_slot"] == "block_old_sim"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # fr-011: "endommagee" (no accent) was no reason, "une nouvelle carte" a switch
        (f"Bonjour, la carte SIM de Thomas Willems est endommagee, il a force le tiroir SIM. "
         f"J'ai une nouvelle carte : {NEW_ICCID}.", "fr"),
        (f"La carte SIM de Thomas Willems est endommagée, voici la nouvelle : {NEW_ICCID}", "fr"),
        (f"De simkaart van Thomas Willems is beschadigd, ik heb een nieuwe kaart: {NEW_ICCID}",
         "nl"),
        (f"Thomas Willems's SIM card is damaged, I have a new card for him: {NEW_ICCID}", "en"),
    ],
)  # fmt: skip
async def test_a_damaged_card_said_in_the_opening_is_broken(backend, dispatcher, text, language):
    filled = await read_opening(fleet(backend), dispatcher, text, language)

    assert filled["target_line_id"] == "5"
    assert filled["replacement_reason"] == "broken"
    assert filled["requested_slot"] is None  # nothing left to ask: the summary follows


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (f"Active la nouvelle carte {NEW_ICCID} pour Thomas Willems", "fr"),
        (f"Zet de nieuwe simkaart {NEW_ICCID} op de lijn van Thomas Willems", "nl"),
        (f"Please replace Thomas Willems's SIM with this new one: {NEW_ICCID}", "en"),
    ],
)
async def test_a_new_card_without_a_reason_gets_the_reason_question(
    backend, dispatcher, text, language
):
    filled = await read_opening(fleet(backend), dispatcher, text, language)

    assert filled["target_line_id"] == "5"
    assert "replacement_reason" not in filled  # not silently a switch (no fee, no blocking)
    assert filled["requested_slot"] == "replacement_reason"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (f"Thomas Willems a un nouveau gsm qui ne prend pas l'eSIM, j'ai la carte {NEW_ICCID}",
         "fr"),
        (f"Thomas Willems heeft een nieuw toestel, hier is zijn nieuwe simkaart {NEW_ICCID}", "nl"),
        (f"Thomas Willems got a new phone, here's his new SIM {NEW_ICCID}", "en"),
    ],
)  # fmt: skip
async def test_a_new_device_said_in_the_opening_is_a_switch(backend, dispatcher, text, language):
    filled = await read_opening(fleet(backend), dispatcher, text, language)

    assert filled["replacement_reason"] == "switch"


# --- the summary ----------------------------------------------------------------------------


def prepared(fee: str) -> dict[str, Any]:
    summary = {
        "msisdn": "+32470000005",
        "old_sim_type": "physical",
        "old_iccid": "8932032024700000050",
        "new_sim_type": "physical",
        "iccid": NEW_ICCID,
        "esim_confirmation_required": False,
        "fee": fee,
    }
    return {"id": "op_rep", "type": "replace_sim", "status": "pending", "line_id": 5,
            "msisdn": "+32470000005", "summary": summary}  # fmt: skip


@pytest.mark.parametrize(
    ("language", "reason", "fee", "blocked"),
    [
        ("fr", "carte volée", "15,00 €", "SIM physique 8932032024700000050 (déjà bloquée)"),
        ("nl", "kaart gestolen", "€ 15,00", "fysieke sim 8932032024700000050 (al geblokkeerd)"),
        ("en", "card stolen", "€15.00", "physical SIM 8932032024700000050 (already blocked)"),
    ],
)
async def test_the_summary_reads_back_the_reason_its_fee_and_the_block(
    backend, dispatcher, language, reason, fee, blocked
):
    backend.on("POST", "/api/v1/operations", json_response(201, prepared("15.00")))
    tracker = make_tracker(
        "yes",
        intent="affirm",
        slots={"language": language, "target_line_id": "5", "replacement_reason": "stolen",
               "block_old_sim": True, "sim_type": "physical", "new_iccid": NEW_ICCID},
    )  # fmt: skip

    await ActionPrepareSimReplacement(backend.client()).run(dispatcher, tracker, {})

    [request] = [r for r in backend.requests if r.method == "POST"]
    assert json.loads(request.content)["params"]["reason"] == "stolen"
    assert responses(dispatcher) == ["utter_replacement_summary", "utter_ask_confirm_operation"]
    summary = dispatcher.messages[0]
    assert (summary["reason"], summary["old_sim"]) == (reason, blocked)
    assert summary["fee"].replace("\u202f", " ").replace("\xa0", " ") == fee


async def test_a_broken_card_is_read_back_free_and_not_blocked(backend, dispatcher):
    backend.on("POST", "/api/v1/operations", json_response(201, prepared("0.00")))
    tracker = make_tracker(
        "ok",
        intent="affirm",
        slots={"language": "fr", "target_line_id": "5", "replacement_reason": "broken",
               "sim_type": "physical", "new_iccid": NEW_ICCID},
    )  # fmt: skip

    await ActionPrepareSimReplacement(backend.client()).run(dispatcher, tracker, {})

    summary = dispatcher.messages[0]
    assert summary["reason"] == "carte abîmée"
    assert summary["old_sim"] == "SIM physique 8932032024700000050"


# --- the card's last digits are no line -----------------------------------------------------

LINES = [Line.model_validate(each) for each in FLEET]


@pytest.mark.parametrize(
    "text",
    [
        # en-013: the line ending in 015 (Kevin's) was replaced instead of Jonas's
        f"Jonas Van den Broeck's SIM stopped working. Can you replace it? I'll give him the card "
        f"ending in 015, full number {CARD_015}.",
        f"La SIM de Jonas Van den Broeck ne marche plus. Je lui donne la carte qui finit par 015 "
        f"({CARD_015}).",
        f"De simkaart van Jonas Van den Broeck werkt niet meer. Hij krijgt de kaart die eindigt "
        f"op 015, voluit {CARD_015}.",
        # no full serial: the card word alone says whose digits they are
        "La SIM de Jonas Van den Broeck est morte, il aura la carte SIM qui se termine par 015",
        "Jonas Van den Broeck zijn sim is kapot, hij krijgt de simkaart eindigend op 015",
        "Jonas Van den Broeck's SIM is broken, he gets the card ending in 015",
        # no card word: the digits end the serial written in the same message
        f"Jonas Van den Broeck's SIM is dead. New one, ending in 015: {CARD_015}",
    ],
)
def test_the_last_digits_of_a_card_leave_the_name_to_decide(text):
    matches, _typed = match_lines_in_text(text, LINES)

    assert [each.msisdn for each in matches] == ["+32470000017"]


@pytest.mark.parametrize(
    "text",
    [
        "replace the SIM of the line ending in 015",
        "la ligne qui finit par 015 a besoin d'une nouvelle carte",
        f"de lijn die eindigt op 015 krijgt een nieuwe kaart: {CARD_015}",
    ],
)
def test_the_last_digits_of_a_line_still_name_it(text):
    matches, typed = match_lines_in_text(text, LINES)

    assert [each.msisdn for each in matches] == ["+32470000015"]
    assert typed == "015"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (f"Jonas Van den Broeck's SIM stopped working. Can you replace it? I'll give him the card "
         f"ending in 015, full number {CARD_015}.", "en"),
        (f"La SIM de Jonas Van den Broeck ne marche plus, remplace-la par la carte qui finit par "
         f"015 : {CARD_015}", "fr"),
        (f"De simkaart van Jonas Van den Broeck werkt niet meer, vervang ze door de kaart die "
         f"eindigt op 015: {CARD_015}", "nl"),
    ],
)  # fmt: skip
async def test_the_replacement_goes_on_the_named_users_line(backend, dispatcher, text, language):
    fleet(backend)
    tracker = make_tracker(
        text,
        intent="replace_sim",
        entities=[entity("iccid", CARD_015)],
        slots={"language": language},
    )

    events = await ValidateSimReplacementForm(backend.client()).run(dispatcher, tracker, {})

    filled = slots_of(events)
    assert filled["target_line_id"] == "17"
    assert (filled["replacement_reason"], filled["new_iccid"]) == ("broken", CARD_015)
