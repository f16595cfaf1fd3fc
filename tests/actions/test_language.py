"""Language: confident detection, explicit requests that stick, the account's language."""

from __future__ import annotations

import pytest

from actions.language import (
    ActionChangeLanguage,
    ActionDetectLanguage,
    detect_language,
    language_from_name,
)
from tests.actions.support import entity, error, make_tracker, me_end_user, responses


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Bonjour, je voudrais voir la consommation de ma flotte pour le mois dernier", "fr"),
        ("Hoeveel heeft mijn vloot vorige maand verbruikt? Ik wil de kosten zien", "nl"),
        ("How much did my fleet use last month? I would like to see the costs", "en"),
        ("consommation du 0470123456 en octobre", "fr"),
        ("verbruik van +32 470 12 34 56 vorige maand", "nl"),
        ("toon mijn lijnen", "nl"),
        ("show my lines", "en"),
        ("mes lignes", "fr"),
        ("I want to activate a physical SIM card", "en"),
        ("Ik wil een eSIM activeren voor e2e-2884d2cc@acme-logistics.example", "nl"),
        # texting (en-1825: answered in the account's Dutch)
        ("resend esim qr 0470000018 thx", "en"),
        ("renvoie le qr esim 0470000018 stp", "fr"),
        ("stuur esim qr 0470000018 opnieuw aub", "nl"),
        # billing words and months (set20 en-2013: answered in the account's French)
        ("Is F2026-000106 paid yet?", "en"),
        ("is de factuur van oktober betaald?", "nl"),
        ("la facture d'octobre est payée ?", "fr"),
        # Short messages that lingua alone got wrong or left undecided: their function words
        # decide (an English request in a Dutch conversation was answered in Dutch).
        ("add roaming Europe to 0470 00 00 05", "en"),
        ("c'est un abonnement privé", "fr"),
        ("c est un numero prive", "fr"),
        ("het is een privénummer", "nl"),
        ("it's a private number", "en"),
        ("rien, c'est bon", "fr"),
        ("mes factures", "fr"),
        ("ok make it Smart instead", "en"),
        # names and product words are no language (lingua read this one as Dutch)
        ("passe Lotte en pro smart stp", "fr"),
        # English contractions are English ("I'd" once counted as the French "d'"), and a
        # sentence made of names and plain words still has English words of its own
        ("I'd like to order an iPhone 16 Pro for our CEO", "en"),
        ("block roaming on Lien Verhaeghe's line", "en"),
        ("ik wil 2 gsm's bestellen", "nl"),
        ("il me faut une nouvelle ligne", "fr"),
        # a request's imperative says the language when the rest is names and products
        ("Mets Kevin Hermans en Pro Unlimited", "fr"),
        ("Zet Kevin Hermans op Pro Unlimited", "nl"),
        ("Put Kevin Hermans on Pro Unlimited", "en"),
        # words of the domain only one language has, around names and numbers
        ("sim of Nathalie Claes is broken, new card is 8932031100000000049", "en"),
        ("sim Nathalie Claes kapot, nieuwe kaart 8932031100000000049", "nl"),
        ("sim Nathalie Claes cassée, nouvelle carte 8932031100000000049", "fr"),
        # a bare command: its verb, spelt so in one language only (set27 en-010: "deactivate
        # 0470 00 00 13" was answered in the account's Dutch throughout)
        ("deactivate 0470 00 00 13", "en"),
        ("terminate 0470000013", "en"),
        ("désactiver 0470 00 00 13", "fr"),
        ("resilier 0470 00 00 13", "fr"),
        ("deactiveer 0470 00 00 13", "nl"),
        ("opzeggen 0470 00 00 13", "nl"),
    ],
)
def test_clear_sentences_are_detected(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize(
    "text",
    [
        "ok",
        "ja",
        "oui",
        "jep",
        "0470123456",
        "10/2026",
        "hallo",
        "merci",
        "/greet",
        "",
        "Pro Smart",
        # a Flemish or French user types these too
        "cancel",
        "block",
    ],
)
def test_short_or_ambiguous_messages_are_not_detected(text):
    assert detect_language(text) is None


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("English", "en"), ("anglais", "en"), ("Engels", "en"), ("en", "en"),
        ("Nederlands", "nl"), ("néerlandais", "nl"), ("Vlaams", "nl"), ("nl", "nl"),
        ("français", "fr"), ("francais", "fr"), ("Frans", "fr"), ("fr", "fr"),
        ("Klingon", None), ("enfin", None),
    ],
)  # fmt: skip
def test_language_names_in_three_languages(name, code):
    assert language_from_name(name) == code


async def test_explicit_request_wins_over_detection(backend, dispatcher):
    tracker = make_tracker(
        "in het Nederlands aub",
        intent="change_language",
        entities=[entity("language", "nl")],
        slots={"language": "en"},
    )

    events = await ActionDetectLanguage(backend.client()).run(dispatcher, tracker, {})

    assert events == [
        {"event": "slot", "timestamp": None, "name": "language", "value": "nl"},
        {"event": "slot", "timestamp": None, "name": "language_source", "value": "explicit"},
    ]
    assert backend.requests == []


async def test_request_in_another_language_than_the_one_asked(backend, dispatcher):
    tracker = make_tracker("can you speak Dutch?", intent="change_language", entities=[])

    events = await ActionDetectLanguage(backend.client()).run(dispatcher, tracker, {})

    assert events[0]["value"] == "nl"


async def test_typo_in_the_language_name_is_still_understood(backend, dispatcher):
    tracker = make_tracker("in het nederlans aub", intent="change_language")

    events = await ActionDetectLanguage(backend.client()).run(dispatcher, tracker, {})

    assert events[0]["value"] == "nl"


