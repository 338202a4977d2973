"""Untrusted text on one line: every character that is not printable is shown escaped; JSON
text keeps every line break inside its strings."""

from __future__ import annotations

import json

import pytest

from bot.model.shown import escaped, one_json_line


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("R-7K3F9QW2", "R-7K3F9QW2"),
        ("é 日本 ok", "é 日本 ok"),
        ("\r\x1b[2Kaudit log intact", "\\r\\x1b[2Kaudit log intact"),
        ("a\nb\u2028c", "a\\nb\\u2028c"),
        ("C1: \x85 \x9b", "C1: \\x85 \\x9b"),
        ("\u202eevil\u2066", "\\u202eevil\\u2066"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("\udcff", "\\udcff"),
    ],
)
def test_what_is_not_printable_is_shown_as_its_escape(text: str, shown: str) -> None:
    assert escaped(text) == shown
    assert escaped(shown) == shown  # shown once is shown for good


#: Every character `str.splitlines` breaks a line at (all of them are in the first plane).
LINE_BREAKS = [chr(c) for c in range(0x10000) if len(f"a{chr(c)}b".splitlines()) == 2]


def test_json_text_stays_on_one_line_and_reads_back_the_same() -> None:
    """The JSON log lines and ``audit export`` both go through `one_json_line`: no line break
    `str.splitlines` knows survives `json.dumps` and it, and the value reads back unchanged."""
    assert {"\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029"} <= set(LINE_BREAKS)
    value = {"reason": "a" + "b".join(LINE_BREAKS) + "z"}
    line = one_json_line(json.dumps(value, ensure_ascii=False))
    assert line.splitlines() == [line]
    assert json.loads(line) == value
