"""Strict identifier rules: the first check every vendor id passes, before anything else.

The default rule is letters, digits and ``._:-``, 1 to 128 characters. A vendor plugin may declare
its own `IdentifierRule` where the vendor documents one (a shorter maximum, ``@`` also allowed).
No rule ever allows anything that could change the meaning of a URL path or query
(``/ ? # % &``, whitespace, non-ASCII): a rule's punctuation may only come from ``._:@-``. Two
extra checks hold for all:

* an id may not start with ``-``, so it can never be read as a flag;
* an id must contain a letter or digit, so ``.`` and ``..`` can never become URL dot-segments.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import Final

from commands.model import UsageError

_SHOWN_CHARS: Final = 40
#: The only punctuation a rule may allow: none of it means anything in a URL path or query.
URL_SAFE_PUNCTUATION: Final = frozenset("._:@-")
_ALNUM: Final = frozenset(string.ascii_letters + string.digits)


@dataclass(frozen=True, slots=True)
class IdentifierRule:
    """Which strings a kind of vendor id may be.

    Attributes:
        punctuation: The characters allowed besides ASCII letters and digits (some of
            ``._:@-``).
        min_length: The fewest characters allowed (at least 1).
        max_length: The most characters allowed.

    Raises:
        ValueError: The punctuation is not URL-safe, or the lengths make no sense.
    """

    punctuation: str = "._:-"
    min_length: int = 1
    max_length: int = 128
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        unsafe = sorted(set(self.punctuation) - URL_SAFE_PUNCTUATION)
        if unsafe:
            raise ValueError(f"an identifier rule may not allow {''.join(unsafe)!r}")
        if not 1 <= self.min_length <= self.max_length:
            raise ValueError("an identifier rule needs 1 <= min_length <= max_length")
        allowed = "A-Za-z0-9" + re.escape(self.punctuation)
        pattern = re.compile(
            rf"(?!-)(?=.*[A-Za-z0-9])[{allowed}]{{{self.min_length},{self.max_length}}}"
        )
        object.__setattr__(self, "_pattern", pattern)

    @property
    def description(self) -> str:
        """The rule in words, e.g. ``letters, digits and `._:-` (1-128 characters)`` (the
        punctuation as code: it is copied, and must reach Slack with nothing between)."""
        length = f"{self.min_length}-{self.max_length} characters"
        return f"letters, digits and `{self.punctuation}` ({length})"

    def matches(self, value: str) -> bool:
        """True when `value` satisfies this rule."""
        return self._pattern.fullmatch(value) is not None

    def check(self, value: str, *, field: str, usage: str = "") -> str:
        """Return `value` unchanged if it satisfies this rule.

        Raises:
            UsageError: Naming `field` and saying what is wrong with `value`.
        """
        if self.matches(value):
            return value
        problem = self._problem(value)
        message = f"Bad {field} {show_value(value)}: {problem}. Use {self.description}."
        raise UsageError(message, field=field, usage=usage)

    def _problem(self, value: str) -> str:
        """Say what is wrong with a value that does not match."""
        if not value:
            return "it is empty"
        allowed = _ALNUM | frozenset(self.punctuation)
        bad = next((char for char in value if char not in allowed), None)
        if bad == "`":
            return "a backtick is not allowed"
        if bad is not None and bad in "{}":
            return f"{show_value(bad)} is not allowed (numeric ranges look like dev-{{001..050}})"
        if bad is not None:
            return f"{show_value(bad)} is not allowed"
        if len(value) < self.min_length:
            return f"it is {len(value)} characters long, shorter than {self.min_length}"
        if len(value) > self.max_length:
            return f"it is {len(value)} characters long, longer than {self.max_length}"
        if value.startswith("-"):
            return "it may not start with '-'"
        return "it needs at least one letter or digit"


def show_value(value: str) -> str:
    """Quote a value the user typed for an error message, cut short if it is long.

    Each character shows as typed (a backslash as one backslash), except what a reader could
    not see or that would garble the message: an invisible, control or spacing character other
    than a plain space shows as its code point, ``⟨U+200B⟩``, and so does a backtick
    (``⟨U+0060⟩``), so the message's own code spans stay paired.
    """
    shown = value if len(value) <= _SHOWN_CHARS else value[:_SHOWN_CHARS] + "…"
    return "'" + "".join(_shown_char(char) for char in shown) + "'"


def _shown_char(char: str) -> str:
    # A backtick too: the messages mark code with backticks, and one of the user's would pair
    # with those and garble both.
    if char == " " or (char.isprintable() and char != "`"):
        return char
    return f"⟨U+{ord(char):04X}⟩"


#: The default: letters, digits and ``._:-``, 1 to 128 characters.
STRICT: Final = IdentifierRule()
