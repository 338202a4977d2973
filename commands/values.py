"""Checks for the free-form values a command carries: the reason text and whole numbers."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from commands.identifiers import show_value
from commands.model import UsageError

#: The longest reason: enough to explain, and short enough for a vendor's description field.
MAX_REASON_LENGTH: Final = 500
_ALLOWED_CONTROLS: Final = frozenset("\n\t")
# Bidirectional overrides and isolates can make a reason read differently on the approval card
# than it is stored (the "Trojan Source" trick), so they are refused with the control characters.
_BIDI_CONTROLS: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_DIGITS: Final = re.compile(r"[0-9]{1,18}")
_NEGATIVE: Final = re.compile(r"-[0-9]+")
_TOO_LONG: Final = re.compile(r"[0-9]{19,}")


def check_reason(text: str, *, field: str = "--reason", usage: str = "", example: str = "") -> str:
    """Return the reason (or other free text, such as an incident ref) stripped of surrounding
    whitespace; `example` is shown when it is empty.

    Raises:
        UsageError: The reason is empty, longer than `MAX_REASON_LENGTH`, or holds a control
            character other than newline and tab.
    """
    reason = text.strip()
    if not reason:
        shown = f', e.g. {field} "{example}"' if example else ""
        message = f"{field} needs some text{shown}."
        raise UsageError(message, field=field, usage=usage)
    if len(reason) > MAX_REASON_LENGTH:
        message = f"{field} is {len(reason)} characters long; at most {MAX_REASON_LENGTH} fit."
        raise UsageError(message, field=field, usage=usage)
    bad = next((char for char in reason if _is_forbidden(char)), None)
    if bad is not None:
        message = f"{field} contains the control character U+{ord(bad):04X}; remove it."
        raise UsageError(message, field=field, usage=usage)
    return reason


def _is_forbidden(char: str) -> bool:
    """True for control characters (except newline and tab), bidi controls and lone surrogates."""
    if char in _ALLOWED_CONTROLS:
        return False
    return char in _BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs")


def check_integer(text: str, *, field: str, low: int, high: int, usage: str = "") -> int:
    """Return `text` as a whole number between `low` and `high` inclusive.

    Only plain ASCII digits are accepted: no sign, no ``_`` separators, no other scripts' digits,
    all of which Python's `int` would otherwise take.

    Raises:
        UsageError: `text` is not such a number.
    """
    if _NEGATIVE.fullmatch(text) is not None or _TOO_LONG.fullmatch(text) is not None:
        # A whole number still, only not one in range (too long to be worth reading as one).
        shown = text if len(text) <= 24 else f"{text[:20]}…"
        message = f"{field} must be from {low} to {high}; {shown} is out of range."
        raise UsageError(message, field=field, usage=usage)
    if _DIGITS.fullmatch(text) is None:
        message = f"{field} must be a whole number from {low} to {high}, not {show_value(text)}."
        raise UsageError(message, field=field, usage=usage)
    number = int(text)
    if not low <= number <= high:
        message = f"{field} must be from {low} to {high}; {number} is out of range."
        raise UsageError(message, field=field, usage=usage)
    return number
