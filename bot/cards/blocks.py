"""Block builders that can never produce an invalid block, whatever the input size.

Each builder clips its text to the Block Kit limit and returns the block as the dict Slack
takes. They build the dicts directly rather than through slack_sdk's models: validating every
model cost most of a card's rendering (1.8 ms a card, on the worker threads that compete with
Slack's acks for the interpreter). slack_sdk still checks them, in the tests: each builder's
output equals its model's ``to_dict()`` (`tests/bot/cards/test_blocks_match_slack_sdk.py`), and
every message the tests render passes `block_kit.block_problems`. Callers pass mrkdwn that is
already escaped (see `bot.cards.text`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.cards.text import clip, clip_raw, one_line

Block = dict[str, Any]

SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
MAX_FIELDS = 10
HEADER_LIMIT = 150
CONTEXT_LIMIT = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_BLOCKS = 50
TEXT_LIMIT = 3000  # the notification text; Slack allows far more, but nobody reads it
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
CONFIRM_TITLE_LIMIT = 100
CONFIRM_TEXT_LIMIT = 300
CONFIRM_BUTTON_LIMIT = 30


@dataclass(frozen=True)
class Message:
    """A message ready for ``chat.postMessage``/``chat.update``/``respond``.

    Attributes:
        text: Notification and fallback text (mrkdwn).
        blocks: Block Kit blocks as dicts.
    """

    text: str
    blocks: list[Block]


def plain_text(text: str) -> dict[str, Any]:
    """A plain-text object (nothing in it is interpreted; emoji codes are)."""
    return {"type": "plain_text", "text": text, "emoji": True}


def mrkdwn_text(text: str) -> dict[str, Any]:
    """A mrkdwn text object."""
    return {"type": "mrkdwn", "text": text}


def header(text: str) -> Block:
    """A header block; plain text, so nothing in it is interpreted."""
    plain = clip(" ".join(text.split()), HEADER_LIMIT) or "opsgate"
    return {"type": "header", "text": plain_text(plain)}


def section(text: str, *, block_id: str | None = None) -> Block:
    """A mrkdwn section, clipped to Slack's 3,000 characters."""
    block: Block = {"type": "section", "text": mrkdwn_text(clip(text, SECTION_LIMIT) or " ")}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def fields(pairs: Sequence[tuple[str, str]]) -> list[Block]:
    """Label/value pairs as section fields, ten to a section, each clipped to 2,000 characters.

    Args:
        pairs: (label, mrkdwn value) pairs; labels are ours and shown bold.
    """
    texts = [clip(f"*{label}*\n{value}", FIELD_LIMIT) for label, value in pairs]
    return [
        {"type": "section", "fields": [mrkdwn_text(t) for t in texts[i : i + MAX_FIELDS]]}
        for i in range(0, len(texts), MAX_FIELDS)
    ]


def context(*items: str) -> Block:
    """A context line (small grey text) of up to ten mrkdwn items."""
    kept = [clip(item, CONTEXT_LIMIT) for item in items if item][:MAX_CONTEXT_ELEMENTS]
    return {"type": "context", "elements": [mrkdwn_text(t) for t in kept or [" "]]}


def divider() -> Block:
    """A horizontal rule."""
    return {"type": "divider"}


def confirm_dialog(*, title: str, text: str, confirm: str, deny: str = "Cancel") -> Block:
    """A danger-styled confirmation dialog for a button; `text` is mrkdwn."""
    return {
        "title": plain_text(clip_raw(title, CONFIRM_TITLE_LIMIT)),
        "text": mrkdwn_text(clip(text, CONFIRM_TEXT_LIMIT)),
        "confirm": plain_text(clip_raw(confirm, CONFIRM_BUTTON_LIMIT)),
        "deny": plain_text(clip_raw(deny, CONFIRM_BUTTON_LIMIT)),
        "style": "danger",
    }


def button(
    text: str,
    *,
    action_id: str,
    value: str | None = None,
    style: str | None = None,
    confirm: Block | None = None,
) -> Block:
    """A button; `value` is what the click sends back (a request id), if anything."""
    element: Block = {
        "type": "button",
        "text": plain_text(clip_raw(text, BUTTON_TEXT_LIMIT)),
        "action_id": action_id,
    }
    if value is not None:
        element["value"] = value[:BUTTON_VALUE_LIMIT]
    if style is not None:
        element["style"] = style
    if confirm is not None:
        element["confirm"] = confirm
    return element


def actions(elements: Sequence[Block], *, block_id: str | None = None) -> Block:
    """A row of buttons."""
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def lines_sections(lines: Sequence[str], *, limit: int = SECTION_LIMIT) -> list[Block]:
    """Pack lines into as few sections as fit, each under `limit` characters."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if current and len(candidate) > limit:
            chunks.append(current)
            candidate = line
        current = candidate
    if current:
        chunks.append(current)
    return [section(chunk) for chunk in chunks]


def fit_blocks(blocks: list[Block], *, limit: int = MAX_BLOCKS) -> list[Block]:
    """Keep a message within the block limit; the last block (often the buttons) always stays.

    Blocks dropped from the middle are counted in a context line, so nothing vanishes silently.
    """
    if len(blocks) <= limit:
        return blocks
    kept = blocks[: limit - 2]
    dropped = len(blocks) - len(kept) - 1
    return [*kept, context(f"_{dropped:,} more blocks not shown_"), blocks[-1]]


def message(text: str, blocks: list[Block], *, limit: int = MAX_BLOCKS) -> Message:
    """Assemble a `Message`, clipping the text and fitting the blocks.

    The text is kept on one line (`one_line`) whoever built it: a notification shows no more,
    and a line break in it could only have come from outside text.
    """
    text = clip(one_line(text), TEXT_LIMIT)
    return Message(text=text, blocks=fit_blocks(blocks, limit=limit))
