"""Block builders that can never produce an invalid block, whatever the input size.

Each builder clips its text to the Block Kit limit before slack_sdk's model validates it, then
returns the block as a dict. Callers pass mrkdwn that is already escaped (see `bot.cards.text`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.cards.text import clip

Block = dict[str, Any]

SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
MAX_FIELDS = 10
HEADER_LIMIT = 150
CONTEXT_LIMIT = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_BLOCKS = 50
TEXT_LIMIT = 3000  # the notification text; Slack allows far more, but nobody reads it


@dataclass(frozen=True)
class Message:
    """A message ready for ``chat.postMessage``/``chat.update``/``respond``.

    Attributes:
        text: Notification and fallback text (mrkdwn).
        blocks: Block Kit blocks as dicts.
    """

    text: str
    blocks: list[Block]


def header(text: str) -> Block:
    """A header block; plain text, so nothing in it is interpreted."""
    plain = clip(" ".join(text.split()), HEADER_LIMIT) or "opsgate"
    return HeaderBlock(text=PlainTextObject(text=plain, emoji=True)).to_dict()


def section(text: str, *, block_id: str | None = None) -> Block:
    """A mrkdwn section, clipped to Slack's 3,000 characters."""
    body = MarkdownTextObject(text=clip(text, SECTION_LIMIT) or " ")
    return SectionBlock(text=body, block_id=block_id).to_dict()


def fields(pairs: Sequence[tuple[str, str]]) -> list[Block]:
    """Label/value pairs as section fields, ten to a section, each clipped to 2,000 characters.

    Args:
        pairs: (label, mrkdwn value) pairs; labels are ours and shown bold.
    """
    texts = [clip(f"*{label}*\n{value}", FIELD_LIMIT) for label, value in pairs]
    return [
        SectionBlock(
            fields=[MarkdownTextObject(text=t) for t in texts[i : i + MAX_FIELDS]]
        ).to_dict()
        for i in range(0, len(texts), MAX_FIELDS)
    ]


def context(*items: str) -> Block:
    """A context line (small grey text) of up to ten mrkdwn items."""
    kept = [clip(item, CONTEXT_LIMIT) for item in items if item][:MAX_CONTEXT_ELEMENTS]
    return ContextBlock(elements=[MarkdownTextObject(text=t) for t in kept or [" "]]).to_dict()


def divider() -> Block:
    """A horizontal rule."""
    return DividerBlock().to_dict()


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
    """Assemble a `Message`, clipping the text and fitting the blocks."""
    return Message(text=clip(text, TEXT_LIMIT), blocks=fit_blocks(blocks, limit=limit))
