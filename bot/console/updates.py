"""What changed between two renderings of a card or an App Home tab: the console prints a card
whole once, then only what its updates change. Pure functions."""

from __future__ import annotations

import re
from typing import Final

#: The column the console wraps at (`bot.console.render.render_message`).
WIDTH: Final = 78
_STYLE = re.compile(r"\x1b\[[0-9;]*m")


def card_changes(before: str, after: str, *, width: int = WIDTH) -> str:
    """A card's title and the lines that changed: the whole card was printed already. A line
    that changed is shown with the rest of its sentence, the lines it was wrapped onto, even
    those the card showed before (``… then request the`` never ends an update)."""
    title, *rest = after.splitlines()
    changed = _changed(before, rest, width)
    return "\n".join([title, *changed]) if changed or title not in before.splitlines() else ""


def tab_changes(before: str, after: str, *, heading: str, width: int = WIDTH) -> str:
    """``── <heading> updated ──`` and the lines that are new, each with the rest of its
    sentence (as `card_changes`); empty when nothing is."""
    changed = _changed(before, after.splitlines(), width)
    return "\n".join([f"── {heading} updated ──", *changed]) if changed else ""


def _changed(before: str, lines: list[str], width: int) -> list[str]:
    """The sentences of `lines` that `before` does not hold as they are, each whole."""
    old = set(before.splitlines())
    return [
        line
        for entry in _sentences(lines, width)
        if any(line not in old and set(line) != {"="} for line in entry)
        for line in entry
    ]


def _sentences(lines: list[str], width: int) -> list[list[str]]:
    """`lines` grouped as they were before wrapping: a line and those it was wrapped onto."""
    entries: list[list[str]] = []
    for line in lines:
        if entries and _wrapped_onto(entries[-1], line, width):
            entries[-1].append(line)
        else:
            entries.append([line])
    return entries


def _wrapped_onto(entry: list[str], line: str, width: int) -> bool:
    """`line` continues `entry`: indented deeper than its first line, and its first word did
    not fit at the end of the line before it (so that line was wrapped there)."""
    head, last, text = (_STYLE.sub("", part) for part in (entry[0], entry[-1], line))
    word = text.strip().split(" ", 1)[0]
    deeper = bool(word) and _indent(text) > _indent(head)
    return deeper and len(last) + 1 + len(word) > width


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))
