"""Untrusted text on one line: every character that is not printable is shown escaped."""

from __future__ import annotations

import pytest

from bot.model.shown import escaped


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
