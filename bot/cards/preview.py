"""What the preview found and what approvers must see first, as escaped mrkdwn lines. Pure
functions.

A preview is typed (`bot.model.RequestPreview`): the vendor's look (`adapters.base.Preview`,
ending in a verdict) or why there is none (`bot.model.PreviewUnavailable`), told apart by
`match`. `verdict_lines` is what goes first: a blocker (on a card forced past it), the
warnings of a ``warn`` preview, or that nobody could look. An ``ok`` preview shows none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, assert_never

from adapters.base import Preview, Verdict
from bot.cards.sentences import mrkdwn
from bot.cards.text import clip_raw, code, escape, mention
from bot.model import PreviewUnavailable, RequestPreview, backticked

MAX_FACTS = 15
MAX_WARNINGS = 8
_VALUE_LIMIT = 300
_MESSAGE_LIMIT = 600


def text_of(value: Any, limit: int = _MESSAGE_LIMIT) -> str:
    """Escape one stored value, clipped before escaping so it cannot crowd out the card."""
    return escape(clip_raw(str(value), limit))


def marked(value: str) -> str:
    """An adapter's words: its backticked spans (setting names, commands) as inline code."""
    return mrkdwn(backticked(clip_raw(value, _MESSAGE_LIMIT)))


def error_text(message: str, next_step: str, vendor_code: str | None = None) -> str:
    """``vendor error `<code>`: message *Next:* step``; no code is shown when there is none."""
    parts = [f"vendor error {code(vendor_code, limit=80)}:"] if vendor_code else []
    said = marked(message or "no details")
    if next_step:
        # The step is a sentence of its own: end the message first, unless it ends itself.
        said = said if said.rstrip().endswith((".", "!", "?", ":")) else f"{said.rstrip()}."
        parts.extend([said, f"*Next:* {marked(next_step)}"])
    else:
        parts.append(said)
    return " ".join(parts)


def preview_lines(preview: RequestPreview | None) -> list[str]:
    """The preview's summary and facts, or why there is no preview."""
    match preview:
        case None:
            return ["*Preview:* _not available yet_"]
        case PreviewUnavailable():
            return []  # `verdict_lines` says it, prominently
        case Preview():
            return _found_lines(preview)
        case _:
            assert_never(preview)


def _found_lines(preview: Preview) -> list[str]:
    if preview.found:
        lines = ["*Preview:* " + text_of(preview.summary)]
    elif _said_by_blocker(preview):  # said once, by `blocked_lines`, which goes with these
        lines = ["*Preview:* :grey_question: not found"]
    else:
        lines = ["*Preview:* :grey_question: not found: " + text_of(preview.summary)]
    for label, value in list(preview.facts.items())[:MAX_FACTS]:
        lines.append(f"• {text_of(label, 80)}: {text_of(value, _VALUE_LIMIT)}")
    if len(preview.facts) > MAX_FACTS:
        lines.append(f"• _+{len(preview.facts) - MAX_FACTS:,} more facts_")
    return lines


def _said_by_blocker(preview: Preview) -> bool:
    """Whether the preview's summary repeats what its blocker says (a target not found)."""
    summary = preview.summary.strip()
    return preview.blocked is not None and summary in preview.blocked.message


def verdict_lines(
    preview: RequestPreview | None, *, forced_by: str | None = None, dry_run: bool = False
) -> list[str]:
    """What approvers must see first: the blocker (a forced card), the warnings (``warn``),
    or that nobody could look (preview unavailable). An ``ok`` preview shows nothing.

    Args:
        preview: The request's preview.
        forced_by: The requester, on a card posted with ``--force`` despite a blocked preview.
        dry_run: For a dry run (nothing was requested): an unavailable preview also gives the
            vendor's next step, which is written for a call that failed ("then request again")
            and so is left off a request that is still open.
    """
    match preview:
        case None:
            return []
        case PreviewUnavailable():
            step = preview.next_step if dry_run else ""
            return [
                ":warning: *Preview unavailable:* "
                + error_text(preview.message, step, preview.code),
                "_Nobody could look at the target: check it yourself before approving._"
                if dry_run
                else "_The request is still open for approval, but nobody could look at the "
                "target: check it yourself before approving._",
            ]
        case Preview():
            if preview.verdict is Verdict.BLOCKED:
                return blocked_lines(preview, forced_by=forced_by)
            return _warning_lines(preview.warnings)
        case _:
            assert_never(preview)


def blocked_lines(preview: Preview, *, forced_by: str | None = None) -> list[str]:
    """``The preview says the vendor will refuse: …`` with the vendor's code and next step."""
    blocker = preview.blocked
    if blocker is None:
        return []
    vendor_code = f" (vendor code {code(blocker.code, limit=80)})" if blocker.code else ""
    lines = [
        f":rotating_light: *The preview says the vendor will refuse:* "
        f"{marked(blocker.message)}{vendor_code}"
    ]
    if blocker.next_step:
        lines.append(f"*Next:* {marked(blocker.next_step)}")
    if forced_by is not None:
        lines.append(f"*Forced by {mention(forced_by)}* with `--force`.")
    return lines + _warning_lines(preview.warnings)


def _warning_lines(warnings: Sequence[str]) -> list[str]:
    lines = [f":warning: *{marked(w)}*" for w in warnings[:MAX_WARNINGS]]
    if len(warnings) > MAX_WARNINGS:
        lines.append(f":warning: _+{len(warnings) - MAX_WARNINGS:,} more warnings_")
    return lines
