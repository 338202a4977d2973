"""Progress of long work (copying a log) on a person's terminal: one line, rewritten as the work
advances. Nothing when standard error is not a terminal, so scripts and logs see only results.
"""

from __future__ import annotations

from types import TracebackType
from typing import Final, TextIO

#: From this many events, copying a log takes long enough on a terminal to show how far it is.
SHOW_FROM: Final = 100_000


class Progress:
    """``opsgate: copying events: 250,000 of 1,000,000 (25%)``, rewritten in place at each
    whole per cent; `finish` (or leaving its ``with`` block, however) ends the line. When not
    `shown`, it says nothing at all."""

    def __init__(self, err: TextIO, what: str, total: int, *, shown: bool = True) -> None:
        self._err = err
        self._what = what
        self._total = total
        self._shown = shown
        self._percent = -1

    def __call__(self, done: int) -> None:
        percent = done * 100 // self._total if self._total else 100
        if not self._shown or percent == self._percent:
            return
        self._percent = percent
        line = f"opsgate: {self._what}: {done:,} of {self._total:,} ({percent}%)"
        print(f"\r{line}", end="", file=self._err, flush=True)

    def finish(self) -> None:
        if self._percent >= 0:
            print(file=self._err, flush=True)
            self._percent = -1

    def note(self, text: str) -> None:
        """Say one more line about the work (``verifying the copy…``), where progress shows."""
        if self._shown:
            print(f"opsgate: {text}", file=self._err, flush=True)

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.finish()  # the progress line ends before anything else is said


def progress_for(err: TextIO, what: str, total: int) -> Progress:
    """A `Progress` for `total` items, shown when `err` is a terminal and the work is long."""
    return Progress(err, what, total, shown=err.isatty() and total >= SHOW_FROM)
