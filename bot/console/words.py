"""The console's answers to lines it cannot run: a first word that is none of its commands,
and ``as`` without someone known and a line."""

from __future__ import annotations

import difflib
from typing import Final

from bot.console.clicks import WAITING
from bot.console.session import USERS
from commands.catalog import META_COMMANDS, Catalog

#: Each person of the console by name (``bob``), to their user id.
NAMES: Final = {name: uid for uid, name in USERS.items()}
TRY: Final = "try @alice, @bob, @carol or @dave"

#: The console's own commands, for a suggestion when a word is none of them.
_WORDS: Final = (
    "/ops", *WAITING, "user", "as", "form", "again", "home", "audit", "verify", "help", "quit",
)  # fmt: skip


def unknown_command(word: str, catalog: Catalog | None = None) -> str:
    """One line for a word that is no command: the closest one, and where the rest are; a word
    that starts a slash command (`status`, a vendor of `catalog`) is pointed at ``/ops``."""
    typed = word.lower()  # caps lock, or a phone's capital: still the closest command
    close = difflib.get_close_matches("/" + typed if typed == "ops" else typed, _WORDS, n=1)
    meant = f" (did you mean {close[0]}?)" if close else ""
    if typed in {*META_COMMANDS, *(catalog.vendors if catalog else ())}:
        meant = f" (did you mean /ops {typed} …?)"
    shown = word if len(word) <= 40 else word[:40] + "…"
    return f"unknown command {shown}{meant}; type help for the console's commands"


def cannot_run_as(who: str, line: str) -> str | None:
    """Why ``as <who> <line>`` cannot run (nobody named, nobody known, nothing to run), or
    None."""
    if not who:
        return f"name someone and a line: as @bob approve; {TRY}"
    if who.lstrip("@") not in NAMES:
        return f"no such person {who}; {TRY}"
    if not line.strip():
        return f"name a line to run as @{who.lstrip('@')}: as @{who.lstrip('@')} approve"
    if line.split()[0] == "as":  # one person a line: the second `as` would be read as no command
        return f"as runs one line as one person: as @{who.lstrip('@')} approve, not as … as …"
    return None
