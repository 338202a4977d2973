"""Check blocks against Block Kit's limits: a test helper shipped with the cards.

slack_sdk validates most limits when a block is built (field and element counts, header and
button text); Slack enforces a few more when the message is posted (field and context text).
`block_problems` checks both, so any test (ours or the lifecycle's) can assert that a message
would be accepted without talking to Slack.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from bot.cards.blocks import (
    CONTEXT_LIMIT,
    FIELD_LIMIT,
    HEADER_LIMIT,
    MAX_BLOCKS,
    SECTION_LIMIT,
)


def block_problems(blocks: Sequence[dict[str, Any]], *, limit: int = MAX_BLOCKS) -> list[str]:
    """Every way `blocks` break Block Kit's rules; empty when Slack would accept them.

    Args:
        blocks: Blocks as dicts.
        limit: The block count allowed (50 in messages, 100 in the App Home tab).
    """
    found = [f"{len(blocks)} blocks (limit {limit})"] if len(blocks) > limit else []
    for index, block in enumerate(blocks):
        found.extend(f"block {index}: {p}" for p in _problems(block))
    return found


def _problems(block: dict[str, Any]) -> list[str]:
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return ["not a block"]
        parsed.to_dict()  # validates nested elements too (buttons, confirm dialogs)
    except SlackObjectFormationError as error:
        return [str(error)]
    return _length_problems(block)


def _length_problems(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    texts: list[tuple[str, int]] = []
    if kind == "section":
        texts.append((block.get("text", {}).get("text", ""), SECTION_LIMIT))
        texts.extend((f["text"], FIELD_LIMIT) for f in block.get("fields", []))
    elif kind == "header":
        texts.append((block["text"]["text"], HEADER_LIMIT))
    elif kind == "context":
        texts.extend((e.get("text", ""), CONTEXT_LIMIT) for e in block["elements"])
    found = [f"{kind} text of {len(t)} chars (limit {n})" for t, n in texts if len(t) > n]
    # A clip that cut off a code block's closing fence leaves the rest of the text as literal
    # backticks and markup: Slack shows it broken.
    found += [f"{kind} text with an unclosed code block" for t, _ in texts if t.count("```") % 2]
    return found
