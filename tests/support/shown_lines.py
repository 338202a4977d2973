"""The lines a reader sees in what opsgate sends, and which of them begin with words from
outside: opsgate begins every line it shows itself (user and vendor text only ever follows its
words), so a line found by `outside_lines` is one somebody else made look like opsgate's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from block_kit import block_problems

from bot.cards import Message
from bot.cards.text import ZWJ
from bot.console.render import mrkdwn_to_text


def texts(value: Any) -> Iterator[str]:
    """Every text object's text in blocks, a view or an API call's parameters (blocks and views
    sent as JSON strings are read too): what Slack shows."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            value = json.loads(value)
        except ValueError:
            return
    if isinstance(value, dict):
        if value.get("type") in ("mrkdwn", "plain_text") and isinstance(value.get("text"), str):
            yield value["text"]
        for inner in value.values():
            yield from texts(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from texts(inner)


def lines(shown: Message | dict[str, Any]) -> list[str]:
    """Each line a reader sees, as they see it; a message's (or a call's) notification ``text``
    included."""
    if isinstance(shown, Message):
        assert block_problems(shown.blocks) == []
        pieces = [shown.text, *texts(shown.blocks)]
    else:
        text = shown.get("text")
        pieces = [text] if isinstance(text, str) else []
        pieces += texts({k: v for k, v in shown.items() if k != "text"})
    return [line.replace(ZWJ, "").strip() for piece in pieces for line in piece.splitlines()]


def outside_lines(seen: list[str], *outside: str) -> list[str]:
    """The lines that begin with a line of the `outside` texts, as typed or as the console
    shows it (emoji codes as symbols)."""
    starts = {line.strip() for text in outside for line in text.splitlines() if line.strip()}
    starts |= {mrkdwn_to_text(start) for start in starts}
    return [line for line in seen if any(line.startswith(start) for start in starts)]
