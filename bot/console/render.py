"""Block Kit messages as readable plain text, for the terminal console. Pure functions.

Only the blocks opsgate itself produces need to read well (header, section, context, actions,
divider); anything else degrades to its text, never to an error.
"""

from __future__ import annotations

import itertools
import re
import textwrap
from collections.abc import Callable, Mapping
from typing import Any

_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"
_ITALIC, _NOT_BOLD, _NOT_ITALIC = "\x1b[3m", "\x1b[22m", "\x1b[23m"
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060"))
#: Control characters in a message's text (but its line breaks and tabs) show as "�": from a
#: vendor's message, an escape sequence would otherwise drive the terminal (move the cursor,
#: rewrite lines, set its title) instead of being read.
_CONTROLS = dict.fromkeys(
    [c for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if chr(c) not in "\n\t"], "\ufffd"
)
_ENTITY = re.compile(r"<([^<>]*)>")
# Slack pairs a marker only at a word's edge; a joiner before it (`bot.cards.text.escape`)
# keeps it literal, and so does a code span.
_BOLD_SPAN = re.compile(r"(?<![\w*\u200d])\*(?=\S)([^*\n]+?)(?<=[^\s\u200d])\*(?![\w*])")
_ITALIC_SPAN = re.compile(r"(?<![\w_\u200d])_(?=\S)([^_\n]+?)(?<=[^\s\u200d])_(?![\w_])")
# Code blocks (which may span lines) and inline code: Slack formats nothing inside either.
_CODE_SPAN = re.compile(r"(```.*?```|`[^`\n]+`)", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]+`")
#: Holds a code span's spaces while its line is wrapped: a private-use character outside the
#: code-span stand-ins, which textwrap does not take for a space.
_GLUE = "\U000f0020"
#: Stand-ins for code spans while bold and italic are styled (Unicode's private use area).
_CODE_MARK = re.compile("[\ue000-\uf8ff]")
_CODE_MARK_FIRST, _CODE_MARKS = 0xE000, 0xF900 - 0xE000
_EMOJI = {
    ":warning:": "⚠",
    ":white_check_mark:": "✔",
    ":x:": "✖",
    ":grey_question:": "?",
    ":no_entry:": "⛔",
    ":no_entry_sign:": "🚫",
    ":hourglass:": "⌛",
    ":hourglass_flowing_sand:": "⏳",
    ":test_tube:": "🧪",
    ":large_orange_circle:": "●",
    ":leftwards_arrow_with_hook:": "↩",
    ":octagonal_sign:": "🛑",
    ":rotating_light:": "🚨",
    ":bell:": "🔔",
    ":mag:": "🔍",
}


def render_message(
    blocks: list[dict[str, Any]],
    *,
    width: int = 78,
    color: bool = False,
    names: Mapping[str, str] | None = None,
) -> str:
    """Render blocks as plain text for a terminal.

    Args:
        blocks: Block Kit blocks as dicts (what `bot.cards` functions return).
        width: Column to wrap at.
        color: Add ANSI bold/dim; off by default so output is safe to pipe.
        names: User, user group and channel id -> name, so ``<@U123>`` reads ``@alice``,
            ``<!subteam^S123>`` ``@ops-leads`` and ``<#C123>`` ``#ops``.

    Returns:
        The text, lines joined with newlines, no trailing newline.
    """
    renderer = _Renderer(width=max(width, 20), color=color, names=names or {})
    parts = [renderer.block(b) for b in blocks]
    return "\n".join(p for p in parts if p)


def mrkdwn_to_text(
    text: str, *, names: Mapping[str, str] | None = None, color: bool = False
) -> str:
    """Convert Slack mrkdwn to readable text: entities, mentions (users and user groups by
    name, from `names`), dates, links, emoji, and ``*bold*``/``_italic_`` as terminal styles
    with `color`, or without their markers otherwise (code spans are left as they are)."""
    table = names or {}
    text = _shown(text)
    out = _emoji(_ENTITY.sub(lambda m: _entity(m.group(1), table), text))
    out = _styled_around_code(out, color)
    out = out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return out.translate(_INVISIBLE)


def _shown(text: str) -> str:
    """`text` with its control characters visible as "�", before any style of ours is added."""
    return text.translate(_CONTROLS)


def _emoji(text: str) -> str:
    for code_, char in _EMOJI.items():
        text = text.replace(code_, char)
    return text


def _styled_around_code(text: str, color: bool) -> str:
    """Bold and italic spans styled, code left as it is, even inside a styled span (``*use
    `--no-cascade` to …*``): meanwhile each code span stands as one private-use character."""
    codes = _CODE_SPAN.findall(text)
    if len(codes) > _CODE_MARKS or _CODE_MARK.search(text):
        return "".join(  # stand-ins would be ambiguous: each stretch between code spans
            part if _CODE_SPAN.fullmatch(part) else _styled(part, color=color)
            for part in _CODE_SPAN.split(text)
        )
    numbers = itertools.count(_CODE_MARK_FIRST)
    styled = _styled(_CODE_SPAN.sub(lambda _m: chr(next(numbers)), text), color=color)
    return _CODE_MARK.sub(lambda m: codes[ord(m.group(0)) - _CODE_MARK_FIRST], styled)


def _styled(text: str, *, color: bool) -> str:
    """Bold and italic spans as terminal styles, or as plain words."""
    bold = (lambda m: f"{_BOLD}{m.group(1)}{_NOT_BOLD}") if color else (lambda m: m.group(1))
    italic = (lambda m: f"{_ITALIC}{m.group(1)}{_NOT_ITALIC}") if color else (lambda m: m.group(1))
    return _ITALIC_SPAN.sub(italic, _BOLD_SPAN.sub(bold, text))


def _entity(inner: str, names: Mapping[str, str]) -> str:
    """One ``<…>`` sequence: a mention, a special, a date, a channel or a link."""
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        user = target[1:]
        return "@" + (label or names.get(user, user))
    if target.startswith("#"):
        return "#" + (label or names.get(target[1:], target[1:]))
    if target.startswith("!date^"):
        return label or target
    if target.startswith("!subteam^"):
        group = target.removeprefix("!subteam^")
        return label or "@" + names.get(group, group)
    if target.startswith("!"):
        return "@" + (label or target[1:])
    return f"{label} ({target})" if label else target


class _Renderer:
    """Holds the rendering options so each block function stays small."""

    def __init__(self, *, width: int, color: bool, names: Mapping[str, str]) -> None:
        self.width = width
        self.color = color
        self.names = names

    def block(self, block: dict[str, Any]) -> str:
        handlers: dict[str, Callable[[dict[str, Any]], str]] = {
            "header": self._header,
            "section": self._section,
            "context": self._context,
            "actions": self._actions,
            "divider": lambda _b: "─" * self.width,
        }
        handler = handlers.get(str(block.get("type")), self._other)
        return handler(block)

    def text(self, obj: dict[str, Any] | None) -> str:
        if not obj:
            return ""
        raw = str(obj.get("text", ""))
        if obj.get("type") == "mrkdwn":
            return mrkdwn_to_text(raw, names=self.names, color=self.color)
        return _shown(raw).translate(_INVISIBLE)

    def wrap(self, text: str, *, indent: str = "") -> str:
        lines: list[str] = []
        in_code = False
        for line in text.split("\n"):
            if line.count("```") % 2:
                in_code = not in_code
            keep = in_code or "```" in line or len(line) <= self.width
            lines.extend([indent + line] if keep else _fill(line, self.width, indent))
        return "\n".join(lines).replace("```", "")

    def _header(self, block: dict[str, Any]) -> str:
        title = _emoji(self.text(block.get("text")))  # plain text: no styles to read
        rule = "=" * min(len(title), self.width)
        return f"{_BOLD}{title}{_RESET}\n{rule}" if self.color else f"{title}\n{rule}"

    def _section(self, block: dict[str, Any]) -> str:
        parts = [self.wrap(self.text(block.get("text")))] if block.get("text") else []
        for field in block.get("fields") or []:
            label, _, value = self.text(field).partition("\n")
            parts.append(self.wrap(f"{label}: {value.replace(chr(10), '; ')}", indent="  "))
        accessory = block.get("accessory")
        if accessory:
            parts.append(self._element(accessory))
        return "\n".join(p for p in parts if p)

    def _context(self, block: dict[str, Any]) -> str:
        items = [self._element(e) for e in block.get("elements") or []]
        line = self.wrap(" · ".join(i for i in items if i))
        return f"{_DIM}{line}{_RESET}" if self.color else line

    def _actions(self, block: dict[str, Any]) -> str:
        return " ".join(self._element(e) for e in block.get("elements") or [])

    def _element(self, element: dict[str, Any]) -> str:
        if element.get("type") == "button":
            return f"[{self.text(element.get('text'))}]"
        if element.get("type") == "image":
            return f"[image: {element.get('alt_text', '')}]"
        return self.text(element)

    def _other(self, block: dict[str, Any]) -> str:
        return self.wrap(self.text(block.get("text")))


def _fill(line: str, width: int, indent: str) -> list[str]:
    """`line` wrapped at `width`, but never inside inline code: code is there to be copied, and
    a command example cut in two would run its first line alone when pasted. A code span longer
    than the width runs past it."""
    glued = _INLINE_CODE.sub(lambda m: m.group(0).replace(" ", _GLUE), line)
    filled = textwrap.wrap(
        glued,
        width=width,
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_on_hyphens=False,
        break_long_words=False,
    )
    return [part.replace(_GLUE, " ") for part in filled] or [indent]
