"""A stand-in for a person's terminal, for the command line's messages that only a terminal
gets (progress, announcements of long work)."""

from __future__ import annotations

import io


class Terminal(io.StringIO):
    """Standard error as a person's terminal."""

    def isatty(self) -> bool:
        return True
