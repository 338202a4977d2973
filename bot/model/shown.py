"""Untrusted text shown on one line of a terminal or a log, where it cannot pass for other text.

Text read from a database or a request may hold anything: a carriage return and an erase
sequence (``\\r\\x1b[2K``) would overwrite the line it is on, a line break would start a line
of its own, a right-to-left override would reorder it. `escaped` shows each such character as
its Python escape instead, so what is printed is what is stored, visibly.

JSON written one object per line (the JSON log lines, ``audit export``) has the same need for
the three characters JSON leaves raw that Unicode counts as line breaks: `one_json_line`.
"""

from __future__ import annotations

from typing import Final

#: U+2028, U+2029 and U+0085, which `str.splitlines` (and Unicode-aware readers) split on, as
#: the JSON escapes that read back as the same text.
_JSON_BREAKS: Final = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


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


def one_json_line(json_text: str) -> str:
    """`json_text` (from `json.dumps`, which escapes every other line break) with U+2028,
    U+2029 and U+0085 written as JSON escapes: one line to every reader, and the same value
    once parsed."""
    return json_text.translate(_JSON_BREAKS)