async def test_short_reply_does_not_flip_the_language(backend, dispatcher):
    tracker = make_tracker(
        "ok", intent="nlu_fallback", slots={"language": "fr", "language_source": "detected"}
    )

    assert await ActionDetectLanguage(backend.client()).run(dispatcher, tracker, {}) == []
    assert backend.requests == []


@pytest.mark.parametrize(
    "text",
    [
        "Kerkstraat 12, 9000 Gent",
        # set21 en-004: a Brussels address turned an English split-bill form into French
        "Rue de la Loi 16, 1000 Brussels",
        "Chaussée de Louvain 250 boîte 3, 1030 Schaerbeek",
    ],
)
async def test_a_short_form_answer_does_not_flip_the_language(backend, dispatcher, text):
    tracker = make_tracker(
        text,
        intent="inform",
        slots={
            "language": "en",
            "language_source": "detected",
            "requested_slot": "billing_address",
        },
    )
    tracker.active_loop = {"name": "activation_form"}

    assert await ActionDetectLanguage(backend.client()).run(dispatcher, tracker, {}) == []


@pytest.mark.parametrize(
    ("text", "language"),
    [("yes go", "fr"), ("oui, doe maar, allez-y", "fr"), ("ja, vas-y", "nl"), ("oui go", "en")],
)
async def test_a_short_yes_at_a_summary_keeps_the_language(backend, dispatcher, text, language):
    tracker = make_tracker(
        text,
        intent="affirm",
        slots={
            "language": language,
            "language_source": "detected",
            "pending_operation_id": "op_1",
        },
    )

    assert await ActionDetectLanguage(backend.client()).run(dispatcher, tracker, {}) == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Bonjour, on a vole le gsm de Lien sur le chantier ce matin. Nieuwe simkaart nodig, "
            "numero de carte 8932031200000000021.",
            "fr",
        ),
        ("Goeiedag, kunt ge de sim van Jan blokkeren, il a perdu son gsm op de werf", "nl"),
        ("Hi, could you block the SIM of Jan for me, merci beaucoup", "en"),
    ],
)
def test_a_mixed_message_is_in_the_language_most_of_its_words_are(text, language):
    assert detect_language(text) == language


async def test_a_sentence_inside_a_form_still_switches_the_language(backend, dispatcher):
    tracker = make_tracker(
        "Sorry, kan je dat eens in het Nederlands uitleggen alsjeblieft?",
        intent="inform",
        slots={
            "language": "en",
            "language_source": "detected",
            "requested_slot": "billing_address",
        },
    )
    tracker.active_loop = {"name": "activation_form"}

    events = await ActionDetectLanguage(backend.client()).run(dispatcher, tracker, {})

    assert [event["value"] for event in events] == ["nl", "detected"]


async def test_long_sentence_switches_a_detected_language(backend, dispatcher):
    tracker = make_tracker(
        "Hoeveel heb ik deze maand verbruikt?",
        slots={"language": "fr", "language_source": "detected"},
    )

    events = await ActionDetectLanguage(backend.client()).run(dispatcher, tracker, {})

    assert [event["value"] for event in events] == ["nl", "detected"]


async def test_explicit_choice_is_not_overridden_by_detection(backend, dispatcher):
    tracker = make_tracker(
        "Hoeveel heb ik deze maand verbruikt?",
        slots={"language": "en", "language_source": "explicit"},
    )

    assert await ActionDetectLanguage(backend.client()).run(dispatcher, tracker, {}) == []


async def test_account_language_is_used_when_nothing_is_known_yet(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_end_user(language="fr"))
    tracker = make_tracker("ok", intent="greet", slots={"language": "nl", "language_source": None})

    events = await ActionDetectLanguage(backend.client()).run(dispatcher, tracker, {})

    values = {event["name"]: event["value"] for event in events}
    assert (values["language"], values["language_source"]) == ("fr", "account")
    # Read once at the first message: the display cache of who is talking comes with it.
    assert (values["active_role"], values["company_name"]) == ("end_user", "Acme")


async def test_the_profile_is_read_once_with_a_detected_first_message(backend, dispatcher):
    backend.on("GET", "/api/v1/me", me_end_user(language="fr"))
    first = make_tracker(
        "Could you set up direct debit for the company invoices please?",
        slots={"language_source": None},
    )
    later = make_tracker(
        "And what about the invoice of last month, please?",
        slots={"language": "en", "language_source": "detected"},
    )

    events = await ActionDetectLanguage(backend.client()).run(dispatcher, first, {})
    again = await ActionDetectLanguage(backend.client()).run(dispatcher, later, {})

    values = {event["name"]: event["value"] for event in events}
    assert values["language"] == "en" and values["company_name"] == "Acme"
    assert {event["name"] for event in again} == {"language", "language_source"}
    assert len(backend.requests) == 1


async def test_anonymous_one_word_greeting_sets_the_language(backend, dispatcher):
    backend.on("GET", "/api/v1/me", error(401, "chat_identity_unknown"))
    tracker = make_tracker("Bonjour", intent="greet", slots={"language_source": None})

    events = await ActionDetectLanguage(backend.client()).run(dispatcher, tracker, {})

    assert [event["value"] for event in events] == ["fr", "detected"]


async def test_change_language_confirms_or_asks(dispatcher):
    confirmed = make_tracker(
        "en français svp", intent="change_language", entities=[entity("language", "fr")]
    )
    unclear = make_tracker("another language please", intent="change_language")

    await ActionChangeLanguage().run(dispatcher, confirmed, {})
    await ActionChangeLanguage().run(dispatcher, unclear, {})

    assert responses(dispatcher) == ["utter_language_changed", "utter_ask_language"]
