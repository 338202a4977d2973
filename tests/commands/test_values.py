"""The reason text and whole-number flag values."""

from __future__ import annotations

import pytest

from commands.model import UsageError
from commands.values import MAX_REASON_LENGTH, check_integer, check_reason


def test_reason_is_stripped() -> None:
    assert check_reason("  stale job, INC-42 \n") == "stale job, INC-42"


def test_reason_keeps_inner_newlines_tabs_and_emoji() -> None:
    assert check_reason("one\n\ttwo 👩‍💻") == "one\n\ttwo 👩‍💻"


def test_reason_of_500_characters_fits_and_501_does_not() -> None:
    assert len(check_reason("r" * MAX_REASON_LENGTH)) == 500
    with pytest.raises(UsageError, match="501 characters") as caught:
        check_reason("r" * 501)
    assert caught.value.field == "--reason"


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\r", "\x7f", "\x85", "\u202e", "\ud800"])
def test_reason_refuses_control_characters(char: str) -> None:
    with pytest.raises(UsageError, match=f"U\\+{ord(char):04X}"):
        check_reason(f"a{char}b")


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_reason_may_not_be_empty(text: str) -> None:
    with pytest.raises(UsageError, match="needs some text"):
        check_reason(text)


@pytest.mark.parametrize(("text", "number"), [("0", 0), ("7", 7), ("007", 7), ("100", 100)])
def test_integer(text: str, number: int) -> None:
    assert check_integer(text, field="--limit", low=0, high=100) == number


@pytest.mark.parametrize(
    "text", ["", "+1", "1_000", "١", "1.0", " 1", "0x10", "-1x", "1" * 19 + "x"]
)
def test_integer_refuses_anything_but_ascii_digits(text: str) -> None:
    with pytest.raises(UsageError, match="whole number") as caught:
        check_integer(text, field="--limit", low=0, high=100)
    assert caught.value.field == "--limit"


def test_a_negative_integer_is_out_of_range_not_malformed() -> None:
    with pytest.raises(UsageError) as caught:
        check_integer("-1", field="--reason-id", low=0, high=2147483647)
    assert caught.value.message == "--reason-id must be from 0 to 2147483647; -1 is out of range."


def test_a_very_long_whole_number_is_out_of_range_not_malformed() -> None:
    with pytest.raises(UsageError) as caught:
        check_integer("9" * 23, field="--reason-id", low=0, high=2147483647)
    assert caught.value.message == (
        f"--reason-id must be from 0 to 2147483647; {'9' * 23} is out of range."
    )
    with pytest.raises(UsageError) as caught:
        check_integer("-" + "9" * 40, field="--reason-id", low=0, high=2147483647)
    assert caught.value.message.endswith(f"; -{'9' * 19}… is out of range.")


@pytest.mark.parametrize("text", ["0", "101"])
def test_integer_range(text: str) -> None:
    with pytest.raises(UsageError, match="out of range"):
        check_integer(text, field="--limit", low=1, high=100)
