"""Lanes: a queue per key (a vendor) that lets at most `width` of its items out at a time.

The runner's preview pool is shared by every vendor; its lanes are what keep one vendor that
never answers from holding all of it (`bot.lifecycle.workers.Runner.submit_preview`). An item
waiting in its lane holds no thread.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


class Lanes(Generic[T]):
    """Items queued by key, at most `width` of one key out at once, each key's in order of
    arrival. Thread-safe."""

    def __init__(self, width: int) -> None:
        if width < 1:
            raise ValueError("a lane lets at least one item out")
        self.width = width
        self._out: dict[str, int] = {}
        self._waiting: dict[str, deque[T]] = {}
        self._lock = threading.Lock()

    def enter(self, key: str, item: T) -> bool:
        """True when `item` may start now (its lane has room: it is out); False when it waits
        for one of its lane's items to `leave`."""
        with self._lock:
            if self._out.get(key, 0) < self.width:
                self._out[key] = self._out.get(key, 0) + 1
                return True
            self._waiting.setdefault(key, deque()).append(item)
            return False

    def leave(self, key: str) -> T | None:
        """One of `key`'s items has ended: the next of its lane, which is out from now on, or
        None when none waits."""
        with self._lock:
            waiting = self._waiting.get(key)
            if waiting:
                following = waiting.popleft()
                if not waiting:
                    del self._waiting[key]
                return following
            self._out[key] -= 1
            if not self._out[key]:
                del self._out[key]
            return None

    def out(self, key: str) -> int:
        """How many of `key`'s items are out."""
        with self._lock:
            return self._out.get(key, 0)


@dataclass
class Place(Generic[T]):
    """An item's place out of `key`'s lane: kept until it ends, unless it hands the place on
    (its lane's next item then starts without waiting for it to end)."""

    key: str
    handed_on: bool = False
    #: The next item its lane gave it when it handed on, for it to run itself after all.
    following: T | None = None
