"""A value corrected in the same message is the value said last.

"elle veut garder son num 0498 76 54 32... non pardon 0498 76 54 23", "met nummer 0470 00 00 52,
nee sorry 0470 00 00 53", "kevin hermans (0470 00 00 51... non 0470 00 00 15)": the regex
extractor finds both numbers, and every reader of the ``phone_number`` entity took the first
one (a porting of the wrong number, a line "not found", the wrong colleague's SIM blocked).
This component, placed after the entity extractors, drops a structured value that is followed,
after a few words that take it back ("non pardon", "nee sorry", "no wait, I mean"), by another
value of the same kind, so that every action reads the corrected value only.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import pairwise
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
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

# Values a slip of the finger gets wrong and the next words put right.
CORRECTED = frozenset({"phone_number", "iccid", "email", "iban"})
# Between the two values: punctuation, then a word that takes the first one back (on folded,
# lower-case text), and at most a few words more before the second value.
_TAKES_BACK = re.compile(
    r"^[\s,.;:()…/-]*(?:non|nee|neen|neeje|no|nope|sorry|pardon|oups|oops|oeps|oei|euh|eh|"
    r"correction|correctie|plutot|rather|wacht|attends?|wait|je veux dire|ik bedoel|i mean)\b"
)
MAX_GAP_WORDS = 8


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def taken_back(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``entities`` without the values that the words right after them take back in favour of
    another value of the same kind."""
    dropped: set[int] = set()
    for kind in CORRECTED:
        said = sorted(
            (
                (i, e)
                for i, e in enumerate(entities)
                if e.get(ENTITY_ATTRIBUTE_TYPE) == kind
                and isinstance(e.get(ENTITY_ATTRIBUTE_START), int)
                and isinstance(e.get(ENTITY_ATTRIBUTE_END), int)
            ),
            key=lambda pair: int(pair[1][ENTITY_ATTRIBUTE_START]),
        )
        for (index, first), (_, second) in pairwise(said):
            end, start = int(first[ENTITY_ATTRIBUTE_END]), int(second[ENTITY_ATTRIBUTE_START])
            gap = _fold(text[end:start])
            if len(gap.split()) <= MAX_GAP_WORDS and _TAKES_BACK.search(gap):
                dropped.add(index)
    return [e for i, e in enumerate(entities) if i not in dropped]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class SelfCorrectionFilter(GraphComponent):  # type: ignore[misc]
    """Drops a structured value that the same message corrects."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SelfCorrectionFilter:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            entities = message.get(ENTITIES) or []
            kept = taken_back(message.get(TEXT) or "", entities)
            if len(kept) != len(entities):
                message.set(ENTITIES, kept, add_to_output=True)
        return messages
