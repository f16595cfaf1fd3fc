"""Yes and no in people's words (actions/answers.py)."""

from __future__ import annotations

import pytest

from actions.answers import is_explicit_stop, is_question, yes_or_no


@pytest.mark.parametrize(
    "text",
    [
        "oui", "Oui, merci", "oui on arrete", "oui bloquez tout de suite", "d'accord", "vas-y",
        "ouais c'est bon", "Oui, il tient à garder son numéro, c'est celui qu'il a depuis 15 ans",
        "ja", "jep", "Ja, stopzetten", "ja doe maar", "is goed", "oké", "akkoord", "zeker",
        "yes", "yes deactivate", "yep go ahead", "sure", "ok make it Smart instead", "Yes please!",
        # Dutch's softener "maar" after the verb is no "but"; everyday ways to say fine
        "ja, bestel maar", "ja, doe maar snel", "in orde", "ok ça marche", "sounds good",
        "ga je gang",
    ],
)  # fmt: skip
def test_a_leading_yes_is_a_yes(text: str) -> None:
    assert yes_or_no(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "non", "non merci", "Non, pas de split bill", "nan laisse tomber", "nee", "neen",
        "nee laat maar", "laat maar", "no", "no, she doesn't want to keep it", "nope",
        "no wait, Pro Start", "cancel that", "ah nee, zet Thomas als contact",
        "forget it, she just found it in her car 🙄 don't do anything", "laisse tomber",
        "vergeet het maar",
    ],
)  # fmt: skip
def test_a_leading_no_is_a_no(text: str) -> None:
    assert yes_or_no(text) is False


@pytest.mark.parametrize(
    "text",
    [
        "oui mais pas sur cette ligne",
        "ja maar niet die",
        "yes but not that one",
        "je voudrais activer une eSIM",
        "Pro Smart",
        "0470 00 00 05",
        "/affirm",
        "",
        "c'est quoi la différence ?",
        "Oui alors voilà je voudrais vous expliquer en détail tout ce qui se passe depuis des "
        "semaines avec nos téléphones et le réseau",
    ],
)
def test_anything_else_is_left_to_the_classifier(text: str) -> None:
    assert yes_or_no(text) is None


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("et c'est ou dans le portail que je pourrais faire ca moi-meme la prochaine fois ?", True),
        ("Où est-ce que je trouve ça ?", True),
        ("waar vind ik dat in het portaal?", True),
        ("where do I do that myself next time?", True),
        ("what's the difference between Smart and Unlimited?", True),
        ("physique ou eSIM, je ne sais pas encore", False),
        ("could you make it Unlimited?", False),
        ("ok make it Smart instead", False),
    ],
)  # fmt: skip
def test_questions_are_told_from_requests(text: str, question: bool) -> None:
    assert is_question(text) is question


@pytest.mark.parametrize(
    ("text", "stop"),
    [
        ("stop", True), ("laat maar", True), ("laisse tomber", True), ("cancel it please", True),
        ("non merci, on arrête", True), ("forget it", True),
        ("valt constant uit, herstart vanzelf", False),
        ("the screen stops working after a minute", False),
        ("l'appareil s'arrête tout seul", False),
    ],
)  # fmt: skip
def test_only_a_message_saying_nothing_but_stop_is_a_stop(text: str, stop: bool) -> None:
    assert is_explicit_stop(text) is stop
