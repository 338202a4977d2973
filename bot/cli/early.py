"""SIGTERM before a command takes over its signals: while opsgate's modules, its plugins and
its settings load (a second or more on a busy machine). Python's default would end the process
without a word (status 143); here it stops as the command would stop a moment later (SPEC
§13): `serve` with ``stopped before start-up finished`` and status 0, any other command with
``opsgate: interrupted`` and status 130, as SIGTERM stops them once they run.

Standard library only: `bot.cli` installs this before it imports anything else of opsgate.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from types import FrameType
from typing import NoReturn


class StoppedEarly(KeyboardInterrupt):
    """SIGTERM before the command took over its signals (a `KeyboardInterrupt`, so whatever
    cleans up after Ctrl-C cleans up after it too)."""


def sigterm_stops_early() -> AbstractContextManager[None]:
    """Inside the block SIGTERM raises `StoppedEarly` in the main thread; afterwards the
    previous handler is back."""
    return sigterm_raises(StoppedEarly)


@contextmanager
def sigterm_raises(error: type[BaseException]) -> Iterator[None]:
    """Inside the block SIGTERM raises `error` in the main thread, as Ctrl-C raises
    `KeyboardInterrupt`; afterwards the previous handler is back. Elsewhere than the main
    thread nothing is installed: signals are only delivered to it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_it(signum: int, frame: FrameType | None) -> NoReturn:
        raise error

    previous = signal.signal(signal.SIGTERM, raise_it)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def stopped_early(*, serving: bool) -> tuple[str, int]:
    """The line (without ``opsgate: ``) and the status for `StoppedEarly`: `serving` is
    whether the command was ``serve``."""
    return ("stopped before start-up finished", 0) if serving else ("interrupted", 130)
