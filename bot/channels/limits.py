"""Every inbound text bounded and normalised before NLU, masking or logging (issue #15).

Each channel passes the user's text through :func:`bound` before anything else reads it.

| channel | limit (characters) | why this number |
|---|---|---|
| REST (web chat gateway) | 2,000 | the gateway's own cap, ``backend/webchat/schemas.py`` |
| Slack | 40,000 | the longest text Slack itself accepts in a message |
| Microsoft Teams | 28,000 | Teams refuses messages over about 28 KB |

- **Normalised**: runs of more than 30 combining marks cut to 30 (Unicode's stream-safe
  format; longer runs only serve to make normalisation quadratic), control characters removed
  except newline and tab (a ``\\r\\n`` becomes ``\\n``), as are the bidirectional overrides
  and isolates (they reorder what agents and log readers see) and lone surrogates (not
  encodable for the tracker store or a log line); then Unicode NFKC (fullwidth letters and
  digits, ligatures, no-break spaces become their plain forms).
- **Past the limit**: the message is cut to its first N characters and processed as such, so
  the tracker stores it truncated and it is never silently dropped; after the turn, the user
  is told in the conversation's language (French, Dutch or English; all three while the bot
  does not know it yet) that only the first N characters were read.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage

REST_MAX_CHARS = 2_000
SLACK_MAX_CHARS = 40_000
TEAMS_MAX_CHARS = 28_000

# UAX #15 stream-safe text format: no real text stacks more non-starters than this.
MAX_COMBINING_RUN = 30

_CONTROL_CHARACTERS = {
    code: None
    for code in (
        *range(0x00, 0x20),
        *range(0x7F, 0xA0),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        *range(0xD800, 0xE000),
    )
    if chr(code) not in "\t\n"
}

_NOTICES = {
    "fr": "Votre message est trop long : je n'en ai lu que les {limit} premiers caractères.",
    "nl": "Uw bericht is te lang: ik heb alleen de eerste {limit} tekens gelezen.",
    "en": "Your message is too long: I only read its first {limit} characters.",
}
_THOUSANDS_SEPARATORS = {"fr": " ", "nl": ".", "en": ","}


@dataclass(frozen=True)
class Inbound:
    """A user's text as the bot reads it, and whether it was cut to the channel's limit."""

    text: str
    truncated: bool


def _cap_combining_runs(text: str) -> str:
    kept: list[str] = []
    run = 0
    for char in text:
        run = run + 1 if unicodedata.combining(char) else 0
        if run <= MAX_COMBINING_RUN:
            kept.append(char)
    return "".join(kept)


def normalise(text: str) -> str:
    """``text`` in the form the bot reads (see the module docstring)."""
    cleaned = _cap_combining_runs(text).translate(_CONTROL_CHARACTERS)
    return unicodedata.normalize("NFKC", cleaned)


def bound(text: str, limit: int) -> Inbound:
    """``text`` normalised and cut to its first ``limit`` characters.

    Cut before normalising too, so that the work done on a huge text is bounded by the limit;
    and after, because NFKC may lengthen a text (one character can become eighteen).
    """
    normal = normalise(text[:limit])
    return Inbound(normal[:limit], len(text) > limit or len(normal) > limit)


def notice(language: str | None, limit: int) -> str:
    """The "only the first ``limit`` characters were read" message, in ``language`` or, when
    it is not known, in French, Dutch and English (one line each)."""
    languages = [language] if language is not None and language in _NOTICES else list(_NOTICES)
    return "\n".join(
        _NOTICES[lang].format(limit=f"{limit:,}".replace(",", _THOUSANDS_SEPARATORS[lang]))
        for lang in languages
    )


async def conversation_language(agent: Agent, sender_id: str) -> str | None:
    """The language the bot answers this conversation in, read from its tracker; None while
    unknown.

    The ``language`` slot starts at the domain's default: it is the user's only once
    ``language_source`` says how it was chosen (account, detected or explicit).
    """
    tracker = await agent.tracker_store.retrieve(sender_id)
    if tracker is None or not tracker.get_slot("language_source"):
        return None
    language = tracker.get_slot("language")
    return language if isinstance(language, str) else None


async def turn_then_notice(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    message: UserMessage,
    agent: Agent,
    limit: int,
) -> None:
    """The turn of a cut ``message``, then the notice, posted to the same conversation."""
    await on_new_message(message)
    text = notice(await conversation_language(agent, message.sender_id), limit)
    await message.output_channel.send_text_message(message.sender_id, text)
