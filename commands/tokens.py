"""Split slash-command text into words, the way an engineer typing in Slack expects.

Rules:
    * Words are separated by whitespace (spaces, tabs, newlines).
    * A quote opens only at the start of a word, or right after the ``=`` of ``--flag=``, so the
      apostrophe in ``don't`` (or Slack's ``don’t``) is just a letter.
    * Straight and typographic quotes count: ``"`` ``“`` ``”`` close one another, as do
      ``'`` ``‘`` ``’`` (Slack clients rewrite straight quotes, not always in matched pairs).
    * A closing quote counts only when whitespace or the end of the text follows it; inside quotes,
      a backslash escapes a backslash or a quote of the same family. Together these let any text
      be quoted (`quote` is the inverse).
    * A run opened by a straight quote closes at a straight one, a typographic run at a
      typographic one; a quote of the other kind closes it only when it does not close a pair
      opened inside: ``--reason "customer said “stop” today"`` is the reason
      ``customer said “stop” today``.
    * An unterminated quote is a `UsageError`, never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from commands.model import UsageError

_DOUBLE: Final = frozenset('"“”')
_SINGLE: Final = frozenset("'‘’")
_QUOTES: Final = _DOUBLE | _SINGLE
_STRAIGHT: Final = frozenset("\"'")
#: Characters that look like a hyphen: Slack and macOS turn a typed ``--`` into an em or en
#: dash, and pasted documents bring minus signs, hyphens, bars and small or full-width
#: hyphen-minuses. At the start of a bare word any of them marks a flag, so a flag typed with
#: one is a flag (or an unknown-flag error), never part of the reason before it.
DASHES: Final = frozenset(
    "\u2010\u2011\u2012\u2013\u2014\u2015"  # hyphen, non-breaking hyphen, …, em dash, bar
    "\u2212\ufe58\ufe63\uff0d\u2e3a\u2e3b"  # minus, small/full-width hyphens, long dashes
)
# Slack sends `&`, `<` and `>` HTML-escaped; `&amp;` must go last so `&amp;lt;` stays `&lt;`.
_SLACK_ESCAPES: Final = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


@dataclass(frozen=True, slots=True)
class Word:
    """One word of the command text.

    Attributes:
        text: The word with its quotes removed.
        bare: True when the word did not start with a quote, so ``--x`` in it may be a flag.
    """

    text: str
    bare: bool = True


def unescape_slack(text: str) -> str:
    """Undo Slack's HTML escaping of ``&``, ``<`` and ``>`` (and nothing else)."""
    for escaped, plain in _SLACK_ESCAPES:
        text = text.replace(escaped, plain)
    return text


def split_words(text: str) -> list[Word]:
    """Split command text into words, removing quotes.

    Raises:
        UsageError: A quote is never closed.
    """
    words: list[Word] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            return words
        word, pos = _read_word(text, pos)
        words.append(word)


def _read_word(text: str, start: int) -> tuple[Word, int]:
    """Read one word starting at `start`; return it and the position after it."""
    bare = text[start] not in _QUOTES
    is_flag = text.startswith("--", start) or text[start] in DASHES
    quote_may_open = {start}
    chars: list[str] = []
    pos = start
    while pos < len(text) and not text[pos].isspace():
        char = text[pos]
        if char in _QUOTES and pos in quote_may_open:
            quoted, pos = _read_quoted(text, pos)
            chars.append(quoted)
            continue
        if char == "=" and is_flag and len(quote_may_open) == 1:
            quote_may_open.add(pos + 1)  # right after the first "=" of "--flag="
        chars.append(char)
        pos += 1
    return Word("".join(chars), bare=bare), pos


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """Read a quoted run opened at `start`; return its content and the position after it.

    A closing quote of the opener's kind (straight or typographic) closes the run. One of the
    other kind closes it too, unless it closes a pair of that kind opened inside the run: so
    ``"customer said “stop” today"`` keeps its inner quotes, where ``”`` after "stop" would
    otherwise end the run there. One pass, no looking back: a long text costs its length.
    """
    family = _DOUBLE if text[start] in _DOUBLE else _SINGLE
    straight_run = text[start] in _STRAIGHT
    chars: list[str] = []
    inner = 0  # pairs of the other kind opened inside the run and not yet closed
    pos = start + 1
    while pos < len(text):
        char = text[pos]
        following = text[pos + 1] if pos + 1 < len(text) else ""
        if char == "\\" and (following == "\\" or following in family):
            chars.append(following)
            pos += 2
            continue
        if char in family:
            own_kind = (char in _STRAIGHT) == straight_run
            if not following or following.isspace():
                if own_kind or inner == 0:
                    return "".join(chars), pos + 1
                inner -= 1
            elif not own_kind and (pos == start + 1 or text[pos - 1].isspace()):
                inner += 1
        chars.append(char)
        pos += 1
    raise UsageError(_unterminated(text, start))


def _unterminated(text: str, start: int) -> str:
    """Say which quote is never closed, and how to type it: closed, or (an apostrophe that
    starts a word, ``‘cause``) inside quotes of the other kind."""
    quote_, word = text[start], text[start:].split(maxsplit=1)[0][:40]
    other = '"' if quote_ in _SINGLE else "'"
    return (
        f"Unterminated quote: the {quote_} at character {start + 1} is never closed. Close it, or "
        f"if it is meant as a letter, quote the words with the other kind: {other}{word} …{other}"
    )


def quote(text: str) -> str:
    """Quote `text` so that `split_words` reads it back as exactly one word equal to `text`."""
    escaped = "".join(f"\\{char}" if char == "\\" or char in _DOUBLE else char for char in text)
    return f'"{escaped}"'
