"""Untrusted text shown on one line of a terminal or a log, where it cannot pass for other text.

Text read from a database or a request may hold anything: a carriage return and an erase
sequence (``\\r\\x1b[2K``) would overwrite the line it is on, a line break would start a line
of its own, a right-to-left override would reorder it. `escaped` shows each such character as
its Python escape instead, so what is printed is what is stored, visibly.
"""

from __future__ import annotations


def escaped(text: str) -> str:
    """`text` with every character that is not printable shown as its Python escape: control
    characters (C0 and C1, so every line break and escape sequence), bidirectional and other
    format characters, separators other than the space, and lone surrogates (``\\n``,
    ``\\x1b``, ``\\x85``, ``\\u202e``, ``\\udcff``). Printable text is returned as it is."""
    if text.isprintable():
        return text
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )
