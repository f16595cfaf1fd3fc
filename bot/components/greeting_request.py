"""A greeting followed by a request is that request.

"hello there, can you show my lines" read as ``greet`` (0.94) and "Goeiemiddag, is het nummer
van Youssef Benali al overgezet?" as ``greet`` (0.63): the bot said hello and the request was
lost. Most of the classifier's greeting examples are greetings alone, so a greeting word weighs
more than the request after it. This component, placed after the classifier and before the
FallbackClassifier, looks at what follows the greeting: when it is a few words long and the
classifier's ranking, without the social intents, clearly prefers one request, that request is
the intent, with its probability given that the message is not a mere greeting.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

GREET = "greet"
# Intents that are no request here: the greeting's social neighbours, answers that only mean
# something inside a form, and the portal switch (a greeting that asks for a portal is
# action_greet's, and "bonjour, je suis le gestionnaire de la flotte" introduces its writer).
SOCIAL = frozenset(
    {"greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "out_of_scope", "ask_help",
     "continue_form", "inform", "switch_role", "stop"}
)  # fmt: skip
# A greeting at the start, with its usual companions ("hello there", "bonjour à tous", "dag
# allemaal", "beste", "madame, monsieur"), on folded lower-case text.
_GREETING = re.compile(
    r"^(?:(?:hello|hallo|hullo|hi|hey|heya|hiya|hoi|dag|daag|goeiedag|goedendag|goeiendag|"
    r"goe(?:ie|de)?(?:morgen|middag|navond|avond)|goeienmiddag|goedenavond|morning|evening|"
    r"good (?:morning|afternoon|evening|day)|bonjour|bonsoir|salut|coucou|bjr|slt|re|"
    r"beste|geachte|dear|cher|chere|madame|monsieur|mevrouw|meneer|allo)"
    r"(?:[\s,!.:;-]+(?:there|all|team|everyone|allemaal|iedereen|samen|a tous|tout le monde|"
    r"madame|monsieur|mevrouw|meneer|sir|madam))*[\s,!.:;-]*)+"
)
# What must follow the greeting for it to carry a request, and how clearly the ranking must
# prefer one request once the social intents are set aside.
MIN_REQUEST_WORDS = 3
MIN_CONDITIONAL_CONFIDENCE = 0.6
# Below this, the request's own probability is noise that the division would only magnify.
MIN_REQUEST_CONFIDENCE = 0.03


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def request_after_greeting(text: str) -> str | None:
    """The words after a leading greeting, when there are enough of them to be a request."""
    folded = _fold(text).strip()
    greeting = _GREETING.match(folded)
    if greeting is None or greeting.end() == 0:
        return None
    rest = folded[greeting.end() :]
    return rest if len(re.findall(r"\w+", rest)) >= MIN_REQUEST_WORDS else None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class GreetingWithRequestClassifier(GraphComponent):  # type: ignore[misc]
    """Replaces ``greet`` by the request that follows the greeting, if the ranking is clear."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GreetingWithRequestClassifier:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) != GREET:
                continue
            if request_after_greeting(message.get(TEXT) or "") is None:
                continue
            ranking = message.get(INTENT_RANKING_KEY) or []
            requests = [r for r in ranking if r.get(INTENT_NAME_KEY) not in SOCIAL]
            rest = sum(float(r.get(PREDICTED_CONFIDENCE_KEY) or 0.0) for r in requests)
            if not requests or rest <= 0.0:
                continue
            best = max(requests, key=lambda r: float(r.get(PREDICTED_CONFIDENCE_KEY) or 0.0))
            raw = float(best.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
            if raw < MIN_REQUEST_CONFIDENCE or raw / rest < MIN_CONDITIONAL_CONFIDENCE:
                continue
            # The ranking given that the message is a request: the requests renormalised, the
            # social intents at zero (the FallbackClassifier compares the first two).
            ranked = sorted(
                (
                    {
                        **r,
                        PREDICTED_CONFIDENCE_KEY: float(r.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
                        / rest
                        if r in requests
                        else 0.0,
                    }
                    for r in ranking
                ),
                key=lambda r: -float(r[PREDICTED_CONFIDENCE_KEY]),
            )
            message.set(INTENT, dict(ranked[0]), add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranked, add_to_output=True)
        return messages
