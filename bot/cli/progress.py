"""Progress of long work (copying a log) on a person's terminal: one line, rewritten as the work
advances. Nothing when standard error is not a terminal, so scripts and logs see only results.
"""

from __future__ import annotations

from typing import Final, TextIO

#: From this many events, copying a log takes long enough on a terminal to show how far it is.
SHOW_FROM: Final = 100_000


class Progress:
    """``opsgate: copying events: 250,000 of 1,000,000 (25%)``, rewritten in place at each
    whole per cent; `finish` ends the line."""

    def __init__(self, err: TextIO, what: str, total: int) -> None:
        self._err = err
        self._what = what
        self._total = total
        self._shown = -1
        self._started = False

    def __call__(self, done: int) -> None:
        percent = done * 100 // self._total if self._total else 100
        if percent == self._shown:
            return
        self._shown, self._started = percent, True
        line = f"opsgate: {self._what}: {done:,} of {self._total:,} ({percent}%)"
        print(f"\r{line}", end="", file=self._err, flush=True)

    def finish(self) -> None:
        if self._started:
            print(file=self._err, flush=True)


def progress_for(err: TextIO, what: str, total: int) -> Progress | None:
    """A `Progress` for `total` items when `err` is a terminal and the work is long."""
    return Progress(err, what, total) if err.isatty() and total >= SHOW_FROM else None
