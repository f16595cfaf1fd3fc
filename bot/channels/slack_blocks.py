"""Slack Block Kit rendering of Rasa buttons within Slack's limits (no Rasa import: unit-tested).

Limits (https://api.slack.com/reference/block-kit): an ``actions`` block holds at most 25
elements, a button's text 75 characters and its value 2000, a section's text 3000 characters,
and a message at most 50 blocks. Longer lists are split into several blocks / messages, long
titles are shortened with an ellipsis.
"""

from __future__ import annotations

from typing import Any

# Block Kit limits (https://api.slack.com/reference/block-kit).
MAX_ELEMENTS_PER_ACTIONS_BLOCK = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_SECTION_TEXT = 3000
MAX_BLOCKS_PER_MESSAGE = 50


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when something was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def button_element(button: dict[str, Any], index: int) -> dict[str, Any]:
    """One Block Kit button for a Rasa button (``title``, ``payload``)."""
    title = str(button.get("title") or button.get("payload") or "?")
    payload = str(button.get("payload") or title)
    # A payload longer than Slack accepts cannot be cut without breaking it; the title is what
    # the user would type instead, so a click then reads like a typed answer.
    value = payload if len(payload) <= MAX_BUTTON_VALUE else truncate(title, MAX_BUTTON_VALUE)
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(title, MAX_BUTTON_TEXT), "emoji": True},
        "value": value,
        # Unique per message, as Slack requires; clicks are read by value, not by action id.
        "action_id": f"bma_button_{index}",
    }


def escape_mrkdwn(text: str) -> str:
    """``text`` with the three characters Slack's message formatting reserves escaped.

    Unescaped, ``<`` and ``>`` would be read as link or mention syntax; Slack shows the
    entities as the characters again.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def button_messages(text: str, buttons: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The blocks of ``text`` with ``buttons``, split into as many messages as Slack needs."""
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": part}}
        for part in _split_text(escape_mrkdwn(text), MAX_SECTION_TEXT)
    ]
    elements = [button_element(button, index) for index, button in enumerate(buttons)]
    blocks.extend(
        {"type": "actions", "elements": chunk}
        for chunk in _chunks(elements, MAX_ELEMENTS_PER_ACTIONS_BLOCK)
    )
    return _chunks(blocks, MAX_BLOCKS_PER_MESSAGE)


def _split_text(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at line ends where possible."""
    parts: list[str] = []
    rest = text.strip() or " "
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
            # Never cut through an entity such as "&amp;".
            amp = rest.rfind("&", max(0, cut - 5), cut)
            if amp > 0 and ";" not in rest[amp:cut]:
                cut = amp
        parts.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    parts.append(rest)
    return parts
