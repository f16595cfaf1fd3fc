"""A message that is nothing but an IBAN, an ICCID, an e-mail address or an IMEI is an answer.

People answer the bot's questions with the bare value: "BE49 2930 4567 8971",
"an.desmet@bruggebouw.be", "353918109871232". The classifier sees few n-grams in such a
message, and the sentence encoder none it knows, so it often fell back to ``out_of_scope``
(or read an e-mail address as ``affirm``) — while the entity extractors had found the value
exactly. Such a message means ``inform`` whatever the conversation: this component, placed
after the entity extractors and before the FallbackClassifier, says so with full confidence.
A value with words around it ("block 0470…", "mail sarah@… the invoice") is left to the
classifier. Phone numbers and invoice/ticket numbers are left too: a bare one can open a
request ("0475 33 44 55" = its consumption) as well as answer one.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

ANSWER_ENTITIES = frozenset({"iban", "iccid", "email"})
# An IMEI has 15 digits (14 without its check digit, 16 for an IMEISV), often typed in groups.
BARE_IMEI = re.compile(r"\d(?:[ .-]?\d){13,15}")
# What may surround the value: spaces and punctuation, never a letter or another digit.
FILLER = re.compile(r"[\s.,;:!?'\"()\[\]<>-]*")
INFORM = "inform"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class StructuredAnswerClassifier(GraphComponent):
    """Sets the intent ``inform`` (confidence 1) on messages that are only a structured value."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> StructuredAnswerClassifier:
        return cls()

    @staticmethod
    def is_bare_value(message: Message) -> bool:
        text = message.get(TEXT) or ""
        spans = [
            (entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END])
            for entity in message.get(ENTITIES) or []
            if entity.get(ENTITY_ATTRIBUTE_TYPE) in ANSWER_ENTITIES
        ]
        if spans:
            rest = list(text)
            for start, end in spans:
                rest[start:end] = [" "] * (end - start)
            return FILLER.fullmatch("".join(rest)) is not None
        imei = BARE_IMEI.search(text)
        return imei is not None and (
            FILLER.fullmatch(text[: imei.start()] + text[imei.end() :]) is not None
        )

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if not self.is_bare_value(message):
                continue
            intent = {INTENT_NAME_KEY: INFORM, PREDICTED_CONFIDENCE_KEY: 1.0}
            ranking = [intent] + [
                {**ranked, PREDICTED_CONFIDENCE_KEY: 0.0}
                for ranked in message.get(INTENT_RANKING_KEY) or []
                if ranked.get(INTENT_NAME_KEY) != INFORM
            ]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
