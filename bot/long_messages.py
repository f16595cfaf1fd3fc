"""One long message must not stall the other conversations of a Rasa server (issue #15).

Installed by :mod:`bot.server`; nothing changes for the messages people actually write.

1. **Linear regex features.** Rasa 3.6's ``RegexFeaturizer`` compares every token with every
   match of every pattern: tokens × matches, so a 40,000-character message made of words the
   patterns match costs tens of millions of comparisons. Here each token looks up the first
   match ending after its start (matches come in order and do not overlap): tokens × log
   matches, same features.
2. **Regex patterns with a time budget.** The patterns come from the training data, so one
   written with nested repetitions (or a look-alike of the old e-mail pattern, whose matching
   was quadratic on a long word) would let one message hold the CPU for minutes. The
   featurizer and the entity extractor match with the ``regex`` module (Rasa's own dependency,
   same syntax and matches as ``re`` for these patterns) with ``PATTERN_BUDGET_SECONDS`` per
   pattern and message, and with the GIL released while matching. A pattern out of time
   counts as not matching that message (logged).
3. **Long messages parsed off the event loop.** NLU runs synchronously inside the server's
   event loop; past ``OFF_LOOP_CHARS`` characters (longer than any web chat message) the parse
   runs in a worker thread, so the other conversations' turns go on meanwhile, and after
   ``PARSE_BUDGET_SECONDS`` the turn goes on without it, as a message not understood.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
from typing import Any

import numpy as np
import regex
import scipy.sparse
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.regex_entity_extractor import RegexEntityExtractor
from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import (
    ACTION_TEXT,
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    RESPONSE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

logger = logging.getLogger(__name__)

# A linear pattern needs a few milliseconds for the longest accepted message (40,000 chars).
PATTERN_BUDGET_SECONDS = 0.25
OFF_LOOP_CHARS = 2_000
PARSE_BUDGET_SECONDS = 5.0
NOT_UNDERSTOOD_INTENT = "nlu_fallback"


def _matches(pattern: dict[str, Any], text: str, case_sensitive: bool) -> list[tuple[int, int]]:
    """(start, end) of every match of ``pattern`` in ``text``, in order; none when out of time."""
    flags = 0 if case_sensitive else regex.IGNORECASE
    try:
        return [
            match.span()
            for match in regex.finditer(
                pattern["pattern"],
                text,
                flags=flags,
                timeout=PATTERN_BUDGET_SECONDS,
                concurrent=True,
            )
        ]
    except TimeoutError:
        logger.warning(
            "NLU pattern %r gave up after %.2f s on a %d-character message",
            pattern["name"],
            PATTERN_BUDGET_SECONDS,
            len(text),
        )
        return []


def features_for_patterns(
    self: RegexFeaturizer, message: Message, attribute: str
) -> tuple[scipy.sparse.coo_matrix | None, scipy.sparse.coo_matrix | None]:
    """``RegexFeaturizer._features_for_patterns`` in tokens × log(matches), same results."""
    if not message.get(attribute):
        return None, None
    tokens = message.get(TOKENS_NAMES[attribute], [])
    if not tokens:
        return None, None
    sequence_features = np.zeros([len(tokens), len(self.known_patterns)])
    sentence_features = np.zeros([1, len(self.known_patterns)])
    for pattern_index, pattern in enumerate(self.known_patterns):
        spans = _matches(pattern, message.get(attribute), self.case_sensitive)
        ends = [end for _, end in spans]
        for token_index, token in enumerate(tokens):
            patterns = token.get("pattern", default={})
            # The first match ending after the token starts is the only one that may overlap it.
            first = bisect.bisect_right(ends, token.start)
            overlaps = first < len(spans) and spans[first][0] < token.end
            patterns[pattern["name"]] = overlaps
            if overlaps:
                sequence_features[token_index][pattern_index] = 1.0
                if attribute in (RESPONSE, TEXT, ACTION_TEXT):
                    sentence_features[0][pattern_index] = 1.0
            token.set("pattern", patterns)
    return scipy.sparse.coo_matrix(sequence_features), scipy.sparse.coo_matrix(sentence_features)


def extract_entities(self: RegexEntityExtractor, message: Message) -> list[dict[str, Any]]:
    """``RegexEntityExtractor._extract_entities`` with the budgeted matching."""
    text = message.get(TEXT)
    return [
        {
            ENTITY_ATTRIBUTE_TYPE: pattern["name"],
            ENTITY_ATTRIBUTE_START: start,
            ENTITY_ATTRIBUTE_END: end,
            ENTITY_ATTRIBUTE_VALUE: text[start:end],
        }
        for pattern in self.patterns
        for start, end in _matches(pattern, text, self.case_sensitive)
    ]


_rasa_parse_message = MessageProcessor.parse_message


async def parse_message(
    self: MessageProcessor,
    message: UserMessage,
    tracker: DialogueStateTracker | None = None,
    only_output_properties: bool = True,
) -> dict[str, Any]:
    """``MessageProcessor.parse_message``; a long message is parsed in a worker thread.

    The off-loop path is the stock method's, with the graph run moved to the thread (its
    debug log line left out: the text is the long one).
    """
    if self.http_interpreter or len(message.text or "") <= OFF_LOOP_CHARS:
        parsed: dict[str, Any] = await _rasa_parse_message(
            self, message, tracker, only_output_properties
        )
        return parsed
    if tracker is None:
        tracker = DialogueStateTracker.from_events(message.sender_id, [])
    parse = asyncio.to_thread(
        self._parse_message_with_graph, message, tracker, only_output_properties
    )
    try:
        parse_data: dict[str, Any] = await asyncio.wait_for(parse, PARSE_BUDGET_SECONDS)
    except asyncio.TimeoutError:
        logger.warning(
            "NLU gave up after %.0f s on a %d-character message: read as not understood",
            PARSE_BUDGET_SECONDS,
            len(message.text or ""),
        )
        parse_data = not_understood(message.text or "")
    self._update_full_retrieval_intent(parse_data)
    self._check_for_unseen_features(parse_data)
    return parse_data


def not_understood(text: str) -> dict[str, Any]:
    """The parse of a message NLU could not read in time: the fallback intent, no entities."""
    intent = {INTENT_NAME_KEY: NOT_UNDERSTOOD_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
    return {TEXT: text, INTENT: intent, INTENT_RANKING_KEY: [intent], ENTITIES: []}


def install() -> None:
    """Patch the three places above into Rasa's classes (the running server only)."""
    RegexFeaturizer._features_for_patterns = features_for_patterns
    RegexEntityExtractor._extract_entities = extract_entities
    MessageProcessor.parse_message = parse_message
