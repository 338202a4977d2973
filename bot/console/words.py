"""The console's answer to a line whose first word is none of its commands."""

from __future__ import annotations

import difflib
from typing import Final

from bot.console.clicks import WAITING

#: The console's own commands, for a suggestion when a word is none of them.
_WORDS: Final = (
    "/ops", *WAITING, "user", "as", "form", "again", "home", "audit", "verify", "help", "quit",
)  # fmt: skip


def unknown_command(word: str) -> str:
    """One line for a word that is no command: the closest one, and where the rest are."""
    typed = word.lower()  # caps lock, or a phone's capital: still the closest command
    close = difflib.get_close_matches("/" + typed if typed == "ops" else typed, _WORDS, n=1)
    meant = f" (did you mean {close[0]}?)" if close else ""
    shown = word if len(word) <= 40 else word[:40] + "…"
    return f"unknown command {shown}{meant}; type help for the console's commands"
