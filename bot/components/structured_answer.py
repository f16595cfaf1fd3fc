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

The same holds for a message that only points at a line by its user ("la ligne de Sophie
Martin", "le gsm de Kevin", "die van Jan", "Pieter's number", "the one for Mr Jacobs"): an
answer to "which line?" (and, outside a form, "what shall I do for that line?"). A name is a
word the classifier never saw, and with "line"/"number" around it a request about lines
(``show_lines``) is close.
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
# "la ligne de", "le gsm de", "celle de", "de lijn van", "die van", "the line of", "the one for".
_POINTER = (
    r"(?:la ligne|le num[ée]ro|le num|le gsm|le portable|le t[ée]l[ée]phone|le tel|celle|celui|"
    r"de lijn|het nummer|de gsm|die|diejen|dat nummer|the line|the number|the phone|the mobile|"
    r"the one|line|number)"
)
_OF = r"(?:de|d'|d’|du|van|vn|of|for|pour|voor)"
_TITLE = r"(?:(?:monsieur|madame|mme|mr|mrs|ms|meneer|mevrouw|dhr|mevr)\.? )?"
# A first name in any case ("le gsm de kevin"), then only capitalised words or particles
# ("Sophie Martin", "Pieter Van den Broeck"): "la ligne de Jan est bloquée" is a sentence.
_PERSON = r"(?P<person>[^\W\d_]+(?:[ '’-](?:(?-i:[A-ZÀ-Ý])[^\W\d_]*|van|de|der|den|le|la|du)){0,3})"
_PLEASE = r"(?:,? ?(?:svp|stp|s'il vous pla[iî]t|aub|graag|please|pls|merci|thanks))?"
_LEAD = r"(?:(?:c'est|c’est|het is|'t is|it's|it is|plut[oô]t|liever|eerder|rather|euh|uh) )?"
LINE_POINTERS = (
    re.compile(rf"{_LEAD}{_POINTER} {_OF} ?{_TITLE}{_PERSON}{_PLEASE}[ .!]*", re.IGNORECASE),
    re.compile(
        rf"{_LEAD}{_TITLE}{_PERSON}(?:'s|’s|s') (?:line|number|phone|mobile|gsm|one)"
        rf"{_PLEASE}[ .!]*",
        re.IGNORECASE,
    ),
)
# What follows "le numéro de" / "het nummer van" without being somebody: "le numéro de client",
# "het nummer van de simkaart", "the number of the invoice".
_NO_PERSON = frozenset(
    {"client", "klant", "customer", "carte", "kaart", "card", "sim", "simkaart", "facture",
     "factuur", "invoice", "ticket", "commande", "order", "bestelling", "serie", "série",
     "serial", "suivi", "tracking", "compte", "account", "rekening", "iban", "imei", "contrat",
     "contract", "la", "le", "les", "de", "het", "the", "mon", "ma", "mijn", "my", "son", "sa",
     "zijn", "haar", "his", "her", "our", "notre", "onze", "ons", "téléphone", "telephone",
     "telefoon", "gsm", "ligne", "lijn", "line", "support", "helpdesk", "service"}
)  # fmt: skip


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class StructuredAnswerClassifier(GraphComponent):  # type: ignore[misc]
    """Sets the intent ``inform`` (confidence 1) on messages that are only a structured value or
    only point at a line."""

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

    @staticmethod
    def points_at_a_line(message: Message) -> bool:
        text = (message.get(TEXT) or "").strip()
        for pattern in LINE_POINTERS:
            if (match := pattern.fullmatch(text)) is not None:
                return match.group("person").split()[0].lower() not in _NO_PERSON
        return False

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if self.is_bare_value(message) or self.points_at_a_line(message):
                self._set(message, INFORM)
        return messages

    @staticmethod
    def _set(message: Message, name: str) -> None:
        intent = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: 1.0}
        ranking = [intent] + [
            {**ranked, PREDICTED_CONFIDENCE_KEY: 0.0}
            for ranked in message.get(INTENT_RANKING_KEY) or []
            if ranked.get(INTENT_NAME_KEY) != name
        ]
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
