"""Slack Block Kit rendering of buttons stays within Slack's limits."""

from __future__ import annotations

from bot.channels.slack_blocks import (
    MAX_BLOCKS_PER_MESSAGE,
    MAX_BUTTON_TEXT,
    MAX_BUTTON_VALUE,
    MAX_ELEMENTS_PER_ACTIONS_BLOCK,
    MAX_SECTION_TEXT,
    button_messages,
)


def _buttons(count: int, title: str = "Line {i}") -> list[dict[str, str]]:
    return [
        {"title": title.format(i=i), "payload": f'/select{{"line_id": {i}}}'} for i in range(count)
    ]


def test_a_short_list_is_one_section_and_one_actions_block() -> None:
    [blocks] = button_messages("Which line?", _buttons(3))

    assert [block["type"] for block in blocks] == ["section", "actions"]
    assert [element["value"] for element in blocks[1]["elements"]] == [
        button["payload"] for button in _buttons(3)
    ]


def test_a_long_list_is_split_into_blocks_of_at_most_25_buttons_in_order() -> None:
    messages = button_messages("Which line?", _buttons(60))

    actions = [block for blocks in messages for block in blocks if block["type"] == "actions"]
    assert [len(block["elements"]) for block in actions] == [25, 25, 10]
    values = [element["value"] for block in actions for element in block["elements"]]
    assert values == [button["payload"] for button in _buttons(60)]
    action_ids = [element["action_id"] for block in actions for element in block["elements"]]
    assert len(set(action_ids)) == 60


def test_a_huge_list_is_split_into_messages_of_at_most_50_blocks() -> None:
    messages = button_messages("x", _buttons(MAX_ELEMENTS_PER_ACTIONS_BLOCK * 60))

    assert len(messages) == 2
    assert all(len(blocks) <= MAX_BLOCKS_PER_MESSAGE for blocks in messages)
    total = sum(len(b["elements"]) for blocks in messages for b in blocks if b["type"] == "actions")
    assert total == MAX_ELEMENTS_PER_ACTIONS_BLOCK * 60


def test_long_titles_texts_and_payloads_are_kept_within_limits() -> None:
    long_title = "Pro Unlimited with World roaming and a very long description " * 3
    buttons = [
        {"title": long_title, "payload": "/choose_plan"},
        {"title": "Short", "payload": "/x" + "y" * 3000},
    ]

    messages = button_messages("word " * 2000, buttons)

    blocks = [block for message in messages for block in message]
    sections = [block for block in blocks if block["type"] == "section"]
    assert len(sections) == 4
    assert all(len(block["text"]["text"]) <= MAX_SECTION_TEXT for block in sections)
    [actions] = [block for block in blocks if block["type"] == "actions"]
    first, second = actions["elements"]
    assert len(first["text"]["text"]) == MAX_BUTTON_TEXT
    assert first["text"]["text"].endswith("…")
    assert first["value"] == "/choose_plan"
    # A payload Slack cannot carry falls back to the title, which reads like a typed answer.
    assert second["value"] == "Short"
    assert all(len(element["value"]) <= MAX_BUTTON_VALUE for element in actions["elements"])


def test_section_text_is_escaped_and_never_cut_inside_an_entity() -> None:
    text = "a" * (MAX_SECTION_TEXT - 2) + "&<b> R&D"

    [blocks] = button_messages(text, _buttons(1))

    sections = [block["text"]["text"] for block in blocks if block["type"] == "section"]
    assert sections == ["a" * (MAX_SECTION_TEXT - 2), "&amp;&lt;b&gt; R&amp;D"]
