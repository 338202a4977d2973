"""How the request form shows a grammar error under a field."""

from __future__ import annotations

from bot.cards.form_state import ERROR_LIMIT, error_text


def test_an_error_under_a_field_is_one_line() -> None:
    assert error_text("Line 3 has 2 values;\n  the list takes one\tdeviceName per line.") == (
        "Line 3 has 2 values; the list takes one deviceName per line."
    )


def test_a_long_error_is_clipped_with_an_ellipsis() -> None:
    shown = error_text("x" * (ERROR_LIMIT + 50))
    assert len(shown) == ERROR_LIMIT
    assert shown.endswith("…") and shown.startswith("x" * (ERROR_LIMIT - 1))
    assert error_text("y" * ERROR_LIMIT) == "y" * ERROR_LIMIT
