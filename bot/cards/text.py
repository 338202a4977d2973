"""Text helpers for Block Kit cards: escaping, clipping and formatting. Pure functions, no I/O.

Everything a user or a vendor typed goes through `escape` (or `code`) before it reaches mrkdwn,
so it can never mention anyone, inject a link, or break the card's formatting. Nor can it start
a line of its own: its line breaks show as `LINE_BREAK`, so every line of a card begins with
opsgate's words and nobody can append a fake fact or verdict beneath a real one. Nor can it
reorder the line it is on: its bidirectional controls show as their code points (`BIDI_SHOWN`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from bot.model.slack_ids import is_user_id

#: Zero-width joiner: placed before a mrkdwn control character it stops Slack from pairing the
#: character into bold/italic/strike/code, while the text still reads the same.
ZWJ = "\u200d"
ELLIPSIS = "…"
#: What a line break in user or vendor text shows as: its words stay on the line opsgate
#: began, and the reader still sees where the writer broke the line.
LINE_BREAK = " ⏎ "

#: How a bidirectional control in user or vendor text shows, e.g. ``⟨U+202E⟩``: left in, a
#: right-to-left override would display the rest of the line, opsgate's own words included,
#: reversed (the "Trojan Source" trick); shown, the reader sees that it was there.
BIDI_SHOWN = "⟨U+{:04X}⟩"

# Embeddings, overrides and isolates, and the invisible marks that steer the same algorithm.
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# Every character `str.splitlines` (and so a Slack client, a terminal, a reader) may break at.
_BREAK = re.compile(r"[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")

_CONTROL = re.compile(r"([*_~`])")
# Bare broadcast words only ping with link_names, but an approver's client may still highlight
# them; a joiner after the "@" keeps them inert whatever the posting options.
_BROADCAST = re.compile(r"@(here|channel|everyone)\b", re.IGNORECASE)
_UNFINISHED = re.compile(r"(&[a-z]{0,4}|<[^>]*)$")


def escape_entities(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` the way Slack requires (nothing else).

    Args:
        text: Any text.

    Returns:
        Text where Slack sees no control sequence (``<!channel>``, ``<@U…>``, ``<url|label>``).
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape(text: str) -> str:
    """Make user text safe for mrkdwn: inert mentions and links, no stray formatting, one line.

    Args:
        text: Text a user or a vendor wrote.

    Returns:
        The same words on one line (`one_line`), with Slack's entities escaped, broadcast words
        defused, and a zero-width joiner before each of ``*``, ``_``, ``~`` and the backtick.
    """
    safe = defuse_broadcasts(escape_entities(one_line(text)))
    return _CONTROL.sub(ZWJ + r"\1", safe)


def one_line(text: str) -> str:
    """Text with each run of line breaks (and the blanks around it) shown as `LINE_BREAK`;
    line breaks at either end are dropped; bidirectional controls are shown (`show_bidi`).
    Text with neither is returned as it is."""
    text = show_bidi(text)
    if not _BREAK.search(text):
        return text
    # The blanks at either end stay: this may be a piece between two code spans of a sentence.
    lead = text[: len(text) - len(text.lstrip(" \t"))]
    trail = text[len(text.rstrip(" \t")) :]
    lines = (line.strip() for line in text.splitlines())
    return lead + LINE_BREAK.join(line for line in lines if line) + trail


def has_line_break(text: str) -> bool:
    """True when `text` holds a line break of any kind a card shows as `LINE_BREAK`."""
    return _BREAK.search(text) is not None


def show_bidi(text: str) -> str:
    """Text with each bidirectional control shown as its code point (`BIDI_SHOWN`)."""
    return _BIDI.sub(lambda m: BIDI_SHOWN.format(ord(m.group())), text)


def defuse_broadcasts(text: str) -> str:
    """Keep ``@here``, ``@channel`` and ``@everyone`` inert: a joiner after the ``@``."""
    return _BROADCAST.sub(lambda m: f"@{ZWJ}{m.group(1)}", text)


def code(text: str, *, limit: int = 200) -> str:
    """Show an identifier as inline code, so it copies exactly (no joiners inside).

    A line break, which would end the span, shows as `LINE_BREAK` inside it: the text stays
    set apart as code (no emoji, no bold) rather than read as opsgate's words. Falls back to
    `escape` when the text holds a backtick, which would end the span too.

    Args:
        text: The identifier.
        limit: Longest text kept before clipping.
    """
    flat = one_line(text)
    short = flat if len(flat) <= limit else flat[: limit - 1] + ELLIPSIS
    if "`" in short or not short.strip():
        return escape(short)
    return f"`{escape_entities(short)}`"


def code_block(text: str, *, limit: int | None = None) -> str:
    """Show text preformatted; a run of backticks inside cannot close the block.

    Its line breaks stay: a command or a vendor request shown here must copy exactly, and its
    lines sit inside the block, apart from the card's own (Slack formats nothing in it). Its
    bidirectional controls are shown (`show_bidi`): they would reorder the lines as read.

    Args:
        text: The text, unescaped.
        limit: The longest the whole block may be, fences included: the text is clipped
            after escaping (an ``&`` grows to five characters), so a section's own clip never
            cuts the closing fence.
    """
    inside = escape_entities(show_bidi(text)).replace("```", f"`{ZWJ}`{ZWJ}`")
    if limit is not None:
        inside = clip(inside, max(limit - 6, 1))
    return f"```{inside}```"


def clip(text: str, limit: int) -> str:
    """Cut text to at most `limit` characters, ending with an ellipsis when cut.

    Never leaves half an entity (``&am``) or half a ``<…>`` sequence behind, so clipped mrkdwn
    is still well formed for Slack.
    """
    if len(text) <= limit:
        return text
    cut = _UNFINISHED.sub("", text[: max(limit - 1, 0)])
    return cut + ELLIPSIS


def clip_raw(text: str, limit: int) -> str:
    """Cut raw (unescaped) user text before escaping it, so one field cannot crowd out others."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def mention(user_id: str) -> str:
    """Mention a Slack user, or show the text escaped when it is not a user id."""
    return f"<@{user_id}>" if is_user_id(user_id) else escape(user_id)


