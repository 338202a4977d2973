"""Standard output that says when it cannot be written (a full disk, an I/O error).

A command's ``OSError`` may mean many things (a database file, a socket); only one written to
stdout means "the output is lost". Wrapping stdout tells the two apart, so `bot.cli.main` can
say so in one line with a status that is not the command's own (``audit verify``'s 1 means a
broken log, which a full disk is not).

Standard library only: `bot.cli` runs `stderr_kept_open` before it imports the rest of opsgate.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import TextIO


class OutputUnwritable(Exception):
    """Standard output refused what was written; the message is the system's reason.

    Not an ``OSError``, so that no command's own ``except OSError`` takes it for a failure of
    its database or network.
    """


class GuardedOutput:
    """`stream`, except that a write or flush it refuses raises `OutputUnwritable`.

    A closed pipe (``BrokenPipeError``) passes through unchanged: it is the reader's choice to
    leave early, which `bot.cli.main` ends quietly.
    """

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream  # None: the process started with stdout closed (``>&-``)

    def write(self, text: str) -> int:
        if self._stream is None:
            raise OutputUnwritable("standard output is closed")
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputUnwritable(exc.strerror or str(exc)) from exc

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self._stream is None:
            return  # nothing was written to it: writing already said so
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputUnwritable(exc.strerror or str(exc)) from exc

    def isatty(self) -> bool:
        # The console asks this before it writes anything: closed, it would never write.
        if self._stream is None:
            raise OutputUnwritable("standard output is closed")
        return self._stream.isatty()

    def __getattr__(self, name: str) -> object:
        # isatty, fileno, encoding…: the console and input() ask the real stream
        return getattr(self._stream, name)


def silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush at exit cannot fail again."""
    if sys.stdout is None:  # started with stdout closed: nothing is left to flush
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (stdout replaced in-process)
        pass


def stderr_kept_open() -> None:
    """Started with stderr closed (``2>&-``), Python leaves ``sys.stderr`` None, and
    ``print(..., file=sys.stderr)`` then writes to stdout: an error would be read as the
    command's output (``HEAD=$(opsgate audit head 2>&-)``), and a write to it that fails ends
    ``audit verify`` with status 1, "log broken". Point descriptor 2 and ``sys.stderr`` at
    the null device instead: the status still says what happened, and no file opened later
    (a SQLite database) can take descriptor 2 and receive what is meant for stderr."""
    if sys.stderr is not None:
        return
    null = os.open(os.devnull, os.O_WRONLY)
    if null != 2:
        os.dup2(null, 2)
        os.close(null)
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115 - for the life of the process