def actor(actor_id: str) -> str:
    """Who did something, as the audit log names them: ``system`` is opsgate itself; anyone
    else is mentioned."""
    return "opsgate" if actor_id == "system" else mention(actor_id)


def mentions(user_ids: Iterable[str]) -> str:
    """Mention several users, comma separated; "nobody yet" when there are none."""
    shown = [mention(u) for u in user_ids]
    return ", ".join(shown) if shown else "nobody yet"


def slack_date(when: datetime) -> str:
    """A date Slack shows in each reader's time zone, with a UTC fallback for old clients."""
    aware = when if when.tzinfo else when.replace(tzinfo=UTC)
    epoch = int(aware.timestamp())
    fallback = aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{epoch}^{{date_short_pretty}} {{time}}|{fallback}>"


def elide(items: Sequence[str], *, shown: int = 10) -> str:
    """Join already-formatted items, keeping the first `shown` and counting the rest."""
    head = ", ".join(items[:shown])
    rest = len(items) - shown
    return f"{head} +{rest:,} more" if rest > 0 else head


def plural(count: int, noun: str) -> str:
    """``1 target``, ``10,000 targets``, ``2 batches``."""
    if count == 1:
        return f"{count:,} {noun}"
    return f"{count:,} {noun}{'es' if noun.endswith(('ch', 'sh', 's', 'x')) else 's'}"


def duplicates_dropped(dropped: int) -> str:
    """What every answer to a request tells the requester of the repeated targets their
    command named and parsing dropped (``2 duplicate targets dropped: each target is acted on
    once.``), or nothing when there were none."""
    if not dropped:
        return ""
    return f"{plural(dropped, 'duplicate target')} dropped: each target is acted on once."


def time_left(deadline: datetime, now: datetime) -> str:
    """``in 40 s``, ``in 25 min``, ``in 2 h 5 min`` until `deadline` (not yet reached). Under
    a minute counts seconds, so a short TTL never reads as a whole minute; whole minutes are
    rounded down (90 s is "in 1 min"), so it never promises more time than is left."""
    seconds = max(math.floor((deadline - now).total_seconds()), 0)
    if seconds < 60:
        return f"in {seconds} s"
    hours, mins = divmod(seconds // 60, 60)
    return f"in {hours} h {mins} min" if hours else f"in {mins} min"
